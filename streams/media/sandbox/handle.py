"""One run of a sandboxed child, from the worker's side (``Child``): the request in, frames out
under a wall-clock budget, its end turned into a typed error; and ``stop_all`` for a stopping
worker (``streams.media.sandbox``)."""

from __future__ import annotations

import fcntl
import io
import json
import logging
import math
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import IO

from streams.errors import (
    MediaError,
    MediaUnreadable,
    SandboxUnavailable,
)
from streams.media import stopping
from streams.media.sandbox import protocol as wire
from streams.media.sandbox.limits import SandboxLimits

log = logging.getLogger("clipstream.sandbox")
STDERR_TAIL = 8192
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
PIPE_BYTES = 1 << 20
_CHILD_ENV = {
    # Nothing to run: the child only reads. A library that looks for a program finds none
    # (PySceneDetect starts ``ffmpeg`` once as it is imported, to see whether it can).
    "PATH": "/nonexistent",
    "HOME": "/nonexistent",  # else site.py looks the user up in /etc/passwd (through nscd's socket)
    "LC_ALL": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",  # no BLAS thread pool: the child must stay single-threaded to unshare
    "OMP_NUM_THREADS": "1",
    "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MiB of address space per thread arena otherwise
    "PYTHONDONTWRITEBYTECODE": "1",
}


