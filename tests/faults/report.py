"""The fault table: one row per scenario, printed at the end of the session and written as JSON
(``<checkout>/.local/fault-report.json``, or ``CLIPSTREAM_FAULT_REPORT``)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from streams.adapters.storage import video_prefix
from streams.settings import project_root
from tests.faults.invariants import Row
from tests.faults.observe import Submitted

HEADS = ("scenario", "submitted", "completed", "failed w/ reason", "duplicates", "lost", "stray", "re-sent", "")


@dataclass
class ScenarioRecord:
    """What the final pass needs to read a scenario again, and its latest row."""

    name: str
    tenant_id: str
    submitted: list[Submitted]
    files_before: dict
    files_after: dict
    clickhouse_counts: dict | None
    row: Row
    notes: dict = field(default_factory=dict)
    test: str = ""  # the pytest test that ran the scenario (``file::name[param]``)
    seconds: float = 0.0  # from the scenario's start until everything it caused had settled


class Ledger:
    def __init__(self) -> None:
        self.records: list[ScenarioRecord] = []
        self.seed: int | None = None

    def add(self, record: ScenarioRecord) -> None:
        self.records.append(record)

    def rows(self) -> list[Row]:
        return [r.row for r in self.records]

    def prefixes(self, but: str = "") -> set[str]:
        """The storage prefixes of every video of the scenarios recorded (but the one named)."""
        return {video_prefix(r.tenant_id, s.video_id) for r in self.records if r.name != but for s in r.submitted}

    def table(self) -> str:
        cells = [(row.scenario, row.submitted, row.completed, row.failed_with_reason, row.duplicates, row.lost,
                  row.stray, row.resent, "ok" if row.green else "RED") for row in self.rows()]
        widths = [max(len(str(c)) for c in column) for column in zip(HEADS, *cells)]
        head = "  ".join(h.ljust(w) for h, w in zip(HEADS, widths)).rstrip()
        lines = [head, "-" * len(head)]
        lines += ["  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip() for line in cells]
        for row in self.rows():
            for key, value in row.notes.items():
                lines.append(f"  {row.scenario}: {key}: {value}")
            for problem in row.problems + row.notices:
                lines.append(f"  {row.scenario}: {problem}")
        if self.seed is not None:
            lines.append(f"seed {self.seed} (replay with CLIPSTREAM_FAULT_SEED={self.seed})")
        return "\n".join(lines)

    def write(self, path: Path | None = None) -> Path:
        path = path or report_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"seed": self.seed, "rows": [
            {**r.row.as_json(), "test": r.test, "seconds": round(r.seconds, 1)} for r in self.records]}, indent=2,
                                   default=str))
        return path


def report_path() -> Path:
    given = os.environ.get("CLIPSTREAM_FAULT_REPORT")
    return Path(given) if given else project_root() / ".local" / "fault-report.json"


LEDGER = Ledger()
