"""Trimming inside a clip: long pauses shortened to a natural gap and hesitations ("um", "uh")
taken out, so a clip feels edited; and the map from source time to the trimmed clip's time that
everything drawn on the clip (captions, the crop path, the thumbnail, timelines) follows.

``plan`` decides what of ``[start, end]`` is kept, from the clip's words and, where given, how
loud the audio is around each candidate cut:

- a pause between two kept words longer than ``longest_pause`` keeps ``kept_pause`` of it (half
  after the word before, half before the word after), never less than ``margin`` on either side;
- in ``pauses+fillers`` mode a hesitation (a word of the talk's language's ``fillers``, or of
  ``HESITATIONS`` for languages without a lexicon) goes, with the pause around it, as does a
  voiced sound no word covers (``sounds``: what Whisper heard but wrote nothing for, which is
  mostly "um"s, since it leaves most of them out of its text);
- no other word is ever removed, and a cut stays at least ``margin`` (30 ms) from any kept word;
- every cut falls a whole number of the source's frames (``fps``) from the clip's start, so
  picture and sound lose exactly the same time at every cut and stay in sync however many there
  are; within its allowed stretch each cut
  edge moves to the quietest frame boundary (``loudness``), where a word's timing is a little off.

``TrimPlan`` is the result: the kept spans, in order, and ``to_clip`` / ``words`` / ``keys``
to move anything timed in the source onto the trimmed clip. ``off`` keeps ``[start, end]`` whole,
and the plan is then the identity. Pure: words and numbers in, spans out.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from streams.domain.option_contract import choices
from streams.domain.words import Word
from streams.media.hesitations import Span, is_hesitation, unworded

MODES = choices("trim")  # as the upload contract lists them: off, pauses, pauses+fillers
DEFAULT_MODE = "pauses+fillers"


@dataclass(frozen=True)
class TrimOptions:
    """Attributes:
    mode: ``off``, ``pauses`` or ``pauses+fillers`` (``MODES``).
    longest_pause: seconds; a pause between words longer than this is shortened...
    kept_pause: ...to this many seconds (a natural gap, never zero).
    margin: seconds a cut keeps from any kept word's edge.
    shortest_cut: seconds; a cut that would save less is not made.
    search: seconds a cut edge may move to a quieter point inside the pause.
    """

    mode: str = DEFAULT_MODE
    longest_pause: float = 0.6
    kept_pause: float = 0.3
    margin: float = 0.03
    shortest_cut: float = 0.12
    search: float = 0.12

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"trim must be one of {', '.join(MODES)}, not {self.mode!r}")
        if not 0 < self.kept_pause <= self.longest_pause:
            raise ValueError("need 0 < kept_pause <= longest_pause")
        if self.margin < 0 or self.shortest_cut <= 0 or self.search < 0:
            raise ValueError("margin and search must not be negative, shortest_cut must be positive")

    @property
    def fillers(self) -> bool:
        return self.mode == "pauses+fillers"


@dataclass(frozen=True)
class TrimPlan:
    """What of a clip ``[start, end]`` of the source is kept: ``kept`` spans in source seconds, in
    order and apart; ``removed``: the hesitation words taken out; ``sounds_removed``: the
    unworded sounds taken out."""

    start: float
    end: float
    kept: tuple[Span, ...]
    removed: tuple[Word, ...] = ()
    sounds_removed: tuple[Span, ...] = ()
    _offsets: tuple[float, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        offsets, at = [], 0.0
        for a, b in self.kept:
            offsets.append(at)
            at += b - a
        object.__setattr__(self, "_offsets", tuple(offsets))

    @classmethod
    def whole(cls, start: float, end: float) -> TrimPlan:
        """The identity: ``[start, end]`` kept as it is (``trim: off``)."""
        return cls(start, end, ((start, end),))

    @property
    def duration(self) -> float:
        """Seconds of the trimmed clip."""
        return sum(b - a for a, b in self.kept)

    @property
    def removed_seconds(self) -> float:
        return round(self.end - self.start - self.duration, 3)

    @property
    def cuts(self) -> tuple[Span, ...]:
        """The source spans taken out between kept ones."""
        return tuple((self.kept[i][1], self.kept[i + 1][0]) for i in range(len(self.kept) - 1))

    @property
    def trimmed(self) -> bool:
        return len(self.kept) > 1 or self.kept != ((self.start, self.end),)

    def to_clip(self, t: float) -> float | None:
        """Source time ``t`` as the trimmed clip's time (0 at its start); None inside a cut or
        outside the clip."""
        i = bisect.bisect_right([a for a, _ in self.kept], t + 1e-9) - 1
        if i < 0:
            return None
        a, b = self.kept[i]
        if t > b + 1e-9:
            return None
        return self._offsets[i] + (min(t, b) - a)

    def clamp(self, t: float) -> float:
        """Source time ``t`` as clip time, a time inside a cut taken to where the cut is joined."""
        inside = self.to_clip(t)
        if inside is not None:
            return inside
        if t <= self.kept[0][0]:
            return 0.0
        for (a, _end), offset in zip(self.kept, self._offsets):
            if t < a:
                return offset
        return self.duration

    def to_source(self, clip_t: float) -> float:
        """Clip time back to source time (a join goes to the start of what follows it)."""
        for (a, b), offset in zip(self.kept, self._offsets):
            if clip_t < offset + (b - a) - 1e-9:
                return a + max(0.0, clip_t - offset)
        a, b = self.kept[-1]
        return b

    def words(self, words: Iterable[Word]) -> list[Word]:
        """The clip's kept words in clip time (0 at its start); a removed hesitation is gone, and a
        word a cut touches is clamped to its kept part. A word Whisper timed with no length (start
        = end) is kept where it lies inside the clip, its edges included: the clip's first word is
        often one, at the clip's very start."""
        gone = {(round(w.start, 3), round(w.end, 3), w.word) for w in self.removed}
        out = []
        for w in words:
            if w.end > w.start:
                outside = w.end <= self.start or w.start >= self.end
            else:
                outside = w.start < self.start or w.start > self.end
            if outside or (round(w.start, 3), round(w.end, 3), w.word) in gone:
                continue
            a, b = self.clamp(max(w.start, self.start)), self.clamp(min(w.end, self.end))
            out.append(replace(w, start=round(a, 3), end=round(max(a, b), 3)))
        return out

    def as_json(self) -> dict:
        """As the hand-off keeps it (``from_json`` reads it back)."""
        return {
            "kept": [[round(a, 6), round(b, 6)] for a, b in self.kept],
            "removed_seconds": self.removed_seconds,
            "fillers_removed": [{"word": w.word, "start": w.start, "end": w.end} for w in self.removed],
            "sounds_removed": [[round(a, 3), round(b, 3)] for a, b in self.sounds_removed],
        }

    @classmethod
    def from_json(cls, start: float, end: float, data: dict | None) -> TrimPlan:
        """The plan of the clip ``[start, end]`` a hand-off's ``trim`` holds (None: kept whole)."""
        if not data:
            return cls.whole(start, end)
        removed = tuple(
            Word(str(w["word"]), float(w["start"]), float(w["end"])) for w in data.get("fillers_removed", ())
        )
        sounds = tuple((float(a), float(b)) for a, b in data.get("sounds_removed", ()))
        return cls(start, end, tuple((float(a), float(b)) for a, b in data["kept"]), removed, sounds)


