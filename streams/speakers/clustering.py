"""Voice prints to speakers: a streaming tracker whose labels never change once given, and a
final pass over the whole video that may merge two of them.

Both use one rule, average linkage on cosine distance: two groups of windows are one speaker when
the mean distance between their voice prints is under ``threshold``. For unit vectors that mean
distance is ``1 - a . b`` with ``a`` and ``b`` the groups' (unnormalised) mean prints, so a
speaker is kept as the sum of its prints and their count, and the tracker compares a chunk's
groups with the speakers heard so far exactly as the final pass compares groups with each other.

Speech heard through a telephone (``features.narrowband``) lies closer together in GE2E's space:
two people on one phone line can be nearer than one person's stretches recorded whole. So two
groups whose windows are mostly narrowband are one speaker under ``narrowband_threshold``; any
other pair under ``threshold``. Comparing a distance ``d`` with ``narrowband_threshold`` is
comparing ``d * threshold / narrowband_threshold`` with ``threshold``, which is how the window
grouping applies it, to a chunk whose windows are mostly narrowband.

Windows shorter than ``min_window`` (a lone "Hello?") carry too little voice to found a speaker:
they are left out of the grouping and given the nearest speaker afterwards. Likewise a group of
fewer than ``min_speaker_windows`` windows (a cough, a laugh, the first breath of a reading) joins
the nearest larger group instead of standing as a speaker of its own. The count of speakers
is found, not given, unless ``num_speakers`` says it; ``max_speakers`` caps it. Pure numpy and
scipy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import pdist


@dataclass(frozen=True)
class ClusterOptions:
    """Attributes:
    threshold: the mean cosine distance under which two groups of windows are one speaker.
    narrowband_threshold: the same for two groups heard through a telephone's band.
    min_window: seconds; shorter windows are assigned to a speaker, never found one.
    num_speakers: the number of speakers when it is known (None: found).
    max_speakers: at most this many speakers are found.
    min_speaker_windows: a group needs this many windows of at least ``min_window`` to be a
        speaker (4 windows: about 3.75 s of speech).
    min_speaker_share: once the whole video is in, a speaker heard in less than this share of
        its windows joins the nearest other speaker (0: never). A stretch of one voice that the
        stream took for someone new is a sliver of a long video (5 s of 20 minutes); a real
        speaker who says only a few words in a long video loses them to the nearest voice. A
        share, not seconds, so a short call's speakers are never at risk.
    """

    threshold: float = 0.375
    narrowband_threshold: float = 0.30
    min_window: float = 1.0
    min_speaker_windows: int = 4
    num_speakers: int | None = None
    max_speakers: int = 20
    min_speaker_share: float = 0.01

    @property
    def narrowband_scale(self) -> float:
        """What a distance between narrowband voices is multiplied by before it meets ``threshold``."""
        return self.threshold / self.narrowband_threshold

    def __post_init__(self) -> None:
        if not (0 < self.threshold < 2 and 0 < self.narrowband_threshold < 2):
            raise ValueError("thresholds are cosine distances, between 0 and 2")
        if self.num_speakers is not None and self.num_speakers < 1:
            raise ValueError("num_speakers must be at least 1")
        if self.max_speakers < 1:
            raise ValueError("max_speakers must be at least 1")
        if not 0 <= self.min_speaker_share < 1:
            raise ValueError("min_speaker_share is a share of the windows, from 0 up to 1")


def _unit(prints: np.ndarray) -> np.ndarray:
    prints = np.asarray(prints, dtype=np.float64)
    return prints / np.maximum(np.linalg.norm(prints, axis=1, keepdims=True), 1e-12)


def _first_seen_order(labels: np.ndarray) -> np.ndarray:
    """Labels renumbered 0, 1, ... in the order they first appear."""
    order: dict[int, int] = {}
    for label in labels:
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in labels], dtype=int)


def group(
    prints: np.ndarray,
    seconds: np.ndarray,
    options: ClusterOptions = ClusterOptions(),
    narrow: np.ndarray | None = None,
) -> np.ndarray:
    """A speaker index per window (0 for the first heard), by average linkage over the windows
    of at least ``min_window`` seconds; shorter ones take the nearest group. ``narrow``: which
    windows came through a telephone's band (none when not given)."""
    count = len(prints)
    if count == 0:
        return np.zeros(0, dtype=int)
    unit = _unit(prints)
    core = np.asarray(seconds) >= options.min_window
    if core.sum() < 2:
        core = np.ones(count, dtype=bool)
    labels = np.zeros(count, dtype=int)
    if core.sum() >= 2:
        tree = linkage(_distances(unit[core], None if narrow is None else narrow[core], options), method="average")
        if options.num_speakers is not None:
            found = fcluster(tree, t=min(options.num_speakers, int(core.sum())), criterion="maxclust")
        else:
            found = fcluster(tree, t=options.threshold, criterion="distance")
            if found.max() > options.max_speakers:
                found = fcluster(tree, t=options.max_speakers, criterion="maxclust")
        labels[core] = _absorb_small(unit[core], found - 1, options.min_speaker_windows)
    if (~core).any():
        centroids = np.stack([unit[core][labels[core] == k].mean(0) for k in range(labels[core].max() + 1)])
        labels[~core] = (unit[~core] @ centroids.T).argmax(1)
    return _first_seen_order(labels)


