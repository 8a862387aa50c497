"""`stack up --app`: the API server and the Faust worker run as background processes, are
listed by status with their URLs, answer /healthz, and stop with `down`."""

import json
import urllib.request

import pytest

from streams.stack import supervisor
from streams.stack.process import is_running

pytestmark = pytest.mark.integration


def test_up_with_apps_starts_api_and_worker(stack):
    messages = []
    started = supervisor.up(stack, messages.append, with_apps=True, only=["api", "worker"])
    try:
        assert started == {"api": True, "worker": True}
        statuses = {s.name: s for s in supervisor.status(stack)}
        assert statuses["api"].up and statuses["worker"].up
        assert statuses["api"].url == stack.api_url
        with urllib.request.urlopen(f"{stack.api_url}/healthz", timeout=5) as resp:
            assert json.load(resp)["ok"] is True
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.worker_port}/healthz", timeout=5) as resp:
            assert json.load(resp) == {"ok": True}
        pids = [statuses["api"].pid, statuses["worker"].pid]
    finally:
        stopped = supervisor.down(stack, messages.append, only=["api", "worker"])
    assert sorted(stopped) == ["api", "worker"]
    assert not any(is_running(pid) for pid in pids)
