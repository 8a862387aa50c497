"""What ``StageReport.announce_end`` says of a video that has ended: a redelivered message repeats
the failure the catalog recorded, but a stage that has just ended here announces its own end even
if another stage failed the video meanwhile (that stage's worker announces the failure)."""

from datetime import datetime, timedelta, timezone

import pytest

from streams.domain.options import VideoOptions
from streams.domain.video import Video, VideoStage
from streams.worker import reporting
from streams.worker.reporting import StageReport

T0 = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)


def failed_video_with_ingest_done() -> Video:
    ingest = VideoStage("ingest", "completed", 1.0, started_at=T0, finished_at=T0 + timedelta(seconds=42))
    return Video(
        video_id="v1", tenant_id="t1", filename="talk.mp4", source_uri="s3://uploads/v1", size_bytes=10,
        status="failed", created_at=T0, updated_at=T0, options=VideoOptions.from_json({}),
        error_code="transcription_failed", error="no speech model", stages=(ingest,),
    )


class Heard(StageReport):
    """A stage report that keeps what it would announce instead of publishing it."""

    def __init__(self) -> None:
        super().__init__(rt=None, tenant_id="t1", video_id="v1", stage="ingest")  # type: ignore[arg-type]
        object.__setattr__(self, "said", [])

    async def announce(self, status, *, at=None, **fields):
        self.said.append((status, at, fields))


@pytest.fixture
def failures(monkeypatch) -> list[str]:
    """The videos whose failure ``reporting.report_failure`` is asked to announce."""
    announced: list[str] = []

    async def report_failure(video_id, stage=None):
        announced.append(video_id)

    monkeypatch.setattr(reporting, "report_failure", report_failure)
    return announced


async def test_a_redelivered_message_repeats_the_recorded_failure(failures):
    heard = Heard()
    await heard.announce_end(failed_video_with_ingest_done(), timed=True)
    assert failures == ["v1"] and heard.said == []


async def test_a_stage_that_just_ended_announces_its_end_though_another_failed_the_video(failures):
    heard = Heard()
    await heard.announce_end(failed_video_with_ingest_done(), timed=True, started=False, redelivered=False)
    assert failures == []
    assert heard.said == [("finished", T0 + timedelta(seconds=42), {"duration_seconds": 42.0})]
