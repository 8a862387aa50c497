"""Transcript search across a tenant's library: sentence documents (``documents``) in Meilisearch
(``meili``) when ``CLIPSTREAM_MEILISEARCH_URL`` is set (the local stack sets it for the API and the
worker when it runs a Meilisearch), else in an embedded SQLite FTS5 index (``sqlite``) under the
data directory; ``CLIPSTREAM_SEARCH_BACKEND`` can insist on either. Both have one interface: ``upsert``, ``delete_video``,
``clear``, ``count`` and ``search`` (tenant-filtered, best first). ``reindex`` rebuilds an index
from PostgreSQL."""

from __future__ import annotations

from typing import Iterable, Protocol

from streams.errors import ConfigError
from streams.search.documents import Hit, SentenceDoc, sentence_docs
from streams.settings import Settings


class SearchIndex(Protocol):
    backend: str

    def upsert(self, docs: Iterable[SentenceDoc]) -> int: ...

    def delete_video(self, tenant_id: str, video_id: str) -> int: ...

    def clear(self) -> None: ...

    def count(self, tenant_id: str | None = None) -> int: ...

    def search(
        self,
        tenant_id: str,
        query: str,
        limit: int = 20,
        video_id: str | None = None,
        language: str | None = None,
        speaker: str | None = None,
    ) -> list[Hit]: ...

    def close(self) -> None: ...


def index_path(settings: Settings):
    return settings.data_dir / "search" / "sentences.sqlite3"


def open_index(settings: Settings) -> SearchIndex:
    """The configured index (caller closes it)."""
    if settings.meilisearch_url and settings.search_backend != "embedded":
        from streams.search.meili import MeiliIndex

        return MeiliIndex(settings.meilisearch_url, settings.meilisearch_key)
    if settings.search_backend == "meilisearch":
        raise ConfigError(
            "CLIPSTREAM_SEARCH_BACKEND=meilisearch but no Meilisearch is configured: set CLIPSTREAM_MEILISEARCH_URL "
            "(and CLIPSTREAM_MEILISEARCH_KEY), or give the local stack a Meilisearch binary (CLIPSTREAM_MEILISEARCH_BIN)"
        )
    from streams.search.sqlite import SqliteIndex

    return SqliteIndex(index_path(settings))


__all__ = ["Hit", "SearchIndex", "SentenceDoc", "index_path", "open_index", "sentence_docs"]
