"""The web page in headless Chromium against the real pipeline: sign in through ``#key=``, upload a
real talking-head video through the file input, follow its stages live (the event stream on one
tab, polling on another), play a rendered clip, find a spoken word in the transcript (which moves
the source player to that word), correct a word in place, search the library, re-render a clip and
read the analytics. The
library search also runs on each search backend (Meilisearch and the embedded index)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from streams.stack.credentials import api_key_for
from streams.settings import project_root
from tests.media_recipes import short_talk, text_named_mp4

pytestmark = pytest.mark.integration

CLIPS_WITHIN_S = 300
RERENDER_WITHIN_MS = 180_000
SEEK_TOLERANCE = 0.5
WORD = "country"  # spoken twice in the JFK excerpt: "...what your country can do ... for your country"


class Shots:
    """Numbered screenshots of pages, and their console, in the test's artifacts folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0
        self.console: list[str] = []
        self.errors: list[str] = []

    def watch(self, page, name: str) -> None:
        page.on("console", lambda m: self.console.append(f"[{name}] {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"[{name}] {e}"))

    def __call__(self, page, step: str) -> None:
        self.count += 1
        page.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page repeats the sticky bar
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)

    def save_console(self) -> None:
        (self.folder / "console.log").write_text("\n".join(self.console + self.errors) + "\n")


@pytest.fixture
def http(pipeline):
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, headers=headers, timeout=30) as client:
        yield client


@pytest.fixture
def browser_context(chromium, artifacts):
    """A fresh browser profile (its own localStorage) and the screenshots of its pages."""
    shots = Shots(artifacts)
    context = chromium.new_context(viewport={"width": 1440, "height": 1000})
    try:
        yield context, shots
    finally:
        shots.save_console()
        context.close()
    assert not shots.errors, f"uncaught errors in the page: {shots.errors}"


def _normal(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())


def _body_data(page, name: str) -> str:
    return page.evaluate(f"document.body.dataset.{name} || ''")


def _wait_for(found, seconds: float):
    """What ``found()`` returns once it is something, read every half second for ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (result := found()):
        assert time.monotonic() < deadline, f"nothing after {seconds:g} s"
        time.sleep(0.5)
    return result


def _wait_for_seek(page, expected: float) -> None:
    page.wait_for_function(
        "([t, tol]) => { const p = document.querySelector('#source-player');"
        " return p.readyState >= 1 && Math.abs(p.currentTime - t) <= tol; }",
        arg=[expected, SEEK_TOLERANCE], timeout=15_000)


def _events_stream_answers(api_url: str, video: dict) -> bool:
    """Whether the video's signed event stream URL serves Server-Sent Events."""
    events = (video.get("urls") or {}).get("events")
    if not events:
        return False
    try:
        with httpx.stream("GET", api_url + events, timeout=10) as response:
            return response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
    except httpx.HTTPError:
        return False


def _upload(page, video_file: Path, shots: Shots) -> str:
    page.fill("#opt-clip-count", "1")
    page.set_input_files("#upload-file", str(video_file))
    page.click("#upload-button")
    page.wait_for_function("() => location.hash.startsWith('#video=')", timeout=60_000)
    assert page.get_attribute("#upload-progress", "aria-valuenow") == "100"
    assert "processing started" in page.text_content("#upload-status")
    shots(page, "uploaded")
    return page.evaluate("new URLSearchParams(location.hash.slice(1)).get('video')")


def _wait_until_shown_complete(page, http, video_id: str, shots: Shots) -> dict:
    """Waits (bounded) until the page shows a clip and the video as completed; the API's video.
    Fails at once, with the API's reason, if the video fails."""
    deadline = time.monotonic() + CLIPS_WITHIN_S
    shot_progress = shot_clip = False
    while True:
        video = http.get(f"/v1/videos/{video_id}").json()
        assert video["status"] != "failed", f"the video failed: {video['error']}"
        shown = page.text_content("#video-status")
        cards = page.locator("#clips .clip-card").count()
        if not shot_progress and 0 < video["progress"] < 1:
            shots(page, "processing")
            shot_progress = True
        if cards and not shot_clip:
            shots(page, "first-clip")
            shot_clip = True
        if cards and shown == "completed" and video["status"] == "completed":
            return video
        assert time.monotonic() < deadline, (
            f"after {CLIPS_WITHIN_S} s the page shows {cards} clips and status {shown!r}; the API says "
            f"{video['status']} {[(s['stage'], s['status'], s['progress']) for s in video['stages']]}")
        page.wait_for_timeout(500)


