"""A real engine opens our timelines: a clip rendered by clipstream (real FFmpeg on real media from
../shared/media), its Kdenlive export made from the clip's hand-off file, and that project rendered
by MLT's ``melt`` (Debian's, the engine behind Kdenlive and Shotcut). The render lasts as long as
the clip and its audio lines up with ours to within one frame; for a 29.97 fps source, a variable
frame rate one and an audio-only upload, packaged as a bundle with relative media paths."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from streams.domain.words import Word
from streams.media.render import RenderSpec, render_clip
from streams.timeline import build, bundle, cuts, formats
from tests.frames import frame_at

pytestmark = [pytest.mark.integration, pytest.mark.slow]
RATE = 16000  # audio compared at this rate, mono


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


def seconds_of(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def video_frames(path: Path) -> int:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                          "stream=nb_read_frames", "-of", "csv=p=0", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return int(out)


def pcm(path: Path) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vn", "-ac", "1", "-ar", str(RATE),
                          "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32)


def offset_seconds(ours: np.ndarray, theirs: np.ndarray, search: float = 0.5) -> tuple[float, float]:
    """(lag of ``theirs`` behind ``ours`` in seconds, normalised correlation at that lag)."""
    n = min(len(ours), len(theirs))
    a, b = ours[:n] - ours[:n].mean(), theirs[:n] - theirs[:n].mean()
    size = 1 << int(np.ceil(np.log2(2 * n)))
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    reach = int(search * RATE)
    lags = np.concatenate([np.arange(0, reach), np.arange(-reach, 0)])
    window = np.concatenate([corr[:reach], corr[-reach:]])
    best = int(np.argmax(window))
    return lags[best] / RATE, float(window[best] / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.fixture(scope="module")
def melt() -> str:
    path = shutil.which("melt")
    if path is None:
        pytest.fail("MLT's melt is not installed (scripts/setup.sh installs Debian's `melt`)")
    return path


@pytest.fixture(scope="module")
def sources(media_dir, tmp_path_factory) -> dict[str, Path]:
    """Talking faces (the GRID montage, real faces and voices) at 29.97 fps and at a variable frame
    rate, and read speech as an audio-only upload."""
    out = tmp_path_factory.mktemp("timeline_sources")
    grid = media_dir / "derived/grid_montage_10clips_30s.mp4"
    ffmpeg("-i", str(grid), "-t", "20", "-r", "30000/1001", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac",
           str(out / "ntsc.mp4"))
    # Frames dropped unevenly and timestamps kept: frame durations of 40, 80 and 120 ms.
    ffmpeg("-i", str(grid), "-t", "20", "-vf", "select='not(eq(mod(n,7),3))*not(eq(mod(n,11),5))'",
           "-fps_mode", "vfr", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(out / "vfr.mp4"))
    speech = media_dir / "derived/ljspeech_LJ001-0001_to_0032_concat.wav"
    ffmpeg("-i", str(speech), "-t", "40", "-c:a", "aac", "-b:a", "128k", str(out / "read.m4a"))
    ffmpeg("-i", str(speech), "-t", "40", str(out / "read.wav"))
    # The same speech as a podcast episode with its cover art (a red square) attached.
    ffmpeg("-f", "lavfi", "-i", "color=c=0xE02020:s=600x600", "-frames:v", "1", str(out / "art.png"))
    ffmpeg("-i", str(out / "read.m4a"), "-i", str(out / "art.png"), "-map", "0", "-map", "1", "-c:a", "copy",
           "-c:v", "png", "-disposition:v:0", "attached_pic", str(out / "episode.m4a"))
    return {"ntsc": out / "ntsc.mp4", "vfr": out / "vfr.mp4", "audio": out / "read.m4a", "wav": out / "read.wav",
            "episode": out / "episode.m4a"}


def test_the_vfr_source_really_has_a_variable_frame_rate(sources):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=duration_time",
                          "-of", "csv=p=0", str(sources["vfr"])], capture_output=True, text=True, check=True).stdout
    durations = {round(float(d), 2) for d in out.split() if d and d != "N/A"}
    assert len(durations) >= 2, durations


@pytest.mark.parametrize("kind, start, end", [
    ("ntsc", 4.2, 11.7), ("vfr", 3.05, 10.9), ("audio", 12.3, 21.8),
    pytest.param("wav", 12.3, 21.8, marks=pytest.mark.xfail(strict=True, reason=(
        "MLT 7.12's avformat producer starts a cut of a PCM WAV file 52 ms early, with glitches (similarity "
        "0.40 to the exact samples, where FFmpeg's cut and ours match them at 0.999); the same speech as AAC "
        "lines up within 6 ms. The timeline says 12.300 s; melt does not play it there"))),
])
def test_melt_renders_the_kdenlive_export_as_long_as_our_clip_with_the_audio_in_line(
        kind, start, end, sources, melt, tmp_path):
    source = sources[kind]
    words = tuple(Word(w, round(0.2 + i * 0.45, 2), round(0.55 + i * 0.45, 2))
                  for i, w in enumerate("place blue at f two now please".split()))
    rendered = asyncio.run(render_clip(RenderSpec(source=source, start=start, end=end, aspect="16:9", words=words),
                                       tmp_path / "ours", stem="c1"))
    doc = json.loads(rendered.handoff.read_text())

    folder = tmp_path / "bundle"  # as a bundle unpacks: the timeline, and the source under media/
    (folder / bundle.MEDIA_DIR).mkdir(parents=True)
    shutil.copy(source, folder / bundle.MEDIA_DIR / source.name)
    src = cuts.source_of(doc, name=source.name, url=bundle.media_url(source.name), duration=seconds_of(source),
                         has_video=kind not in ("audio", "wav"))
    (cut,) = cuts.cuts_of(doc, clip_id="c1", title="A title", reason="A reason", score=80.0, rank=1)
    fmt = formats.FORMATS["kdenlive"]
    project = folder / f"c1{fmt.suffix}"
    project.write_text(formats.write(build.build(src, [cut], name="c1", markers=fmt.markers), fmt), encoding="utf-8")

    audio_only = kind in ("audio", "wav")
    out = tmp_path / ("melt.wav" if audio_only else "melt.mp4")
    codecs = ["acodec=pcm_s16le"] if audio_only else ["acodec=aac", "vcodec=libx264", "preset=ultrafast"]
    subprocess.run([melt, "-quiet", str(project), "-consumer", f"avformat:{out}", *codecs], check=True,
                   cwd=tmp_path, timeout=300, capture_output=True)

    rate = build.rate_of(src)
    frame = 1 / rate
    span = build.cut_range(cut, rate)
    assert abs(seconds_of(out) - (end - start)) <= frame + 0.03  # the container rounds to its audio frames
    if not audio_only:
        assert video_frames(out) == span.duration.to_frames()
    lag, similarity = offset_seconds(pcm(rendered.mp4), pcm(out))
    assert similarity > 0.5, similarity
    assert abs(lag) < frame, f"melt's audio is {lag * 1000:.1f} ms off ours (a frame is {frame * 1000:.1f} ms)"


def test_melt_draws_an_audio_only_clips_cover_art_under_its_sound(sources, melt, tmp_path):
    """A bundle of a podcast episode's clip: the cover art the render kept, on the Kdenlive
    project's video track for the whole cut at its own size, the sound in line with ours."""
    source, start, end = sources["episode"], 12.3, 21.8
    words = (Word("place", 0.2, 0.55), Word("blue", 0.65, 1.0))
    rendered = asyncio.run(render_clip(RenderSpec(source=source, start=start, end=end, aspect="9:16", words=words),
                                       tmp_path / "ours", stem="c1"))
    assert rendered.cover is not None
    doc = json.loads(rendered.handoff.read_text())
    art = cuts.cover_of(doc)
    assert art is not None and art["file"] == rendered.cover.name
    folder = tmp_path / "bundle"
    (folder / bundle.MEDIA_DIR).mkdir(parents=True)
    shutil.copy(source, folder / bundle.MEDIA_DIR / source.name)
    shutil.copy(rendered.cover, folder / bundle.MEDIA_DIR / "episode.cover.png")
    src = cuts.source_of(doc, name=source.name, url=bundle.media_url(source.name), duration=seconds_of(source),
                         has_video=False, cover=cuts.Cover("episode.cover.png", bundle.media_url("episode.cover.png"),
                                                           art["width"], art["height"]))
    (cut,) = cuts.cuts_of(doc, clip_id="c1", title="A title", reason="A reason", score=80.0, rank=1)
    fmt = formats.FORMATS["kdenlive"]
    project = folder / f"c1{fmt.suffix}"
    timeline = build.build(src, [cut], name="c1", markers=fmt.markers, reframe=fmt.reframe, cover=fmt.cover)
    project.write_text(formats.write(timeline, fmt), encoding="utf-8")
    out = tmp_path / "melt.mp4"
    subprocess.run([melt, "-quiet", str(project), "-consumer", f"avformat:{out}", "acodec=aac", "vcodec=libx264",
                    "preset=ultrafast"], check=True, cwd=tmp_path, timeout=300, capture_output=True)

    rate = build.rate_of(src)
    span = build.cut_range(cut, rate)
    assert video_frames(out) == span.duration.to_frames()
    assert abs(seconds_of(out) - (end - start)) <= 1 / rate + 0.03
    for at in (0.1, (end - start) / 2, end - start - 0.2):  # the picture all through, not a blank frame
        picture = frame_at(out, at)[50:550, 50:550]
        assert frame_at(out, at).shape[:2] == (600, 600)
        # MLT's H.264 and PyAV's decoding disagree on the colour matrix by a shade (196, 20, 43 for
        # 224, 32, 32); a blank frame, what a still entry past its first frame gives, is near white.
        assert np.abs(picture.mean(axis=(0, 1)) - (0xE0, 0x20, 0x20)).max() < 36, at
        assert picture.std(axis=(0, 1)).max() < 4, at
    lag, similarity = offset_seconds(pcm(rendered.mp4), pcm(out))
    assert similarity > 0.5 and abs(lag) < 1 / rate, (lag, similarity)


