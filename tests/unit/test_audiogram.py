"""An audio-only clip's picture when its source carries cover art (a podcast's MP3), and a still
video's (a "video podcast"): the cover drawn sharp beside or above the bars and blurred behind
everything, clear of the title and the captions on every frame shape; rendered by FFmpeg for real."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image
import pytest

from streams.domain.brand import BrandKit
from streams.domain.words import Word
from streams.media import audiogram
from streams.media.ass import safe_area
from streams.media.captions import caption_style
from streams.media.ffmpeg_args import MAX_FPS, build_ffmpeg_args, frame_rate
from streams.media.hook import Hook, captions_band, hook_style, layout_hook
from streams.media.render import render_clip
from streams.media.reframe.camera import CropKeyframe
from streams.media.reframe.observations import Source
from streams.media.reframe.planner import still_plan
from streams.media.reframe.reframe_plan import ReframePlan
from streams.media.render_spec import ASPECTS, RenderPaths, RenderSpec
from streams.media.reframe.stillness import picture_ended
from streams.media.source import SourceInfo, describe
from tests.frames import frame_at

RED = np.array((0xE0, 0x20, 0x20))
WORDS = tuple(Word(w, 0.1 + 0.5 * i, 0.5 + 0.5 * i) for i, w in enumerate("the cover stays on screen".split()))
PATHS = RenderPaths(Path("/clips/c.ass"), Path("/clips/c.mp4"), None, None)
TITLE = "Why most short clips fail in their first three seconds, and what the best editors do instead"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def podcast(tmp_path_factory) -> Path:
    """Two seconds of a tone, then silence, in an MP3 whose ID3 tag carries a red square cover."""
    root = tmp_path_factory.mktemp("cover")
    cover, sound, out = root / "cover.png", root / "sound.mp3", root / "episode.mp3"
    ffmpeg("-f", "lavfi", "-i", "color=c=0xE02020:s=600x600", "-frames:v", "1", str(cover))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=2", "-af", "apad=whole_dur=6",
           "-c:a", "libmp3lame", str(sound))
    ffmpeg("-i", str(sound), "-i", str(cover), "-map", "0", "-map", "1", "-c", "copy", "-id3v2_version", "3",
           "-disposition:v", "attached_pic", str(out))
    return out


def render(spec: RenderSpec, out: Path):
    return asyncio.run(render_clip(spec, out))


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
@pytest.mark.parametrize("position", ["bottom", "middle", "top"])
@pytest.mark.parametrize("shape", [1.0, 16 / 9, 4 / 3, 2.39, 9 / 16], ids=["square", "16:9", "4:3", "scope", "tall"])
def test_the_cover_and_the_bars_share_the_free_band_clear_of_the_title_and_the_captions(aspect, position, shape):
    """Cover art (square) and a still video's picture (its own shape): wherever the cover goes it
    keeps its shape, stays in the safe area, clear of the captions and a long title, and never
    under the bars; a picture only a tall frame has room for may be left to its blur."""
    width, height = ASPECTS[aspect]
    style = dataclasses.replace(caption_style("bold"), position=position)
    bars, cover = audiogram.layout(style, width, height, shape)
    assert audiogram.layout(style, width, height, None) == (audiogram.placement(style, width, height), None)
    if cover is None:
        assert shape < 1 and height < 1.5 * width and bars == audiogram.placement(style, width, height)
        return
    assert (cover.width * cover.height) ** 0.5 >= audiogram.COVER_SMALLEST * min(width, height)
    assert abs(cover.width / cover.height / shape - 1) < 0.015, (cover, shape)
    safe = safe_area(width, height)
    top, bottom = captions_band(style, width, height)
    title = layout_hook(Hook(TITLE), width, height, hook_style(style, TITLE), None, [], 10.0)
    boxes = {"cover": (cover.x, cover.y, cover.width, cover.height), "bars": (bars.x, bars.y, bars.width, bars.height)}
    for name, (x, y, w, h) in boxes.items():
        assert x >= width * safe.side and x + w <= width * (1 - safe.side), (name, x, w)
        assert y >= height * safe.top and y + h <= height * (1 - safe.bottom), (name, y, h)
        assert y + h <= top or y >= bottom, (name, y, h, top, bottom)
        assert y + h <= title.top or y >= title.bottom, (name, y, h, title.top, title.bottom)
        assert x % 2 == y % 2 == w % 2 == h % 2 == 0, (name, x, y, w, h)
    beside = cover.x + cover.width <= bars.x
    assert beside or cover.y + cover.height <= bars.y  # beside the bars or above them, never over them
    assert bars.width % (2 * audiogram.BARS) == 0 and bars.width >= 4 * audiogram.BARS
    if height > width:  # a tall frame puts the bars under the cover when that leaves it large enough
        band = max(audiogram._free_rows(style, width, height), key=lambda rows: rows[1] - rows[0])
        assert not beside or cover.width * audiogram.BESIDE > audiogram._column(*band, width, height, shape).cover.width


def test_args_read_the_cover_from_the_start_and_compose_the_still_picture_once():
    spec = RenderSpec(Path("episode.mp3"), 3, 8, aspect="9:16")
    args = build_ffmpeg_args(spec, SourceInfo(False, True, artwork=1), PATHS)
    bars, cover = audiogram.layout(spec.style, 1080, 1920, 1.0)
    # The cover's input is read from its first packet (a seek, even to 0, drops the picture); the
    # sound's input is sought to the clip.
    first = args.index("-i")
    assert "-ss" not in args[:first] and args[first - 2:first + 2] == ["-t", "1.000", "-i", "file:episode.mp3"]
    assert args[first + 1:].count("-ss") == 1 and args[args.index("-ss") + 1] == "3.000"
    lines = graph(args).split(";")
    assert lines[0] == "[0:1]setsar=1,format=yuv420p,split[cover_back][cover_front]"  # the cover's own stream
    assert "gblur=sigma=32" in lines[1] and "lutyuv=y=val*0.4" in lines[1] and lines[1].endswith("[behind]")
    n = cover.width
    assert f"[behind][cover]overlay=x={cover.x}+({n}-w)/2:y={cover.y}+({n}-h)/2,loop=loop=-1:size=1" in graph(args)
    assert f"[still][bars]overlay=x={bars.x}:y={bars.y}:format=yuv420,ass=filename=/clips/c.ass" in graph(args)
    assert "lavfi" not in args[:first]  # no colour source: the still picture is the cover's
    plain = build_ffmpeg_args(spec, SourceInfo(False, True), PATHS)
    assert "gblur" not in graph(plain) and plain[plain.index("-i") - 2:plain.index("-i")] == ["-f", "lavfi"]


def test_a_brand_background_colour_replaces_the_blurred_cover():
    spec = RenderSpec(Path("episode.mp3"), 3, 8, brand=BrandKit(background_colour="#203A5C"))
    lines = graph(build_ffmpeg_args(spec, SourceInfo(False, True, artwork=1), PATHS)).split(";")
    assert lines[0] == "color=c=0x203A5C:s=1080x1920,format=yuv420p,trim=end_frame=1[behind]"
    assert lines[1] == "[0:1]setsar=1,format=yuv420p[cover_front]" and "gblur" not in ";".join(lines)


def graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


def test_a_podcast_with_a_cover_gets_it_sharp_over_its_blur_with_the_bars_following_the_sound(podcast, tmp_path):
    spec = RenderSpec(podcast, 0.5, 5.0, words=WORDS, preset="ultrafast", loudness=False)
    result = render(spec, tmp_path)
    bars, cover = audiogram.layout(spec.style, 1080, 1920, 1.0)
    sounding, silent = frame_at(result.mp4, 1.0), frame_at(result.mp4, 3.5)
    inner = slice(cover.y + 8, cover.y + cover.height - 8), slice(cover.x + 8, cover.x + cover.width - 8)
    for frame in (sounding, silent):  # the cover is there all through, as sharp as it was given
        assert np.abs(frame[inner].mean(axis=(0, 1)) - RED).max() < 12
    behind = sounding[20:200].mean(axis=(0, 1))  # the blurred cover, dimmed and less saturated
    assert behind[0] > behind[1] + 20 and behind[0] < RED[0] * 0.6 and abs(behind[1] - behind[2]) < 12
    assert np.abs(sounding[20:200].astype(float).std(axis=(0, 1))).max() < 4  # a red square blurs to one colour

    def drawn(frame: np.ndarray) -> int:  # rows of the bars' box that are not the background
        box = frame[bars.y:bars.y + bars.height, bars.x:bars.x + bars.width]
        return int((np.abs(box - behind).max(axis=2) > 40).any(axis=1).sum())

    assert drawn(sounding) > bars.height / 2 >= 5 * drawn(silent), (drawn(sounding), drawn(silent), bars.height)
    assert (sounding[1250:1600].min(axis=2) > 230).sum() > 2000  # the captions, white, in their band
    handed = json.loads(result.handoff.read_text())  # the editor is told what is drawn, and gets the art
    assert handed["audiogram"] == {"bars": {"x": bars.x, "y": bars.y, "w": bars.width, "h": bars.height},
                                   "cover": {"x": cover.x, "y": cover.y, "w": cover.width, "h": cover.height},
                                   "background": "cover",
                                   "art": {"file": "clip.cover.png", "width": 600, "height": 600}}
    assert result.cover == tmp_path / "clip.cover.png" and handed["output"]["files"]["cover"] == "clip.cover.png"
    with Image.open(result.cover) as art:  # the attached picture itself, as a PNG
        assert art.format == "PNG" and np.abs(np.asarray(art.convert("RGB"), dtype=float).mean(axis=(0, 1)) - RED).max() < 3


def test_a_brand_background_colour_shows_around_the_cover(podcast, tmp_path):
    spec = RenderSpec(podcast, 0.5, 3.0, words=WORDS[:2], preset="ultrafast", loudness=False,
                      brand=BrandKit(background_colour="#203A5C"))
    frame = frame_at(render(spec, tmp_path).mp4, 1.0)
    _, cover = audiogram.layout(spec.style, 1080, 1920, 1.0)
    assert np.abs(frame[20:200].mean(axis=(0, 1)) - (0x20, 0x3A, 0x5C)).max() < 8
    middle = frame[cover.y + cover.height // 2, cover.x + cover.width // 2]
    assert np.abs(middle - RED).max() < 12
    assert audiogram.described(spec, SourceInfo(False, True, artwork=1), False, (1080, 1920))["background"] == "#203A5C"


def test_the_handoff_of_a_clip_without_a_cover_names_its_bars_and_plain_background():
    spec = RenderSpec(Path("memo.m4a"), 0, 5, aspect="4:5")
    box = audiogram.placement(spec.style, 1080, 1350)
    assert audiogram.described(spec, SourceInfo(False, True), False, (1080, 1350)) == {
        "bars": {"x": box.x, "y": box.y, "w": box.width, "h": box.height}, "cover": None,
        "background": audiogram.BACKGROUND}


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
def test_a_cover_without_bars_takes_the_room_they_took_under_it(aspect):
    width, height = ASPECTS[aspect]
    style = caption_style("bold")
    alone, beside = audiogram.layout(style, width, height, 1.0, bars=False), audiogram.layout(style, width, height, 1.0)
    assert alone.bars is None and alone.cover is not None and beside.cover is not None
    under = beside.bars is not None and beside.bars.y >= beside.cover.y + beside.cover.height
    assert alone.cover.width > beside.cover.width if under else alone.cover.width >= beside.cover.width
    title = layout_hook(Hook(TITLE), width, height, hook_style(style, TITLE), None, [], 10.0)
    top, bottom = captions_band(style, width, height)
    y, side = alone.cover.y, alone.cover.width
    assert title.bottom <= y and y + side <= top and alone.cover.x * 2 + side in (width, width - 1, width - 2)
    assert audiogram.layout(style, width, height, None, bars=False) == (None, None)


def test_a_brand_kit_turns_the_bars_or_the_cover_off():
    source = SourceInfo(False, True, artwork=1)
    no_bars = RenderSpec(Path("episode.mp3"), 3, 8, brand=BrandKit(audiogram_bars=False))
    lines = graph(build_ffmpeg_args(no_bars, source, PATHS)).split(";")
    assert "showfreqs" not in ";".join(lines) and "asplit" not in lines[-1]  # the sound goes to the file only
    assert lines[-2] == "[still]null,ass=filename=/clips/c.ass,format=yuv420p[v]" and "gblur" in ";".join(lines)
    plain = build_ffmpeg_args(no_bars, SourceInfo(False, True), PATHS)
    assert plain[plain.index("lavfi") + 2] == "color=c=0x14141c:s=1080x1920:r=30"
    assert graph(plain).startswith("[0:v]null,ass=") and "showfreqs" not in graph(plain)
    no_cover = build_ffmpeg_args(RenderSpec(Path("episode.mp3"), 3, 8, brand=BrandKit(audiogram_cover=False)),
                                 source, PATHS)
    assert "-t" not in no_cover[:no_cover.index("-ss")] and "gblur" not in graph(no_cover)
    assert "showfreqs" in graph(no_cover) and graph(no_cover).split(";")[-1].endswith("asplit[a][heard]")
    assert audiogram.described(RenderSpec(Path("episode.mp3"), 3, 8, brand=BrandKit(audiogram_cover=False)), source,
                               False, (1080, 1920))["cover"] is None


def test_a_cover_alone_renders_sharp_over_its_blur_and_nothing_moves(podcast, tmp_path):
    spec = RenderSpec(podcast, 0.5, 3.0, words=WORDS[:2], preset="ultrafast", loudness=False,
                      brand=BrandKit(audiogram_bars=False))
    result = render(spec, tmp_path)
    _, cover = audiogram.layout(spec.style, 1080, 1920, 1.0, bars=False)
    sounding = frame_at(result.mp4, 1.0)
    inner = slice(cover.y + 8, cover.y + cover.height - 8), slice(cover.x + 8, cover.x + cover.width - 8)
    assert np.abs(sounding[inner].mean(axis=(0, 1)) - RED).max() < 12
    below = sounding[cover.y + cover.height + 20:cover.y + cover.height + 200]  # where bars would stand
    assert below.astype(float).std(axis=(0, 1)).max() < 4  # the blur alone, though the tone sounds
    assert json.loads(result.handoff.read_text())["audiogram"]["bars"] is None


BLUE = np.array((0x20, 0x40, 0xE0))


@pytest.fixture(scope="module")
def still_video(tmp_path_factory, podcast) -> Path:
    """A "video podcast": six seconds of one 1280x720 picture (red, its left quarter blue) over the
    podcast's sound, coded as such uploads are (a keyframe a second, the picture coded again)."""
    root = tmp_path_factory.mktemp("still")
    picture, out = root / "picture.png", root / "episode.mp4"
    ffmpeg("-f", "lavfi", "-i", "color=c=0xE02020:s=1280x720", "-vf", "drawbox=x=0:y=0:w=320:h=720:c=0x2040E0:t=fill",
           "-frames:v", "1", str(picture))
    ffmpeg("-loop", "1", "-framerate", "25", "-i", str(picture), "-i", str(podcast), "-map", "0:v", "-map", "1:a",
           "-t", "6", "-c:v", "libx264", "-preset", "ultrafast", "-crf", "30", "-g", "25", "-pix_fmt", "yuv420p",
           "-c:a", "aac", str(out))
    return out


