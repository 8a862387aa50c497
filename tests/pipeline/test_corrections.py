"""Correcting a transcript's words (``PATCH /v1/videos/{id}/transcript``) on the running stack: every
export and the moment's title read the corrected word, a clip drawn before lists itself as showing
the old one and is rendered again with the new one (its hook title too; every such clip at once
when the correction asks to ``render``), a stale or unknown word
refuses the whole request, the same request sent again changes nothing, a correction is taken
back, and each correction that changed words is announced once (``transcript.corrected``).
Search after a correction: ``test_search``, on both backends."""

from __future__ import annotations

import json
import re
import time

import httpx
import pytest

from streams.adapters.catalog import Catalog
from streams.domain.corrections import requoted
from streams.domain.words import Word
from streams.search.reindex import labelled_words
from streams.stack.credentials import api_key_for
from tests.httpd import Answer, LocalServer
from tests.owner import as_owner

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def http(pipeline):
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers=headers) as client:
        yield client


@pytest.fixture
def told(http):
    """The bodies of the workspace's ``transcript.corrected`` webhooks as they arrive, its endpoint
    deleted afterwards."""
    with LocalServer(lambda request, index: Answer(204)) as receiver:
        made = http.post("/v1/webhooks/endpoints", json={"url": receiver.url("/hook"),
                                                         "event_types": ["transcript.corrected"]})
        assert made.status_code == 201, made.text
        try:
            yield lambda: [json.loads(r.body) for r in receiver.received]
        finally:
            http.delete(f"/v1/webhooks/endpoints/{made.json()['endpoint_id']}")


def _arrived(told, count: int) -> list[dict]:
    deadline = time.monotonic() + 60
    while len(told()) < count and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(1)  # one more would have come by now
    return told()


def _word(transcript: dict, text: str, start: float, end: float) -> dict:
    """The first word reading ``text`` (any case and punctuation) spoken within [start, end]."""
    return next(w for w in transcript["words"]
                if w["word"].strip(",.?!").lower() == text and start <= w["start"] and w["end"] <= end)


