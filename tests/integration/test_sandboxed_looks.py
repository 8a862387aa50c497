"""The picture looks (transcribe's faces and cuts, the reframer's faces, cuts and loudness) and the
renderer's probe, run through the media sandbox with real child processes and real media: the
worker gets what an in-process decode gives without decoding anything itself, and a decoder that
crashes or hangs on a file costs that one look (a typed error), never the worker."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from contextlib import aclosing
from pathlib import Path

import numpy as np
import pytest

from streams.errors import MediaError, MediaTimeout, MediaUnreadable, NotMedia
from streams.media.onscreen import Glance, GlanceOptions
from streams.media.reframe.sampling import SamplingOptions, glance_options, read_loudness
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.reading import read_source
from streams.media.sandbox.look import Look, open_look, pictures
from streams.media.source import describe

MONTAGE = "derived/grid_montage_10clips_30s.mp4"
REFRAME = glance_options(SamplingOptions())


def _drain(reader) -> list:
    out = []
    while batch := reader.next_batch():
        out += batch
    return out


def _reaped(pid: int) -> bool:
    return not Path(f"/proc/{pid}").exists()


@pytest.fixture
def no_decoding_here(monkeypatch):
    """PyAV's ``open`` in this process fails: whatever works after this decoded elsewhere."""
    import av

    def refuse(*args, **kwargs):
        raise AssertionError("the worker process opened media itself")

    monkeypatch.setattr(av, "open", refuse)


@pytest.mark.parametrize("options", [GlanceOptions(), REFRAME], ids=["glance", "reframe"])
def test_a_look_in_the_sandbox_sees_what_an_in_process_look_sees(media_dir, options):
    path = media_dir / MONTAGE
    with Glance(path, 6.5, 16.5, options) as glance:
        expected, expected_cuts = _drain(glance), glance.cut_times()
    with Look(path, 6.5, 16.5, options, loudness=(7.0, 16.0, 0.04)) as look:
        pid = look.pid
        seen = _drain(look)
        assert (look.width, look.height, look.fps) == (glance.width, glance.height, glance.fps)
        assert look.scale == glance.scale and look.full_size == glance.full_size
    assert _reaped(pid)
    assert [p.t for p in seen] == [p.t for p in expected] and len(seen) > 5
    assert all(np.array_equal(a.small, b.small) for a, b in zip(seen, expected))
    if options.full_width:
        assert all(np.array_equal(a.full, b.full) for a, b in zip(seen, expected))
    else:
        assert all(p.full is None for p in seen)
    assert look.result.cuts == expected_cuts == (9.0, 12.0, 15.0)
    assert look.result.loudness == read_loudness(path, 7.0, 16.0, 0.04)


def test_the_worker_process_decodes_nothing(media_dir, no_decoding_here):
    path = media_dir / MONTAGE
    assert read_source(path).width == 360
    with Look(path, 0.0, 3.0, REFRAME) as look:
        assert len(_drain(look)) == 24
    with pytest.raises(AssertionError, match="opened media itself"):
        describe(path)  # the control: in this process, opening is refused


def test_a_look_at_a_file_it_cannot_use_fails_with_the_files_reason(media_dir, tmp_path):
    with pytest.raises(MediaError, match="^jfk.wav has no video track"):
        Look(media_dir / "speech/jfk.wav", 0.0, 5.0, GlanceOptions())
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100)
    with pytest.raises(NotMedia, match="notes.mp4"):
        Look(text, 0.0, 5.0, GlanceOptions())
    with pytest.raises(MediaError, match="missing.mp4 does not exist"):
        Look(tmp_path / "missing.mp4", 0.0, 5.0, GlanceOptions())
    with pytest.raises(NotMedia, match="source notes.mp4"):
        read_source(text)


@pytest.mark.parametrize("signum, shown", [(signal.SIGSEGV, "SIGSEGV"), (signal.SIGABRT, "SIGABRT")])
def test_a_decoder_that_crashes_mid_look_fails_that_look_only(media_dir, signum, shown):
    """The child dies of the signal a decoder bug raises (sent to it here, between two batches);
    a second look beside it is untouched."""
    path = media_dir / MONTAGE
    with Look(path, 0.0, 30.0, REFRAME, display_name="talk.mp4") as doomed, Look(path, 0.0, 4.0, REFRAME) as other:
        doomed.next_batch()
        os.kill(doomed.pid, signum)
        with pytest.raises(MediaUnreadable) as err:
            _drain(doomed)
        assert len(_drain(other)) == 32 and other.result.cuts == (3.0,)
    assert err.value.message == f"talk.mp4 could not be read: the media reader crashed on it ({shown})"
    assert _reaped(doomed.pid)


