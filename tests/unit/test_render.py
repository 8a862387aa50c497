"""Rendering with the real ffmpeg on small generated media, checked by reading the output with PyAV."""

import asyncio
import dataclasses
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from streams.agents.render import _all_or_none, render_slots, sharing
from streams.errors import RenderError
from streams.media import audiogram, loudness
from streams.media.ass import safe_area
from streams.media.audio import SAFE_OPTIONS
from streams.domain.brand import BrandKit
from streams.media.captions import caption_style, to_srt, to_vtt
from streams.domain.words import Word
from streams.media.ffmpeg_args import build_ffmpeg_args, build_reaudio_args, filter_value
from streams.media.framing import CropKey, Framing, crop_box, crop_path, framing, sendcmd_script
from streams.media.ffmpeg_run import FFMPEG_MEMORY_BYTES, confined
from streams.media.render import probe, render_clip
from streams.media.render_spec import RenderPaths, RenderSpec
from streams.media.source import SourceInfo
from streams.media.thumbnail import candidate_times, choose, later_times, sharpness
from tests.frames import frame_at
from tests.plans import FakePlan, Key

WORDS = tuple(Word(w, s, s + 0.45) for w, s in [
    ("Nobody", 0.3), ("tells", 0.8), ("you", 1.3), ("this,", 1.8), ("{honestly}", 2.6), ("it's", 3.1),
    ("C:\\hard", 3.6), ("work.", 4.1), ("Really", 5.0), ("hard.", 5.5),
])
START, END = 2.37, 8.91
WEIRD_DIR = "out it's [1], dir: 2;"  # every character the filtergraph treats specially


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("media")
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25", "-f", "lavfi", "-i",
           "sine=frequency=440:sample_rate=44100", "-t", "12", "-c:v", "libx264", "-preset", "ultrafast",
           "-c:a", "aac", str(root / "source.mp4"))
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100", "-t", "12", "-c:a", "aac",
           str(root / "podcast.m4a"))
    return root


def render(spec: RenderSpec, out_dir: Path, **kwargs):
    return asyncio.run(render_clip(spec, out_dir, **kwargs))


@pytest.fixture(scope="module")
def clip(media):
    spec = RenderSpec(media / "source.mp4", START, END, words=WORDS, preset="ultrafast", language="en")
    return render(spec, media / WEIRD_DIR, stem="c1")


@pytest.fixture(scope="module")
def uncaptioned(media):
    return render(RenderSpec(media / "source.mp4", START, END, preset="ultrafast"), media / "plain")


def durations(path: Path) -> dict[str, float]:
    with av.open(str(path)) as c:
        out = {"container": c.duration / 1_000_000}
        for s in c.streams:
            out[s.type] = float(s.duration * s.time_base)
        return out


def top_level_boxes(path: Path) -> list[str]:
    boxes, data, at = [], path.read_bytes(), 0
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        elif size == 0:
            size = len(data) - at
        boxes.append(kind.decode("latin-1"))
        at += size
    return boxes


def test_vertical_h264_aac_cut_to_the_clip_length(clip, media):
    assert clip.mp4 == media / WEIRD_DIR / "c1.mp4" and (clip.width, clip.height) == (1080, 1920)
    with av.open(str(clip.mp4)) as c:
        video, audio = c.streams.video[0], c.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 1080, 1920)
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (audio.codec_context.name, audio.rate, audio.channels) == ("aac", 48000, 2)
    for name, seconds in durations(clip.mp4).items():
        assert abs(seconds - (END - START)) < 0.1, (name, seconds)
    assert abs(clip.duration - (END - START)) < 0.1
    assert sorted(p.name for p in clip.mp4.parent.iterdir()) == [
        "c1.ass", "c1.jpg", "c1.json", "c1.mp4", "c1.srt", "c1.vtt"]


def test_faststart_puts_moov_before_mdat(clip):
    boxes = top_level_boxes(clip.mp4)
    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat")


def test_sidecar_captions(clip):
    assert clip.srt.read_text() == to_srt(WORDS) and clip.vtt.read_text() == to_vtt(WORDS, "en")
    assert clip.vtt.read_text().startswith("WEBVTT\nLanguage: en\n\n")
    assert json.loads(clip.handoff.read_text())["captions"]["language"] == "en"
    assert json.loads(clip.handoff.read_text())["audiogram"] is None  # a picture of its own
    assert clip.ass.read_text().count("Dialogue: ") == len(WORDS)


def test_thumbnail_is_a_captioned_jpeg_of_the_target_size(clip):
    with av.open(str(clip.thumbnail)) as c:
        frame = next(c.decode(video=0))
        assert c.format.name == "image2" and c.streams.video[0].codec_context.name == "mjpeg"
    assert (frame.width, frame.height) == (1080, 1920)
    band = frame.to_ndarray(format="rgb24")[1100:1550]
    assert (band.min(axis=2) > 230).sum() > 2000  # white caption text in the lower third


def test_captions_are_burned_into_the_lower_third(clip, uncaptioned):
    captioned, plain = frame_at(clip.mp4, 1.0), frame_at(uncaptioned.mp4, 1.0)
    assert np.abs(captioned[1100:1550] - plain[1100:1550]).mean() > 5
    assert np.abs(captioned[:700] - plain[:700]).mean() < 2  # the picture itself is the same


def test_square_render(media, tmp_path):
    spec = RenderSpec(media / "source.mp4", 0.0, 3.0, aspect="1:1", words=WORDS[:3], preset="ultrafast",
                      crop_center_x=0.9, loudness=False)
    result = render(spec, tmp_path)
    with av.open(str(result.mp4)) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (1080, 1080)
    assert (result.width, result.height) == (1080, 1080) and abs(result.duration - 3.0) < 0.1


