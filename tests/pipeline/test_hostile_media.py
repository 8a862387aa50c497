"""The hostile-media corpus uploaded through the API among good videos, on the real pipeline:
each hostile file fails its own video at ingest with its code and a message that names the
upload printably (never a temp or storage path); the good videos and the real recording with a
lying extension complete; the worker is the same process at the end; no stored object is named
after an upload; and nothing the playlists point at is reached.

Uploads go as multipart forms (whose file names cannot carry a raw line break: clients escape it),
a name with raw control characters goes by source URL (the worker downloads the file), and the
multi-gigabyte sparse files are placed in storage and announced on the uploads topic, as an outside
producer may, instead of sending gigabytes of zeros over HTTP.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from api.submitting import safe_filename
from streams.adapters.storage import video_prefix
from streams.errors import ApiCallFailed
from streams.media.probe import printable_name
from tests.hostile_media import CANARY_TEXT, CanaryServer, HostileCase, build_corpus
from tests.hostile_uploads import announce_in_place, serving, upload
from tests.media_recipes import short_talk

pytestmark = pytest.mark.integration

HOSTILE_FRAGMENTS = ("passwd", "win.ini", "rm -rf", "reboot", "concat:", "subfile:", "X-Injected", "видео", "a" * 20)


@pytest.fixture(scope="module")
def canary():
    with CanaryServer() as server:
        yield server


@pytest.fixture(scope="module")
def good_video(media_dir, built_media) -> Path:
    return short_talk(media_dir, built_media)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, good_video, canary) -> list[HostileCase]:
    return build_corpus(tmp_path_factory.mktemp("hostile"), good_video, canary_url=canary.url)


@pytest.fixture(scope="module")
def file_server(corpus):
    """Serves the corpus files by case name, for uploads by source URL."""
    with serving(corpus) as server:
        yield server


def _wait(client, video_id: str, timeout: float = 600) -> dict:
    """The video's final state; one announced on the topic exists once the worker has read it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return client.wait(video_id, timeout=max(1.0, deadline - time.monotonic()))
        except ApiCallFailed as exc:
            if exc.api_code != "video_not_found" or time.monotonic() > deadline:
                raise
            time.sleep(1)


def _storage_root(pipeline) -> Path:
    return Path(urlparse(pipeline.settings.storage_url).path)


async def test_hostile_uploads_fail_alone_and_touch_nothing_outside_their_upload(
    pipeline, corpus, good_video, canary, file_server
):
    client = pipeline.client
    worker_pid = pipeline.worker.running().pid
    connections = canary.connections
    first_good = client.submit(good_video, clip_count=1)["video_id"]
    submitted: list[tuple[HostileCase, str | dict]] = []
    for case in corpus:
        if case.huge:
            video_id = await announce_in_place(pipeline.settings, pipeline.tenant_id, case, {"clip_count": 1})
        else:
            video_id = upload(client.http, case, file_server, {"clip_count": 1})
        submitted.append((case, video_id))
    last_good = client.submit(good_video, clip_count=1)["video_id"]

    problems = {}
    for case, video_id in submitted:
        if isinstance(video_id, dict):  # refused by the API: only acceptable with one of its codes
            pipeline.say(f"hostile media: {case.name}: refused by the API ({video_id['code']})")
            if video_id["code"] not in case.codes:
                problems[case.name] = [f"the API refused it: {video_id}"]
            continue
        video = _wait(client, video_id)
        pipeline.say(f"hostile media: {case.name}: {video['status']} {(video.get('error') or {}).get('code', '')}")
        found = _check(case, video, pipeline)
        if case.succeeds and not found:
            if not client.clips(video_id)["clips"]:
                found.append("completed without a clip")
        if found:
            problems[case.name] = found
    assert problems == {}

    for video_id in (first_good, last_good):
        done = client.wait(video_id, timeout=600)
        assert done["status"] == "completed", done.get("error")
        assert len(client.clips(video_id)["clips"]) == 1

    assert pipeline.worker.running().pid == worker_pid
    assert canary.connections == connections
    _check_storage(pipeline, [video_id for _, video_id in submitted if isinstance(video_id, str)])


def _check(case: HostileCase, video: dict, pipeline) -> list[str]:
    if case.succeeds:
        if video["status"] != "completed":
            return [f"should complete, is {video['status']}: {video.get('error')}"]
        return []
    if video["status"] != "failed":
        return [f"should fail, is {video['status']}"]
    error, problems = video["error"], []
    if error["code"] not in case.codes:
        problems.append(f"code {error['code']} not in {sorted(case.codes)}: {error['message']}")
    ingest = next(s for s in video["stages"] if s["stage"] == "ingest")
    if ingest["status"] != "failed" or ingest["error"]["code"] != error["code"]:
        problems.append(f"ingest stage is {ingest}")
    message = error["message"]
    shown = printable_name(safe_filename(case.upload_name))
    if not message.startswith(shown + " "):
        problems.append(f"message does not start with the printable name {shown!r}: {message!r}")
    leaks = [s for s in ("/tmp", ".local", str(pipeline.settings.data_dir), "tenants/", CANARY_TEXT) if s in message]
    raw = [ch for ch in message if ch in "\r\n\x00\x1b\u202e\u202d\ufeff"]
    if leaks or raw:
        problems.append(f"message leaks {leaks} or holds raw control characters {raw!r}: {message!r}")
    return problems


SYSTEM_NAMED = re.compile(r"(source(\.[a-z0-9]{1,8})?|audio/\d{5}\.wav|clips/.+)")


def _check_storage(pipeline, video_ids: list[str]) -> None:
    """Every object of these videos is under its own video's prefix with a name the system chose,
    and no object anywhere in storage is named after an upload."""
    root = _storage_root(pipeline)
    for path in root.rglob("*"):
        key = path.relative_to(root).as_posix()
        assert not any(fragment in key for fragment in HOSTILE_FRAGMENTS), key
    for video_id in video_ids:
        prefix = video_prefix(pipeline.tenant_id, video_id)
        for path in (root / prefix).rglob("*"):
            if path.is_file():
                assert SYSTEM_NAMED.fullmatch(path.relative_to(root / prefix).as_posix()), path
