"""Selection: the best moments, picked once and for all while a video streams.

Two picks may share at most ``max_overlap`` of the shorter one's duration: 0 (the default) means
no shared time at all, since two clips of the same words look like a duplicate in a feed; 0.5
allows the rule "no overlap above 50 %".

A pick is published as soon as it is made (its clip starts rendering). ``StreamingSelector``
therefore paces itself: by the time it has heard a fraction of the video it has used at most that
fraction of the clip budget, keeping room for what comes later. Once the whole transcript is known,
``StreamingSelector.reconsider`` chooses again among every candidate of the video: a streamed pick
stays unless a window it collides with, or one that beats the weakest pick, is clearly better
(``SUPERSEDE_MARGIN``), or keeps most of it and scores higher (the same clip grown or re-cut onto
its story, ``RECUT_SHARE``); the picks it drops are *superseded* (their clips exist, but they are
not in the final ranking). Windows compete as the clips they become once their edges are settled
(``SETTLED_CHOICES``).
"""

from __future__ import annotations

import math
from typing import Callable, Iterable, NamedTuple, Protocol, Sequence, TypeVar

from streams.moments.boundaries import Breaks, settle_edges
from streams.moments.evidence import Evidence
from streams.moments.lengths import DEFAULT_LENGTH, LengthRange
from streams.moments.scoring import ScoredMoment, score_window, signal_values, weighted_score
from streams.moments.sentences import Sentence
from streams.moments.signals import TalkIndex
from streams.moments.windows import Window, candidate_windows

FALLBACK_MIN_SECONDS = 3.0
# While streaming, a candidate must end this long before the settled transcript does, so that the
# sentences after it are known and its end can still move out to where its story ends.
LOOKAHEAD_SECONDS = 15.0
# Score points (of 100) by which a window found at the end must beat a streamed pick to replace it:
# the pick's clip is already rendered and may have been seen, and scores this close do not tell
# clips apart (bench/moments_quality.py: with 0, 3 or 6 the lecture lost a highlight to a
# window 6.5 points better), so only a clearly better window replaces it.
SUPERSEDE_MARGIN = 10.0
# A window that holds a streamed pick whole is that clip grown to more of its story, not another
# clip: it takes the pick's slot whenever it scores higher. (A pick made while the end of its
# passage was still past the lookahead is a part of it; the Russian lecture's H4 was picked in two
# halves, bench/moments_scripts.py.)
GROWN_MARGIN = 0.0
# A window that keeps at least this share of a streamed pick's time is that clip re-cut, grown or
# moved onto its story, and competes for its slot as one grown does (``GROWN_MARGIN``). A pick
# made while its passage was still past the lookahead can start in the passage before it and stop
# halfway, and no clip holding it whole fits the longest length: the Spanish podcast's capsize story
# was published as 13 s of the passage before and 26 s of its 47 (bench/ranking_sweep.py: 0.66
# and 0.5 both gave it back, no reading lost a hit; 1.0 is only a window holding the pick whole).
RECUT_SHARE = 0.66
# The best windows (none colliding with another) whose settled clips compete for a slot: settling a
# window's edges on the clearest breaks may cost it up to ``boundaries.TOLERANCE`` points, so the
# best window is not always the best clip. (With one, the English podcast's intro, 61 points as a
# window and 50 as a clip, held a slot its capsize story, 55 as a clip, could never take.)
SETTLED_CHOICES = 3
# Settled talk (s) after which the first pick may be made however long the video is: its share of
# the budget comes first in a short talk (a 10-minute talk with 5 clips earns it at 120 s), but a
# 60-minute talk with the default 5 clips would earn it only at 12 minutes, and its first clip
# would come after minutes of waiting rather than about one (DEVELOPERS: the first pick).
FIRST_PICK_SECONDS = 180.0
# Guards the quota against float noise (5 * 120 / 600 must give 1, not 0.999...).
_EPSILON = 1e-9


class Span(Protocol):
    @property
    def start(self) -> float: ...

    @property
    def end(self) -> float: ...


def overlaps(a: Span, b: Span) -> bool:
    """Whether two time spans share time; spans that only touch at a boundary do not."""
    return a.start < b.end and b.start < a.end