def test_an_audio_only_source_gets_bars_that_follow_its_sound_in_the_highlight_colour(tmp_path):
    # Two seconds of a tone, then silence: the bars stand while it sounds and lie flat after.
    source = tmp_path / "tone-then-silence.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=330:sample_rate=44100:duration=2", "-af", "apad=whole_dur=6",
           "-c:a", "aac", str(source))
    brand = BrandKit(highlight_colour="#00C8FF")
    spec = RenderSpec(source, 0.5, 5.0, words=WORDS[:4], preset="ultrafast", brand=brand, loudness=False)
    result = render(spec, tmp_path / "out")
    for name, seconds in durations(result.mp4).items():
        assert abs(seconds - 4.5) < 0.1, (name, seconds)
    box = audiogram.placement(spec.style, 1080, 1920)
    background = np.array((0x14, 0x14, 0x1C))

    def drawn(frame: np.ndarray) -> np.ndarray:  # where the box is not the background
        inside = frame[box.y:box.y + box.height, box.x:box.x + box.width]
        return np.abs(inside - background).max(axis=2) > 40

    sounding, silent = frame_at(result.mp4, 1.0), frame_at(result.mp4, 3.5)
    assert sounding.shape == (1920, 1080, 3)
    assert np.abs(sounding[:box.y - 10].mean(axis=(0, 1)) - background).max() < 8  # nothing else drawn above
    # Sounding, the bars stand over half the box's height; silent, they are a thin line.
    standing, lying = drawn(sounding).any(axis=1).sum(), drawn(silent).any(axis=1).sum()
    assert standing > box.height / 2 >= 5 * lying, (standing, lying, box.height)
    inside = sounding[box.y:box.y + box.height, box.x:box.x + box.width]
    bars = inside[drawn(sounding)]
    blue, green, red = bars[:, 2].mean(), bars[:, 1].mean(), bars[:, 0].mean()
    assert blue > green > red  # the brand's highlight colour, #00C8FF, over the background
    assert bars.min(axis=1).max() < 180  # translucent: the captions stay the brightest thing
    assert (sounding[1100:1550].min(axis=2) > 230).sum() > 2000


def test_a_clip_running_past_the_source_end_keeps_its_length(media, tmp_path):
    result = render(RenderSpec(media / "source.mp4", 9.5, 14.0, preset="ultrafast"), tmp_path)
    for name, seconds in durations(result.mp4).items():
        assert abs(seconds - 4.5) < 0.1, (name, seconds)


@pytest.mark.parametrize("name, content, message", [
    ("missing.mp4", None, "cannot read source missing.mp4: .*No such file"),
    ("corrupt.mp4", b"this is not a video at all\n" * 200, "cannot read source corrupt.mp4: .*Invalid data"),
])
def test_unreadable_source(tmp_path, name, content, message):
    if content is not None:
        (tmp_path / name).write_bytes(content)
    with pytest.raises(RenderError, match=message) as info:
        render(RenderSpec(tmp_path / name, 0.0, 2.0), tmp_path / "out")
    assert not info.value.retriable and not (tmp_path / "out").exists()


def test_clip_after_the_end_of_the_source(media, tmp_path):
    with pytest.raises(RenderError, match=r"clip starts at 20.00s but source.mp4 is 12.0\ds long"):
        render(RenderSpec(media / "source.mp4", 20.0, 25.0), tmp_path)


def test_ffmpeg_failure_carries_its_error_and_leaves_no_video(media, tmp_path):
    with pytest.raises(RenderError, match=r"ffmpeg render failed \(exit 1\): .*preset.*no-such-preset") as info:
        render(RenderSpec(media / "source.mp4", 0.0, 1.0, preset="no-such-preset"), tmp_path)
    assert not info.value.retriable
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.ass", "clip.srt", "clip.vtt"]


def test_running_out_of_disk_is_retriable(media, tmp_path):
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'av_interleaved_write_frame(): No space left on device' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(RenderError, match="No space left on device") as info:
        render(RenderSpec(media / "source.mp4", 0.0, 1.0), tmp_path / "out", ffmpeg=str(fake))
    assert info.value.retriable
    with pytest.raises(RenderError, match="ffmpeg not found"):
        render(RenderSpec(media / "source.mp4", 0.0, 1.0), tmp_path / "out", ffmpeg=str(tmp_path / "nope"))


def test_ffmpeg_runs_under_kernel_limits():
    """What ``confined`` puts in front of ffmpeg holds for the program it runs: the address space,
    and CPU seconds for each thread over its wall clock."""
    command = confined("/bin/cat", ["/proc/self/limits"], seconds=10.2, threads=2)
    limits = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    assert f"Max address space         {FFMPEG_MEMORY_BYTES}" in limits
    assert "Max cpu time              23" in limits  # ceil(10.2) * 2 + 1


def test_an_ffmpeg_that_stalls_is_stopped_by_its_clock(media, tmp_path, monkeypatch):
    import streams.media.ffmpeg_run as module

    monkeypatch.setattr(module, "FFMPEG_BASE_SECONDS", 1.0)
    monkeypatch.setattr(module, "FFMPEG_SECONDS_PER_SECOND", 0.0)
    pid_file = tmp_path / "pid"
    fake = tmp_path / "ffmpeg"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    fake.chmod(0o755)
    with pytest.raises(RenderError, match="ffmpeg loudness took longer than 1 s, so it was stopped") as info:
        render(RenderSpec(media / "source.mp4", 0.0, 1.0), tmp_path / "out", ffmpeg=str(fake))
    assert not info.value.retriable
    assert not Path(f"/proc/{pid_file.read_text().strip()}").exists()


def test_a_logo_is_read_as_an_image_and_nothing_else(media, tmp_path):
    """A brand logo comes from the user too: one that is really a playlist is refused by the
    demuxer whitelist, never followed."""
    secret = tmp_path / "secret.ts"
    secret.write_bytes(b"G" * 188 * 10)
    logo = tmp_path / "brand_logo.png"
    logo.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:{secret}\n#EXT-X-ENDLIST\n")
    spec = RenderSpec(media / "source.mp4", 0.0, 1.0, brand=BrandKit(), logo=logo)
    with pytest.raises(RenderError, match="ffmpeg render failed .*hls.*Format not on whitelist"):
        render(spec, tmp_path / "out")


def ffmpeg_pids_writing_to(folder: Path) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and str(folder).encode() in (entry / "cmdline").read_bytes():
                pids.append(int(entry.name))
        except OSError:
            pass
    return pids


async def test_cancelling_kills_ffmpeg_and_leaves_no_partial_file(media, tmp_path):
    spec = RenderSpec(media / "source.mp4", 0.0, 11.5, words=WORDS, preset="medium")
    task = asyncio.create_task(render_clip(spec, tmp_path))
    for _ in range(200):
        await asyncio.sleep(0.05)
        if any(p.suffix == ".part" for p in tmp_path.iterdir()):
            break
    assert ffmpeg_pids_writing_to(tmp_path), "ffmpeg did not start"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert ffmpeg_pids_writing_to(tmp_path) == []
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".part", ".mp4", ".jpg")]


def test_probe(media):
    assert probe(media / "source.mp4") == SourceInfo(True, True, 640, 360, 25.0, pytest.approx(12.0, abs=0.1),
                                                     picture_end=pytest.approx(12.0, abs=0.1))
    assert probe(media / "podcast.m4a") == SourceInfo(False, True, 0, 0, None, pytest.approx(12.0, abs=0.1))


