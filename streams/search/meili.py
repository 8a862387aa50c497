"""The search index on a Meilisearch server (``CLIPSTREAM_MEILISEARCH_URL``), through the official
``meilisearch`` client. Same interface as the embedded index (``streams.search.sqlite``).

One index, ``sentences``, holds every tenant's documents; every search is filtered by tenant, and
clients that query Meilisearch directly get a tenant token whose search rules add that filter, so
no client can widen it. Writes are Meilisearch tasks; they are awaited (bounded) so a caller that
indexed a chunk can search it next; documents go in batches of at most ``BATCH_DOCUMENTS``.

On first use the index is created if it is missing (one that exists, or that another process
creates at the same moment, is fine) and ``SETTINGS`` are applied to it every time, so a changed
``SETTINGS`` reaches an index made by an older release. An outage or a timeout (``timeout`` seconds
per request) is ``SearchUnavailable`` (retriable); a key Meilisearch refuses is
``SearchMisconfigured`` (not retriable: trying again cannot help until the setting is fixed).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Iterable, Iterator

from streams.errors import ClipstreamError, SearchMisconfigured, SearchUnavailable
from streams.search.documents import MARK_CLOSE, MARK_OPEN, Hit, SentenceDoc, make_hit, query_terms, unsegment
from streams.text.chinese import SIMPLIFIED, TRADITIONAL, convert
from streams.text.scripts import segment, unspaced

INDEX = "sentences"
SETTINGS = {
    "searchableAttributes": ["text", "terms"],
    "filterableAttributes": ["tenant_id", "video_id", "language", "speaker"],
    "sortableAttributes": ["start"],
    "displayedAttributes": ["*"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
}
TASK_TIMEOUT_MS = 30_000
REQUEST_TIMEOUT_S = 10  # whole seconds: the client takes an int
BATCH_DOCUMENTS = 1000
CROP_WORDS = 24
AUTH_ERRORS = frozenset({"invalid_api_key", "missing_authorization_header"})


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def tenant_filter(tenant_id: str, video_id: str | None = None) -> str:
    """The filter every search of ``tenant_id`` carries (and a tenant token's search rules)."""
    expr = f"tenant_id = {_quoted(tenant_id)}"
    return expr + (f" AND video_id = {_quoted(video_id)}" if video_id else "")


def document(doc: SentenceDoc) -> dict:
    """``doc`` as Meilisearch stores it: a sentence with characters of a script written without
    spaces (Chinese, Japanese, Thai) also gets ``terms``, its text a character at a time
    (``streams.text.scripts.segment``), so a phrase of characters finds any run of them whether
    or not the server was built with a dictionary for that script."""
    body = doc.as_dict()
    if any(unspaced(ch) for ch in doc.text):
        body["terms"] = segment(doc.text)
    return body


def spellings(query: str, terms: list[str]) -> list[str]:
    """The Meilisearch queries for a query: as typed; or, when a word is in a script written
    without spaces, each such word a phrase of its characters, as typed, in simplified and in
    traditional Chinese characters (Meilisearch has no OR: one query per spelling)."""
    if not any(unspaced(t[0]) for t in terms):
        return [query]
    out: list[str] = []
    for script in (None, SIMPLIFIED, TRADITIONAL):
        words = [f'"{segment(convert(t, script) if script else t)}"' if unspaced(t[0]) else t for t in terms]
        q = " ".join(words)
        if q not in out:
            out.append(q)
    return out


def _marked(hit: dict) -> str:
    """The hit's text with its matches marked: the character-at-a-time ``terms`` written back
    as they were, when the sentence has them."""
    formatted = hit.get("_formatted", {})
    if hit.get("terms"):
        return unsegment(formatted.get("terms", hit["terms"]))
    return formatted.get("text", hit["text"])


def _batches(items: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class MeiliIndex:
    backend = "meilisearch"

    def __init__(self, url: str, api_key: str = "", index: str = INDEX, timeout: int = REQUEST_TIMEOUT_S) -> None:
        import meilisearch

        self.client = meilisearch.Client(url, api_key or None, timeout=timeout)
        self.url = url
        self.api_key = api_key
        self.uid = index
        self.index = self.client.index(index)
        self._configured = False

    def _call(self, what: str, fn, *args, **kwargs):
        import requests
        from meilisearch.errors import MeilisearchError

        try:
            return fn(*args, **kwargs)
        except (MeilisearchError, requests.RequestException, OSError) as exc:
            raise self._error(what, exc) from exc

    def _error(self, what: str, exc: Exception) -> ClipstreamError:
        """The project's error for a failed client call: a refused key is ``SearchMisconfigured``,
        anything else (an answer with an error, an outage, a timeout) ``SearchUnavailable``."""
        from meilisearch.errors import MeilisearchApiError

        if isinstance(exc, MeilisearchApiError):
            if exc.code in AUTH_ERRORS or exc.status_code in (401, 403):
                return SearchMisconfigured(
                    f"Meilisearch at {self.url} refused the API key ({exc.code or exc.status_code}: {exc.message}); "
                    f"set CLIPSTREAM_MEILISEARCH_KEY to a key of that server with access to index {self.uid!r}"
                )
            return SearchUnavailable(f"Meilisearch {what}: {exc}")
        return SearchUnavailable(f"Meilisearch {what} at {self.url}: {exc}")

    def _wait(self, task, allowed: frozenset[str] = frozenset()) -> None:
        """Await ``task``; a failure whose error code is in ``allowed`` counts as done."""
        done = self._call("wait", self.client.wait_for_task, task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS)
        if getattr(done, "status", "") == "failed":
            error = getattr(done, "error", None) or {}
            if error.get("code") not in allowed:
                raise SearchUnavailable(f"Meilisearch task {task.task_uid} failed: {error}")

    def _exists(self) -> bool:
        """Whether the index is there (asked first, so a restart does not leave a failed
        ``indexCreation`` task in the server's task list every time)."""
        try:
            self._call("get index", self.client.get_raw_index, self.uid)
            return True
        except SearchUnavailable as exc:
            if getattr(exc.__cause__, "code", None) == "index_not_found":
                return False
            raise

    def ensure_index(self) -> None:
        """Create the index if it is missing and apply ``SETTINGS`` (idempotent), once per object."""
        if self._configured:
            return
        if not self._exists():
            created = self._call("create index", self.client.create_index, self.uid, {"primaryKey": "id"})
            self._wait(created, allowed=frozenset({"index_already_exists"}))  # another process was first
        self._wait(self._call("settings", self.index.update_settings, SETTINGS))
        self._configured = True

    def close(self) -> None:
        pass

    def upsert(self, docs: Iterable[SentenceDoc]) -> int:
        """Add or replace ``docs``, ``BATCH_DOCUMENTS`` per request, each batch awaited."""
        written = 0
        for batch in _batches((document(d) for d in docs), BATCH_DOCUMENTS):
            self.ensure_index()
            self._wait(self._call("add documents", self.index.add_documents, batch, primary_key="id"))
            written += len(batch)
        return written

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

    def search(
        self,
        tenant_id: str,
        query: str,
        limit: int = 20,
        video_id: str | None = None,
        language: str | None = None,
        speaker: str | None = None,
    ) -> list[Hit]:
        """The tenant's best sentences for ``query`` (Meilisearch's ranking); ``video_id`` and
        ``language`` narrow it to one video and to sentences spoken in one language, ``speaker``
        (a label; with ``video_id``) to one speaker's."""
        terms = query_terms(query)
        if not terms:
            return []
        self.ensure_index()
        where = tenant_filter(tenant_id, video_id) + (f" AND language = {_quoted(language)}" if language else "")
        where += f" AND speaker = {_quoted(speaker)}" if speaker else ""
        best: dict[str, dict] = {}
        for q in spellings(query, terms):
            found = self._call(
                "search",
                self.index.search,
                q,
                {
                    "filter": where,
                    "limit": limit,
                    "showRankingScore": True,
                    "attributesToCrop": ["text", "terms"],
                    "cropLength": CROP_WORDS,
                    "cropMarker": "…",
                    "highlightPreTag": MARK_OPEN,
                    "highlightPostTag": MARK_CLOSE,
                    "attributesToHighlight": ["text", "terms"],
                },
            )
            for h in found.get("hits", []):
                if h["id"] not in best or h.get("_rankingScore", 0.0) > best[h["id"]].get("_rankingScore", 0.0):
                    best[h["id"]] = h
        ranked = sorted(best.values(), key=lambda h: (-h.get("_rankingScore", 0.0), h["video_id"], h["start"]))
        return [make_hit(h, _marked(h), h.get("_rankingScore", 0.0), terms) for h in ranked[:limit]]

    def signing_key(self) -> tuple[str, str]:
        """``(uid, key)`` of the API key tenant tokens are signed with: the configured key itself
        when it may read its own uid (a key with the ``keys.get`` action), else, when the
        configured key is the master key (which may list keys), the server's least-privileged
        key that can search this index (the default search key, say). Meilisearch checks a
        token against that key, so revoking it revokes every token signed with it."""
        from meilisearch.errors import MeilisearchApiError

        if not self.api_key:
            raise SearchMisconfigured(
                "tenant tokens need CLIPSTREAM_MEILISEARCH_KEY: the Meilisearch master key, "
                "or an API key with the search and keys.get actions"
            )
        try:
            return self.client.get_key(self.api_key).uid, self.api_key
        except MeilisearchApiError as exc:
            if exc.status_code not in (403, 404):  # 404: the master key is not a key; 403: no keys.get
                raise self._error("get key", exc) from exc
        try:
            listed = self.client.get_keys({"limit": 1000}).results
        except MeilisearchApiError as exc:
            if exc.status_code not in (401, 403):
                raise self._error("list keys", exc) from exc
            raise SearchMisconfigured(
                f"Meilisearch at {self.url} lets CLIPSTREAM_MEILISEARCH_KEY neither read its own uid nor list keys; "
                "tenant tokens need the master key, or an API key with the search and keys.get actions"
            ) from exc
        now = datetime.now(UTC)
        usable = [
            k
            for k in listed
            if ({"search", "*"} & set(k.actions))
            and ({self.uid, "*"} & set(k.indexes))
            and (k.expires_at is None or _aware(k.expires_at) > now)
        ]
        if not usable:
            raise SearchMisconfigured(
                f"Meilisearch at {self.url} has no API key that may search index {self.uid!r} "
                'to sign tenant tokens with; create one (POST /keys, actions ["search"])'
            )
        chosen = min(usable, key=lambda k: (k.actions != ["search"], len(k.actions), k.name or ""))
        return chosen.uid, chosen.key

    def tenant_token(self, tenant_id: str, valid_for: timedelta = timedelta(hours=1)) -> dict:
        """A tenant token for ``tenant_id`` (``signing_key``): its search rules pin the tenant
        filter on the index, so a client querying Meilisearch directly finds that tenant's
        sentences and nothing else; a tenant token can only search."""
        uid, key = self.signing_key()
        expires = datetime.now(UTC) + valid_for
        token = self.client.generate_tenant_token(
            uid, {self.uid: {"filter": tenant_filter(tenant_id)}}, expires_at=expires, api_key=key
        )
        return {"token": token, "index": self.uid, "expires_at": expires.isoformat().replace("+00:00", "Z")}


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
