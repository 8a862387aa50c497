"""Conversation: where one voice hands the floor to another, so a clip can hold a whole exchange
and never stops while an answer is still being given.

Sentences carry their speaker once a video is diarized (``streams.speakers``); a change of speaker
always ends a sentence, so a *turn* here is a run of consecutive sentences by one speaker. A
turn that asks a question (a sentence ending in ``?``) within its last ``QUESTION_TAIL + 1``
sentences, followed by a turn of another voice, is a question answered, and the answer is that
whole turn: an interviewer often adds a clause after the question mark ("What was it like? Out
there on your own."), and a recognizer splits one question into a question and a statement.
``Conversation`` reads a talk's sentences once and says of a window of them:

- ``holds_whole_answers``: a window that shows a question and the start of its answer must show
  the whole answer (a clip that stops mid-answer leaves the viewer with half a reply); one that
  starts inside an answer is a monologue excerpt and may stop anywhere;
- ``exchange``: a signal in [0, 1]. A question with its whole answer is what interview and podcast
  clips are made of (1.0); a back-and-forth between voices reads well too (0.75); one voice
  throughout is the norm (0.5); a clip that opens on the last words of someone else's turn or
  stops on the first words of the next speaker's turn loses 0.25 for each, and one that asks a
  question and stops before another voice answers it (``asks_unanswered``) loses 0.5: the viewer
  is left with the question and without the reply that came next.

Where fewer than two speakers are known (no diarization, or one voice), every window is
``NEUTRAL`` and every window holds its answers, so nothing changes. While a video streams, the
turn running at the last known sentence may go on: it is not taken to end there unless the talk
is ``complete``. Pure: sentences in, values out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Sequence

from streams.moments.sentences import Sentence

NEUTRAL = 0.5
ANSWERED = 1.0  # a question and the whole of another voice's answer
EXCHANGE = 0.75  # several voices, no question answered whole
PARTIAL_TURN = 0.25  # lost for each edge that cuts into a turn of a voice that changes inside
QUESTION_TAIL = 2  # sentences of the asker's that may follow the question before the answer
UNANSWERED = 0.5  # lost by a clip that asks a question and stops before another voice's answer


@dataclass(frozen=True)
class Answer:
    """A question (sentence ``question``) answered by another voice over sentences ``first`` to
    ``last`` (inclusive; ``first`` at most ``QUESTION_TAIL + 1`` after ``question``); ``last`` is
    None while that turn may still go on."""

    question: int
    first: int
    last: int | None


class Conversation:
    """The turns of a talk's sentences (in time order), for judging windows of them."""

    def __init__(self, sentences: Sequence[Sentence], complete: bool = True) -> None:
        self.sentences = tuple(sentences)
        self._index = {s.start: i for i, s in enumerate(self.sentences)}
        speakers = [s.speaker for s in self.sentences]
        self.voices = len({s for s in speakers if s is not None})
        # turn_start[i] / turn_end[i]: the first and last sentence of the turn sentence i is in
        # (turn_end None: the turn reaches the last known sentence of a talk still streaming)
        self._turn_start: list[int] = []
        self._turn_end: list[int | None] = [None] * len(speakers)
        first = 0
        for i, speaker in enumerate(speakers):
            if i and speaker != speakers[i - 1]:
                first = i
            self._turn_start.append(first)
        last: int | None = len(speakers) - 1 if complete else None
        for i in range(len(speakers) - 1, -1, -1):
            if i < len(speakers) - 1 and speakers[i] != speakers[i + 1]:
                last = i
            self._turn_end[i] = last
        self.answers = tuple(
            Answer(asked, i + 1, self._turn_end[i + 1])
            for i in range(len(speakers) - 1)
            if speakers[i] is not None
            and speakers[i + 1] is not None
            and speakers[i] != speakers[i + 1]
            and (asked := self._question_ending(i)) is not None
        )
        self._questions = [a.question for a in self.answers]
        self._firsts = [a.first for a in self.answers]

    def _question_ending(self, i: int) -> int | None:
        """The last question among the last sentences of the turn that ends with sentence ``i``."""
        for j in range(i, max(self._turn_start[i], i - QUESTION_TAIL) - 1, -1):
            if self.sentences[j].ending == "?":
                return j
        return None

    @property
    def active(self) -> bool:
        """Whether more than one voice is known, so turns say anything at all."""
        return self.voices > 1

    def _span(self, sentences: Sequence[Sentence]) -> tuple[int, int] | None:
        """The positions of a window's first and last sentences (None: not this talk's)."""
        first, last = self._index.get(sentences[0].start), self._index.get(sentences[-1].start)
        return None if first is None or last is None else (first, last)

    def answers_in(self, sentences: Sequence[Sentence]) -> list[Answer]:
        """The answers whose question and first answering sentence both lie in the window."""
        span = self._span(sentences) if self.active else None
        if span is None:
            return []
        first, last = span
        lo, hi = bisect.bisect_left(self._questions, first), bisect.bisect_right(self._firsts, last)
        return list(self.answers[lo:hi])

    def holds_whole_answers(self, sentences: Sequence[Sentence]) -> bool:
        """Whether every answer the window starts, it also finishes (see the module doc)."""
        span = self._span(sentences) if self.active else None
        if span is None:
            return True
        return all(a.last is not None and a.last <= span[1] for a in self.answers_in(sentences))

    def exchange(self, sentences: Sequence[Sentence]) -> float:
        """The window as an exchange between voices (see the module doc), in [0, 1]."""
        span = self._span(sentences) if self.active else None
        if span is None:
            return NEUTRAL
        first, last = span
        unanswered = UNANSWERED if self._asks_unanswered(first, last) else 0.0
        changes = sum(1 for i in range(first, last) if self.sentences[i].speaker != self.sentences[i + 1].speaker)
        if not changes:
            return max(0.0, NEUTRAL - unanswered)
        whole = [a for a in self.answers_in(sentences) if a.last is not None and a.last <= last]
        value = (ANSWERED if whole else EXCHANGE) - unanswered
        if self._turn_start[first] < first:  # opens on the tail of a turn
            value -= PARTIAL_TURN
        end = self._turn_end[last]
        if end is None or end > last:  # stops on the start of a turn
            value -= PARTIAL_TURN
        return max(0.0, min(1.0, value))

    def asks_unanswered(self, sentences: Sequence[Sentence]) -> bool:
        """Whether the window asks a question that another voice answers only after it stops."""
        span = self._span(sentences) if self.active else None
        return span is not None and self._asks_unanswered(*span)

    def _asks_unanswered(self, first: int, last: int) -> bool:
        lo = bisect.bisect_left(self._questions, first)
        return any(a.first > last for a in self.answers[lo : bisect.bisect_right(self._questions, last)])

    def speakers_in(self, sentences: Sequence[Sentence]) -> int:
        """How many voices speak in the window."""
        return len({s.speaker for s in sentences if s.speaker is not None})