def test_a_source_is_read_once_per_version(media, tmp_path):
    source = tmp_path / "source.mp4"
    shutil.copyfile(media / "source.mp4", source)
    first = probe(source)
    assert probe(source) is first  # asked again for the next clip: the answer already read
    shutil.copyfile(media / "podcast.m4a", tmp_path / "new.part")
    os.replace(tmp_path / "new.part", source)  # the same name, another file
    assert probe(source) == SourceInfo(False, True, 0, 0, None, pytest.approx(12.0, abs=0.1))
    source.write_bytes(b"not media")
    with pytest.raises(RenderError):
        probe(source)


# The command line, without running ffmpeg.

VIDEO = SourceInfo(True, True, 640, 360, 25.0, 12.0)
PATHS = RenderPaths(Path("/clips/c.ass"), Path("/clips/.c.part"), Path("/fonts"))


def graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


def test_crop_is_clamped_inside_the_frame():
    assert crop_box(640, 360, 1080, 1920, None) == (202, 360, 219, 0)
    assert crop_box(640, 360, 1080, 1920, 0.0) == (202, 360, 0, 0)
    assert crop_box(640, 360, 1080, 1920, 0.95) == (202, 360, 438, 0)
    assert crop_box(1080, 1920, 1080, 1080, 0.1) == (1080, 1080, 0, 420)  # narrower: crop height
    assert crop_box(1080, 1920, 1080, 1350, None) == (1080, 1350, 0, 285)
    assert crop_box(1920, 1080, 1920, 1080, 0.2) == (1920, 1080, 0, 0)


def test_args_seek_cut_crop_scale_caption_and_encode():
    args = build_ffmpeg_args(RenderSpec(Path("/v/in.mp4"), START, END, crop_center_x=0.25), VIDEO, PATHS, threads=2)
    assert args[args.index("-i") - 6:args.index("-i") + 2] == [
        "-protocol_whitelist", "file", "-format_whitelist", SAFE_OPTIONS["format_whitelist"], "-ss", "2.370", "-i",
        "file:/v/in.mp4"]
    assert args[args.index("-t") + 1] == "6.540" and args.index("-t") > args.index("-i")
    assert graph(args) == (
        "[0:v:0]crop@p0=w=202:h=360:x=59:y=0,scale=1080:1920:flags=lanczos,setsar=1,"
        "tpad=stop_mode=clone:stop_duration=6.540,ass=filename=/clips/c.ass:fontsdir=/fonts,format=yuv420p[v];"
        "[0:a:0]aresample=48000,aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,"
        "afade=t=in:d=0.04,afade=t=out:st=6.500:d=0.04,apad[a]"
    )
    joined = " ".join(args)
    for part in ("-map [v] -map [a]", "-c:v libx264 -preset veryfast -crf 21 -profile:v high",
                 "-pix_fmt yuv420p", "-c:a aac -b:a 128k -ar 48000 -ac 2", "-movflags +faststart"):
        assert part in joined
    assert args[-3:] == ["-f", "mp4", "file:/clips/.c.part"]
    assert args.count("-threads") == 2 and args[args.index("-threads") + 1] == "2"


def test_args_frame_rate_loudness_and_missing_audio():
    fast = SourceInfo(True, False, 1920, 1080, 59.94, 60.0)
    args = build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5, aspect="16:9", loudness=False), fast, PATHS)
    assert graph(args).startswith("[0:v:0]fps=30,scale=1920:1080") and "crop" not in graph(args)
    assert "anullsrc=r=48000:cl=stereo" in args and args[args.index("[v]") + 2] == "1:a"
    assert "[0:v:0]fps=24,crop" in graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5, fps=24), VIDEO, PATHS))
    assert "fps=" not in graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5), VIDEO, PATHS))
    # The measured gain, then the true-peak limiter on 4x oversampled audio; none without loudness.
    gained = graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5), VIDEO, PATHS, gain_db=6.5))
    assert ("volume=6.5dB:precision=float,aresample=192000,alimiter=limit=0.8414:attack=1:release=60:level=0:"
            "latency=1,aresample=48000") in gained
    off = graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5, loudness=False), VIDEO, PATHS, gain_db=6.5))
    assert "volume" not in off and "alimiter" not in off and "afade=t=in" in off


def test_args_for_audio_only_sources_draw_bars_of_the_sound_heard_over_a_background():
    args = build_ffmpeg_args(RenderSpec(Path("a.m4a"), 3, 8, aspect="4:5"), SourceInfo(False, True), PATHS)
    box = audiogram.placement(caption_style("bold"), 1080, 1350)
    assert args[args.index("lavfi") + 2] == f"color=c=0x14141c:s={box.width}x{box.height}:r=30,format=yuv420p"
    assert args[args.index("-ss"):args.index("-ss") + 4] == ["-ss", "3.000", "-i", "file:a.m4a"]
    lines = graph(args).split(";")
    # The sound as heard (gain and fades applied) goes both to the file and to the bars.
    assert lines[-1].startswith("[1:a:0]aresample=48000") and lines[-1].endswith(",apad,asplit[a][heard]")
    assert lines[0].startswith("[heard]aresample=16000,aformat=channel_layouts=mono,showfreqs=")
    assert ":colors=0xFFD400" in lines[0] and ":r=30:" in lines[0]  # the style's highlight, the clip's rate
    assert (f"[0:v][bars]overlay=format=yuv420,pad=1080:1350:{box.x}:{box.y}:color=0x14141c,"
            "ass=filename=/clips/c.ass") in graph(args)  # the box set in the frame, then the captions
    video = graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 3, 8), VIDEO, PATHS))
    assert "showfreqs" not in video and "asplit" not in video  # a picture of its own: no bars


