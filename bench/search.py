"""Benchmark: the two search backends, the embedded index (SQLite FTS5) and Meilisearch, on the
same 10,000 sentence documents: indexing speed (sentences a second) and query latency.

The documents are real sentences (the LJSpeech reading and the long-form text in
``../shared/media``), spread over 100 videos of 4 tenants, with word times as the sink writes
them, written in batches of 500 (about what the search sink writes per chunk of a busy worker).
Queries are drawn from the same text: single words, two-word phrases and prefixes (search as you
type), each run as one tenant through the product's ``search`` (tenant filter, snippets, word
times). Baseline in the same run, query for query: the same table searched with
``LIKE '%word%'`` per word (a scan, what a library without a full-text index does). Queries
rotate between the backends so drift on a noisy machine hits all alike.

Meilisearch runs as the local stack runs it (``streams.stack.meilisearch``: production mode, a
generated master key, the application's key) from ``CLIPSTREAM_MEILISEARCH_BIN``, else
``../shared/tools/meilisearch/meilisearch``, else ``meilisearch`` on PATH, in a temporary data
directory on a free port; its queries include the HTTP round trip on loopback, as the API's do.
Without a binary the table says it was not run.

Prints a table and writes bench/results/search.json.

    .venv/bin/python bench/search.py [--docs 10000] [--queries 600]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sqlite3
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import machine, percentile, table  # noqa: E402
from streams.stack import credentials  # noqa: E402
from streams.search.documents import SentenceDoc, doc_id  # noqa: E402
from streams.search.meili import MeiliIndex  # noqa: E402
from streams.search.sqlite import SqliteIndex  # noqa: E402
from streams.settings import Settings  # noqa: E402
from streams.stack.meilisearch import APP_KEY_FIELD, Meilisearch  # noqa: E402
from streams.stack.process import free_port  # noqa: E402

MEDIA = Path(os.environ.get("CLIPSTREAM_MEDIA_DIR", Path(__file__).resolve().parents[2] / "shared" / "media"))
RESULTS = Path(__file__).parent / "results" / "search.json"
SHIPPED_MEILISEARCH = Path(__file__).resolve().parents[2] / "shared" / "tools" / "meilisearch" / "meilisearch"
BATCH = 500
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


def meilisearch_binary() -> str | None:
    named = os.environ.get("CLIPSTREAM_MEILISEARCH_BIN", "")
    if named:
        return named
    return str(SHIPPED_MEILISEARCH) if SHIPPED_MEILISEARCH.is_file() else shutil.which("meilisearch")


@contextmanager
def meilisearch_index(workdir: Path):
    """A MeiliIndex on a Meilisearch the way the stack runs it, or None without a binary."""
    binary = meilisearch_binary()
    if not binary:
        yield None, ""
        return
    settings = Settings(data_dir=workdir, meilisearch_bin=binary, meilisearch_port=free_port())
    server = Meilisearch(settings)
    server.start(lambda _message: None)
    index = MeiliIndex(server.url(), credentials.saved(settings, APP_KEY_FIELD) or "")
    try:
        yield index, server.version()
    finally:
        index.close()
        server.stop(lambda _message: None)


def timed_upsert(index, docs: list[SentenceDoc]) -> float:
    """Seconds to index ``docs`` in batches of ``BATCH`` (each batch searchable when it returns)."""
    began = time.perf_counter()
    for i in range(0, len(docs), BATCH):
        index.upsert(docs[i:i + BATCH])
    return time.perf_counter() - began


def timed_search(index, tenant: str, q: str, into: list[float]) -> bool:
    t0 = time.perf_counter()
    found = index.search(tenant, q, 20)
    into.append((time.perf_counter() - t0) * 1000)
    return bool(found)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=600)
    args = parser.parse_args()
    rng = random.Random(7)
    pool = sentences()
    docs = documents(args.docs, pool)
    with tempfile.TemporaryDirectory() as tmp, meilisearch_index(Path(tmp) / "meilisearch") as (meili, meili_version):
        index = SqliteIndex(Path(tmp) / "search.sqlite3")
        index_seconds = {"sqlite-fts5": timed_upsert(index, docs)}
        assert index.count() == args.docs
        if meili is not None:
            index_seconds["meilisearch"] = timed_upsert(meili, docs)
            assert meili.count() == args.docs, meili.count()
        scan = sqlite3.connect(str(index.path))
        fts_ms, meili_ms, like_ms = [], [], []
        hits = {"sqlite-fts5": 0, "meilisearch": 0}
        for tenant, q in queries(args.queries, pool, rng):
            hits["sqlite-fts5"] += timed_search(index, tenant, q, fts_ms)
            if meili is not None:
                hits["meilisearch"] += timed_search(meili, tenant, q, meili_ms)
            t0 = time.perf_counter()
            like_scan(scan, tenant, q)
            like_ms.append((time.perf_counter() - t0) * 1000)
        scan.close()
        index.close()
    fts, like = summary(fts_ms), summary(like_ms)
    meilisearch = summary(meili_ms) if meili_ms else None
    per_second = {name: round(args.docs / seconds, 1) for name, seconds in index_seconds.items()}
    rows = [("backend", "index sentences/s", "p50 ms", "p95 ms", "p99 ms"),
            ("embedded: SQLite FTS5 (bm25, snippets, word times)", str(per_second["sqlite-fts5"]),
             str(fts["p50_ms"]), str(fts["p95_ms"]), str(fts["p99_ms"]))]
    if meilisearch:
        rows.append((f"Meilisearch {meili_version} over HTTP (same search)", str(per_second["meilisearch"]),
                     str(meilisearch["p50_ms"]), str(meilisearch["p95_ms"]), str(meilisearch["p99_ms"])))
    else:
        rows.append(("Meilisearch: not run (no binary; set CLIPSTREAM_MEILISEARCH_BIN)", "-", "-", "-", "-"))
    rows.append(("baseline: LIKE scan, no ranking/snippets", "-", str(like["p50_ms"]), str(like["p95_ms"]),
                 str(like["p99_ms"])))
    print(table(rows))
    print(f"{args.docs} sentences over {VIDEOS} videos and {TENANTS} tenants in batches of {BATCH}; queries that found "
          f"something: " + ", ".join(f"{name} {n}/{args.queries}" for name, n in hits.items() if name in per_second))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "search", "documents": args.docs, "videos": VIDEOS, "tenants": TENANTS, "batch": BATCH,
        "backends": {
            "sqlite-fts5": {"index_seconds": round(index_seconds["sqlite-fts5"], 3),
                            "index_sentences_per_second": per_second["sqlite-fts5"],
                            "queries_with_hits": hits["sqlite-fts5"], "search": fts},
            "meilisearch": ({"version": meili_version, "index_seconds": round(index_seconds["meilisearch"], 3),
                             "index_sentences_per_second": per_second["meilisearch"],
                             "queries_with_hits": hits["meilisearch"], "search": meilisearch}
                            if meilisearch else {"not_run": "no Meilisearch binary"}),
        },
        "baseline_like_scan": like,
        "p95_ratio_baseline_over_fts": round(like["p95_ms"] / fts["p95_ms"], 2) if fts["p95_ms"] else None,
        "machine": {**machine(), "sqlite": sqlite3.sqlite_version},
    }, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
