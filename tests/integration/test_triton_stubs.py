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


def _echo(tmp_path: Path) -> Triton:
    """The stack's Triton serving the echo model, installed, not started."""
    repo = tmp_path / "repo"
    (repo / "echo" / "1").mkdir(parents=True)
    (repo / "echo" / "config.pbtxt").write_text(CONFIG)
    (repo / "echo" / "1" / "model.py").write_text(MODEL)
    server = Triton(fresh_stack_settings(tmp_path / "stack", triton_model_repo=repo))
    server.install(print)
    return server


@pytest.fixture
def echo_triton(tmp_path):
    server = _echo(tmp_path)
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


def test_the_image_entry_point_stops_triton_when_a_stub_died_so_that_it_is_started_again(tmp_path):
    """``triton_supervisor`` runs tritonserver (the Triton image's entry point): while every stub
    lives it leaves it be; once one died it stops the server and exits 1, which a container's
    restart policy answers with a new Triton (Compose does not restart an unhealthy container)."""
    server = _echo(tmp_path)
    spec, url = server.spec(), server.settings.triton_http_url
    command = [sys.executable, "-m", "streams.services.triton_supervisor", "--url", url, "--every", "0.5", "--",
               *spec.argv]
    with open(tmp_path / "supervisor.log", "w") as log:
        supervisor = subprocess.Popen(command, env={**os.environ, **spec.env}, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and supervisor.poll() is None:
            try:
                if _status(url + "/v2/health/ready") == 200:
                    break
            except OSError:
                time.sleep(0.5)
        (triton,) = [p.pid for p in processes() if p.ppid == supervisor.pid]
        time.sleep(3)  # several checks, every stub alive
        running_while_healthy = supervisor.poll() is None
        (victim,) = [p.pid for p in processes() if p.ppid == triton and p.argv and Path(p.argv[0]).name == STUB
                     and "echo_0_0" in p.argv]
        os.kill(victim, signal.SIGKILL)
        status = supervisor.wait(timeout=90)
    finally:  # a failed test leaves no server behind
        for p in processes():
            if p.ppid == supervisor.pid:
                os.kill(p.pid, signal.SIGKILL)
        if supervisor.poll() is None:
            supervisor.kill()
            supervisor.wait()
    said = (tmp_path / "supervisor.log").read_text()
    assert running_while_healthy, said[-2000:]
    assert status == 1 and "no live stub for echo_0_0 in 2 checks" in said, said[-2000:]
    assert not os.path.exists(f"/proc/{triton}")  # the server stopped with it