def test_a_brand_kit_colours_an_audio_only_clips_background(media, tmp_path):
    brand = BrandKit(background_colour="#203A5C")
    spec = RenderSpec(media / "podcast.m4a", 1.0, 3.0, words=WORDS[:2], preset="ultrafast", brand=brand)
    args = graph(build_ffmpeg_args(spec, SourceInfo(False, True), PATHS))
    assert "color=0x203A5C" in args  # the padding around the bars' box (whose own source is the same colour)
    frame = frame_at(render(spec, tmp_path).mp4, 1.0)
    box = audiogram.placement(spec.style, 1080, 1920)
    assert np.abs(frame[:box.y - 10].mean(axis=(0, 1)) - (0x20, 0x3A, 0x5C)).max() < 8
    assert np.abs(frame[box.y:box.y + 4, box.x:box.x + 40].mean(axis=(0, 1)) - (0x20, 0x3A, 0x5C)).max() < 8


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "16:9", "4:5"])
@pytest.mark.parametrize("position", ["bottom", "middle", "top"])
def test_the_bars_stay_inside_the_safe_area_and_clear_of_the_captions_and_the_title(aspect, position):
    from streams.media.hook import Hook, captions_band, hook_style, layout_hook
    from streams.media.render_spec import ASPECTS

    width, height = ASPECTS[aspect]
    style = dataclasses.replace(caption_style("bold"), position=position)
    box = audiogram.placement(style, width, height)
    safe = safe_area(width, height)
    assert box.x >= width * safe.side and box.x + box.width <= width * (1 - safe.side)
    assert box.y >= height * safe.top and box.y + box.height <= height * (1 - safe.bottom)
    top, bottom = captions_band(style, width, height)
    assert box.y + box.height <= top or box.y >= bottom, (box, top, bottom)
    assert box.width % (2 * audiogram.BARS) == 0 and box.height % 2 == box.x % 2 == box.y % 2 == 0
    title = "Why most short clips fail in their first three seconds, and what the best editors do instead"
    hook = layout_hook(Hook(title), width, height, hook_style(style, title), None, [], 10.0)
    assert hook.bottom <= box.y or hook.top >= box.y + box.height, (hook.top, hook.bottom, box)


def test_filter_values_are_escaped_for_both_parsing_levels():
    assert filter_value("/x/it's [a], b: c;") == "/x/it\\\\\\'s \\[a\\]\\, b\\\\: c\\;"
    assert filter_value("C:\\dir") == "C\\\\:\\\\\\\\dir"


@pytest.mark.parametrize("kwargs, message", [
    ({"aspect": "2:1"}, "unknown aspect '2:1'; choose one of 9:16"),
    ({"caption_style": "neon"}, "unknown caption style 'neon'"),
    ({"start": 5.0, "end": 5.0}, "0 <= start < end"),
    ({"start": -1.0}, "0 <= start < end"),
    ({"end": float("nan")}, "0 <= start < end"),
    ({"crop_center_x": 1.5}, "crop_center_x must be between 0 and 1"),
    ({"fps": 0}, "fps must be"),
    ({"language": "en\nX-Evil: 1"}, "language must be an ISO 639 code"),
    ({"language": "English"}, "language must be an ISO 639 code"),
])
def test_spec_refuses_bad_values(kwargs, message):
    with pytest.raises(RenderError, match=message):
        RenderSpec(**{"source": Path("s.mp4"), "start": 0.0, "end": 2.0, **kwargs})


# Drawing a reframe plan, without running ffmpeg.

WIDE = SourceInfo(True, True, 1280, 720, 25.0, 60.0)
MOVING = FakePlan("single", 404, 720, (Key(10.0, 300, 360), Key(12.0, 700, 360)))
MOVE_PATHS = PATHS._replace(commands=Path("/clips/.c.cmd"))


def test_crop_path_is_linear_between_keyframes_and_clamped():
    path = crop_path(MOVING.keyframes, 404, 720, 1280, 720, 9.0, 13.0)
    # Held before the first keyframe (x 98), moving to the second (x 498), held after it.
    assert path == [CropKey(0.0, 98, 0, 404, 720), CropKey(1.0, 98, 0, 404, 720), CropKey(3.0, 498, 0, 404, 720)]
    clamped = crop_path([Key(0, -50, 9999)], 404, 720, 1280, 720, 0, 1)
    assert clamped == [CropKey(0.0, 0, 0, 404, 720)]
    assert crop_path([], 404, 720, 1280, 720, 0, 1) == [CropKey(0.0, 438, 0, 404, 720)]  # centred
    inside = crop_path([Key(0, 300, 360), Key(2, 700, 360)], 404, 720, 1280, 720, 1.0, 1.5)
    assert inside == [CropKey(0.0, 298, 0, 404, 720), CropKey(0.5, 398, 0, 404, 720)]  # cut out of the path


def test_crop_path_jumps_at_a_cut():
    keys = (Key(0.0, 300, 360), Key(2.0, 900, 360), Key(4.0, 500, 360))
    path = crop_path(keys, 404, 720, 1280, 720, 0.0, 5.0, cuts=(1.5,))
    assert [(k.t, k.x) for k in path] == [(0.0, 98), (1.5, 98), (1.5, 698), (2.0, 698), (4.0, 298)]


def test_sendcmd_script_sets_crop_expressions_of_time():
    top = crop_path((Key(0.0, 300, 360), Key(2.0, 900, 360)), 404, 720, 1280, 720, 0.0, 3.0, cuts=(1.0,))
    bottom = [CropKey(0.0, 0, 5, 100, 200), CropKey(1.0, 0, 9, 100, 200)]
    assert sendcmd_script({"p0": top, "p1": bottom}) == (
        "1.0000 crop@p0 x '698', crop@p0 y '0', crop@p1 x '0', crop@p1 y '9';\n"
    )
    ramp = [CropKey(0.0, 100, 0, 100, 200), CropKey(2.0, 300, 0, 100, 200), CropKey(3.0, 200, 50, 100, 200)]
    assert sendcmd_script({"p0": ramp}) == (
        "2.0000 crop@p0 x '300-100*(t-2.0000)', crop@p0 y '0+50*(t-2.0000)';\n"
        "3.0000 crop@p0 x '200', crop@p0 y '50';\n"  # held from the last key on
    )


def test_single_layout_crop_follows_the_plan_by_commands():
    spec = RenderSpec(Path("in.mp4"), 9.0, 13.0, plan=MOVING)
    frame = framing(spec, WIDE)
    assert frame.layout == "single" and frame.moving and len(frame.panels) == 1
    g = graph(build_ffmpeg_args(spec, WIDE, MOVE_PATHS, frame=frame))
    assert g.startswith("[0:v:0]sendcmd=f=/clips/.c.cmd,crop@p0=w=404:h=720:x=98:y=0,"
                        "scale=1080:1920:flags=lanczos,setsar=1,tpad=")
    with pytest.raises(ValueError, match="moving crop needs RenderPaths.commands"):
        build_ffmpeg_args(spec, WIDE, PATHS)
    still = FakePlan("single", 404, 720, (Key(0, 640, 360),))
    g = graph(build_ffmpeg_args(RenderSpec(Path("in.mp4"), 9.0, 13.0, plan=still), WIDE, PATHS))
    assert "sendcmd" not in g and "crop@p0=w=404:h=720:x=438:y=0" in g


