"""A stopping worker's children, with real processes and signals: the media sandbox's readers and
the render's ffmpeg run in process groups of their own, so a signal to the worker's group (the
stack's stop, Ctrl-C in a terminal) reaches the worker only; and a child that a signal ends while
the worker is stopping is the stop's doing, retriable, never a broken upload that fails its video."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streams.errors import MediaUnreadable, RenderError, SandboxUnavailable
from streams.media import ffmpeg_run
from streams.media.probe import probe
from streams.media.sandbox.handle import stop_all
from streams.media.sandbox.reading import AudioChunks
from streams.worker.shutdown import STATE
from tests.processes import children, state

LJSPEECH = "derived/ljspeech_LJ001-0001_to_0032_concat.wav"

# A worker in a session (and process group) of its own, as the stack starts one, decoding an upload
# in the sandbox: a chunk for each line on its standard input, a line out for each signal it gets.
WORKER = """
import signal, sys
from pathlib import Path
from streams.media.probe import probe
from streams.media.sandbox.reading import AudioChunks

signal.signal(signal.SIGTERM, lambda *_: print("SIGTERM", flush=True))
path = Path(sys.argv[1])
with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5) as chunks:
    print(next(chunks).index, chunks.pid, flush=True)
    for _ in sys.stdin:
        try:
            print(next(chunks).index, flush=True)
        except Exception as exc:
            print(type(exc).__name__, exc, flush=True)
"""


@pytest.fixture(autouse=True)
def not_stopping():
    STATE.reset()
    yield
    STATE.reset()


def test_a_signal_to_the_workers_group_does_not_reach_its_sandbox_child(media_dir):
    worker = subprocess.Popen([sys.executable, "-c", WORKER, str(media_dir / LJSPEECH)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    try:
        first, child = map(int, worker.stdout.readline().split())
        assert first == 0
        assert os.getpgid(child) == child != os.getpgid(worker.pid)  # a group of its own
        os.killpg(worker.pid, signal.SIGTERM)  # what `clipstream stack down` sends the worker
        assert worker.stdout.readline().strip() == "SIGTERM"  # the worker got it...
        worker.stdin.write("next\n")
        worker.stdin.flush()
        assert worker.stdout.readline().strip() == "1"  # ...and its reader, which never did, goes on
        assert state(child) not in (None, "Z")
    finally:
        worker.stdin.close()
        worker.wait(timeout=30)
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Path(f"/proc/{child}").exists()  # and it ended with its worker


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_a_reader_ended_by_a_signal_while_the_worker_stops_is_retriable(media_dir, signum):
    """The SIGTERM of the CI failure: read as a crash on the file, it failed a normal video for good."""
    path = media_dir / LJSPEECH
    with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5, display_name="source.mp4") as chunks:
        next(chunks)
        STATE.begin(20.0)
        os.kill(chunks.pid, signum)
        with pytest.raises(SandboxUnavailable) as err:
            list(chunks)
    assert err.value.retriable
    assert err.value.message == (f"the media sandbox was stopped ({signal.Signals(signum).name}) while the worker "
                                 "was stopping")


def test_the_same_signal_while_the_worker_runs_is_the_files_fault(media_dir):
    path = media_dir / LJSPEECH
    with pytest.raises(MediaUnreadable, match=r"the media reader crashed on it \(SIGTERM\)"):
        with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5) as chunks:
            next(chunks)
            os.kill(chunks.pid, signal.SIGTERM)
            list(chunks)


def test_a_stopping_worker_stops_its_readers_and_their_jobs_end_retriable(media_dir):
    path = media_dir / LJSPEECH
    with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5) as chunks:
        next(chunks)
        assert stop_all() == 1
        with pytest.raises(SandboxUnavailable, match="stopped before it finished"):
            list(chunks)
    assert stop_all() == 0  # cleaned up: nothing left to stop


async def _ffmpeg_ended_by(signum: int) -> RenderError:
    """``ffmpeg_run.run_ffmpeg`` on an ffmpeg that would run for ten minutes, ended by ``signum``."""
    args = ["-nostdin", "-v", "error", "-re", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "600",
            "-f", "null", "-"]
    run = asyncio.create_task(ffmpeg_run.run_ffmpeg("ffmpeg", args, "test run", clip_seconds=600))
    pid = None
    for _ in range(500):
        await asyncio.sleep(0.02)
        found = children(os.getpid(), "ffmpeg")
        if found:
            pid = found[0]
            break
    assert pid is not None, "ffmpeg did not start"
    assert os.getpgid(pid) == pid != os.getpgrp()  # a group of its own
    os.kill(pid, signum)
    with pytest.raises(RenderError) as err:
        await run
    return err.value


async def test_the_render_s_ffmpeg_ended_by_a_signal_while_the_worker_stops_is_retriable():
    STATE.begin(20.0)
    error = await _ffmpeg_ended_by(signal.SIGTERM)
    assert error.retriable and "exit -15" in error.message


async def test_the_render_s_ffmpeg_ended_by_a_signal_while_the_worker_runs_fails_its_clip():
    error = await _ffmpeg_ended_by(signal.SIGTERM)
    assert not error.retriable
