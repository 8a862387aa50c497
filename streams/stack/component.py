"""The shape every local-stack component shares, and the generic start/stop/status logic.

A component says how to install itself (cached), prepare its data the first time, the process to
run, how to tell it is ready and what to do once it is (migrations, buckets). ``start`` and
``stop`` are the same for all of them.
"""

from __future__ import annotations

import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from streams.errors import ComponentFailed, MissingDependency, PortInUse
from streams.settings import Settings
from streams.stack import process
from streams.stack.process import PidFile, PidRecord, ProcessSpec

Say = Callable[[str], None]


@dataclass
class Status:
    name: str
    up: bool
    pid: int | None
    port: int | None
    version: str
    data_dir: str
    start_seconds: float | None
    url: str | None = None
    detail: str = ""

    def as_json(self) -> dict:
        out = {
            "up": self.up,
            "pid": self.pid,
            "port": self.port,
            "version": self.version,
            "data_dir": self.data_dir,
            "start_seconds": self.start_seconds,
        }
        if self.url:
            out["url"] = self.url
        if self.detail:
            out["detail"] = self.detail
        return out


class Component:
    """Base class. Subclasses set ``name`` and override the hooks below."""

    name = "component"
    stop_signal = signal.SIGTERM
    stop_timeout = 30.0
    ready_timeout = 120.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.pidfile = PidFile(settings.data_dir / "run" / f"{self.name}.json")

    # -- hooks ---------------------------------------------------------------------------------
    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir / self.name

    @property
    def log_path(self) -> Path:
        return self.settings.data_dir / "logs" / f"{self.name}.log"

    def ports(self) -> list[int]:
        """Ports this component listens on; the first is the one `status` shows."""
        return []

    def port_setting(self) -> str:
        """The settings field that moves this component's main port (named in errors)."""
        return f"CLIPSTREAM_{self.name.upper()}_PORT"

    def install(self, say: Say) -> None:
        """Make sure binaries/jars exist (cached between runs). Raise MissingDependency or FetchFailed."""

    def prepare(self, say: Say) -> None:
        """First-start initialisation of the data directory (idempotent)."""

    def spec(self) -> ProcessSpec:
        raise NotImplementedError

    def probe(self) -> bool:
        """One readiness check; False means 'not yet'."""
        raise NotImplementedError

    def health(self, pid: int) -> tuple[bool, str]:
        """What ``status`` says of the running process ``pid``: up, and why not when that needs
        saying (by default the readiness check alone)."""
        return self.probe(), ""

    def after_ready(self, say: Say) -> None:
        """Work to do once ready on every `up` (idempotent): migrations, buckets."""

    def version(self) -> str:
        return ""

    def url(self) -> str | None:
        return None

    # -- shared logic --------------------------------------------------------------------------
    def running(self) -> PidRecord | None:
        record = self.pidfile.read()
        if record and process.owns(record):
            return record
        return None

    def clear_stale(self, say: Say) -> None:
        record = self.pidfile.read()
        if record and not process.owns(record):
            say(f"{self.name}: removed stale pid file (pid {record.pid} is not running)")
            self.pidfile.remove()
            self.on_stale()

    def on_stale(self) -> None:
        """Clean up after a process that died without `down` (e.g. its own lock files)."""

    def check_ports(self) -> None:
        for port in self.ports():
            if not process.port_is_free(port):
                raise PortInUse(
                    self.name,
                    f"port {port} is already in use by another process; stop that process or set "
                    f"{self.port_setting()} to a free port",
                )

    def start(self, say: Say) -> bool:
        """Start unless already running. Returns True if it started something."""
        self.clear_stale(say)
        record = self.running()
        if record:
            say(f"{self.name}: already running (pid {record.pid}), nothing to do")
            self.after_ready(lambda _msg: None)
            return False
        self.install(say)
        self.check_ports()
        self.prepare(say)
        spec = self.spec()
        say(f"{self.name}: starting on port {self.ports()[0] if self.ports() else '-'}")
        began = time.monotonic()
        proc = process.spawn(spec)
        record = PidRecord(
            pid=proc.pid, ports=self.ports(), marker=spec.marker, version=self.version(), started_at=time.time()
        )
        self.pidfile.write(record)
        self._wait_ready(proc, began)
        self.after_ready(say)
        record.version = self.version() or record.version
        record.start_seconds = round(time.monotonic() - began, 2)
        self.pidfile.write(record)
        say(f"{self.name}: ready in {record.start_seconds:.1f}s (pid {proc.pid})")
        return True

    def _wait_ready(self, proc, began: float) -> None:
        deadline = began + self.ready_timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.pidfile.remove()
                raise ComponentFailed(
                    self.name,
                    f"exited with code {proc.returncode} while starting; see {self.log_path}:\n"
                    + process.tail(self.log_path, 15),
                )
            try:
                if self.probe():
                    return
            except Exception:  # a probe that raises just means "not ready yet"
                pass
            time.sleep(0.25)
        process.terminate(proc.pid, signal.SIGKILL, timeout=5)
        self.pidfile.remove()
        raise ComponentFailed(
            self.name,
            f"not ready after {self.ready_timeout:.0f}s; see {self.log_path}:\n" + process.tail(self.log_path, 15),
        )

    def stop(self, say: Say) -> bool:
        self.clear_stale(say)
        record = self.running()
        if not record:
            say(f"{self.name}: not running")
            return False
        say(f"{self.name}: stopping pid {record.pid}")
        stopped = process.terminate(record.pid, self.stop_signal, self.stop_timeout)
        if not stopped:
            raise ComponentFailed(self.name, f"pid {record.pid} did not stop; kill it by hand")
        self.pidfile.remove()
        return True

    def status(self) -> Status:
        record = self.running()
        up, detail = False, ""
        if record:
            try:
                up, detail = self.health(record.pid)
            except Exception:
                up, detail = False, ""
        return Status(
            name=self.name,
            up=up,
            pid=record.pid if record else None,
            port=self.ports()[0] if self.ports() else None,
            version=(record.version if record and record.version else self.version()),
            data_dir=str(self.data_dir),
            start_seconds=record.start_seconds if record else None,
            url=self.url(),
            detail=detail,
        )


def require_program(component: str, program: str, install_hint: str, path: str | None = None) -> str:
    """The absolute path of ``program`` or a MissingDependency naming the fix."""
    found = shutil.which(program, path=path)
    if not found:
        raise MissingDependency(component, f"`{program}` not found; install it: {install_hint}")
    return found