def test_a_decoder_that_hangs_is_stopped_at_the_looks_clock(media_dir):
    """A child that stops making progress (stopped here, as a decoder stuck in a loop would be)
    is killed when its wall clock runs out: media_timeout for that file."""
    sandbox = SandboxLimits(probe_seconds=3.0, video_decode_speed=100.0)
    with Look(media_dir / MONTAGE, 0.0, 30.0, REFRAME, sandbox=sandbox, display_name="talk.mp4") as look:
        look.next_batch()
        os.kill(look.pid, signal.SIGSTOP)
        with pytest.raises(MediaTimeout, match=r"^talk.mp4 took longer than 3 s to read"):
            _drain(look)
    assert _reaped(look.pid)


def test_a_failure_while_working_on_the_pictures_stops_the_child(media_dir):
    """Triton failing on a batch (a stand-in error here) ends the look there: the child, decoding
    the next batch meanwhile, is killed and reaped before the error reaches the caller."""

    async def fail_on_first_batch() -> None:
        look = await asyncio.to_thread(Look, media_dir / MONTAGE, 0.0, 30.0, REFRAME)
        pids.append(look.pid)
        async with aclosing(pictures(look)) as batches:
            async for batch in batches:
                assert batch
                raise RuntimeError("inference failed")

    pids: list[int] = []
    with pytest.raises(RuntimeError, match="inference failed"):
        asyncio.run(fail_on_first_batch())
    assert _reaped(pids[0])


def _our_sandbox_children() -> list[int]:
    """This process's living children that run the sandbox's child."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z" and b"streams.media.sandbox.entry" in command:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("after", [0.0, 0.005, 0.05, "the first batch"])
def test_a_look_cancelled_while_it_opens_leaves_no_child(media_dir, after):
    """The transcriber cancels its look when Whisper fails beside it, and that may come while the
    look's child is still starting or reading the geometry (in a thread), or while Triton works on
    a batch: when the cancellation reaches the caller the child is gone, never left running with
    no one to read its pipe."""

    async def cancelled_after() -> None:
        first = asyncio.Event()

        async def use() -> None:
            look = await open_look(media_dir / MONTAGE, 0.0, 30.0, REFRAME)
            async with aclosing(pictures(look)) as batches:
                async for _batch in batches:
                    first.set()
                    await asyncio.sleep(30)  # Triton at work

        task = asyncio.ensure_future(use())
        if after == "the first batch":
            await first.wait()
        else:
            await asyncio.sleep(after)
        assert not task.done()
        task.cancel()
        outcome = (await asyncio.gather(task, return_exceptions=True))[0]
        assert isinstance(outcome, asyncio.CancelledError), outcome
        # checked here: as asyncio.run ends its threads end, and the child dies with the thread
        # that started it (PR_SET_PDEATHSIG), which would hide one left running
        assert _our_sandbox_children() == []

    assert _our_sandbox_children() == []
    asyncio.run(cancelled_after())


LOOK_DRIVER = """
import sys
from pathlib import Path
from streams.media.reframe.sampling import SamplingOptions, glance_options
from streams.media.sandbox.look import Look
with Look(Path(sys.argv[1]), 6.5, 8.5, glance_options(SamplingOptions()), loudness=(7.0, 8.0, 0.04)) as look:
    while look.next_batch():
        pass
"""


def test_a_look_s_child_runs_no_program_of_its_own(media_dir, tmp_path):
    """The child only reads: the one program started is the child itself, and the child forks no
    process of its own, not even one whose exec would fail (PySceneDetect, imported for the cuts,
    starts ``ffmpeg`` to see whether it can; each such try was a second copy of the child for as
    long as it took to fail, and the worker's bound on its children counted it)."""
    log = tmp_path / "execve.log"
    out = subprocess.run(["strace", "-f", "-qq", "-o", str(log), "-e", "trace=execve,clone,clone3,fork,vfork",
                          "-e", "signal=none", sys.executable, "-I", "-c", LOOK_DRIVER, str(media_dir / MONTAGE)],
                         capture_output=True, text=True, timeout=120, cwd="/")
    assert out.returncode == 0, out.stderr[-2000:]
    lines = log.read_text().splitlines()
    calls, started = {}, []  # a process's exec as called (its program and arguments); those that worked
    for line in lines:
        pid = line.split()[0]
        if " execve(" in line:
            calls[pid] = line
        if "execve" in line and line.rstrip().endswith("= 0"):  # "execve(...) = 0" or "<... execve resumed>) = 0"
            started.append(calls[pid])
    assert len(started) == 2, started  # the driver, then its sandbox child
    assert "streams.media.sandbox.entry" in started[1]
    child = started[1].split()[0]
    forks = [line for line in lines if line.split()[0] == child and re.search(r"\b(clone3?|v?fork)\(", line)
             and "CLONE_THREAD" not in line]  # threads (the decoder's) are not processes
    assert forks == [], forks
