"""Running ffmpeg on user media: a process group of its own, dying with the worker, under kernel
limits (address space, CPU seconds) and a wall clock that grows with the clip; a failure is a
``RenderError`` that says whether trying again could help."""

from __future__ import annotations

import asyncio
import errno
import math
import shutil
import signal

from streams.errors import RenderError
from streams.media import stopping

# Linux kills ffmpeg if the worker dies, even by SIGKILL, so a killed worker never leaves renders
# running that nobody will collect. util-linux's setpriv sets PR_SET_PDEATHSIG and execs ffmpeg
# (a preexec_fn would run Python in the forked child, which gRPC's threads do not survive).
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []


# ffmpeg reads the upload too, so it runs as the media sandbox's readers do on what it may open
# (local files, the demuxers uploads come in: ``audio.seek_input``) and under kernel limits
# (util-linux's prlimit): this much address space, and CPU seconds per thread as many as its wall
# clock, which is ``FFMPEG_BASE_SECONDS`` plus ``FFMPEG_SECONDS_PER_SECOND`` per second of clip.
# A run that needs more is stopped and fails its clip, never the worker.
FFMPEG_MEMORY_BYTES = 4 * 1024**3
FFMPEG_BASE_SECONDS = 120.0
FFMPEG_SECONDS_PER_SECOND = 10.0
_HAS_PRLIMIT = shutil.which("prlimit") is not None
_OUT_OF_RESOURCES = ("No space left on device", "Cannot allocate memory", "Disk quota exceeded")


def ffmpeg_seconds(clip_seconds: float) -> float:
    """The wall clock of one ffmpeg run over ``clip_seconds`` of a source."""
    return FFMPEG_BASE_SECONDS + FFMPEG_SECONDS_PER_SECOND * clip_seconds


def confined(ffmpeg: str, args: list[str], seconds: float, threads: int = 1) -> list[str]:
    """The command line that runs ``ffmpeg args`` dying with the worker and under the kernel
    limits above (as many CPU seconds per thread as ``seconds``)."""
    limits = []
    if _HAS_PRLIMIT:
        limits = ["prlimit", f"--as={FFMPEG_MEMORY_BYTES}", f"--cpu={math.ceil(seconds) * max(1, threads) + 1}", "--"]
    return [*_DIE_WITH_PARENT, *limits, ffmpeg, *args]


async def run_ffmpeg(ffmpeg: str, args: list[str], what: str, clip_seconds: float, threads: int = 1) -> str:
    """Run ffmpeg (``confined``, stopped after ``ffmpeg_seconds(clip_seconds)``); its standard
    error (the log) as text. RenderError when it fails."""
    if shutil.which(ffmpeg) is None:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH")
    seconds = ffmpeg_seconds(clip_seconds)
    try:
        sub = asyncio.subprocess
        # A process group of its own: a signal to the worker's group (the stack's stop, Ctrl-C in a
        # terminal) reaches the worker only, which stops ffmpeg itself (cancelled below).
        proc = await asyncio.create_subprocess_exec(
            *confined(ffmpeg, args, seconds, threads),
            stdin=sub.DEVNULL,
            stdout=sub.DEVNULL,
            stderr=sub.PIPE,
            process_group=0,
        )
    except FileNotFoundError:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH") from None
    except OSError as exc:
        raise RenderError(f"cannot start ffmpeg {ffmpeg!r}: {exc}", retriable=ran_out(exc.errno)) from exc
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), seconds)
    except BaseException as exc:  # out of time, or cancelled: do not leave ffmpeg running
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if isinstance(exc, asyncio.TimeoutError):
            raise RenderError(
                f"ffmpeg {what} took longer than {seconds:.0f} s, so it was stopped; the source may "
                "be damaged or built to stall readers"
            ) from None
        raise
    log = stderr.decode("utf-8", "replace")
    returncode = proc.returncode
    assert returncode is not None  # communicate() returns once ffmpeg has exited
    if returncode == -signal.SIGXCPU:
        raise RenderError(
            f"ffmpeg {what} needed more processor time than {seconds:.0f} s per thread, so it was "
            "stopped; the source may be damaged or built to exhaust readers"
        )
    if returncode != 0:
        lines = [line for line in log.splitlines() if line.strip()]
        tail = " | ".join(lines[-5:])[-1500:] or "no error output"
        # SIGKILL without a message is most likely the kernel's out-of-memory killer; any signal
        # while the process is stopping, whoever stopped it (``streams.media.stopping``).
        retriable = (
            any(s in tail for s in _OUT_OF_RESOURCES)
            or returncode == -signal.SIGKILL
            or (returncode < 0 and stopping.stopping())
        )
        raise RenderError(f"ffmpeg {what} failed (exit {returncode}): {tail}", retriable=retriable)
    return log


def ran_out(code: int | None) -> bool:
    return code in (errno.ENOSPC, errno.ENOMEM, errno.EDQUOT, errno.EAGAIN)
