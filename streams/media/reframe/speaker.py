"""Who is talking: the track whose mouth moves while speech is heard.

On a grid of ``SpeakerRules.step`` seconds, each track's mouth *activity* is the standard
deviation of its mouth opening over ``activity_window`` seconds (a talking mouth opens and closes
a few times a second; a listening one, even with parted lips, stays still). Its *evidence* of
speaking is that activity times ``speech``, the loudness mapped onto 0 (silence) to 1 (full
speech): a mouth moving in silence (chewing, smiling, a breath before the words) counts for
nothing. Each track's evidence is scaled by its own range, since one person's lips move less
than another's. Without loudness the evidence is the activity alone.

The timeline is the labelling that maximises the summed evidence minus a penalty per change of
speaker (Viterbi), so the speaker changes only when another track has led for about
``switch_seconds``; turns still shorter than ``min_turn`` are then merged into a neighbour, and a
change that follows a silence moves to ``anticipate`` seconds before the new speaker's words.
The labelling is decided on the whole clip at once, so a turn starts where its evidence starts
rather than after a detection delay.

Where the audio's speaker turns are known (``voices``: diarization, ``streams.speakers``), the
audio decides who talks and the picture where that person is: each voice is paired one to one
with the track whose mouth moves most while that voice is heard (the Hungarian method over the
whole clip), and the paired track gets ``voice_weight`` more evidence whenever its voice is heard
and it is on screen, through the pause after its words until another voice starts. A face turned
away, whose lips show nothing, still takes its voice's turns: the other face took the other voice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from streams.media.reframe.observations import Loudness
from streams.media.reframe.tracking import Track

__all__ = ["Loudness", "SpeakerRules", "Turn", "VoiceTurn", "active_speaker", "mouth_activity", "speech_level"]

VoiceTurn = tuple[float, float, str]  # (start, end, speaker label): who the audio says talks


@dataclass(frozen=True)
class SpeakerRules:
    """Attributes:
    step: seconds between decisions.
    activity_window: seconds over which mouth opening's standard deviation is taken.
    evidence_window: seconds the evidence is averaged over before deciding.
    silence_db: loudness this far below the clip's loud level (95th percentile) is silence.
    speech_db: loudness within this much of the loud level is full speech.
    switch_seconds: how long, in seconds of clear evidence, another track must lead before
        the speaker changes (the switching penalty).
    min_turn: turns shorter than this (seconds) are merged into a neighbour.
    anticipate: a change of speaker moves to this many seconds before the new speaker's first
        words, if the silence before them is that long (cut on the breath, not the word).
    snap_to_cut: a change of speaker this close (seconds) to a scene cut is moved onto it.
    activity_floor: mouth activity (spread of ``Face.mouth_open``, same units) that counts as
        clear evidence at the least; keeps landmark jitter from deciding a silent clip.
    floor_face_px: a face shorter than this (median, source pixels) has its floor lowered in
        proportion, to no less than a quarter: its lips blur in the landmark model's crop, so its
        openings swing less, talking or not (a GRID speaker's, talking: about 0.006 at 34 px
        against 0.02 or more at 100 px). Without that the floor is all a small face's evidence
        is measured against, and the face that measures louder takes every turn.
    voice_weight: evidence added to the track paired with the voice heard (a track's own evidence
        is about 1 at its clearest), so the audio's turns outweigh the lips.
    """

    step: float = 0.1
    activity_window: float = 0.6
    evidence_window: float = 0.6
    silence_db: float = 30.0
    speech_db: float = 6.0
    switch_seconds: float = 0.25
    min_turn: float = 1.0
    anticipate: float = 0.3
    snap_to_cut: float = 0.5
    activity_floor: float = 0.02
    floor_face_px: float = 100.0
    voice_weight: float = 1.5


@dataclass(frozen=True)
class Turn:
    """One track speaking from ``start`` to ``end`` (source seconds)."""

    start: float
    end: float
    track_id: int


def mouth_activity(track: Track, times: np.ndarray, window: float) -> np.ndarray:
    """How much the track's mouth works over ``window`` seconds centred on each of ``times``: the
    standard deviation of its opening. Not the opening itself: a still face with parted lips is
    not talking. 0 where fewer than two openings were measured, NaN outside the track's span."""
    pairs = [(t, m) for t, m in zip(track.times, track.mouth_open) if m is not None]
    out = np.zeros(len(times))
    if len(pairs) >= 2:
        ts = np.array([p[0] for p in pairs])
        ms = np.array([p[1] for p in pairs], dtype=float)
        ms = ms - np.percentile(ms, 10)  # resting opening at 0; keeps the running sums well conditioned
        s1 = np.concatenate([[0.0], np.cumsum(ms)])
        s2 = np.concatenate([[0.0], np.cumsum(ms * ms)])
        lo = np.searchsorted(ts, times - window / 2, side="left")
        hi = np.searchsorted(ts, times + window / 2, side="right")
        n = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (s1[hi] - s1[lo]) / n
            var = (s2[hi] - s2[lo]) / n - mean * mean
        std = np.sqrt(np.clip(np.nan_to_num(var), 0.0, None))
        out = np.where(n >= 2, std, 0.0)
    return np.where(track.covers(times), out, np.nan)


