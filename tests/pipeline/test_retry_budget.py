"""Transient failures against the real stack: Triton stopped for a few seconds while a video is
transcribing costs retries, not the video; Triton down past the stage's retry budget fails the video
with a reason a person can read and dead-letters the message, and once Triton is back,
``clipstream dlq replay`` of that dead letter completes the video (and a second replay sends
nothing)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from streams.cli.main import build_parser
from streams.cli.operations import cmd_dlq
from streams.stack.triton import Triton
from tests.media_recipes import short_talk
from tests.topics import read_topic

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _wait_for_log(path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never appeared in {path}")
        time.sleep(0.5)


def _dlq(settings, capsys, *argv: str):
    """``clipstream dlq ...`` as an operator runs it, with the stack's settings; its JSON output."""
    capsys.readouterr()
    assert cmd_dlq(build_parser().parse_args(["dlq", *argv, "--json"]), settings) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def triton(pipeline):
    """The stack's Triton, started again after the test whatever happened to it."""
    server = Triton(pipeline.settings)
    try:
        yield server
    finally:
        server.start(pipeline.say)


def test_triton_down_for_a_few_seconds_costs_retries_not_the_video(pipeline, triton, media_dir, built_media):
    talk = short_talk(media_dir, built_media)
    triton.stop(pipeline.say)
    video_id = pipeline.client.submit(talk, clip_count=1)["video_id"]
    # the transcribe stage has met the outage: its first try failed and it is waiting to retry
    _wait_for_log(pipeline.worker.log_path, f"transcribe {video_id}: attempt 1 failed", timeout=180)
    time.sleep(3)
    triton.start(pipeline.say)

    video = pipeline.client.wait(video_id, timeout=600)
    assert video["status"] == "completed", video.get("error")
    assert len(pipeline.client.clips(video_id)["clips"]) == 1
    dead = asyncio.run(read_topic(pipeline.settings.kafka_bootstrap, "transcribe.dlq", key=video_id, raw=True))
    assert dead == []


@pytest.fixture
def short_budget(pipeline):
    """The pipeline's worker swapped for one whose transcribe stage gives up after 3 tries within
    8 s; the usual worker is back afterwards."""
    settings = pipeline.settings.with_overrides(stage_retry_budgets="transcribe=3/8")
    with pipeline.swapped("worker", settings):
        yield settings


def test_triton_down_past_the_budget_fails_the_video_and_a_replay_once_it_is_back_completes_it(
    pipeline, triton, short_budget, media_dir, built_media, capsys
):
    settings = short_budget
    talk = short_talk(media_dir, built_media)
    triton.stop(pipeline.say)
    video_id = pipeline.client.submit(talk, clip_count=1)["video_id"]
    failed = pipeline.client.wait(video_id, timeout=300)
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "inference_unavailable"
    message = failed["error"]["message"]
    assert "whisper on Triton at" in message and "gave up after 3 tries" in message, message
    transcribe = next(s for s in failed["stages"] if s["stage"] == "transcribe")
    assert transcribe["status"] == "failed" and transcribe["error"]["code"] == "inference_unavailable"

    [letter] = _dlq(settings, capsys, "list", "--stage", "transcribe", "--video", video_id)
    assert letter["error_code"] == "inference_unavailable" and letter["reason"] == message
    assert letter["source_topic"] == "audio_chunks" and letter["attempts"] == 3 and not letter["replayed"]

    triton.start(pipeline.say)
    [planned] = _dlq(settings, capsys, "replay", "--stage", "transcribe", "--video", video_id, "--dry-run")
    assert planned["action"] == "would replay"
    assert pipeline.client.video(video_id)["status"] == "failed"  # a dry run changes nothing

    [replayed] = _dlq(settings, capsys, "replay", "--stage", "transcribe", "--video", video_id)
    assert replayed["action"] == "replayed" and replayed["sent_to"].startswith("audio_chunks:")
    video = pipeline.client.wait(video_id, timeout=600)
    assert video["status"] == "completed", video.get("error")
    assert video.get("error") is None
    assert len(pipeline.client.clips(video_id)["clips"]) == 1

    [again] = _dlq(settings, capsys, "replay", "--stage", "transcribe", "--video", video_id)
    assert again["action"] == "skipped" and "already replayed" in again["detail"]
    [listed] = _dlq(settings, capsys, "list", "--stage", "transcribe", "--video", video_id)
    assert listed["replayed"]
    copies = asyncio.run(read_topic(settings.kafka_bootstrap, "audio_chunks", key=video_id, raw=True))
    assert [m["headers"].get("replay_of") for m in copies] == [None, letter["id"]]  # the original, one copy