def still_spec(path: Path, **options) -> RenderSpec:
    plan = ReframePlan("still", "9:16", Source(1280, 720, 25.0), 0.5, 5.0, 1280, 720)
    return RenderSpec(path, 0.5, 5.0, words=WORDS, preset="ultrafast", loudness=False, plan=plan, **options)


def test_a_still_video_is_drawn_as_an_audiogram_with_its_own_picture_as_the_cover(still_video, tmp_path):
    spec = still_spec(still_video)
    info = SourceInfo(True, True, 1280, 720, 25.0, 6.0)
    args = build_ffmpeg_args(spec, info, PATHS)
    first = args.index("-i")  # the picture is read at the clip's start, one frame of it composed once
    assert args[first - 4:first + 2] == ["-ss", "0.500", "-t", "1.000", "-i", f"file:{still_video}"]
    assert graph(args).startswith("[0:v:0]trim=end_frame=1,setsar=1,format=yuv420p,split[cover_back][cover_front]")
    bars, cover = audiogram.layout(spec.style, 1080, 1920, 1280 / 720)
    square = audiogram.layout(spec.style, 1080, 1920, 1.0).cover
    assert abs(cover.width / cover.height - 16 / 9) < 0.02 and cover.width > square.width  # its own shape, wider
    result = render(spec, tmp_path)
    sounding, silent = frame_at(result.mp4, 1.0), frame_at(result.mp4, 3.5)
    quarter = cover.width // 4
    for frame in (sounding, silent):  # the whole picture, the right way round, sharp inside its box
        right = frame[cover.y + 8:cover.y + cover.height - 8, cover.x + quarter + 8:cover.x + cover.width - 8]
        left = frame[cover.y + 8:cover.y + cover.height - 8, cover.x + 8:cover.x + quarter - 8]
        assert np.abs(right.mean(axis=(0, 1)) - RED).max() < 14 and np.abs(left.mean(axis=(0, 1)) - BLUE).max() < 14
    box = (slice(bars.y, bars.y + bars.height), slice(bars.x, bars.x + bars.width))
    moved = np.abs(sounding[box].astype(int) - silent[box]).max(axis=2) > 40  # the bars stand, then lie flat
    assert moved.any(axis=1).sum() > bars.height / 2, (moved.any(axis=1).sum(), bars.height)
    document = json.loads(result.handoff.read_text())
    assert document["layout"] == "still" and document["crop"] == {"panels": []}
    assert document["audiogram"] == audiogram.described(spec, info, True, (1080, 1920))
    assert document["audiogram"]["cover"] == {"x": cover.x, "y": cover.y, "w": cover.width, "h": cover.height}


