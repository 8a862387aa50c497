"""Editor timelines through the API and the CLI, for a processed talking head and an audio-only
upload: each format reads back with OpenTimelineIO with the clips' cuts and markers, the bundle
holds the source, captions and hand-off files, the web page's signed links work without a key,
and `clipstream export` unpacks a timeline whose media paths resolve."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

import httpx
import opentimelineio as otio
import pytest
from PIL import Image

from streams.stack.credentials import api_key_for
from streams.timeline import formats
from tests.media_recipes import short_talk

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def talk(pipeline, media_dir, built_media) -> dict:
    video = pipeline.process(short_talk(media_dir, built_media), clip_count=2, min_seconds=3, max_seconds=8)
    assert video["status"] == "completed", video.get("error")
    return video


def http(pipeline, key: bool = True) -> httpx.Client:
    headers = {"Authorization": f"Bearer {api_key_for(pipeline.settings)}"} if key else {}
    return httpx.Client(base_url=pipeline.settings.api_url, timeout=120, headers=headers)


def cuts_of(timeline: otio.schema.Timeline) -> list[tuple[float, float]]:
    return [(round(c.source_range.start_time.to_seconds(), 2), round(c.source_range.end_time_exclusive().to_seconds(), 2))
            for c in timeline.tracks[0].find_clips()]


@pytest.mark.parametrize("name", list(formats.FORMATS))
def test_the_video_timeline_holds_its_clips_in_rank_order_in_each_format(pipeline, talk, name):
    clips = [c for c in pipeline.client.clips(talk["video_id"])["clips"] if not c["superseded"]]
    with http(pipeline) as api:
        response = api.get(f"/v1/videos/{talk['video_id']}/timeline", params={"format": name})
    assert response.status_code == 200, response.text
    fmt = formats.FORMATS[name]
    assert response.headers["content-type"].startswith(fmt.media_type)
    assert response.headers["content-disposition"].endswith(f'{fmt.suffix}"')
    back = formats.read(response.text, fmt, 25.0)  # the talking head is 25 fps
    frame = 1 / 25
    assert len(cuts_of(back)) == len({c["moment_id"] for c in clips})
    for (start, end), clip in zip(cuts_of(back), sorted(clips, key=lambda c: c["rank"])):
        assert abs(start - clip["start"]) <= frame and abs(end - clip["end"]) <= frame
    if fmt.markers == "clips":
        first = back.tracks[0].find_clips()[0]
        assert first.markers[0].name.lower().startswith(clips[0]["title"].lower()[:20])
        assert len(first.markers) > 1  # caption cues
    else:
        assert back.tracks.markers[0].name.startswith(clips[0]["title"][:20])
    if name in ("otio", "fcp7", "fcpxml", "kdenlive"):
        url = back.tracks[0].find_clips()[0].media_reference.target_url
        assert "/v1/videos/" in url and "token=" in url  # the source by signed link
        with http(pipeline, key=False) as anonymous:
            assert anonymous.get(url.replace(pipeline.settings.api_url, "")).status_code == 200


def test_a_clip_bundle_from_the_signed_link_holds_the_timeline_source_captions_and_hand_off(pipeline, talk):
    clip = pipeline.client.clips(talk["video_id"])["clips"][0]
    link = clip["urls"]["timeline"]["fcp7"]
    with http(pipeline, key=False) as anonymous:  # as the web page's download button
        response = anonymous.get(link)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert names[0].endswith(".xml") and f"captions/{clip['clip_id']}.srt" in names
    media = [n for n in names if n.startswith("media/")]
    assert len(media) == 1 and archive.getinfo(media[0]).file_size > 10_000
    handoff = json.loads(archive.read(f"handoff/{clip['clip_id']}.json"))
    assert handoff["version"] == 1 and handoff["clip"]["in"] == pytest.approx(clip["start"], abs=1e-3)
    back = formats.read(archive.read(names[0]).decode(), formats.FORMATS["fcp7"], 25.0)
    [cut] = list(back.tracks[0].find_clips())
    assert cut.media_reference.target_url == media[0]  # beside the timeline


def first_clip_bundle(pipeline, talk, name: str) -> tuple[dict, ElementTree.Element]:
    """The top clip's bundle in format ``name``: its hand-off JSON and its timeline's XML root."""
    clip = pipeline.client.clips(talk["video_id"])["clips"][0]
    with http(pipeline) as api:
        response = api.get(f"/v1/clips/{clip['clip_id']}/timeline", params={"format": name, "bundle": "zip"})
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    handoff = json.loads(archive.read(f"handoff/{clip['clip_id']}.json"))
    return handoff, ElementTree.fromstring(archive.read(archive.namelist()[0]))


def test_the_final_cut_timeline_draws_the_clip_as_rendered(pipeline, talk):
    """FCPXML carries the reframe: a sequence at the clip's size, the source scaled and moved by
    keyframes so the hand-off's first crop box fills the frame, and the captions as a caption role."""
    handoff, root = first_clip_bundle(pipeline, talk, "fcpxml")
    sequence = root.find(".//sequence")
    size = root.find(f"./resources/format[@id='{sequence.get('format')}']")
    assert (int(size.get("width")), int(size.get("height"))) == (handoff["output"]["width"], handoff["output"]["height"])
    assert handoff["layout"] in ("single", "static", "fit"), handoff["layout"]
    transform = root.find(".//asset-clip/adjust-transform")
    assert transform is not None
    scale = float(transform.get("scale").split()[0])
    if handoff["layout"] != "fit":
        box = handoff["crop"]["panels"][0][0]
        assert scale * box["w"] == pytest.approx(handoff["output"]["width"], abs=1)
    captions = root.findall(".//asset-clip/caption")
    assert len(captions) == len(handoff["captions"]["cues"]) > 0
    assert captions[0].find("text/text-style").text == handoff["captions"]["cues"][0]["text"]


