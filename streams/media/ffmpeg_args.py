"""The ffmpeg command lines of a clip render, built without running anything: the one encoding run
(seek, one filter graph for reframe or, for a source with no picture or a still one, the audiogram; logo,
captions, loudness and fades) and the audio-only re-encode that keeps the true-peak promise. Pure,
for tests without ffmpeg."""

from __future__ import annotations

from pathlib import Path

from streams.domain.brand import BrandKit
from streams.media import audiogram, loudness
from streams.media.ass import safe_area
from streams.media.audio import seek_input
from streams.media.framing import Framing, framing, picture
from streams.media.render_spec import ASPECTS, RenderPaths, RenderSpec
from streams.media.source import SourceInfo

LOGO_DEMUXERS = "image2,png_pipe,jpeg_pipe,webp_pipe,gif"
MAX_FPS = 30.0
QUIET = ["-hide_banner", "-nostdin", "-nostats", "-v", "error", "-y"]  # errors only, overwrite


def filter_value(value: str) -> str:
    """Escape ``value`` for use as a filter option inside a filtergraph (both levels FFmpeg parses:
    the option value, then the graph description)."""
    for char in "\\':":
        value = value.replace(char, "\\" + char)
    for char in "\\'[],;":
        value = value.replace(char, "\\" + char)
    return value


def frame_rate(spec: RenderSpec, info: SourceInfo) -> float:
    """The output frame rate: ``spec.fps``, else the source's capped at ``MAX_FPS``; ``MAX_FPS``
    where the picture is drawn here (audio only, or a still: a still upload is often coded at a
    frame a second, too few for bars that follow the voice)."""
    if spec.fps:
        return spec.fps
    return MAX_FPS if not info.fps or getattr(spec.plan, "layout", None) == "still" else min(info.fps, MAX_FPS)


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
    args = [*QUIET, "-threads", str(threads)]
    captions = f"ass=filename={filter_value(str(paths.ass))}"
    if paths.fonts_dir is not None:
        captions += f":fontsdir={filter_value(str(paths.fonts_dir))}"
    brand, logo = spec.brand, spec.logo
    if not frame.audiogram:
        args += seek_input(spec.source, spec.start)
        cut, source = _video_cuts(spec)
        graph = cut + _video_graph(spec, info, frame, paths, width, height, source)
        audio_input, next_input, heard = 0, 1, False
    else:  # bars that follow the voice over a plain background or the cover (the sound splits to them)
        size, fps = (width, height), frame_rate(spec, info)
        drawn = audiogram.drawing("[heard]", spec, info, frame.layout == "still", size, fps)
        args += [*drawn.inputs, *seek_input(spec.source, spec.start)]
        graph, heard = drawn.lines, drawn.heard
        audio_input, next_input = 1, 2
    if brand is not None and logo is not None:
        args += ["-protocol_whitelist", "file", "-format_whitelist", LOGO_DEMUXERS, "-i", f"file:{logo}"]
        graph = _logo(graph, brand, next_input, width, height)
        next_input += 1
    graph[-1] = _then(graph[-1], f"{captions},format=yuv420p[v]")
    if info.has_audio:
        gain = gain_db if spec.loudness else None
        # Pad with silence so audio is never shorter than the clip; -t trims it to the sample.
        graph.append(_audio_line(audio_input, spec, gain, heard=heard))
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
        *QUIET,
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        "mov",
        "-i",
        f"file:{rendered}",  # our own mp4
        *seek_input(spec.source, spec.start),
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


def clip_audio_args(source: Path, start: float, duration: float, output: Path, rate: int = 16000) -> list[str]:
    """ffmpeg arguments that write the audio of ``[start, start + duration]`` of ``source`` to
    ``output`` as raw mono float32 at ``rate`` (what a trim plan listens to for quiet points)."""
    return [
        *QUIET,
        *seek_input(source, start, duration),
        "-vn",
        "-ac",
        "1",
        "-ar",
        str(rate),
        "-f",
        "f32le",
        f"file:{output}",
    ]


def cover_art_args(source: Path | str, stream: int, output: Path) -> list[str]:
    """ffmpeg arguments that write ``source``'s cover art (its attached picture, stream ``stream``)
    to ``output`` as one PNG, decoded and coded again: the picture an editor's timeline shows for
    an audio-only clip."""
    return [
        *QUIET,
        *seek_input(source, None),
        "-map",
        f"0:{stream}",
        "-frames:v",
        "1",
        "-c:v",
        "png",
        "-f",
        "image2",
        "-update",
        "1",
        f"file:{output}",
    ]


