"""sentry-sdk: a no-op without a DSN; with one, events reach the DSN's host tagged by component.

The "Sentry server" here is a plain HTTP listener on loopback that records what it receives."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import sentry_sdk

from streams.observability import init_sentry
from streams.settings import Settings


def test_no_dsn_means_no_reporting():
    assert init_sentry(Settings(data_dir=Path("/tmp/x")), "worker") is False


def test_events_reach_the_dsn_with_component_and_release():
    received: list[bytes] = []

    class Ingest(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            encoding = self.headers.get("Content-Encoding")
            if encoding == "gzip":
                body = gzip.decompress(body)
            elif encoding == "br":
                import brotli

                body = brotli.decompress(body)
            received.append(body)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Ingest)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_port}/42"
        settings = Settings(data_dir=Path("/tmp/x"), sentry_dsn=dsn, environment="test", release="clipstream@test")
        assert init_sentry(settings, "worker") is True
        try:
            raise RuntimeError("render failed for video v-1")
        except RuntimeError as exc:
            sentry_sdk.capture_exception(exc)
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.init()  # back to a disabled client for the rest of the session
        server.shutdown()
    events = [json.loads(line) for body in received for line in body.splitlines()
              if line.startswith(b"{") and b'"exception"' in line]
    assert events, received
    event = events[0]
    assert event["tags"]["component"] == "worker"
    assert event["release"] == "clipstream@test" and event["environment"] == "test"
    assert event["exception"]["values"][0]["value"] == "render failed for video v-1"