def grey_frames(path: Path, size: tuple[int, int] = (270, 480)) -> np.ndarray:
    raw = subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-i", str(path), "-vf", f"scale={size[0]}:{size[1]}",
                          "-pix_fmt", "gray", "-f", "rawvideo", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size[1], size[0]).astype(np.float64)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return float(10 * np.log10(255.0 ** 2 / max(np.mean((a - b) ** 2), 1e-9)))


@pytest.mark.parametrize("layout", ["single", "fit"])
def test_melt_draws_the_reframed_kdenlive_export_as_our_clip_frame_by_frame(layout, sources, melt, tmp_path):
    """A 9:16 clip whose crop pans across the 5:4 source, holds, jumps at a shot change and pans
    back (or the whole source fitted to the width): the Kdenlive export is a 1080x1920 project
    whose keyframed Position and Zoom filter draws every frame as our renderer did: each frame's
    PSNR to ours, at a quarter size, is over 27 dB (28.6 to 33 measured: our renderer puts its crop
    on whole source pixels, 6.7 output pixels each, where MLT draws between them, and the two
    encoders' colour handling costs a few dB; melt's picture moved by 8 output pixels scores 25
    on the worst frame, by 28 pixels 21). Of a fitted clip the picture is compared: our blurred
    cover above and below it is not carried (black there)."""
    from streams.media.reframe.camera import CropKeyframe
    from streams.media.reframe.reframe_plan import ReframePlan
    from streams.media.reframe.observations import Source as Geometry

    source, start, end = sources["ntsc"], 4.2, 7.7
    path = (CropKeyframe(4.2, 100, 144), CropKeyframe(5.7, 250, 144), CropKeyframe(6.2, 250, 144),
            CropKeyframe(6.2, 90, 144), CropKeyframe(7.7, 120, 144))
    geometry = Geometry(360, 288, 30000 / 1001)
    plan = (ReframePlan("single", "9:16", geometry, start, end, 162, 288, path, cuts=(6.2,)) if layout == "single"
            else ReframePlan("fit", "9:16", geometry, start, end, 360, 288))
    rendered = asyncio.run(render_clip(RenderSpec(source=source, start=start, end=end, aspect="9:16", plan=plan,
                                                  loudness=False, preset="ultrafast", crf=16), tmp_path / "ours"))
    doc = json.loads(rendered.handoff.read_text())
    assert doc["layout"] == layout

    src = cuts.source_of(doc, name=source.name, url=str(source), duration=seconds_of(source), has_video=True)
    (cut,) = cuts.cuts_of(doc, clip_id="c1", title="A title", reason="A reason", score=80.0, rank=1)
    fmt = formats.FORMATS["kdenlive"]
    project = tmp_path / f"c1{fmt.suffix}"
    project.write_text(formats.write(build.build(src, [cut], name="c1", markers=fmt.markers, reframe=fmt.reframe),
                                     fmt), encoding="utf-8")
    out = tmp_path / "melt.mp4"
    subprocess.run([melt, "-quiet", str(project), "-consumer", f"avformat:{out}", "vcodec=libx264",
                    "preset=ultrafast", "crf=16", "an=1"], check=True, cwd=tmp_path, timeout=300, capture_output=True)

    ours, theirs = grey_frames(rendered.mp4), grey_frames(out)
    assert len(ours) == len(theirs) == build.cut_range(cut, build.rate_of(src)).duration.to_frames()
    if layout == "fit":  # the picture: 360x288 at 1080 wide is 864 high, rows 528-1392 of 1920 (132-348 of 480)
        ours, theirs = ours[:, 134:346], theirs[:, 134:346]
    scores = [psnr(a, b) for a, b in zip(ours, theirs)]
    worst = int(np.argmin(scores))
    assert scores[worst] > 27, f"frame {worst} of {len(scores)}: {scores[worst]:.1f} dB"
