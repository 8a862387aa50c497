"""README figures come from ``bench/results``: every figure block says what ``bench/figures.py``
makes of the JSON as committed, so a rerun benchmark without its README rewritten (or a figure
typed into a block by hand) fails here."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

spec = importlib.util.spec_from_file_location("bench_figures", ROOT / "bench" / "figures.py")
figures = importlib.util.module_from_spec(spec)
spec.loader.exec_module(figures)


@pytest.mark.parametrize("document", figures.DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_figure_block_agrees_with_its_results(document):
    text = document.read_text()
    assert figures.refreshed(text) == text, "run: .venv/bin/python bench/figures.py"


def test_the_readmes_quote_every_block_once():
    names = [name for document in figures.DOCUMENTS for name in figures.blocks(document.read_text())]
    assert sorted(names) == sorted(figures.BLOCKS)


def test_a_block_follows_its_results(tmp_path, monkeypatch):
    """Changing the JSON changes the block's text (the check cannot pass on stale words)."""
    e2e = json.loads((figures.RESULTS / "e2e.json").read_text())
    e2e["realtime_factor"] = 123.4
    (tmp_path / "e2e.json").write_text(json.dumps(e2e))
    monkeypatch.setattr(figures, "RESULTS", tmp_path)
    text = "before <!-- figures:e2e -->9× real time<!-- /figures --> after"
    out = figures.refreshed(text)
    assert "(123.4× real time)" in out and out.startswith("before <!-- figures:e2e -->")
    assert out.endswith("<!-- /figures --> after")
    with pytest.raises(KeyError, match="no figure block 'nope'"):
        figures.refreshed("<!-- figures:nope --><!-- /figures -->")