def _play_first_clip(page, clip: dict, shots: Shots) -> None:
    player = page.locator("#clips .clip-card video").first
    player.scroll_into_view_if_needed()
    player.evaluate("v => { v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#clips .clip-card video').currentTime > 0.3",
                           timeout=30_000)
    state = player.evaluate("v => ({t: v.currentTime, error: v.error && v.error.message, w: v.videoWidth,"
                            " h: v.videoHeight})")
    assert state["error"] is None and state["t"] > 0, state
    assert (state["w"], state["h"]) == (clip["width"], clip["height"]), state
    shots(page, "clip-playing")
    player.evaluate("v => v.pause()")


def _signal_meanings(page, http, clip: dict) -> None:
    """Each name in a clip's signal breakdown says, as its tooltip, what the API's document says
    that signal measures."""
    described = http.get("/openapi.json").json()["components"]["schemas"]["Signals"]["properties"]
    card = page.locator(f"#clips .clip-card[data-clip-id='{clip['clip_id']}']")
    card.locator("details.signals summary").click()
    names = card.locator("details.signals dt[data-signal]")
    assert names.count() == len(clip["signals"])
    page.wait_for_function(
        "id => [...document.querySelectorAll(`#clips .clip-card[data-clip-id='${id}'] details.signals dt`)]"
        ".every(dt => dt.title)", arg=clip["clip_id"], timeout=10_000)
    shown = names.evaluate_all("dts => dts.map(dt => [dt.dataset.signal, dt.title])")
    assert sorted(map(tuple, shown)) == sorted((name, described[name]["description"]) for name in clip["signals"])


def _editor_exports(page, clip: dict) -> None:
    """The clip's card offers its timeline bundle in each editor format; the Premiere/Resolve
    one downloads a zip (a signed link: no key sent)."""
    card = page.locator(f"#clips .clip-card[data-clip-id='{clip['clip_id']}']")
    links = card.locator(".editor-exports a[data-format]")
    assert sorted(links.evaluate_all("as => as.map(a => a.dataset.format)")) == sorted(clip["urls"]["timeline"])
    href = card.locator(".editor-exports a[data-format='fcp7']").evaluate("a => a.href")  # absolute
    response = page.request.get(href)
    assert response.status == 200 and response.headers["content-type"] == "application/zip", response.status
    assert response.body()[:2] == b"PK"


