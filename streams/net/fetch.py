"""Download a video from a user-supplied source URL, behind the private-address guard.

Redirects are followed by hand (at most ``MAX_REDIRECTS``) so that every hop is checked by the
guard and connected to at the checked address (``streams.net.pinned``): a public URL that
redirects to ``http://169.254.169.254/`` is refused, not followed. The size cap holds both for a
declared ``Content-Length`` and while streaming (a server may lie or send none); the timeout
bounds the whole download, redirects included.
"""

from __future__ import annotations

import asyncio
from typing import BinaryIO

import httpx

from streams.errors import MediaLimitExceeded, SourceFetchFailed
from streams.net.guard import shown
from streams.net.pinned import new_client, open_pinned

MAX_REDIRECTS = 5
REDIRECTS = (301, 302, 303, 307, 308)


async def download(
    url: str,
    dest_file: BinaryIO,
    *,
    allowed_hosts: frozenset[str] = frozenset(),
    max_bytes: int,
    timeout: float,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """Write the body at ``url`` to ``dest_file``; the number of bytes written.

    Raises UnsafeUrl (a hop is refused by the guard), MediaLimitExceeded (over ``max_bytes``),
    SourceFetchFailed (an answer other than 2xx, too many redirects, a network error or the
    timeout; ``retriable`` for 429, 5xx, network errors and timeouts). After a failure
    ``dest_file`` may hold part of the body: the caller discards it.
    """
    try:
        async with asyncio.timeout(timeout), new_client(timeout, transport) as client:
            return await _follow(client, url, dest_file, allowed_hosts, max_bytes)
    except TimeoutError:
        raise SourceFetchFailed(f"downloading {shown(url)} took longer than {timeout:g} s", retriable=True) from None
    except httpx.HTTPError as exc:
        raise SourceFetchFailed(
            f"downloading {shown(url)} failed: {type(exc).__name__}: {exc}", retriable=True
        ) from None


async def _follow(client: httpx.AsyncClient, url: str, dest: BinaryIO, allowed: frozenset[str], max_bytes: int) -> int:
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        # identity: the file must be the bytes of the video, not a compressed transfer of them
        headers = {"accept-encoding": "identity"}
        async with open_pinned(client, "GET", current, allowed_hosts=allowed, headers=headers) as response:
            location = response.headers.get("location")
            if response.status_code in REDIRECTS and location:
                try:
                    current = str(httpx.URL(current).join(location))
                except httpx.InvalidURL as exc:
                    raise SourceFetchFailed(
                        f"the source {shown(current)} redirected to a bad URL {shown(location)}: {exc}"
                    ) from None
                continue
            if not response.is_success:
                status = response.status_code
                raise SourceFetchFailed(
                    f"the source {shown(current)} answered HTTP {status}", retriable=status == 429 or status >= 500
                )
            return await _write(response, dest, max_bytes, current)
    raise SourceFetchFailed(f"the source {shown(url)} redirected more than {MAX_REDIRECTS} times")


async def _write(response: httpx.Response, dest: BinaryIO, max_bytes: int, url: str) -> int:
    too_big = f"the source {shown(url)} is larger than the limit of {max_bytes} bytes"
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise MediaLimitExceeded(too_big)
    written = 0
    async for chunk in response.aiter_bytes():
        written += len(chunk)
        if written > max_bytes:
            raise MediaLimitExceeded(too_big)
        dest.write(chunk)
    return written
