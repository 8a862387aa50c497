"""The recorder of ``bench/walk_run.py`` (issue 55): what one upload really runs, function by function.

Python imports a module named ``sitecustomize`` from its path as it starts. ``walk_run`` puts this
folder first on ``PYTHONPATH`` of the stack it starts, with ``CLIPSTREAM_WALK_TRACE`` naming a folder
to write to. In the API's and the worker's processes (``python -m api``, ``python -m
streams.worker``) it then records the first call of every project function (a file under
``streams/`` or ``api/`` of the checkout the process runs in) made while one of the walk's entries
runs: the upload route or a stage's handler, named in ``CLIPSTREAM_WALK_ENTRIES``. "While an entry
runs" is a context variable set while the entry's frame runs (a coroutine's is set again each
time it resumes), so it follows the entry's awaits and the tasks and threads it starts (they copy
the context), and nothing else the process does meanwhile (other requests, heartbeats, the
consumers' loops between messages).

Each record (one JSON line, per process) names the function, its module, the entry, and the
project module it was called from: the nearest project frame below it in its thread, up to the
event loop; for the first function of a task or a thread, the module that handed it over
(``asyncio.ensure_future``, ``create_task``, ``gather``, ``wait_for`` or ``to_thread``). Any other
process, and any process without ``CLIPSTREAM_WALK_TRACE``, is left as it was.
"""

from __future__ import annotations

import os
import sys

FOLDER = os.environ.get("CLIPSTREAM_WALK_TRACE")
PROCESSES = ("api", "streams.worker")


def _traced_process() -> bool:
    argv = sys.orig_argv
    return "-m" in argv and argv.index("-m") + 1 < len(argv) and argv[argv.index("-m") + 1] in PROCESSES


if FOLDER and _traced_process():
    import asyncio
    import contextvars
    import json
    import threading

    ROOT = os.getcwd()  # the stack starts its processes in the checkout's root
    PROJECT = (os.path.join(ROOT, "streams") + os.sep, os.path.join(ROOT, "api") + os.sep)
    ENTRIES = frozenset(os.environ.get("CLIPSTREAM_WALK_ENTRIES", "").split(","))
    ENTRY: contextvars.ContextVar[str | None] = contextvars.ContextVar("walk_entry", default=None)
    HANDED_BY: contextvars.ContextVar[str | None] = contextvars.ContextVar("walk_handed_by", default=None)
    _names: dict[object, tuple[str, str] | None] = {}
    _seen: set[str] = set()
    _lock = threading.Lock()
    _out = open(os.path.join(FOLDER, f"{os.getpid()}.jsonl"), "a", buffering=1)  # noqa: SIM115

    def _name(code) -> tuple[str, str] | None:
        """(module, module.qualified name) of a project function's code, else None."""
        path = code.co_filename
        if not path.startswith(PROJECT):
            return None
        module = os.path.relpath(path, ROOT).removesuffix(".py").replace(os.sep, ".").removesuffix(".__init__")
        return module, f"{module}.{code.co_qualname}"

    def _named(code) -> tuple[str, str] | None:
        try:
            return _names[code]
        except KeyError:
            found = _names[code] = _name(code)
            return found

    def _caller(frame) -> str | None:
        while frame is not None:
            code = frame.f_code
            known = _named(code)
            if known is not None:
                return known[0]
            if code.co_name == "_run" and code.co_filename.endswith(os.path.join("asyncio", "events.py")):
                break  # the event loop runs a task's step: below it is the loop's caller, not the task's
            frame = frame.f_back
        return HANDED_BY.get()

    def _profile(frame, event, arg) -> None:
        if event != "call":
            if event == "return":  # a coroutine's return is also each of its suspensions
                known = _named(frame.f_code)
                if known is not None and known[1] in ENTRIES:
                    ENTRY.set(None)
            return
        known = _named(frame.f_code)
        if known is None:
            return
        module, function = known
        if function in ENTRIES:
            ENTRY.set(function)
            here = None
        elif function in _seen or ENTRY.get() is None:
            return
        else:
            here = _caller(frame.f_back)
        with _lock:
            if function in _seen:
                return
            _seen.add(function)
            _out.write(json.dumps({"entry": ENTRY.get(), "here": here, "module": module, "function": function}) + "\n")

    def _handing(start):
        """``start`` (a function that makes a task or a thread, which copies the context) with
        the module that calls it noted first, for what the task or thread runs."""

        def handing(*args, **kwargs):
            HANDED_BY.set(_caller(sys._getframe(1)))
            return start(*args, **kwargs)

        return handing

    for _start in ("ensure_future", "create_task", "gather", "wait_for", "to_thread"):
        setattr(asyncio, _start, _handing(getattr(asyncio, _start)))
    threading.setprofile(_profile)
    sys.setprofile(_profile)