def _correct_word(page, http, video_id: str, clip: dict, shots: Shots) -> None:
    """A word double-clicked (or reached with the keyboard and F2) becomes a box: Enter keeps what
    is typed there (the API reads it at once), Escape leaves the word as it is. The clip the word
    is spoken in is listed as showing the words as heard, and one click renders it again with them
    as corrected, in its own look. The words are put back as heard at the end, and the clip drawn
    with the corrections is deleted from its card."""
    path = f"/v1/videos/{video_id}/transcript"
    words = http.get(path).json()["words"]
    i = next(i for i, w in enumerate(words) if len(_normal(w["word"])) > 3 and WORD not in _normal(w["word"])
             and clip["start"] <= w["start"] and i + 1 < len(words) and words[i + 1]["end"] <= clip["end"])
    span = page.locator(f"#transcript .word[data-index='{i}']")
    span.scroll_into_view_if_needed()
    span.dblclick()
    box = span.locator("input.word-edit")
    assert box.input_value() == words[i]["word"].strip()
    box.fill("Clipstream")
    shots(page, "word-correction")
    box.press("Enter")
    page.wait_for_function("i => document.querySelector(`#transcript .word[data-index='${i}']`).textContent"
                           " === 'Clipstream'", arg=i, timeout=10_000)
    assert "Corrected" in page.text_content("#toast-text")
    assert "corrected" in span.get_attribute("class").split()  # ("spoken" too: the click moved the player there)
    assert words[i]["word"].strip() in span.get_attribute("title")  # what was heard, on hovering
    shots(page, "word-corrected")
    assert http.get(path).json()["words"][i]["word"] == "Clipstream"
    span.dblclick()
    span.locator("input.word-edit").fill("nothing")
    span.locator("input.word-edit").press("Escape")
    assert span.text_content() == "Clipstream"
    assert http.get(path).json()["words"][i]["heard"] == words[i]["word"]
    # The keyboard's way: the transcript is one stop of the Tab order (the word last used), the
    # arrows walk its words, F2 opens the box, and Enter keeps the word and the keyboard's place.
    page.fill("#transcript-search", "")  # no matches listed (their buttons come first in the Tab order)
    page.focus("#transcript-search")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.index") == str(i)
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.dataset.index") == str(i + 1)
    assert page.locator("#transcript .word[tabindex='0']").count() == 1
    page.keyboard.press("F2")
    page.keyboard.press("Control+A")
    page.keyboard.type("Keyboard")
    page.keyboard.press("Enter")
    page.wait_for_function("i => document.activeElement.dataset.index === String(i)"
                           " && document.activeElement.textContent === 'Keyboard'", arg=i + 1, timeout=10_000)
    assert http.get(path).json()["words"][i + 1]["word"] == "Keyboard"
    # both corrections name the clip; it is listed once, its card says so, and it is rendered again once
    assert page.is_visible("#stale-clips")
    assert page.text_content("#stale-clips-text").startswith("1 clip shows words as they read before")
    shown = f"#clips .clip-card[data-clip-id='{clip['clip_id']}']"
    page.wait_for_selector(f"{shown} .pill.stale-words", timeout=15_000)
    # a page opened afresh knows it as well: from the API (each clip's captions_current)
    fresh = page.context.new_page()
    shots.watch(fresh, "fresh")
    fresh.goto(page.url.split("#")[0] + f"#video={video_id}")
    fresh.wait_for_selector("#stale-clips:not([hidden])", timeout=30_000)
    assert fresh.text_content("#stale-clips-text").startswith("1 clip shows words as they read before")
    fresh.wait_for_selector(f"{shown} .pill.stale-words", timeout=15_000)
    fresh.close()
    before = {c["clip_id"] for c in http.get(f"/v1/videos/{video_id}/clips").json()["clips"]}
    page.click("#stale-clips-render")
    page.wait_for_selector("#stale-clips", state="hidden", timeout=15_000)
    assert "queued with the corrected words" in page.text_content("#toast-text")
    redrawn = _wait_for(lambda: [c for c in http.get(f"/v1/videos/{video_id}/clips").json()["clips"]
                                 if c["clip_id"] not in before], RERENDER_WITHIN_MS / 1000)
    assert [(c["moment_id"], c["aspect"], c["start"], c["end"]) for c in redrawn] == [
        (clip["moment_id"], clip["aspect"], clip["start"], clip["end"])], redrawn
    assert ":words=" in redrawn[0]["variant"]
    page.wait_for_selector(f"#clips .clip-card[data-clip-id='{redrawn[0]['clip_id']}']", timeout=30_000)
    captions = http.get(f"/v1/clips/{redrawn[0]['clip_id']}/download?file=srt").text
    assert "Clipstream" in captions and "Keyboard" in captions, captions
    back = http.patch(path, json={"words": [{"start": words[j]["start"], "word": None} for j in (i, i + 1)]})
    assert back.status_code == 200 and http.get(path).json()["words"][i:i + 2] == words[i:i + 2], back.text
    # The words read as heard again, so the clip drawn with the corrections goes: its card's Delete,
    # once confirmed, removes it and its files; the clip it was drawn from stays.
    card = page.locator(f"#clips .clip-card[data-clip-id='{redrawn[0]['clip_id']}']")
    page.once("dialog", lambda dialog: dialog.accept())
    card.locator("button.clip-delete").click()
    card.wait_for(state="detached", timeout=15_000)
    assert "Clip deleted" in page.text_content("#toast-text")
    assert http.get(f"/v1/clips/{redrawn[0]['clip_id']}").status_code == 404
    assert http.get(f"/v1/clips/{clip['clip_id']}").status_code == 200
    assert page.locator(shown).count() == 1
    # and it shows the words as they read again
    page.wait_for_selector(f"{shown} .pill.stale-words", state="detached", timeout=15_000)
    assert not page.is_visible("#stale-clips")


