"""The embedded search index: SQLite FTS5 in one file, used when no Meilisearch URL is set.

Sentences live in a plain table (``docs``, keyed by document id, so re-indexing replaces) and an
external-content FTS5 table indexes their text (Porter stemming over unicode61, diacritics
folded); triggers keep the two in step. Text in scripts written without spaces (Chinese,
Japanese, Thai) is indexed a character at a time (``terms``: ``streams.text.scripts.segment``)
and queried as a phrase of characters (in both Chinese scripts), so any run of characters of a sentence finds it. Queries are ranked by BM25, the last word of a query
matches as a prefix (search as you type), and ``snippet()`` marks the matches. Several processes
may open the file at once (WAL journal): the worker's sink writes while the API reads.

FTS5 has no typo tolerance: a misspelt word finds nothing (Meilisearch forgives one typo in 5+
letters, two in 9+).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from pathlib import Path
from typing import Iterable

from streams.search.documents import MARK_CLOSE, MARK_OPEN, Hit, SentenceDoc, make_hit, query_terms, unsegment
from streams.text.chinese import variants
from streams.text.scripts import segment, unspaced

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    rowid        INTEGER PRIMARY KEY,
    id           TEXT NOT NULL UNIQUE,
    tenant_id    TEXT NOT NULL,
    video_id     TEXT NOT NULL,
    filename     TEXT NOT NULL,
    chunk_index  INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    start        REAL NOT NULL,
    "end"        REAL NOT NULL,
    language     TEXT NOT NULL,
    speaker      TEXT,
    text         TEXT NOT NULL,
    words        TEXT NOT NULL,
    terms        TEXT NOT NULL,  -- the text as indexed: unspaced scripts a character at a time
    tenant_key   TEXT NOT NULL  -- the tenant as one FTS token, so a query intersects with it in the index
);
CREATE INDEX IF NOT EXISTS docs_video ON docs (tenant_id, video_id);
CREATE VIRTUAL TABLE IF NOT EXISTS docs_fts USING fts5(
    terms, tenant_key, content='docs', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER IF NOT EXISTS docs_ai AFTER INSERT ON docs BEGIN
    INSERT INTO docs_fts (rowid, terms, tenant_key) VALUES (new.rowid, new.terms, new.tenant_key);
END;
CREATE TRIGGER IF NOT EXISTS docs_ad AFTER DELETE ON docs BEGIN
    INSERT INTO docs_fts (docs_fts, rowid, terms, tenant_key) VALUES ('delete', old.rowid, old.terms, old.tenant_key);
END;
CREATE TRIGGER IF NOT EXISTS docs_au AFTER UPDATE ON docs BEGIN
    INSERT INTO docs_fts (docs_fts, rowid, terms, tenant_key) VALUES ('delete', old.rowid, old.terms, old.tenant_key);
    INSERT INTO docs_fts (rowid, terms, tenant_key) VALUES (new.rowid, new.terms, new.tenant_key);
END;
"""
SCHEMA_VERSION = 3  # PRAGMA user_version: an index file of another version is rebuilt empty
_COLUMNS = (
    "id",
    "tenant_id",
    "video_id",
    "filename",
    "chunk_index",
    "position",
    "start",
    "end",
    "language",
    "speaker",
    "text",
    "words",
    "terms",
    "tenant_key",
)
SNIPPET_TOKENS = 24


def tenant_key(tenant_id: str) -> str:
    """The tenant as a single alphanumeric token (the tokenizer would split ``ten_ab`` in two)."""
    return "t" + hashlib.sha1(tenant_id.encode()).hexdigest()[:20]


def fts_query(terms: list[str], prefix_last: bool = True, any_term: bool = False, tenant_id: str | None = None) -> str:
    """An FTS5 query from plain words: each quoted (so no word is read as an operator), the last
    one a prefix; all words must match, or any with ``any_term``; only ``tenant_id``'s sentences."""
    star = ["*" if prefix_last and i == len(terms) - 1 else "" for i in range(len(terms))]
    # a run of CJK characters: a phrase of them, in simplified or traditional characters
    quoted = [
        " OR ".join(f'"{segment(v)}"{s}' for v in (variants(t) if unspaced(t[0]) else [t])) for t, s in zip(terms, star)
    ]
    quoted = [f"({q})" if " OR " in q else q for q in quoted]
    words = (" OR " if any_term else " ").join(quoted)
    if tenant_id is None:
        return words
    return f'tenant_key : "{tenant_key(tenant_id)}" AND terms : ({words})'