def test_split_layout_stacks_two_crops_of_one_decode():
    plan = FakePlan("split", 640, 568, (Key(0, 320, 360),), (Key(0, 960, 300), Key(20, 900, 300)))
    spec = RenderSpec(Path("in.mp4"), 9.0, 13.0, plan=plan)
    g = graph(build_ffmpeg_args(spec, WIDE, MOVE_PATHS))
    assert g.startswith("[0:v:0]sendcmd=f=/clips/.c.cmd,split=2[s0][s1];"
                        "[s0]crop@p0=w=640:h=568:x=0:y=76,scale=1080:960:flags=lanczos[top];"
                        "[s1]crop@p1=w=640:h=568:x=613-3*(t-0.0000):y=16,scale=1080:960:flags=lanczos[bottom];"
                        "[top][bottom]vstack=inputs=2,setsar=1,tpad=")
    assert g.count("[0:v:0]") == 1  # one decode


def test_fit_layout_blurs_a_small_cover_under_the_whole_frame():
    spec = RenderSpec(Path("in.mp4"), 9.0, 13.0, aspect="4:5", plan=FakePlan("fit", 0, 0))
    assert framing(spec, WIDE) == Framing("fit")
    g = graph(build_ffmpeg_args(spec, WIDE, PATHS))
    assert g.startswith("[0:v:0]split=2[s0][s1];[s0]scale=136:168:force_original_aspect_ratio=increase")
    assert "boxblur" in g and "lutyuv=y=val*0.55,scale=1080:1350" in g
    assert "[s1]scale=1080:1350:force_original_aspect_ratio=decrease:force_divisible_by=2" in g
    assert "[bg][fg]overlay=x=(W-w)/2:y=(H-h)/2,setsar=1,tpad=" in g


@pytest.mark.parametrize("aspect", ["9:16", "1:1", "4:5", "16:9"])
def test_every_layout_builds_for_every_aspect(aspect):
    plans = [None, MOVING, FakePlan("split", 640, 568, (Key(0, 320, 360),), (Key(0, 960, 360),)),
             FakePlan("fit", 0, 0)]
    for plan in plans:
        args = build_ffmpeg_args(RenderSpec(Path("in.mp4"), 9.0, 13.0, aspect=aspect, plan=plan), WIDE, MOVE_PATHS)
        assert graph(args).count("[v]") == 1 and graph(args).count("[a]") == 1


def test_logo_is_overlaid_in_its_corner_before_the_captions():
    brand = BrandKit(logo_corner="bottom-left", logo_width=0.2, logo_opacity=0.5)
    logo = Path("/brand/logo.png")
    args = build_ffmpeg_args(RenderSpec(Path("in.mp4"), 0, 5, brand=brand, logo=logo), VIDEO, PATHS)
    assert args[args.index("file:/brand/logo.png") - 1] == "-i"
    assert (",tpad=stop_mode=clone:stop_duration=5.000[framed];"
            "[1:v]scale=216:-1:flags=lanczos,format=rgba,colorchannelmixer=aa=0.5[logo];"
            "[framed][logo]overlay=x=86:y=H-h-346:eof_action=repeat:format=auto,ass=filename=") in graph(args)
    audio_only = build_ffmpeg_args(RenderSpec(Path("a.m4a"), 0, 5, brand=brand, logo=logo), SourceInfo(False, True),
                                   PATHS)
    assert ":color=0x14141c[framed];[2:v]scale=216:-1" in graph(audio_only)


@pytest.mark.parametrize("plan, message", [
    (FakePlan("grid", 10, 10), "reframe plan layout must be one of single, split, fit, still, got 'grid'"),
    (object(), "reframe plan layout must be one of"),
    (FakePlan("single", 0, 720), "reframe plan needs a positive crop_width and crop_height"),
    (FakePlan("split", 640, 568, (Key(0, 1, 1),)), "a split reframe plan needs keyframes for its second panel"),
])
def test_bad_plans_are_refused(plan, message):
    with pytest.raises(RenderError, match=message):
        RenderSpec(Path("s.mp4"), 0.0, 2.0, plan=plan)


# Loudness, thumbnail choice and render concurrency, pure.

SUMMARY = """[Parsed_ebur128_1 @ 0x55] Summary:

  Integrated loudness:
    I:         -31.6 LUFS
    Threshold: -43.7 LUFS

  Loudness range:
    LRA:         3.2 LU
    Threshold: -53.2 LUFS
    LRA low:   -34.7 LUFS
    LRA high:  -31.5 LUFS

  True peak:
    Peak:      -18.8 dBFS
"""


def test_loudness_summary_gain_and_correction():
    measured = loudness.parse_summary("noise\n" + SUMMARY)
    assert measured == loudness.Loudness(-31.6, -18.8, 3.2) and not measured.silent
    assert loudness.gain_db(measured) == 17.6
    assert not loudness.needs_check(measured, 17.6)  # peaks land at -1.2 dBTP: the limiter barely works
    clipped = loudness.Loudness(-16.2, 0.0)
    assert loudness.gain_db(clipped) == 2.2 and loudness.needs_check(clipped, 2.2)
    assert loudness.corrected_gain(2.2, loudness.Loudness(-14.7, -1.5)) == 2.9
    assert loudness.corrected_gain(2.2, loudness.Loudness(-25.0, -1.5)) == 5.2  # at most 3 dB more
    silence = loudness.parse_summary(SUMMARY.replace("-31.6 LUFS", "-70.0 LUFS"))
    assert silence.silent and loudness.gain_db(silence) == 0.0
    assert loudness.gain_db(loudness.Loudness(-60.0, -40.0)) == loudness.MAX_GAIN_DB
    with pytest.raises(ValueError, match="no ebur128 summary"):
        loudness.parse_summary("Error opening input")


def test_loudness_measuring_decodes_only_the_audio_of_the_clip():
    args = loudness.measure_args(Path("/v/in.mp4"), 12.5, 30.0)
    assert args[args.index("-i") - 8:args.index("-i")] == [
        "-protocol_whitelist", "file", "-format_whitelist", SAFE_OPTIONS["format_whitelist"], "-ss", "12.500",
        "-t", "30.000"]
    assert args[args.index("-ss") + 1] == "12.500" and args[args.index("-t") + 1] == "30.000"
    assert args.index("-t") < args.index("-i") and "-vn" in args and args[-3:] == ["-f", "null", "-"]
    assert args[args.index("-af") + 1].endswith("channel_layouts=stereo,ebur128=peak=true:framelog=verbose")
    checked = loudness.measure_args(Path("/v/in.mp4"), 12.5, 30.0, gain=2.5)
    assert "volume=2.5dB:precision=float" in checked[checked.index("-af") + 1]
    assert loudness.chain(None, 0.1) == [loudness.FORMAT]  # too short to fade


