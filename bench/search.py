"""Benchmark: search latency on the embedded index (SQLite FTS5) over 10,000 sentence documents.

The documents are real sentences (the LJSpeech reading and the long-form text in
``../shared/media``), spread over 100 videos of 4 tenants, with word times as the sink writes
them. Queries are drawn from the same text: single words, two-word phrases and prefixes (search
as you type), each run as one tenant. Baseline in the same run, query for query: the same table
searched with ``LIKE '%word%'`` per word (a scan, what a library without a full-text index does).
Queries alternate between the two so drift on a noisy machine hits both alike.

Prints a table and writes bench/results/search.json.

    .venv/bin/python bench/search.py [--docs 10000] [--queries 600]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import percentile, table  # noqa: E402
from streams.search.documents import SentenceDoc, doc_id  # noqa: E402
from streams.search.sqlite import SqliteIndex  # noqa: E402

MEDIA = Path(os.environ.get("CLIPSTREAM_MEDIA_DIR", Path(__file__).resolve().parents[2] / "shared" / "media"))
RESULTS = Path(__file__).parent / "results" / "search.json"
TENANTS = 4
VIDEOS = 100


def sentences() -> list[str]:
    texts = [(MEDIA / "derived/ljspeech_LJ001-0001_to_0032_concat.txt").read_text(),
             (MEDIA / "speech/tts_longform/en-sample.txt").read_text()]
    found = []
    for text in texts:
        found += [s.strip() for s in re.split(r"(?<=[.?!])\s+|\n+", text) if len(s.split()) >= 4]
    return found


def documents(count: int, pool: list[str]) -> list[SentenceDoc]:
    docs = []
    for n in range(count):
        video = n % VIDEOS
        position = n // VIDEOS
        text = pool[n % len(pool)]
        start = position * 6.0
        words = [[w, round(start + i * 0.4, 3), round(start + i * 0.4 + 0.35, 3)] for i, w in enumerate(text.split())]
        docs.append(SentenceDoc(
            id=doc_id(f"v{video:03d}", 0, position), tenant_id=f"t{video % TENANTS}", video_id=f"v{video:03d}",
            filename=f"talk{video}.mp4", chunk_index=0, position=position, start=start, end=words[-1][2],
            language="en", text=text, words=words))
    return docs


def queries(count: int, pool: list[str], rng: random.Random) -> list[tuple[str, str]]:
    vocabulary = sorted({w.lower() for s in pool for w in re.findall(r"[A-Za-z]{4,}", s)})
    made = []
    for i in range(count):
        tenant = f"t{i % TENANTS}"
        kind = i % 3
        if kind == 0:
            q = rng.choice(vocabulary)
        elif kind == 1:
            words = re.findall(r"[A-Za-z]+", rng.choice(pool))
            at = rng.randrange(max(1, len(words) - 1))
            q = " ".join(words[at:at + 2])
        else:
            word = rng.choice(vocabulary)
            q = word[: max(3, len(word) // 2)]
        made.append((tenant, q))
    return made


def like_scan(db: sqlite3.Connection, tenant: str, q: str, limit: int = 20) -> list:
    words = re.findall(r"\w+", q.lower())
    where = " AND ".join("lower(text) LIKE ?" for _ in words)
    return db.execute(f"SELECT id, text FROM docs WHERE tenant_id = ? AND {where} LIMIT ?",
                      [tenant, *(f"%{w}%" for w in words), limit]).fetchall()


def summary(ms: list[float]) -> dict:
    return {"p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "p99_ms": round(percentile(ms, 99), 3), "mean_ms": round(sum(ms) / len(ms), 3), "queries": len(ms)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    rng = random.Random(7)
    pool = sentences()
    with tempfile.TemporaryDirectory() as tmp:
        index = SqliteIndex(Path(tmp) / "search.sqlite3")
        docs = documents(args.docs, pool)
        began = time.perf_counter()
        for i in range(0, len(docs), 500):
            index.upsert(docs[i:i + 500])
        index_seconds = time.perf_counter() - began
        assert index.count() == args.docs
        scan = sqlite3.connect(str(index.path))
        fts_ms, like_ms, hits = [], [], 0
        for tenant, q in queries(args.queries, pool, rng):
            t0 = time.perf_counter()
            found = index.search(tenant, q, 20)
            fts_ms.append((time.perf_counter() - t0) * 1000)
            hits += bool(found)
            t0 = time.perf_counter()
            like_scan(scan, tenant, q)
            like_ms.append((time.perf_counter() - t0) * 1000)
        scan.close()
        index.close()
    fts, like = summary(fts_ms), summary(like_ms)
    rows = [("search", "p50 ms", "p95 ms", "p99 ms"),
            ("FTS5 index (bm25, snippets, word times)", str(fts["p50_ms"]), str(fts["p95_ms"]), str(fts["p99_ms"])),
            ("baseline: LIKE scan, no ranking/snippets", str(like["p50_ms"]), str(like["p95_ms"]), str(like["p99_ms"]))]
    print(table(rows))
    print(f"{args.docs} sentences over {VIDEOS} videos and {TENANTS} tenants indexed in {index_seconds:.2f} s; "
          f"{hits}/{args.queries} queries found something")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "search", "backend": "sqlite-fts5", "documents": args.docs, "videos": VIDEOS, "tenants": TENANTS,
        "index_seconds": round(index_seconds, 3), "queries_with_hits": hits, "fts": fts, "baseline_like_scan": like,
        "p95_ratio_baseline_over_fts": round(like["p95_ms"] / fts["p95_ms"], 2) if fts["p95_ms"] else None,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version},
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
