"""Nothing a user or a developer receives names where this deployment keeps its data: every answer
of the API about a processed video, its progress events, its webhooks and a failure's error say
no path of the data directory and no storage URI (finding 4 of issue 47: clip answers carried
``file:///<data dir>/tenants/<tenant>/...`` and an error named the storage root)."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.owner import new_tenant
from tests.httpd import Answer, LocalServer

pytestmark = pytest.mark.integration


def _leaks(pipeline, text: str) -> list[str]:
    roots = {str(pipeline.settings.data_dir), str(pipeline.settings.data_dir.resolve())}
    if pipeline.settings.storage_url.startswith("file://"):
        roots.add(pipeline.settings.storage_url[len("file://"):])
    found = [r for r in roots if r in text]
    found += [s for s in ("file://", "s3://") if s in text]
    return found


def _events(pipeline, http: httpx.Client, video_id: str) -> str:
    """What the video's progress stream says (its snapshot and what follows for a moment)."""
    url = http.get(f"/v1/videos/{video_id}").json()["urls"]["events"]
    lines: list[str] = []
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=httpx.Timeout(10, read=3)) as anonymous:
        try:
            with anonymous.stream("GET", url) as stream:
                started = time.monotonic()
                for line in stream.iter_lines():
                    lines.append(line)
                    if time.monotonic() - started > 3:
                        break
        except httpx.ReadTimeout:
            pass
    assert any(line.startswith("data:") for line in lines), lines
    return "\n".join(lines)


def _finished(http: httpx.Client, video_id: str, timeout: float = 600) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = http.get(f"/v1/videos/{video_id}").json()
        if video["status"] in ("completed", "failed"):
            return video
        time.sleep(1)
    raise AssertionError(f"video {video_id} did not finish in {timeout:.0f} s")


def test_no_answer_event_or_webhook_names_a_path_of_the_data_directory(pipeline, media_dir):
    """A tenant of its own, so everything it is told comes from this run."""
    _, key = new_tenant(pipeline.settings, "paths")
    with LocalServer(lambda request, n: Answer(200)) as receiver, httpx.Client(
            base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as http:
        endpoint = http.post("/v1/webhooks/endpoints", json={"url": receiver.url("/hook")})
        assert endpoint.status_code == 201, endpoint.text
        try:
            audio = (media_dir / "speech" / "jfk.wav").read_bytes()
            options = json.dumps({"clip_count": 1, "min_seconds": 5, "max_seconds": 15})
            submitted = http.post("/v1/videos", files={"file": ("jfk.wav", audio)}, data={"options": options})
            good = _finished(http, submitted.json()["video_id"])
            assert good["status"] == "completed", good.get("error")
            bad = http.post("/v1/videos", files={"file": ("notes.txt", b"not a video at all\n" * 20)}).json()
            failed = _finished(http, bad["video_id"], timeout=120)
            assert failed["status"] == "failed"
            said: dict[str, str] = {}
            for video in (good, failed):
                vid = video["video_id"]
                for path in (f"/v1/videos/{vid}", f"/v1/videos/{vid}/moments", f"/v1/videos/{vid}/clips",
                             f"/v1/videos/{vid}/transcript", f"/v1/videos/{vid}/transcript?format=vtt",
                             f"/v1/videos/{vid}/transcript?format=srt", "/v1/videos", "/v1/analytics",
                             f"/v1/search?q=country&video_id={vid}"):
                    said[path] = http.get(path).text
                said[f"events {vid}"] = _events(pipeline, http, vid)
            for clip in http.get(f"/v1/videos/{good['video_id']}/clips").json()["clips"]:
                said[f"clip {clip['clip_id']}"] = http.get(f"/v1/clips/{clip['clip_id']}").text
                said[f"timeline {clip['clip_id']}"] = http.get(f"/v1/clips/{clip['clip_id']}/timeline").text
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not any(b"clip.rendered" in r.body for r in receiver.received):
                time.sleep(0.5)
            said["webhooks"] = "\n".join(r.body.decode() for r in receiver.received)
            said["deliveries"] = http.get(
                f"/v1/webhooks/endpoints/{endpoint.json()['endpoint_id']}/deliveries").text
        finally:
            http.delete(f"/v1/webhooks/endpoints/{endpoint.json()['endpoint_id']}")
    assert "clip.rendered" in said["webhooks"] and "video.failed" in said["webhooks"]
    clip = json.loads(said[next(k for k in said if k.startswith("clip "))])
    assert clip["mp4"] == f"/v1/clips/{clip['clip_id']}/download?file=mp4"
    leaks = {where: _leaks(pipeline, text) for where, text in said.items()}
    assert {k: v for k, v in leaks.items() if v} == {}
