"""Rendering one clip with FFmpeg: seek, cut, reframe to the target aspect, burn captions and a
logo, normalise loudness, encode; then a thumbnail and the editor hand-off.

Per clip: one audio-only ffmpeg run measures loudness (``loudness.py``; a second one only when the
limiter has a lot to do), one ffmpeg run decodes the source once and encodes the MP4 once through a
single filter graph (reframe drawn by ``framing.py``, logo, captions, gain + true-peak limiter,
fades), written under a temporary name and renamed only when complete. The thumbnail is read from
the MP4 (``thumbnail.py``) and the hand-off JSON (``handoff.py``) written beside it.
``build_ffmpeg_args`` is pure, for tests without ffmpeg.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import json
import logging
import math
import os
import re
import shutil
import signal
import stat
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, NamedTuple, Protocol, Sequence

from streams.errors import MediaError, RenderError
from streams.media import loudness
from streams.media.audio import SAFE_OPTIONS
from streams.media.brand import BrandKit
from streams.media.captions import (
    CAPTION_STYLES,
    CaptionStyle,
    CaptionWord,
    Measure,
    for_script,
    layout_cues,
    safe_area,
    to_ass,
    to_srt,
    to_vtt,
)
from streams.media.framing import (
    LAYOUTS,
    PANELS,
    CropKey,
    crop_box,
    crop_path,
    fit_graph,
    sendcmd_script,
    single_chain,
    split_graph,
)
from streams.media.handoff import handoff
from streams.media.sandbox import SandboxLimits, read_source
from streams.media.source import SourceInfo
from streams.media.thumbnail import write_thumbnail
from streams.worker.shutdown import STATE

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

# Linux kills ffmpeg if the worker dies, even by SIGKILL, so a killed worker never leaves renders
# running that nobody will collect. util-linux's setpriv sets PR_SET_PDEATHSIG and execs ffmpeg
# (a preexec_fn would run Python in the forked child, which gRPC's threads do not survive).
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []
# ffmpeg reads the upload too, so it runs as the media sandbox's readers do on what it may open
# (local files, the demuxers uploads come in: ``_source_input``) and under kernel limits
# (util-linux's prlimit): this much address space, and CPU seconds per thread as many as its wall
# clock, which is ``FFMPEG_BASE_SECONDS`` plus ``FFMPEG_SECONDS_PER_SECOND`` per second of clip.
# A run that needs more is stopped and fails its clip, never the worker.
FFMPEG_MEMORY_BYTES = 4 * 1024**3
FFMPEG_BASE_SECONDS = 120.0
FFMPEG_SECONDS_PER_SECOND = 10.0
_HAS_PRLIMIT = shutil.which("prlimit") is not None
LOGO_DEMUXERS = "image2,png_pipe,jpeg_pipe,webp_pipe,gif"

ASPECTS = {"9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350), "16:9": (1920, 1080)}
FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")
log = logging.getLogger(__name__)

MAX_FPS = 30.0
PEAK_TRIES = 2  # audio encodes after the first, at most, to bring the true peak under the promise
BACKGROUND = "0x14141c"  # near-black behind the captions of an audio-only source
_OUT_OF_RESOURCES = ("No space left on device", "Cannot allocate memory", "Disk quota exceeded")


class CropPlan(Protocol):
    """What rendering reads of a reframe plan (``reframe.layout.ReframePlan``); ``cuts`` and
    ``framing`` are optional and read with ``getattr``."""

    @property
    def layout(self) -> str: ...
    @property
    def crop_width(self) -> float: ...
    @property
    def crop_height(self) -> float: ...
    @property
    def keyframes(self) -> Sequence[Any]: ...
    @property
    def second(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class RenderSpec:
    """Attributes:
    source: the long video (or audio) file.
    start: clip start, seconds in the source.
    end: clip end, seconds in the source.
    aspect: a key of ``ASPECTS``.
    words: the captions, times relative to ``start``.
    caption_style: a key of ``captions.CAPTION_STYLES``.
    crop_center_x: where the static crop is centred, as a fraction (0-1) of the source width;
        None is the middle. The crop is clamped to stay inside the frame. Unused with a ``plan``.
    preset: libx264 preset (``ultrafast`` ... ``veryslow``).
    crf: libx264 constant rate factor (lower is better and bigger).
    audio_bitrate: AAC bitrate, e.g. ``128k``.
    fps: output frame rate; None keeps the source's, capped at ``MAX_FPS``.
    loudness: normalise to ``loudness.TARGET_LUFS`` with a true-peak ceiling (two passes).
    brand: a ``BrandKit`` applied over ``caption_style``, and its logo; None: the preset alone.
    plan: a ``reframe.layout.ReframePlan`` (``layout``, ``crop_width``, ``crop_height``,
        ``keyframes``, ``second``, ``cuts``; times in source seconds); None: the static crop.
    language: the ISO 639-1 code of the language spoken in the clip (the WebVTT ``Language:``
        header and the hand-off's ``captions.language``); None when unknown.
    faces: ``(t, x0, y0, x1, y1)`` boxes of the speaker's face in the source (source seconds and
        pixels; the reframe plan's ``faces``), so the thumbnail can prefer a frame whose drawn
        picture holds it; () when unknown.
    """

    source: Path
    start: float
    end: float
    aspect: str = "9:16"
    words: tuple[CaptionWord, ...] = ()
    caption_style: str = "bold"
    crop_center_x: float | None = None
    preset: str = "veryfast"
    crf: int = 21
    audio_bitrate: str = "128k"
    fps: float | None = None
    loudness: bool = True
    brand: BrandKit | None = None
    plan: CropPlan | None = None
    faces: tuple[tuple[float, float, float, float, float], ...] = ()
    language: str | None = None

    def __post_init__(self) -> None:
        plan = self.plan
        checks = (
            (self.aspect in ASPECTS, f"unknown aspect {self.aspect!r}; choose one of {', '.join(ASPECTS)}"),
            (
                self.caption_style in CAPTION_STYLES,
                f"unknown caption style {self.caption_style!r}; choose one of {', '.join(CAPTION_STYLES)}",
            ),
            (
                math.isfinite(self.start) and math.isfinite(self.end) and 0 <= self.start < self.end,
                f"clip must have 0 <= start < end, got start={self.start} end={self.end}",
            ),
            (
                self.crop_center_x is None or 0 <= self.crop_center_x <= 1,
                f"crop_center_x must be between 0 and 1, got {self.crop_center_x}",
            ),
            (self.fps is None or 0 < self.fps <= 120, f"fps must be between 0 and 120, got {self.fps}"),
            (
                self.brand is None or isinstance(self.brand, BrandKit),
                f"brand must be a BrandKit, got {type(self.brand).__name__}",
            ),
            (
                plan is None or getattr(plan, "layout", None) in LAYOUTS,
                f"reframe plan layout must be one of {', '.join(LAYOUTS)}, got {getattr(plan, 'layout', None)!r}",
            ),
            (
                plan is None
                or getattr(plan, "layout", None) == "fit"
                or (_positive(getattr(plan, "crop_width", 0)) and _positive(getattr(plan, "crop_height", 0))),
                "reframe plan needs a positive crop_width and crop_height",
            ),
            (
                plan is None or getattr(plan, "layout", None) != "split" or len(getattr(plan, "second", ())) > 0,
                "a split reframe plan needs keyframes for its second panel",
            ),
            (
                self.language is None
                or (isinstance(self.language, str) and re.fullmatch(r"[a-z]{2,3}", self.language)),
                f"language must be an ISO 639 code such as 'en' or 'haw', got {self.language!r}",
            ),
        )
        for ok, problem in checks:
            if not ok:
                raise RenderError(problem)

    @property
    def duration(self) -> float:
        return self.end - self.start

    @property
    def style(self) -> CaptionStyle:
        """The caption style drawn: the preset, with the brand kit over it."""
        base = CAPTION_STYLES[self.caption_style]
        return self.brand.style(base) if self.brand else base


def _positive(value: object) -> bool:
    return isinstance(value, (int, float)) and value > 0


class RenderPaths(NamedTuple):
    """The ASS script to burn, the (temporary) MP4 to write, libass's font folder (None:
    fontconfig), and the ``sendcmd`` file that moves the crop (needed when the crop moves)."""

    ass: Path
    output: Path
    fonts_dir: Path | None = None
    commands: Path | None = None


@dataclass
class RenderedClip:
    mp4: Path
    srt: Path
    vtt: Path
    ass: Path
    thumbnail: Path
    duration: float
    width: int
    height: int
    handoff: Path  # the editor hand-off JSON (render_clip always writes one)
    gain_db: float | None = None
    thumbnail_at: float | None = None
    frames: int = 0  # frames encoded (duration x output frame rate)
    encode_seconds: float = 0.0  # wall time of the encoding run alone


@dataclass(frozen=True)
class Framing:
    """How the source is drawn: ``layout`` (``single``, ``split``, ``fit``, ``static`` without a
    plan, ``audio`` without video) and the crop path of each panel (clip times, source pixels)."""

    layout: str
    panels: tuple[tuple[CropKey, ...], ...] = field(default=())

    @property
    def moving(self) -> bool:
        return any(len(p) > 1 for p in self.panels)


def probe(path: Path, sandbox: SandboxLimits = SandboxLimits()) -> SourceInfo:
    """Describe the source at ``path`` (``source.describe``, in the media sandbox); RenderError if
    it cannot be read or holds neither video nor audio (``SandboxUnavailable`` when the sandbox
    could not start). Blocking: call it in a thread from async code.

    A render asks about the same source for every clip and for every moment's framing; each
    version of a file (its inode, size and modification time) is read once, and a replaced file
    is read again. Failures are not remembered."""
    path = Path(path)
    try:
        st = path.stat()
    except OSError:
        st = None
    if st is None or not stat.S_ISREG(st.st_mode):
        raise RenderError(f"cannot read source {path.name}: No such file")
    try:
        return _described(str(path.absolute()), (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns), sandbox)
    except MediaError as exc:
        raise RenderError(exc.message) from exc


@functools.lru_cache(maxsize=64)
def _described(path: str, version: tuple[int, int, int, int], sandbox: SandboxLimits) -> SourceInfo:
    return read_source(Path(path), sandbox=sandbox)


def filter_value(value: str) -> str:
    """Escape ``value`` for use as a filter option inside a filtergraph (both levels FFmpeg parses:
    the option value, then the graph description)."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


