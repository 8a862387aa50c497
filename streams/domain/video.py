"""A video as the catalog keeps it: what was uploaded, what the pipeline has learnt of it, and where
each stage stands. Frozen; the catalog (``streams.adapters.catalog``) builds it from its rows, the
API answers with it and the agents read it, so every reader spells a field one way and a type
checker sees a misspelt one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from streams.domain.options import VideoOptions
from streams.domain.pipeline import VIDEO_STAGES

VIDEO_STATUSES = ("queued", "processing", "completed", "failed")


@dataclass(frozen=True)
class VideoStage:
    """One stage of one video (``streams.domain.pipeline.VIDEO_STAGES``): ``pending``, ``running``,
    ``completed`` or ``failed``, its progress (0-1), and why it failed."""

    stage: str
    status: str = "pending"
    progress: float = 0.0
    error_code: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Video:
    """Attributes:
    video_id, tenant_id: whose video, under which id.
    filename: the name it was uploaded under; source_uri: where the upload is stored.
    size_bytes: the stored upload's size (0 until a video submitted by URL is fetched).
    status: one of ``VIDEO_STATUSES``; error_code and error: why it failed, when it did.
    options: the processing options it was submitted with.
    created_at, updated_at, finished_at: when it was submitted, last changed, and finished.
    duration, width, height, has_video: what the probe found (None until ingest has looked).
    media_type: the type the source is served as, from what the probe found it to be (None until
        probed, or when it is none of the allowed video and audio types).
    chunk_count: how many audio chunks ingest cut (None until the last one).
    ranking: the final ranking's account (``MomentsFound``), once the moments are chosen.
    stages: every stage in pipeline order (empty when read without them, as in a listing).
    """

    video_id: str
    tenant_id: str
    filename: str
    source_uri: str
    size_bytes: int
    status: str
    created_at: datetime
    updated_at: datetime
    options: VideoOptions
    error_code: str | None = None
    error: str | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    width: int | None = None
    height: int | None = None
    has_video: bool | None = None
    media_type: str | None = None
    chunk_count: int | None = None
    ranking: Mapping[str, Any] | None = None
    stages: tuple[VideoStage, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, Any], stages: tuple[VideoStage, ...] = ()) -> Video:
        """From a row of ``videos`` (its JSON columns already decoded). Columns this type does not
        name are left out, so a migration that adds one breaks no reader; the stages are put in
        pipeline order."""
        order = {stage: i for i, stage in enumerate(VIDEO_STAGES)}
        ordered = tuple(sorted(stages, key=lambda s: order.get(s.stage, len(order))))
        known = known_columns(cls, row, but=("stages",))
        return cls(**{**known, "options": VideoOptions.from_json(known.get("options") or {})}, stages=ordered)

    def stage(self, name: str) -> VideoStage | None:
        """The stage named ``name``, or None when the video was read without its stages."""
        return next((s for s in self.stages if s.stage == name), None)


def stage_from_row(row: Mapping[str, Any]) -> VideoStage:
    """From a row of ``video_stages`` (its ``video_id`` left out)."""
    return VideoStage(**known_columns(VideoStage, row))


def known_columns(cls: type, row: Mapping[str, Any], but: tuple[str, ...] = ()) -> dict[str, Any]:
    """The columns of ``row`` that name a field of the dataclass ``cls`` (but those in ``but``): a
    column added by a later migration is left out, a missing one fails the constructor."""
    names = {f.name for f in fields(cls)} - set(but)
    return {k: v for k, v in row.items() if k in names}


@dataclass(frozen=True)
class DeletedVideo:
    """A video deleted from the catalog (``deleted_videos``): what others who kept something of it
    (analytics) need to forget it."""

    tenant_id: str
    video_id: str
    deleted_at: datetime
