"""The type checker over the product code: ``mypy`` with ``[tool.mypy]`` of pyproject.toml (its
defaults, unannotated bodies checked too, unused ignores and redundant casts reported, comparisons
that can never be equal refused; the untyped libraries it may not follow named there) finds nothing
in streams/ and api/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_mypy_finds_nothing_in_streams_and_api(tmp_path):
    out = subprocess.run(
        [str(Path(sys.executable).with_name("mypy")), "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]
    assert out.stdout.strip() == "", out.stdout[-6000:]


def test_mypy_reads_its_configuration_and_would_fail_on_a_finding(tmp_path):
    """The check above can fail: the same configuration finds a wrong type planted in a copy."""
    planted = tmp_path / "planted.py"
    planted.write_text("def length(text: str) -> int:\n    return text\n")
    out = subprocess.run(
        [str(Path(sys.executable).with_name("mypy")), "--cache-dir", str(tmp_path / "cache"), str(planted)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 1
    assert "planted.py:2: error: Incompatible return value type" in out.stdout
