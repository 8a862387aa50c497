"""Rendering one clip with FFmpeg: seek, cut, reframe to the target aspect, burn captions, encode.

One ffmpeg run writes the MP4 under a temporary name, renamed only when complete; a second, cheap
run takes the JPEG thumbnail from it. ``build_ffmpeg_args`` is pure, for tests without ffmpeg.
"""

from __future__ import annotations

import asyncio
import errno
import math
import os
import shutil
import signal
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from streams.errors import RenderError
from streams.media.audio import SAFE_OPTIONS
from streams.media.captions import CAPTION_STYLES, CaptionWord, to_ass, to_srt, to_vtt

# Linux kills ffmpeg if the worker dies, even by SIGKILL, so a killed worker never leaves renders
# running that nobody will collect. util-linux's setpriv sets PR_SET_PDEATHSIG and execs ffmpeg
# (a preexec_fn would run Python in the forked child, which gRPC's threads do not survive).
_DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") else []

ASPECTS = {"9:16": (1080, 1920), "1:1": (1080, 1080), "4:5": (1080, 1350), "16:9": (1920, 1080)}
FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")
MAX_FPS = 30.0
BACKGROUND = "0x14141c"  # near-black behind the captions of an audio-only source
LOUDNORM = "loudnorm=I=-14:TP=-1.5:LRA=11"
_OUT_OF_RESOURCES = ("No space left on device", "Cannot allocate memory", "Disk quota exceeded")


@dataclass(frozen=True)
class RenderSpec:
    """Attributes:
    source: the long video (or audio) file.
    start: clip start, seconds in the source.
    end: clip end, seconds in the source.
    aspect: a key of ``ASPECTS``.
    words: the captions, times relative to ``start``.
    caption_style: a key of ``captions.CAPTION_STYLES``.
    crop_center_x: where the crop is centred, as a fraction (0-1) of the source width; None is
        the middle. The crop is clamped to stay inside the frame.
    preset: libx264 preset (``ultrafast`` ... ``veryslow``).
    crf: libx264 constant rate factor (lower is better and bigger).
    audio_bitrate: AAC bitrate, e.g. ``128k``.
    fps: output frame rate; None keeps the source's, capped at ``MAX_FPS``.
    loudness: normalise loudness in one pass (``LOUDNORM``).
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

    def __post_init__(self) -> None:
        checks = (
            (self.aspect in ASPECTS, f"unknown aspect {self.aspect!r}; choose one of {', '.join(ASPECTS)}"),
            (self.caption_style in CAPTION_STYLES,
             f"unknown caption style {self.caption_style!r}; choose one of {', '.join(CAPTION_STYLES)}"),
            (math.isfinite(self.start) and math.isfinite(self.end) and 0 <= self.start < self.end,
             f"clip must have 0 <= start < end, got start={self.start} end={self.end}"),
            (self.crop_center_x is None or 0 <= self.crop_center_x <= 1,
             f"crop_center_x must be between 0 and 1, got {self.crop_center_x}"),
            (self.fps is None or 0 < self.fps <= 120, f"fps must be between 0 and 120, got {self.fps}"),
        )
        for ok, problem in checks:
            if not ok:
                raise RenderError(problem)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class SourceInfo:
    """What rendering needs to know about a source. ``width``/``height`` are as displayed (after
    rotation metadata); 0 when there is no video. ``fps``/``duration`` are None when unknown."""

    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float | None = None
    duration: float | None = None


class RenderPaths(NamedTuple):
    """The ASS script to burn, the (temporary) MP4 to write, libass's font folder (None: fontconfig)."""

    ass: Path
    output: Path
    fonts_dir: Path | None = None


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


def probe(path: Path) -> SourceInfo:
    """Open ``path`` with PyAV (local files only) and describe it; RenderError if it cannot be read
    or holds neither video nor audio. Blocking: call it in a thread from async code."""
    import av

    try:
        with av.open(str(path), options=SAFE_OPTIONS) as container:
            attached = av.stream.Disposition.attached_pic  # cover art is not a video track
            video = next((s for s in container.streams.video if not s.disposition & attached), None)
            has_audio = bool(container.streams.audio)
            duration = container.duration / 1_000_000 if container.duration else None
            width, height, rate = 0, 0, None
            if video is not None:
                width, height = video.codec_context.width, video.codec_context.height
                rate = video.average_rate or video.guessed_rate
                frame = next(container.decode(video), None)
                if frame is not None and frame.rotation % 180 == 90:  # FFmpeg autorotates
                    width, height = height, width
            has_video = bool(video is not None and width and height)
            fps = float(rate) if has_video and rate else None
    except (av.FFmpegError, OSError) as exc:
        raise RenderError(f"cannot read source {Path(path).name}: {exc}") from exc
    if not has_video and not has_audio:
        raise RenderError(f"source {Path(path).name} has neither a video nor an audio stream")
    return SourceInfo(has_video, has_audio, width, height, fps, duration)


