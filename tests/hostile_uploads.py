"""Getting the hostile corpus (``tests.hostile_media``) into the pipeline the way each case needs:
a multipart upload; by source URL, for a name with raw control characters (a multipart form
cannot carry one; a JSON body can); or, for the multi-gigabyte sparse files, a sparse copy placed
in storage and announced on the ``uploads`` topic as an outside producer may, instead of gigabytes
of zeros over HTTP."""

from __future__ import annotations

import json
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, urlparse

import httpx
from aiokafka import AIOKafkaProducer

from api.submitting import safe_filename, source_key
from streams.domain.envelope import SCHEMA_VERSION, new_event_id, utc_now
from tests.hostile_media import HostileCase
from tests.httpd import Answer, LocalServer

BY_URL = {"name_newlines", "name_unicode", "name_nul"}  # raw control characters: only a JSON body carries them


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
