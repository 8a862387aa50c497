"""Re-rendering a clip with another caption style, aspect or length goes down the render path and
adds a clip; asking again gives the same clip, not a second one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import httpx
import pytest

from streams.stack.credentials import api_key_for
from tests.httpd import Answer, LocalServer

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


async def _scheduled_post(pool, tenant_id: str, clip_id: str) -> str:
    """A post of the clip scheduled far ahead, made as the publisher's tables hold one (the session
    stack has publishing off, so not through the API)."""
    from datetime import UTC, datetime

    from streams.publish import store
    from streams.publish.platform import PostRequest

    async with pool.acquire() as conn:
        account = await store.add_account(conn, tenant_id, "youtube", "a channel", b"sealed elsewhere")
        post = await store.create_post(conn, tenant_id, clip_id, account.account_id, PostRequest("a post"),
                                       datetime.now(UTC).replace(year=2099))
    return post.post_id


async def _send_again(bootstrap: str, message: dict) -> None:
    """A message of the render requests topic delivered once more, byte for byte, as Kafka does
    after a worker dies before committing it."""
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait("render_requests", message["value"], key=message["key"])
    finally:
        await producer.stop()


def test_a_deleted_clip_is_gone_with_its_files_and_only_a_new_request_draws_it_again(pipeline, media_dir):
    import asyncio

    from tests.owner import as_owner
    from tests.topics import read_topic, worker_caught_up

    video = pipeline.process(media_dir / "speech" / "jfk.wav", clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    video_id = video["video_id"]
    original = pipeline.client.clips(video_id)["clips"][0]
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"}
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers=headers) as http, \
            LocalServer(lambda request, index: Answer(204)) as receiver:
        endpoint = http.post("/v1/webhooks/endpoints", json={"url": receiver.url("/hook"),
                                                             "event_types": ["clip.rendered", "clip.deleted",
                                                                             "video.deleted"]})
        assert endpoint.status_code == 201, endpoint.text

        def told(kind: str, count: int) -> list[dict]:
            """The bodies of the endpoint's ``kind`` webhooks about this video, once ``count`` came."""
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                hooks = [json.loads(r.body) for r in receiver.received]
                mine = [h for h in hooks if h["type"] == kind and h["data"]["video_id"] == video_id]
                if len(mine) >= count:
                    return mine
                time.sleep(0.5)
            return mine

        look = {"caption_style": "karaoke", "aspect": "1:1"}
        asked = http.post(f"/v1/clips/{original['clip_id']}/renders", json=look)
        assert asked.status_code == 202, asked.text
        made = pipeline.wait_for_clip(video_id, asked.json()["clip_id"])
        files = [pipeline.clip_file(made, kind) for kind in ("mp4", "srt", "vtt", "thumbnail", "handoff")]
        assert all(f.is_file() for f in files)
        path = f"/v1/clips/{made['clip_id']}"

        # A scheduled post holds the clip: 409, nothing changes; cancelled, the post goes with it.
        post_id = as_owner(pipeline.settings, lambda pool: _scheduled_post(pool, pipeline.tenant_id, made["clip_id"]))
        held = http.delete(path)
        assert held.status_code == 409 and held.json()["error"]["code"] == "clip_has_posts", held.text
        assert "1 scheduled" in held.json()["error"]["message"]
        assert http.get(path).status_code == 200 and all(f.is_file() for f in files)
        assert http.post(f"/v1/posts/{post_id}/cancel").status_code == 200

        gone = http.delete(path)
        assert gone.status_code == 204, gone.text
        assert http.get(path).status_code == 404
        assert http.get(f"/v1/posts/{post_id}").status_code == 404
        assert made["clip_id"] not in {c["clip_id"] for c in pipeline.client.clips(video_id)["clips"]}
        assert not any(f.exists() for f in files)
        assert all(f.is_file() for f in (pipeline.clip_file(original, "mp4"), pipeline.clip_file(original, "srt")))
        again = http.delete(path)
        assert again.status_code == 404 and again.json()["error"]["code"] == "clip_not_found"
        again_cli = _cli(pipeline, "clips", "delete", made["clip_id"])  # the command line's way, through the API
        assert again_cli.returncode == 2 and "clip_not_found" in again_cli.stderr, again_cli.stderr
        [deleted] = told("clip.deleted", 1)
        assert deleted["data"] | {"links": None} == {"video_id": video_id, "tenant_id": pipeline.tenant_id,
                                                     "clip_id": made["clip_id"], "moment_id": made["moment_id"],
                                                     "aspect": "1:1", "links": None}

        # The request that drew it, delivered again: the worker handles it and draws nothing.
        requests = asyncio.run(read_topic(pipeline.settings.kafka_bootstrap, "render_requests", key=video_id, raw=True))
        drawn = [m for m in requests if json.loads(m["value"])["clip_id"] == made["clip_id"]]
        assert len(drawn) == 1
        asyncio.run(_send_again(pipeline.settings.kafka_bootstrap, drawn[0]))
        asyncio.run(worker_caught_up(pipeline.settings.kafka_bootstrap))
        assert http.get(path).status_code == 404
        assert not any(f.exists() for f in files)

        # Asked for again by a person: queued (not "rendered"), and drawn again.
        back = http.post(f"/v1/clips/{original['clip_id']}/renders", json=look)
        assert back.status_code == 202 and back.json()["clip_id"] == made["clip_id"], back.text
        redrawn = pipeline.wait_for_clip(video_id, made["clip_id"])
        assert (redrawn["start"], redrawn["end"], redrawn["caption_style"]) == (made["start"], made["end"], "karaoke")
        assert all(f.is_file() for f in files)
        # announced rendered again (a delivery of its own, not dropped as the first one's repeat)
        rendered = [h for h in told("clip.rendered", 2) if h["data"]["clip_id"] == made["clip_id"]]
        assert len(rendered) == 2 and rendered[0]["timestamp"] != rendered[1]["timestamp"], rendered
        assert len(told("clip.deleted", 1)) == 1
        # the whole video deleted (from the command line): one webhook names every clip it took with it
        listed = _cli(pipeline, "clips", "list", video_id, "--json")
        assert listed.returncode == 0, listed.stderr
        assert sorted(c["clip_id"] for c in json.loads(listed.stdout)) == sorted([original["clip_id"], made["clip_id"]])
        newest = json.loads(_cli(pipeline, "videos", "list", "--limit", "100", "--json").stdout)
        assert video_id in [v["video_id"] for v in newest]
        deleting = _cli(pipeline, "videos", "delete", video_id)
        assert deleting.returncode == 0 and video_id in deleting.stdout, deleting.stderr
        assert http.get(f"/v1/videos/{video_id}").status_code == 404
        assert video_id not in _cli(pipeline, "videos", "list", "--limit", "100").stdout
        [whole] = told("video.deleted", 1)
        assert sorted(whole["data"]["clips"]) == sorted([original["clip_id"], made["clip_id"]]), whole
        assert len(told("clip.deleted", 1)) == 1  # its clips are not announced one by one
        http.delete(f"/v1/webhooks/endpoints/{endpoint.json()['endpoint_id']}")


def _cli(pipeline, *args: str) -> subprocess.CompletedProcess:
    """``clipstream`` run with ``args`` against the stack, its output captured."""
    env = {**os.environ, **pipeline.settings.as_env()}
    return subprocess.run([sys.executable, "-m", "streams.cli", *args], env=env, capture_output=True, text=True,
                          timeout=120)
