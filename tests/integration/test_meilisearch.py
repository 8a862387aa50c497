"""``MeiliIndex`` against a real Meilisearch server (fixture ``meilisearch``, tests/conftest.py): the
situations only a server has. An index that already exists, or whose settings an older release
made; two writers creating the same index at once; a restart in the middle of indexing; a write
bigger than one request; a key the server refuses; a server that accepts and never answers.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid

import meilisearch as meili_client
import pytest

from streams.errors import SearchMisconfigured, SearchUnavailable
from streams.search import sentence_docs
from streams.search.meili import BATCH_DOCUMENTS, SETTINGS, MeiliIndex
from tests.integration.test_search_index import TALK_A, TALK_B, _words
from tests.meilisearch_server import MeilisearchServer, meilisearch_binary

pytestmark = pytest.mark.integration


def _talks(tenant: str, video: str = "va1") -> list:
    """Two videos of ``tenant``. Document ids are made from video ids, which are unique across
    tenants, so each tenant's videos get ids of their own here too."""
    return (sentence_docs(tenant, f"{tenant}_{video}", "startups.mp4", 0, "en", _words(TALK_A))
            + sentence_docs(tenant, f"{tenant}_{video}r", "revenue.mp4", 0, "en", _words(TALK_B)))


def _tenant() -> str:
    return f"ten_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def uid(meilisearch):
    """A fresh index name, deleted afterwards (whatever made it)."""
    name = f"test_{uuid.uuid4().hex[:8]}"
    yield name
    meili_client.Client(meilisearch.url, meilisearch.key or None).delete_index(name)


@pytest.fixture
def raw(meilisearch):
    """The official client itself, with the server's key."""
    return meili_client.Client(meilisearch.url, meilisearch.key or None)


def test_an_index_that_already_exists_is_used_as_it_is(meilisearch, uid, raw):
    a, b = _tenant(), _tenant()
    first = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)
    assert first.upsert(_talks(a)) == len(_talks(a))
    second = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)  # another process, later
    assert second.upsert(_talks(b)) == len(_talks(b))
    assert second.count(a) == len(_talks(a)) and second.count(b) == len(_talks(b))
    assert second.search(a, "talk to customers")[0].text == "Talk to customers every single week."
    assert {h.video_id for h in second.search(b, "customers")} == {f"{b}_va1", f"{b}_va1r"}
    # the second asked whether it exists instead of trying to make it again
    creations = raw.get_tasks({"indexUids": [uid], "types": ["indexCreation"]}).results
    assert [t.status for t in creations] == ["succeeded"]


def test_settings_an_older_release_made_are_replaced_on_first_use(meilisearch, uid, raw):
    raw.wait_for_task(raw.create_index(uid, {"primaryKey": "id"}).task_uid)
    old = raw.index(uid).update_settings({"filterableAttributes": ["tenant_id"], "searchableAttributes": ["*"]})
    raw.wait_for_task(old.task_uid)
    tenant = _tenant()
    docs = _talks(tenant)
    raw.wait_for_task(raw.index(uid).add_documents([d.as_dict() for d in docs]).task_uid)

    index = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)
    assert {h.video_id for h in index.search(tenant, "customers", video_id=f"{tenant}_va1r")} == {f"{tenant}_va1r"}
    settings = raw.index(uid).get_settings()
    assert set(settings["filterableAttributes"]) == set(SETTINGS["filterableAttributes"])
    assert settings["searchableAttributes"] == ["text", "terms"] and settings["sortableAttributes"] == ["start"]
    assert settings["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 9}
    assert index.count(tenant) == len(docs)  # the documents already there stay


def test_two_writers_creating_the_same_index_at_once_both_succeed(meilisearch, uid, raw):
    tenants = [_tenant(), _tenant()]
    start = threading.Barrier(2)
    written: dict[str, int] = {}
    failed: list[BaseException] = []

    def write(tenant: str) -> None:
        index = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)  # each its own client
        try:
            start.wait(timeout=10)
            index.ensure_index()
            written[tenant] = index.upsert(_talks(tenant))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failed.append(exc)

    threads = [threading.Thread(target=write, args=(t,)) for t in tenants]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not failed, failed
    # one made it; the other found it made, or asked to make it too at the same moment and was
    # told it exists, and did not mind
    creations = raw.get_tasks({"indexUids": [uid], "types": ["indexCreation"]}).results
    assert [t.status for t in creations].count("succeeded") == 1 and len(creations) <= 2
    assert all(t.error["code"] == "index_already_exists" for t in creations if t.status == "failed")
    index = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)
    assert all(index.count(t) == written[t] == len(_talks(t)) for t in tenants)


@pytest.fixture
def own_server(tmp_path):
    """A Meilisearch server of this test's own, which it may stop and start again."""
    binary = meilisearch_binary()
    if binary is None:
        pytest.skip("restarting Meilisearch needs a binary (CLIPSTREAM_MEILISEARCH_BIN, or "
                    "../shared/tools/meilisearch/meilisearch); CLIPSTREAM_MEILISEARCH_URL's server is not ours to stop")
    server = MeilisearchServer(binary, tmp_path / "meilisearch").start()
    yield server
    server.stop()


