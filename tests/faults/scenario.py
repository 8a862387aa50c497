"""One scenario of the fault suite: a fresh tenant with a webhook endpoint on the receiver, the
videos it submits, and its end: every video final, the webhooks and the ClickHouse sink caught up
(or a time limit passed), everything read back and checked into the scenario's row.

Every scenario has its own tenant, so the tenant's ClickHouse report can be held against its
PostgreSQL rows, and storage is snapshotted around it, so an object written anywhere outside its
videos' prefixes shows up as stray.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.checks import postgres_truth, report_counts
from tests.faults.harness import FaultStack
from tests.faults.invariants import Row, check
from tests.faults.observe import INCOMING, Submitted, read_scenario, storage_files, storage_root
from tests.faults.receiver import WebhookReceiver
from tests.faults.report import Ledger, ScenarioRecord
from tests.hostile_media import HostileCase
from tests.hostile_uploads import announce_in_place, upload
from tests.httpd import LocalServer
from tests.owner import new_tenant

NORMAL = {"clip_count": 1, "min_seconds": 3, "max_seconds": 8}  # one short clip: every stage, quickly
ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts" / "faults"
SETTLE_SECONDS = 120.0  # webhooks (the suite's fast retry schedule) and the analytics sink catch up


@dataclass
class FaultRun:
    """What every scenario shares: the stack, the receiver, the ledger, the media, the seed."""

    stack: FaultStack
    receiver: WebhookReceiver
    ledger: Ledger
    media: dict[str, Path]
    seed: int

    def scenario(self, name: str) -> Scenario:
        return Scenario(self, name)


class Scenario:
    def __init__(self, run: FaultRun, name: str) -> None:
        self.run, self.name = run, name
        self.settings = run.stack.settings
        self.tenant_id, key = new_tenant(self.settings, f"fault suite: {name}")
        self.http = httpx.Client(base_url=self.settings.api_url, headers={"Authorization": f"Bearer {key}"},
                                 timeout=120)
        answer = self.http.post("/v1/webhooks/endpoints", json={"url": run.receiver.url(self.tenant_id),
                                                                 "description": f"fault suite: {name}"})
        assert answer.status_code == 201, answer.text
        run.receiver.expect(self.tenant_id, answer.json()["secret"])
        self.submitted: list[Submitted] = []
        self.notes: dict = {}
        self.views: dict[str, dict] = {}  # each video as the API shows it at the end (``finish``)
        self.files_before = storage_files(self.storage_root)
        self.began = time.monotonic()
        self.test = os.environ.get("PYTEST_CURRENT_TEST", "").rpartition(" ")[0]  # without " (call)"

    @property
    def storage_root(self) -> Path:
        return storage_root(self.settings)

    def submit(self, path: Path, *, name: str | None = None, **options) -> str:
        """Upload a normal video with the suite's clip options (``options`` change them); its id."""
        fields = {k: str(v) for k, v in {**NORMAL, **options}.items()}
        with open(path, "rb") as f:
            answer = self.http.post("/v1/videos", files={"file": (path.name, f)}, data=fields)
        assert answer.status_code == 202, f"{name or path.name}: {answer.status_code} {answer.text[:300]}"
        video_id = answer.json()["video_id"]
        self.submitted.append(Submitted(video_id, name or path.name))
        return video_id

    def submit_at_once(self, path: Path, count: int) -> list[str]:
        """``count`` uploads of ``path`` from as many threads at once."""
        with ThreadPoolExecutor(count) as pool:
            return list(pool.map(lambda i: self.submit(path, name=f"{path.name} #{i + 1}"), range(count)))

    def submit_case(self, case: HostileCase, server: LocalServer) -> str | None:
        """Submit a case of the hostile corpus as it needs (``tests.hostile_uploads``); its video id,
        or None when the API turned it away (recorded with the API's error)."""
        if case.huge:
            answer = asyncio.run(announce_in_place(self.settings, self.tenant_id, case, dict(NORMAL)))
        else:
            answer = upload(self.http, case, server, dict(NORMAL))
        if isinstance(answer, dict):
            self.submitted.append(Submitted(f"refused:{case.name}", case.name, True, case.codes, refused=answer))
            return None
        self.submitted.append(Submitted(answer, case.name, hostile=not case.succeeds, allowed_codes=case.codes))
        return answer

    def video_ids(self) -> list[str]:
        """The videos submitted (an upload the API turned away has none)."""
        return [s.video_id for s in self.submitted if s.refused is None]

    def finish(self, timeout: float = 180.0) -> Row:
        """Wait for the end, read everything back, check it; the row (recorded in the ledger). A
        pipeline that has not finished every video within ``timeout`` is stalled: the row says so
        and the worker is killed and started again, so the next scenario begins on a fresh one."""
        stack = self.run.stack
        statuses = stack.wait_final(self.video_ids(), timeout)
        self.notes["seconds"] = f"{time.monotonic() - self.began:.0f} to the last video's end"
        if sorted(statuses) != sorted(self.video_ids()) or set(statuses.values()) - {"completed", "failed"}:
            self.notes["stalled"] = f"videos unfinished after {timeout:.0f} s; the worker was restarted"
            self._note_stall(statuses)
            if stack.worker_pid() is not None:
                stack.kill_worker()
            stack.start_worker()
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            row, record = self._read()
            settled = (stack.pending_deliveries(self.tenant_id) == 0 and row.lost == 0
                       and record.clickhouse_counts is not None)
            if settled or time.monotonic() > deadline:
                break
            time.sleep(1.0)
        self.notes["seconds"] += f", {time.monotonic() - self.began:.0f} in all"
        record.test, record.seconds = self.test, time.monotonic() - self.began
        self.run.ledger.add(record)
        self.views = {v: self.http.get(f"/v1/videos/{v}").json() for v in self.video_ids()}
        self.http.close()
        return row

    def _read(self) -> tuple[Row, ScenarioRecord]:
        truth = postgres_truth(self.settings, self.tenant_id)
        truth.pop("video_ids")
        answer = self.http.get("/v1/analytics", params={"days": 3})
        counts = report_counts(answer.json()) if answer.status_code == 200 else None
        files_after = storage_files(self.storage_root)
        self._note_leftovers(files_after)
        facts = read_scenario(self.settings, self.name, self.tenant_id, self.submitted, (self.files_before, files_after),
                              self.run.ledger.prefixes(), self.run.receiver.accepted(self.tenant_id), truth, counts)
        row = check(facts, self.notes)
        record = ScenarioRecord(self.name, self.tenant_id, list(self.submitted), self.files_before, files_after,
                                counts, row, self.notes)
        return row, record

    def _note_stall(self, statuses: dict[str, str]) -> None:
        """Where each unfinished video stood, and the workers' logs kept (under
        ``.local/artifacts/faults``) with their last warnings, so a stall can be read afterwards."""
        stack = self.run.stack
        where = []
        for video_id in self.video_ids():
            if statuses.get(video_id) in ("completed", "failed"):
                continue
            stages = stack.stages(video_id)
            where.append(f"{video_id[:8]} " + ",".join(f"{k}={v}" for k, v in stages.items() if v != "completed"))
        self.notes["stalled at"] = "; ".join(where) or "unknown"
        kept = ARTIFACTS / self.name.split(":")[0].replace(" ", "-")
        kept.mkdir(parents=True, exist_ok=True)
        warnings = []
        for log in sorted((self.settings.data_dir / "logs").glob("worker*.log")):
            shutil.copyfile(log, kept / log.name)
            lines = log.read_text(errors="replace").splitlines()
            warnings += [f"{log.stem}: {line[:240]}" for line in lines[-400:]
                         if any(level in line for level in ("[WARNING]", "[ERROR]", '"WARNING"', '"ERROR"'))][-3:]
        self.notes["stall logs"] = f"kept in {kept}" + "".join(f" | {w}" for w in warnings)

    def _note_leftovers(self, files_after: dict) -> None:
        """What killed writers left on disk (not an effect anyone sees, but disk nobody frees): part
        files in file storage's ``.incoming``, and work folders of finished videos in the worker's
        scratch."""
        parts = [k for k in files_after if k.startswith(INCOMING + "/") and k not in self.files_before]
        scratch = self.settings.data_dir / "worker" / "scratch"
        left = [v for v in self.video_ids() if (scratch / v).exists()]
        if parts or left:
            self.notes["left on disk"] = f"{len(parts)} part files in storage/{INCOMING}, scratch of {len(left)} videos"


def recheck(run: FaultRun, record: ScenarioRecord, clickhouse: dict) -> Row:
    """A scenario's row again, at the end of the suite: webhooks accepted since, and what
    ClickHouse holds for each of its videos (read with the worker stopped)."""
    truth = postgres_truth(run.stack.settings, record.tenant_id)
    truth.pop("video_ids")
    facts = read_scenario(run.stack.settings, record.name, record.tenant_id, record.submitted,
                          (record.files_before, record.files_after), run.ledger.prefixes(but=record.name),
                          run.receiver.accepted(record.tenant_id), truth, record.clickhouse_counts, clickhouse)
    record.row = check(facts, record.notes)
    return record.row
