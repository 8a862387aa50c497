"""How a stage says what happened: lifecycle events (``report``), each milestone of a video's stage
written to the catalog first and then announced (``StageReport``), and the end of a message that
could not be handled (``give_up``: dead-lettered with the reason, the video failed and its failure
announced, ``fail``).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from datetime import datetime

from streams.domain import deadletters
from streams.domain.deadletters import Origin
from streams.domain.envelope import MILESTONES
from streams.domain.video import Video
from streams.errors import VideoFailed
from streams.ops import metrics, redact
from streams.worker.records import lifecycle
from streams.worker.resources import Runtime, runtime

log = logging.getLogger("clipstream")


async def report(
    tenant_id: str, video_id: str, stage: str, status: str, *, at: datetime | None = None, **fields
) -> None:
    """Publish a lifecycle event (``started``/``progress``/``finished``/``failed``).

    A milestone (``started``, ``finished``, ``failed``) is reported after its state is written, and
    again wherever a redelivered message finds that state already written: a worker killed
    between the write and the send would otherwise lose the event for good. Every report of a
    milestone is the same event (``records.lifecycle``): its id comes from (video, stage, status,
    and for a failure its time), its time from when the catalog recorded it (``at``, else looked up), so consumers keep it once.
    Its other ``fields`` must come from the record too. A milestone the catalog has not recorded
    (the video is gone, the stage did not get there) is not announced. ``progress`` is a new event
    each time."""
    from streams.worker import topics

    if status in MILESTONES and at is None:
        at = await (await runtime()).catalog.recorded_at(video_id, stage, status)
        if at is None:
            log.warning("%s %s: not reporting %s, which the catalog has not recorded", stage, video_id, status)
            return
    await topics.events.send(key=video_id, value=lifecycle(tenant_id, video_id, stage, status, at, **fields))


async def dead_letter(
    stage: str,
    key: str | bytes | None,
    value: bytes,
    code: str,
    reason: str,
    source_topic: str,
    *,
    origin: Origin | None = None,
    attempts: int = 1,
) -> None:
    """Set a message aside on the stage's dead-letter topic, the reason in its headers
    (``streams.domain.deadletters``). ``origin`` (where the message came from: partition, offset, its own
    key and headers) is best given; without it the record names only ``source_topic``."""
    from streams.worker import topics
    from streams.worker.app import settings

    if origin is None:
        origin = Origin(topic=source_topic, key=key.encode() if isinstance(key, str) else key, value=value)
    key_bytes, kept, headers = deadletters.letter(
        stage, origin, code, reason, attempts=attempts, max_value_bytes=settings.max_event_bytes
    )
    await topics.DEAD_LETTER[stage].send(key=key_bytes, value=kept, headers=headers)
    metrics.DEAD_LETTERS.labels(stage, code).inc()


def for_users(reason: str) -> str:
    """A failure's reason without any path of this machine (its data directory, storage root,
    scratch and temporary folders, stored objects' URIs): ``ops.redact``."""
    return _redactor()(reason)


@functools.cache
def _redactor() -> redact.Redactor:
    """The worker's redactor, its patterns compiled once."""
    from streams.worker.app import settings

    return redact.for_settings(settings)


async def give_up(
    stage: str,
    video_id: str,
    raw: bytes,
    code: str,
    reason: str,
    source_topic: str,
    *,
    origin: Origin | None,
    attempts: int,
    fails_video: bool = True,
) -> None:
    """The end of a message: dead-lettered, and its video failed (if ``fails_video``); a message
    that came for a video that had already failed (``VideoFailed``) announces that failure again.
    Never raises: if Kafka or the database is down too, that is logged and the stream goes on.
    The reason is recorded as users may read it (the dead letter's ``error`` reaches a tenant's
    analytics report): without this machine's paths (``ops.redact``; the log keeps them)."""
    reason = for_users(reason)
    try:
        await dead_letter(stage, video_id or None, raw, code, reason, source_topic, origin=origin, attempts=attempts)
    except Exception:
        log.exception("%s %s: could not write the dead letter (%s: %s)", stage, video_id, code, reason)
    if video_id and fails_video:
        try:
            await fail(video_id, stage, code, reason)
        except Exception:
            log.exception("%s %s: could not mark the video failed (%s: %s)", stage, video_id, code, reason)
    elif video_id and code == VideoFailed.code:
        # A message for a video that had failed: perhaps redelivered because the worker that failed
        # the video was killed before it announced the failure. Announce it (again).
        try:
            await report_failure(video_id)
        except Exception:
            log.exception("%s %s: could not announce the video's failure", stage, video_id)