def shared_seconds(a: Span, b: Span) -> float:
    """How long two spans share (0 when they do not overlap)."""
    return max(0.0, min(a.end, b.end) - max(a.start, b.start))


def collides(a: Span, b: Span, max_overlap: float = 0.0) -> bool:
    """Whether ``a`` and ``b`` share more than ``max_overlap`` of the shorter one's duration; with
    0 any shared time collides. A span of no duration collides with any span around it."""
    if not overlaps(a, b):
        return False
    shorter = min(a.end - a.start, b.end - b.start)
    return shared_seconds(a, b) > max_overlap * shorter + _EPSILON or shorter <= 0


def answers_kept(evidence: Evidence | None) -> Callable[[Window], bool]:
    """Whether a window keeps every answer it starts whole (``conversation``): a clip never stops
    in the middle of an answer. Every window does where speakers are not known."""
    conversation = evidence.conversation if evidence is not None else None
    if conversation is None or not conversation.active:
        return lambda _w: True
    return lambda w: conversation.holds_whole_answers(w.sentences)


def _check_overlap(max_overlap: float) -> float:
    if not 0.0 <= max_overlap < 1.0:
        raise ValueError(f"max_overlap must be at least 0 and below 1, got {max_overlap}")
    return max_overlap


class Ranked(Span, Protocol):
    @property
    def score(self) -> float: ...


R = TypeVar("R", bound=Ranked)


class _Candidate(NamedTuple):
    """A scored window not yet described: titles and reasons are written for picks only."""

    start: float
    end: float
    score: float
    window: Window


def _recuts(outer: Span, pick: Span) -> bool:
    """Whether ``outer`` keeps at least ``RECUT_SHARE`` of ``pick``'s time (with 1.0: holds it whole)."""
    return shared_seconds(outer, pick) >= RECUT_SHARE * (pick.end - pick.start) - _EPSILON


def _rank_key(moment: Ranked) -> tuple[float, float, float]:
    return (-moment.score, moment.start, moment.end)


def select(scored: Iterable[R], count: int, taken: Iterable[Span] = (), max_overlap: float = 0.0) -> list[R]:
    """Up to ``count`` moments, greedily by score (earlier first on ties), colliding neither with
    each other nor with anything in ``taken`` (see ``collides``). Returned best first."""
    _check_overlap(max_overlap)
    chosen: list[R] = []
    blocked: list[Span] = list(taken)
    for moment in sorted(scored, key=_rank_key):
        if len(chosen) >= count:
            break
        if any(collides(moment, other, max_overlap) for other in blocked):
            continue
        chosen.append(moment)
        blocked.append(moment)
    return chosen


def final_ranking(picks: Iterable[ScoredMoment]) -> list[tuple[int, ScoredMoment]]:
    """``(rank, moment)`` with rank 1 for the best score; earlier moments first on ties."""
    return list(enumerate(sorted(picks, key=_rank_key), start=1))