def _find_word(page, words: list[dict], shots: Shots) -> None:
    """Each hit of WORD in the find bar moves the source player to that word's start."""
    spoken = [w for w in words if _normal(w["word"]).startswith(WORD)]
    assert len(spoken) >= 2, [w["word"] for w in words]
    page.locator("#transcript-search").scroll_into_view_if_needed()
    page.fill("#transcript-search", WORD)
    hits = page.locator("#transcript-hits .transcript-hit")
    hits.first.wait_for(timeout=10_000)
    assert hits.count() == len(spoken)
    assert page.locator("#transcript .word.match").count() == len(spoken)
    for n in (1, 0):
        hits.nth(n).click()
        _wait_for_seek(page, spoken[n]["start"])
    assert "/source" in page.evaluate("document.querySelector('#source-player').currentSrc")
    # each card beside the other (source, transcript) ends under what it shows: the shorter is not
    # stretched to the other's height, a card of empty space
    gaps = page.eval_on_selector_all(
        ".media-row > .card",
        "cards => cards.map(c => { const shown = [...c.children].filter(e => e.offsetParent !== null);"
        " return [c.getBoundingClientRect().bottom - Math.max(...shown.map(e => e.getBoundingClientRect().bottom)),"
        " parseFloat(getComputedStyle(c).paddingBottom), c.getBoundingClientRect().height]; })")
    assert len(gaps) == 2 and all(height > 100 for _, _, height in gaps), gaps
    assert all(gap <= padding + 2 for gap, padding, _ in gaps), gaps
    shots(page, "transcript-search")


def _library_search(page, http, video_id: str, shots: Shots) -> None:
    """The page lists the library's hits as the API ranks them; a hit opens its video at its time,
    and its "Clip it" button queues a clip of the hit's sentence. The hit taken is this video's
    when it is among them: every JFK test video says the word, and which of their identical
    sentences rank first is the backend's tie-break."""
    search = http.get("/v1/search", params={"q": WORD})
    assert search.status_code == 200, search.text
    ranked = search.json()["hits"]
    assert any(h["video_id"] == video_id for h in http.get("/v1/search", params={"q": WORD, "video_id": video_id})
               .json()["hits"]), "this video's sentences are not in the index"
    page.fill("#library-search", WORD)
    page.press("#library-search", "Enter")
    page.wait_for_function("n => document.querySelectorAll('#search-results .search-hit-row').length === n",
                           arg=len(ranked), timeout=10_000)
    shown = page.eval_on_selector_all("#search-results .search-hit", "hits => hits.map(b => b.dataset.videoId)")
    assert shown == [h["video_id"] for h in ranked]
    target = next((h for h in ranked if h["video_id"] == video_id), ranked[0])
    row = page.locator("#search-results .search-hit-row").nth(ranked.index(target))
    hit = row.locator(".search-hit")
    assert hit.locator("mark").count() >= 1
    page.evaluate("document.querySelector('#source-player').currentTime = 0")  # away from the hit
    hit.click()
    _wait_for_seek(page, target["start"])
    assert page.evaluate("location.hash") == f"#video={target['video_id']}"
    row.locator(".clip-hit").click()
    page.wait_for_function("el => /queued|already a clip/i.test(el.textContent)",
                           arg=row.locator(".clip-hit").element_handle(), timeout=15_000)
    shots(page, "library-search")
    if target["video_id"] != video_id:  # back to this video through the page's own list
        page.locator(f"#video-list .video-item[data-video-id='{video_id}']").click()
        page.wait_for_function("id => location.hash === `#video=${id}`", arg=video_id, timeout=10_000)
        page.wait_for_selector("#detail-body:not([hidden])", timeout=15_000)