def plan(
    words: Sequence[Word],
    start: float,
    end: float,
    options: TrimOptions = TrimOptions(),
    *,
    fps: float | None = None,
    language: str | None = None,
    sounds: Sequence[Span] = (),
    loudness: Callable[[float], float] | None = None,
) -> TrimPlan:
    """What of ``[start, end]`` to keep (see the module doc). ``words`` in source seconds (those
    outside the clip are ignored); ``fps``: the source's frame rate (None: an audio-only source,
    cut on the millisecond); ``sounds``: voiced stretches of the clip's audio, for hesitations no
    word covers; ``loudness(t)``: how loud the audio is around source time ``t``."""
    if options.mode == "off":
        return TrimPlan.whole(start, end)
    inside = sorted((w for w in words if w.end > start and w.start < end), key=lambda w: (w.start, w.end))
    if options.fillers:  # a word drawn out over a hesitation after it ends where its own sound does
        inside = fitted(inside, sounds)
    gone = [w for w in inside if options.fillers and is_hesitation(w.word, language)]
    kept_words = [w for w in inside if w not in gone]
    if not kept_words:
        return TrimPlan.whole(start, end)
    sounds_gone = unworded(sounds, fitted(inside, sounds, into_silence=True)) if options.fillers else []
    # voice the words do not account for, and that is not taken out, is never cut into: Whisper's
    # timings may leave a gap where someone is speaking (a word timed late, one it missed)
    blockers = [s for s in sounds if s not in sounds_gone and not any(s[0] < w.end and w.start < s[1] for w in gone)]
    grid = _Grid(fps, start)
    cuts: list[Span] = []
    removed: list[Word] = []
    removed_sounds: list[Span] = []
    for before, after in zip(kept_words, kept_words[1:]):
        lo, hi = before.end, after.start
        out = [w for w in gone if w.start >= lo - 1e-6 and w.end <= hi + 1e-6]
        noises = [s for s in sounds_gone if s[0] >= lo and s[1] <= hi]
        taken = [(w.start, w.end) for w in out] + noises
        if not taken and hi - lo <= options.longest_pause:
            continue
        half = options.kept_pause / 2
        # what stays either side: half the natural gap, never into what is taken out, never
        # closer than the margin to the kept word
        room_left = (min(a for a, _ in taken) if taken else hi) - lo
        room_right = hi - (max(b for _, b in taken) if taken else lo)
        cut_from = lo + max(options.margin, min(half, room_left))
        cut_to = hi - max(options.margin, min(half, room_right))
        made = []
        for a, b in _free(cut_from, cut_to, blockers, options.margin):
            # what the cut is there for: the middle half of each thing taken out at least (its
            # edges may lie within the margin of a kept word)
            here = [(t0 + (t1 - t0) / 4, t1 - (t1 - t0) / 4) for t0, t1 in taken if t0 < b and t1 > a]
            covering = (max(a, min(t[0] for t in here)), min(b, max(t[1] for t in here))) if here else None
            low, high = max(a, lo + options.margin), min(b, hi - options.margin)
            cut = _settled(a, b, low, high, options, grid, loudness, covering)
            if cut is not None:
                made.append(cut)
        cuts += made
        # a hesitation a cut reaches into is gone (its caption too), whole or not
        removed += [w for w in out if _touched((w.start, w.end), made)]
        removed_sounds += [n for n in noises if _touched(n, made)]
    kept, at = [], start
    for a, b in cuts:
        if a > at:
            kept.append((at, a))
        at = b
    if end > at:
        kept.append((at, end))
    return TrimPlan(start, end, tuple(kept), tuple(removed), tuple(removed_sounds))