def speech_level(
    loudness: Loudness, times: np.ndarray, *, silence_db: float = 30.0, speech_db: float = 6.0
) -> np.ndarray:
    """Loudness at ``times`` mapped onto 0 (``silence_db`` or more below the 95th percentile of
    all values) to 1 (within ``speech_db`` of it), linear in decibels."""
    if not loudness.values:
        return np.ones(len(times))
    values = np.asarray(loudness.values, dtype=float)
    loud = np.percentile(values, 95)
    if loud <= 0:
        return np.zeros(len(times))
    db = 20 * np.log10(np.maximum(loudness.at(times), loud * 1e-6) / loud)
    return np.clip((db + silence_db) / (silence_db - speech_db), 0.0, 1.0)


def _box_mean(rows: np.ndarray, width: int) -> np.ndarray:
    """Centred moving average along each row, ignoring NaN; NaN stays NaN."""
    if width <= 1:
        return rows
    valid = np.isfinite(rows)
    filled = np.where(valid, rows, 0.0)
    kernel = np.ones(width)
    num = np.array([np.convolve(r, kernel, mode="same") for r in filled])
    den = np.array([np.convolve(v.astype(float), kernel, mode="same") for v in valid])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid, num / np.maximum(den, 1e-9), np.nan)


def _viterbi(score: np.ndarray, penalty: float) -> np.ndarray:
    """Labels (one row index per column) maximising the summed ``score`` minus ``penalty`` per
    change of label; -inf scores are forbidden."""
    k, n = score.shape
    total = score[:, 0].copy()
    back = np.zeros((k, n), dtype=int)
    switch = penalty * (1 - np.eye(k))
    for i in range(1, n):
        cand = total[None, :] - switch  # cand[to, from]
        back[:, i] = np.argmax(cand, axis=1)
        total = cand[np.arange(k), back[:, i]] + score[:, i]
    labels = np.zeros(n, dtype=int)
    labels[-1] = int(np.argmax(total))
    for i in range(n - 1, 0, -1):
        labels[i - 1] = back[labels[i], i]
    return labels


def _merge_short(labels: np.ndarray, score: np.ndarray, min_len: int) -> np.ndarray:
    """Merge runs shorter than ``min_len`` steps into the neighbour with more evidence over them."""
    labels = labels.copy()
    while True:
        edges = np.flatnonzero(np.diff(labels)) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges, [labels.size]])
        if starts.size < 2:
            return labels
        lengths = ends - starts
        r = int(np.argmin(lengths))
        if lengths[r] >= min_len:
            return labels
        a, b = starts[r], ends[r]
        options = [labels[a - 1]] if r > 0 else []
        options += [labels[b]] if r < starts.size - 1 else []
        best = max(options, key=lambda lab: np.sum(score[lab, a:b]))
        labels[a:b] = best


def _anticipate(labels: np.ndarray, silent: np.ndarray, present: np.ndarray, steps: int, min_len: int) -> np.ndarray:
    """Move each change of label to ``steps`` before the onset of speech at or just before it,
    through silent steps where the new track is present, leaving the turn before it at least
    ``min_len`` long."""
    labels = labels.copy()
    edges = np.flatnonzero(np.diff(labels)) + 1
    starts = np.concatenate([[0], edges])
    for prev_start, b in zip(starts[:-1], edges):
        new = labels[b]
        quiet = np.flatnonzero(silent[max(prev_start, b - steps) : b])  # evidence lags the onset
        if quiet.size == 0:
            continue
        onset = max(prev_start, b - steps) + quiet[-1] + 1
        k = onset
        while k > onset - steps and k - 1 >= prev_start + min_len and silent[k - 1] and present[new, k - 1]:
            k -= 1
        labels[min(k, b) : b] = new
    return labels


