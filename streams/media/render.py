"""Rendering one clip with FFmpeg: seek, cut, reframe to the target aspect, burn captions and a
logo, normalise loudness, encode; then a thumbnail and the editor hand-off.

Per clip: one audio-only ffmpeg run measures loudness (``loudness.py``; a second one only when the
limiter has a lot to do; once for a stretch of a source, whatever its aspects), one ffmpeg run
decodes the source once and encodes the MP4 once through a single filter graph (reframe drawn by
``framing.py``, logo, captions, gain + true-peak limiter, fades), written under a temporary name
and renamed only when complete. The thumbnail is read from the MP4 (``thumbnail.py``) and the
hand-off JSON (``handoff.py``) written beside it.

This module runs a render; its parts have their own: what is asked and given back
(``render_spec``), the ffmpeg command lines (``ffmpeg_args``, pure, for tests without ffmpeg),
running ffmpeg confined (``ffmpeg_run``) and the caption fonts (``fonts``). The names a caller
needs are re-exported here (``__all__``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import stat
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable, Generator
from pathlib import Path
from typing import TypeVar

import numpy as np

from streams.errors import MediaError, RenderError
from streams.media import audiogram, loudness
from streams.media.ass import layout_cues, to_ass
from streams.media.audio import SAFE_OPTIONS
from streams.media.brand import brand_json
from streams.media.captions import for_script, subtitles
from streams.media.cover_art import write_cover_art
from streams.media.emphasis import marked_words
from streams.media.ffmpeg_args import build_ffmpeg_args, build_reaudio_args, clip_audio_args, filter_value, frame_rate
from streams.media.ffmpeg_run import ran_out, run_ffmpeg
from streams.media.fonts import FONTS_DIR, font_measure
from streams.media.framing import PANELS, CropKey, Framing, crop_box, framing, sendcmd_script
from streams.media.handoff import handoff
from streams.media.hook import place, with_hook
from streams.media.render_spec import ASPECTS, RenderedClip, RenderPaths, RenderSpec
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.reading import read_source
from streams.media.source import SourceInfo
from streams.media.thumbnail import write_thumbnail

__all__ = [
    "ASPECTS",
    "RenderSpec",
    "SourceInfo",
    "RenderPaths",
    "RenderedClip",
    "Framing",
    "probe",
    "crop_box",
    "framing",
    "filter_value",
    "build_ffmpeg_args",
    "render_clip",
]

log = logging.getLogger(__name__)


# A loudness procedure's steps, the answers sent back to it, and its result (``_driven``).
Step = TypeVar("Step")
Answer = TypeVar("Answer")
Result = TypeVar("Result")

PEAK_TRIES = 2  # audio encodes after the first, at most, to bring the true peak under the promise
KEPT_GAINS = 256  # loudness gains remembered (``_loudness_gain``): a long video's clips in every aspect
_GAINS: dict[tuple, float | None] = {}
_MEASURING: weakref.WeakValueDictionary[tuple, asyncio.Lock] = weakref.WeakValueDictionary()


def probe(path: Path, sandbox: SandboxLimits = SandboxLimits()) -> SourceInfo:
    """Describe the source at ``path`` (``source.describe``, in the media sandbox); RenderError if
    it cannot be read or holds neither video nor audio (``SandboxUnavailable`` when the sandbox
    could not start). Blocking: call it in a thread from async code.

    A render asks about the same source for every clip and for every moment's framing; each
    version of a file (its inode, size and modification time) is read once, and a replaced file
    is read again. Failures are not remembered."""
    path = Path(path)
    version = _version(path)
    if version is None:
        raise RenderError(f"cannot read source {path.name}: No such file")
    try:
        return _described(version, sandbox)
    except MediaError as exc:
        raise RenderError(exc.message) from exc


@functools.lru_cache(maxsize=64)
def _described(version: tuple, sandbox: SandboxLimits) -> SourceInfo:
    return read_source(Path(version[0]), sandbox=sandbox)


async def render_clip(
    spec: RenderSpec,
    out_dir: Path,
    *,
    stem: str = "clip",
    ffmpeg: str = "ffmpeg",
    threads: int = 2,
    sandbox: SandboxLimits = SandboxLimits(),
) -> RenderedClip:
    """Render ``spec`` into ``out_dir`` as ``<stem>.mp4``, ``.jpg``, ``.srt``, ``.vtt``, ``.ass``
    and the editor hand-off ``.json`` (and ``.cover.png``, an audio-only source's cover art).

    Raises RenderError when the source cannot be read (in the media sandbox, under ``sandbox``)
    or ffmpeg fails (``retriable`` when disk or memory ran out). Cancelling the task kills ffmpeg and leaves no partial MP4 or JPEG behind.
    """
    width, height = ASPECTS[spec.aspect]
    info = await asyncio.to_thread(probe, Path(spec.source), sandbox)
    if info.duration is not None and spec.start >= info.duration:
        raise RenderError(f"clip starts at {spec.start:.2f}s but {Path(spec.source).name} is {info.duration:.2f}s long")
    if spec.logo is not None and not Path(spec.logo).is_file():
        raise RenderError(f"brand logo {Path(spec.logo).name} is not a file")
    out = Path(out_dir)
    files = {ext: out / f"{stem}.{ext}" for ext in ("mp4", "jpg", "srt", "vtt", "ass", "json")}
    style = for_script(spec.style, spec.words)  # CJK, Arabic, Hebrew, Devanagari, Thai: a Noto font
    measure = font_measure(style)
    frame = framing(spec, info)
    title = None
    if spec.hook is not None:  # clear of the speaker's face in its seconds and of the captions
        source_size = (info.width or 0, info.height or 0)
        title = place(
            spec.hook,
            spec.style,
            frame,
            spec.faces,
            spec.to_source,
            source_size,
            (width, height),
            spec.duration,
            font_measure,
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        script = to_ass(spec.words, width, height, style, measure, spec.emphasis)
        if title is not None:
            script = with_hook(script, title)
        files["ass"].write_text(script, encoding="utf-8")
        for ext, text in subtitles(spec.words, spec.language, spec.speaker_names).items():
            files[ext].write_text(text, encoding="utf-8")
    except (OSError, ValueError) as exc:
        retriable = isinstance(exc, OSError) and ran_out(exc.errno)
        raise RenderError(f"cannot write captions to {out}: {exc}", retriable=retriable) from exc

    fonts = FONTS_DIR if FONTS_DIR.is_dir() else None
    token = uuid.uuid4().hex[:8]
    part, commands = out / f".{stem}.{token}.part", out / f".{stem}.{token}.cmd"
    try:
        if frame.moving:
            commands.write_text(sendcmd_script(dict(zip(PANELS, map(list, frame.panels)))), encoding="utf-8")
        gain = await _loudness_gain(spec, info, ffmpeg) if spec.loudness and info.has_audio else None
        paths = RenderPaths(files["ass"], part, fonts, commands if frame.moving else None)
        encode_started = time.perf_counter()
        await run_ffmpeg(
            ffmpeg,
            build_ffmpeg_args(spec, info, paths, threads=threads, gain_db=gain, frame=frame),
            "render",
            spec.duration,
            threads,
        )
        encode_seconds = time.perf_counter() - encode_started
        ceiling, level = loudness.CEILING_DBTP, None
        if gain is not None:
            ceiling, level = await _keep_peak_promise(spec, part, out / f".{stem}.{token}.aac.part", gain, ffmpeg)
        os.replace(part, files["mp4"])
        try:
            at = await asyncio.to_thread(
                write_thumbnail, files["mp4"], spec.duration, part, _face_check(spec, info, frame)
            )
        except Exception as exc:  # PyAV or Pillow: the MP4 itself is fine
            raise RenderError(f"cannot take a thumbnail from {files['mp4'].name}: {exc}") from exc
        os.replace(part, files["jpg"])
        cover = None
        if frame.layout == "audio" and info.artwork is not None:  # for an editor's timeline
            cover = await write_cover_art(ffmpeg, spec.source, info.artwork, out / f"{stem}.cover.png", part)
        duration = await asyncio.to_thread(_seconds, files["mp4"]) or spec.duration
        document = handoff(
            source=Path(spec.source).name,
            source_size=(info.width, info.height),
            source_fps=info.fps,
            start=spec.start,
            end=spec.end,
            aspect=spec.aspect,
            size=(width, height),
            fps=frame_rate(spec, info),
            files={
                **{k: files[k].name for k in ("mp4", "srt", "vtt", "ass")},
                "thumbnail": files["jpg"].name,
                **({"cover": cover["file"]} if cover is not None else {}),
            },
            layout=frame.layout,
            panels=frame.panels,
            style=style,
            brand=brand_json(spec.brand, spec.logo) if spec.brand else None,
            words=spec.words,
            cues=layout_cues(spec.words, width, height, style, measure, spec.emphasis),
            emphasis=marked_words(spec.emphasis, spec.words),
            hook=title.as_json() if title is not None else None,
            audiogram=_audiogram(spec, info, frame, (width, height), cover) if frame.audiogram else None,
            gain_db=gain,
            thumbnail_at=at,
            ceiling_dbtp=ceiling,
            measured=level,
            framing=_framing_json(spec.plan),
            language=spec.language,
            trim=spec.trim.as_json() if spec.trimmed and spec.trim is not None else None,
        )
        part.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(part, files["json"])
    except OSError as exc:  # the renames
        raise RenderError(f"cannot write {files['mp4'].name}: {exc}", retriable=ran_out(exc.errno)) from exc
    finally:
        part.unlink(missing_ok=True)
        commands.unlink(missing_ok=True)

    return RenderedClip(
        mp4=files["mp4"],
        srt=files["srt"],
        vtt=files["vtt"],
        ass=files["ass"],
        thumbnail=files["jpg"],
        duration=round(duration, 3),
        width=width,
        height=height,
        handoff=files["json"],
        gain_db=gain,
        thumbnail_at=at,
        frames=round(duration * frame_rate(spec, info)),
        encode_seconds=round(encode_seconds, 3),
        cover=out / cover["file"] if cover is not None else None,
    )


def _audiogram(spec: RenderSpec, info: SourceInfo, frame: Framing, size: tuple[int, int], art: dict | None) -> dict:
    """What an audio-only or still clip's picture holds (``audiogram.described``) and the cover art
    kept as a file (``art``), for the hand-off."""
    return {**audiogram.described(spec, info, frame.layout == "still", size), **({"art": art} if art else {})}


def _framing_json(plan) -> dict | None:
    """How close the reframe plan's single crop is on the speaker (None without one)."""
    framing = getattr(plan, "framing", None)
    return framing.as_json() if framing is not None else None


async def _keep_peak_promise(
    spec: RenderSpec, rendered: Path, scratch: Path, gain: float, ffmpeg: str
) -> tuple[float, loudness.Loudness | None]:
    """``loudness.peak_promise`` on the encoded clip, its audio encoded again in place (through
    ``scratch``) as often as it asks. ``(ceiling used, last measurement)``."""

    async def do(step: loudness.Measure | loudness.Encode) -> str | None:
        if isinstance(step, loudness.Measure):
            return await run_ffmpeg(ffmpeg, step.args, "loudness", spec.duration)
        await run_ffmpeg(
            ffmpeg, build_reaudio_args(spec, rendered, scratch, gain, step.ceiling), "render", spec.duration
        )
        os.replace(scratch, rendered)
        return None

    try:
        check = await _driven(loudness.peak_promise(rendered, spec.duration, PEAK_TRIES), do)
    finally:
        scratch.unlink(missing_ok=True)
    if not check.kept:
        assert check.level is not None, "an unmeasured clip keeps the promise"
        log.warning(
            "%s %.2f-%.2f s: true peak %.2f dBTP after %d encodes, over the %.1f promised",
            Path(spec.source).name,
            spec.start,
            spec.end,
            check.level.true_peak,
            check.encodes,
            loudness.PROMISE_DBTP,
        )
    return check.ceiling, check.level


async def _driven(steps: Generator[Step, Answer, Result], do: Callable[[Step], Awaitable[Answer]]) -> Result:
    """Run one of ``loudness``'s procedures: each step it yields done by ``do``, whose answer is
    sent back; what the procedure returns."""
    try:
        step = next(steps)
        while True:
            step = steps.send(await do(step))
    except StopIteration as done:
        return done.value


async def clip_audio(source: Path, start: float, duration: float, scratch: Path, ffmpeg: str = "ffmpeg") -> np.ndarray:
    """The audio of ``[start, start + duration]`` of ``source`` (which has sound) as 16 kHz mono
    float32, decoded by ffmpeg confined like every read of an upload (``scratch``: a file name it
    may use)."""
    try:
        await run_ffmpeg(ffmpeg, clip_audio_args(source, start, duration, scratch), "audio", duration)
        return np.fromfile(scratch, dtype="<f4") if scratch.exists() else np.zeros(0, np.float32)
    finally:
        scratch.unlink(missing_ok=True)


async def _loudness_gain(spec: RenderSpec, info: SourceInfo, ffmpeg: str) -> float | None:
    """``loudness.gain_for`` the clip, its measuring runs made by ffmpeg. A trimmed clip is
    measured over its whole stretch of the source: what a trim takes out is pauses and
    hesitations, which loudness gating leaves out or which weigh little.

    The same stretch of the same version of a source (its inode, size and modification time) is
    measured once: a video's clips in several aspects share their audio, so every aspect after the
    first reuses the gain, and aspects rendered at once wait for the first one's measuring rather
    than measure beside it. A failed measurement is not kept: the next one measures."""
    duration = spec.span
    if info.duration is not None:
        duration = max(0.05, min(duration, info.duration - spec.start))

    async def measure(step: loudness.Measure) -> str:
        return await run_ffmpeg(ffmpeg, step.args, "loudness", duration)

    version = _version(Path(spec.source))
    if version is None:
        return await _driven(loudness.gain_for(Path(spec.source), spec.start, duration), measure)
    key = (version, round(spec.start, 3), round(duration, 3), ffmpeg)
    # held only while some render measures or waits (weak values), so never across event loops
    lock = _MEASURING.setdefault(key, asyncio.Lock())
    async with lock:
        if key in _GAINS:
            return _GAINS[key]
        gain = await _driven(loudness.gain_for(Path(spec.source), spec.start, duration), measure)
        _GAINS[key] = gain
        while len(_GAINS) > KEPT_GAINS:
            del _GAINS[next(iter(_GAINS))]  # the oldest first
    return gain


def forget_gains() -> None:
    """Forget every loudness gain measured so far, so the next render of any clip measures its
    own: for a benchmark that times a clip's whole work more than once."""
    _GAINS.clear()


def _version(path: Path) -> tuple | None:
    """Which version of the file at ``path`` this is: its place and its inode, size and
    modification time (a replaced file is another version); None when it is no regular file that
    can be read. ``probe`` and the loudness gains remember by it."""
    try:
        st = path.stat()
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (str(path.absolute()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _face_check(spec: RenderSpec, info: SourceInfo, frame: Framing) -> Callable[[float], bool | None] | None:
    """Whether a face of ``spec.faces`` near clip time ``t`` is inside the drawn picture."""
    if not spec.faces:
        return None

    def visible(t: float) -> bool | None:
        at = spec.to_source(t)
        near = [f for f in spec.faces if abs(f[0] - at) <= 0.5]
        if not near:
            return None
        if frame.layout in ("fit", "audio", "still"):
            return True
        boxes = [next((k for k in reversed(panel) if k.t <= t + 1e-6), panel[0]) for panel in frame.panels]
        return any(_inside(face[1:], box) for face in near for box in boxes)

    return visible


def _inside(face: tuple[float, ...], box: CropKey, share: float = 0.8) -> bool:
    x0, y0, x1, y1 = face
    ix = max(0.0, min(x1, box.x + box.w) - max(x0, box.x))
    iy = max(0.0, min(y1, box.y + box.h) - max(y0, box.y))
    area = max(1e-9, (x1 - x0) * (y1 - y0))
    return ix * iy / area >= share


def _seconds(path: Path) -> float | None:
    import av

    with av.open(str(path), options=SAFE_OPTIONS) as container:
        return container.duration / 1_000_000 if container.duration else None