def _drive(steps, answers):
    """Run a loudness procedure with canned ffmpeg logs: the steps it asked for and its result."""
    asked, answers = [], iter(answers)
    try:
        step = next(steps)
        while True:
            asked.append(step)
            step = steps.send(next(answers))
    except StopIteration as done:
        return asked, done.value


def _summary(integrated: float, peak: float) -> str:
    return SUMMARY.replace("-31.6 LUFS", f"{integrated} LUFS").replace("-18.8 dBFS", f"{peak} dBFS")


def test_the_gain_is_measured_once_and_checked_through_the_limiter_only_when_it_works_hard():
    source = Path("/v/in.mp4")
    asked, gain = _drive(loudness.gain_for(source, 3.0, 20.0), [SUMMARY])
    assert gain == 17.6 and asked == [loudness.Measure(loudness.measure_args(source, 3.0, 20.0))]
    asked, gain = _drive(loudness.gain_for(source, 3.0, 20.0), [_summary(-16.2, 0.0), _summary(-14.7, -1.5)])
    assert gain == 2.9  # 2.2 dB, then the 0.7 the limiter took
    assert asked[1] == loudness.Measure(loudness.measure_args(source, 3.0, 20.0, 2.2))
    asked, gain = _drive(loudness.gain_for(source, 3.0, 0.01), ["Error: too short"])
    assert gain is None and len(asked) == 1


def test_the_peak_promise_asks_for_an_encode_per_excess_and_gives_up_after_its_tries():
    clip = Path("/out/.clip.part")
    asked, check = _drive(loudness.peak_promise(clip, 30.0, 2), [_summary(-14.0, -1.2)])
    assert check.kept and check.encodes == 1 and check.ceiling == loudness.CEILING_DBTP and len(asked) == 1
    over = _summary(-14.0, -0.7)
    asked, check = _drive(loudness.peak_promise(clip, 30.0, 2), [over, None, _summary(-14.0, -1.1)])
    assert [type(s) for s in asked] == [loudness.Measure, loudness.Encode, loudness.Measure]
    assert asked[1].ceiling == check.ceiling == loudness.lowered_ceiling(loudness.CEILING_DBTP, loudness.parse_summary(over))
    assert check.kept and check.encodes == 2
    asked, check = _drive(loudness.peak_promise(clip, 30.0, 2), [over, None, over, None, over])
    assert not check.kept and check.encodes == 3 and sum(isinstance(s, loudness.Encode) for s in asked) == 2


def test_an_encoded_peak_over_the_promise_lowers_the_limiter_by_the_excess():
    assert loudness.keeps_promise(loudness.Loudness(-14.0, -1.0))
    assert not loudness.keeps_promise(loudness.Loudness(-14.0, -0.7))  # AAC overshot the -1.5 limiter
    assert loudness.keeps_promise(loudness.Loudness(-80.0, 0.5))  # silence promises nothing
    lowered = loudness.lowered_ceiling(-1.5, loudness.Loudness(-14.0, -0.7))
    assert lowered == round(-1.5 - 0.3 - loudness.PEAK_HEADROOM_DB, 2)
    assert loudness.lowered_ceiling(lowered, loudness.Loudness(-14.2, -0.9)) < lowered
    low = loudness.chain(2.0, 30.0, ceiling=-2.5)
    assert f"alimiter=limit={10 ** (-2.5 / 20):.4f}" in ",".join(low)
    assert f"alimiter=limit={10 ** (loudness.CEILING_DBTP / 20):.4f}" in ",".join(loudness.chain(2.0, 30.0))


def test_encoding_the_audio_again_copies_the_picture_and_limits_lower():
    spec = RenderSpec(Path("/v/talk.mp4"), 12.5, 40.0)
    args = build_reaudio_args(spec, Path("/o/.clip.part"), Path("/o/.clip.aac.part"), 3.5, -2.25)
    inputs = [args[i + 1] for i, a in enumerate(args) if a == "-i"]
    assert inputs == ["file:/o/.clip.part", "file:/v/talk.mp4"]
    assert args[args.index("-ss") + 1] == "12.500" and args.index("-ss") > args.index("-i")  # the source's
    graph = args[args.index("-filter_complex") + 1]
    assert graph.startswith("[1:a:0]") and graph.endswith("apad[a]")
    assert "volume=3.5dB:precision=float" in graph and f"alimiter=limit={10 ** (-2.25 / 20):.4f}" in graph
    assert f"afade=t=out:st={27.5 - loudness.FADE_SECONDS:.3f}" in graph
    assert args[args.index("-c:v") + 1] == "copy" and args[args.index("-c:a") + 1] == "aac"
    assert [args[i + 1] for i, a in enumerate(args) if a == "-map"] == ["0:v:0", "[a]"]
    assert args[args.index("-t") + 1] == "27.500" and args[-3:] == ["-f", "mp4", "file:/o/.clip.aac.part"]


def test_thumbnail_prefers_a_visible_face_then_sharpness():
    assert candidate_times(10.0) == [0.3, 0.975, 1.65, 2.325, 3.0]
    assert candidate_times(1.0) == [0.3, 0.45, 0.6, 0.75, 0.9] and candidate_times(0.3) == [0.15]
    flat = np.full((64, 64), 128, np.uint8)
    edges = flat.copy()
    edges[::4] = 0
    assert sharpness(edges) > sharpness(flat) == 0.0
    assert choose([(0.3, 5.0, None), (1.0, 9.0, None)]) == 1.0
    assert choose([(0.3, 5.0, True), (1.0, 9.0, False)]) == 0.3


def test_thumbnail_looks_past_the_hook_only_for_the_speakers_face():
    assert later_times(10.0) == [3.6, 4.2, 4.8, 5.4, 6.0] and later_times(4.1) == [3.2, 3.4, 3.6, 3.8, 4.0]
    assert later_times(3.0) == []
    hook = [(0.3, 5.0, False), (1.65, 9.0, None), (3.0, 7.0, False)]
    # the sharpest frame of the hook that shows the face, however sharp the others
    assert choose([(0.3, 2.0, True), (1.65, 9.0, False), (3.0, 3.0, True), (4.2, 20.0, True)]) == 3.0
    # none in the hook: the sharpest later frame with the face
    assert choose(hook + [(3.6, 1.0, False), (4.2, 4.0, True), (5.4, 6.0, True)]) == 5.4
    # no face anywhere: the sharpest frame of the hook, never a later one
    assert choose(hook + [(4.2, 20.0, False), (5.4, 30.0, None)]) == 1.65
    assert choose([(0.15, 1.0, None)]) == 0.15


