"""Benchmark: one clip rendered on one thread against on every core (``agents.render.render_slots``).

The render stage gives each clip ``cores // clips at once`` FFmpeg threads. Before, a message of a
single clip still got one thread on a two-core worker; now the clips left to render share all the
cores (``agents.render.sharing``: but a streamed pick beside the transcription), so a short video's
only clip gets both. This measures what that buys and
costs: the same full render as ``bench/render.py`` (``render_clip``: reframe path, captions,
loudness, thumbnail) of the same clip, with ``--threads`` one and with every core, in alternating
order so a noisy machine slows both alike. The baseline (one thread, as before) runs in the same
invocation.

Reports wall seconds and CPU seconds (this process and its FFmpeg children), their medians, the
speed-up and the extra CPU. Prints a table and writes bench/results/render_threads.json.

    .venv/bin/python bench/render_threads.py [--rounds 3] [--seconds 20] [--preset veryfast]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report  # noqa: E402
from bench.render import build_source, cpu_seconds, full  # noqa: E402
from streams.agents.render import render_slots  # noqa: E402
from streams.settings import project_root  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "render_threads.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--preset", default="veryfast")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    lone = render_slots(cores, clips=1)[1]
    ways = {"one thread (before)": 1, f"{lone} threads (a lone clip now)": lone}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source = build_source(root / "source.mp4")
        for i in range(args.rounds):
            order = list(ways) if i % 2 == 0 else list(reversed(ways))
            for name in order:
                out = root / f"{i}-{ways[name]}"
                out.mkdir()
                used = cpu_seconds()
                wall[name].append(full(source, out, args.seconds, args.preset, ways[name]))
                cpu[name].append(cpu_seconds() - used)
    median_wall = {name: statistics.median(v) for name, v in wall.items()}
    median_cpu = {name: statistics.median(v) for name, v in cpu.items()}
    before, now = list(ways)
    speedup = median_wall[before] / median_wall[now]
    extra_cpu = median_cpu[now] / median_cpu[before] - 1
    rows = [("render", "median wall s", "median cpu s")]
    rows += [(name, f"{median_wall[name]:.1f}", f"{median_cpu[name]:.1f}") for name in ways]
    print(f"{args.seconds:g} s clip, 1280x720 -> 1080x1920, libx264 {args.preset}, {cores} cores, {args.rounds} rounds")
    print(report.table(rows))
    print(f"a lone clip on {lone} threads: {speedup:.2f}x as fast, {100 * extra_cpu:+.0f} % CPU")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "render_threads", "commit": report.commit(), "machine": report.machine(),
        "clip": {"seconds": args.seconds, "output": "1080x1920", "preset": args.preset, "rounds": args.rounds},
        "threads": ways, "wall_seconds": wall, "cpu_seconds": cpu,
        "median_wall_seconds": median_wall, "median_cpu_seconds": median_cpu,
        "speedup": speedup, "extra_cpu": extra_cpu,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