def fitted(
    words: Sequence[Word],
    sounds: Sequence[Span],
    least: float = 0.15,
    overhang: float = 0.1,
    into_silence: bool = False,
) -> list[Word]:
    """``words`` (in time order) fitted to the voiced stretches ``sounds`` where Whisper drew one
    over a silence of at least ``least`` and another voiced stretch (the hesitations it leaves
    out lie in such silences):

    - a word that starts in a voiced stretch and runs on past its end, across a silence of
      ``least`` or more, into another stretch of ``least`` or more before the next word, ends
      where its own stretch ends ("book" lasting into the "uh" after it);
    - a word that ends in a voiced stretch but starts before it, across silence and a whole voiced
      stretch of ``least`` or more that no other word touches, starts where its own stretch
      starts ("of" reaching back over the "um" before it);
    - with ``into_silence``, also a word that runs on past its stretch's end by more than
      ``overhang`` into a silence of ``least`` or more, whatever follows (used only to tell
      which sounds no word covers: cuts keep their distance from the words as Whisper timed them).
    """
    out = []
    for i, w in enumerate(words):
        previous = words[i - 1].end if i else -math.inf
        following = words[i + 1].start if i + 1 < len(words) else math.inf
        own = next((s for s in sounds if s[0] - 0.05 <= w.start < s[1]), None)
        if own is not None and w.end > own[1] + min(overhang, least):
            after = next((s for s in sounds if s[0] > own[1]), None)
            silent = after is None or after[0] - own[1] >= least
            swallowed = (
                after is not None
                and after[0] < min(w.end, following)
                and after[1] - after[0] >= least
                and w.end > own[1] + least
            )
            if silent and (swallowed or (into_silence and w.end > own[1] + overhang)):
                w = replace(w, end=round(own[1], 3))
        elif own is None:
            home = next((s for s in sounds if s[0] < w.end <= s[1] + 0.05), None)
            if home is not None and w.start < home[0] - least:
                skipped = [s for s in sounds if w.start <= s[0] and s[1] <= home[0] - least and s[1] - s[0] >= least]
                if skipped and skipped[0][0] > previous:
                    w = replace(w, start=round(home[0], 3), end=round(max(w.end, home[0] + 0.01), 3))
        out.append(w)
    return out


