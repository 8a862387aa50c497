"""What reaches the API from outside is refused in our words (findings 5-7 of issue 47): options
checked whole before anything is stored, database errors never quoted, NUL bytes and lone
surrogates refused at the edge, signed links that say why they fail, Host headers that are not
ours refused (links are built from the configured base), and no URL's credentials echoed."""

from __future__ import annotations

import json
import socket

import httpx
import pytest

from streams.adapters.storage import FileStorage, open_storage
from tests.security.conftest import fresh_key

pytestmark = pytest.mark.integration

DATABASE_WORDS = ("postgres", "asyncpg", "utf8", "invalid byte sequence", "sqlstate", "surrogates not allowed")


@pytest.fixture(scope="module")
def http(pipeline):
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60,
                      headers={"Authorization": f"Bearer {fresh_key(pipeline)}"}) as client:
        yield client


def _raw(pipeline, method: str, path: bytes, body: bytes = b"", content_type: bytes = b"application/json") -> tuple:
    """A request whose path and body go out byte for byte (httpx would normalise them)."""
    host, port = "127.0.0.1", pipeline.settings.api_port
    head = (method.encode() + b" " + path + b" HTTP/1.1\r\nHost: " + f"{host}:{port}".encode()
            + b"\r\nAuthorization: Bearer " + fresh_key(pipeline).encode()
            + b"\r\nContent-Type: " + content_type + b"\r\nContent-Length: " + str(len(body)).encode()
            + b"\r\nConnection: close\r\n\r\n")
    with socket.create_connection((host, port), timeout=30) as conn:
        conn.sendall(head + body)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data.split(b"\r\n\r\n", 1)[1].decode("utf-8", "replace")


@pytest.mark.parametrize("path", [b"/v1/videos/%00", b"/v1/videos/%ED%A0%80", b"/v1/clips/a%00b",
                                  b"/v1/videos?status=%00", b"/v1/search?q=%ED%A0%80"])
def test_nul_and_lone_surrogates_in_a_path_or_query_are_refused_in_our_words(pipeline, path):
    status, body = _raw(pipeline, "GET", path)
    assert status == 422, body
    assert json.loads(body)["error"]["code"] == "invalid_input"
    assert not any(word in body.lower() for word in DATABASE_WORDS), body


@pytest.mark.parametrize("body", [b'{"video_id": "\\ud800", "start": 0, "end": 5}',
                                  b'{"video_id": "a\\u0000b", "start": 0, "end": 5}'])
def test_nul_and_lone_surrogates_in_a_json_body_are_refused_in_our_words(pipeline, body):
    status, text = _raw(pipeline, "POST", b"/v1/clips", body)
    assert status == 422, text
    assert json.loads(text)["error"]["code"] == "invalid_input"
    assert not any(word in text.lower() for word in DATABASE_WORDS), text


BAD_OPTIONS = {
    "unknown brand field": {"brand": {"colour": "#FFFFFF"}},
    "a font with ,{}\\": {"brand": {"font": "Evil,{}\\"}},
    "a font not installed": {"brand": {"font": "No Such Family Sans"}},
    "a lone surrogate in a font": {"brand": {"font": "Dejavu\ud800"}},
    "a storage URI as logo": {"brand": {"logo_uri": "file:///etc/passwd"}},
    "min_seconds above max_seconds": {"min_seconds": 50, "max_seconds": 20},
    "an unknown option": {"clips": 3},
    "a bad colour": {"brand": {"highlight_colour": "red"}},
    "an aspect twice": {"aspect_ratios": ["9:16", "9:16"]},
    "an unknown language": {"language": "xx"},
}