def frame_rate(spec: RenderSpec, info: SourceInfo) -> float:
    """The output frame rate: ``spec.fps``, else the source's capped at ``MAX_FPS``."""
    return spec.fps or (min(info.fps, MAX_FPS) if info.fps else MAX_FPS)


def framing(spec: RenderSpec, info: SourceInfo) -> Framing:
    """What ``build_ffmpeg_args`` draws for ``spec``: the layout and each panel's crop path."""
    if not info.has_video:
        return Framing("audio")
    width, height = ASPECTS[spec.aspect]
    plan = spec.plan
    if plan is None:
        w, h, x, y = crop_box(info.width, info.height, width, height, spec.crop_center_x)
        return Framing("static", ((CropKey(0.0, x, y, w, h),),))
    if plan.layout == "fit":
        return Framing("fit")
    cuts = getattr(plan, "cuts", ()) or ()

    def path(keyframes) -> tuple[CropKey, ...]:
        return tuple(
            crop_path(
                keyframes,
                int(plan.crop_width),
                int(plan.crop_height),
                info.width,
                info.height,
                spec.start,
                spec.end,
                cuts,
            )
        )

    panels = (path(plan.keyframes),) + ((path(plan.second),) if plan.layout == "split" else ())
    return Framing(plan.layout, panels)