def test_the_kdenlive_project_draws_the_clip_as_rendered(pipeline, talk):
    """The Kdenlive export carries the reframe too: a profile at the clip's size and on the clip a
    Position and Zoom filter whose first rect puts the hand-off's first crop box on the frame."""
    handoff, root = first_clip_bundle(pipeline, talk, "kdenlive")
    output = handoff["output"]
    assert root.find("profile").get("width") == str(output["width"])
    assert root.find("profile").get("height") == str(output["height"])
    [reframe] = [f for f in root.iter("filter") if f.find("property[@name='kdenlive_id']").text == "pan_zoom"]
    first = reframe.find("property[@name='transition.rect']").text.split(";")[0]
    frame, values = first.split("=")
    x, y, w, h, _ = map(float, values.split())
    assert frame == "0" and h / w == pytest.approx(handoff["source"]["height"] / handoff["source"]["width"], rel=1e-3)
    if handoff["layout"] != "fit":
        box = handoff["crop"]["panels"][0][0]
        scale = w / handoff["source"]["width"]
        assert scale * box["w"] == pytest.approx(output["width"], abs=1)
        assert x + scale * box["x"] == pytest.approx(0, abs=1)


def test_the_premiere_timeline_draws_the_clip_as_rendered(pipeline, talk):
    """The FCP7 XML carries the reframe as Basic Motion: a sequence at the clip's size, and a scale
    and center on the clip that put the hand-off's first crop box on the frame."""
    handoff, root = first_clip_bundle(pipeline, talk, "fcp7")
    output, source = handoff["output"], handoff["source"]
    size = root.find(".//sequence/media/video/format/samplecharacteristics")
    assert (int(size.findtext("width")), int(size.findtext("height"))) == (output["width"], output["height"])
    item = root.find(".//sequence/media/video/track/clipitem")
    [effect] = [e for e in item.iterfind("filter/effect") if e.findtext("name") == "Basic Motion"]
    params = {p.findtext("parameterid"): p for p in effect.iterfind("parameter")}
    scale = float(params["scale"].findtext("value")) / 100
    centre_x = output["width"] / 2 + float(params["center"].findtext("value/horiz")) * source["width"]
    if handoff["layout"] != "fit":
        box = handoff["crop"]["panels"][0][0]
        assert scale * box["w"] == pytest.approx(output["width"], abs=1)
        assert centre_x - scale * source["width"] / 2 + scale * box["x"] == pytest.approx(0, abs=1)


def test_bad_timeline_queries_are_typed_errors(pipeline, talk):
    clip = pipeline.client.clips(talk["video_id"])["clips"][0]
    with http(pipeline) as api:
        base = f"/v1/clips/{clip['clip_id']}/timeline"
        for params, code in (({"format": "aaf"}, "invalid_query"), ({"bundle": "tar"}, "invalid_query"),
                             ({"media_root": "/x"}, "invalid_query"),
                             ({"bundle": "zip", "media_root": "relative"}, "invalid_query")):
            response = api.get(base, params=params)
            assert (response.status_code, response.json()["error"]["code"]) == (422, code), params
        assert api.get("/v1/clips/nope/timeline").status_code == 404
        # A video's clip keeps no cover art: only an audio-only upload's clips have one, and the
        # listing says so rather than linking a download that answers 404.
        assert clip["cover"] is None and "cover" not in clip["links"] and "cover" not in clip["urls"], clip
        missing = api.get(f"/v1/clips/{clip['clip_id']}/download", params={"file": "cover"})
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "file_not_found")
        assert api.get("/v1/videos/nope/timeline").status_code == 404


