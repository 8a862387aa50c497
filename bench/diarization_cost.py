"""Benchmark: what finding speakers costs the whole pipeline, measured, not estimated.

The same generated talking head (``bench/e2e.py``'s input: LJSpeech and the long-form reading over
a portrait) goes through a private stack twice in one run, once with ``diarize`` off (the
baseline: no ``speaker_encoder`` call) and once on, in alternating order over ``--rounds``; each
run's transcribe stage and whole video (every clip rendered) are timed from PostgreSQL as
``bench/e2e.py`` times them. The goal (issue 50): at most 15 % more total time with diarization.
Prints a table and writes bench/results/diarization_cost.json.

    .venv/bin/python bench/diarization_cost.py [--minutes 10] [--clips 3] [--rounds 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.e2e import build_input, timings  # noqa: E402
from bench.report import commit, stop_on_sigterm, table, write_results  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.cli.client import Client  # noqa: E402
from streams.stack.credentials import api_key_for  # noqa: E402

GOAL = 1.15  # at most 15 % more total time
RESULTS = Path(__file__).parent / "results" / "diarization_cost.json"


def run(source: Path, diarize: bool, clips: int, preset: str) -> dict:
    """One video through a fresh private stack; its stage and total times (seconds)."""
    with private_stack(with_apps=True, render_preset=preset, diarize=diarize) as settings:
        with Client(settings.api_url, api_key_for(settings)) as client:
            began = time.monotonic()
            video_id = client.submit(source, clip_count=clips)["video_id"]
            video = client.wait(video_id, timeout=3600, poll=0.25)
            wall = time.monotonic() - began
            speakers = client.transcript(video_id).get("speakers", [])
        if video["status"] != "completed":
            raise SystemExit(f"the video failed: {video['error']}")
        t = asyncio.run(timings(settings.postgres_dsn, video_id))
    transcribe = t["stages"]["transcribe"]
    return {
        "diarize": diarize,
        "video_seconds": t["video_seconds"],
        "transcribe_seconds": round(transcribe["end"] - transcribe["start"], 2),
        "total_seconds": round(t["total"], 2),
        "first_clip_seconds": round(t["clips_at"][0], 2) if t["clips_at"] else None,
        "client_wall_seconds": round(wall, 2),
        "speakers": len(speakers),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        source = build_input(args.minutes, Path(tmp))
        for k in range(args.rounds):
            for diarize in ((False, True) if k % 2 == 0 else (True, False)):
                runs.append(run(source, diarize, args.clips, args.preset))
                print(f"round {k + 1}, diarize {'on' if diarize else 'off'}: {runs[-1]}", flush=True)

    def median(key: str, diarize: bool) -> float:
        return statistics.median(r[key] for r in runs if r["diarize"] is diarize)

    ratio = median("total_seconds", True) / median("total_seconds", False)
    transcribe_ratio = median("transcribe_seconds", True) / median("transcribe_seconds", False)
    rows = [("diarize", "transcribe (s)", "first clip (s)", "total (s)", "speakers")]
    rows += [("on" if r["diarize"] else "off", f"{r['transcribe_seconds']:.1f}", f"{r['first_clip_seconds']:.1f}",
              f"{r['total_seconds']:.1f}", str(r["speakers"])) for r in runs]
    print(table(rows))
    met = ratio <= GOAL
    print(f"with diarization: total {ratio:.3f}x, transcribe stage {transcribe_ratio:.3f}x "
          f"(goal: at most {GOAL:.2f}x total): {'met' if met else 'NOT met'}")
    write_results(
        RESULTS, "diarization_cost", runs, commit=commit(), args=vars(args), total_ratio=round(ratio, 4),
        transcribe_ratio=round(transcribe_ratio, 4), goal_total_ratio=GOAL, met=met,
    )


if __name__ == "__main__":
    main()
