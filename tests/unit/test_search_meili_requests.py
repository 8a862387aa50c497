"""What ``MeiliIndex`` asks of Meilisearch, through the official client, against a stand-in server.

The contract suite (tests/integration/test_search_index.py, test_meilisearch.py) runs against a real
Meilisearch server. These tests pin, without one, the HTTP requests our adapter makes (index
settings, the tenant filter on every search and delete, highlight tags) and how it reads the
answers, using ``FakeMeilisearch``: a local HTTP server that records requests and answers with
Meilisearch's documented response shapes. It does not search;
it cannot stand in for the ranking or filtering that the contract run checks.
"""

from __future__ import annotations

import base64
import itertools
import json

import pytest

from streams.search import sentence_docs
from streams.search.meili import MeiliIndex
from tests.httpd import Answer, LocalServer
from tests.unit.moments_text import timed_words

NOW = "2026-01-01T00:00:00.000000Z"


class FakeMeilisearch:
    """A stand-in for a Meilisearch server (see the module docstring): every write is an enqueued
    task that has succeeded when asked about; searches answer ``search_answer``."""

    def __init__(self) -> None:
        self.tasks = itertools.count(1)
        self.search_answer: dict = {"hits": [], "estimatedTotalHits": 0}
        self.indexes: set[str] = set()

    def task(self, kind: str) -> Answer:
        uid = next(self.tasks)
        return _json(202, {"taskUid": uid, "indexUid": "sentences", "status": "enqueued", "type": kind,
                           "enqueuedAt": NOW})

    def __call__(self, request, n) -> Answer:
        path = request.path.split("?")[0]
        if path.startswith("/tasks/"):
            uid = int(path.rsplit("/", 1)[1])
            return _json(200, {"uid": uid, "indexUid": "sentences", "status": "succeeded", "type": "x", "details": {},
                               "error": None, "canceledBy": None, "duration": "PT0S", "enqueuedAt": NOW,
                               "startedAt": NOW, "finishedAt": NOW})
        if request.method == "POST" and path == "/indexes":
            self.indexes.add(json.loads(request.body)["uid"])
        if request.method == "GET" and path.startswith("/indexes/") and path.count("/") == 2:
            uid = path.rsplit("/", 1)[1]
            if uid not in self.indexes:
                return _json(404, {"message": f"Index `{uid}` not found.", "code": "index_not_found",
                                   "type": "invalid_request", "link": "https://docs.meilisearch.com/errors#index_not_found"})
            return _json(200, {"uid": uid, "primaryKey": "id", "createdAt": NOW, "updatedAt": NOW})
        if path.endswith("/search"):
            return _json(200, {"query": "", "processingTimeMs": 0, "limit": 20, "offset": 0, **self.search_answer})
        if path.startswith("/keys/"):
            return _json(200, {"uid": "6062abda-a5aa-4414-ac91-ecd7944c0f8d", "key": path.rsplit("/", 1)[1],
                               "name": "search", "description": None, "actions": ["search"], "indexes": ["*"],
                               "expiresAt": None, "createdAt": NOW, "updatedAt": NOW})
        return self.task(request.method.lower())


def _json(status: int, body: dict) -> Answer:
    return Answer(status, json.dumps(body).encode(), {"Content-Type": "application/json"})


@pytest.fixture
def meili():
    fake = FakeMeilisearch()
    with LocalServer(fake) as server:
        yield fake, server, MeiliIndex(server.url("").rstrip("/"), "search-key-abc")


def _requests(server, method: str, suffix: str) -> list[dict]:
    return [json.loads(r.body or b"null") for r in server.received if r.method == method and r.path.split("?")[0]
            .endswith(suffix)]


def _docs():
    words = list(timed_words("Talk to customers every week. Pricing matters."))
    return sentence_docs("ten_a", "va1", "talk.mp4", 0, "en", words)


def test_first_write_creates_the_index_with_its_settings_then_adds_documents(meili):
    fake, server, index = meili
    assert index.upsert(_docs()) == 2
    created = _requests(server, "POST", "/indexes")
    assert created == [{"uid": "sentences", "primaryKey": "id"}]
    settings = _requests(server, "PATCH", "/indexes/sentences/settings")[0]
    assert settings["filterableAttributes"] == ["tenant_id", "video_id", "language", "speaker"]
    assert settings["searchableAttributes"] == ["text", "terms"] and settings["sortableAttributes"] == ["start"]
    assert settings["typoTolerance"]["enabled"] is True
    added = _requests(server, "POST", "/indexes/sentences/documents")[0]
    assert [d["id"] for d in added] == ["va1-00000-0000", "va1-00000-0001"]
    assert added[0]["tenant_id"] == "ten_a" and added[0]["words"][0][0] == "Talk"
    index.upsert(_docs())
    assert len(_requests(server, "POST", "/indexes")) == 1  # settings are applied once per process


def test_every_search_is_filtered_by_tenant_and_answers_become_hits(meili):
    fake, server, index = meili
    doc = _docs()[0].as_dict()
    fake.search_answer = {"hits": [{**doc, "_formatted": {**doc, "text": "Talk to \x01customers\x02 every <b>week."},
                                    "_rankingScore": 0.93}], "estimatedTotalHits": 1}
    hits = index.search("ten_a", "customers", limit=5, video_id="va1")
    sent = _requests(server, "POST", "/indexes/sentences/search")[-1]
    assert sent["q"] == "customers" and sent["limit"] == 5
    assert sent["filter"] == 'tenant_id = "ten_a" AND video_id = "va1"'
    assert (sent["highlightPreTag"], sent["highlightPostTag"]) == ("\x01", "\x02")
    [hit] = hits
    assert hit.video_id == "va1" and hit.score == 0.93
    assert hit.snippet == "Talk to <mark>customers</mark> every &lt;b&gt;week."
    said = doc["words"][2]
    assert (hit.start, hit.end) == (said[1], said[2])
    assert index.search("ten_a", "   ") == []


def test_deleting_a_video_sends_a_filter_on_its_tenant_and_id(meili):
    fake, server, index = meili
    index.delete_video('ten_"a', "va1")
    [sent] = _requests(server, "POST", "/indexes/sentences/documents/delete")
    assert sent == {"filter": 'tenant_id = "ten_\\"a" AND video_id = "va1"'}


def test_tenant_tokens_carry_search_rules_that_pin_the_tenant(meili):
    fake, server, index = meili
    made = index.tenant_token("ten_a")
    payload = made["token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["searchRules"] == {"sentences": {"filter": 'tenant_id = "ten_a"'}}
    assert claims["apiKeyUid"] == "6062abda-a5aa-4414-ac91-ecd7944c0f8d"
    assert made["index"] == "sentences" and made["expires_at"].endswith("Z")
