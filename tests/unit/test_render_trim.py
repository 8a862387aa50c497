"""A trimmed clip rendered by FFmpeg (streams.media.trim through render_clip): the picture and the
sound lose the same time at every cut (a flash drawn and a tone sounded at the same instants stay
together within a frame), nothing cut out survives, no cut clicks, the captions, the crop path and
the hand-off follow the new timing, and ``trim: off`` renders as before."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from streams.domain.words import Word
from streams.media.framing import framing
from streams.media.framing import CropKey
from streams.media.render import probe, render_clip
from streams.media.render_spec import RenderSpec
from streams.media.trim import TrimOptions, TrimPlan, plan
from tests.plans import FakePlan, Key

FPS = 25
START, END = 0.3, 11.0
FLASH = 0.04  # one frame: a white frame and a 1 kHz tone burst at k + 0.52 s
# a word around each flash, and two long pauses with flashes in them that the trim takes out
WORD_AT = [0, 1, 4, 5, 6, 9, 10]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trim")
    flash = f"between(mod(t,1),0.51,{0.51 + FLASH})"  # the frame at k + 0.52 (wide for rounding)
    video = f"color=c=black:s=320x240:r={FPS},drawbox=c=white:t=fill:enable='{flash}'"
    audio = f"sine=frequency=1000:sample_rate=48000,volume=0:enable='not({flash})'"
    path = root / "flashes.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", video, "-f", "lavfi", "-i", audio,
                    "-t", "12", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-b:a", "192k",
                    str(path)], check=True)
    return path


def words() -> list[Word]:
    return [Word(f"word{k}.", k + 0.3, k + 0.8) for k in WORD_AT]


def trimmed_spec(source: Path, trim: TrimPlan, **kwargs) -> RenderSpec:
    return RenderSpec(source, START, END, words=tuple(trim.words(words())), preset="ultrafast", language="en",
                      trim=trim, loudness=False, **kwargs)


def flashes(path: Path) -> list[float]:
    with av.open(str(path)) as c:
        return [float(f.time) for f in c.decode(video=0) if f.to_ndarray(format="gray").mean() > 100]


def tones(path: Path) -> tuple[list[float], np.ndarray, int]:
    """Onsets of the tone bursts (5 ms RMS over a quarter of the loudest), the samples and rate."""
    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        rate = stream.rate
        pcm = np.concatenate([f.to_ndarray().mean(axis=0) for f in c.decode(audio=0)])
    hop = rate // 200
    rms = np.sqrt(np.convolve(pcm**2, np.ones(hop) / hop, mode="same"))
    loud = rms > 0.25 * rms.max()
    onsets = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    return [float(i / rate) for i in onsets], pcm, rate


@pytest.fixture(scope="module")
def trim(source) -> TrimPlan:
    info = probe(source)
    found = plan(words(), START, END, TrimOptions(mode="pauses"), fps=info.fps)
    assert len(found.cuts) == 2  # the pauses 1.8-4.3 and 6.8-9.3
    return found


@pytest.fixture(scope="module")
def rendered(source, trim, tmp_path_factory):
    out = tmp_path_factory.mktemp("trimmed")
    return asyncio.run(render_clip(trimmed_spec(source, trim), out, stem="t"))


def test_the_clip_is_as_long_as_what_it_keeps(rendered, trim):
    assert trim.removed_seconds > 4.0
    assert rendered.duration == pytest.approx(trim.duration, abs=1.5 / FPS)
    with av.open(str(rendered.mp4)) as c:
        video = c.streams.video[0]
        assert float(video.duration * video.time_base) == pytest.approx(trim.duration, abs=1.5 / FPS)


def test_picture_and_sound_stay_together_at_every_cut(rendered, trim):
    kept = [k + 0.52 for k in range(12) if trim.to_clip(k + 0.52) is not None and START < k + 0.52 < END]
    seen, heard = flashes(rendered.mp4), tones(rendered.mp4)[0]
    expected = [trim.to_clip(t) for t in kept]
    assert len(seen) == len(kept) and len(heard) == len(kept), (seen, heard, expected)
    for at, flash, tone in zip(expected, seen, heard):
        assert flash == pytest.approx(at, abs=1.0 / FPS + 1e-3)
        assert tone == pytest.approx(flash, abs=1.0 / FPS), "sound and picture apart by more than a frame"


def test_no_cut_clicks(rendered, trim):
    _, pcm, rate = tones(rendered.mp4)
    for a, _ in trim.cuts:
        at = int(round(trim.to_clip(a - 1e-3) * rate))
        around = pcm[max(0, at - rate // 50) : at + rate // 50]
        # the joins lie in silence: no jump between samples at all beyond the codec's noise floor
        assert np.abs(np.diff(around)).max() < 0.01


def test_captions_and_the_hand_off_follow_the_new_timing(rendered, trim):
    document = json.loads(rendered.handoff.read_text())
    assert document["trim"]["kept"] == [[round(a, 3), round(b, 3)] for a, b in trim.kept]
    assert document["trim"]["removed_seconds"] == trim.removed_seconds
    said = document["captions"]["words"]
    assert [w["word"] for w in said] == [w.word for w in words() if START <= w.start < END]
    assert said[-1]["end"] <= trim.duration + 1e-3
    # the word around each kept flash is where the flash now is
    for w in said:
        k = int(w["word"][4:-1])
        assert w["start"] == pytest.approx(trim.to_clip(k + 0.3), abs=1e-3)
    srt = rendered.srt.read_text()
    assert "word9." in srt and "00:00:0" in srt


def test_the_crop_path_jumps_at_each_cut(source, trim):
    """A crop panning left to right across the source: after trimming it holds its place through
    each join, jumping from where it was when the cut began to where it is when the cut ends."""
    moving = FakePlan("single", 90, 160, keyframes=(Key(START, 50, 120), Key(END, 270, 120)))
    spec = trimmed_spec(source, trim, plan=moving)
    (path,) = framing(spec, probe(source)).panels
    assert path[-1].t == pytest.approx(trim.duration, abs=1e-3) or path[-1].t < trim.duration
    for a, b in trim.cuts:
        join = trim.clamp(a)
        at_join = [k for k in path if abs(k.t - join) < 1e-3]
        assert len(at_join) >= 2 and at_join[0].x < at_join[-1].x  # a jump to the right, not a glide
    assert all(isinstance(k, CropKey) and 0 <= k.t <= trim.duration + 1e-3 for k in path)


def test_trim_off_renders_exactly_as_before(source, tmp_path):
    whole = TrimPlan.whole(START, END)
    plain = RenderSpec(source, START, END, words=tuple(words()), preset="ultrafast", loudness=False)
    same = RenderSpec(source, START, END, words=tuple(words()), preset="ultrafast", loudness=False, trim=whole)
    info = probe(source)
    from streams.media.ffmpeg_args import build_ffmpeg_args
    from streams.media.render_spec import RenderPaths

    paths = RenderPaths(tmp_path / "c.ass", tmp_path / "c.mp4")
    assert build_ffmpeg_args(same, info, paths) == build_ffmpeg_args(plain, info, paths)
    assert same.duration == plain.duration and not same.trimmed
