"""The Triton image's entry point: the server it runs is stopped when checks in a row find a model
instance without its stub (the container then ends and is started again), and otherwise it ends
as the server does, signals passed on. A real child process stands in for tritonserver; the
check is a function, as ``checking`` is against a real server (tests/integration)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from streams.services.triton_stubs import processes
from streams.services.triton_supervisor import supervise

SERVER = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_the_server_is_stopped_after_checks_in_a_row_find_an_instance_without_its_stub():
    answers = iter([[], None, ["whisper_0_0"], [], ["whisper_0_0"], ["whisper_0_0"]])
    pids = []

    def check(pid):
        pids.append(pid)
        return next(answers)

    started = time.monotonic()
    assert supervise(SERVER, check, every=0.05, misses=2, grace=5) == 1
    assert len(pids) == 6 and len(set(pids)) == 1  # one dead stub, or no answer, between was not enough
    assert time.monotonic() - started < 30
    assert not os.path.exists(f"/proc/{pids[0]}")  # stopped and reaped


def test_it_ends_as_the_server_does_and_a_server_that_ignores_sigterm_is_killed(tmp_path):
    assert supervise([sys.executable, "-c", "raise SystemExit(3)"], lambda pid: None, every=0.05) == 3
    ready = tmp_path / "ignoring"
    stubborn = [sys.executable, "-c", "import pathlib, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                f"pathlib.Path({str(ready)!r}).touch(); time.sleep(60)"]
    pids = []

    def check(pid):
        pids.append(pid)
        return ["echo_0_1"] if ready.exists() else None

    assert supervise(stubborn, check, every=0.1, misses=1, grace=1.0) == 1
    assert not os.path.exists(f"/proc/{pids[-1]}")  # SIGTERM ignored: killed after the grace, and reaped


def test_sigterm_is_passed_on_to_the_server():
    command = [sys.executable, "-m", "streams.services.triton_supervisor", "--url", "http://127.0.0.1:9",
               "--every", "0.2", "--", *SERVER]
    supervisor = subprocess.Popen(command)
    deadline = time.monotonic() + 30
    while not [p for p in processes() if p.ppid == supervisor.pid] and time.monotonic() < deadline:
        time.sleep(0.05)  # the server started: the supervisor's handlers are in place before it
    supervisor.send_signal(signal.SIGTERM)
    assert supervisor.wait(timeout=20) == 128 + signal.SIGTERM  # the server's end, as a shell says it


def test_the_command_is_required():
    answer = subprocess.run([sys.executable, "-m", "streams.services.triton_supervisor"], capture_output=True,
                            text=True, timeout=30)
    assert answer.returncode == 2 and "give the server's command after --" in answer.stderr
