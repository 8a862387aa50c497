"""The API's contract at its edges: the key, JSON errors with a machine code, and the 202 reply."""

from __future__ import annotations

import httpx
import pytest

from streams.adapters.storage import video_prefix
from streams.stack.credentials import api_key_for

pytestmark = pytest.mark.integration


@pytest.fixture
def http(pipeline):
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as client:
        yield client


def _auth(pipeline) -> dict:
    return {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}


def test_requests_without_the_key_are_refused_with_a_json_error(http, pipeline):
    response = http.get("/v1/videos/anything")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    wrong = http.get("/v1/videos/anything", headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 401 and "invalid or revoked API key" in wrong.json()["error"]["message"]
    assert http.get("/healthz").status_code == 200


def test_unknown_video_is_a_404_with_a_code(http, pipeline):
    response = http.get("/v1/videos/nope/clips", headers=_auth(pipeline))
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "video_not_found", "message": "no video with id 'nope'"}


def test_upload_without_a_file_or_with_bad_options_is_rejected(http, pipeline, media_dir):
    no_file = http.post("/v1/videos", headers=_auth(pipeline), files={"other": ("a.txt", b"x")})
    assert no_file.status_code == 422 and no_file.json()["error"]["code"] == "missing_file"
    with open(media_dir / "speech/jfk.wav", "rb") as f:
        bad = http.post("/v1/videos", headers=_auth(pipeline), files={"file": ("jfk.wav", f)},
                        data={"clip_count": "0", "aspect_ratios": "3:2"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_options"
    not_multipart = http.post("/v1/videos", headers=_auth(pipeline), content=b"raw")
    assert not_multipart.status_code == 415


def test_an_accepted_upload_is_202_with_links_and_its_bytes_are_in_storage(http, pipeline, media_dir):
    from streams.adapters.storage import open_storage

    source = media_dir / "speech/jfk.wav"
    with open(source, "rb") as f:
        response = http.post("/v1/videos", headers=_auth(pipeline), files={"file": ("../../etc/jfk.wav", f)},
                             data={"clip_count": "1"})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["filename"] == "jfk.wav"
    assert body["size_bytes"] == source.stat().st_size
    assert body["links"]["clips"] == f"/v1/videos/{body['video_id']}/clips"
    storage = open_storage(pipeline.settings)
    prefix = video_prefix(pipeline.tenant_id, body["video_id"])
    assert storage.get_bytes(f"{prefix}source.wav") == source.read_bytes()
    video = pipeline.client.wait(body["video_id"], timeout=300)
    assert video["status"] == "completed", video.get("error")  # an audio-only upload gets clips too
    # its audio chunks, for transcription alone, went when it completed; its source and clips stay
    kept = sorted(key.removeprefix(prefix).split("/")[0] for key in storage.list(prefix))
    assert "audio" not in kept and "source.wav" in kept and "clips" in kept, kept
