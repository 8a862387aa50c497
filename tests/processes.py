"""Processes the tests kill and watch: a process's children, whether one is really gone, and how
much memory a process tree holds (read from ``/proc``)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


def children(pid: int, name: str | None = None) -> list[int]:
    """The direct children of ``pid`` (those whose command is ``name``, if given)."""
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    if name is not None:
        found = [p for p in found if _comm(p) == name]
    return sorted(set(found))


def tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children(p)
    return out


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def gone(pid: int) -> bool:
    """True once ``pid`` has exited. This test's own child (the worker) counts only once reaped:
    its main thread can be a zombie while other threads are still exiting and still hold its files,
    the web port's listening socket among them, so a restart at that moment finds the port taken.
    Another process's child (ffmpeg under the worker) counts once it is a zombie."""
    try:
        reaped, _ = os.waitpid(pid, os.WNOHANG)
        return reaped == pid
    except ChildProcessError:
        pass
    return state(pid) in ("Z", None)


def wait_gone(pids: list[int], timeout: float = 10.0) -> bool:
    """Until every one of ``pids`` is gone (see ``gone``); False if some outlived ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(gone(p) for p in pids):
            return True
        time.sleep(0.05)
    return all(gone(p) for p in pids)


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command (state, parent...); None once gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def state(pid: int) -> str | None:
    """A process's state as ``/proc`` has it (``R``, ``S``, ``Z`` for a zombie...); None once it
    is gone."""
    fields = _stat(pid)
    return fields[0] if fields else None


def parent(pid: int) -> int | None:
    """A process's parent pid; None once it is gone."""
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def describe(pid: int) -> str:
    """A process as a person would name it: its command and, for Python, the module it runs with
    its first arguments."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return f"{pid} (gone)"
    words = [a.decode(errors="replace") for a in args if a]
    if "-m" in words[:-1]:  # the module and what it was told (a sandbox child's job, say)
        return " ".join([Path(words[0]).name, "-m", *words[words.index("-m") + 1:][:3]])
    return Path(words[0]).name if words else _comm(pid)


def rss_bytes(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory (``VmRSS``) or its peak (``VmHWM``) in bytes; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0


class TreeMemory:
    """Samples the resident memory of a process tree in a thread: ``peak`` is the largest sum of
    ``VmRSS`` over the tree at one sample, ``root_hwm`` the root's own high-water mark (``VmHWM``,
    exact), ``largest_child`` the most any one descendant held at a sample and ``most_children``
    the most descendants at once (children come and go, so theirs is sampled). ``root`` is called
    at each sample, so a restarted root is followed.

    ``with TreeMemory(lambda: pid) as memory: ...; memory.peak``"""

    def __init__(self, root, every: float = 0.05) -> None:
        self.root, self.every = root, every
        self.peak = 0
        self.root_hwm = 0
        self.largest_child = 0
        self.most_children = 0
        self.busiest: list[str] = []  # what the children were at the sample with the most
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        pid = self.root()
        if pid is None:
            return
        # A zombie (exited, not yet reaped by its parent) holds no memory and runs nothing: only
        # the living count as children.
        living = [p for p in tree(pid)[1:] if state(p) not in ("Z", None)]
        sizes = [rss_bytes(p) for p in living]
        if len(sizes) > self.most_children:
            self.busiest = [self._named(p, parent(p), pid) for p in living]
        self.most_children = max(self.most_children, len(sizes))
        self.largest_child = max(self.largest_child, *sizes, 0)
        self.peak = max(self.peak, rss_bytes(pid) + sum(sizes))
        self.root_hwm = max(self.root_hwm, rss_bytes(pid, "VmHWM"))

    @staticmethod
    def _named(p: int, its_parent: int | None, root: int) -> str:
        """``p`` described, with the process it runs under when that is not the root."""
        return describe(p) if its_parent in (root, None) else f"{describe(p)} (under {describe(its_parent)})"

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.every)

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()
