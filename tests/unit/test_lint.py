"""The linter and the formatter over the product code: ``ruff check streams api`` with the rules of
``[tool.ruff]`` in pyproject.toml (what is on and what is left out, and why, is written there) finds
nothing, and ``ruff format --check streams api`` would change nothing. Tests, benchmarks, the Triton
models' Python and the scripts get
pyflakes' checks (names that are not defined, imports and variables not used), syntax errors and
warnings; their layout is not checked yet."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("ruff")), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_ruff_finds_nothing_in_streams_and_api():
    out = ruff("check", "--no-cache", "--output-format", "concise", "streams", "api")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "All checks passed" in out.stdout


def test_streams_and_api_are_as_ruff_formats_them():
    out = ruff("format", "--check", "--no-cache", "streams", "api")
    assert out.returncode == 0, "run `.venv/bin/ruff format streams api`:\n" + out.stdout[-4000:] + out.stderr[-2000:]
    assert "already formatted" in out.stdout


def test_tests_and_benchmarks_use_every_name_they_import_and_define_every_name_they_use():
    """Also the Triton models' Python (run by Triton, which no other check imports: a name left
    undefined there failed only in the clip judge's integration test) and the scripts."""
    out = ruff("check", "--no-cache", "--output-format", "concise", "--select", "F,E9,W", "tests", "bench",
               "models/triton_repo", "scripts")
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "All checks passed" in out.stdout