async def fail(video_id: str, stage: str, code: str, reason: str) -> None:
    """Fail the video at ``stage`` with ``code`` and ``reason``, and announce its failure. A video
    fails once: if it had already failed, its first failure is announced again (not this one)."""
    rt = await runtime()
    reason = for_users(reason)  # what users read (API, events, webhooks); idempotent on give_up's
    failed_now = await rt.catalog.fail_video(video_id, stage, code, reason)
    await report_failure(video_id, stage if failed_now else None)
    rt.workspace.drop_scratch(video_id)


async def report_failure(video_id: str, stage: str | None = None) -> None:
    """Publish the ``failed`` events of a failed video (its stage's, then the video's), built from
    the failure the catalog recorded, so each announcement is the same pair of events. Nothing if
    the video has not failed. ``stage``: the stage that failed it, for a failure the catalog cannot
    tie to a stage (one at a stage that had already completed keeps its row completed)."""
    failure = await (await runtime()).catalog.failure(video_id)
    if failure is None:
        return
    fields = {
        "at": failure["failed_at"],
        "error_code": failure["error_code"],
        "reason": (failure["error"] or "")[:2000],
    }
    stage = failure["stage"] or stage
    if stage is not None:  # unknown when a later announcement cannot tell: only the video's then
        await report(failure["tenant_id"], video_id, stage, "failed", **fields)
    await report(failure["tenant_id"], video_id, "video", "failed", **fields)


@dataclass(frozen=True)
class StageReport:
    """One stage of one video, as its agent reports it: each milestone is written to the catalog,
    then announced (``report``).

    Attributes:
        rt: the worker's shared resources (``runtime``).
        tenant_id, video_id: whose video.
        stage: the stage (``pipeline.VIDEO_STAGES``).
    """

    rt: Runtime
    tenant_id: str
    video_id: str
    stage: str

    async def begin(self) -> None:
        """The stage is running: recorded, and ``started`` announced."""
        await self.rt.catalog.stage(self.video_id, self.stage, "running")
        await self.announce("started")

    async def progress(self, share: float | None, *, announce: bool = False) -> None:
        """How far the stage is (0-1; None: not known), recorded; with ``announce``, also a
        ``progress`` event."""
        await self.rt.catalog.stage(self.video_id, self.stage, "running", share)
        if announce and share is not None:
            await self.announce("progress", progress=round(share, 3))

    async def complete(self) -> None:
        """The stage is done, recorded (announced by ``announce("finished", ...)`` once its fields
        are known: its speakers, the final ranking's time)."""
        await self.rt.catalog.stage(self.video_id, self.stage, "completed")

    async def announce(self, status: str, *, at: datetime | None = None, **fields) -> None:
        """Announce ``status`` (a milestone the catalog recorded, or ``progress``)."""
        await report(self.tenant_id, self.video_id, self.stage, status, at=at, **fields)

    async def fail(self, code: str, reason: str) -> None:
        """The video fails at this stage (``fail``)."""
        await fail(self.video_id, self.stage, code, reason)

    async def announce_end(
        self, video: Video | None, *, timed: bool = False, started: bool = True, redelivered: bool = True
    ) -> None:
        """Announce what the catalog recorded of the end of ``video`` (None: deleted, nothing):
        its failure (``report_failure``), or this stage's start (unless not ``started``) and end,
        each at its recorded time; with ``timed``, the end carries the stage's seconds from its
        first start. Each announcement is the same event as the first: a redelivered message
        that finds the video ended says it again, as the worker that got there may have died
        before it could. Not ``redelivered`` (the stage has just ended here): its end is
        announced even if another stage failed the video meanwhile, whose worker announces that."""
        if video is None:
            return
        if video.status == "failed" and redelivered:
            await report_failure(self.video_id)
            return
        row = video.stage(self.stage)
        if row is None or row.status != "completed":
            return
        first, last = row.started_at, row.finished_at
        fields = {}
        if timed:
            fields["duration_seconds"] = round((last - first).total_seconds(), 3) if first and last else None
        if started:
            await self.announce("started", at=first)
        await self.announce("finished", at=last, **fields)
