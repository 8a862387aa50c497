"""The webhook receiver of the fault suite: a real HTTP server on 127.0.0.1 (``tests.httpd``) that
checks every request with the reference Standard Webhooks implementation and keeps what it accepted.

Each tenant registers one endpoint, ``/hooks/<tenant id>``, and tells the receiver its secret. To
make the dispatcher's retries part of every run, the first attempt of every fourth webhook id (by
its hash, so a run is reproducible) is answered 503; an accepted delivery is a 2xx answer to a
request whose signature is valid.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.faults.invariants import Delivery
from tests.httpd import Answer, LocalServer, Received


class WebhookReceiver:
    def __init__(self) -> None:
        self._secrets: dict[str, str] = {}
        self._accepted: list[tuple[str, Delivery]] = []  # (tenant id, delivery)
        self._refused: set[str] = set()
        self.bad_signatures = 0
        self._lock = threading.Lock()
        self.server = LocalServer(self._respond)

    def __enter__(self) -> WebhookReceiver:
        self.server.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.server.__exit__(*exc)

    def url(self, tenant_id: str) -> str:
        return self.server.url(f"/hooks/{tenant_id}")

    def expect(self, tenant_id: str, secret: str) -> None:
        with self._lock:
            self._secrets[tenant_id] = secret

    def accepted(self, tenant_id: str) -> list[Delivery]:
        with self._lock:
            return [d for t, d in self._accepted if t == tenant_id]

    def _respond(self, request: Received, _n: int) -> Answer:
        tenant_id = request.path.removeprefix("/hooks/")
        with self._lock:
            secret = self._secrets.get(tenant_id)
        if request.method != "POST" or secret is None:
            return Answer(404)
        try:
            Webhook(secret).verify(request.body, request.headers)
        except WebhookVerificationError:
            with self._lock:
                self.bad_signatures += 1
            return Answer(400, b"bad signature")
        webhook_id = request.headers["webhook-id"]
        with self._lock:
            if _refuse_first(webhook_id) and webhook_id not in self._refused:
                self._refused.add(webhook_id)
                return Answer(503, b"try again")
            event = json.loads(request.body)
            data = event.get("data", {})
            self._accepted.append((tenant_id, Delivery(webhook_id, event["type"], data.get("video_id", ""),
                                                       data.get("clip_id") or "", time.monotonic())))
        return Answer(204)


def _refuse_first(webhook_id: str) -> bool:
    return hashlib.sha256(webhook_id.encode()).digest()[0] % 4 == 0
