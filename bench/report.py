"""What every benchmark prints and records: percentiles of timings, a plain-text table, and the
JSON of its results with the machine they ran on."""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
from pathlib import Path

from bench.baseline import checkout


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (``q`` in [0, 100])."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def table(rows: list[tuple[str, ...]]) -> str:
    """Rows of strings as left-aligned columns (the first row is the header)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _head() -> str:
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          cwd=root).stdout.strip()


# Read as the benchmark starts (it imports this first): a run that outlives a commit names the code
# it ran, not the one checked out when it wrote its results.
_STARTED_ON = _head()


def commit() -> str:
    """The short hash of the checkout's HEAD when this benchmark started, which a result names as
    the code it measured."""
    return _STARTED_ON


def static_comparison(description: str, baseline: str, out: Path, measure) -> tuple[argparse.Namespace, dict]:
    """For a benchmark that reads code rather than runs it: ``--baseline`` (default ``baseline``)
    and ``--out`` (default ``out``) parsed, and ``measure(root)`` of the baseline's worktree and of
    this checkout, as ``{"baseline": ..., "current": ...}``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--baseline", default=baseline)
    parser.add_argument("--out", type=Path, default=out)
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1]
    return args, {"baseline": measure(checkout(args.baseline, heads=False)), "current": measure(here)}


def processor(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's model name and its widest vector extension of those CTranslate2 picks its
    kernels by (AVX-512, AVX2, AVX, SSE4.1), as Linux reports them: Whisper's words for the same
    audio and code can differ between two machines (DEVELOPERS.md), so a transcript or a ranking
    figure names the one it came from. ``unknown`` where ``cpuinfo`` cannot be read."""
    try:
        lines = cpuinfo.read_text().splitlines()
    except OSError:
        return "unknown"
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")),
                 platform.processor() or "unknown")
    flags = set(next((line.split(":", 1)[1].split() for line in lines if line.startswith("flags")), []))
    widest = next((f for f in ("avx512f", "avx2", "avx", "sse4_1") if f in flags), "none")
    return f"{model} ({widest})"


def machine() -> dict:
    """What a noisy run's numbers need beside them: cores, processor, Python, platform and load."""
    return {"cpus": os.cpu_count(), "processor": processor(), "python": platform.python_version(),
            "platform": platform.platform(), "load_average": os.getloadavg()}


def write_results(path: Path, benchmark: str, results, **fields) -> None:
    """Write ``{"benchmark", **fields, "machine", "results"}`` to ``path`` (the machine as
    ``machine()`` reads it) and say where."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({
        "benchmark": benchmark, **fields,
        "machine": machine(),
        "results": results,
    }, indent=2))
    print(f"wrote {path}")


def stop_on_sigterm() -> None:
    """End the run on SIGTERM (what ``kill`` and ``pkill`` send) as on Ctrl-C, so ``finally`` blocks
    run and a benchmark's private stack is taken down and purged instead of left running."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
