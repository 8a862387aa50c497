"""Downloads from a source URL against a real HTTP server on 127.0.0.1: the guard on every hop,
the size cap, errors; and requests pinned to the checked address."""

import io
import time

import httpx
import pytest

from streams.errors import MediaLimitExceeded, SourceFetchFailed, UnsafeUrl
from streams.net.fetch import download
from streams.net.pinned import new_client, open_pinned
from tests.httpd import Answer, LocalServer

LOCAL = frozenset({"127.0.0.1"})
VIDEO = bytes(range(256)) * 64  # 16 KiB


def serve(routes: dict[str, Answer]) -> LocalServer:
    return LocalServer(lambda request, _: routes.get(request.path, Answer(404, b"no such file")))


async def test_download_writes_the_body_and_counts_it():
    with serve({"/talk.mp4": Answer(200, VIDEO)}) as server:
        dest = io.BytesIO()
        size = await download(server.url("/talk.mp4"), dest, allowed_hosts=LOCAL, max_bytes=len(VIDEO), timeout=5)
    assert size == len(VIDEO) and dest.getvalue() == VIDEO


async def test_a_loopback_source_is_refused_unless_allowed():
    with serve({"/talk.mp4": Answer(200, VIDEO)}) as server:
        with pytest.raises(UnsafeUrl, match="loopback"):
            await download(server.url("/talk.mp4"), io.BytesIO(), max_bytes=10**6, timeout=5)
        assert server.received == []


async def test_redirects_are_followed_and_each_hop_is_checked():
    routes = {
        "/a": Answer(302, headers={"Location": "/b"}),
        "/b": Answer(301, headers={"Location": "/talk.mp4"}),
        "/talk.mp4": Answer(200, VIDEO),
        "/metadata": Answer(307, headers={"Location": "http://169.254.169.254/latest/meta-data/"}),
    }
    with serve(routes) as server:
        dest = io.BytesIO()
        assert await download(server.url("/a"), dest, allowed_hosts=LOCAL, max_bytes=10**6, timeout=5) == len(VIDEO)
        with pytest.raises(UnsafeUrl, match="169.254.169.254.*link-local"):
            await download(server.url("/metadata"), io.BytesIO(), allowed_hosts=LOCAL, max_bytes=10**6, timeout=5)
    assert [r.path for r in server.received] == ["/a", "/b", "/talk.mp4", "/metadata"]


async def test_too_many_redirects_fail():
    with LocalServer(lambda request, n: Answer(302, headers={"Location": f"/hop{n + 1}"})) as server:
        with pytest.raises(SourceFetchFailed, match="redirected more than 5 times"):
            await download(server.url("/hop0"), io.BytesIO(), allowed_hosts=LOCAL, max_bytes=10**6, timeout=5)
    assert len(server.received) == 6


async def test_the_size_cap_holds_with_and_without_a_content_length():
    routes = {"/declared": Answer(200, VIDEO), "/undeclared": Answer(200, VIDEO, content_length=False)}
    with serve(routes) as server:
        for path in routes:
            dest = io.BytesIO()
            with pytest.raises(MediaLimitExceeded) as caught:
                await download(server.url(path), dest, allowed_hosts=LOCAL, max_bytes=1000, timeout=5)
            assert caught.value.code == "media_limit_exceeded"
            assert len(dest.getvalue()) <= 1000
        dest = io.BytesIO()
        assert await download(server.url("/undeclared"), dest, allowed_hosts=LOCAL, max_bytes=len(VIDEO),
                              timeout=5) == len(VIDEO)


async def test_an_error_answer_is_a_typed_failure_retriable_only_for_server_errors():
    routes = {"/gone": Answer(404), "/busy": Answer(503)}
    with serve(routes) as server:
        with pytest.raises(SourceFetchFailed, match="HTTP 404") as not_found:
            await download(server.url("/gone"), io.BytesIO(), allowed_hosts=LOCAL, max_bytes=100, timeout=5)
        with pytest.raises(SourceFetchFailed, match="HTTP 503") as busy:
            await download(server.url("/busy"), io.BytesIO(), allowed_hosts=LOCAL, max_bytes=100, timeout=5)
    assert not not_found.value.retriable and busy.value.retriable


async def test_the_timeout_bounds_the_whole_download():
    def slow(request, _):
        time.sleep(2)
        return Answer(200, VIDEO)

    with LocalServer(slow) as server:
        with pytest.raises(SourceFetchFailed, match="longer than 0.3 s") as caught:
            await download(server.url("/"), io.BytesIO(), allowed_hosts=LOCAL, max_bytes=10**6, timeout=0.3)
    assert caught.value.retriable


async def test_a_request_by_name_connects_to_the_checked_address_with_the_name_as_host():
    with serve({"/x": Answer(200, b"ok")}) as server:
        # "localhost" may resolve to ::1 first, where nothing listens: the next address is tried
        size = await download(server.url("/x", host="localhost"), io.BytesIO(), allowed_hosts=frozenset({"localhost"}),
                              max_bytes=10, timeout=5)
    assert size == 2
    assert server.received[0].headers["host"] == f"localhost:{server.port}"


async def test_https_is_pinned_with_the_name_as_sni():
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async with new_client(5, httpx.MockTransport(answer)) as client:
        async with open_pinned(client, "POST", "https://LocalHost:8443/hook?a=1", content=b"{}",
                               allowed_hosts=frozenset({"localhost"})) as response:
            assert response.status_code == 204
    (request,) = seen
    assert request.url.host in ("127.0.0.1", "::1") and request.url.port == 8443
    assert request.url.raw_path == b"/hook?a=1"
    assert request.headers["host"] == "localhost:8443"
    assert request.extensions["sni_hostname"] == "localhost"
