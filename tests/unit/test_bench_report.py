"""``bench.report.stop_on_sigterm``: a benchmark stopped with SIGTERM (what ``kill`` and ``pkill``
send) runs its ``finally`` blocks, as on Ctrl-C, so its private stack is taken down."""

from __future__ import annotations

import signal
import subprocess
import sys

from streams.settings import project_root

PROGRAM = """
import sys, time
sys.path.insert(0, {root!r})
from bench.report import stop_on_sigterm
stop_on_sigterm()
try:
    print("up", flush=True)
    time.sleep(60)
finally:
    open({marker!r}, "w").write("taken down")
"""


def test_a_benchmark_stopped_with_sigterm_runs_its_finally_blocks(tmp_path):
    marker = tmp_path / "down"
    run = subprocess.Popen([sys.executable, "-c", PROGRAM.format(root=str(project_root()), marker=str(marker))],
                           stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "up"
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        if run.poll() is None:
            run.kill()
    assert marker.read_text() == "taken down"


def test_without_it_sigterm_skips_them(tmp_path):
    """The control: Python's default for SIGTERM ends the process at once, no ``finally`` run."""
    marker = tmp_path / "down"
    program = PROGRAM.format(root=str(project_root()), marker=str(marker)).replace("stop_on_sigterm()\n", "")
    run = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "up"
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) == -signal.SIGTERM
    finally:
        if run.poll() is None:
            run.kill()
    assert not marker.exists()