def _free(a: float, b: float, blockers: Sequence[Span], margin: float) -> list[Span]:
    """``[a, b]`` less every blocker widened by ``margin``: the stretches a cut may take."""
    free = [(a, b)]
    for s, e in blockers:
        lo, hi = s - margin, e + margin
        free = [piece for x, y in free for piece in ((x, min(y, lo)), (max(x, hi), y)) if piece[1] > piece[0]]
    return free


def _touched(span: Span, cuts: Sequence[Span]) -> bool:
    """Whether any of ``cuts`` takes out some of ``span``."""
    return any(min(span[1], b) > max(span[0], a) for a, b in cuts)


class _Grid:
    """Whole frames from the clip's start (the millisecond for an audio-only source): every kept
    stretch but the last is then a whole number of frames long, which is what keeps picture and
    sound together (any stretch of n frames' length holds n frames, wherever the frames fall)."""

    def __init__(self, fps: float | None, origin: float = 0.0) -> None:
        self.step = 1.0 / fps if fps else 0.001
        self.origin = origin

    def up(self, t: float) -> float:
        return round(self.origin + math.ceil((t - self.origin) / self.step - 1e-6) * self.step, 6)

    def down(self, t: float) -> float:
        return round(self.origin + math.floor((t - self.origin) / self.step + 1e-6) * self.step, 6)

    def between(self, a: float, b: float) -> list[float]:
        first, last = self.up(a), self.down(b)
        if last < first:
            return []
        count = int(round((last - first) / self.step)) + 1
        return [round(first + k * self.step, 6) for k in range(min(count, 2000))]


def _settled(
    cut_from: float,
    cut_to: float,
    earliest: float,
    latest: float,
    options: TrimOptions,
    grid: _Grid,
    loudness: Callable[[float], float] | None,
    covering: Span | None = None,
) -> Span | None:
    """The cut ``[cut_from, cut_to]`` on frame boundaries inside ``[earliest, latest]``, each edge
    moved (by at most ``search``) to the quietest boundary near it, and still over all of
    ``covering`` (what it is there to take out); None when it would save less than
    ``shortest_cut`` or cannot cover that."""
    if latest - earliest < options.shortest_cut - 1e-6:
        return None

    def edge(at: float, low: float, high: float, after: bool) -> float | None:
        near = grid.between(max(low, at - options.search), min(high, at + options.search))
        if not near:
            return None
        if loudness is None:
            return min(near, key=lambda t: (abs(t - at), t if after else -t))
        return min(near, key=lambda t: (round(loudness(t), 9), abs(t - at)))

    a = edge(cut_from, earliest, latest if covering is None else min(latest, covering[0]), after=True)
    b = edge(cut_to, earliest if covering is None else max(earliest, covering[1]), latest, after=False)
    if a is None or b is None or b - a < options.shortest_cut - 1e-6:
        return None
    return a, b
