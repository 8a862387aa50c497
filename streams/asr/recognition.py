"""What speech recognition heard in a piece of audio (``Recognition``): its words and segments,
the languages spoken, and the same moved to video time (``shift``)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Iterable, Mapping, Protocol, Sequence

from streams.asr.languages import LanguageSpan
from streams.domain.words import Word
from streams.text.scripts import unspaced

log = logging.getLogger("clipstream.whisper")


@dataclass(frozen=True)
class Segment:
    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True)
class Recognition:
    """What the model heard in one piece of audio: ``language`` is the one with the most speech,
    ``language_probability`` how sure its identification was (None when the language was given),
    ``languages`` the spans of speech in each language (``streams.asr.languages``)."""

    language: str
    duration: float
    words: list[Word]
    segments: list[Segment]
    language_probability: float | None = None
    languages: list[LanguageSpan] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "language": self.language,
            "language_probability": self.language_probability,
            "languages": [s.as_json() for s in self.languages],
            "duration": self.duration,
            "words": [w.as_json() for w in self.words],
            "segments": [asdict(s) for s in self.segments],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Recognition:
        probability = data.get("language_probability")
        return cls(
            language=data["language"],
            duration=float(data["duration"]),
            words=[Word(**w) for w in data["words"]],
            segments=[Segment(**s) for s in data["segments"]],
            language_probability=None if probability is None else float(probability),
            languages=[LanguageSpan.from_json(s) for s in data.get("languages", [])],
        )

    def shift(self, offset: float) -> Recognition:
        """The same recognition with every time moved by ``offset`` seconds (chunk → video time)."""
        return Recognition(
            language=self.language,
            duration=self.duration,
            words=[
                Word(w.word, round(w.start + offset, 3), round(w.end + offset, 3), w.probability) for w in self.words
            ],
            segments=[
                Segment(s.text, round(s.start + offset, 3), round(s.end + offset, 3), s.avg_logprob, s.no_speech_prob)
                for s in self.segments
            ],
            language_probability=self.language_probability,
            languages=[s.shift(offset) for s in self.languages],
        )


class HeardWord(Protocol):
    """A word as faster-whisper gives it: ``word`` keeps the space Whisper wrote before it."""

    word: str
    start: float
    end: float
    probability: float


def whole_words(heard: Iterable[HeardWord]) -> list[tuple[str, float, float, float]]:
    """One segment's words as a reader splits them: (text, start, end, probability).

    faster-whisper starts a new word at every token that is punctuation alone, so French "l'autre"
    and Italian "all'anno" come as "l" "'autre" and "all" "'anno", "Jean-Carlos" and English
    "steam-powered" as two words, "50%" as "50" "%". Whisper wrote no space before the second part,
    and a word of a spaced script always has one: a word without it is joined to the one before
    (start of the first, end of the last, the mean of their probabilities weighed by their
    characters, so that a mean over characters is the same either way), unless the boundary
    touches a script written without spaces (Chinese, Japanese, Thai: ``streams.text.scripts``),
    whose words never have one."""
    out: list[list] = []
    for w in heard:
        text = w.word.strip()
        if not text:
            continue
        if out and not w.word[:1].isspace() and _joins(out[-1][0], text):
            last = out[-1]
            last[0] += text
            last[2] = w.end
            last[3].append((w.probability, len(text)))
        else:
            out.append([text, w.start, w.end, [(w.probability, len(text))]])
    return [(text, start, end, _per_character(parts)) for text, start, end, parts in out]


def rejoined(words: Sequence[Word], texts: Iterable[str]) -> tuple[Word, ...]:
    """Stored ``words`` as ``whole_words`` would have given them. Transcripts stored before it
    hold faster-whisper's parts ("l" "'autre", "T" "-Rex", "20" "11"), their leading spaces lost;
    the ``texts`` of Whisper's segments, stored beside them, still have them. A word that follows
    the one before with nothing between them in the text is joined to it (unless the boundary
    touches a script written without spaces), its speaker the first part's. Words already whole
    come back as they were; from a word the text does not hold on, the rest are left as they are."""
    text = " ".join(t.strip() for t in texts)
    groups: list[list[Word]] = []
    cursor = 0
    for i, w in enumerate(words):
        at = text.find(w.word, cursor) if w.word else -1
        if at < 0:
            groups.extend([rest] for rest in words[i:])
            break
        before = groups[-1][-1].word if groups else ""
        if before and at == cursor and _joins(before, w.word):
            groups[-1].append(w)
        else:
            groups.append([w])
        cursor = at + len(w.word)
    return tuple(
        g[0]
        if len(g) == 1
        else replace(
            g[0],
            word="".join(w.word for w in g),
            end=g[-1].end,
            probability=round(_per_character([(w.probability, len(w.word)) for w in g]), 4),
        )
        for g in groups
    )


def _joins(before: str, text: str) -> bool:
    """Whether ``text``, written with no space after ``before``, is part of the same word: not
    where the boundary touches a script written without spaces, whose words never have one."""
    return not (unspaced(before[-1]) or unspaced(text[0]))


def _per_character(parts: list[tuple[float, int]]) -> float:
    """The mean of (probability, characters) ``parts``' probabilities over their characters."""
    return sum(p * n for p, n in parts) / sum(n for _, n in parts)


class RecognitionCancelled(Exception):
    """The caller withdrew the request while it was being decoded."""