@pytest.mark.parametrize("name", sorted(BAD_OPTIONS))
def test_bad_options_are_a_422_before_anything_is_stored(pipeline, http, media_dir, name):
    """Each of these was accepted with 202 and failed after ingest and transcription."""
    options = BAD_OPTIONS[name]
    storage = open_storage(pipeline.settings)
    assert isinstance(storage, FileStorage)
    before = _video_folders(storage, pipeline.tenant_id)
    newest = [v["video_id"] for v in http.get("/v1/videos", params={"limit": 1}).json()["videos"]]
    as_text = json.dumps(options)  # a lone surrogate goes out as its \\u escape
    answers = [
        http.post("/v1/videos", files={"file": ("jfk.wav", (media_dir / "speech" / "jfk.wav").read_bytes())},
                  data={"options": as_text}),
        http.post("/v1/videos", content=json.dumps({"source_url": "https://93.184.216.34/a.mp4", "options": options}),
                  headers={"content-type": "application/json"}),
    ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] in ("invalid_options", "invalid_input")
        assert not any(word in answer.text.lower() for word in DATABASE_WORDS)
    # no video recorded, and no byte stored for one
    assert [v["video_id"] for v in http.get("/v1/videos", params={"limit": 1}).json()["videos"]] == newest
    assert _video_folders(storage, pipeline.tenant_id) == before


def _video_folders(storage: FileStorage, tenant_id: str) -> set[str]:
    """The videos that have anything stored (a submission stores its upload before anything else)."""
    return {key.split("/")[3] for key in storage.list(f"tenants/{tenant_id}/videos/")}


def test_a_tampered_or_cut_signed_link_is_a_403_that_says_so(pipeline, tenant_a):
    source = pipeline.client.video(tenant_a["video_id"])["urls"]["source"]  # a fresh link (signed for 15 min)
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
        tampered = anonymous.get(source.replace("source?", "source?x=1&"))
        cut = anonymous.get(source[:-3])
        unsigned = anonymous.get(source.split("?")[0])
    for answer in (tampered, cut):
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "link_invalid", answer.text
    assert unsigned.status_code == 401


def test_a_host_that_is_not_ours_is_refused_and_links_use_the_configured_base(pipeline, http, tenant_a):
    """Finding 7: ``Host: attacker.invalid`` gave a signed link on that host."""
    refused = http.get(f"/v1/clips/{tenant_a['clip_id']}/timeline", headers={"Host": "attacker.invalid"})
    assert refused.status_code == 400
    assert http.get("/healthz", headers={"Host": "10.0.0.7:8080"}).status_code == 200  # probes call by address
    # Another of our names is answered, but the links still say the configured base.
    port = pipeline.settings.api_port
    timeline = http.get(f"/v1/clips/{tenant_a['clip_id']}/timeline", headers={"Host": f"localhost:{port}"})
    assert timeline.status_code == 200, timeline.text
    assert f"{pipeline.settings.api_url}/v1/videos/{tenant_a['video_id']}/source?" in timeline.text
    assert "localhost" not in timeline.text


def test_a_refused_source_url_does_not_echo_its_credentials(http):
    answer = http.post("/v1/videos", json={"source_url": "http://someone:hunter2secret@127.0.0.2/talk.mp4"})
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "unsafe_url"
    assert "hunter2secret" not in answer.text and "someone" not in answer.text


def test_a_field_the_operation_does_not_take_is_refused_not_dropped(http):
    """A misspelt field (``events`` for ``event_types``) used to be ignored: the endpoint was made
    for every event. It is a 422 naming the field and what the operation takes; nothing is made."""
    before = http.get("/v1/webhooks/endpoints").json()["endpoints"]
    answer = http.post("/v1/webhooks/endpoints", json={"url": "https://hooks.example/in", "events": ["clip.rendered"]})
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_body" and "'events'" in error["message"] and "event_types" in error["message"]
    assert http.get("/v1/webhooks/endpoints").json()["endpoints"] == before
    typo = http.post("/v1/videos", json={"sourceurl": "https://media.example/talk.mp4"})
    assert typo.status_code == 422 and "'sourceurl'" in typo.json()["error"]["message"], typo.text