class StreamingSelector:
    """Picks up to ``count`` moments, colliding with none of each other, while the transcript grows.

    ``length`` bounds every pick except the short-video fallback. Deterministic: the same sequence
    of ``advance`` calls gives the same picks, and after a restart ``restore`` seeds a new
    selector with the picks already published.
    """

    def __init__(
        self,
        count: int,
        video_duration: float,
        min_seconds: float | None = None,
        max_seconds: float | None = None,
        *,
        length: LengthRange | None = None,
        max_overlap: float = 0.0,
    ) -> None:
        if count < 0:
            raise ValueError(f"count must be 0 or more, got {count}")
        if video_duration <= 0:
            raise ValueError(f"video_duration must be positive, got {video_duration}")
        if length is None:
            length = LengthRange(
                DEFAULT_LENGTH.min_seconds if min_seconds is None else min_seconds,
                DEFAULT_LENGTH.max_seconds if max_seconds is None else max_seconds,
            )
        elif min_seconds is not None or max_seconds is not None:
            raise ValueError("give either length or min_seconds/max_seconds, not both")
        self.count = count
        self.video_duration = video_duration
        self.length = length
        self.max_overlap = _check_overlap(max_overlap)
        self._picked: list[ScoredMoment] = []

    @property
    def min_seconds(self) -> float:
        return self.length.min_seconds

    @property
    def max_seconds(self) -> float:
        return self.length.max_seconds

    @property
    def picked(self) -> list[ScoredMoment]:
        """Every pick so far, in the order they were made (a copy)."""
        return list(self._picked)

    def restore(self, picked: Iterable[ScoredMoment]) -> StreamingSelector:
        """Replace the picks with ones made before a restart; returns the selector for chaining."""
        picks = list(picked)
        for i, a in enumerate(picks):
            for b in picks[i + 1 :]:
                if collides(a, b, self.max_overlap):
                    raise ValueError(f"restored picks overlap: {a.start}-{a.end} and {b.start}-{b.end}")
        self._picked = picks
        return self

    def quota(self, settled_until: float, final: bool) -> int:
        """How many picks in total may exist once the transcript is settled up to ``settled_until``:
        the share of ``count`` that much of the video earns, and one at least from
        ``FIRST_PICK_SECONDS`` on."""
        if final:
            return self.count
        share = math.floor(self.count * max(0.0, settled_until) / self.video_duration + _EPSILON)
        first = 1 if settled_until >= FIRST_PICK_SECONDS else 0
        return min(self.count, max(share, first))

    def advance(
        self,
        sentences_so_far: Sequence[Sentence],
        settled_until: float,
        final: bool,
        evidence: Evidence | None = None,
    ) -> list[ScoredMoment]:
        """New picks only. Before ``final`` only sentences ending by ``settled_until`` are used
        (later words may still be revised), and candidates end ``LOOKAHEAD_SECONDS`` before that;
        at ``final`` all of them, and a short video that fits no window still yields one moment.
        Each pick's edges are then settled on the clearest breaks nearby (``boundaries``)."""
        sentences = sentences_so_far if final else [s for s in sentences_so_far if s.end <= settled_until]
        need = self.quota(settled_until, final) - len(self._picked)
        new: list[ScoredMoment] = []
        if need > 0:
            pool = sentences if final else [s for s in sentences if s.end <= settled_until - LOOKAHEAD_SECONDS]
            whole = answers_kept(evidence)
            windows = filter(whole, candidate_windows(pool, self.min_seconds, self.max_seconds))
            known = evidence or Evidence()
            index = TalkIndex(sentences, known.lexicon_of)
            scored = self._score_free(windows, evidence, index)
            breaks = Breaks(sentences, known.pitch)
            for _ in range(need):
                taken = self._picked + new
                chosen = select(scored, SETTLED_CHOICES, taken, self.max_overlap)
                if not chosen:
                    break

                def allowed(w: Window, taken: list[ScoredMoment] = taken) -> bool:
                    return whole(w) and not any(collides(w, p, self.max_overlap) for p in taken)

                new.append(min(self._settled(chosen, breaks, allowed, evidence, index), key=_rank_key))
        if final and not self._picked and not new and self.count > 0:
            new = self._fallback(sentences, evidence)
        self._picked.extend(new)
        return new

    def reconsider(
        self, sentences: Sequence[Sentence], evidence: Evidence | None = None, margin: float | None = None
    ) -> list[ScoredMoment]:
        """The final choice among every candidate of the whole transcript ``sentences``, best first.

        The picks made while streaming are scored again with everything now known (topics and
        pauses of the whole talk); each slot then goes to the best remaining pick, unless a window
        that collides with no choice so far beats it by more than ``margin``, or keeps
        ``RECUT_SHARE`` of it and beats it at all (then the best such window as a clip, its edges settled as in
        ``advance``); ``margin`` is ``SUPERSEDE_MARGIN`` unless given. Picks left out are the
        superseded ones. With no picks (nothing was ever found) the choice is empty, like the picks."""
        if not self._picked:
            return []
        lead = SUPERSEDE_MARGIN if margin is None else margin
        known = evidence or Evidence()
        index, breaks = TalkIndex(sentences, known.lexicon_of), Breaks(sentences, known.pitch)
        kept = sorted((self._rescored(p, sentences, evidence) for p in self._picked), key=_rank_key)
        whole = answers_kept(evidence)
        windows = filter(whole, candidate_windows(sentences, self.min_seconds, self.max_seconds))
        fresh = self._scored(windows, evidence, index)
        chosen: list[ScoredMoment] = []
        while len(chosen) < self.count:

            def free(span: Span, chosen: list[ScoredMoment] = chosen) -> bool:
                return not any(collides(span, c, self.max_overlap) for c in chosen)

            def free_and_whole(w: Window) -> bool:
                return free(w) and whole(w)

            pick = next((k for k in kept if k not in chosen and free(k)), None)

            def needed(span: Span, pick: ScoredMoment | None = pick) -> float:
                """What a window must score to take ``pick``'s slot: ``lead`` (the margin) more, unless it
                keeps most of the pick (the same clip, grown or re-cut onto more of its story)."""
                if pick is None:
                    return -math.inf
                return pick.score + (GROWN_MARGIN if _recuts(span, pick) else lead)

            found = select(fresh, SETTLED_CHOICES, chosen, self.max_overlap)
            if pick is not None:
                found += select((f for f in fresh if _recuts(f, pick)), 1, chosen, self.max_overlap)
            found = [f for f in found if f.score > needed(f)]
            settled = [c for c in self._settled(found, breaks, free_and_whole, evidence, index) if c.score > needed(c)]
            better = min(settled, key=_rank_key) if settled else None
            if better is not None:
                chosen.append(better)
            elif pick is not None:
                chosen.append(pick)
            else:
                break
        return sorted(chosen, key=_rank_key)

    def _settled(
        self,
        chosen: Sequence[_Candidate],
        breaks: Breaks,
        allowed: Callable[[Window], bool],
        evidence: Evidence | None,
        index: TalkIndex,
    ) -> list[ScoredMoment]:
        """The ``chosen`` windows as the clips they become once each one's edges are settled
        (``settle_edges``): a window can lose up to ``TOLERANCE`` points to its settled edges, so
        the clips are compared, not the windows they grew from."""
        return [
            score_window(
                settle_edges(
                    c.window, breaks, self.length, allowed=allowed, worth=lambda w: self._worth(w, evidence, index)
                ),
                evidence,
                self.length,
            )
            for c in chosen
        ]

    def _rescored(self, pick: ScoredMoment, sentences: Sequence[Sentence], evidence: Evidence | None) -> ScoredMoment:
        """``pick`` scored with ``evidence``, if its span is still whole sentences of ``sentences``;
        else (the sentences were split anew around its edges) as it was picked."""
        inside = tuple(s for s in sentences if s.start >= pick.start and s.end <= pick.end)
        if not inside or inside[0].start != pick.start or inside[-1].end != pick.end:
            return pick
        return score_window(Window(inside), evidence, self.length)

    def _worth(self, window: Window, evidence: Evidence | None, index: TalkIndex | None = None) -> float:
        return weighted_score(signal_values(window, evidence, self.length, index))

    def _scored(
        self, windows: Iterable[Window], evidence: Evidence | None, index: TalkIndex | None = None
    ) -> list[_Candidate]:
        return [_Candidate(w.start, w.end, self._worth(w, evidence, index), w) for w in windows]

    def _score_free(
        self, windows: Iterable[Window], evidence: Evidence | None, index: TalkIndex | None = None
    ) -> list[_Candidate]:
        # Scoring is the costly part; windows that collide with a pick can never be chosen.
        free = (w for w in windows if not any(collides(w, p, self.max_overlap) for p in self._picked))
        return self._scored(free, evidence, index)

    def _fallback(self, sentences: Sequence[Sentence], evidence: Evidence | None) -> list[ScoredMoment]:
        """The best run of at least a few seconds, else the whole transcript where it is no longer
        than the longest clip, else the best run that is: a short video still gets a clip."""
        if not sentences:
            return []
        windows = list(candidate_windows(sentences, FALLBACK_MIN_SECONDS, self.max_seconds))
        everything = Window(tuple(sentences))
        if not windows and everything.duration > self.max_seconds:  # a few words between long silences
            windows = list(candidate_windows(sentences, 0.0, self.max_seconds))
        windows = windows or [everything]
        return [score_window(c.window, evidence, self.length) for c in select(self._score_free(windows, evidence), 1)]