def build_ffmpeg_args(
    spec: RenderSpec,
    info: SourceInfo,
    paths: RenderPaths,
    *,
    threads: int = 2,
    gain_db: float | None = None,
    frame: Framing | None = None,
) -> list[str]:
    """The ffmpeg arguments (without the program name) that render ``spec`` to ``paths.output``.

    ``gain_db`` is the measured loudness gain (``loudness.gain_db``); None leaves the level as it
    is (only the format and fades). ``frame`` is ``framing(spec, info)`` when already computed;
    a moving crop reads its commands from ``paths.commands`` (``sendcmd_script``)."""
    width, height = ASPECTS[spec.aspect]
    seconds = f"{spec.duration:.3f}"
    frame = frame or framing(spec, info)
    args = ["-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y", "-threads", str(threads)]
    captions = f"ass=filename={filter_value(str(paths.ass))}"
    if paths.fonts_dir is not None:
        captions += f":fontsdir={filter_value(str(paths.fonts_dir))}"
    brand = spec.brand
    logo = brand.logo if brand else None
    if info.has_video:
        args += _source_input(spec)
        graph = _video_graph(spec, info, frame, paths, width, height)
        audio_input, next_input = 0, 1
    else:
        background = f"color=c={BACKGROUND}:s={width}x{height}:r={spec.fps or MAX_FPS:g}"
        args += ["-f", "lavfi", "-i", background, *_source_input(spec)]
        graph = ["[0:v]"]
        audio_input, next_input = 1, 2
    if brand is not None and logo is not None:
        args += ["-protocol_whitelist", "file", "-format_whitelist", LOGO_DEMUXERS, "-i", f"file:{logo}"]
        graph = _logo(graph, brand, next_input, width, height)
        next_input += 1
    graph[-1] = _then(graph[-1], f"{captions},format=yuv420p[v]")
    if info.has_audio:
        gain = gain_db if spec.loudness else None
        # Pad with silence so audio is never shorter than the clip; -t trims it to the sample.
        graph.append(_audio_line(audio_input, spec, gain))
        audio_map = "[a]"
    else:
        args += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        audio_map = f"{next_input}:a"
    args += ["-filter_complex", ";".join(graph), "-filter_complex_threads", str(threads)]
    args += ["-map", "[v]", "-map", audio_map, "-t", seconds, "-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-c:v", "libx264", "-preset", spec.preset, "-crf", str(spec.crf), "-profile:v", "high"]
    args += ["-pix_fmt", "yuv420p", *_audio_codec(spec)]
    args += ["-movflags", "+faststart", "-threads", str(threads), "-f", "mp4", f"file:{paths.output}"]
    return args


