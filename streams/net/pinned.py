"""Requests pinned to the addresses the guard checked, so DNS cannot change between the check
and the connection (DNS rebinding).

The request goes to ``scheme://<checked ip>:<port>/...`` with the original ``Host`` header and,
for https, the original host name as TLS SNI and as the name the certificate is verified against
(httpx's documented ``sni_hostname`` request extension). Connections are never kept alive: a
pooled connection is keyed by IP, and reusing one made for another host name would skip that
name's certificate check.

If connecting to the first checked address fails, the next one is tried (a name with an IPv6
and an IPv4 address where only one is reachable); nothing has been sent when a connect fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import httpx

from streams.net.guard import check_url_async, target


def new_client(timeout: float, transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """A client for pinned requests: no redirects followed, no proxies from the environment
    (a proxy would connect by name, unchecked), no kept-alive connections."""
    return httpx.AsyncClient(
        follow_redirects=False,
        trust_env=False,
        timeout=timeout,
        transport=transport,
        limits=httpx.Limits(max_keepalive_connections=0),
    )


@asynccontextmanager
async def open_pinned(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    allowed_hosts: frozenset[str] = frozenset(),
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
) -> AsyncIterator[httpx.Response]:
    """Check ``url`` with the guard and send one request to a checked address; yields the
    streamed response (closed on exit). Raises UnsafeUrl, or httpx errors."""
    parsed, host = target(url)
    addresses = await check_url_async(url, allowed_hosts)
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    request_headers = {**(headers or {}), "host": parsed.netloc.decode("ascii")}
    error: httpx.ConnectError | None = None
    for address in addresses:
        request = client.build_request(
            method,
            parsed.copy_with(host=str(address)),
            headers=request_headers,
            content=content,
            extensions=extensions,
        )
        try:
            response = await client.send(request, stream=True)
        except httpx.ConnectError as exc:
            error = exc
            continue
        try:
            yield response
        finally:
            await response.aclose()
        return
    assert error is not None
    raise error
