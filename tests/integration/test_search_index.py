"""One contract for both search backends: the embedded SQLite FTS5 index, and a real Meilisearch
server (fixture ``meilisearch`` in tests/conftest.py): the one ``CLIPSTREAM_MEILISEARCH_URL`` names,
else one the session starts from ``CLIPSTREAM_MEILISEARCH_BIN`` or the binary shipped at
``../shared/tools/meilisearch/meilisearch``. The Meilisearch half is skipped, saying so, only when
there is neither. What only Meilisearch has (an existing index, changed settings, outages, keys)
is in test_meilisearch.py."""

from __future__ import annotations

import uuid

import pytest

from streams.domain.words import Word
from streams.search import sentence_docs
from streams.search.meili import MeiliIndex, tenant_filter
from streams.search.sqlite import SqliteIndex, fts_query
from tests.unit.moments_text import timed_words

pytestmark = pytest.mark.integration

TALK_A = ("So why do startups fail? Most of them run out of money before they find customers. "
          "The lesson is simple. Talk to customers every single week. <3> "
          "Pricing is the other mistake. Founders charge far too little for what they build.")
TALK_B = "Our quarterly revenue grew by twelve percent. Customers renewed at record rates."


def _words(text: str, start: float = 0.0) -> list[Word]:
    return list(timed_words(text, start))


@pytest.fixture(params=["sqlite", "meilisearch"])
def index(request, tmp_path):
    if request.param == "sqlite":
        made = SqliteIndex(tmp_path / "search.sqlite3")
    else:
        meili = request.getfixturevalue("meilisearch")  # skips, saying why, when there is no server
        made = MeiliIndex(meili.url, meili.key, index=f"test_{uuid.uuid4().hex[:8]}")
    yield made
    made.close()
    if request.param == "meilisearch":
        made.client.delete_index(made.uid)  # an external server keeps no test indexes


@pytest.fixture
def library(index):
    """Two tenants: A has two videos (the second chunk of the first starts at 60 s), B has one."""
    a, b = f"ten_a{uuid.uuid4().hex[:6]}", f"ten_b{uuid.uuid4().hex[:6]}"
    docs = (sentence_docs(a, "va1", "startups.mp4", 0, "en", _words(TALK_A))
            + sentence_docs(a, "va1", "startups.mp4", 1, "en", _words("Hire slowly and fire quickly.", 60.0))
            + sentence_docs(a, "va2", "revenue.mp4", 0, "en", _words(TALK_B))
            + sentence_docs(b, "vb1", "theirs.mp4", 0, "en", _words(TALK_A)))
    assert index.upsert(docs) == len(docs)
    return {"a": a, "b": b, "index": index, "docs": docs}


def test_a_phrase_finds_its_sentence_and_the_word_it_was_said_at(library):
    index, a = library["index"], library["a"]
    hits = index.search(a, "talk to customers")
    assert hits and hits[0].video_id == "va1" and hits[0].filename == "startups.mp4"
    assert hits[0].text == "Talk to customers every single week."
    said = next(w for d in library["docs"] if d.tenant_id == a for w in d.words if w[0] == "Talk")
    assert hits[0].start == said[1] and hits[0].end == said[2]
    assert hits[0].segment_start <= hits[0].start < hits[0].end <= hits[0].segment_end
    assert "<mark>" in hits[0].snippet
    later = index.search(a, "hire slowly")
    assert later[0].start >= 60.0


def test_ranking_prefix_and_tenant_and_video_filters(library):
    index, a, b = library["index"], library["a"], library["b"]
    customers = index.search(a, "customers")
    assert {h.video_id for h in customers} == {"va1", "va2"}
    assert [h.score for h in customers] == sorted((h.score for h in customers), reverse=True)
    assert index.search(a, "pric")[0].text.startswith("Pricing")  # the last word is a prefix
    assert {h.video_id for h in index.search(a, "customers", video_id="va2")} == {"va2"}
    assert {h.video_id for h in index.search(b, "customers")} == {"vb1"}
    assert index.search(b, "revenue") == []
    assert index.search(a, "   ") == [] and index.search(a, '"" OR * NEAR(') == []


