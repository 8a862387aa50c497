"""The fault table and its JSON file, from hand-made rows: one line per scenario with its counts
and verdict, then every problem, note and notice under it. No stack needed."""

from __future__ import annotations

import json

from tests.faults.invariants import Row
from tests.faults.report import Ledger, ScenarioRecord


def ledger(*rows: Row) -> Ledger:
    book = Ledger()
    book.seed = 42
    for row in rows:
        book.add(ScenarioRecord(row.scenario, "ten_x", [], {}, {}, None, row, test=f"t::{row.scenario}", seconds=12.34))
    return book


def test_the_table_shows_each_scenario_its_counts_and_why_a_row_is_red(tmp_path):
    green = Row("kafka restarted", 4, 4, 0, 0, 0, 0, 4, 0, notes={"restart": "down 4.8 s"})
    red = Row("SIGKILL in each stage", 4, 3, 0, 1, 2, 0, 4, 0, resent=1, problems=["lost 2: video v (talk.mp4): x"],
              notices=["resent 1: video v (talk.mp4): webhook msg_1 accepted 2 times (65 s apart)"])
    book = ledger(green, red)
    lines = book.table().splitlines()
    assert lines[0].split() == ["scenario", "submitted", "completed", "failed", "w/", "reason", "duplicates", "lost",
                                "stray", "re-sent"]
    assert lines[2].split()[-9:] == ["restarted", "4", "4", "0", "0", "0", "0", "0", "ok"]
    assert lines[3].split()[-9:] == ["stage", "4", "3", "0", "1", "2", "0", "1", "RED"]
    assert "  kafka restarted: restart: down 4.8 s" in lines
    assert "  SIGKILL in each stage: lost 2: video v (talk.mp4): x" in lines
    assert any("65 s apart" in line for line in lines)
    assert lines[-1] == "seed 42 (replay with CLIPSTREAM_FAULT_SEED=42)"

    written = json.loads(book.write(tmp_path / "report.json").read_text())
    assert written["seed"] == 42
    assert [(r["scenario"], r["green"], r["lost"], r["resent"]) for r in written["rows"]] == [
        ("kafka restarted", True, 0, 0), ("SIGKILL in each stage", False, 2, 1)]
    assert [(r["test"], r["seconds"]) for r in written["rows"]] == [("t::kafka restarted", 12.3),
                                                                   ("t::SIGKILL in each stage", 12.3)]
