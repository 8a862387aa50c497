"""Uploads that are pages, not media (HTML, SVG, XHTML, JavaScript, a PNG with a page glued on):
never served with a type a browser would run, never kept once refused, and a browser that opens
the source link runs nothing (Chromium, Debian's)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from api.submitting import source_key
from streams.adapters.catalog import Catalog
from streams.adapters.storage import FileStorage, open_storage
from tests.owner import as_owner
from tests.security.assets import HOSTILE_PAGES, MARKER, polyglot

pytestmark = pytest.mark.integration

ACTIVE = ("html", "xml", "svg", "javascript", "ecmascript", "xhtml")
CASES = {**HOSTILE_PAGES, **dict([polyglot()])}


def _stored_unprobed(pipeline, name: str, data: bytes) -> str:
    """A video of the local tenant whose upload is ``data`` under ``name``, stored and recorded as
    the API records an upload but never probed: what a refused upload was before issue 47 (kept,
    and served by its name's type). Its source link must still serve nothing active."""
    video_id = uuid.uuid4().hex
    storage = open_storage(pipeline.settings)
    key = source_key(pipeline.tenant_id, video_id, name)
    storage.put_bytes(key, data)

    async def record(pool):
        await Catalog(pool).create_video(video_id, pipeline.tenant_id, name, storage.uri(key), len(data), {})

    as_owner(pipeline.settings, record)
    return video_id


def _assert_inert(answer: httpx.Response) -> None:
    kind = answer.headers.get("content-type", "")
    assert not any(word in kind for word in ACTIVE), kind
    assert kind.startswith(("application/octet-stream", "video/", "audio/")), kind
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in answer.headers["content-security-policy"]
    if kind.startswith("application/octet-stream"):
        assert answer.headers["content-disposition"].startswith("attachment")


@pytest.fixture(scope="module")
def unprobed(pipeline) -> dict[str, str]:
    """name -> signed source link of each hostile file kept unprobed."""
    links = {}
    for name, data in CASES.items():
        video_id = _stored_unprobed(pipeline, name, data)
        links[name] = pipeline.client.video(video_id)["urls"]["source"]
    return links


@pytest.mark.parametrize("name", sorted(CASES))
def test_an_unprobed_upload_is_served_as_an_opaque_attachment(pipeline, unprobed, name):
    """Finding 2 of issue 47: ``evil.html`` was served inline as text/html by a link needing no key."""
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
        answer = anonymous.get(unprobed[name])
    assert answer.status_code == 200 and answer.content == CASES[name]
    _assert_inert(answer)


def test_a_refused_upload_is_deleted_with_its_failure(pipeline):
    storage = open_storage(pipeline.settings)
    assert isinstance(storage, FileStorage)
    for name, data in CASES.items():
        accepted = pipeline.client.call("POST", "/v1/videos", files={"file": (name, data)})
        video = pipeline.client.wait(accepted["video_id"], timeout=120)
        assert video["status"] == "failed" and video["error"]["code"] in ("not_media", "invalid_media"), video
        key = source_key(pipeline.tenant_id, video["video_id"], name)
        assert not storage.local_path(key).exists(), f"{name} was kept after its video failed"
        with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
            gone = anonymous.get(video["urls"]["source"])
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "file_not_found"


def test_real_media_is_served_as_the_probe_found_it(pipeline, tenant_a):
    source = pipeline.client.video(tenant_a["video_id"])["urls"]["source"]  # a fresh link (signed for 15 min)
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
        answer = anonymous.get(source)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "audio/wav"  # jfk.wav: RIFF WAVE, as FFmpeg read it
    assert answer.headers["content-disposition"].startswith("inline")
    _assert_inert(answer)


def test_opening_the_source_link_in_chromium_runs_no_script(pipeline, unprobed, chromium):
    base = pipeline.settings.api_url
    context = chromium.new_context(accept_downloads=True)
    try:
        calls: list[str] = []
        context.route("**/v1/keys*", lambda route: (calls.append(route.request.url), route.abort()))
        for name, link in sorted(unprobed.items()):
            page = context.new_page()
            try:
                page.goto(base + link, wait_until="load", timeout=15_000)
            except Exception as exc:  # an attachment is downloaded, not shown: navigation aborts
                assert "Download is starting" in str(exc) or "ERR_ABORTED" in str(exc), exc
            page.wait_for_timeout(300)
            assert page.title() != MARKER, f"{name} ran as a page"
            page.close()
        assert calls == [], f"a hostile page called the API: {calls}"
    finally:
        context.close()


def test_the_api_pages_itself_still_work_with_their_own_policy(pipeline):
    """The web page and the docs keep their own CSP (scripts from this origin); only everything
    else is sandboxed."""
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=30) as anonymous:
        page = anonymous.get("/")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["content-security-policy"]
    assert "sandbox" not in page.headers["content-security-policy"]
