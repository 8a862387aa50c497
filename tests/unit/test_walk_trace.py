"""bench/walk_run.py's recorder (``bench/walk_trace/sitecustomize.py``) on a small project of its
own, run as ``python -m api`` as the stack runs the API: what runs under an entry is recorded
once, with the module it was called from, through awaits, tasks and threads; what runs outside
an entry is not; and ``walk_run.counted`` orders and counts the records as the static walk does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from bench import walk, walk_run

FILES = {
    "streams/__init__.py": "",
    "streams/lib.py": """
        def helper(x):
            return inner(x)

        def inner(x):
            return x + 1

        def in_thread():
            return helper(2)
        """,
    "api/__init__.py": "",
    "api/routes.py": """
        import asyncio
        from streams import lib

        async def create_video():
            lib.helper(1)
            await asyncio.to_thread(lib.in_thread)
            await asyncio.ensure_future(later())
            await asyncio.gather(gathered())

        async def later():
            lib.inner(5)

        async def gathered():
            await asyncio.sleep(0)
        """,
    "api/__main__.py": """
        import asyncio
        from streams import lib
        from api import routes

        async def outside():
            lib.inner(0)

        async def main():
            await outside()
            await routes.create_video()
            await outside()

        asyncio.run(main())
        """,
}
ENTRY = "api.routes.create_video"


def _run(root: Path, *argv: str) -> list[dict]:
    out = root / "out"
    out.mkdir()
    env = {**os.environ, "PYTHONPATH": f"{walk_run.RECORDER}:{root}", "CLIPSTREAM_WALK_TRACE": str(out),
           "CLIPSTREAM_WALK_ENTRIES": ENTRY}
    subprocess.run([sys.executable, *argv], cwd=root, env=env, check=True, timeout=60)
    return [json.loads(line) for path in sorted(out.glob("*.jsonl")) for line in path.read_text().splitlines()]


def _project(root: Path) -> Path:
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text))
    return root


def test_the_recorder_keeps_what_an_entry_runs_once_with_who_called_it(tmp_path):
    lines = _run(_project(tmp_path), "-m", "api")
    assert [(line["here"], line["function"]) for line in lines] == [
        (None, ENTRY),
        ("api.routes", "streams.lib.helper"),
        ("streams.lib", "streams.lib.inner"),
        ("api.routes", "streams.lib.in_thread"),  # handed over by to_thread, run in another thread
        ("api.routes", "api.routes.later"),  # a task's first frame: the module that made the task
        ("api.routes", "api.routes.gathered"),
    ]
    assert {line["entry"] for line in lines} == {ENTRY}
    # main and outside ran before and after the entry, in the same task: not recorded
    assert not any(line["function"].startswith("api.__main__") for line in lines)


def test_the_recorder_leaves_other_processes_alone(tmp_path):
    _project(tmp_path)
    (tmp_path / "tool.py").write_text("import runpy\nrunpy.run_module('api', run_name='__main__')\n")
    assert _run(tmp_path, "tool.py") == []


def test_records_are_counted_in_pipeline_order_each_function_once():
    first, second = walk_run.ENTRIES[0], walk_run.ENTRIES[1]
    lines = [  # as two processes wrote them: the second stage's process first
        {"entry": second, "here": None, "module": "streams.agents.b", "function": "streams.agents.b.run"},
        {"entry": second, "here": "streams.agents.b", "module": "streams.lib", "function": "streams.lib.f"},
        {"entry": second, "here": "streams.agents.b", "module": "api.x", "function": "api.x.g"},
        {"entry": first, "here": None, "module": "api.x", "function": "api.x.route"},
        {"entry": first, "here": "api.x", "module": "streams.lib", "function": "streams.lib.f"},
        {"entry": first, "here": "api.x", "module": "api.x", "function": "api.x.h"},
    ]
    counted = walk_run.counted(lines)
    # route (api.x), f (streams.lib), then b.run (streams.agents.b), g (api.x again): one return
    assert (counted["functions"], counted["modules"], counted["entries"], counted["returns"]) == (5, 3, 4, 1)
    assert counted["returns_walked"] == ["streams.agents.b -> api.x.g"]
    # api.x was entered first by the route's walk: a return across stages, one (stage, module)
    assert (counted["returns_across_stages"], counted["stage_floor"]) == (1, 1)
    assert counted["entries_seen"] == [first, second]


def test_returns_across_stages_and_their_floor_are_told_from_a_stage_returning_to_its_own_modules():
    first, second = walk_run.ENTRIES[0], walk_run.ENTRIES[1]
    moves = [
        (None, "api.x", "api.x.route", first),
        ("api.x", "streams.lib", "streams.lib.f", first),
        ("streams.lib", "api.x", "api.x.h", first),  # a return within the route's own walk
        (None, "streams.agents.b", "streams.agents.b.run", second),
        ("streams.agents.b", "streams.lib", "streams.lib.g", second),  # across: the route entered it
        ("streams.lib", "streams.agents.b", "streams.agents.b.more", second),  # within
        ("streams.agents.b", "streams.lib", "streams.lib.k", second),  # across again, the same module
    ]
    counted = walk.tally(moves, 7)
    assert (counted["returns"], counted["return_pairs"]) == (4, 3)
    assert (counted["returns_across_stages"], counted["stage_floor"]) == (2, 1)
