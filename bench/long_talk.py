"""Benchmark: a 60-minute talk through the whole pipeline on a baseline commit's code and on this
checkout's, in turns, on one machine: whether a slower run is the code's doing or the machine's.

``bench/language_cost.py`` compares two languages on one checkout, and its English figure alone
moved from 446 s (78677b7, 1 December) to 606 s (00fd721, 3 December) with no change of code that
could explain it. This benchmark puts the same video (the English originals of the talks translated
into German, read in a loop to ``--minutes``, under a still portrait, as ``language_cost`` builds
it) through a private stack (API, Faust worker, Triton, storage on free ports) started from each
checkout: the baseline as a ``git worktree`` (``bench/baseline.py``; its editorial heads trained
there), each side in a process of its own with its checkout first on the path. The sides take
turns (``--rounds``; the first round starts with the baseline, the next with this checkout). The
stage times and the clips' arrival come from PostgreSQL, as in ``bench/e2e.py``.

    nice -n 19 .venv/bin/python bench/long_talk.py [--baseline 78677b7] [--minutes 60] [--clips 10]
        [--rounds 1]

Writes bench/results/long_talk.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.baseline import checkout, python_for  # noqa: E402
from bench.e2e import looped_talk  # noqa: E402
from bench.language_cost import translated_talks  # noqa: E402
from bench.report import commit, stop_on_sigterm, table, write_results  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import build_talk  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "long_talk.json"
BASELINE = "78677b7"  # where language_cost first timed this English talk at 446 s
SIDES = ("baseline", "current")
# What one side runs, in its own checkout: that checkout's stack, client and timings.
ONE_RUN = """
import asyncio, json, sys, time
from pathlib import Path
from bench.e2e import timings
from bench.stacks import private_stack
from streams.cli.client import Client
from streams.stack.credentials import api_key_for
import streams
root, source, clips, preset = Path(sys.argv[1]).resolve(), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if not Path(streams.__file__).resolve().is_relative_to(root):
    raise SystemExit(f"ran the code of {streams.__file__}, not of {root}")
with private_stack(with_apps=True, render_preset=preset) as settings:
    with Client(settings.api_url, api_key_for(settings)) as client:
        began = time.monotonic()
        video_id = client.submit(source, clip_count=clips)["video_id"]
        video = client.wait(video_id, timeout=4 * 3600, poll=0.5)
        wall = time.monotonic() - began
        if video["status"] != "completed":
            raise SystemExit(f"the talk failed: {video['error']}")
        t = asyncio.run(timings(settings.postgres_dsn, video_id))
print(json.dumps({**t, "client_wall_seconds": wall}, default=str))
"""


def source_video(minutes: float, out_dir: Path) -> Path:
    """The English talks ``language_cost`` times, joined and read again until ``minutes`` long."""
    built = [build_talk(name, MEDIA_DIR, folder).video for name, folder in translated_talks("de")]
    return looped_talk(built, minutes, out_dir)


def run_on(root: Path, source: Path, clips: int, preset: str) -> dict:
    """One upload of ``source`` through a private stack of the checkout at ``root``."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([str(python_for(root)), "-c", ONE_RUN, str(root), str(source), str(clips), preset], cwd=root,
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the run on {root} failed:\n{done.stderr[-3000:]}")
    t = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "total_seconds": round(t["total"], 1), "video_seconds": t["video_seconds"],
        "first_clip_seconds": round(t["clips_at"][0], 1) if t["clips_at"] else None,
        "clips_at": [round(c, 1) for c in t["clips_at"]],
        "stages_end": {k: round(v["end"], 1) for k, v in t["stages"].items()},
        "client_wall_seconds": round(t["client_wall_seconds"], 1),
    }


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset for the clips")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    roots = {"baseline": checkout(args.baseline), "current": ROOT}
    runs: dict[str, list[dict]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as tmp:
        source = source_video(args.minutes, Path(tmp))
        for n in range(args.rounds):
            for side in SIDES if n % 2 == 0 else SIDES[::-1]:
                runs[side].append(run_on(roots[side], source, args.clips, args.preset))
                print(f"round {n + 1} {side}: {runs[side][-1]['total_seconds']:.0f} s, first clip at "
                      f"{runs[side][-1]['first_clip_seconds']} s", flush=True)

    def median(side: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[side])

    keys = {"total_seconds": "upload to completed (s)", "first_clip_seconds": "first clip (s)"}
    medians = {side: {key: median(side, key) for key in keys} for side in SIDES}
    rows = [("", f"baseline {args.baseline}", f"current {commit()}", "current / baseline")]
    for key, label in keys.items():
        base, cur = medians["baseline"][key], medians["current"][key]
        rows.append((label, f"{base:.1f}", f"{cur:.1f}", f"{cur / base:.2f}"))
    print(table(rows))
    ratios = {key: round(medians["current"][key] / medians["baseline"][key], 3) for key in keys}
    write_results(args.out, "long_talk", runs, commit=commit(), baseline_commit=args.baseline,
                  args={**vars(args), "out": str(args.out)}, medians=medians, current_over_baseline=ratios)


if __name__ == "__main__":
    main()
