"""Benchmark (issue 55): the same upload through the whole system on two checkouts, recorded and
compared, to show that a restructuring changed no behaviour a user meets.

For each checkout (the baseline commit as a ``git worktree``, then this one) it starts the local
stack with the app (``clipstream stack up --app``) in a fresh data directory, submits one talk
with fixed options, waits for it to end, and records:

- the API's answers: the submission, every ``GET`` of the checkout's own OpenAPI document whose
  only path parameter is the video's or a clip's id (the video, its transcript, moments, clips,
  speakers, exports...; files as a SHA-256), the video list, a search, an unknown video (404) and a
  refused option (400);
- every event on every Kafka topic (JSON as JSON, anything else as a SHA-256).

Then it takes the stack down. The two records are compared after the parts that differ between
any two runs are named rather than dropped: ids the system makes (each replaced by its first
appearance's number, so that the same id in two places still has to match), times of day,
durations of the processing itself (keys named in ``CLOCKS``, and a stage event's ``duration_seconds``),
each run's data directory, signed URLs' signatures. Events of a
topic are compared as a sorted list (partitions interleave differently from run to run).

    .venv/bin/python bench/recorded_run.py [--baseline COMMIT] [--video PATH] [--again RESULTS_JSON]

``--again`` compares the records a results file kept (``recorded``; the runs as compared are derived
from them, so they are not kept too) once more,
with this checkout's rules for what differs between any two runs, and starts no stack.

Prints a table of what matched, writes bench/results/recorded_run.json with every difference.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import checkout, python_for  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "recorded_run.json"
BASELINE = "43b8585"  # the code issue 55 was filed against
SHARED = Path(os.environ.get("CLIPSTREAM_SHARED_DIR", Path(__file__).resolve().parents[2] / "shared"))
OPTIONS = {"clip_count": "3", "aspect_ratios": "9:16", "caption_style": "bold"}
# Keys whose values are how long the system took or when, not what it made.
CLOCKS = re.compile(
    r"(_at|_ms|_seconds_taken|elapsed|latency|took|timestamp|time|started|finished|updated|created|expires|"
    r"processing_seconds|wall|p50|p95|lag)$"
)
ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
HEX_ID = re.compile(r"\b(?:ten_)?[0-9a-f]{16,64}\b")  # a tenant's id is ten_ and hex
# Where each run keeps its files (a fresh data directory under its checkout): file URLs start with it.
DATA_DIR = re.compile(r"/\S*?/\.local/recorded-[A-Za-z0-9_]+")
# Lifecycle events (topic ``events``): how long the stage took, a clock like those above. Elsewhere
# ``duration_seconds`` is a video's length, which must match.
STAGE_CLOCKS = ("duration_seconds",)
NAMED = re.compile(r"<id\d+>")
ANY_ID = re.compile(f"{HEX_ID.pattern}|{NAMED.pattern}")
SIGNATURE = re.compile(r"(X-Amz-[A-Za-z]+|sig|signature|expires|token)=[^&\"\s]+")

# What runs inside each checkout's own code: submit, wait, ask every GET about the video, read
# every topic. Only stable names are used (Settings, the API key of the local stack, HTTP, Kafka).
PROBE = r'''
import asyncio, hashlib, json, re, sys, time
from pathlib import Path
import httpx
from streams.settings import Settings
try:
    from streams.stack.credentials import api_key_for
except ImportError:
    from streams.cli.credentials import api_key_for

video, options = Path(sys.argv[1]), json.loads(sys.argv[2])
settings = Settings.from_env()
http = httpx.Client(base_url=settings.api_url, headers={"Authorization": f"Bearer {api_key_for(settings)}"},
                    timeout=300)
answers = []

def keep(name, response):
    try:
        body = response.json()
    except ValueError:
        body = {"sha256": hashlib.sha256(response.content).hexdigest(), "bytes": len(response.content),
                "content_type": response.headers.get("content-type")}
    answers.append({"request": name, "status": response.status_code, "body": body})
    return body

with video.open("rb") as f:
    accepted = keep("POST /v1/videos", http.post("/v1/videos", files={"file": (video.name, f)}, data=options))
video_id = accepted["video_id"]
deadline = time.monotonic() + 1200
while http.get(f"/v1/videos/{video_id}").json()["status"] not in ("completed", "failed"):
    if time.monotonic() > deadline:
        sys.exit(f"video {video_id} did not end in 20 minutes")
    time.sleep(1)
time.sleep(5)  # the sinks (search, analytics) after the last stage
spec = http.get("/openapi.json").json()
clips = http.get(f"/v1/videos/{video_id}/clips").json().get("clips", [])
ids = {"video_id": [video_id], "clip_id": [c["clip_id"] for c in clips]}
for path, operations in sorted(spec["paths"].items()):
    params = re.findall(r"{(\w+)}", path)
    if "get" not in operations or len(params) != 1 or params[0] not in ids:
        continue
    answers_as = operations["get"].get("responses", {}).get("200", {}).get("content", {})
    if "text/event-stream" in answers_as:  # a progress stream stays open: not an answer to compare
        continue
    for value in ids[params[0]]:
        keep(f"GET {path}", http.get(path.replace("{" + params[0] + "}", value)))
keep("GET /v1/videos", http.get("/v1/videos"))
keep("GET /v1/search?q=the", http.get("/v1/search", params={"q": "the"}))
keep("GET /v1/videos/{unknown}", http.get("/v1/videos/00000000000000000000000000000000"))
with video.open("rb") as f:
    keep("POST /v1/videos (clip_count=0)", http.post("/v1/videos", files={"file": (video.name, f)},
                                                    data={**options, "clip_count": "0"}))

async def events():
    from aiokafka import AIOKafkaConsumer, TopicPartition
    from aiokafka.admin import AIOKafkaAdminClient
    # The partitions come from the admin client: a consumer's own metadata knows only the topics it
    # was asked about, so partitions_for_topic answered None for every topic and nothing was read.
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        topics = sorted(t for t in await admin.list_topics() if not t.startswith("__"))
        described = await admin.describe_topics(topics)
    finally:
        await admin.close()
    partitions = {t["topic"]: sorted(p["partition"] for p in t["partitions"]) for t in described}
    consumer = AIOKafkaConsumer(bootstrap_servers=settings.kafka_bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", group_id=None)
    await consumer.start()
    try:
        out = {}
        for topic in topics:
            parts = [TopicPartition(topic, p) for p in partitions.get(topic, ())]
            messages = []
            if parts:
                consumer.assign(parts)
                await consumer.seek_to_beginning(*parts)
                ends = await consumer.end_offsets(parts)
                async def behind() -> bool:  # an await inside any(...) would make it an async generator
                    return any([(await consumer.position(p)) < ends[p] for p in parts])

                while await behind():
                    batch = await consumer.getmany(*parts, timeout_ms=2000)
                    for records in batch.values():
                        for m in records:
                            try:
                                value = json.loads(m.value)
                            except (ValueError, TypeError, UnicodeDecodeError):
                                value = {"sha256": hashlib.sha256(m.value or b"").hexdigest()}
                            messages.append({"key": (m.key or b"").decode(errors="replace"), "value": value})
            out[topic] = messages
        return out
    finally:
        await consumer.stop()

print(json.dumps({"video_id": video_id, "answers": answers, "events": asyncio.run(events())}))
'''


def clipstream(python: Path, root: Path, env: dict, *args: str, timeout: float = 1200) -> subprocess.CompletedProcess:
    return subprocess.run([str(python), "-m", "streams.cli", *args], cwd=root, env=env, timeout=timeout,
                          capture_output=True, text=True)


def record(root: Path, video: Path, extra_env: dict[str, str] | None = None) -> dict:
    """One run on the checkout at ``root``: stack up, the probe, stack down; ``extra_env`` is
    added to (or replaces) what the stack's processes are given."""
    data = Path(tempfile.mkdtemp(prefix="recorded-", dir=root / ".local"))
    python = python_for(root)
    env = {**os.environ, "PYTHONPATH": str(root), "CLIPSTREAM_DATA_DIR": str(data),
           "PATH": f"{python.parent}:{os.environ.get('PATH', '')}", **(extra_env or {})}
    subprocess.run([str(python), "-m", "streams.moments.train_head", "--if-stale"], cwd=root, env=env,
                   check=True, capture_output=True)
    up = clipstream(python, root, env, "stack", "up", "--app")
    try:
        if up.returncode != 0:
            raise SystemExit(f"{root}: stack up failed:\n{up.stdout[-2000:]}\n{up.stderr[-2000:]}")
        probe = subprocess.run([str(python), "-c", PROBE, str(video), json.dumps(OPTIONS)], cwd=root, env=env,
                               capture_output=True, text=True, timeout=1800)
        if probe.returncode != 0:
            raise SystemExit(f"{root}: the probe failed:\n{probe.stderr[-3000:]}")
        return json.loads(probe.stdout)
    finally:
        clipstream(python, root, env, "stack", "down", timeout=300)