def _distances(unit: np.ndarray, narrow: np.ndarray | None, options: ClusterOptions) -> np.ndarray:
    """Condensed cosine distances between unit prints, scaled so that ``threshold`` stands for
    ``narrowband_threshold`` when most of the windows are narrowband: the band is the line's, and
    one window's measure of it is noisy (a dull voice on a phone line under a hiss has windows
    far above ``features.NARROWBAND``), so it is judged over the windows together, not pair by
    pair."""
    distance = pdist(unit, metric="cosine")
    if narrow is not None and 2 * int(narrow.sum()) > len(narrow):
        distance *= options.narrowband_scale
    return distance


def _scale(options: ClusterOptions, narrow_a: bool | np.ndarray, narrow_b: bool | np.ndarray) -> np.ndarray:
    """What a distance between groups is multiplied by before it is compared with ``threshold``."""
    both = np.logical_and(narrow_a, narrow_b)
    return np.where(both, options.narrowband_scale, 1.0)


def _absorb_small(unit: np.ndarray, labels: np.ndarray, least: int) -> np.ndarray:
    """Groups of fewer than ``least`` windows given to the nearest group that has enough (all kept
    when none has); renumbered 0.. without gaps."""
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes >= least)
    if len(big) == 0 or len(big) == len(sizes):
        return labels
    centroids = np.stack([unit[labels == k].mean(0) for k in big])
    small = ~np.isin(labels, big)
    labels = labels.copy()
    labels[small] = big[(unit[small] @ centroids.T).argmax(1)]
    return np.unique(labels, return_inverse=True)[1]