def crop_box(src_w: int, src_h: int, dst_w: int, dst_h: int, center_x: float | None) -> tuple[int, int, int, int]:
    """``(w, h, x, y)`` of the largest crop of the source with the target's aspect: full height
    centred on ``center_x`` (clamped inside the frame), or full width centred vertically when the
    source is narrower than the target."""
    if src_w * dst_h > src_h * dst_w:
        w = min(src_w, round(src_h * dst_w / dst_h / 2) * 2)
        x = round((0.5 if center_x is None else center_x) * src_w - w / 2)
        return w, src_h, max(0, min(src_w - w, x)), 0
    h = min(src_h, round(src_w * dst_h / dst_w / 2) * 2)
    return src_w, h, 0, (src_h - h) // 2


def filter_value(value: str) -> str:
    """Escape ``value`` for use as a filter option inside a filtergraph (both levels FFmpeg parses:
    the option value, then the graph description)."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


def build_ffmpeg_args(spec: RenderSpec, info: SourceInfo, paths: RenderPaths, *, threads: int = 2) -> list[str]:
    """The ffmpeg arguments (without the program name) that render ``spec`` to ``paths.output``."""
    width, height = ASPECTS[spec.aspect]
    seconds = f"{spec.duration:.3f}"
    fps = spec.fps or (min(info.fps, MAX_FPS) if info.fps else None)
    args = ["-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y", "-threads", str(threads)]
    captions = f"ass=filename={filter_value(str(paths.ass))}"
    if paths.fonts_dir is not None:
        captions += f":fontsdir={filter_value(str(paths.fonts_dir))}"
    if info.has_video:
        args += [*_source_input(spec)]
        w, h, x, y = crop_box(info.width, info.height, width, height, spec.crop_center_x)
        video = [f"crop={w}:{h}:{x}:{y}"] if (w, h) != (info.width, info.height) else []
        video += [f"scale={width}:{height}:flags=lanczos", "setsar=1"]
        if fps and (spec.fps or info.fps > MAX_FPS):
            video.append(f"fps={fps:g}")
        # A source that ends before the clip does holds its last frame; -t cuts the rest.
        video.append(f"tpad=stop_mode=clone:stop_duration={seconds}")
        graph = ["[0:v:0]" + ",".join(video + [captions, "format=yuv420p"]) + "[v]"]
        audio_input = 0
    else:
        background = f"color=c={BACKGROUND}:s={width}x{height}:r={spec.fps or MAX_FPS:g}"
        args += ["-f", "lavfi", "-i", background, *_source_input(spec)]
        graph = [f"[0:v]{captions},format=yuv420p[v]"]
        audio_input = 1
    if info.has_audio:
        audio = [LOUDNORM] if spec.loudness else []
        audio += ["aresample=48000", "aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo"]
        # Pad with silence so audio is never shorter than the clip; -t trims it to the sample.
        graph.append(f"[{audio_input}:a:0]" + ",".join(audio + ["apad"]) + "[a]")
        audio_map = "[a]"
    else:
        args += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        audio_map = f"{audio_input + 1}:a"
    args += ["-filter_complex", ";".join(graph), "-filter_complex_threads", str(threads)]
    args += ["-map", "[v]", "-map", audio_map, "-t", seconds, "-map_metadata", "-1", "-map_chapters", "-1"]
    args += ["-c:v", "libx264", "-preset", spec.preset, "-crf", str(spec.crf), "-profile:v", "high"]
    args += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", spec.audio_bitrate, "-ar", "48000", "-ac", "2"]
    args += ["-movflags", "+faststart", "-threads", str(threads), "-f", "mp4", f"file:{paths.output}"]
    return args


def _source_input(spec: RenderSpec) -> list[str]:
    # `file:` so a name like `concat:a|b` is a name, and the whitelist keeps playlists local.
    return ["-protocol_whitelist", "file", "-ss", f"{spec.start:.3f}", "-i", f"file:{spec.source}"]


async def render_clip(
    spec: RenderSpec, out_dir: Path, *, stem: str = "clip", ffmpeg: str = "ffmpeg", threads: int = 2
) -> RenderedClip:
    """Render ``spec`` into ``out_dir`` as ``<stem>.mp4``, ``.jpg``, ``.srt``, ``.vtt`` and ``.ass``.

    Raises RenderError when the source cannot be read or ffmpeg fails (``retriable`` when disk or
    memory ran out). Cancelling the task kills ffmpeg and leaves no partial MP4 or JPEG behind.
    """
    width, height = ASPECTS[spec.aspect]
    info = await asyncio.to_thread(probe, Path(spec.source))
    if info.duration is not None and spec.start >= info.duration:
        raise RenderError(f"clip starts at {spec.start:.2f}s but {Path(spec.source).name} is {info.duration:.2f}s long")
    out = Path(out_dir)
    files = {ext: out / f"{stem}.{ext}" for ext in ("mp4", "jpg", "srt", "vtt", "ass")}
    try:
        out.mkdir(parents=True, exist_ok=True)
        files["ass"].write_text(to_ass(spec.words, width, height, spec.caption_style), encoding="utf-8")
        files["srt"].write_text(to_srt(spec.words), encoding="utf-8")
        files["vtt"].write_text(to_vtt(spec.words), encoding="utf-8")
    except OSError as exc:
        raise RenderError(f"cannot write captions to {out}: {exc}", retriable=_ran_out(exc.errno)) from exc

    fonts = FONTS_DIR if FONTS_DIR.is_dir() else None
    part = out / f".{stem}.{uuid.uuid4().hex[:8]}.part"
    try:
        args = build_ffmpeg_args(spec, info, RenderPaths(files["ass"], part, fonts), threads=threads)
        await _run(ffmpeg, args, "render")
        os.replace(part, files["mp4"])
        first = spec.words[0].start + 0.05 if spec.words else 1.0
        at = max(0.0, min(first, spec.duration - 0.1))
        thumb = ["-hide_banner", "-nostdin", "-v", "error", "-y", "-ss", f"{at:.3f}", "-i", f"file:{files['mp4']}"]
        thumb += ["-frames:v", "1", "-c:v", "mjpeg", "-q:v", "3", "-update", "1", "-f", "image2", f"file:{part}"]
        await _run(ffmpeg, thumb, "thumbnail")
        os.replace(part, files["jpg"])
    except OSError as exc:  # the renames
        raise RenderError(f"cannot write {files['mp4'].name}: {exc}", retriable=_ran_out(exc.errno)) from exc
    finally:
        part.unlink(missing_ok=True)

    duration = await asyncio.to_thread(_seconds, files["mp4"]) or spec.duration
    return RenderedClip(*(files[e] for e in ("mp4", "srt", "vtt", "ass", "jpg")), round(duration, 3), width, height)


async def _run(ffmpeg: str, args: list[str], what: str) -> None:
    if shutil.which(ffmpeg) is None:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH")
    try:
        sub = asyncio.subprocess
        proc = await asyncio.create_subprocess_exec(
            *_DIE_WITH_PARENT, ffmpeg, *args, stdin=sub.DEVNULL, stdout=sub.DEVNULL, stderr=sub.PIPE)
    except FileNotFoundError:
        raise RenderError(f"ffmpeg not found: {ffmpeg!r} is not installed or not on PATH") from None
    except OSError as exc:
        raise RenderError(f"cannot start ffmpeg {ffmpeg!r}: {exc}", retriable=_ran_out(exc.errno)) from exc
    try:
        _, stderr = await proc.communicate()
    except BaseException:  # cancelled: do not leave ffmpeg running
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        raise
    if proc.returncode != 0:
        lines = [line for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        tail = " | ".join(lines[-5:])[-1500:] or "no error output"
        # SIGKILL without a message is most likely the kernel's out-of-memory killer.
        retriable = any(s in tail for s in _OUT_OF_RESOURCES) or proc.returncode == -signal.SIGKILL
        raise RenderError(f"ffmpeg {what} failed (exit {proc.returncode}): {tail}", retriable=retriable)


def _seconds(path: Path) -> float | None:
    import av

    with av.open(str(path), options=SAFE_OPTIONS) as container:
        return container.duration / 1_000_000 if container.duration else None


def _ran_out(code: int | None) -> bool:
    return code in (errno.ENOSPC, errno.ENOMEM, errno.EDQUOT, errno.EAGAIN)
