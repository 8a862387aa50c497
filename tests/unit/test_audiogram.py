"""An audio-only clip's picture when its source carries cover art (a podcast's MP3): the cover
drawn sharp beside or above the bars and blurred behind everything, clear of the title and the
captions on every frame shape; rendered by FFmpeg for real."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from streams.domain.brand import BrandKit
from streams.domain.words import Word
from streams.media import audiogram
from streams.media.ass import safe_area
from streams.media.captions import caption_style
from streams.media.ffmpeg_args import build_ffmpeg_args
from streams.media.hook import Hook, captions_band, hook_style, layout_hook
from streams.media.render import render_clip
from streams.media.render_spec import ASPECTS, RenderPaths, RenderSpec
from streams.media.source import SourceInfo
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
def test_the_cover_and_the_bars_share_the_free_band_clear_of_the_title_and_the_captions(aspect, position):
    width, height = ASPECTS[aspect]
    style = dataclasses.replace(caption_style("bold"), position=position)
    bars, cover = audiogram.layout(style, width, height, True)
    assert cover is not None and cover.side >= audiogram.COVER_SMALLEST * min(width, height)
    assert audiogram.layout(style, width, height, False) == (audiogram.placement(style, width, height), None)
    safe = safe_area(width, height)
    top, bottom = captions_band(style, width, height)
    title = layout_hook(Hook(TITLE), width, height, hook_style(style, TITLE), None, [], 10.0)
    boxes = {"cover": (cover.x, cover.y, cover.side, cover.side), "bars": (bars.x, bars.y, bars.width, bars.height)}
    for name, (x, y, w, h) in boxes.items():
        assert x >= width * safe.side and x + w <= width * (1 - safe.side), (name, x, w)
        assert y >= height * safe.top and y + h <= height * (1 - safe.bottom), (name, y, h)
        assert y + h <= top or y >= bottom, (name, y, h, top, bottom)
        assert y + h <= title.top or y >= title.bottom, (name, y, h, title.top, title.bottom)
        assert x % 2 == y % 2 == w % 2 == h % 2 == 0, (name, x, y, w, h)
    beside = cover.x + cover.side <= bars.x
    assert beside or cover.y + cover.side <= bars.y  # beside the bars or above them, never over them
    assert bars.width % (2 * audiogram.BARS) == 0 and bars.width >= 4 * audiogram.BARS
    if height > width:  # a tall frame puts the bars under the cover when that leaves it large enough
        assert not beside or cover.side * audiogram.BESIDE > audiogram._column(
            *max(audiogram._free_rows(style, width, height), key=lambda band: band[1] - band[0]), width, height
        ).cover.side


def test_args_read_the_cover_from_the_start_and_compose_the_still_picture_once():
    spec = RenderSpec(Path("episode.mp3"), 3, 8, aspect="9:16")
    args = build_ffmpeg_args(spec, SourceInfo(False, True, artwork=1), PATHS)
    bars, cover = audiogram.layout(spec.style, 1080, 1920, True)
    # The cover's input is read from its first packet (a seek, even to 0, drops the picture); the
    # sound's input is sought to the clip.
    first = args.index("-i")
    assert "-ss" not in args[:first] and args[first - 2:first + 2] == ["-t", "1.000", "-i", "file:episode.mp3"]
    assert args[first + 1:].count("-ss") == 1 and args[args.index("-ss") + 1] == "3.000"
    lines = graph(args).split(";")
    assert lines[0] == "[0:1]setsar=1,format=yuv420p,split[cover_back][cover_front]"  # the cover's own stream
    assert "gblur=sigma=32" in lines[1] and "lutyuv=y=val*0.4" in lines[1] and lines[1].endswith("[behind]")
    n = cover.side
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
    bars, cover = audiogram.layout(spec.style, 1080, 1920, True)
    sounding, silent = frame_at(result.mp4, 1.0), frame_at(result.mp4, 3.5)
    inner = slice(cover.y + 8, cover.y + cover.side - 8), slice(cover.x + 8, cover.x + cover.side - 8)
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
    drawn_json = json.loads(result.handoff.read_text())["audiogram"]  # the editor is told what is drawn
    assert drawn_json == {"bars": {"x": bars.x, "y": bars.y, "w": bars.width, "h": bars.height},
                          "cover": {"x": cover.x, "y": cover.y, "side": cover.side}, "background": "cover"}


def test_a_brand_background_colour_shows_around_the_cover(podcast, tmp_path):
    spec = RenderSpec(podcast, 0.5, 3.0, words=WORDS[:2], preset="ultrafast", loudness=False,
                      brand=BrandKit(background_colour="#203A5C"))
    frame = frame_at(render(spec, tmp_path).mp4, 1.0)
    _, cover = audiogram.layout(spec.style, 1080, 1920, True)
    assert np.abs(frame[20:200].mean(axis=(0, 1)) - (0x20, 0x3A, 0x5C)).max() < 8
    middle = frame[cover.y + cover.side // 2, cover.x + cover.side // 2]
    assert np.abs(middle - RED).max() < 12
    assert audiogram.described(spec.style, (1080, 1920), spec.brand, 1)["background"] == "#203A5C"


def test_the_handoff_of_a_clip_without_a_cover_names_its_bars_and_plain_background():
    style = caption_style("bold")
    box = audiogram.placement(style, 1080, 1350)
    assert audiogram.described(style, (1080, 1350), None, None) == {
        "bars": {"x": box.x, "y": box.y, "w": box.width, "h": box.height}, "cover": None,
        "background": audiogram.BACKGROUND}


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
def test_a_cover_without_bars_takes_the_room_they_took_under_it(aspect):
    width, height = ASPECTS[aspect]
    style = caption_style("bold")
    alone, beside = audiogram.layout(style, width, height, True, bars=False), audiogram.layout(style, width, height, True)
    assert alone.bars is None and alone.cover is not None and beside.cover is not None
    under = beside.bars is not None and beside.bars.y >= beside.cover.y + beside.cover.side
    assert alone.cover.side > beside.cover.side if under else alone.cover.side >= beside.cover.side
    title = layout_hook(Hook(TITLE), width, height, hook_style(style, TITLE), None, [], 10.0)
    top, bottom = captions_band(style, width, height)
    y, side = alone.cover.y, alone.cover.side
    assert title.bottom <= y and y + side <= top and alone.cover.x * 2 + side in (width, width - 1, width - 2)
    assert audiogram.layout(style, width, height, False, bars=False) == (None, None)


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
    assert audiogram.described(caption_style("bold"), (1080, 1920), BrandKit(audiogram_cover=False), 1)["cover"] is None


def test_a_cover_alone_renders_sharp_over_its_blur_and_nothing_moves(podcast, tmp_path):
    spec = RenderSpec(podcast, 0.5, 3.0, words=WORDS[:2], preset="ultrafast", loudness=False,
                      brand=BrandKit(audiogram_bars=False))
    result = render(spec, tmp_path)
    _, cover = audiogram.layout(spec.style, 1080, 1920, True, bars=False)
    sounding = frame_at(result.mp4, 1.0)
    inner = slice(cover.y + 8, cover.y + cover.side - 8), slice(cover.x + 8, cover.x + cover.side - 8)
    assert np.abs(sounding[inner].mean(axis=(0, 1)) - RED).max() < 12
    below = sounding[cover.y + cover.side + 20:cover.y + cover.side + 200]  # where bars would stand
    assert below.astype(float).std(axis=(0, 1)).max() < 4  # the blur alone, though the tone sounds
    assert json.loads(result.handoff.read_text())["audiogram"]["bars"] is None