class Child:
    """One run of the child: the request in, frames out under a wall-clock budget, and its end
    turned into a typed error. Reaped here (``wait4``, for its CPU time), never by ``Popen``."""

    def __init__(
        self,
        path: Path | str,
        name: str,
        request: dict,
        sandbox: SandboxLimits,
        seconds: float,
        max_chunk_bytes: int,
        cpu_threads: int = 1,
    ) -> None:
        self.name, self.seconds = name, seconds
        # A second above the wall clock for each thread the reader may run: a reader stuck on one
        # core is stopped by the clock (media_timeout) instead of racing it; only one burning more
        # cores than it was given reaches this limit.
        self.cpu_limit = (math.ceil(seconds) + 1) * max(1, cpu_threads)
        self.ready: dict | None = None
        self._reader = wire.FrameReader(max_chunk_bytes)
        self._frames: deque[tuple[bytes, bytes]] = deque()
        self._waited = 0.0
        self._timed_out = self._killed = self._cleaned = False
        self._lock = threading.Lock()
        self._status: int | None = None
        self._cpu = 0.0
        self._stderr: deque[bytes] = deque()
        self._stderr_size = 0
        if not Path(path).is_file():  # the child could not confine itself to it
            raise MediaError(f"{name} does not exist or is not a file")
        full = {
            **request,
            "path": str(Path(path).absolute()),
            "display_name": name,
            "memory_bytes": sandbox.memory_bytes,
            "cpu_seconds": self.cpu_limit,
        }
        try:
            self.proc = subprocess.Popen(
                # the op in the command line only names the job for ps and top; the child reads stdin
                [sys.executable, "-I", "-m", "streams.media.sandbox.entry", str(request["op"])],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd="/",
                env=_CHILD_ENV,
                close_fds=True,
                # Its own process group: a signal to the worker's group (the stack's stop, Ctrl-C in
                # a terminal) reaches the worker only, which stops its children itself (``stop_all``);
                # it still dies with the worker (``confine.die_with_parent``).
                process_group=0,
            )
        except OSError as exc:
            raise SandboxUnavailable(f"the media sandbox could not start: {exc}") from exc
        with _LIVE_LOCK:
            _LIVE.add(self)
        stdin, stdout, stderr = self.proc.stdin, self.proc.stdout, self.proc.stderr
        # All three are pipes (PIPE above), buffered (the default bufsize), so never None.
        assert stdin is not None and stdout is not None and isinstance(stderr, io.BufferedReader)
        self._stdout: IO[bytes] = stdout
        self._stderr_pipe: io.BufferedReader = stderr
        try:  # a pipe of 1 MiB (Linux's default ceiling) moves a picture in a few reads, not a hundred
            fcntl.fcntl(stdout.fileno(), F_SETPIPE_SZ, PIPE_BYTES)
        except OSError:
            pass
        self._drain = threading.Thread(target=self._keep_stderr, daemon=True)
        self._drain.start()
        try:
            stdin.write(json.dumps(full).encode())
            stdin.close()
        except OSError:
            pass  # it died at once: its end says why

    def __enter__(self) -> Child:
        return self

    def __exit__(self, *exc) -> None:
        self.kill()
        self.cleanup()

    def kill(self) -> None:
        """SIGKILL the child unless it has been reaped (so never a recycled pid); any thread.
        ``os.kill``, not ``Popen.kill``: that polls first, and a poll that finds the child exited
        reaps it behind ``_reap``'s back."""
        with self._lock:
            if self._status is None:
                self._killed = True
                try:
                    os.kill(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def cleanup(self) -> None:
        """Reap the killed or finished child and close its pipes (idempotent; its owner thread)."""
        if self._cleaned:
            return
        self._cleaned = True
        self.kill()
        self._reap(10.0)
        with _LIVE_LOCK:
            _LIVE.discard(self)
        self._drain.join(timeout=5)
        self._stdout.close()

    def _reap(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._status is not None:
                    return True
                try:
                    pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
                except ChildProcessError:  # reaped elsewhere after all: its status is Popen's
                    self._status = self.proc.returncode if self.proc.returncode is not None else -signal.SIGKILL
                    return True
                if pid:
                    self._status = self.proc.returncode = os.waitstatus_to_exitcode(status)
                    self._cpu = usage.ru_utime + usage.ru_stime
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)

    def next_frame(self) -> tuple[bytes, bytes]:
        """The next frame after the ready one. A reported error is raised, and so is an end without
        a result (as the error its exit means) or the wall-clock budget running out."""
        while not self._frames:
            self._read()
        return self._frames.popleft()

    def _read(self) -> None:
        left = self.seconds - self._waited
        if left <= 0:
            self._timed_out = True
            raise self._failure()
        started = time.monotonic()
        with selectors.DefaultSelector() as selector:
            selector.register(self._stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=left)
        data = os.read(self._stdout.fileno(), 1 << 20) if ready else None
        self._waited += time.monotonic() - started
        if data is None:
            return  # the budget is checked again on the next call
        if not data:
            raise self._failure()
        for kind, payload in self.parse(self._reader.feed, data):
            if kind == wire.READY:
                self._on_ready(payload)
            elif self.ready is None:
                raise self._broken(f"a {kind.decode()} frame came before the ready one")
            elif kind == wire.ERROR:
                error = wire.error_from_payload(payload, self.name)
                self.finish_after_done()
                if type(error) is MediaUnreadable:  # a reader bug or a malformed report: keep the traceback
                    log.warning(
                        "media sandbox for %s: %s; stderr: %s", self.name, error.message, self.stderr_tail()[-2000:]
                    )
                raise error
            else:
                self._frames.append((kind, payload))

    def _on_ready(self, payload: bytes) -> None:
        if self.ready is not None:
            raise self._broken("a second ready frame")
        self.ready = self.parse(wire.parse_json, payload)
        _report_confinement(self.ready)

    def parse(self, parser, *args):
        try:
            return parser(*args)
        except wire.ProtocolViolation as exc:
            raise self._broken(str(exc)) from None

    def finish(self) -> None:
        """The child's last frame must be ``D``, then it must exit 0."""
        kind, _ = self.next_frame()
        if kind != wire.DONE:
            raise self.unexpected(kind)
        self.finish_after_done()

    def finish_after_done(self) -> None:
        if not self._reap(max(1.0, self.seconds - self._waited)):
            self._timed_out = True
            raise self._failure()
        if self._status != 0:
            raise self._failure()

    def unexpected(self, kind: bytes) -> MediaError:
        return self._broken(f"unexpected {kind.decode()} frame")

    def _broken(self, what: str) -> MediaError:
        self.kill()
        self._reap(10.0)
        log.warning(
            "media sandbox for %s broke its protocol (%s); stderr: %s", self.name, what, self.stderr_tail()[-2000:]
        )
        return wire.failure_of_exit(
            self.name,
            returncode=None,
            timed_out=False,
            wall_limit=self.seconds,
            cpu_seconds=0.0,
            cpu_limit=self.cpu_limit,
        )

    def _failure(self) -> Exception:
        """The error for a child that ended (or is stopped now) without a result."""
        killed_by_us = self._killed
        if self._timed_out or not self._reap(max(1.0, self.seconds - self._waited)):
            self._timed_out = True
            self.kill()
        self._reap(10.0)
        if killed_by_us and not self._timed_out:
            return SandboxUnavailable("the media sandbox was stopped before it finished")
        if stopping.stopping() and not self._timed_out and self._status is not None and self._status < 0:
            # Not the file's fault, as far as anyone can tell: whoever stops the worker stopped its
            # reader too (a signal to the whole process group, a container's shutdown).
            return SandboxUnavailable(
                f"the media sandbox was stopped ({_signal_name(-self._status)}) while the worker was stopping"
            )
        if self.ready is None:
            return SandboxUnavailable(
                f"the media sandbox ended ({self._status}) before it opened the file: {self.stderr_tail()[-2000:]}"
            )
        log.warning(
            "media sandbox for %s ended (status %s, %.1f s CPU%s); stderr: %s",
            self.name,
            self._status,
            self._cpu,
            ", out of time" if self._timed_out else "",
            self.stderr_tail()[-2000:],
        )
        return wire.failure_of_exit(
            self.name,
            returncode=self._status,
            timed_out=self._timed_out,
            wall_limit=self.seconds,
            cpu_seconds=self._cpu,
            cpu_limit=self.cpu_limit,
        )

    def _keep_stderr(self) -> None:
        for block in iter(lambda: self._stderr_pipe.read1(4096), b""):
            self._stderr.append(block)
            self._stderr_size += len(block)
            while self._stderr_size > STDERR_TAIL and len(self._stderr) > 1:
                self._stderr_size -= len(self._stderr.popleft())
        self._stderr_pipe.close()

    def stderr_tail(self) -> str:
        return b"".join(self._stderr).decode("utf-8", "replace")


def one_answer(path: Path | str, name: str, request: dict, sandbox: SandboxLimits, seconds: float, parser):
    """The one ``I`` answer of a job that gives one (``request``), parsed by ``parser``, within
    ``seconds`` of wall clock; then the child must end cleanly."""
    with Child(path, name, request, sandbox, seconds, max_chunk_bytes=0) as child:
        kind, payload = child.next_frame()
        if kind != wire.INFO:
            raise child.unexpected(kind)
        answer = child.parse(parser, payload)
        child.finish()
        return answer


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


_LIVE: set[Child] = set()  # children started and not yet cleaned up
_LIVE_LOCK = threading.Lock()


def stop_all() -> int:
    """Kill every running child (a stopping worker, once its grace period is over): each job
    waiting on one ends with ``SandboxUnavailable``, retriable. How many there were."""
    with _LIVE_LOCK:
        children = list(_LIVE)
    for child in children:
        child.kill()
    return len(children)


_reported: set[tuple] = set()


def _report_confinement(ready: dict) -> None:
    """Say once per process how confined the children are; a missing layer is a warning."""
    key = tuple(sorted((str(k), str(v)) for k, v in ready.items()))
    if key in _reported:
        return
    _reported.add(key)
    weak = ready.get("network") != "namespace" or not str(ready.get("files", "")).startswith("landlock")
    log.log(
        logging.WARNING if weak else logging.INFO,
        "media sandbox: network %s, files %s, capabilities %s%s",
        ready.get("network"),
        ready.get("files"),
        ready.get("capabilities"),
        " (FFmpeg's protocol and format whitelists still apply)" if weak else "",
    )
