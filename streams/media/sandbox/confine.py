"""What the media sandbox's child does to itself, with the kernel's help, before it opens an upload:
resource limits, no network, no file but the upload, no way to undo any of it.

Each layer is applied when the machine allows it and reported, never silently assumed:

- ``die_with_parent``: the kernel kills the process when the worker dies, however it dies.
- ``limit_resources``: ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (SIGXCPU at the limit, SIGKILL a
  second later), no core files, no file writes, few descriptors.
- ``leave_network``: a new, empty network namespace (no interface but a loopback that is down),
  as root, or through a user namespace where unprivileged ones are allowed. Otherwise the process
  keeps the machine's network and only FFmpeg's protocol whitelist keeps it off (``"none"``).
- ``restrict_files``: Landlock (Linux 5.13+): from here on the process may open the upload for
  reading and nothing else, anywhere (``/proc`` and ``/dev`` included); from Linux 6.7 also no TCP
  connect or bind, and from 6.12 no signals to or abstract sockets of processes outside it.
  Descriptors opened earlier (stdin, stdout, stderr, loaded libraries) keep working.
- ``start_no_programs``: Python's ``subprocess`` refuses to start anything, before it forks: the
  child only reads, and a library that tries a program (to see whether it is there) is told it
  is not. Its PATH names nothing too, but a try that fails only at exec is still a second process.
- ``drop_capabilities``: a child running as root keeps root's user id (so it can still read the
  upload) but loses every capability, so it cannot raise its hard limits or leave its namespace.

``leave_network`` must run while the process has a single thread (before numpy or FFmpeg start
any). Raw syscalls through ctypes: Python 3.11 has no ``os.unshare``, and no binding for Landlock.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import signal
from typing import NoReturn

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38
SYS_CAPSET = {"x86_64": 126, "aarch64": 91}.get(platform.machine())  # the Landlock numbers are the same on both
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
LANDLOCK_ACCESS_FS_READ_FILE = 1 << 2
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
LANDLOCK_ACCESS_NET_ALL = (1 << 0) | (1 << 1)  # bind and connect, TCP
LANDLOCK_SCOPE_ALL = (1 << 0) | (1 << 1)  # abstract unix sockets, signals
NOFILE = 64

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _fail(what: str) -> OSError:
    errno = ctypes.get_errno()
    return OSError(errno, f"{what}: {os.strerror(errno)}")


def die_with_parent() -> None:
    """Have the kernel SIGKILL this process when its parent dies (even by SIGKILL), so a killed
    worker leaves no reader running; exits at once if the parent is already gone."""
    parent = os.getppid()
    if _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise _fail("prctl(PR_SET_PDEATHSIG)")
    if os.getppid() != parent:
        os._exit(1)


def limit_resources(memory_bytes: int, cpu_seconds: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def leave_network() -> str:
    """Move into a new network namespace: ``"namespace"`` if done, ``"none"`` if not permitted."""
    for flags in (CLONE_NEWNET, CLONE_NEWUSER | CLONE_NEWNET):
        if _libc.unshare(flags) == 0:
            return "namespace"
    return "none"


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers; 0 without Landlock."""
    version = _libc.syscall(
        SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION)
    )
    return max(0, int(version))


def restrict_files(path: str) -> str:
    """Allow this process to open ``path`` for reading and nothing else from now on; the level
    reached: ``"landlock"`` (files), ``"landlock+tcp"`` (and TCP), or ``"none"`` without Landlock."""
    abi = landlock_abi()
    if abi < 1:
        return "none"
    fs = _FS_RIGHTS_BY_ABI[max(k for k in _FS_RIGHTS_BY_ABI if k <= abi)]
    attr = _RulesetAttr(fs, LANDLOCK_ACCESS_NET_ALL if abi >= 4 else 0, LANDLOCK_SCOPE_ALL if abi >= 6 else 0)
    ruleset = _libc.syscall(
        SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0)
    )
    if ruleset < 0:
        raise _fail("landlock_create_ruleset")
    try:
        target = os.open(path, os.O_PATH | os.O_CLOEXEC)
        try:
            rule = _PathBeneathAttr(LANDLOCK_ACCESS_FS_READ_FILE, target)
            if (
                _libc.syscall(
                    SYS_LANDLOCK_ADD_RULE,
                    ctypes.c_int(ruleset),
                    ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH),
                    ctypes.byref(rule),
                    ctypes.c_uint32(0),
                )
                != 0
            ):
                raise _fail("landlock_add_rule")
        finally:
            os.close(target)
        if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            raise _fail("prctl(PR_SET_NO_NEW_PRIVS)")
        if _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
            raise _fail("landlock_restrict_self")
    finally:
        os.close(ruleset)
    return "landlock+tcp" if abi >= 4 else "landlock"


def start_no_programs() -> None:
    """From here on ``subprocess`` starts no program in this process: it raises
    ``FileNotFoundError`` at once, as for a program that is not installed, and forks nothing.
    PySceneDetect runs ``ffmpeg -v quiet`` as it is imported to see whether it can; each such
    try used to fork a copy of the child that lived until its exec failed, which the worker's
    bound on its children counted."""
    import subprocess

    def refuse(args: object, *_: object, **__: object) -> NoReturn:
        program = args[0] if isinstance(args, (list, tuple)) and args else args
        raise FileNotFoundError(errno.ENOENT, "the media sandbox starts no programs", str(program))

    # call, run and check_output all start through Popen. The class replaced by a function, on
    # purpose: no assignment the type checker accepts.
    subprocess.Popen = refuse  # type: ignore[misc, assignment]


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


def drop_capabilities() -> bool:
    """Empty this process's effective, permitted and inheritable capability sets (a no-op for a
    process that has none). False on an architecture whose syscall number is not known here."""
    if SYS_CAPSET is None:
        return False
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3: two 32-bit data words
    data = (ctypes.c_uint32 * 6)()
    if _libc.syscall(SYS_CAPSET, ctypes.byref(header), ctypes.byref(data)) != 0:
        raise _fail("capset")
    return True
