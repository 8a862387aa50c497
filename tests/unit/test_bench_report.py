"""``bench.report.stop_on_sigterm``: a benchmark stopped with SIGTERM (what ``kill`` and ``pkill``
send) runs its ``finally`` blocks, as on Ctrl-C, so its private stack is taken down. And
``bench.report.processor``: the processor a result names, which Whisper's words depend on."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from bench.report import processor
from streams.settings import project_root

PROGRAM = """
import sys, time
sys.path.insert(0, {root!r})
from bench.report import stop_on_sigterm
{stop}
try:
    print("up", flush=True)
    time.sleep(60)
finally:
    open({marker!r}, "w").write("taken down")
"""


def _terminated(tmp_path, helper: bool) -> tuple[int, Path]:
    """Run ``PROGRAM`` (calling ``stop_on_sigterm`` first or not), send it SIGTERM once it is in its
    ``try``, and return its exit code and the file its ``finally`` writes."""
    marker = tmp_path / "down"
    program = PROGRAM.format(root=str(project_root()), marker=str(marker), stop="stop_on_sigterm()" if helper else "")
    run = subprocess.Popen([sys.executable, "-c", program], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "up"
        run.send_signal(signal.SIGTERM)
        return run.wait(timeout=30), marker
    finally:
        if run.poll() is None:
            run.kill()


def test_a_benchmark_stopped_with_sigterm_runs_its_finally_blocks(tmp_path):
    code, marker = _terminated(tmp_path, helper=True)
    assert code == 128 + signal.SIGTERM
    assert marker.read_text() == "taken down"


def test_without_it_sigterm_skips_them(tmp_path):
    """The control: Python's default for SIGTERM ends the process at once, no ``finally`` run."""
    code, marker = _terminated(tmp_path, helper=False)
    assert code == -signal.SIGTERM
    assert not marker.exists()


CPUINFO = """processor\t: {n}
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz
flags\t\t: fpu sse sse2 avx avx2 {wide}
"""


def test_the_processor_is_named_with_its_widest_vector_extension(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("".join(CPUINFO.format(n=n, wide="avx512f avx512bw") for n in range(2)))
    assert processor(info) == "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz (avx512f)"
    info.write_text(CPUINFO.format(n=0, wide="avx512_bf16"))  # a flag that only starts like it
    assert processor(info) == "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz (avx2)"
    assert processor(tmp_path / "absent") == "unknown"