def test_a_corrected_word_reaches_every_export_and_a_clip_rendered_again(pipeline, media_dir, http, told):
    video = pipeline.process(media_dir / "speech" / "jfk.wav", clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    video_id = video["video_id"]
    path = f"/v1/videos/{video_id}/transcript"
    original = pipeline.client.clips(video_id)["clips"][0]
    assert original["captions_current"] is True
    before = http.get(path).json()  # JFK's 11 s are one chunk, chunk 0
    country = _word(before, "country", original["start"], original["end"])
    fix = {"start": country["start"], "word": "nation", "was": country["word"]}
    reasons = {m["moment_id"]: m["reason"] for m in http.get(f"/v1/videos/{video_id}/moments").json()["moments"]}

    answer = http.patch(path, json={"words": [fix]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["corrected"] == [{"word": "nation", "start": country["start"], "end": country["end"],
                                          "heard": country["word"]}]
    assert answer.json()["clips"] == [original["clip_id"]]
    [hook] = _arrived(told, 1)
    assert hook["type"] == "transcript.corrected"
    assert (hook["data"]["video_id"], hook["data"]["words"], hook["data"]["clips"]) == (
        video_id, answer.json()["corrected"], answer.json()["clips"])

    now = http.get(path).json()
    word = next(w for w in now["words"] if w["start"] == country["start"])
    assert (word["word"], word["end"], word["probability"], word["heard"]) == ("nation", country["end"], 1.0,
                                                                             country["word"])
    assert [w for w in now["words"] if "heard" in w] == [word]  # the JSON says which words were corrected
    assert "nation" in now["text"]
    assert any("nation" in s["text"] for s in now["segments"]), (now["segments"], now["words"])
    assert any("nation" in s["text"] for s in now["sentences"])
    for fmt in ("srt", "vtt", "txt"):
        assert "nation" in http.get(path, params={"format": fmt}).text, fmt
    # JFK's clip is titled from the sentence the word is in ("... what your country can do")
    assert re.search(r"(?i)(?<!\w)country(?!\w)", original["title"]), original["title"]
    # The search sink indexes a chunk's stored words: its event delivered again (the word as heard
    # in it) does not put the heard word back in search.
    heard = [Word(w["word"], w["start"], w["end"], w["probability"]) for w in before["words"]]
    indexed = as_owner(pipeline.settings, lambda pool: labelled_words(Catalog(pool), video_id, 0, heard))
    assert [w.word for w in indexed if w.start == country["start"]] == ["nation"]
    titled = {c["clip_id"]: c["title"] for c in pipeline.client.clips(video_id)["clips"]}[original["clip_id"]]
    assert titled == re.sub(r"(?i)(?<!\w)country(?!\w)", "nation", original["title"]), (titled, original["title"])
    # its reason reads it where it quotes the talk (its hook, say), and only there
    reason = {m["moment_id"]: m["reason"] for m in http.get(f"/v1/videos/{video_id}/moments").json()["moments"]}
    assert reason[original["moment_id"]] == requoted(reasons[original["moment_id"]], [(country["word"], "nation")])

    # the same request again (its answer lost, or search behind): nothing to do, nothing announced
    repeated = http.patch(path, json={"words": [fix]})
    assert repeated.status_code == 200 and repeated.json() == {"video_id": video_id, "corrected": [], "clips": []}
    # another word for it, named by what it read before: someone changed it meanwhile
    stale = http.patch(path, json={"words": [{**fix, "word": "land"}]})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "word_changed", stale.text
    # all or nothing: a word at no time refuses the request, and the good word in it is not kept
    fine = {"start": now["words"][0]["start"], "word": "Then"}
    missing = http.patch(path, json={"words": [fine, {"start": 999.0, "word": "x"}]})
    assert missing.status_code == 422 and missing.json()["error"]["code"] == "word_not_found", missing.text
    assert http.get(path).json()["words"][0] == now["words"][0]
    for body in ({}, {"words": []}, {"words": [{"start": 1}]}, {"words": [{"start": "1", "word": "a"}]},
                 {"words": [{"start": 1.0, "word": " "}]}, {"words": [fine, fine]}, {"words": [fine], "x": 1}):
        refused = http.patch(path, json=body)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_body", (body, refused.text)

    # the clip drawn before still shows what was heard, and says so (a page reloaded knows it too);
    # rendered again it shows the correction
    assert "nation" not in pipeline.clip_file(original, "srt").read_text()
    assert http.get(f"/v1/clips/{original['clip_id']}").json()["captions_current"] is False
    listed = {c["clip_id"]: c for c in http.get(f"/v1/videos/{video_id}/clips").json()["clips"]}
    assert listed[original["clip_id"]]["captions_current"] is False
    asked = http.post(f"/v1/clips/{original['clip_id']}/renders", json={})
    assert asked.status_code == 202, asked.text
    made = pipeline.wait_for_clip(video_id, asked.json()["clip_id"])
    assert ":words=" in made["variant"] and made["moment_id"] == original["moment_id"]
    assert "nation" in pipeline.clip_file(made, "srt").read_text()
    assert made["captions_current"] is True
    assert made["title"] == titled
    if json.loads(pipeline.clip_file(original, "handoff").read_text())["hook"] is not None:
        assert json.loads(pipeline.clip_file(made, "handoff").read_text())["hook"]["text"] == titled
    again = http.post(f"/v1/clips/{original['clip_id']}/renders", json={})
    assert again.status_code == 200 and again.json()["clip_id"] == made["clip_id"]

    # taken back: null puts back what was heard
    back = http.patch(path, json={"words": [{"start": country["start"], "word": None}]})
    assert back.status_code == 200, back.text
    assert back.json()["corrected"] == [{"word": country["word"], "start": country["start"], "end": country["end"]}]
    assert [h["data"]["words"] for h in _arrived(told, 2)] == [answer.json()["corrected"], back.json()["corrected"]]
    restored = next(w for w in http.get(path).json()["words"] if w["start"] == country["start"])
    assert restored == country and "heard" not in restored
    assert {c["clip_id"]: c["title"] for c in pipeline.client.clips(video_id)["clips"]}[original["clip_id"]] == \
        original["title"]
    assert {m["moment_id"]: m["reason"] for m in http.get(f"/v1/videos/{video_id}/moments").json()["moments"]} == \
        reasons
    # and the words as heard are the first clip's again: it is current, the one drawn with the correction is not
    current = {c["clip_id"]: c["captions_current"] for c in http.get(f"/v1/videos/{video_id}/clips").json()["clips"]}
    assert (current[original["clip_id"]], current[made["clip_id"]]) == (True, False)
    same = http.post(f"/v1/clips/{original['clip_id']}/renders", json={})
    assert same.status_code == 200 and same.json()["clip_id"] == original["clip_id"], same.text

    # asked to render what no longer reads as the transcript: a word of both clips corrected, each
    # is drawn again, as the one clip of the pipeline's own look with the words as they read now
    ask = _word(http.get(path).json(), "ask", original["start"], original["end"])
    fixed = http.patch(path, json={"words": [{"start": ask["start"], "word": "asked"}], "render": True})
    assert fixed.status_code == 200, fixed.text
    renders = fixed.json()["renders"]
    assert sorted(r["from"] for r in renders) == sorted([original["clip_id"], made["clip_id"]]), renders
    assert len({r["clip_id"] for r in renders}) == 1 and {r["status"] for r in renders} == {"queued"}, renders
    redrawn = pipeline.wait_for_clip(video_id, renders[0]["clip_id"])
    assert "asked" in pipeline.clip_file(redrawn, "srt").read_text() and redrawn["captions_current"] is True
    # sent again (its answer lost): nothing to correct, and the renders it asked for are there
    again = http.patch(path, json={"words": [{"start": ask["start"], "word": "asked"}], "render": True})
    assert again.status_code == 200 and again.json()["corrected"] == [], again.text
    assert {(r["clip_id"], r["status"]) for r in again.json()["renders"]} == {(redrawn["clip_id"], "rendered")}
    assert http.patch(path, json={"words": [fine], "render": "yes"}).status_code == 422
