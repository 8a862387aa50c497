"""Rendering with the real ffmpeg on small generated media, checked by reading the output with PyAV."""

import asyncio
import struct
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from streams.errors import RenderError
from streams.media.captions import CaptionWord, to_srt, to_vtt
from streams.media.render import (
    RenderPaths,
    RenderSpec,
    SourceInfo,
    build_ffmpeg_args,
    crop_box,
    filter_value,
    probe,
    render_clip,
)

WORDS = tuple(CaptionWord(w, s, s + 0.45) for w, s in [
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
    spec = RenderSpec(media / "source.mp4", START, END, words=WORDS, preset="ultrafast")
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


def frame_at(path: Path, seconds: float) -> np.ndarray:
    with av.open(str(path)) as c:
        for frame in c.decode(video=0):
            if frame.time >= seconds:
                return frame.to_ndarray(format="rgb24").astype(np.int16)
    raise AssertionError(f"no frame at {seconds}s in {path}")


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
    assert sorted(p.name for p in clip.mp4.parent.iterdir()) == ["c1.ass", "c1.jpg", "c1.mp4", "c1.srt", "c1.vtt"]


def test_faststart_puts_moov_before_mdat(clip):
    boxes = top_level_boxes(clip.mp4)
    assert boxes[0] == "ftyp" and boxes.index("moov") < boxes.index("mdat")


def test_sidecar_captions(clip):
    assert clip.srt.read_text() == to_srt(WORDS) and clip.vtt.read_text() == to_vtt(WORDS)
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


def test_audio_only_source_gets_a_dark_background(media, tmp_path):
    result = render(RenderSpec(media / "podcast.m4a", 1.0, 5.5, words=WORDS[:4], preset="ultrafast"), tmp_path)
    for name, seconds in durations(result.mp4).items():
        assert abs(seconds - 4.5) < 0.1, (name, seconds)
    frame = frame_at(result.mp4, 1.0)
    assert frame.shape == (1920, 1080, 3)
    assert np.abs(frame[:900].mean(axis=(0, 1)) - (0x14, 0x14, 0x1C)).max() < 8
    assert (frame[1100:1550].min(axis=2) > 230).sum() > 2000


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
    assert probe(media / "source.mp4") == SourceInfo(True, True, 640, 360, 25.0, pytest.approx(12.0, abs=0.1))
    assert probe(media / "podcast.m4a") == SourceInfo(False, True, 0, 0, None, pytest.approx(12.0, abs=0.1))


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
    assert args[args.index("-i") - 4:args.index("-i") + 2] == [
        "-protocol_whitelist", "file", "-ss", "2.370", "-i", "file:/v/in.mp4"]
    assert args[args.index("-t") + 1] == "6.540" and args.index("-t") > args.index("-i")
    assert graph(args) == (
        "[0:v:0]crop=202:360:59:0,scale=1080:1920:flags=lanczos,setsar=1,"
        "tpad=stop_mode=clone:stop_duration=6.540,ass=filename=/clips/c.ass:fontsdir=/fonts,format=yuv420p[v];"
        "[0:a:0]loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000,"
        "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo,apad[a]"
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
    assert ",fps=30," in graph(args) and "crop=" not in graph(args)
    assert "anullsrc=r=48000:cl=stereo" in args and args[args.index("[v]") + 2] == "1:a"
    assert ",fps=24," in graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5, fps=24), VIDEO, PATHS))
    assert "fps=" not in graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5), VIDEO, PATHS))
    assert "loudnorm" not in graph(build_ffmpeg_args(RenderSpec(Path("s.mp4"), 0, 5, loudness=False), VIDEO, PATHS))


def test_args_for_audio_only_sources_draw_a_background():
    args = build_ffmpeg_args(RenderSpec(Path("a.m4a"), 3, 8, aspect="4:5"), SourceInfo(False, True), PATHS)
    assert args[args.index("lavfi") + 2] == "color=c=0x14141c:s=1080x1350:r=30"
    assert args[args.index("-ss"):args.index("-ss") + 4] == ["-ss", "3.000", "-i", "file:a.m4a"]
    assert graph(args).startswith("[0:v]ass=filename=/clips/c.ass") and "[1:a:0]loudnorm" in graph(args)


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
])
def test_spec_refuses_bad_values(kwargs, message):
    with pytest.raises(RenderError, match=message):
        RenderSpec(**{"source": Path("s.mp4"), "start": 0.0, "end": 2.0, **kwargs})