def _rerender(page, http, video_id: str, clip: dict, shots: Shots) -> None:
    """Re-rendering the clip in another style and aspect adds that variant to the gallery."""
    card = page.locator(f"#clips .clip-card[data-clip-id='{clip['clip_id']}']")
    card.locator(".rerender-toggle").click()
    card.locator(".rerender select[name=caption_style]").select_option("karaoke")
    card.locator(".rerender select[name=aspect]").select_option("1:1")
    card.locator(".rerender button[type=submit]").click()
    message = card.locator(".rerender .form-message")
    page.wait_for_function("el => /queued|already rendered/i.test(el.textContent)", arg=message.element_handle(),
                           timeout=15_000)
    page.wait_for_function("() => [...document.querySelectorAll('#clips .clip-card .pill.aspect')]"
                           ".some(p => p.textContent === '1:1')", timeout=RERENDER_WITHIN_MS)
    variants = [c for c in http.get(f"/v1/videos/{video_id}/clips").json()["clips"] if c["aspect"] == "1:1"]
    assert [c.get("caption_style") for c in variants] == ["karaoke"], variants
    assert page.locator(f"#clips .clip-card[data-clip-id='{variants[0]['clip_id']}']").count() == 1
    shots(page, "rerendered")


def _analytics(page, http, shots: Shots) -> None:
    page.click("#tabs .tab[data-view=analytics]")
    if http.get("/v1/analytics").status_code == 200:
        page.wait_for_selector("#stat-tiles .tile", timeout=10_000)
        assert page.locator("#charts svg").count() >= 4
        # this month against the plan, from the ledger (the local stack's plan has no limit)
        page.wait_for_selector("#usage-tile", timeout=10_000)
        used = http.get("/v1/usage").json()["used"]["source_minutes"]
        assert page.text_content("#usage-tile .tile-value").endswith(" min") and used > 0
        assert "no monthly limit" in page.text_content("#usage-tile")
        # what the files held when last measured, or that the worker has not measured them yet
        storage = http.get("/v1/usage").json()["storage"]
        shown = page.text_content("#storage-tile")
        assert ("measured " in shown) if storage["measured_at"] else ("not measured yet" in shown), shown
    else:
        page.wait_for_selector("#analytics-note:not([hidden])", timeout=10_000)
    shots(page, "analytics")


def _publishing(page, http, clip: dict, shots: Shots) -> None:
    """The session's stack has publishing off: the view says so instead of failing, and shows its
    accounts and posts only if some were made while it was on (not two empty lists inviting a
    connection); a clip's publish form says the same and cannot be sent."""
    page.click("#tabs .tab[data-view=publishing]")
    page.wait_for_selector("#publishing-off:not([hidden])", timeout=10_000)
    assert page.locator("#view-analytics").is_hidden()
    listed = bool(http.get("/v1/accounts").json()["accounts"] or http.get("/v1/posts").json()["posts"])
    assert page.is_visible("#accounts-card") is listed and page.is_visible("#posts-card") is listed, listed
    shots(page, "publishing")
    off = page.evaluate("async () => (await import('/static/js/publishing.js')).publishingOffText(false)")
    page.click("#tabs .tab[data-view=videos]")
    card = page.locator(f"#clips .clip-card[data-clip-id='{clip['clip_id']}']")
    card.locator(".publish-toggle").click()
    form = card.locator("form.publish")
    page.wait_for_function("([form, off]) => form.querySelector('.form-message').textContent === off",
                           arg=[form.element_handle(), off], timeout=10_000)
    assert form.locator("button[type=submit]").is_disabled()


def test_upload_follow_play_and_find_a_word(pipeline, browser_context, http, media_dir, built_media):
    context, shots = browser_context
    api_url = pipeline.settings.api_url
    video_file = short_talk(media_dir, built_media)

    page = context.new_page()
    shots.watch(page, "upload tab")
    page.goto(f"{api_url}/#key={api_key_for(pipeline.settings)}")
    page.wait_for_selector("#app:not([hidden])", timeout=15_000)
    assert "key=" not in page.url, "the key must leave the address bar"
    shots(page, "signed-in")
    video_id = _upload(page, video_file, shots)

    # A second tab follows the same video by polling (?live=poll); the key is in localStorage now.
    polling = context.new_page()
    shots.watch(polling, "polling tab")
    polling.goto(f"{api_url}/?live=poll#video={video_id}")
    polling.wait_for_selector("#detail-body:not([hidden])", timeout=15_000)

    video = _wait_until_shown_complete(page, http, video_id, shots)
    stages = page.eval_on_selector_all("#stage-list .stage", "rows => rows.map(r => [r.dataset.stage, r.dataset.status])")
    assert stages == [[s, "completed"] for s in ("ingest", "transcribe", "moments", "render")]
    assert page.text_content("#overall-pct") == "100%"
    polling.wait_for_selector("#clips .clip-card", timeout=60_000)
    if _body_data(polling, "openedStatus") not in ("completed", "failed"):
        assert "poll" in _body_data(polling, "liveSeen")
    shots(polling, "polling-tab")
    polling.close()

    clips = http.get(f"/v1/videos/{video_id}/clips").json()["clips"]
    assert clips and page.locator("#clips .clip-card").count() == len(clips)
    _play_first_clip(page, clips[0], shots)
    _signal_meanings(page, http, clips[0])
    _editor_exports(page, clips[0])
    _find_word(page, http.get(f"/v1/videos/{video_id}/transcript").json()["words"], shots)
    _correct_word(page, http, video_id, clips[0], shots)
    _library_search(page, http, video_id, shots)
    _rerender(page, http, video_id, clips[0], shots)
    _analytics(page, http, shots)
    _publishing(page, http, clips[0], shots)

    # Last, as it depends on the server's event feed: the upload tab heard the stages over the stream.
    if _events_stream_answers(api_url, video):
        assert "sse" in _body_data(page, "liveSeen"), "the upload tab should follow the video over the event stream"
        assert int(_body_data(page, "sseLifecycle") or 0) > 0, (
            "the event stream sent its snapshot but no lifecycle event while the video was processed")


