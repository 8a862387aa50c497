"""Getting the hostile corpus (``tests.hostile_media``) into the pipeline the way each case needs:
a multipart upload; by source URL, for a name with raw control characters (a multipart form
cannot carry one; a JSON body can); or, for the multi-gigabyte sparse files, a sparse copy placed
in storage and announced on the ``uploads`` topic as an outside producer may, instead of gigabytes
of zeros over HTTP. And what a failed case's video and the storage must show afterwards
(``failure_problems``, ``storage_problems``)."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx
from aiokafka import AIOKafkaProducer

from api.submitting import safe_filename, source_key
from streams.adapters.storage import video_prefix
from streams.domain.envelope import SCHEMA_VERSION, new_event_id, utc_now
from streams.media.probe import printable_name
from tests.hostile_media import CANARY_TEXT, HostileCase
from tests.httpd import Answer, LocalServer

BY_URL = {"name_newlines", "name_unicode", "name_nul"}  # raw control characters: only a JSON body carries them
# What the corpus's upload names hold; no stored object may be named after one.
HOSTILE_FRAGMENTS = ("passwd", "win.ini", "rm -rf", "reboot", "concat:", "subfile:", "X-Injected", "видео", "a" * 20)
# The names the system gives a video's objects under its prefix.
SYSTEM_NAMED = re.compile(r"(source(\.[a-z0-9]{1,8})?|audio/\d{5}\.wav|clips/.+)")


@contextmanager
def serving(cases: list[HostileCase]):
    """A local HTTP server answering ``/<case name>`` with that case's file (for uploads by URL)."""
    files = {f"/{case.name}": case.path for case in cases}

    def respond(request, _n):
        path = files.get(urlparse(request.path).path)
        return Answer(200, path.read_bytes()) if path else Answer(404)

    with LocalServer(respond) as server:
        yield server


def upload(http: httpx.Client, case: HostileCase, server: LocalServer, options: dict) -> str | dict:
    """Submit ``case`` through the API (``http`` carries the key): the video id, or the API's
    ``error`` object when it refuses the upload outright."""
    if case.name in BY_URL:
        response = http.post("/v1/videos", json={"source_url": server.url(f"/{quote(case.name)}"),
                                                 "filename": case.upload_name, "options": options})
    else:
        with case.path.open("rb") as f:
            response = http.post("/v1/videos", files={"file": (case.upload_name, f)},
                                 data={k: str(v) for k, v in options.items()})
    if 400 <= response.status_code < 500:
        return response.json()["error"]
    assert response.status_code == 202, (case.name, response.status_code, response.text)
    return response.json()["video_id"]


async def announce_in_place(settings, tenant_id: str, case: HostileCase, options: dict) -> str:
    """Place a sparse copy of ``case`` where the API would have stored it (file storage) and
    publish its ``upload_received`` event; the new video's id."""
    video_id = uuid.uuid4().hex
    filename = safe_filename(case.upload_name)
    stored = Path(urlparse(settings.storage_url).path) / source_key(tenant_id, video_id, filename)
    stored.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "--sparse=always", str(case.path), str(stored)], check=True, timeout=120)
    event = {"schema_version": SCHEMA_VERSION, "event_id": new_event_id(), "tenant_id": tenant_id,
             "video_id": video_id, "produced_at": utc_now(), "source_uri": stored.as_uri(), "filename": filename,
             "size_bytes": stored.stat().st_size, "options": options}
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("uploads", json.dumps(event).encode(), key=video_id.encode())
    finally:
        await producer.stop()
    return video_id


def failure_problems(case: HostileCase, video: dict, data_dir: Path) -> list[str]:
    """What is wrong with how the hostile ``case``'s ``video`` (the API's view) failed: it must have
    failed at ingest with one of the case's codes, and its message must start with the upload's
    name as the API shows it and hold no path of the machine (temp, data or storage), nothing read
    through a playlist and no raw control character. Empty when nothing is."""
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
    leaks = [s for s in ("/tmp", ".local", str(data_dir), "tenants/", CANARY_TEXT) if s in message]
    raw = [ch for ch in message if ch in "\r\n\x00\x1b\u202e\u202d\ufeff"]
    if leaks or raw:
        problems.append(f"message leaks {leaks} or holds raw control characters {raw!r}: {message!r}")
    return problems


def storage_problems(root: Path, tenant_id: str, video_ids: list[str]) -> list[str]:
    """Objects of file storage at ``root`` named after an upload (anywhere), or under one of these
    videos' prefixes with a name the system did not choose."""
    problems = [key for path in root.rglob("*")
                if any(fragment in (key := path.relative_to(root).as_posix()) for fragment in HOSTILE_FRAGMENTS)]
    for video_id in video_ids:
        prefix = root / video_prefix(tenant_id, video_id)
        problems += [path.relative_to(root).as_posix() for path in prefix.rglob("*")
                     if path.is_file() and not SYSTEM_NAMED.fullmatch(path.relative_to(prefix).as_posix())]
    return sorted(set(problems))