class Names:
    """Ids and times replaced by what they are, numbered by first appearance within one run."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, value, key: str = ""):
        if isinstance(value, dict):
            return {k: self(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self(v, key) for v in value]
        if CLOCKS.search(key) and isinstance(value, (int, float, str)) and not isinstance(value, bool):
            return f"<{key}>"
        if isinstance(value, str):
            value = DATA_DIR.sub("<data>", ISO_TIME.sub("<time>", value))
            value = SIGNATURE.sub(lambda m: f"{m.group(1)}=<signed>", value)
            return ANY_ID.sub(self._id, value)
        return value

    def _id(self, match: re.Match) -> str:
        return self.seen.setdefault(match.group(0), f"<id{len(self.seen) + 1}>")


def _blank(value):
    """``value`` with every id, time and signature alike: an order of events that does not depend
    on which ids a run happened to make."""
    if isinstance(value, dict):
        return {k: _blank(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_blank(v) for v in value]
    if isinstance(value, str):
        value = SIGNATURE.sub("<signed>", DATA_DIR.sub("<data>", ISO_TIME.sub("<time>", value)))
        return NAMED.sub("<id>", HEX_ID.sub("<id>", value))  # ids named already (records compared before) too
    return value


def _stage_clocks(value):
    if isinstance(value, dict):
        return {k: f"<{k}>" if k in STAGE_CLOCKS and v is not None else v for k, v in value.items()}
    return value


def comparable(run: dict) -> dict:
    """The run with its ids numbered in an order both runs share: the answers in the order asked,
    then each topic's events sorted by what they say apart from ids."""
    names = Names()
    asked = run["answers"].values() if isinstance(run["answers"], dict) else run["answers"]  # compared before
    answers = {f"{a['request']} #{i}": names(a) for i, a in enumerate(asked)}
    events = {}
    for topic, messages in sorted(run["events"].items()):
        if topic == "events":
            messages = [{**m, "value": _stage_clocks(m["value"])} for m in messages]
        ordered = sorted(messages, key=lambda m: json.dumps(_blank(Names()(m)), sort_keys=True))
        events[topic] = [names(m) for m in ordered]
    return {"answers": answers, "events": events}