def test_a_face_counts_for_the_thumbnail_when_the_drawn_crop_holds_it():
    from streams.media.render import _face_check

    info = SourceInfo(True, True, 1280, 720, 25.0, 60.0)
    # the speaker on the left until 12 s (source time), then on the right; the clip starts at 10 s
    faces = tuple((10.0 + t / 4, 200.0, 200.0, 300.0, 320.0) for t in range(8)) + \
        tuple((12.0 + t / 4, 900.0, 200.0, 1000.0, 320.0) for t in range(8))
    spec = RenderSpec(Path("in.mp4"), 10.0, 20.0, faces=faces)
    left_then_right = Framing("single", ((CropKey(0.0, 50, 0, 404, 720), CropKey(2.0, 750, 0, 404, 720)),))
    visible = _face_check(spec, info, left_then_right)
    assert visible(0.5) is True and visible(3.0) is True  # the crop moves with the speaker
    assert visible(7.0) is None  # no detection near: not known
    stuck = _face_check(spec, info, Framing("single", ((CropKey(0.0, 50, 0, 404, 720),),)))
    assert stuck(0.5) is True and stuck(3.0) is False
    assert _face_check(spec, info, Framing("fit"))(1.0) is True  # the whole frame is drawn
    assert _face_check(RenderSpec(Path("in.mp4"), 10.0, 20.0), info, left_then_right) is None


def test_render_slots_share_the_cores():
    assert render_slots(1) == (1, 1) and render_slots(2) == (2, 1) and render_slots(16) == (4, 4)
    # the cores go to the clips that can run at once: a lone clip gets them all
    assert render_slots(2, clips=1) == (2, 2) and render_slots(2, clips=5) == (2, 1)
    assert render_slots(16, clips=2) == (4, 8) and render_slots(16, clips=9) == (4, 4)
    assert render_slots(1, clips=1) == (1, 1) and render_slots(2, clips=0) == (2, 1)


def test_a_streamed_pick_gets_every_core_once_the_transcription_is_over():
    from datetime import datetime, timezone

    from streams.domain.envelope import clip_id
    from streams.domain.options import VideoOptions
    from streams.domain.video import Video, VideoStage
    from streams.worker.records import MomentCandidate, MomentsFound

    def video(transcription: str) -> Video:
        t0 = datetime(2026, 12, 1, tzinfo=timezone.utc)
        stages = (VideoStage("ingest", "completed"), VideoStage("transcribe", transcription))
        return Video(video_id="v1", tenant_id="t1", filename="talk.mp4", source_uri="s3://u/v1", size_bytes=1,
                     status="processing", created_at=t0, updated_at=t0, options=VideoOptions.from_json({}),
                     stages=stages)

    def found(is_final: bool, *ids: str) -> MomentsFound:
        moments = [MomentCandidate(moment_id=m, rank=1, start=0.0, end=20.0, score=70.0, signals={}, reason="",
                                   title="") for m in ids]
        return MomentsFound(schema_version="1", event_id="e1", tenant_id="t1", video_id="v1",
                            produced_at="2026-12-01T00:00:00.000Z", is_final=is_final, moments=moments)

    aspects = ["9:16"]
    # beside Whisper a streamed pick keeps to its slot's share; read after it ended, it has them all
    assert sharing(found(False, "m1"), video("running"), aspects, set()) is None
    # ... unless it is the video's first clip and transcription waits for it (first_clip_hold_seconds)
    assert sharing(found(False, "m1"), video("running"), aspects, set(), first_held=True) == 1
    assert sharing(found(False, "m2"), video("running"), aspects, {clip_id("v1", "m1", "9:16")}, True) is None
    assert sharing(found(False, "m1"), video("completed"), aspects, set()) == 1
    assert render_slots(2, clips=sharing(found(False, "m1"), video("completed"), aspects, set())) == (2, 2)
    # the final ranking: the cores go to the clips not rendered yet, streamed picks already stored left out
    stored = {clip_id("v1", "m1", "9:16"), clip_id("v1", "m2", "9:16")}
    assert sharing(found(True, "m1", "m2", "m3"), video("completed"), aspects, stored) == 1
    assert sharing(found(True, "m1", "m2", "m3"), video("completed"), ["9:16", "1:1"], stored) == 4
    assert render_slots(2, clips=sharing(found(True, "m1", "m2", "m3"), video("completed"), aspects, stored)) == (2, 2)


async def test_all_or_none_cancels_the_rest_and_raises_the_failure_itself():
    finished = []

    async def slow():
        await asyncio.sleep(5)
        finished.append("slow")

    async def broken():
        await asyncio.sleep(0.01)
        raise RenderError("ffmpeg render failed")

    with pytest.raises(RenderError, match="ffmpeg render failed"):
        await _all_or_none([slow(), broken()])
    assert finished == []
    await _all_or_none([])


def drawn_x(path: list[CropKey], t: float) -> float:
    """The crop x the drawn path gives at clip time ``t`` (as the sendcmd expressions do)."""
    current = [k for k in path if k.t <= t + 1e-9]
    a = current[-1] if current else path[0]
    later = [k for k in path if k.t > a.t]
    if not later or a.t > t:
        return a.x
    b = later[0]
    return a.x + (b.x - a.x) * (t - a.t) / (b.t - a.t)


def test_the_drawn_path_matches_the_real_reframe_plan():
    from streams.media.reframe.camera import CropKeyframe
    from streams.media.reframe.reframe_plan import ReframePlan
    from streams.media.reframe.observations import Source

    keys = tuple(CropKeyframe(10 + i * 0.5, 640 + 300 * np.sin(i / 3), 360) for i in range(21))
    plan = ReframePlan("single", "9:16", Source(1280, 720, 25.0), 10.0, 20.0, 406, 720, keys, cuts=(13.2, 17.0))
    spec = RenderSpec(Path("in.mp4"), 10.5, 19.0, plan=plan)
    [path] = framing(spec, WIDE).panels
    for t in np.arange(0.0, 8.5, 0.04):
        if any(abs(10.5 + t - c) < 0.02 for c in plan.cuts):
            continue  # the frame of the jump itself
        assert abs(drawn_x(list(path), t) - plan.box_at(10.5 + t)[0]) <= 1.5, t


