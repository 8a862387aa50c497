"""Benchmark (issue 55): the walk from the upload route to a rendered clip, as one upload really
runs it, on two checkouts in the same run.

``bench/walk.py`` reads the walk from the code: every project function any branch could call,
followed from the route and the four stages' handlers. This one follows what runs. It starts each
checkout's stack with the recorder of ``bench/walk_trace/`` on ``PYTHONPATH``, uploads the talk
``bench/recorded_run.py`` records (same options), waits for its clips, and takes the stack down.
The recorder writes, for the API's and the worker's processes, the first call of each project
function made while the upload route or a stage's handler runs (``walk.ENTRIES``), with the project
module it was called from. The walk is then counted as ``walk.py`` counts it (``walk.tally``): the
functions in pipeline order (the route, then ingest, transcribe, moments and render, each in the
order it ran them), each once; a call into another module than the caller's is an *entry* into
that module, and an entry into a module entered before is a *return*.

What it does not see, as a reader would: a function only a branch this upload does not take would
call (an error, an option left unset), and the processes the worker starts (the media sandbox's
readers, FFmpeg, Triton's models).

    .venv/bin/python bench/walk_run.py [--baseline COMMIT] [--video PATH]

Prints the counts of both checkouts and writes bench/results/walk_run.json with every return.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.recorded_run import record, sides  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.walk import BASELINE, ENTRIES, tally  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "walk_run.json"
RECORDER = Path(__file__).resolve().parent / "walk_trace"


def traced(root: Path, video: Path) -> list[dict]:
    """The recorder's lines of one upload on the checkout at ``root``, every process's."""
    with tempfile.TemporaryDirectory(prefix="walk-trace-") as folder:
        record(root, video, {"PYTHONPATH": f"{RECORDER}:{root}", "CLIPSTREAM_WALK_TRACE": folder,
                             "CLIPSTREAM_WALK_ENTRIES": ",".join(ENTRIES)})
        lines = []
        for path in sorted(Path(folder).glob("*.jsonl")):
            lines.extend(json.loads(line) for line in path.read_text().splitlines() if line)
    if not lines:
        raise SystemExit(f"{root}: the recorder wrote nothing; was {RECORDER} on the processes' path?")
    return lines


def counted(lines: list[dict]) -> dict:
    """``lines`` in pipeline order (by entry, then as they ran), each function once, tallied."""
    order = {entry: i for i, entry in enumerate(ENTRIES)}
    ran = sorted(enumerate(lines), key=lambda pair: (order.get(pair[1]["entry"], len(order)), pair[0]))
    seen: set[str] = set()
    moves = []
    for _, line in ran:
        if line["function"] in seen:
            continue
        seen.add(line["function"])
        if line["module"] != line["here"]:
            moves.append((line["here"], line["module"], line["function"], line["entry"]))
    result = tally(moves, len(seen))
    result["entries_seen"] = sorted({line["entry"] for line in lines}, key=lambda e: order.get(e, len(order)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--video", type=Path, help="default: tests/media_recipes.py's 222 s LJSpeech talking head")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    here, worktree, video = sides(args.baseline, args.video)
    t0 = time.monotonic()
    results = {"baseline": counted(traced(worktree, video)), "current": counted(traced(here, video))}
    rows = [("variant", "functions", "modules", "entries", "returns", "return pairs", "runtime entries",
             "most entered")]
    for variant, r in results.items():
        missing = [e for e in ENTRIES if e not in r["entries_seen"]]
        rows.append((f"{variant} ({args.baseline if variant == 'baseline' else commit()})", str(r["functions"]),
                     str(r["modules"]), str(r["entries"]), str(r["returns"]), str(r["return_pairs"]),
                     str(r["runtime_entries"]),
                     ", ".join(f"{m.split('.', 1)[-1]} {n}" for m, n in r["most_entered"][:4])
                     + (f"  (no call seen under {', '.join(missing)})" if missing else "")))
    print(table(rows))
    write_results(args.out, "walk_run", results, entries_from=list(ENTRIES), baseline_commit=args.baseline,
                  current_commit=commit(), video=str(video), seconds=round(time.monotonic() - t0, 1),
                  targets={"returns": 50, "runtime_entries": 6})


if __name__ == "__main__":
    main()
