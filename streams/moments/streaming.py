"""Streaming: a video's moments carried forward chunk by chunk, so the work for one chunk is the
same at the fourth hour of a talk as at its twentieth minute.

``MomentStream`` keeps what the chunks so far leave behind: the words of the sentence still open
(a sentence ends only once the word after it is known: ``sentences.closed_sentences``), the
sentences and chunks of the last ``HORIZON_SECONDS``, and the selector with its picks. Each
``step`` takes one chunk: it closes the sentences the new words close, forgets what fell out of
the horizon, and lets the selector advance over the horizon, with the evidence (loudness median,
pauses, topics, what editors clip) measured on that stretch. So a video no longer than the horizon
is scored exactly as if every chunk were read again from the start, and a longer one is judged,
while it streams, against its last ``HORIZON_SECONDS``: a loud or a storied passage is one that
stands out from the twenty minutes around it, and a candidate is a window of them. The last chunk
(``finish``) still reads the whole talk once: the final ranking chooses among every candidate of
the video (``StreamingSelector.reconsider``).

Pure and deterministic: the same chunks stepped in the same order give the same picks, whether one
long-lived worker steps them one per event or a restarted one steps them all at once (``replay``).
Chunks are the catalog's ``TranscriptChunk``s (``Catalog.transcript_chunks``).
"""

from __future__ import annotations

import bisect
from collections import Counter, deque
from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

import numpy as np

from streams.asr.languages import SpokenLanguages
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.moments import topics
from streams.moments.conversation import Conversation
from streams.moments.descriptions import described_in
from streams.moments.editorial import LANGUAGE as EDITORIAL_LANGUAGE
from streams.moments.editorial import PICKS, SKIPS, Space, editorial_map_of
from streams.moments.editorial_head import Head
from streams.moments.evidence import Evidence
from streams.moments.lengths import LengthRange
from streams.moments.pauses import Pauses
from streams.moments.rhetoric import devices as rhetorical_devices
from streams.moments.scoring import ScoredMoment
from streams.moments.selection import StreamingSelector, final_ranking
from streams.moments.sentences import MAX_SENTENCE_SECONDS, Sentence, build_sentences, closed_sentences, settled_until
from streams.moments.stored import evidence_of, words_of
from streams.speakers.video import turns_of_chunks, with_speakers
from streams.speakers.voices import SpeakerStream, Voices

# How much of the talk, back from the newest chunk's end, the moments weigh while it streams: ten
# clips' worth at the longest preset, and more than any labelled talk, which are scored as wholes.
HORIZON_SECONDS = 20 * 60.0


class Step(NamedTuple):
    """What one chunk did: ``picks``, every streamed pick so far in the order made; ``new``, those
    this chunk added; ``final``, after the last chunk the final choice among every candidate of the
    video, best first, else empty."""

    picks: list[ScoredMoment]
    new: list[ScoredMoment]
    final: list[ScoredMoment]


@dataclass(frozen=True)
class Reader:
    """What reads sentences in languages other than English for what editors clip: a multilingual
    encoder (``streams.text.multilingual``) and the editorial head trained in its space."""

    encoder: Any
    head: Head | None


def from_words(
    sentences: Sequence[Sentence],
    encoder=None,
    chunks: Sequence[TranscriptChunk] = (),
    head: Head | None = None,
    multilingual: Reader | None = None,
    complete: bool = True,
) -> dict:
    """What the sentences say beyond their words' own signals: the pauses around them, who holds
    the floor (``conversation``: the last turn may go on unless the talk is ``complete``) and, with
    an encoder, their topics and how much each reads like what editors clip (``editorial``: what
    it resembles, by the descriptions and the trained ``head``, and its rhetoric, read in the
    language ``chunks`` say it is spoken in). With a ``multilingual`` reader, sentences in other
    languages than English are read by it; without one, only English sentences are measured."""
    found: dict = {
        "pauses": Pauses.of(sentences) if sentences else None,
        "topics": None,
        "editorial": None,
        "conversation": Conversation(sentences, complete),
    }
    if encoder is None or not sentences:
        return found
    spoken = Evidence(languages=SpokenLanguages.of(chunks) if chunks else None)
    languages = [spoken.language_of(s) for s in sentences]
    foreign = [i for i, language in enumerate(languages) if language not in (None, EDITORIAL_LANGUAGE)]
    if multilingual is None:
        foreign = []
    english = sorted(set(range(len(sentences))) - set(foreign))
    texts = [s.text for s in sentences]
    # The topics are found in one space for the whole talk: the multilingual reader's where most
    # sentences are in other languages (it embeds them anyway, and MiniLM, which reads German as
    # about twice the tokens English takes, then embeds the English ones alone), else MiniLM's.
    if len(foreign) > len(english):
        assert multilingual is not None
        everything: np.ndarray = multilingual.encoder.encode(texts)
        found["topics"] = topics.segment(sentences, everything, min_depth=topics.MULTILINGUAL_MIN_DEPTH)
        english_rows: np.ndarray = encoder.encode([texts[i] for i in english])
        foreign_rows = everything[foreign]
    else:
        embeddings: np.ndarray = np.asarray(encoder.encode(texts))
        found["topics"] = topics.segment(sentences, embeddings)
        english_rows = embeddings[english]
        unread = [texts[i] for i in foreign]
        foreign_rows = (
            multilingual.encoder.encode(unread) if multilingual is not None and unread else embeddings[foreign]
        )
    spaces = []
    if english:
        spaces.append(
            Space(tuple(english), english_rows, encoder.encode(list(PICKS)), encoder.encode(list(SKIPS)), head)
        )
    if foreign:
        assert multilingual is not None
        reader = multilingual.encoder
        # Most of a talk's sentences in other languages are in one (a mixed talk reads the rest
        # against the English descriptions and this language's).
        picks, skips = described_in(Counter(languages[i] for i in foreign).most_common(1)[0][0])
        spaces.append(
            Space(
                tuple(foreign), foreign_rows, reader.encode(list(picks)), reader.encode(list(skips)), multilingual.head
            )
        )
    found["editorial"] = editorial_map_of(
        sentences,
        spaces,
        devices=rhetorical_devices(sentences, spoken.lexicon_of, spoken.language_of),
        multilingual=multilingual is not None,
    )
    return found


