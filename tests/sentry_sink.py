"""Reading what sentry-sdk sent to a ``tests.httpd.LocalServer`` standing in for a Sentry server
(a real HTTP listener; sentry-sdk speaks its real envelope protocol to it)."""

from __future__ import annotations

import gzip
import json

from tests.httpd import Answer, LocalServer, Received


def sentry_server() -> LocalServer:
    """A listener that accepts every envelope; use its port in a DSN: ``dsn(server)``."""
    return LocalServer(lambda request, index: Answer(200, b"{}", {"content-type": "application/json"}))


def dsn(server: LocalServer, project: int = 42) -> str:
    return f"http://publickey@127.0.0.1:{server.port}/{project}"


def error_events(received: list[Received]) -> list[dict]:
    """The error events (items with an ``exception``) in the envelopes received."""
    events = []
    for request in received:
        body = request.body
        encoding = request.headers.get("content-encoding")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        events += [json.loads(line) for line in body.splitlines() if line.startswith(b"{") and b'"exception"' in line]
    return events
