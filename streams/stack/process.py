"""Plain-process supervision: pid files, port checks, spawning and stopping.

A component's pid file (``<data_dir>/run/<name>.json``) records what this stack started: pid,
ports, version, the command's marker and how long the start took. ``down`` only ever signals a
pid that is in a pid file *and* whose command line still carries the marker, so a pid reused by an
unrelated process is never touched.
"""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class ProcessSpec:
    """How to start one long-running process."""

    argv: list[str]
    log_path: Path
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    user: str | None = None
    marker: str = ""  # a substring of /proc/<pid>/cmdline that identifies the process


@dataclass
class PidRecord:
    pid: int
    ports: list[int]
    marker: str
    version: str = ""
    started_at: float = 0.0
    start_seconds: float | None = None
    extra: dict = field(default_factory=dict)


class PidFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> PidRecord | None:
        try:
            return PidRecord(**json.loads(self.path.read_text()))
        except (FileNotFoundError, ValueError, TypeError):
            return None

    def write(self, record: PidRecord) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record), indent=2))
        tmp.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def is_running(pid: int) -> bool:
    """True when ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0]
    return state not in ("Z", "X")


def owns(record: PidRecord) -> bool:
    """The pid in ``record`` is alive and still the process this stack started."""
    return is_running(record.pid) and record.marker in cmdline(record.pid)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


_EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    try:
        return int(_EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port that is free now and stays free: below the kernel's ephemeral range.

    A port the kernel hands out for ``bind(0)`` lies in the ephemeral range, so after the process
    listening on it stops, any outgoing connection on the machine may take it as its local port and
    a restart on the same port fails. Ports below the range are never picked by the kernel.
    """
    low = _ephemeral_low()
    floor = max(1024, min(20000, low - 4096))
    rng = random.SystemRandom()
    for _ in range(1000):
        port = rng.randrange(floor, low)
        if port not in _handed_out and port_is_free(port):
            _handed_out.add(port)
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn(spec: ProcessSpec) -> subprocess.Popen:
    """Start ``spec`` in its own session (so it outlives the CLI), output appended to its log."""
    spec.log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(spec.log_path, "ab")
    try:
        return subprocess.Popen(
            spec.argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=spec.cwd,
            env={**os.environ, **spec.env},
            start_new_session=True,
            user=spec.user,
        )
    finally:
        log.close()


def terminate(pid: int, sig: int = signal.SIGTERM, timeout: float = 30.0) -> bool:
    """Signal ``pid``'s process group, wait up to ``timeout``, then SIGKILL. True if it stopped."""
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        return True
    except PermissionError:
        os.kill(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        _reap(pid)
        if not is_running(pid):
            return True
        time.sleep(0.1)
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    for _ in range(50):
        _reap(pid)
        if not is_running(pid):
            return True
        time.sleep(0.1)
    return False


def _reap(pid: int) -> None:
    """Collect ``pid`` if it is our own child, so it does not linger as a zombie."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def tail(path: Path, lines: int = 20) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            return b"\n".join(f.read().splitlines()[-lines:]).decode(errors="replace")
    except OSError:
        return ""
