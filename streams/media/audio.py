"""Decoding audio to 16 kHz mono float32 PCM with PyAV (a lazy pipeline: decode → resample).

``SAFE_OPTIONS`` is what every FFmpeg open of an upload passes. Only local files are opened
(protocol whitelist ``file``: no ``http:``, ``concat:``, ``subfile:``, ``data:`` or any other
protocol, nested opens included), and only demuxers that read one self-contained file may parse
it (``DEMUXERS``). The second matters as much as the first: an HLS playlist may name any local
file, ``file:///elsewhere/other.ts`` passes a ``file``-only protocol whitelist, and FFmpeg's HLS
demuxer then decodes that file as if it were the upload. Playlists (``hls``, ``dash``), the concat
demuxer, image sequences, ``vobsub`` (opens a sibling ``.sub``) and the rest are refused before they
parse anything ("Format not on whitelist"); nested demuxers inherit both lists.

Readers of an upload normally run these inside ``streams.media.sandbox``'s child process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import numpy as np

SAMPLE_RATE = 16_000
# Containers people upload video and audio in. The MP4 family is one demuxer ("mov"), which never
# follows external data references (its ``enable_drefs`` stays off).
DEMUXERS = (
    "mov",
    "matroska",
    "webm",
    "avi",
    "flv",
    "mpegts",
    "mpeg",
    "asf",
    "ogg",
    "wav",
    "w64",
    "mp3",
    "aac",
    "flac",
    "aiff",
    "caf",
    "amr",
    "ac3",
    "eac3",
    "dts",
    "truehd",
    "au",
    "wv",
    "ape",
    "nut",
    "dv",
    "rm",
)
SAFE_OPTIONS = {"protocol_whitelist": "file", "format_whitelist": ",".join(DEMUXERS)}


def seek_input(source: Path | str, start: float | None, duration: float | None = None) -> list[str]:
    """ffmpeg input options reading ``source`` from ``start`` seconds (for ``duration`` seconds,
    when given) through the whitelisted protocol and demuxers only: every ffmpeg run of the
    renderer opens an upload this way. ``file:`` so a name like ``concat:a|b`` is a name.
    ``start`` None reads from the first packet without seeking: even a seek to 0 drops cover art,
    whose one picture is stamped before the audio's start."""
    window = ["-ss", f"{start:.3f}"] if start is not None else []
    window += ["-t", f"{duration:.3f}"] if duration is not None else []
    return [
        "-protocol_whitelist",
        SAFE_OPTIONS["protocol_whitelist"],
        "-format_whitelist",
        SAFE_OPTIONS["format_whitelist"],
        *window,
        "-i",
        f"file:{source}",
    ]


def file_url(path: Path | str) -> str:
    """``path`` as an FFmpeg ``file:`` URL, so no file name (``concat:a|b``, ``subfile:...``) is
    ever read as another protocol."""
    return "file:" + str(Path(path).absolute())


def iter_pcm(path: Path | str, sample_rate: int = SAMPLE_RATE) -> Iterator[np.ndarray]:
    """Yield float32 mono blocks at ``sample_rate`` from the first audio stream of ``path``."""
    import av

    with av.open(file_url(path), options=SAFE_OPTIONS) as container:
        stream = next(iter(container.streams.audio), None)
        if stream is None:
            raise ValueError(f"{Path(path).name} has no audio stream")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                yield out.to_ndarray().reshape(-1)
        for out in resampler.resample(None):
            yield out.to_ndarray().reshape(-1)


def decode_pcm(path: Path | str, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The whole audio track of ``path`` as one float32 mono array."""
    blocks = list(iter_pcm(path, sample_rate))
    return np.concatenate(blocks).astype(np.float32) if blocks else np.zeros(0, np.float32)
