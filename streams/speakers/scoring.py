"""Diarization error rate as NIST's md-eval defines it, with a collar and overlap scored.

On 1 ms frames: each frame's reference and hypothesis speaker counts give missed speech
(reference speakers beyond the hypothesis's), false alarm (the reverse) and confusion (speakers
counted on both sides but not mapped to each other); reference and hypothesis speakers are paired
one to one to maximise their shared time (the Hungarian method). A ``collar`` of seconds on each
side of every reference boundary is not scored (md-eval's ``-c 0.25``; pyannote.metrics' total
width ``collar=0.5``). Pure numpy and scipy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

Segment = tuple[float, float, str]
RESOLUTION = 1000  # frames a second


@dataclass(frozen=True)
class Score:
    der: float
    missed: float
    false_alarm: float
    confusion: float
    scored_seconds: float
    reference_speakers: int
    hypothesis_speakers: int

    @property
    def count_error(self) -> int:
        return self.hypothesis_speakers - self.reference_speakers


def read_rttm(path: Path) -> list[Segment]:
    out = []
    for line in Path(path).read_text().splitlines():
        parts = line.split()
        if parts and parts[0] == "SPEAKER":
            start = float(parts[3])
            out.append((start, start + float(parts[4]), parts[7]))
    return out


def rttm_lines(segments: Sequence[Segment], uri: str) -> str:
    return "".join(f"SPEAKER {uri} 1 {s:.3f} {e - s:.3f} <NA> <NA> {k} <NA> <NA>\n" for s, e, k in segments)


def _activity(segments: Sequence[Segment], frames: int) -> tuple[np.ndarray, list[str]]:
    names = sorted({k for _, _, k in segments})
    active = np.zeros((len(names), frames), dtype=bool)
    for s, e, k in segments:
        active[names.index(k), int(round(s * RESOLUTION)) : int(round(e * RESOLUTION))] = True
    return active, names


def score(reference: Sequence[Segment], hypothesis: Sequence[Segment], collar: float = 0.25) -> Score:
    end = max([e for _, e, _ in list(reference) + list(hypothesis)] + [0.0])
    frames = int(np.ceil(end * RESOLUTION)) + 1
    ref, ref_names = _activity(reference, frames)
    hyp, hyp_names = _activity(hypothesis, frames)
    scored = np.ones(frames, dtype=bool)
    c = int(round(collar * RESOLUTION))
    if c:
        for s, e, _ in reference:
            for edge in (int(round(s * RESOLUTION)), int(round(e * RESOLUTION))):
                scored[max(0, edge - c) : edge + c] = False
    ref, hyp = ref[:, scored], hyp[:, scored]
    n_ref, n_hyp = ref.sum(0), hyp.sum(0)
    shared = ref.astype(np.int64) @ hyp.T.astype(np.int64)
    correct = np.zeros(ref.shape[1], dtype=np.int64)
    if shared.size:
        for r, h in zip(*linear_sum_assignment(-shared)):
            correct += ref[r] & hyp[h]
    total = max(int(n_ref.sum()), 1)
    missed = int(np.maximum(0, n_ref - n_hyp).sum())
    false_alarm = int(np.maximum(0, n_hyp - n_ref).sum())
    confusion = int((np.minimum(n_ref, n_hyp) - correct).sum())
    return Score(
        der=(missed + false_alarm + confusion) / total,
        missed=missed / total,
        false_alarm=false_alarm / total,
        confusion=confusion / total,
        scored_seconds=total / RESOLUTION,
        reference_speakers=len(ref_names),
        hypothesis_speakers=len(hyp_names),
    )