def _caption_band(media, tmp_path, name: str, tokens: list[str]) -> np.ndarray:
    words = tuple(Word(t, 0.2 + 0.5 * i, 0.6 + 0.5 * i) for i, t in enumerate(tokens))
    spec = RenderSpec(media / "podcast.m4a", 0.0, 2.0, words=words, preset="ultrafast", loudness=False)
    result = render(spec, tmp_path / name)
    band = frame_at(result.mp4, 0.9)[1100:1700].astype(float)
    return band, result


@pytest.mark.parametrize("first, second, font", [
    (["广州市", "房地产"], ["敲下", "垂直进空"], "Noto Sans CJK SC"),
    (["مرحبا", "بالعالم"], ["شكرا", "جزيلا"], "Noto Sans Arabic"),
    (["नमस्ते", "दुनिया"], ["धन्यवाद", "मित्र"], "Noto Sans Devanagari"),
])
def test_captions_in_other_scripts_draw_their_glyphs_not_boxes(media, tmp_path, first, second, font):
    """Drawn in a font without the glyphs, every character is the same empty box: two different
    texts would then leave nearly the same marks. With the script's font they differ."""
    one, result = _caption_band(media, tmp_path, "one", first)
    two, _ = _caption_band(media, tmp_path, "two", second)
    assert f"Style: bold,{font}," in result.ass.read_text()
    background = np.median(one, axis=(0, 1))
    ink_one, ink_two = (np.abs(band - background).max(axis=2) > 120 for band in (one, two))
    assert ink_one.sum() > 1500 and ink_two.sum() > 1500  # text is drawn
    assert (ink_one ^ ink_two).sum() > 0.5 * (ink_one | ink_two).sum()  # and it is these characters, not boxes
    joined = "".join(first) if font == "Noto Sans CJK SC" else " ".join(first)
    assert result.srt.read_text().splitlines()[2] == joined


def _highlighted_at(frame: np.ndarray, colour: str) -> tuple[float, float]:
    """Centre (x, y) of the pixels drawn in ``colour`` (``#RRGGBB``): the word being spoken."""
    rgb = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
    ys, xs = np.nonzero(np.abs(frame - rgb).max(axis=2) < 40)
    assert len(xs) > 300, "no highlighted word found"
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize("tokens, lines", [
    (["משמעותית", "שמשמשים", "מומחים", "שם"], 2),  # Hebrew, too wide for one line
    (["تطور", "التكنولوجيا", "يغير", "حياتنا"], 1),  # Arabic: letters joined within each word
])
def test_right_to_left_captions_read_right_to_left(media, tmp_path, tokens, lines):
    """A cue of four words in a right-to-left script, spoken word by word, checked on the rendered
    frames by where the highlighted (spoken) word is drawn: on one line each word left of the one
    before; on two, the first two words on the top line, the first to the right of the second,
    and the last two on the line below in the same order."""
    words = tuple(Word(t, 0.2 + 0.5 * i, 0.6 + 0.5 * i) for i, t in enumerate(tokens))
    spec = RenderSpec(media / "podcast.m4a", 0.0, 2.4, words=words, preset="ultrafast", loudness=False)
    result = render(spec, tmp_path / "rtl")
    dialogues = [line for line in result.ass.read_text().splitlines() if line.startswith("Dialogue:")]
    assert len(dialogues) == len(tokens) and all(d.count("\\N") == lines - 1 for d in dialogues)
    highlight = caption_style("bold").highlight
    at = [_highlighted_at(frame_at(result.mp4, 0.45 + 0.5 * i), highlight) for i in range(len(tokens))]
    xs, ys = [x for x, _ in at], [y for _, y in at]
    if lines == 1:
        assert xs[0] > xs[1] > xs[2] > xs[3] and max(ys) - min(ys) < 20
    else:
        assert abs(ys[0] - ys[1]) < 20 and abs(ys[2] - ys[3]) < 20 and ys[2] - ys[0] > 40  # the first on top
        assert xs[0] > xs[1] and xs[2] > xs[3]  # each read from the right


def test_a_stretch_of_a_source_is_measured_for_loudness_once_for_every_aspect(media, tmp_path, monkeypatch):
    """A video's clips in several aspects share their audio: the second aspect takes the first's
    gain without measuring again, and a source replaced in place (another version) is measured anew."""
    import streams.media.render as module

    source = tmp_path / "talk.mp4"
    shutil.copy(media / "source.mp4", source)
    ran: list[str] = []  # what each ffmpeg run was for; "measure" for a loudness run reading the source

    async def counted(ffmpeg, args, purpose, *rest, **kwargs):
        ran.append("measure" if purpose == "loudness" and any(str(source) in str(a) for a in args) else purpose)
        return await real(ffmpeg, args, purpose, *rest, **kwargs)

    real = module.run_ffmpeg
    monkeypatch.setattr(module, "run_ffmpeg", counted)
    first = render(RenderSpec(source, 1.0, 4.0, aspect="9:16", preset="ultrafast"), tmp_path / "tall")
    assert "measure" in ran and first.gain_db is not None
    ran.clear()
    second = render(RenderSpec(source, 1.0, 4.0, aspect="1:1", preset="ultrafast"), tmp_path / "square")
    assert "measure" not in ran and "render" in ran
    assert second.gain_db == first.gain_db
    ran.clear()
    render(RenderSpec(source, 2.0, 4.0, aspect="1:1", preset="ultrafast"), tmp_path / "later")
    assert "measure" in ran  # another stretch
    ran.clear()
    shutil.copy(media / "podcast.m4a", tmp_path / "other.m4a")
    os.replace(tmp_path / "other.m4a", source)  # another file under the same name
    render(RenderSpec(source, 1.0, 4.0, aspect="9:16", preset="ultrafast"), tmp_path / "replaced")
    assert "measure" in ran
    # aspects rendered at once (as the render agent does, a slot each): one measures, the other
    # waits for its gain; a measuring is one loudness run, or two when the limiter has much to do
    ran.clear()
    render(RenderSpec(source, 3.0, 6.0, aspect="4:5", preset="ultrafast"), tmp_path / "alone")
    once = ran.count("measure")
    assert once >= 1
    module.forget_gains()
    ran.clear()

    async def together():
        return await asyncio.gather(*(render_clip(RenderSpec(source, 3.0, 6.0, aspect=aspect, preset="ultrafast"),
                                                  tmp_path / f"together-{n}") for n, aspect in enumerate(("9:16", "1:1"))))

    tall, square = asyncio.run(together())
    assert ran.count("measure") == once and ran.count("render") >= 2, ran
    assert tall.gain_db == square.gain_db
