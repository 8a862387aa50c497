"""The two ways to submit a video without sending it through the API: a source URL the worker
downloads (behind the private-address guard), and a presigned upload straight to S3 (MinIO) that
is then confirmed. Both end as ordinary videos processed by the session's worker."""

from __future__ import annotations

import uuid

import boto3
import httpx
import pytest

from streams.adapters.storage import video_prefix
from streams.stack.credentials import api_key_for
from streams.stack.apps import Api
from streams.stack.process import free_port
from tests.httpd import Answer, LocalServer

pytestmark = pytest.mark.integration
SMALL = {"clip_count": 1, "min_seconds": 5, "max_seconds": 15}


@pytest.fixture(scope="module")
def http(pipeline):
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers=headers) as client:
        yield client


def _by_url(http, url: str, **body) -> httpx.Response:
    return http.post("/v1/videos", json={"source_url": url, **body},
                     headers={"Idempotency-Key": uuid.uuid4().hex})


# -- source URL --------------------------------------------------------------------------------
def test_a_video_submitted_by_url_is_downloaded_and_processed(http, pipeline, media_dir):
    jfk = (media_dir / "speech/jfk.wav").read_bytes()
    with LocalServer(lambda req, n: Answer(200, jfk, {"Content-Type": "audio/wav"})) as server:
        answer = _by_url(http, server.url("/talks/jfk%20speech.wav?token=abc"), options=SMALL)
        assert answer.status_code == 202, answer.text
        body = answer.json()
        assert body["filename"] == "jfk speech.wav" and body["source_url"].endswith("?token=abc")
        assert body["size_bytes"] == 0  # known once downloaded
        video = pipeline.client.wait(body["video_id"], timeout=300)
    assert video["status"] == "completed", video.get("error")
    assert video["size_bytes"] == len(jfk)
    assert [r.path for r in server.received] == ["/talks/jfk%20speech.wav?token=abc"]
    assert pipeline.client.clips(body["video_id"])["clips"], "no clip from the downloaded video"


@pytest.mark.parametrize("url", [
    "http://10.0.0.1/talk.mp4", "http://169.254.169.254/latest/meta-data", "http://localhost:9/talk.mp4",
    "http://[::1]:9/talk.mp4", "http://0x7f000001/talk.mp4", "ftp://example.com/talk.mp4", "file:///etc/passwd",
    "http:///nohost", "not a url",
])
def test_unsafe_source_urls_are_refused_before_anything_is_queued(http, url):
    answer = _by_url(http, url)
    assert answer.status_code == 422 and answer.json()["error"]["code"] == "unsafe_url", (url, answer.text)


def test_a_source_url_body_is_checked(http):
    for body, code in (({}, "invalid_body"), ({"source_url": 5}, "invalid_body"),
                       ({"source_url": "http://127.0.0.1:9/" + "a" * 3000}, "invalid_body")):
        answer = http.post("/v1/videos", json=body)
        assert answer.status_code == 422 and answer.json()["error"]["code"] == code, body
    bad_options = _by_url(http, "http://127.0.0.1:9/x.mp4", options={"clip_count": 0})
    assert bad_options.status_code == 422 and bad_options.json()["error"]["code"] == "invalid_options"
    klingon = _by_url(http, "http://127.0.0.1:9/x.mp4", options={"language": "klingon"}).json()["error"]
    assert klingon["code"] == "invalid_options" and "'klingon' is not 'auto' or one of the 99 codes" in klingon["message"]
    assert http.post("/v1/videos", content=b"x", headers={"Content-Type": "text/plain"}).status_code == 415


@pytest.mark.parametrize("case", ["redirect to a private address", "not found"])
def test_a_source_that_fails_to_download_fails_its_video_alone_with_the_reason(http, pipeline, case):
    def respond(req, n):
        if case == "not found":
            return Answer(404, b"gone")
        # Allowed host 127.0.0.1 redirects to a name that resolves to loopback: refused at the hop.
        return Answer(302, headers={"Location": server.url("/inside", host="localhost")})

    with LocalServer(respond) as server:
        answer = _by_url(http, server.url("/talk.mp4"))
        assert answer.status_code == 202, answer.text
        video = pipeline.client.wait(answer.json()["video_id"], timeout=120)
    assert video["status"] == "failed"
    expected = {"not found": ("source_fetch_failed", "HTTP 404"), "redirect to a private address": ("unsafe_url",
                                                                                                   "loopback")}[case]
    assert video["error"]["code"] == expected[0] and expected[1] in video["error"]["message"], video["error"]
    assert all(r.path != "/inside" for r in server.received)