def test_a_cover_planned_as_a_split_of_its_printed_faces_is_drawn_as_any_still(still_video):
    """A podcast's cover with its two hosts is planned as a split first (``planner.still_plan``
    then draws it still): nothing of the split is left to the render."""
    split = ReframePlan("split", "9:16", Source(1280, 720, 25.0), 0.5, 5.0, 640, 568,
                        keyframes=(CropKeyframe(0.5, 320, 300),), second=(CropKeyframe(0.5, 960, 300),),
                        cuts=(2.0,), panels=(0, 1), faces=((1.0, 280, 250, 370, 350), (1.0, 900, 250, 990, 350)))
    drawn = still_plan(split)
    assert (drawn.layout, drawn.crop_width, drawn.crop_height, drawn.keyframes, drawn.second, drawn.cuts,
            drawn.panels) == ("still", 1280, 720, (), (), (), ())
    info = SourceInfo(True, True, 1280, 720, 25.0, 6.0)
    plain = still_spec(still_video)
    assert build_ffmpeg_args(dataclasses.replace(plain, plan=drawn), info, PATHS) == build_ffmpeg_args(plain, info,
                                                                                                       PATHS)


def test_the_art_of_a_clip_is_a_still_videos_picture_else_its_cover_art():
    video, podcast = SourceInfo(True, True, 1920, 1080, 25.0, 60.0, artwork=2), SourceInfo(False, True, artwork=1)
    assert audiogram.art(video, 12.0) == audiogram.Art("v:0", 12.0, 1920 / 1080)
    assert audiogram.art(podcast) == audiogram.Art("1") and audiogram.art(SourceInfo(False, True)) is None
    # A kit that turns the cover off draws the still's bars on its colour.
    assert audiogram.choices(BrandKit(audiogram_cover=False), audiogram.art(video, 12.0)).cover is None