def test_errors_show_the_api_message_and_api_text_is_never_markup(pipeline, browser_context, http, built_media):
    context, shots = browser_context
    api_url = pipeline.settings.api_url
    page = context.new_page()
    shots.watch(page, "page")
    page.goto(f"{api_url}/#key=csk_not_a_key")
    page.wait_for_selector("#key-error:not([hidden])", timeout=15_000)
    refused = httpx.get(f"{api_url}/v1/videos", headers={"Authorization": "Bearer csk_not_a_key"}).json()
    assert page.text_content("#key-error") == refused["error"]["message"]
    shots(page, "wrong-key")

    # Search snippets: only <mark> survives; anything else the API sends is text.
    html = page.evaluate("""async () => {
        const { snippetNodes } = await import('/static/js/dom.js');
        const box = document.createElement('div');
        box.append(snippetNodes('a &amp; b <mark>hit</mark> <img src=x onerror="window.__xss=1"><script>x</script>'));
        return box.innerHTML;
    }""")
    assert html == ('a &amp; b <mark>hit</mark> &lt;img src=x onerror="window.__xss=1"&gt;'
                    '&lt;script&gt;x&lt;/script&gt;')

    # A file that is not media, named like markup: it fails, and the page shows the API's reason.
    notes = text_named_mp4(built_media / "notes.mp4")
    with open(notes, "rb") as f:
        created = http.post("/v1/videos", files={"file": ('<img src=x onerror="window.__xss=1">.mp4', f)})
    assert created.status_code == 202, created.text
    video_id = created.json()["video_id"]
    page.fill("#key-input", api_key_for(pipeline.settings))
    page.click("#key-save")
    page.wait_for_selector("#app:not([hidden])", timeout=15_000)
    page.goto(f"{api_url}/#video={video_id}")  # a link to the video, with the saved key
    page.wait_for_function("() => document.querySelector('#video-status').textContent === 'failed'",
                           timeout=120_000)
    video = http.get(f"/v1/videos/{video_id}").json()
    page.wait_for_selector("#video-error:not([hidden])")
    assert page.text_content("#video-error") == video["error"]["message"]
    assert page.text_content("#video-title") == video["filename"]
    assert page.locator("#video-detail img, #video-list img").count() == 0
    assert page.evaluate("window.__xss") is None
    page.locator(f"#video-list .video-item[data-video-id='{video_id}'] .status-failed").wait_for(timeout=10_000)
    # A failed video promises no words or clips to come (it said "Words appear here as the video is
    # transcribed" for good: the redraw waited for the words to grow).
    page.wait_for_function("() => document.querySelector('#transcript').textContent.includes('the video failed')",
                           timeout=10_000)
    assert "appear here" not in page.text_content("#transcript")
    assert page.text_content("#clips").strip() == "No clips: the video failed before any was rendered."
    assert f"up to {video['options']['clip_count']} clip" in page.text_content("#video-meta")  # asked, not made
    shots(page, "failed-video")


