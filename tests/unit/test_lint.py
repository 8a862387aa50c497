"""The linter over the product code: ``ruff check streams api`` with the rules of ``[tool.ruff]``
in pyproject.toml (what is on and what is left out, and why, is written there) finds nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ruff_finds_nothing_in_streams_and_api():
    ruff = Path(sys.executable).with_name("ruff")
    out = subprocess.run([str(ruff), "check", "--no-cache", "--output-format", "concise", "streams", "api"],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "All checks passed" in out.stdout
