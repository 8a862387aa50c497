"""Re-rendering a clip with another caption style, aspect or length goes down the render path and
adds a clip; asking again gives the same clip, not a second one."""

from __future__ import annotations

import json

import httpx
import pytest

from streams.stack.credentials import api_key_for

pytestmark = pytest.mark.integration


def test_rerender_adds_one_clip_in_the_new_style_and_aspect(pipeline, media_dir):
    video = pipeline.process(media_dir / "speech" / "jfk.wav", clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    original = pipeline.client.clips(video["video_id"])["clips"][0]
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers=headers) as http:
        asked = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"caption_style": "clean", "aspect": "1:1"})
        assert asked.status_code == 202, asked.text
        new_id = asked.json()["clip_id"]
        assert new_id != original["clip_id"]
        made = pipeline.wait_for_clip(video["video_id"], new_id)
        assert (made["aspect"], made["caption_style"], made["width"], made["height"]) == ("1:1", "clean", 1080, 1080)
        assert (made["start"], made["end"], made["moment_id"]) == (original["start"], original["end"],
                                                                   original["moment_id"])
        assert http.get(made["links"]["mp4"]).status_code == 200
        again = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"caption_style": "clean", "aspect": "1:1"})
        assert again.status_code == 200 and again.json() == {"clip_id": new_id, "status": "rendered",
                                                             "links": {"self": f"/v1/clips/{new_id}"}}
        bad = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"caption_style": "comic-sans"})
        assert bad.status_code == 422
        assert http.post(f"/v1/clips/{original['clip_id']}/renders", json={"trim": "some"}).status_code == 422
        assert http.post(f"/v1/clips/{original['clip_id']}/renders", json={"hook_title": "no"}).status_code == 422
        # as spoken, untrimmed, without the title: another clip, exactly as long as its moment
        whole = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"trim": "off", "hook_title": False})
        assert whole.status_code == 202, whole.text
        untrimmed = pipeline.wait_for_clip(video["video_id"], whole.json()["clip_id"])
        assert untrimmed["trimmed_seconds"] == 0 and untrimmed["variant"].endswith(":trim=off:hook_title=off")
        assert abs(untrimmed["duration"] - (untrimmed["end"] - untrimmed["start"])) < 0.1
        handoff = json.loads(pipeline.clip_file(untrimmed, "handoff").read_text())
        assert handoff["hook"] is None and handoff["trim"] is None
        assert json.loads(pipeline.clip_file(original, "handoff").read_text())["hook"]["text"] == original["title"]
        # a re-render of that clip asking nothing keeps what it was made with: it is that clip
        same = http.post(f"/v1/clips/{untrimmed['clip_id']}/renders", json={})
        assert same.status_code == 200 and same.json()["clip_id"] == untrimmed["clip_id"], same.text
    assert len(pipeline.client.clips(video["video_id"])["clips"]) == 3


@pytest.mark.slow
def test_rerender_at_another_length_recuts_on_whole_sentences(pipeline, media_dir):
    reading = media_dir / "derived" / "ljspeech_LJ001-0001_to_0032_concat.wav"
    video = pipeline.process(reading, clip_count=1, min_seconds=40, max_seconds=60)
    assert video["status"] == "completed", video.get("error")
    video_id = video["video_id"]
    original = pipeline.client.clips(video_id)["clips"][0]
    assert original["end"] - original["start"] >= 40  # the moment: its clip is that less what was trimmed
    sentences = pipeline.client.transcript(video_id)["sentences"]
    starts, ends = {s["start"] for s in sentences}, {s["end"] for s in sentences}
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers=headers) as http:
        path = f"/v1/clips/{original['clip_id']}/renders"
        asked = http.post(path, json={"length": "15-30"})
        assert asked.status_code == 202, asked.text
        queued = asked.json()
        assert queued["start"] in starts and queued["end"] in ends
        assert 15 <= queued["end"] - queued["start"] <= 30
        # The re-cut stays inside the moment, and keeps its opening sentence (its hook) when a run
        # of whole sentences from there fits the new length.
        assert original["start"] <= queued["start"] and queued["end"] <= original["end"]
        from_opening = [e for e in ends if 15 <= e - original["start"] <= 30 and e <= original["end"]]
        assert (queued["start"] == original["start"]) == bool(from_opening), (queued, from_opening)
        made = pipeline.wait_for_clip(video_id, queued["clip_id"])
        assert (made["start"], made["end"], made["moment_id"]) == (queued["start"], queued["end"],
                                                                   original["moment_id"])
        assert abs(made["duration"] - (made["end"] - made["start"] - made["trimmed_seconds"])) < 0.25
        assert http.post(path, json={"length": "15-30"}).json()["status"] == "rendered"
        # the re-cut clip asked again for nothing keeps its span: it is that clip
        kept = http.post(f"/v1/clips/{queued['clip_id']}/renders", json={})
        assert kept.status_code == 200 and kept.json()["clip_id"] == queued["clip_id"], kept.text
        # Asking by seconds for the same span finds the same clip.
        same = http.post(path, json={"min_seconds": 15, "max_seconds": 30})
        assert same.status_code == 200 and same.json()["clip_id"] == queued["clip_id"]
        for bad in ({"length": "5-10"}, {"min_seconds": 20}, {"min_seconds": 30, "max_seconds": 10},
                    {"min_seconds": 1, "max_seconds": 2}, {"max_seconds": "long", "min_seconds": 3}):
            answer = http.post(path, json=bad)
            assert answer.status_code == 422 and answer.json()["error"]["code"] == "invalid_body", bad