def build_reaudio_args(spec: RenderSpec, rendered: Path, output: Path, gain_db: float, ceiling: float) -> list[str]:
    """ffmpeg arguments that copy ``rendered``'s picture into ``output`` with the audio encoded
    again from the source, through ``gain_db`` and the limiter at ``ceiling`` dBTP."""
    return [
        "-hide_banner",
        "-nostdin",
        "-nostats",
        "-v",
        "error",
        "-y",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        "mov",
        "-i",
        f"file:{rendered}",  # our own mp4
        *_source_input(spec),
        "-filter_complex",
        _audio_line(1, spec, gain_db, ceiling),
        "-map",
        "0:v:0",
        "-map",
        "[a]",
        "-t",
        f"{spec.duration:.3f}",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-c:v",
        "copy",
        *_audio_codec(spec),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        f"file:{output}",
    ]


def _audio_line(audio_input: int, spec: RenderSpec, gain: float | None, ceiling: float | None = None) -> str:
    # Pad with silence so audio is never shorter than the clip; -t trims it to the sample.
    filters = loudness.chain(gain, spec.duration, ceiling=ceiling) + ["apad"]
    return f"[{audio_input}:a:0]" + ",".join(filters) + "[a]"


def _audio_codec(spec: RenderSpec) -> list[str]:
    return ["-c:a", "aac", "-b:a", spec.audio_bitrate, "-ar", "48000", "-ac", "2"]