@dataclass
class Tracker:
    """Speakers heard so far in one video, as sums of unit voice prints and counts (and how many
    of those windows were narrowband). ``add`` labels a chunk's windows: its groups join the
    speaker they are within the threshold of (the nearest) or become new speakers. A label given
    is never taken back."""

    options: ClusterOptions = field(default_factory=ClusterOptions)
    sums: list[np.ndarray] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    narrow_counts: list[int] = field(default_factory=list)

    def add(self, prints: np.ndarray, seconds: np.ndarray, narrow: np.ndarray | None = None) -> np.ndarray:
        if len(prints) == 0:
            return np.zeros(0, dtype=int)
        unit = _unit(prints)
        narrow = np.zeros(len(prints), dtype=bool) if narrow is None else np.asarray(narrow, dtype=bool)
        within = ClusterOptions(
            self.options.threshold, self.options.narrowband_threshold, self.options.min_window, min_speaker_windows=1
        )
        local = group(prints, seconds, within, narrow)
        labels = np.empty(len(prints), dtype=int)
        core = np.asarray(seconds) >= self.options.min_window
        groups = []
        for k in range(local.max() + 1):
            members = local == k
            weight = members & core if (members & core).any() else members
            groups.append((int(weight.sum()) < self.options.min_speaker_windows, k, members, weight))
        # groups big enough to be a speaker first, in the order first heard (a new speaker's label
        # says when it was first heard); then the small ones (the first breath of a reading, a
        # short "yes"), which join the nearest speaker, one of this chunk's if it is the first
        for few, _, members, weight in sorted(groups, key=lambda g: (g[0], g[1])):
            mostly_narrow = 2 * int(narrow[weight].sum()) > int(weight.sum())
            speaker = self._nearest(unit[weight].mean(0), mostly_narrow, few=few)
            if speaker is None:
                self.sums.append(np.zeros(unit.shape[1]))
                self.counts.append(0)
                self.narrow_counts.append(0)
                speaker = len(self.sums) - 1
            self.sums[speaker] += unit[weight].sum(0)
            self.counts[speaker] += int(weight.sum())
            self.narrow_counts[speaker] += int(narrow[weight].sum())
            labels[members] = speaker
        return labels

    def narrow(self) -> np.ndarray:
        """Whether each speaker so far was heard mostly through a telephone's band."""
        return 2 * np.array(self.narrow_counts) > np.array(self.counts)

    def _nearest(self, mean: np.ndarray, narrow: bool, few: bool) -> int | None:
        """The speaker a group with mean print ``mean`` is (None: a new one). A group of ``few``
        windows joins the nearest speaker whatever the distance, once there is one."""
        if not self.sums:
            return None
        means = np.stack([s / c for s, c in zip(self.sums, self.counts)])
        distance = (1.0 - means @ mean) * _scale(self.options, self.narrow(), narrow)
        best = int(distance.argmin())
        capped = len(self.sums) >= (self.options.num_speakers or self.options.max_speakers)
        return best if distance[best] < self.options.threshold or capped or few else None


def merged(tracker: Tracker, labels: np.ndarray) -> np.ndarray:
    """The final pass over a whole video: the tracker's speakers, two of them made one while the
    nearest pair's mean distance (``1 - a . b`` of their mean prints, average linkage as above) is
    under ``threshold``. Now that every chunk is in, a speaker first heard in a noisy stretch and
    given a label of its own is seen to be someone heard before; then a speaker heard in less
    than ``min_speaker_share`` of the windows joins the nearest other one. It only merges: a speaker the
    stream kept apart by the same rule is not split again."""
    sums = [s.copy() for s in tracker.sums]
    counts = list(tracker.counts)
    narrow = list(tracker.narrow_counts)
    into = list(range(len(sums)))
    alive = [c > 0 for c in counts]
    while sum(alive) > 1:
        live = [k for k in range(len(sums)) if alive[k]]
        means = np.stack([sums[k] / counts[k] for k in live])
        mostly = np.array([2 * narrow[k] > counts[k] for k in live])
        distance = (1.0 - means @ means.T) * _scale(tracker.options, mostly[:, None], mostly[None, :])
        np.fill_diagonal(distance, np.inf)
        i, j = np.unravel_index(int(distance.argmin()), distance.shape)
        if distance[i, j] >= tracker.options.threshold:
            break
        into = _join(sums, counts, narrow, alive, into, *sorted((live[i], live[j])))
    least = tracker.options.min_speaker_share * sum(counts)
    while sum(alive) > 1:
        live = [k for k in range(len(sums)) if alive[k]]
        small = min(live, key=lambda k: counts[k])
        if counts[small] >= least:
            break
        others = [k for k in live if k != small]
        nearest = others[int(np.argmax([sums[k] @ sums[small] / counts[k] for k in others]))]
        into = _join(sums, counts, narrow, alive, into, *sorted((small, nearest)))
    return np.array([into[int(k)] for k in labels], dtype=int)


def _join(sums: list, counts: list, narrow: list, alive: list, into: list, keep: int, gone: int) -> list:
    """Speaker ``gone`` made part of ``keep`` (the one first heard keeps its label); the new map."""
    sums[keep] += sums[gone]
    counts[keep] += counts[gone]
    narrow[keep] += narrow[gone]
    alive[gone] = False
    return [keep if k == gone else k for k in into]
