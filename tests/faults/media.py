"""The normal videos of the fault suite: short real talks built from ``../shared/media`` (a
portrait over real speech), so a scenario's videos go through every stage in seconds."""

from __future__ import annotations

from pathlib import Path

from streams.media.demo import talking_head
from tests.media_recipes import concat_audio, short_talk

READING = ("LJ001-0001", "LJ001-0003", "LJ001-0005")  # 27.4 s of one reader, three sentences


def reading_talk(media: Path, out_dir: Path) -> Path:
    """A 30 s talking head over three LJSpeech sentences: three audio chunks at the suite's
    8-12 s chunk length, so a video spends a while in each stage."""
    out = out_dir / "reading_talk.mp4"
    if not out.exists():
        audio = concat_audio([media / "speech" / "ljspeech" / f"{name}.wav" for name in READING],
                             out_dir / "reading.wav")
        talking_head(media / "images" / "fr_biden.jpg", audio, out, size=(640, 360))
    return out


def jfk_talk(media: Path, out_dir: Path) -> Path:
    """An 11 s talking head over the JFK excerpt (one chunk)."""
    out = out_dir / "jfk_talk.mp4"
    return out if out.exists() else short_talk(media, out_dir)