def test_snippets_are_escaped_and_reindexing_replaces(library, index):
    a = library["a"]
    doc = sentence_docs(a, "va3", "x.mp4", 0, "en", _words("The <script>alert(1)</script> tag is harmless here."))
    index.upsert(doc)
    index.upsert(doc)
    hits = index.search(a, "harmless")
    assert len(hits) == 1 and "<script>" not in hits[0].snippet and "&lt;script&gt;" in hits[0].snippet


def test_deleting_a_video_removes_only_its_documents(library, index):
    a, b = library["a"], library["b"]
    before_b = index.count(b)
    assert index.delete_video(a, "va1") > 0
    assert all(h.video_id != "va1" for h in index.search(a, "customers"))
    assert index.count(b) == before_b
    index.delete_video(a, "vb1")  # another tenant's video id: nothing happens
    assert index.count(b) == before_b


def test_fts_queries_quote_every_word():
    assert fts_query(["talk", "to"]) == '"talk" "to"*'
    assert fts_query(["a", "b"], prefix_last=False, any_term=True) == '"a" OR "b"'
    assert fts_query(["a"], tenant_id="ten_x").startswith('tenant_key : "t') and fts_query(["a"], tenant_id="ten_x").endswith('AND terms : ("a"*)')
    # a Chinese word is looked for in both scripts; a Latin one as it is
    assert fts_query(["项目", "go"]) == '("项 目" OR "項 目") "go"*'
    assert tenant_filter('x" OR tenant_id = "y') == 'tenant_id = "x\\" OR tenant_id = \\"y"'


def test_words_in_scripts_without_spaces_and_in_other_alphabets_are_found(index):
    """A Chinese sentence is found by any run of its characters (the word Whisper gave, or part
    of one), a Japanese and a Russian one by their words; the snippet reads as written."""
    tenant = f"ten_ml{uuid.uuid4().hex[:6]}"
    chinese = [Word(w, i * 0.4, i * 0.4 + 0.35, 0.9) for i, w in enumerate(["广州市", "房地产", "中介", "协会", "分析。"])]
    japanese = [Word(w, i * 0.4, i * 0.4 + 0.35, 0.9) for i, w in enumerate(["客観的", "実在の", "判断的", "知識。"])]
    docs = (sentence_docs(tenant, "vzh", "zh.mp4", 0, "zh", chinese)
            + sentence_docs(tenant, "vja", "ja.mp4", 0, "ja", japanese)
            + sentence_docs(tenant, "vru", "ru.mp4", 0, "ru", _words("Бедняга. Ребят, на его месте должен быть я.")))
    index.upsert(docs)
    [hit] = index.search(tenant, "房地产")
    assert hit.video_id == "vzh" and hit.text == "广州市房地产中介协会分析。"
    assert (hit.start, hit.end) == (0.4, 0.75)  # the word 房地产
    assert "<mark>" in hit.snippet and " " not in hit.snippet.replace("<mark>", "").replace("</mark>", "")
    assert [h.video_id for h in index.search(tenant, "协会")] == ["vzh"]  # a part of the text
    # the same words in traditional characters find the simplified sentence, at the word
    [hit] = index.search(tenant, "房地產")
    assert hit.video_id == "vzh" and (hit.start, hit.end) == (0.4, 0.75)
    assert [h.video_id for h in index.search(tenant, "協會")] == ["vzh"]
    assert [h.video_id for h in index.search(tenant, "判断")] == ["vja"]
    assert [h.video_id for h in index.search(tenant, "месте")] == ["vru"]


def test_the_language_narrows_a_search_and_every_hit_says_its_own(index):
    tenant = f"ten_lg{uuid.uuid4().hex[:6]}"
    docs = (sentence_docs(tenant, "ven", "talk.mp4", 0, "en", _words("The museum opens at nine every morning."))
            + sentence_docs(tenant, "vde", "vortrag.mp4", 0, "de", _words("Das Museum öffnet jeden Morgen um neun.")))
    index.upsert(docs)
    assert sorted(h.video_id for h in index.search(tenant, "museum")) == ["vde", "ven"]
    [german] = index.search(tenant, "museum", language="de")
    assert german.video_id == "vde" and german.language == "de"
    assert [(h.video_id, h.language) for h in index.search(tenant, "museum", language="en")] == [("ven", "en")]
    assert index.search(tenant, "museum", language="ja") == []