def test_the_page_helpers_match_words_and_pick_round_axes(pipeline, browser_context):
    context, _ = browser_context
    page = context.new_page()
    page.goto(f"{pipeline.settings.api_url}/")
    page.wait_for_selector("#key-panel:not([hidden])", timeout=15_000)
    found = page.evaluate("""async () => {
        const { findWords, normalize } = await import('/static/js/transcript.js');
        const { niceMax } = await import('/static/js/charts.js');
        const { publishingOffText, statusText } = await import('/static/js/publishing.js');
        const { memberLocked } = await import('/static/js/team.js');
        const words = ['And', 'so,', 'your', 'Country,', 'café', 'your', 'count'].map(word => ({ word }));
        return {
            prefix: findWords(words, 'count'), phrase: findWords(words, 'YOUR count'), accents: findWords(words, 'cafe'),
            none: findWords(words, '  '), normal: normalize('Don’t!'),
            axes: [0, 1, 3.6, 7, 10, 1234].map(v => niceMax(v)),
            counts: [1, 7, 10, 45].map(v => niceMax(v, { integer: true })),
            off: [false, true].map(publishingOffText),
            statuses: [['processing', '2026-12-04T09:10:00Z'], ['processing', '2026-12-04T08:50:00Z'],
                       ['scheduled', '2026-12-04T09:10:00Z']]
                .map(([status, publish_at]) => statusText({ status, publish_at }, Date.parse('2026-12-04T09:00:00Z'))),
            locked: [[{role: 'owner'}, 1, 'owner'], [{role: 'owner'}, 2, 'owner'], [{role: 'owner'}, 2, 'admin'],
                     [{role: 'admin'}, 1, 'admin'], [{role: 'viewer'}, 1, 'owner']].map(a => memberLocked(...a)),
        };
    }""")
    assert found["prefix"] == [3, 6] and found["phrase"] == [2, 5] and found["accents"] == [4]
    assert found["none"] == [] and found["normal"] == "dont"
    assert found["axes"] == [4, 1, 4, 8, 10, 2000]
    assert found["counts"] == [4, 8, 12, 80]
    # publishing off: with accounts or posts listed, the view says they stay and nothing goes out
    bare, listed = found["off"]
    assert bare.startswith("Publishing is off on this server") and "below" not in bare
    assert listed.startswith(bare) and "scheduled posts wait until it is on again" in listed
    # a post the platform holds until its time (YouTube, uploaded ahead) says so, not "being checked"
    assert found["statuses"] == ["Uploaded, public at its time", "Being checked by the platform…", "Scheduled"]
    # the Team view disables what the API would refuse: the last owner, and an owner for anyone else
    last, other, by_admin, admin, viewer = found["locked"]
    assert last.startswith("A workspace keeps at least one owner") and other == ""
    assert by_admin == "Only an owner may change or remove an owner." and admin == viewer == ""


@pytest.fixture(scope="module")
def spoken_video(pipeline, media_dir, built_media) -> str:
    """A processed video that says ``WORD``."""
    video = pipeline.process(short_talk(media_dir, built_media), clip_count=1)
    assert video["status"] == "completed", video.get("error")
    return video["video_id"]


@pytest.mark.parametrize("backend", ["meilisearch", "embedded"])
def test_the_library_search_works_on_either_backend(pipeline, browser_context, http, spoken_video, backend, request):
    with pipeline.searching_with(backend, request):
        env = {**os.environ, **pipeline.settings.as_env()}
        reindexed = subprocess.run([sys.executable, "-m", "streams.cli", "search", "reindex", "--video", spoken_video],
                                   env=env, cwd=project_root(), capture_output=True, text=True, timeout=300)
        assert reindexed.returncode == 0, reindexed.stderr
        assert {"embedded": "sqlite index", "meilisearch": "meilisearch index"}[backend] in reindexed.stdout
        context, shots = browser_context
        page = context.new_page()
        shots.watch(page, backend)
        page.goto(f"{pipeline.settings.api_url}/#key={api_key_for(pipeline.settings)}")
        page.wait_for_selector("#app:not([hidden])", timeout=15_000)
        page.goto(f"{pipeline.settings.api_url}/#video={spoken_video}")
        page.wait_for_selector("#detail-body:not([hidden])", timeout=15_000)
        _library_search(page, http, spoken_video, shots)