def _video_graph(
    spec: RenderSpec, info: SourceInfo, frame: Framing, paths: RenderPaths, width: int, height: int
) -> list[str]:
    """Graph lines from the source's video to the framed picture; the last line is left open."""
    fps = frame_rate(spec, info)
    pre = f"fps={fps:g}," if spec.fps or (info.fps and info.fps > MAX_FPS) else ""
    commands = filter_value(str(paths.commands)) if frame.moving and paths.commands else None
    if frame.moving and commands is None:
        raise ValueError("a moving crop needs RenderPaths.commands")
    # A source that ends before the clip does holds its last frame; -t cuts the rest.
    tail = f"setsar=1,tpad=stop_mode=clone:stop_duration={spec.duration:.3f}"
    if frame.layout == "fit":
        lines = fit_graph("[0:v:0]", width, height, pre)
    elif frame.layout == "split":
        lines = split_graph("[0:v:0]", list(frame.panels[0]), list(frame.panels[1]), width, height, commands, pre)
    else:
        path = list(frame.panels[0])
        box = path[0]
        if len(path) == 1 and (box.w, box.h) == (info.width, info.height):
            chain = [f"scale={width}:{height}:flags=lanczos"]
        else:
            chain = single_chain(path, width, height, commands)
        lines = [f"[0:v:0]{pre}" + ",".join(chain)]
    lines[-1] = _then(lines[-1], tail)
    return lines


def _logo(graph: list[str], brand: BrandKit, index: int, width: int, height: int) -> list[str]:
    """``graph`` with the brand's logo overlaid in its corner, inside the safe area."""
    safe = safe_area(width, height)
    logo_w = max(2, round(width * brand.logo_width / 2) * 2)
    mx, my = round(width * safe.side), round(height * safe.top / 2)
    x = f"{mx}" if brand.logo_corner.endswith("left") else f"W-w-{mx}"
    y = f"{my}" if brand.logo_corner.startswith("top") else f"H-h-{round(height * safe.bottom)}"
    alpha = f",colorchannelmixer=aa={brand.logo_opacity:g}" if brand.logo_opacity < 1 else ""
    last = graph[-1] + ("null" if graph[-1].endswith("]") else "")  # a bare label needs a filter
    return [
        *graph[:-1],
        last + "[framed]",
        f"[{index}:v]scale={logo_w}:-1:flags=lanczos,format=rgba{alpha}[logo]",
        "[framed][logo]overlay=x=" + x + ":y=" + y + ":eof_action=repeat:format=auto",
    ]


def _then(line: str, filters: str) -> str:
    """``line`` continued with ``filters`` (a bare input label takes them directly)."""
    return line + filters if line.endswith("]") else f"{line},{filters}"


