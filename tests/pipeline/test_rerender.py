"""Re-rendering a clip with another caption style and aspect goes down the render path and adds
a clip; asking again gives the same clip, not a second one."""

from __future__ import annotations

import time

import httpx
import pytest

from streams.credentials import api_key_for

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
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            clips = {c["clip_id"]: c for c in pipeline.client.clips(video["video_id"])["clips"]}
            if new_id in clips:
                break
            time.sleep(1)
        assert new_id in clips, "the re-rendered clip never appeared"
        made = clips[new_id]
        assert (made["aspect"], made["caption_style"], made["width"], made["height"]) == ("1:1", "clean", 1080, 1080)
        assert (made["start"], made["end"], made["moment_id"]) == (original["start"], original["end"],
                                                                   original["moment_id"])
        assert http.get(made["links"]["mp4"]).status_code == 200
        again = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"caption_style": "clean", "aspect": "1:1"})
        assert again.status_code == 200 and again.json() == {"clip_id": new_id, "status": "rendered",
                                                             "links": {"self": f"/v1/clips/{new_id}"}}
        bad = http.post(f"/v1/clips/{original['clip_id']}/renders", json={"caption_style": "comic-sans"})
        assert bad.status_code == 422
    assert len(pipeline.client.clips(video["video_id"])["clips"]) == 2
