"""Benchmark: how long the local stack takes to come up, per component.

Two runs in one process on free ports, with jars and binaries already cached:
  first   - a new data directory (initdb, Kafka storage format, bucket creation)
  restart - the same data directory after `down` (the everyday case)
Prints a table and writes bench/results/stack_startup.json.

    .venv/bin/python bench/stack_startup.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, stop_on_sigterm  # noqa: E402
from streams.settings import project_root  # noqa: E402
from streams.stack import supervisor  # noqa: E402
from tests.conftest import fresh_stack_settings  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "stack_startup.json"


def one_up(settings) -> dict:
    began = time.monotonic()
    supervisor.up(settings, lambda _m: None)
    total = time.monotonic() - began
    per = {s.name: s.start_seconds for s in supervisor.status(settings) if s.name not in ("api", "worker")}
    return {"total_seconds": round(total, 2), "components": per}


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    runs: dict[str, list[dict]] = {"first": [], "restart": []}
    for _ in range(args.rounds):
        data_dir = project_root() / ".local" / f"bench-{uuid.uuid4().hex[:8]}"
        settings = fresh_stack_settings(data_dir)
        try:
            runs["first"].append(one_up(settings))
            supervisor.down(settings, lambda _m: None)
            runs["restart"].append(one_up(settings))
        finally:
            supervisor.down(settings, lambda _m: None)
            supervisor.purge(settings)

    def median_cell(values) -> str:
        values = [v for v in values if v is not None]
        return f"{statistics.median(values):.2f}" if values else "-"

    rows = [("component", "first start (s)", "restart (s)")]
    for name in runs["first"][0]["components"]:
        rows.append((name, *(median_cell([r["components"][name] for r in runs[kind]]) for kind in runs)))
    rows.append(("whole stack", *(median_cell([r["total_seconds"] for r in runs[kind]]) for kind in runs)))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "stack_startup", "rounds": args.rounds, "machine": machine(),
        "runs": runs,
    }, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