def differences(a, b, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            if k not in a or k not in b:
                out.append(f"{where}/{k}: only in {'current' if k in b else 'baseline'}")
            else:
                out.extend(differences(a[k], b[k], f"{where}/{k}"))
        return out
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if a != b:
        return [f"{where}: {json.dumps(a)[:200]} != {json.dumps(b)[:200]}"]
    return []


def sides(baseline: str, video: Path | None) -> tuple[Path, Path, Path]:
    """This checkout, the baseline's worktree made ready to run (what git does not keep, linked)
    and the talk to upload: ``video``, or the LJSpeech talking head made once."""
    here = Path(__file__).resolve().parent.parent
    worktree = checkout(baseline, heads=False)  # record() trains them, with that checkout's python
    # What the worktree lacks because git ignores it: the docs page's npm files.
    docs = worktree / "api" / "docs_assets" / "node_modules"
    if not docs.exists() and (here / "api" / "docs_assets" / "node_modules").exists():
        docs.symlink_to(here / "api" / "docs_assets" / "node_modules")
    (worktree / ".local").mkdir(exist_ok=True)
    if video is None:
        from tests.media_recipes import ljspeech_talk

        made = here / ".local" / "recorded-video"
        made.mkdir(parents=True, exist_ok=True)
        video = made / "ljspeech_talk.mp4"
        if not video.exists():
            ljspeech_talk(SHARED / "media", made)
    return here, worktree, video.resolve()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--video", type=Path, help="default: tests/media_recipes.py's 222 s LJSpeech talking head")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--again", type=Path, help="compare the records of this results file again (no stacks)")
    args = parser.parse_args()
    here, worktree, video = sides(args.baseline, args.video)
    t0 = time.monotonic()
    if args.again:
        saved = json.loads(args.again.read_text())["results"]
        recorded = saved["recorded"]
    else:
        recorded = {"baseline": record(worktree, video), "current": record(here, video)}
    runs = {side: comparable(run) for side, run in recorded.items()}
    rows = [("part", "compared", "identical", "differences")]
    found: dict[str, list[str]] = {}
    for part in ("answers", "events"):
        base, cur = runs["baseline"][part], runs["current"][part]
        diffs = {k: differences(base.get(k), cur.get(k)) for k in sorted(set(base) | set(cur))}
        found.update({f"{part}/{k}": d for k, d in diffs.items() if d})
        rows.append((part, str(len(diffs)), str(sum(not d for d in diffs.values())),
                     str(sum(len(d) for d in diffs.values()))))
    print(table(rows))
    read = {v: sum(len(m) for m in runs[v]["events"].values()) for v in runs}
    if not all(read.values()):  # an empty side compares equal to anything: say so, never pass it
        print(f"  WARNING: events read: {read}; a side with none proves nothing about events")
    for where, diffs in found.items():
        print(f"  {where}: {len(diffs)}; first: {diffs[0]}")
    write_results(args.out, "recorded_run", {"differences": found, "events_read": read, "recorded": recorded},
                  baseline_commit=args.baseline, current_commit=commit(), video=str(video), options=OPTIONS,
                  seconds=round(time.monotonic() - t0, 1), compared_again=str(args.again) if args.again else None)

if __name__ == "__main__":
    main()
