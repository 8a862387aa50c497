"""Benchmark: the API's read latency under a fixed load, and upload throughput.

  1. Latency: ``GET /v1/videos/{id}`` (key lookup, two queries under row-level security, JSON with
     two signed links) offered at a fixed rate -- open loop: request i is due at ``start + i/rate``
     whatever happened to the ones before, and its latency runs from that due time, so a stall
     counts against every request it delays (no coordinated omission). Baseline in the same run,
     alternating with it: ``GET /healthz`` (no key, no database) through the same server and client.
  2. Uploads: ``POST /v1/videos`` of a generated 200 MB and 1 GB file, streamed as multipart,
     in MB/s; baseline: copying the same file on the same disk (read + write + fsync), which is
     the least an upload costs (the server spools the part to a temporary file and then copies it
     into storage: two writes).

The API runs as its own process (``python -m api``, the per-key rate limit off) on a free port,
against a private PostgreSQL + Kafka stack started for the run and removed after; with
``--reuse`` against the running local stack's PostgreSQL and Kafka instead (``clipstream stack
up``; its own API and worker are left alone, the benchmark's tenant, videos and files are
deleted). No worker runs in the private stack: the uploads are queued, never processed. The
load generator is a minimal HTTP/1.1 keep-alive client on asyncio (a few microseconds of CPU per
request, so on a small machine it takes as little as possible from the server).

Prints a table and writes bench/results/api.json.

    .venv/bin/python bench/api.py [--rate 200] [--seconds 20] [--sizes-mb 200,1024] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, percentile, stop_on_sigterm, table  # noqa: E402
from streams import tenancy  # noqa: E402
from streams.adapters.catalog import Catalog  # noqa: E402
from streams.adapters.db import create_pool  # noqa: E402
from streams.settings import Settings, project_root  # noqa: E402
from streams.stack import supervisor  # noqa: E402
from streams.stack.process import free_port  # noqa: E402
from tests.conftest import fresh_stack_settings  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "api.json"
TARGET_P95_MS = 25.0
CONNECTIONS = 32
WARMUP_SECONDS = 2.0


# -- the load generator ------------------------------------------------------------------------
class Connection:
    """One keep-alive HTTP/1.1 connection that sends a GET and reads the whole answer."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, request: bytes) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status


async def open_loop(host: str, port: int, request: bytes, rate: float, seconds: float) -> dict:
    """Offer ``request`` at ``rate`` per second for ``seconds`` (after a warm-up, not counted)."""
    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(CONNECTIONS):
        pool.put_nowait(Connection(host, port))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    loop = asyncio.get_running_loop()

    async def one(due: float, counted: bool) -> None:
        conn = await pool.get()  # waiting for a free connection counts: the clock started at `due`
        try:
            status = await conn.get(request)
        except (OSError, asyncio.IncompleteReadError):
            conn.writer, status = None, 0
        finally:
            pool.put_nowait(conn)
        if counted:
            latencies.append(loop.time() - due)
            statuses[status] = statuses.get(status, 0) + 1

    total = int((WARMUP_SECONDS + seconds) * rate)
    warmup = int(WARMUP_SECONDS * rate)
    start = loop.time() + 0.05
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(due, i >= warmup)))
    measured_from = start + warmup / rate
    await asyncio.gather(*tasks)
    elapsed = loop.time() - measured_from
    for conn in pool._queue:  # noqa: SLF001 -- closing what we opened
        if conn.writer is not None:
            conn.writer.close()
    return {"latencies": latencies, "statuses": statuses, "elapsed": elapsed}


def summary(run: dict, rate: float) -> dict:
    lat = [v * 1000 for v in run["latencies"]]
    ok = run["statuses"].get(200, 0)
    return {"offered_per_second": rate, "achieved_per_second": round(ok / run["elapsed"], 1),
            "requests": len(lat), "statuses": {str(k): v for k, v in sorted(run["statuses"].items())},
            "p50_ms": round(percentile(lat, 50), 2), "p95_ms": round(percentile(lat, 95), 2),
            "p99_ms": round(percentile(lat, 99), 2), "max_ms": round(max(lat), 2)}


