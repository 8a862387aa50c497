"""The fault suite's record: run ``tests/faults`` and keep what it found and how long each scenario took.

The suite (marker ``fault``) runs on a private stack of its own. This script runs it as the full
test run does, with its JSON report and pytest's JUnit XML sent to a scratch directory, and writes
``bench/results/fault_suite.json``: per test its outcome and seconds, and for a test that ran a
scenario the checker's row (submitted, completed, failed with a reason, duplicates, lost, stray, re-sent, green); the seed
that replays the run; the wall time of the whole run; the commit and the machine. The README's
fault-suite figures are written from that file (``bench/figures.py``), never by hand.

Not a speed benchmark: a scenario's seconds are mostly the waits it is made of (a restart, a grace
period), and there is no baseline to compare against. What it records is whether every scenario
kept every invariant, and what running the suite costs.

    .venv/bin/python bench/fault_suite.py [--seed N] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import commit, table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "fault_suite.json"


def test_times(junit: Path) -> dict[str, dict]:
    """Each test case of pytest's JUnit XML, keyed ``file::name`` as pytest names it: outcome and seconds."""
    cases = {}
    for case in ElementTree.parse(junit).getroot().iter("testcase"):
        outcome = "passed"
        for tag, said in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            if case.find(tag) is not None:
                outcome = said
        module = case.get("classname", "").replace(".", "/") + ".py"
        cases[f"{module}::{case.get('name', '')}"] = {"seconds": round(float(case.get("time", 0.0)), 1),
                                                      "outcome": outcome}
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, help="CLIPSTREAM_FAULT_SEED: replay a run's random choices")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="fault-suite-") as scratch:
        report, junit = Path(scratch) / "report.json", Path(scratch) / "junit.xml"
        env = {**os.environ, "CLIPSTREAM_FAULT_REPORT": str(report)}
        if args.seed is not None:
            env["CLIPSTREAM_FAULT_SEED"] = str(args.seed)
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "pytest", "-m", "fault", "tests/faults", "-q", "-p",
                              "no:cacheprovider", f"--junitxml={junit}"], cwd=ROOT, env=env)
        wall = time.monotonic() - started
        if not report.is_file() or not junit.is_file():
            print(f"fault suite: no report written (pytest exited {run.returncode}); nothing recorded",
                  file=sys.stderr)
            return run.returncode or 1
        found = json.loads(report.read_text())
        tests = test_times(junit)

    rows = {row["test"]: row for row in found["rows"]}
    scenarios = [{"test": name, **test, "row": rows.get(name)} for name, test in tests.items()]
    green = run.returncode == 0 and bool(rows) and all(r["green"] for r in rows.values())
    print(table([("test", "scenario", "outcome", "seconds", "green"),
                 *[(s["test"].rpartition("::")[2], s["row"]["scenario"] if s["row"] else "-", s["outcome"],
                    f"{s['seconds']:.0f}", "-" if s["row"] is None else ("yes" if s["row"]["green"] else "NO"))
                   for s in scenarios]]))
    print(f"whole suite: {wall:.0f} s, pytest exit {run.returncode}; every scenario green: {green}")
    write_results(args.out, "fault_suite", scenarios, commit=commit(), seed=found.get("seed"),
                  pytest_exit=run.returncode, wall_seconds=round(wall, 1), all_green=green)
    return 0 if green else 1


if __name__ == "__main__":
    sys.exit(main())