def _red_square(png: bytes) -> None:
    with Image.open(io.BytesIO(png)) as cover:
        assert cover.format == "PNG" and cover.size == (600, 600)
        red = cover.convert("RGB").getpixel((300, 300))  # as attached, to a rounding
        assert max(abs(a - b) for a, b in zip(red, (0xE0, 0x20, 0x20))) <= 3, red


def test_an_audio_only_upload_exports_an_audio_timeline_and_a_bundle_with_its_cover_art(pipeline, media_dir,
                                                                                         tmp_path):
    """A podcast episode (speech with a red square attached as its cover art): in the formats that
    carry it the art is on a video track under the audio, a signed link to the clip's copy in a
    timeline alone (it opens without a key) and a PNG in a bundle; the others are audio only."""
    art, episode = tmp_path / "art.png", tmp_path / "episode.m4a"
    run = ["ffmpeg", "-v", "error", "-nostdin", "-y"]
    subprocess.run([*run, "-f", "lavfi", "-i", "color=c=0xE02020:s=600x600", "-frames:v", "1", str(art)], check=True)
    subprocess.run([*run, "-i", str(media_dir / "speech" / "jfk.wav"), "-i", str(art), "-map", "0:a", "-map", "1",
                    "-c:a", "aac", "-c:v", "png", "-disposition:v:0", "attached_pic", str(episode)], check=True)
    video = pipeline.process(episode, clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    audio, picture = otio.schema.TrackKind.Audio, otio.schema.TrackKind.Video
    # The clip's listing links its cover art, by the key and signed (which opens without one).
    [clip] = [c for c in pipeline.client.clips(video["video_id"])["clips"] if not c["superseded"]]
    assert clip["cover"] == clip["links"]["cover"] == f"/v1/clips/{clip['clip_id']}/download?file=cover", clip
    with http(pipeline, key=False) as anonymous:  # as the web page's download button
        _red_square(anonymous.get(clip["urls"]["cover"], follow_redirects=True).content)
    with http(pipeline) as api:
        for name, fmt in formats.FORMATS.items():
            response = api.get(f"/v1/videos/{video['video_id']}/timeline", params={"format": name})
            assert response.status_code == 200, (name, response.text)
            back = formats.read(response.text, fmt, 30.0)
            assert [t.kind for t in back.tracks] == ([picture, audio] if fmt.cover else [audio]), name
            if fmt.cover:
                linked = back.video_tracks()[0].find_clips()[0].media_reference.target_url
                assert linked.startswith("http") and "/download?file=cover&" in linked, (name, linked)
                opened = httpx.get(linked, timeout=60, follow_redirects=True)  # no key: the link is signed
                assert opened.status_code == 200, (name, opened.text)
                _red_square(opened.content)
            zipped = api.get(f"/v1/videos/{video['video_id']}/timeline", params={"format": name, "bundle": "zip"})
            assert zipped.status_code == 200, (name, zipped.text)
            with zipfile.ZipFile(io.BytesIO(zipped.content)) as zf:
                names = zf.namelist()
                assert "media/episode.cover.png" in names, (name, names)
                _red_square(zf.read("media/episode.cover.png"))
                back = formats.read(zf.read(names[0]).decode("utf-8"), fmt, 30.0)
            assert [t.kind for t in back.tracks] == ([picture, audio] if fmt.cover else [audio]), name
            if fmt.cover:
                shown = back.video_tracks()[0].find_clips()[0].media_reference.target_url
                assert unquote(shown).endswith("media/episode.cover.png"), (name, shown)


def test_clipstream_export_unpacks_a_timeline_whose_media_resolves(pipeline, talk, tmp_path):
    env = {**os.environ, **pipeline.settings.as_env()}
    out = tmp_path / "export"
    result = subprocess.run([sys.executable, "-m", "streams.cli", "export", talk["video_id"], "--format", "kdenlive",
                             "--out", str(out), "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    written = json.loads(result.stdout)
    timeline = Path(written["timeline"])
    assert timeline.suffix == ".kdenlive" and timeline.parent == out.resolve()
    back = formats.read(timeline.read_text(), formats.FORMATS["kdenlive"], 25.0)
    url = back.tracks[0].find_clips()[0].media_reference.target_url
    assert Path(unquote(urlparse(url).path)).is_file(), url  # an absolute file:// URL under --out
    failed = subprocess.run([sys.executable, "-m", "streams.cli", "export", "nope", "--out", str(out)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert failed.returncode == 2 and "video_not_found" in failed.stderr
