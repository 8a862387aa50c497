"""One clip's reframing, end to end: sample faces through Triton, find the scene cuts, read the
speech loudness, then plan each requested aspect from the same observations (the expensive part,
detection, runs once per clip however many aspects are wanted).

``framing`` picks the layouts allowed: ``auto`` (single, split or fit, see ``layout``), ``speaker``
(always one crop following the active speaker; fit when no face), ``center`` (no detection: the
renderer's static centre crop).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Sequence

from streams.adapters.triton import TritonClient
from streams.errors import NoAudio
from streams.media.reframe.layout import ReframePlan, ReframeRules, plan_reframe
from streams.media.reframe.observations import Loudness, Source
from streams.media.reframe.sampling import SamplingOptions, read_loudness, sample_faces
from streams.media.reframe.scenes import detect_cuts

FRAMINGS = ("auto", "speaker", "center")


def rules_for(framing: str, rules: ReframeRules = ReframeRules()) -> ReframeRules:
    """The planning rules of a ``framing`` choice (ValueError for an unknown one)."""
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; choose one of {', '.join(FRAMINGS)}")
    return replace(rules, split=False) if framing == "speaker" else rules


async def plan_clip(client: TritonClient, path: Path | str, source: Source, start: float, end: float,
                    aspects: Sequence[str], *, framing: str = "auto",
                    sampling: SamplingOptions = SamplingOptions()) -> dict[str, ReframePlan]:
    """A plan per aspect for ``[start, end]`` (source seconds) of the video at ``path``; empty for
    the ``center`` framing. Raises MediaError (unreadable video) or InferenceError (Triton)."""
    rules = rules_for(framing)
    if framing == "center":
        return {}
    context = rules.context
    lo, hi = max(0.0, start - context), end + context
    frames, cuts, loudness = await asyncio.gather(
        sample_faces(client, path, lo, hi, sampling),
        asyncio.to_thread(detect_cuts, path, lo, hi),
        asyncio.to_thread(_loudness, path, start, end),
    )
    return {a: plan_reframe(frames, source, a, start, end, cuts=cuts, loudness=loudness, rules=rules)
            for a in aspects}


def _loudness(path: Path | str, start: float, end: float) -> Loudness | None:
    """The clip's speech loudness; None for a video without sound (the speaker is then chosen by
    mouth movement alone)."""
    try:
        return read_loudness(path, start, end)
    except NoAudio:
        return None