# -- presigned upload to S3 ---------------------------------------------------------------------
class S3Api(Api):
    """A second API replica on the same stack whose storage is S3 (MinIO), beside the session's API
    on local files; the session's worker reads its ``s3://`` sources from the same endpoint."""

    name = "api-s3"


@pytest.fixture(scope="module")
def s3_api(pipeline):
    prefix = f"presign-{uuid.uuid4().hex[:8]}"
    settings = pipeline.settings.with_overrides(storage_url=f"s3://clipstream/{prefix}", api_port=free_port())
    api = S3Api(settings)
    api.start(pipeline.say)
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=settings.api_url, timeout=60, headers=headers) as client:
        yield client, settings, prefix
    api.stop(pipeline.say)


def _form(http, **body) -> dict:
    answer = http.post("/v1/uploads", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _send(form: dict, payload: bytes, fields: dict | None = None) -> httpx.Response:
    # The policy's fields first, the file last, as S3's POST Object requires.
    return httpx.post(form["url"], data={**form["fields"], **(fields or {})},
                      files={"file": ("ignored-name.wav", payload)}, timeout=60)


def test_a_presigned_upload_goes_to_s3_and_is_processed_after_confirming(s3_api, pipeline, media_dir):
    http, settings, prefix = s3_api
    jfk = (media_dir / "speech/jfk.wav").read_bytes()
    form = _form(http, filename="jfk.wav", size_bytes=len(jfk), options=SMALL)
    key = form["fields"]["key"]
    assert key == f"{prefix}/{video_prefix(pipeline.tenant_id, form['upload_id'])}source.wav"
    assert form["max_bytes"] == len(jfk) and form["links"]["confirm"] == f"/v1/uploads/{form['upload_id']}/confirm"
    confirm = form["links"]["confirm"]
    early = http.post(confirm)
    assert early.status_code == 409 and early.json()["error"]["code"] == "upload_missing"
    assert _send(form, jfk).status_code in (200, 201, 204)
    accepted = http.post(confirm)
    assert accepted.status_code == 202, accepted.text
    body = accepted.json()
    assert (body["video_id"], body["filename"], body["size_bytes"]) == (form["upload_id"], "jfk.wav", len(jfk))
    again = http.post(confirm)
    assert again.status_code == 409 and again.json()["error"]["code"] == "upload_confirmed"
    video = pipeline.client.wait(body["video_id"], timeout=300)
    assert video["status"] == "completed", video.get("error")
    assert pipeline.client.clips(body["video_id"])["clips"]


def test_the_presigned_form_holds_its_key_and_size_range(s3_api, pipeline):
    http, settings, prefix = s3_api
    form = _form(http, filename="talk.mp4", size_bytes=1000)
    too_big = _send(form, b"x" * 1001)
    assert too_big.status_code == 400 and b"EntityTooLarge" in too_big.content
    other_tenant = f"{prefix}/{video_prefix('someone-else', uuid.uuid4().hex)}source.mp4"
    elsewhere = _send(form, b"x" * 10, {"key": other_tenant})
    assert elsewhere.status_code == 403
    s3 = boto3.client("s3", endpoint_url=settings.s3_endpoint_url, aws_access_key_id=settings.s3_access_key,
                      aws_secret_access_key=settings.s3_secret_key, region_name=settings.s3_region)
    assert s3.list_objects_v2(Bucket="clipstream", Prefix=other_tenant).get("KeyCount", 0) == 0
    empty = _send(form, b"")
    assert empty.status_code == 400
    missing = http.post(form["links"]["confirm"])
    assert missing.json()["error"]["code"] == "upload_missing"


def test_presigned_upload_requests_are_checked(s3_api, http):
    s3_http, settings, _ = s3_api
    cases = [({"size_bytes": 10}, 422), ({"filename": "a.mp4", "size_bytes": 0}, 422),
             ({"filename": "a.mp4", "size_bytes": settings.max_upload_bytes + 1}, 413),
             ({"filename": "a.mp4", "options": {"caption_style": "comic"}}, 422)]
    for body, status in cases:
        assert s3_http.post("/v1/uploads", json=body).status_code == status, body
    assert s3_http.post(f"/v1/uploads/{uuid.uuid4().hex}/confirm").status_code == 404
    # The session's API keeps media on local disk: no presigned uploads there.
    local = http.post("/v1/uploads", json={"filename": "a.mp4"})
    assert local.status_code == 409 and local.json()["error"]["code"] == "presigned_uploads_unavailable"
