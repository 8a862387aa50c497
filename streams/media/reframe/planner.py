"""One clip's reframing, end to end: one confined decode (the media sandbox) samples faces for
the face models passed in (``streams.vision.face_models.FaceModels``: Triton's, in the pipeline), finds
the scene cuts and reads the speech loudness; then each requested aspect is planned from the same
observations (the expensive part, detection, runs once per clip however many aspects are
wanted).

``framing`` picks the layouts allowed: ``auto`` (single, split or fit, see ``layout``; a clip that
shows one still picture with no face in it, ``stillness``, is ``still``: the renderer draws it as
an audio-only clip, the picture as its cover), ``speaker`` (always one crop following the active
speaker; fit when no face), ``center`` (no detection: the renderer's static centre crop), ``still``
(no detection: the clip's picture drawn as an audiogram's cover, whatever is in it).

A still picture with a face (a portrait over a reading) keeps its crop: a face held in close reads
as the person speaking, and a face too small to move a block of the measure may be a real one.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Sequence

from streams.media.reframe.layout import ReframeRules, plan_reframe
from streams.media.reframe.observations import Source
from streams.media.reframe.reframe_plan import ReframePlan
from streams.media.reframe.sampling import SamplingOptions, observe
from streams.media.reframe.speaker import VoiceTurn
from streams.media.reframe.stillness import is_still
from streams.media.sandbox.limits import SandboxLimits
from streams.vision.face_models import FaceModels

FRAMINGS = ("auto", "speaker", "center", "still")


def rules_for(framing: str, rules: ReframeRules = ReframeRules()) -> ReframeRules:
    """The planning rules of a ``framing`` choice (ValueError for an unknown one)."""
    if framing not in FRAMINGS:
        raise ValueError(f"unknown framing {framing!r}; choose one of {', '.join(FRAMINGS)}")
    return replace(rules, split=False) if framing == "speaker" else rules


async def plan_clip(
    models: FaceModels,
    path: Path | str,
    source: Source,
    start: float,
    end: float,
    aspects: Sequence[str],
    *,
    framing: str = "auto",
    sampling: SamplingOptions = SamplingOptions(),
    sandbox: SandboxLimits = SandboxLimits(),
    voices: Sequence[VoiceTurn] = (),
) -> dict[str, ReframePlan]:
    """A plan per aspect for ``[start, end]`` (source seconds) of the video at ``path``; empty for
    the ``center`` framing. The video is decoded once, in the media sandbox (not at all for
    ``still``). Raises MediaError (unreadable video), SandboxUnavailable or InferenceError (the
    face models)."""
    rules = rules_for(framing)
    if framing == "center":
        return {}
    if framing == "still":
        return {a: ReframePlan("still", a, source, start, end, *_whole(source)) for a in aspects}
    context = rules.context
    seen = await observe(
        models, path, max(0.0, start - context), end + context, sampling, loudness=(start, end), sandbox=sandbox
    )
    plans = {
        a: plan_reframe(
            seen.faces, source, a, start, end, cuts=seen.cuts, loudness=seen.loudness, rules=rules, voices=voices
        )
        for a in aspects
    }
    if framing == "auto" and is_still(seen.change, seen.faces):
        return {a: still_plan(plan) for a, plan in plans.items()}
    return plans


def still_plan(plan: ReframePlan) -> ReframePlan:
    """The plan of a clip whose picture never changes drawn as a cover instead (``still``): the
    whole picture, no crop path (a cover with faces in it was planned as a crop or a split)."""
    width, height = _whole(plan.source)
    return replace(
        plan,
        layout="still",
        crop_width=width,
        crop_height=height,
        keyframes=(),
        second=(),
        cuts=(),
        panels=(),
        framing=None,
    )


def _whole(source: Source) -> tuple[int, int]:
    """The whole picture of ``source`` as a crop: its size in even pixels."""
    return source.width // 2 * 2, source.height // 2 * 2