class SqliteIndex:
    backend = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), timeout=30.0, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            if self._db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for name in ("docs_ai", "docs_ad", "docs_au"):
                    self._db.execute(f"DROP TRIGGER IF EXISTS {name}")
                self._db.execute("DROP TABLE IF EXISTS docs_fts")
                self._db.execute("DROP TABLE IF EXISTS docs")
                self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def upsert(self, docs: Iterable[SentenceDoc]) -> int:
        rows = []
        for d in docs:
            values = d.as_dict()
            values["words"] = json.dumps(values["words"])
            values["terms"] = segment(d.text)
            values["tenant_key"] = tenant_key(d.tenant_id)
            rows.append(tuple(values[c] for c in _COLUMNS))
        if not rows:
            return 0
        names = ", ".join(f'"{c}"' for c in _COLUMNS)
        updates = ", ".join(f'"{c}" = excluded."{c}"' for c in _COLUMNS if c != "id")
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    f"INSERT INTO docs ({names}) VALUES ({', '.join('?' for _ in _COLUMNS)})"
                    f" ON CONFLICT (id) DO UPDATE SET {updates}",
                    rows,
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return len(rows)

    def delete_video(self, tenant_id: str, video_id: str) -> int:
        with self._lock:
            return self._db.execute(
                "DELETE FROM docs WHERE tenant_id = ? AND video_id = ?", (tenant_id, video_id)
            ).rowcount

    def clear(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM docs")

    def count(self, tenant_id: str | None = None) -> int:
        with self._lock:
            if tenant_id is None:
                return self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            return self._db.execute("SELECT count(*) FROM docs WHERE tenant_id = ?", (tenant_id,)).fetchone()[0]

    def search(
        self,
        tenant_id: str,
        query: str,
        limit: int = 20,
        video_id: str | None = None,
        language: str | None = None,
        speaker: str | None = None,
    ) -> list[Hit]:
        """The tenant's best sentences for ``query``: every word must match; if none does, any word.
        ``video_id`` and ``language`` narrow the search to one video and to sentences spoken in
        one language, ``speaker`` (a label; with ``video_id``) to one speaker's."""
        terms = query_terms(query)
        if not terms:
            return []
        narrow = (video_id, language, speaker)
        hits = self._run(tenant_id, fts_query(terms, tenant_id=tenant_id), limit, terms, *narrow)
        if not hits and len(terms) > 1:
            hits = self._run(tenant_id, fts_query(terms, any_term=True, tenant_id=tenant_id), limit, terms, *narrow)
        return hits

    def _run(
        self,
        tenant_id: str,
        match: str,
        limit: int,
        terms: list[str],
        video_id: str | None,
        language: str | None,
        speaker: str | None,
    ) -> list[Hit]:
        sql = (
            f"SELECT d.*, snippet(docs_fts, 0, '{MARK_OPEN}', '{MARK_CLOSE}', '…', {SNIPPET_TOKENS}) AS marked,"
            " bm25(docs_fts, 1.0, 0.0) AS rank FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
            " WHERE docs_fts MATCH ? AND d.tenant_id = ?"
            + (" AND d.video_id = ?" if video_id else "")
            + (" AND d.language = ?" if language else "")
            + (" AND d.speaker = ?" if speaker else "")
            + " ORDER BY rank, d.video_id, d.start LIMIT ?"
        )
        narrow = [value for value in (video_id, language, speaker) if value]
        params = [match, tenant_id, *narrow, limit]
        with self._lock:
            cursor = self._db.execute(sql, params)
            names = [c[0] for c in cursor.description]
            rows = [dict(zip(names, r)) for r in cursor.fetchall()]
        return [
            make_hit({**r, "words": json.loads(r["words"])}, unsegment(r["marked"]), -r["rank"], terms) for r in rows
        ]