class MomentStream:
    """The moments of one video while its transcript arrives; ``step`` each chunk in order, then
    ``finish`` with the last.

    ``encoder`` (a ``streams.text.SentenceEncoder`` or anything with its ``encode``) finds the
    topics and the editorial scores; None leaves them out. ``head`` (``editorial_head.Head``) is
    the trained editorial head the scores weigh in; None: the descriptions alone. ``multilingual``
    (a ``Reader``) reads the sentences in other languages than English; None: they are not
    measured for what editors clip. ``through`` is the index of the last
    chunk stepped (None before the first)."""

    def __init__(
        self,
        count: int,
        length: LengthRange,
        max_overlap: float = 0.0,
        encoder=None,
        horizon: float = HORIZON_SECONDS,
        head: Head | None = None,
        multilingual: Reader | None = None,
    ) -> None:
        if horizon <= length.max_seconds:
            raise ValueError(f"the horizon ({horizon} s) must be longer than the longest clip ({length.max_seconds} s)")
        self.count, self.length, self.max_overlap = count, length, max_overlap
        self.encoder, self.horizon, self.head, self.multilingual = encoder, horizon, head, multilingual
        # A sentence longer than the longest clip could never be cut into one.
        self.max_sentence = min(MAX_SENTENCE_SECONDS, length.max_seconds)
        self.through: int | None = None
        self._selector: StreamingSelector | None = None
        self._chunks: deque[TranscriptChunk] = deque()  # the chunks that end inside the horizon
        self._closed: list[Sentence] = []  # the closed sentences that start inside it, in order
        self._open: list[Word] = []  # the words after the last closed sentence
        self._speakers = SpeakerStream()  # who speaks, labelled chunk by chunk

    @property
    def picks(self) -> list[ScoredMoment]:
        return self._selector.picked if self._selector is not None else []

    @property
    def sentences_held(self) -> int:
        """How many closed sentences the stream keeps (bounded by the horizon, not the talk)."""
        return len(self._closed)

    @property
    def chunks_held(self) -> int:
        return len(self._chunks)

    def step(self, chunk: TranscriptChunk, duration: float) -> Step:
        """Take the next chunk, not the video's last; ``duration``: the video's, as known now."""
        selector = self._take(chunk, duration)
        self._chunks.append(chunk)
        words = words_of([chunk])
        if chunk.voices:
            words = with_speakers(words, self._speakers.turns(Voices.from_json(chunk.voices)))
        closed, self._open = closed_sentences(self._open + words, self.max_sentence)
        self._closed.extend(closed)
        cut = chunk.end_s - self.horizon
        del self._closed[: bisect.bisect_left(self._closed, cut, key=_start)]
        while self._chunks and self._chunks[0].end_s <= cut:
            self._chunks.popleft()
        opened = build_sentences(self._open, self.max_sentence)
        sentences = self._closed + [s for s in opened if s.start >= cut]
        # Only sentences the next words can no longer change are settled.
        settled = settled_until(sentences, self._open, chunk.start_s)
        evidence = evidence_of(
            list(self._chunks),
            **from_words(sentences, self.encoder, self._chunks, self.head, self.multilingual, complete=False),
        )
        new = selector.advance(sentences, settled, False, evidence)
        return Step(selector.picked, new, [])

    def finish(self, chunk: TranscriptChunk, duration: float, whole: Sequence[TranscriptChunk]) -> Step:
        """Take the video's last chunk; ``whole``: every chunk of the video, this one last. Reads
        the whole talk once: the last picks and the final ranking weigh every candidate."""
        selector = self._take(chunk, duration)
        # the speakers as the whole video shows them (``speakers.voices.speaker_turns``)
        words = with_speakers(words_of(whole), turns_of_chunks(whole, complete=True))
        sentences = build_sentences(words, self.max_sentence)
        evidence = evidence_of(whole, **from_words(sentences, self.encoder, whole, self.head, self.multilingual))
        new = selector.advance(sentences, whole[-1].end_s, True, evidence)
        if new == selector.picked:  # all picked knowing everything (or the short-video fallback)
            chosen = [m for _, m in final_ranking(new)]
        else:
            chosen = selector.reconsider(sentences, evidence)
        self._chunks.clear()
        self._closed, self._open = [], []
        return Step(selector.picked, new, chosen)

    def _take(self, chunk: TranscriptChunk, duration: float) -> StreamingSelector:
        """Check and record ``chunk``'s place in the order; the selector, made on the first chunk."""
        index = chunk.chunk_index
        if self.through is not None and index <= self.through:
            raise ValueError(f"chunk {index} comes after chunk {self.through}: chunks are stepped in order, once")
        self.through = index
        # Paced by the duration known when each chunk came (a video's is known from its upload).
        if self._selector is None:
            self._selector = StreamingSelector(
                count=self.count, video_duration=max(duration, 1.0), length=self.length, max_overlap=self.max_overlap
            )
        else:
            self._selector.video_duration = max(duration, 1.0)
        return self._selector


def _start(sentence: Sentence) -> float:
    return sentence.start
