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


def test_a_result_reads_the_same_in_either_machine_shape(tmp_path, monkeypatch):
    """``glance.json`` was written with its cores and load beside a host name; rerun, it writes
    ``bench.report.machine()``: the block says the same of both."""
    old = json.loads((figures.RESULTS / "glance.json").read_text())
    shapes = {
        "beside": {**old, "machine": "host", "cpus": 6, "load_average": [2.5, 1.0, 1.0]},
        "machine": {**{k: v for k, v in old.items() if k not in ("cpus", "load_average")},
                    "machine": {"cpus": 6, "processor": "X (avx2)", "load_average": [2.5, 1.0, 1.0]}},
    }
    said = {}
    for name, shape in shapes.items():
        (tmp_path / "glance.json").write_text(json.dumps(shape))
        monkeypatch.setattr(figures, "RESULTS", tmp_path)
        said[name] = figures.glance()
    assert said["beside"] == said["machine"]
    assert "on 6 cores" in said["machine"] and "load average 2.5" in said["machine"]