def _source_input(spec: RenderSpec) -> list[str]:
    # `file:` so a name like `concat:a|b` is a name; the whitelists keep playlists out.
    return [
        "-protocol_whitelist",
        SAFE_OPTIONS["protocol_whitelist"],
        "-format_whitelist",
        SAFE_OPTIONS["format_whitelist"],
        "-ss",
        f"{spec.start:.3f}",
        "-i",
        f"file:{spec.source}",
    ]


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
    and the editor hand-off ``.json``.

    Raises RenderError when the source cannot be read (in the media sandbox, under ``sandbox``)
    or ffmpeg fails (``retriable`` when disk or memory ran out). Cancelling the task kills ffmpeg and leaves no partial MP4 or JPEG behind.
    """
    width, height = ASPECTS[spec.aspect]
    info = await asyncio.to_thread(probe, Path(spec.source), sandbox)
    if info.duration is not None and spec.start >= info.duration:
        raise RenderError(f"clip starts at {spec.start:.2f}s but {Path(spec.source).name} is {info.duration:.2f}s long")
    if spec.brand and spec.brand.logo and not Path(spec.brand.logo).is_file():
        raise RenderError(f"brand logo {Path(spec.brand.logo).name} is not a file")
    out = Path(out_dir)
    files = {ext: out / f"{stem}.{ext}" for ext in ("mp4", "jpg", "srt", "vtt", "ass", "json")}
    style = for_script(spec.style, spec.words)  # CJK, Arabic, Hebrew, Devanagari, Thai: a Noto font
    measure = _font_measure(style)
    try:
        out.mkdir(parents=True, exist_ok=True)
        files["ass"].write_text(to_ass(spec.words, width, height, style, measure), encoding="utf-8")
        files["srt"].write_text(to_srt(spec.words), encoding="utf-8")
        files["vtt"].write_text(to_vtt(spec.words, spec.language), encoding="utf-8")
    except (OSError, ValueError) as exc:
        retriable = isinstance(exc, OSError) and _ran_out(exc.errno)
        raise RenderError(f"cannot write captions to {out}: {exc}", retriable=retriable) from exc

    frame = framing(spec, info)
    fonts = FONTS_DIR if FONTS_DIR.is_dir() else None
    token = uuid.uuid4().hex[:8]
    part, commands = out / f".{stem}.{token}.part", out / f".{stem}.{token}.cmd"
    try:
        if frame.moving:
            commands.write_text(sendcmd_script(dict(zip(PANELS, map(list, frame.panels)))), encoding="utf-8")
        gain = await _loudness_gain(spec, info, ffmpeg) if spec.loudness and info.has_audio else None
        paths = RenderPaths(files["ass"], part, fonts, commands if frame.moving else None)
        encode_started = time.perf_counter()
        await _run(
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
            files={**{k: files[k].name for k in ("mp4", "srt", "vtt", "ass")}, "thumbnail": files["jpg"].name},
            layout=frame.layout,
            panels=frame.panels,
            style=style,
            brand=spec.brand.as_json() if spec.brand else None,
            words=spec.words,
            cues=layout_cues(spec.words, width, height, style, measure),
            gain_db=gain,
            thumbnail_at=at,
            ceiling_dbtp=ceiling,
            measured=level,
            framing=_framing_json(spec.plan),
            language=spec.language,
        )
        part.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(part, files["json"])
    except OSError as exc:  # the renames
        raise RenderError(f"cannot write {files['mp4'].name}: {exc}", retriable=_ran_out(exc.errno)) from exc
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
    )


def _framing_json(plan) -> dict | None:
    """How close the reframe plan's single crop is on the speaker (None without one)."""
    framing = getattr(plan, "framing", None)
    return framing.as_json() if framing is not None else None


async def _keep_peak_promise(
    spec: RenderSpec, rendered: Path, scratch: Path, gain: float, ffmpeg: str
) -> tuple[float, loudness.Loudness | None]:
    """Measure the encoded clip's audio; while its true peak breaks ``loudness.PROMISE_DBTP`` (the
    AAC encoder overshoots the limiter on some transients), encode the audio again with the
    limiter lowered by the excess, at most ``PEAK_TRIES`` times. ``(ceiling used, last
    measurement)``; the measurement is None when the clip's audio could not be measured."""
    ceiling, encodes = loudness.CEILING_DBTP, 1
    try:
        while True:
            stderr = await _run(ffmpeg, loudness.measure_args(rendered, 0.0, spec.duration), "loudness", spec.duration)
            try:
                level = loudness.parse_summary(stderr)
            except ValueError:
                return ceiling, None
            if loudness.keeps_promise(level):
                return ceiling, level
            if encodes > PEAK_TRIES:
                log.warning(
                    "%s %.2f-%.2f s: true peak %.2f dBTP after %d encodes, over the %.1f promised",
                    Path(spec.source).name,
                    spec.start,
                    spec.end,
                    level.true_peak,
                    encodes,
                    loudness.PROMISE_DBTP,
                )
                return ceiling, level
            ceiling = loudness.lowered_ceiling(ceiling, level)
            await _run(ffmpeg, build_reaudio_args(spec, rendered, scratch, gain, ceiling), "render", spec.duration)
            os.replace(scratch, rendered)
            encodes += 1
    finally:
        scratch.unlink(missing_ok=True)