def test_a_still_coded_at_a_frame_a_second_is_drawn_at_the_full_rate():
    """Still uploads are often coded at one frame a second: the picture drawn here (bars that
    follow the voice) is not, while a video framed from its own frames keeps its rate."""
    slow = SourceInfo(True, True, 1280, 720, 1.0, 60.0)
    spec = still_spec(Path("episode.mp4"))
    assert frame_rate(spec, slow) == MAX_FPS and frame_rate(RenderSpec(Path("episode.mp4"), 0.5, 5.0), slow) == 1.0
    drawn = graph(build_ffmpeg_args(spec, slow, PATHS))
    assert f"showfreqs=s={audiogram.BARS + 1}x{audiogram.HALF * audiogram.GAIN}:r={MAX_FPS:g}:" in drawn
    assert f"fps={MAX_FPS:g}[still]" in drawn


@pytest.fixture(scope="module")
def one_frame(tmp_path_factory, still_video) -> Path:
    """The still episode muxed as an image often is, without looping it: one frame of picture over
    the whole sound (the picture track ends 40 ms in)."""
    root = tmp_path_factory.mktemp("one_frame")
    picture, out = root / "picture.png", root / "episode.mp4"
    ffmpeg("-i", str(still_video), "-frames:v", "1", str(picture))
    ffmpeg("-framerate", "25", "-i", str(picture), "-i", str(still_video), "-map", "0:v", "-map", "1:a",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "copy", str(out))
    return out


