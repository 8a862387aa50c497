"""Triton's Python backend does not start a stub that died, and its health endpoints keep saying
ready: ``streams.services.triton_stubs`` (the Triton containers' liveness check) is what tells.
A real tritonserver, the pytriton wheel's as the stack runs it, serving one small Python model
in two instances; one instance's stub is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from streams.services.triton_stubs import STUB, processes
from streams.stack.triton import Triton
from tests.conftest import fresh_stack_settings

pytestmark = pytest.mark.integration

CONFIG = """name: "echo"
backend: "python"
max_batch_size: 0
input [{ name: "IN", data_type: TYPE_FP32, dims: [ -1 ] }]
output [{ name: "OUT", data_type: TYPE_FP32, dims: [ -1 ] }]
instance_group [{ kind: KIND_CPU, count: 2 }]
"""
MODEL = """import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN").as_numpy())])
                for r in requests]
"""


@pytest.fixture
def echo_triton(tmp_path):
    repo = tmp_path / "repo"
    (repo / "echo" / "1").mkdir(parents=True)
    (repo / "echo" / "config.pbtxt").write_text(CONFIG)
    (repo / "echo" / "1" / "model.py").write_text(MODEL)
    server = Triton(fresh_stack_settings(tmp_path / "stack", triton_model_repo=repo))
    server.install(print)
    server.start(print)
    try:
        yield server
    finally:
        server.stop(print)


def _status(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as answer:
        return answer.status


def test_a_stub_that_died_is_told_though_triton_still_says_ready(echo_triton):
    """Told by the check the containers run, and by ``clipstream stack status``."""
    url, pid = echo_triton.settings.triton_http_url, echo_triton.running().pid
    before = echo_triton.status()
    check = [sys.executable, "-m", "streams.services.triton_stubs", "--url", url, "--pid", str(pid)]
    healthy = subprocess.run(check, capture_output=True, text=True, timeout=60)
    (victim,) = [p.pid for p in processes() if p.ppid == pid and p.argv and Path(p.argv[0]).name == STUB
                 and "echo_0_1" in p.argv]
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while any(p.pid == victim and p.state != "Z" for p in processes()) and time.monotonic() < deadline:
        time.sleep(0.1)
    said = (_status(url + "/v2/health/ready"), _status(url + "/v2/health/live"), _status(url + "/v2/models/echo/ready"))
    dead = subprocess.run(check, capture_output=True, text=True, timeout=60)
    after = echo_triton.status()
    assert healthy.returncode == 0, healthy.stderr
    assert "2 model instances, each with a live stub" in healthy.stdout
    assert said == (200, 200, 200)  # what Triton itself says with a stub dead: why the check exists
    assert dead.returncode == 1 and "no live stub for echo_0_1:" in dead.stderr, dead.stderr
    assert (before.up, before.detail) == (True, "")
    assert not after.up and after.detail.startswith("no live stub for echo_0_1:")