async def _loudness_gain(spec: RenderSpec, info: SourceInfo, ffmpeg: str) -> float | None:
    """The gain to the loudness target, from an audio-only measuring run (and a second through
    the limiter when it will work hard); None when the audio cannot be measured (too short)."""
    duration = spec.duration
    if info.duration is not None:
        duration = max(0.05, min(duration, info.duration - spec.start))
    stderr = await _run(ffmpeg, loudness.measure_args(Path(spec.source), spec.start, duration), "loudness", duration)
    try:
        measured = loudness.parse_summary(stderr)
    except ValueError:
        return None
    gain = loudness.gain_db(measured)
    if loudness.needs_check(measured, gain):
        stderr = await _run(
            ffmpeg, loudness.measure_args(Path(spec.source), spec.start, duration, gain), "loudness", duration
        )
        try:
            gain = loudness.corrected_gain(gain, loudness.parse_summary(stderr))
        except ValueError:
            pass
    return gain


def font_file(family: str, bold: bool) -> tuple[Path, int] | None:
    """The file (and face index in a collection) of ``family`` in its bold or regular face:
    DejaVu from ``FONTS_DIR``, any other family from fontconfig; None when it is not installed."""
    if family == "DejaVu Sans":
        path = FONTS_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        return (path, 0) if path.is_file() else None
    try:
        found = subprocess.run(
            ["fc-match", "-f", "%{family}\t%{file}\t%{index}", f"{family}:{'bold' if bold else 'regular'}"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = found.split("\t")
    if len(parts) != 3 or family not in parts[0].split(","):  # fc-match answers with a substitute
        return None
    return Path(parts[1]), int(parts[2] or 0)


def _font_measure(style: CaptionStyle) -> Measure | None:
    """Text widths from the style's font file as libass will draw them (libass's font size is the
    font's ascent + descent, not its em); None when DejaVu is not there (widths then estimated).
    ``RenderError`` when a script's own font is missing: its captions would be drawn as boxes."""
    found = font_file(style.font, style.bold)
    if found is None:
        if style.font == "DejaVu Sans":
            return None
        raise RenderError(
            f"captions in this clip's script need the font {style.font}, which is not installed "
            f"(Debian packages fonts-noto-core and fonts-noto-cjk); run scripts/setup.sh"
        )
    path, index = found
    from PIL import ImageFont

    fonts: dict[int, tuple[ImageFont.FreeTypeFont, float]] = {}

    def measure(text: str, size: float, bold: bool) -> float:
        px = max(1, round(size))
        if px not in fonts:
            font = ImageFont.truetype(str(path), px, index=index)
            ascent, descent = font.getmetrics()
            fonts[px] = (font, px / (ascent + descent))
        font, ratio = fonts[px]
        return font.getlength(text) * ratio

    return measure


def _face_check(spec: RenderSpec, info: SourceInfo, frame: Framing) -> Callable[[float], bool | None] | None:
    """Whether a face of ``spec.faces`` near clip time ``t`` is inside the drawn picture."""
    if not spec.faces:
        return None

    def visible(t: float) -> bool | None:
        near = [f for f in spec.faces if abs(f[0] - (spec.start + t)) <= 0.5]
        if not near:
            return None
        if frame.layout in ("fit", "audio"):
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


def ffmpeg_seconds(clip_seconds: float) -> float:
    """The wall clock of one ffmpeg run over ``clip_seconds`` of a source."""
    return FFMPEG_BASE_SECONDS + FFMPEG_SECONDS_PER_SECOND * clip_seconds


def confined(ffmpeg: str, args: list[str], seconds: float, threads: int = 1) -> list[str]:
    """The command line that runs ``ffmpeg args`` dying with the worker and under the kernel
    limits above (as many CPU seconds per thread as ``seconds``)."""
    limits = []
    if _HAS_PRLIMIT:
        limits = ["prlimit", f"--as={FFMPEG_MEMORY_BYTES}", f"--cpu={math.ceil(seconds) * max(1, threads) + 1}", "--"]
    return [*_DIE_WITH_PARENT, *limits, ffmpeg, *args]


async def _run(ffmpeg: str, args: list[str], what: str, clip_seconds: float, threads: int = 1) -> str:
    """Run ffmpeg (``confined``, stopped after ``ffmpeg_seconds(clip_seconds)``); its standard
    error (the log) as text. RenderError when it fails."""
    if shutil.which(ffmpeg) is None:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH")
    seconds = ffmpeg_seconds(clip_seconds)
    try:
        sub = asyncio.subprocess
        # A process group of its own: a signal to the worker's group (the stack's stop, Ctrl-C in a
        # terminal) reaches the worker only, which stops ffmpeg itself (cancelled below).
        proc = await asyncio.create_subprocess_exec(
            *confined(ffmpeg, args, seconds, threads),
            stdin=sub.DEVNULL,
            stdout=sub.DEVNULL,
            stderr=sub.PIPE,
            process_group=0,
        )
    except FileNotFoundError:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH") from None
    except OSError as exc:
        raise RenderError(f"cannot start ffmpeg {ffmpeg!r}: {exc}", retriable=_ran_out(exc.errno)) from exc
    try:
        _, stderr = await asyncio.wait_for(proc.communicate(), seconds)
    except BaseException as exc:  # out of time, or cancelled: do not leave ffmpeg running
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if isinstance(exc, asyncio.TimeoutError):
            raise RenderError(
                f"ffmpeg {what} took longer than {seconds:.0f} s, so it was stopped; the source may "
                "be damaged or built to stall readers"
            ) from None
        raise
    log = stderr.decode("utf-8", "replace")
    returncode = proc.returncode
    assert returncode is not None  # communicate() returns once ffmpeg has exited
    if returncode == -signal.SIGXCPU:
        raise RenderError(
            f"ffmpeg {what} needed more processor time than {seconds:.0f} s per thread, so it was "
            "stopped; the source may be damaged or built to exhaust readers"
        )
    if returncode != 0:
        lines = [line for line in log.splitlines() if line.strip()]
        tail = " | ".join(lines[-5:])[-1500:] or "no error output"
        # SIGKILL without a message is most likely the kernel's out-of-memory killer; any signal
        # while the worker is stopping, whoever stopped the worker (``streams.worker.shutdown``).
        retriable = (
            any(s in tail for s in _OUT_OF_RESOURCES)
            or returncode == -signal.SIGKILL
            or (returncode < 0 and STATE.stopping)
        )
        raise RenderError(f"ffmpeg {what} failed (exit {returncode}): {tail}", retriable=retriable)
    return log


def _seconds(path: Path) -> float | None:
    import av

    with av.open(str(path), options=SAFE_OPTIONS) as container:
        return container.duration / 1_000_000 if container.duration else None


def _ran_out(code: int | None) -> bool:
    return code in (errno.ENOSPC, errno.ENOMEM, errno.EDQUOT, errno.EAGAIN)
