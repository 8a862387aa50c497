"""The search index on a Meilisearch server (``CLIPSTREAM_MEILISEARCH_URL``), through the official
``meilisearch`` client. Same interface as the embedded index (``streams.search.sqlite``).

One index, ``sentences``, holds every tenant's documents; every search is filtered by tenant, and
clients that query Meilisearch directly get a tenant token whose search rules add that filter, so
no client can widen it. Writes are Meilisearch tasks; they are awaited (bounded) so a caller that
indexed a chunk can search it next.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

from streams.errors import ClipstreamError
from streams.search.documents import MARK_CLOSE, MARK_OPEN, Hit, SentenceDoc, make_hit, query_terms

INDEX = "sentences"
SETTINGS = {
    "searchableAttributes": ["text"],
    "filterableAttributes": ["tenant_id", "video_id", "language"],
    "sortableAttributes": ["start"],
    "displayedAttributes": ["*"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
}
TASK_TIMEOUT_MS = 30_000
CROP_WORDS = 24


class SearchUnavailable(ClipstreamError):
    code = "search_unavailable"
    retriable = True


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tenant_filter(tenant_id: str, video_id: str | None = None) -> str:
    """The filter every search of ``tenant_id`` carries (and a tenant token's search rules)."""
    expr = f"tenant_id = {_quoted(tenant_id)}"
    return expr + (f" AND video_id = {_quoted(video_id)}" if video_id else "")


class MeiliIndex:
    backend = "meilisearch"

    def __init__(self, url: str, api_key: str = "", index: str = INDEX) -> None:
        import meilisearch

        self.client = meilisearch.Client(url, api_key or None, timeout=10)
        self.api_key = api_key
        self.uid = index
        self.index = self.client.index(index)
        self._configured = False

    def _call(self, what: str, fn, *args, **kwargs):
        from meilisearch.errors import MeilisearchError

        try:
            return fn(*args, **kwargs)
        except (MeilisearchError, OSError) as exc:
            raise SearchUnavailable(f"Meilisearch {what}: {exc}") from exc

    def _wait(self, task) -> None:
        done = self._call("wait", self.client.wait_for_task, task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        if getattr(done, "status", "") == "failed":
            raise SearchUnavailable(f"Meilisearch task {task.task_uid} failed: {getattr(done, 'error', '')}")

    def ensure_index(self) -> None:
        if self._configured:
            return
        self._wait(self._call("create index", self.client.create_index, self.uid, {"primaryKey": "id"}))
        self._wait(self._call("settings", self.index.update_settings, SETTINGS))
        self._configured = True

    def close(self) -> None:
        pass

    def upsert(self, docs: Iterable[SentenceDoc]) -> int:
        batch = [d.as_dict() for d in docs]
        if not batch:
            return 0
        self.ensure_index()
        self._wait(self._call("add documents", self.index.add_documents, batch, primary_key="id"))
        return len(batch)

    def delete_video(self, tenant_id: str, video_id: str) -> int:
        self.ensure_index()
        before = self.count(tenant_id)
        self._wait(self._call("delete", self.index.delete_documents, filter=tenant_filter(tenant_id, video_id)))
        return before - self.count(tenant_id)

    def clear(self) -> None:
        self.ensure_index()
        self._wait(self._call("clear", self.index.delete_all_documents))

    def count(self, tenant_id: str | None = None) -> int:
        self.ensure_index()
        params = {"limit": 0, **({"filter": tenant_filter(tenant_id)} if tenant_id else {})}
        return int(self._call("count", self.index.search, "", params).get("estimatedTotalHits", 0))

    def search(self, tenant_id: str, query: str, limit: int = 20, video_id: str | None = None) -> list[Hit]:
        terms = query_terms(query)
        if not terms:
            return []
        self.ensure_index()
        found = self._call("search", self.index.search, query, {
            "filter": tenant_filter(tenant_id, video_id), "limit": limit, "showRankingScore": True,
            "attributesToCrop": ["text"], "cropLength": CROP_WORDS, "cropMarker": "…",
            "highlightPreTag": MARK_OPEN, "highlightPostTag": MARK_CLOSE, "attributesToHighlight": ["text"],
        })
        return [make_hit(h, h.get("_formatted", {}).get("text", h["text"]), h.get("_rankingScore", 0.0), terms)
                for h in found.get("hits", [])]

    def tenant_token(self, tenant_id: str, valid_for: timedelta = timedelta(hours=1)) -> dict:
        """A tenant token for ``tenant_id``, signed with this client's API key (a search key is
        enough); its search rules pin the tenant filter on the index."""
        if not self.api_key:
            raise SearchUnavailable("tenant tokens need CLIPSTREAM_MEILISEARCH_KEY (a Meilisearch API key)")
        api_key_uid = self._call("get key", self.client.get_key, self.api_key).uid
        expires = datetime.now(timezone.utc) + valid_for
        token = self.client.generate_tenant_token(
            api_key_uid, {self.uid: {"filter": tenant_filter(tenant_id)}}, expires_at=expires, api_key=self.api_key)
        return {"token": token, "index": self.uid, "expires_at": expires.isoformat().replace("+00:00", "Z")}