def test_a_restart_in_the_middle_of_indexing_loses_nothing(own_server):
    tenant = _tenant()
    index = MeiliIndex(own_server.url, own_server.master_key, index="sentences")
    before = sentence_docs(tenant, "va1", "startups.mp4", 0, "en", _words(TALK_A))
    after = sentence_docs(tenant, "va1", "startups.mp4", 1, "en", _words(TALK_B, 60.0))
    assert index.upsert(before) == len(before)

    own_server.stop()
    with pytest.raises(SearchUnavailable) as down:
        index.upsert(after)
    assert down.value.retriable is True and down.value.code == "search_unavailable"

    own_server.start()  # same database, port and key
    assert index.upsert(after) == len(after)  # the retry
    assert index.count(tenant) == len(before) + len(after)
    assert index.search(tenant, "talk to customers")[0].text == "Talk to customers every single week."


def test_a_large_write_goes_in_bounded_batches(meilisearch, uid, raw):
    tenant = _tenant()
    docs = [d for chunk in range(25) for d in sentence_docs(
        tenant, "vbig", "big.mp4", chunk, "en",
        _words(" ".join(f"Sentence {chunk} number {i} is here." for i in range(100)), chunk * 600.0))]
    assert len(docs) == 2500
    index = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)
    assert index.upsert(iter(docs)) == 2500  # any iterable, read once
    assert index.count(tenant) == 2500
    additions = raw.get_tasks({"indexUids": [uid], "types": ["documentAdditionOrUpdate"]}).results
    received = sorted(t.details["receivedDocuments"] for t in additions)
    assert received == [500, BATCH_DOCUMENTS, BATCH_DOCUMENTS]
    assert {t.status for t in additions} == {"succeeded"}
    assert [h.video_id for h in index.search(tenant, "sentence 24 number 99")][:1] == ["vbig"]


def test_a_key_the_server_refuses_is_a_configuration_error(meilisearch, uid, raw):
    if not meilisearch.started and not meilisearch.key:
        pytest.skip("CLIPSTREAM_MEILISEARCH_URL's server runs without a master key, so it refuses no key")
    for key in ("not-the-key", ""):
        with pytest.raises(SearchMisconfigured) as refused:
            MeiliIndex(meilisearch.url, key, index=uid).upsert(_talks(_tenant()))
        error = refused.value
        assert error.retriable is False and error.code == "search_misconfigured"
        assert "CLIPSTREAM_MEILISEARCH_KEY" in str(error) and meilisearch.url in str(error)
    # a real key without the right to write: refused too, not an outage to retry
    made = raw.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None})
    try:
        with pytest.raises(SearchMisconfigured):
            MeiliIndex(meilisearch.url, made.key, index=uid).upsert(_talks(_tenant()))
    finally:
        raw.delete_key(made.key)


@pytest.fixture
def silent_server():
    """A TCP server on 127.0.0.1 that accepts connections and never answers: a hung Meilisearch."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    held: list[socket.socket] = []
    done = threading.Event()

    def accept() -> None:
        while not done.is_set():
            try:
                held.append(listener.accept()[0])
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    done.set()
    thread.join(timeout=5)
    for conn in held:
        conn.close()
    listener.close()


def test_a_server_that_never_answers_is_unavailable_after_the_timeout(silent_server):
    index = MeiliIndex(silent_server, "some-key", index="sentences", timeout=1.0)
    began = time.monotonic()
    with pytest.raises(SearchUnavailable) as hung:
        index.upsert(_talks(_tenant()))
    assert 0.9 <= time.monotonic() - began < 5
    assert hung.value.retriable is True
    with pytest.raises(SearchUnavailable):
        index.search(_tenant(), "customers")


def test_a_tenant_token_finds_its_tenant_only_and_can_only_search(meilisearch, uid, raw):
    if not meilisearch.started:
        pytest.skip("tenant tokens need the master key, which only a server these tests start is known to have")
    a, b = _tenant(), _tenant()
    index = MeiliIndex(meilisearch.url, meilisearch.key, index=uid)  # the master key: lists keys
    index.upsert(_talks(a) + _talks(b))
    made = index.tenant_token(a)
    assert made["index"] == uid and made["expires_at"].endswith("Z")
    front_end = meili_client.Client(meilisearch.url, made["token"]).index(uid)
    found = front_end.search("customers", {"limit": 50})["hits"]
    assert found and {h["tenant_id"] for h in found} == {a}
    # a filter of its own is added to the token's, never instead of it
    assert front_end.search("customers", {"filter": f'tenant_id = "{b}"'})["hits"] == []
    widened = front_end.search("customers", {"filter": f'tenant_id = "{a}" OR tenant_id = "{b}"', "limit": 50})
    assert {h["tenant_id"] for h in widened["hits"]} == {a}
    for forbidden in (lambda: front_end.get_documents({"limit": 5}),
                      lambda: front_end.add_documents([{"id": "x", "tenant_id": a, "text": "mine now"}]),
                      lambda: front_end.delete_all_documents()):
        with pytest.raises(meili_client.errors.MeilisearchApiError) as refused:
            forbidden()
        assert refused.value.status_code in (401, 403)
    assert index.count(a) == len(_talks(a))  # nothing written through the token


def test_a_key_that_cannot_name_a_signing_key_is_a_configuration_error(meilisearch, uid, raw):
    if not meilisearch.started:
        pytest.skip("needs the master key to make a search-only key")
    made = raw.create_key({"actions": ["search"], "indexes": ["*"], "expiresAt": None})
    try:
        with pytest.raises(SearchMisconfigured, match="CLIPSTREAM_MEILISEARCH_KEY"):
            MeiliIndex(meilisearch.url, made.key, index=uid).tenant_token(_tenant())
    finally:
        raw.delete_key(made.key)
    with pytest.raises(SearchMisconfigured, match="CLIPSTREAM_MEILISEARCH_KEY"):
        MeiliIndex(meilisearch.url, "", index=uid).tenant_token(_tenant())