def merge(runs: list[dict]) -> dict:
    out = {"latencies": [], "statuses": {}, "elapsed": 0.0}
    for r in runs:
        out["latencies"] += r["latencies"]
        out["elapsed"] += r["elapsed"]
        for k, v in r["statuses"].items():
            out["statuses"][k] = out["statuses"].get(k, 0) + v
    return out


# -- uploads -----------------------------------------------------------------------------------
def make_file(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with open(path, "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.write(block[: size % len(block)])


def disk_copy_seconds(source: Path, target: Path) -> float:
    began = time.perf_counter()
    with open(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1024 * 1024)
        dst.flush()
        os.fsync(dst.fileno())
    seconds = time.perf_counter() - began
    target.unlink()
    return seconds


def upload_seconds(client: httpx.Client, source: Path) -> tuple[float, str]:
    began = time.perf_counter()
    with open(source, "rb") as f:
        response = client.post("/v1/videos", files={"file": (source.name, f, "video/mp4")}, data={"clip_count": "1"})
    seconds = time.perf_counter() - began
    if response.status_code != 202:
        raise SystemExit(f"upload failed: {response.status_code} {response.text[:300]}")
    return seconds, response.json()["video_id"]


# -- the run -----------------------------------------------------------------------------------
async def make_tenant_and_video(settings: Settings) -> tuple[str, str, str]:
    """A tenant, its key and one video row (4 stages), as an upload leaves them."""
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    try:
        tenant, key = await tenancy.create_tenant(pool, "bench api")
        video_id = uuid.uuid4().hex
        await Catalog(pool).for_tenant(tenant["tenant_id"]).create_video(
            video_id, tenant["tenant_id"], "talk.mp4", "file:///nowhere/talk.mp4", 123_456, {"clip_count": 5})
        return tenant["tenant_id"], key.key, video_id
    finally:
        await pool.close()


async def drop_tenant(settings: Settings, tenant_id: str) -> None:
    pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await conn.execute("DELETE FROM videos WHERE tenant_id = $1", tenant_id)
            await conn.execute("DELETE FROM tenants WHERE tenant_id = $1", tenant_id)
    finally:
        await pool.close()


def start_api(settings: Settings, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, **settings.as_env()}
    argv = [sys.executable, "-m", "api", "--host", "127.0.0.1", "--port", str(settings.api_port)]
    proc = subprocess.Popen(argv, env=env, cwd=project_root(), stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API exited with {proc.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{settings.api_url}/healthz", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"the API did not answer /healthz in 60 s; see {log_path}")


def latency(settings: Settings, key: str, video_id: str, args) -> dict[str, dict]:
    host, port = "127.0.0.1", settings.api_port
    requests = {
        "GET /healthz": f"GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n".encode(),
        "GET /v1/videos/{id}": (f"GET /v1/videos/{video_id} HTTP/1.1\r\nHost: {host}\r\n"
                                f"Authorization: Bearer {key}\r\n\r\n").encode(),
    }
    runs: dict[str, list[dict]] = {name: [] for name in requests}
    for r in range(args.rounds):  # alternate, so machine noise falls on both alike
        for name in (list(requests) if r % 2 == 0 else list(requests)[::-1]):
            run = asyncio.run(open_loop(host, port, requests[name], args.rate, args.seconds / args.rounds))
            runs[name].append(run)
            print(f"  round {r + 1} {name:20} p95 {percentile(run['latencies'], 95) * 1000:7.2f} ms", flush=True)
    return {name: summary(merge(rs), args.rate) for name, rs in runs.items()}


def uploads(settings: Settings, key: str, sizes_mb: list[int], work: Path) -> list[dict]:
    results = []
    with httpx.Client(base_url=settings.api_url, headers={"Authorization": f"Bearer {key}"}, timeout=600) as client:
        for mb in sizes_mb:
            source = work / f"upload-{mb}mb.bin"
            make_file(source, mb * 1024 * 1024)
            copy = disk_copy_seconds(source, work / "copy.bin")
            seconds, video_id = upload_seconds(client, source)
            client.delete(f"/v1/videos/{video_id}")
            source.unlink()
            results.append({"size_mb": mb, "upload_seconds": round(seconds, 2), "upload_mb_s": round(mb / seconds, 1),
                            "disk_copy_seconds": round(copy, 2), "disk_copy_mb_s": round(mb / copy, 1),
                            "upload_over_copy": round(copy / seconds, 2)})
            print(f"  {mb} MB: upload {mb / seconds:.0f} MB/s, disk copy {mb / copy:.0f} MB/s", flush=True)
    return results


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second offered")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per route (after warm-up)")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the two routes")
    parser.add_argument("--sizes-mb", default="200,1024")
    parser.add_argument("--reuse", action="store_true", help="use the running local stack's PostgreSQL and Kafka")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes_mb.split(",") if s]

    run_dir = project_root() / ".local" / f"bench-api-{uuid.uuid4().hex[:8]}"
    if args.reuse:
        base = Settings.from_env()
        down = [s.name for s in supervisor.status(base) if s.name in ("postgres", "kafka") and not s.up]
        if down:
            raise SystemExit(f"--reuse: {', '.join(down)} not running; start them with clipstream stack up")
        settings = base.with_overrides(data_dir=run_dir, api_port=free_port())
    else:
        settings = fresh_stack_settings(run_dir)
    settings = settings.with_overrides(rate_limit_per_second=0.0, clickhouse_path=None)
    run_dir.mkdir(parents=True, exist_ok=True)
    api = None
    tenant_id = None
    try:
        if not args.reuse:
            print("starting PostgreSQL and Kafka ...", flush=True)
            supervisor.up(settings, lambda _m: None, only=["postgres", "kafka"])
        tenant_id, key, video_id = asyncio.run(make_tenant_and_video(settings))
        api = start_api(settings, run_dir / "api.log")
        print(f"latency: {args.rate:g} req/s offered for {args.seconds:g} s per route", flush=True)
        reads = latency(settings, key, video_id, args)
        print("uploads:", flush=True)
        with tempfile.TemporaryDirectory(dir=run_dir) as work:
            ups = uploads(settings, key, sizes, Path(work))
    finally:
        if api is not None:
            api.terminate()
            api.wait(timeout=30)
        if tenant_id is not None and args.reuse:
            asyncio.run(drop_tenant(settings, tenant_id))
        if not args.reuse:
            supervisor.down(settings, lambda _m: None, only=["postgres", "kafka"])
            supervisor.purge(settings)
        shutil.rmtree(run_dir, ignore_errors=True)

    video, health = reads["GET /v1/videos/{id}"], reads["GET /healthz"]
    rows = [("route", "offered/s", "achieved/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "non-200")]
    for name, s in reads.items():
        bad = sum(v for k, v in s["statuses"].items() if k != "200")
        rows.append((name, f"{s['offered_per_second']:g}", f"{s['achieved_per_second']:g}", f"{s['p50_ms']:.2f}",
                     f"{s['p95_ms']:.2f}", f"{s['p99_ms']:.2f}", f"{s['max_ms']:.1f}", str(bad)))
    print(f"\nAPI latency, open loop, {os.cpu_count()} CPUs, one uvicorn process; target: p95 <= {TARGET_P95_MS:g} ms "
          f"for GET /v1/videos/{{id}} at 200/s: {'met' if video['p95_ms'] <= TARGET_P95_MS else 'NOT met'}")
    print(table(rows))
    rows = [("upload", "seconds", "MB/s", "disk copy MB/s", "upload / copy")]
    for u in ups:
        rows.append((f"{u['size_mb']} MB", f"{u['upload_seconds']:.1f}", f"{u['upload_mb_s']:.0f}",
                     f"{u['disk_copy_mb_s']:.0f}", f"{u['upload_over_copy']:.2f}"))
    print()
    print(table(rows))

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "api", "machine": machine(),
        "args": vars(args), "target_p95_ms": TARGET_P95_MS, "connections": CONNECTIONS,
        "latency": reads, "video_p95_over_healthz_p95": round(video["p95_ms"] / health["p95_ms"], 2),
        "uploads": ups,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