def test_a_still_past_the_end_of_its_pictures_takes_the_last_one_as_its_cover(one_frame, still_video, tmp_path):
    info = describe(one_frame)
    assert info.picture_end is not None and info.picture_end < 0.1 and info.duration > 5
    assert describe(still_video).picture_end == pytest.approx(6.0, abs=0.05)
    assert audiogram.art(info, 3.0) == audiogram.Art("v:0", 0.0, 1280 / 720)  # not a seek past the last picture
    lasting = dataclasses.replace(info, picture_end=None)
    assert audiogram.art(lasting, 3.0) == audiogram.Art("v:0", 3.0, 1280 / 720)
    result = render(still_spec(one_frame), tmp_path)  # read in the sandbox, as the worker reads it
    assert result.cover is None  # a still video's timeline draws the source itself: no art file
    _, cover = audiogram.layout(still_spec(one_frame).style, 1080, 1920, 1280 / 720)
    late = frame_at(result.mp4, 4.0)
    right = late[cover.y + 8:cover.y + cover.height - 8, cover.x + cover.width // 4 + 8:cover.x + cover.width - 8]
    assert np.abs(right.mean(axis=(0, 1)) - RED).max() < 14


def test_matroska_says_where_its_pictures_end_in_a_tag(one_frame, tmp_path):
    """Matroska keeps no duration per track; FFmpeg's muxer writes a ``DURATION`` tag instead."""
    mkv = tmp_path / "episode.mkv"
    ffmpeg("-i", str(one_frame), "-c", "copy", str(mkv))
    info = describe(mkv)
    assert info.picture_end is not None and info.picture_end < 0.1 and info.duration > 5


def test_a_clip_is_past_its_pictures_when_they_end_before_its_middle():
    assert picture_ended(0.04, 4.0, 8.0) and picture_ended(5.9, 4.0, 8.0)
    assert not picture_ended(6.1, 4.0, 8.0) and not picture_ended(None, 4.0, 8.0)
    assert not picture_ended(3600.0, 4.0, 8.0)