def _audio_line(
    audio_input: int, spec: RenderSpec, gain: float | None, ceiling: float | None = None, *, heard: bool = False
) -> str:
    """The audio's graph lines (joined by ``;``): the kept stretches joined, when trimmed, then
    loudness and fades; padded with silence so audio is never shorter than the clip (-t trims it
    to the sample). With ``heard``, the sound is also given as ``[heard]`` (what the audiogram
    draws)."""
    cut, source = _audio_cuts(spec, audio_input)
    filters = loudness.chain(gain, spec.duration, ceiling=ceiling) + ["apad"]
    out = ",asplit[a][heard]" if heard else "[a]"
    return ";".join([*cut, source + ",".join(filters) + out])


JOIN_FADE = 0.006  # seconds of fade either side of a jump cut in the audio: no click, no gap heard


def _kept(spec: RenderSpec) -> list[tuple[float, float]]:
    """The kept stretches in the input's time (0 at the clip start, after ``-ss``)."""
    assert spec.trim is not None
    return [(a - spec.start, b - spec.start) for a, b in spec.trim.kept]


def _video_cuts(spec: RenderSpec, source: str = "[0:v:0]") -> tuple[list[str], str]:
    """Graph lines joining the kept stretches of the picture (none when nothing is cut), and the
    label of the joined picture. Each stretch is whole frames long (``trim.plan`` cuts on the
    frame grid), so the picture loses exactly what the sound loses at every cut."""
    if not spec.trimmed:
        return [], source
    kept = _kept(spec)
    lines = [f"{source}split={len(kept)}" + "".join(f"[vk{i}]" for i in range(len(kept)))]
    lines += [f"[vk{i}]trim=start={a:.6f}:end={b:.6f},setpts=PTS-STARTPTS[vj{i}]" for i, (a, b) in enumerate(kept)]
    lines.append("".join(f"[vj{i}]" for i in range(len(kept))) + f"concat=n={len(kept)}:v=1:a=0[vcut]")
    return lines, "[vcut]"


def _audio_cuts(spec: RenderSpec, index: int) -> tuple[list[str], str]:
    """Graph lines joining the kept stretches of the sound, each faded in and out over
    ``JOIN_FADE`` at a join (none when nothing is cut), and the label of the joined sound."""
    source = f"[{index}:a:0]"
    if not spec.trimmed:
        return [], source
    kept = _kept(spec)
    last = len(kept) - 1
    lines = [f"{source}asplit={len(kept)}" + "".join(f"[ak{i}]" for i in range(len(kept)))]
    for i, (a, b) in enumerate(kept):
        fades = ([f"afade=t=in:d={JOIN_FADE:g}"] if i > 0 else []) + (
            [f"afade=t=out:st={max(0.0, b - a - JOIN_FADE):.6f}:d={JOIN_FADE:g}"] if i < last else []
        )
        chain = [f"atrim=start={a:.6f}:end={b:.6f}", "asetpts=PTS-STARTPTS", *fades]
        lines.append(f"[ak{i}]" + ",".join(chain) + f"[aj{i}]")
    lines.append("".join(f"[aj{i}]" for i in range(len(kept))) + f"concat=n={len(kept)}:v=0:a=1[acut]")
    return lines, "[acut]"


def _audio_codec(spec: RenderSpec) -> list[str]:
    return ["-c:a", "aac", "-b:a", spec.audio_bitrate, "-ar", "48000", "-ac", "2"]


def _video_graph(
    spec: RenderSpec,
    info: SourceInfo,
    frame: Framing,
    paths: RenderPaths,
    width: int,
    height: int,
    source: str = "[0:v:0]",
) -> list[str]:
    """Graph lines from the source's video (``source``: its label) to the framed picture; the
    last line is left open."""
    fps = frame_rate(spec, info)
    pre = f"fps={fps:g}," if spec.fps or (info.fps and info.fps > MAX_FPS) else ""
    commands = filter_value(str(paths.commands)) if frame.moving and paths.commands else None
    if frame.moving and commands is None:
        raise ValueError("a moving crop needs RenderPaths.commands")
    # A source that ends before the clip does holds its last frame; -t cuts the rest.
    tail = f"setsar=1,tpad=stop_mode=clone:stop_duration={spec.duration:.3f}"
    lines = picture(frame, source, (info.width, info.height), (width, height), commands, pre)
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