def active_speaker(
    tracks: Sequence[Track],
    start: float,
    end: float,
    *,
    loudness: Loudness | None = None,
    cuts: Sequence[float] = (),
    rules: SpeakerRules = SpeakerRules(),
    voices: Sequence[VoiceTurn] = (),
) -> list[Turn]:
    """The speaker timeline over ``[start, end]``: consecutive turns covering it, each naming a
    track present during it where one is. Empty when there are no tracks. ``cuts`` are scene cut
    times: a change of speaker near one happens on it. ``voices``: the audio's speaker turns, when
    known (see the module's docstring)."""
    if not tracks or end <= start:
        return []
    n = max(1, math.ceil((end - start) / rules.step - 1e-9))
    times = start + (np.arange(n) + 0.5) * rules.step
    activity = np.array([mouth_activity(tr, times, rules.activity_window) for tr in tracks])
    speech = np.ones(n)
    if loudness is not None:
        speech = speech_level(loudness, times, silence_db=rules.silence_db, speech_db=rules.speech_db)
    evidence = activity * speech
    evidence = _box_mean(evidence, max(1, round(rules.evidence_window / rules.step)))
    finite = np.isfinite(evidence)
    # each face against its own range: one person's lips move less than another's
    scale = np.array(
        [
            [max(float(np.percentile(np.abs(row[ok]), 95)) if ok.any() else 0.0, _floor(tr, rules))]
            for tr, row, ok in zip(tracks, evidence, finite)
        ]
    )
    score = np.where(finite, evidence / scale, -np.inf)
    score[:, ~finite.any(axis=0)] = 0.0  # nobody on screen: no reason to change
    if voices:
        score = _heard(score, times, voices, rules.voice_weight)
    labels = _viterbi(score, rules.switch_seconds / rules.step)
    min_len = max(1, round(rules.min_turn / rules.step))
    labels = _merge_short(labels, np.where(np.isfinite(score), score, -1.0), min_len)
    labels = _anticipate(labels, speech < 0.5, np.isfinite(score), round(rules.anticipate / rules.step), min_len)
    edges = np.flatnonzero(np.diff(labels)) + 1
    bounds = [start] + [_snap(round(start + a * rules.step, 6), cuts, rules.snap_to_cut) for a in edges] + [end]
    firsts = np.concatenate([[0], edges])
    turns: list[Turn] = []
    for t0, t1, a in zip(bounds[:-1], bounds[1:], firsts):
        track_id = tracks[labels[a]].id
        if turns and turns[-1].track_id == track_id:
            turns[-1] = Turn(turns[-1].start, float(t1), track_id)
        elif t1 > t0:
            turns.append(Turn(float(turns[-1].end if turns else t0), float(t1), track_id))
    return turns


def _heard(score: np.ndarray, times: np.ndarray, voices: Sequence[VoiceTurn], weight: float) -> np.ndarray:
    """``score`` with ``weight`` added to each voice's paired track wherever that voice is heard
    and the track is on screen."""
    from scipy.optimize import linear_sum_assignment

    names = sorted({v for _, _, v in voices})
    heard = np.full(times.size, -1)
    for a, b, v in voices:
        heard[(times >= a) & (times < b)] = names.index(v)
    # a speaker holds the floor through the pause after their words, until another voice starts
    for i in range(1, heard.size):
        if heard[i] < 0:
            heard[i] = heard[i - 1]
    present = np.isfinite(score)
    affinity = np.zeros((score.shape[0], len(names)))
    for j in range(len(names)):
        when = heard == j
        if when.any():
            affinity[:, j] = np.where(present[:, when], score[:, when], 0.0).mean(axis=1)
    out = score.copy()
    for k, j in zip(*linear_sum_assignment(-affinity)):
        when = (heard == j) & present[k]
        out[k, when] += weight
    return out


def _floor(track: Track, rules: SpeakerRules) -> float:
    """The least mouth activity that counts as clear evidence for ``track`` (``floor_face_px``)."""
    return rules.activity_floor * min(1.0, max(0.25, track.height / rules.floor_face_px))


def _snap(t: float, cuts: Sequence[float], within: float) -> float:
    near = [c for c in cuts if abs(c - t) <= within]
    return min(near, key=lambda c: abs(c - t)) if near else t
