"""Cutting a video's audio into chunks for Whisper, at pauses, as the audio decodes.

A chunk is cut as soon as the buffer holds more than ``max_seconds``: at the quietest moment
between ``min_seconds`` and ``max_seconds`` into the buffer, so a cut falls between sentences rather
than inside a word. Chunks travel between stages as 16-bit mono WAV (``encode_wav``/``decode_wav``).
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import av
import numpy as np

from streams.errors import TruncatedMedia
from streams.media.audio import SAMPLE_RATE, iter_pcm
from streams.media.probe import MediaInfo

FRAME_SECONDS = 0.03  # RMS frame
SMOOTH_SECONDS = 0.3  # window the frame energies are averaged over, centred on a candidate cut


@dataclass(frozen=True)
class AudioChunk:
    """A stretch of a video's audio.

    Attributes:
        index: position in the video, from 0.
        start: seconds from the start of the video to the first sample.
        end: seconds from the start of the video to just after the last sample; equals the next
            chunk's ``start``.
        pcm: float32 mono samples at 16 kHz.
        is_last: whether this chunk ends the audio.
    """

    index: int
    start: float
    end: float
    pcm: np.ndarray
    is_last: bool


class Chunker:
    """Buffers PCM blocks and cuts them into chunks of ``min_seconds`` to ``max_seconds``.

    A chunk is cut only when the buffer holds *more* than ``max_seconds``, so at least one sample
    is left after every cut: a chunk returned by ``feed`` is therefore known not to be the last and
    goes out at once (no chunk is held back). ``finish`` returns the rest, up to ``max_seconds`` and
    possibly much shorter than ``min_seconds``, as the one chunk with ``is_last=True``. Samples are
    never dropped or repeated: the chunks concatenate to exactly the fed audio.
    """

    def __init__(self, sample_rate: int = SAMPLE_RATE, min_seconds: float = 60.0, max_seconds: float = 120.0):
        self.sample_rate = sample_rate
        self.min_samples = round(min_seconds * sample_rate)
        self.max_samples = round(max_seconds * sample_rate)
        if not 1 <= self.min_samples <= self.max_samples:
            raise ValueError(f"need 0 < min_seconds <= max_seconds, got {min_seconds} and {max_seconds}")
        self._frame = max(1, round(FRAME_SECONDS * sample_rate))
        self._blocks: list[np.ndarray] = []
        self._buffered = 0
        self._offset = 0  # samples already emitted
        self._index = 0
        self._finished = False

    def feed(self, block: np.ndarray) -> list[AudioChunk]:
        """Add a 1-D block of samples; return the chunks this completes (often none)."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        block = np.array(block, dtype=np.float32)  # a copy: the caller may reuse its array
        if block.ndim != 1:
            raise ValueError(f"expected mono samples (shape [n]), got shape {list(block.shape)}")
        if block.size == 0:
            return []
        self._blocks.append(block)
        self._buffered += block.size
        chunks = []
        while self._buffered > self.max_samples:
            buffer = np.concatenate(self._blocks)
            cut = self._quietest_cut(buffer)
            rest = buffer[cut:].copy()  # copy: do not keep the whole buffer alive through a view
            self._blocks, self._buffered = [rest], rest.size
            chunks.append(self._emit(buffer[:cut], is_last=False))
        return chunks

    def finish(self) -> list[AudioChunk]:
        """Return the remaining audio as the last chunk (none if no audio was fed at all)."""
        self._finished = True
        if self._buffered == 0:
            return []
        buffer = np.concatenate(self._blocks)
        self._blocks, self._buffered = [], 0
        return [self._emit(buffer, is_last=True)]

    def _emit(self, pcm: np.ndarray, is_last: bool) -> AudioChunk:
        start = self._offset
        self._offset += pcm.size
        chunk = AudioChunk(self._index, start / self.sample_rate, self._offset / self.sample_rate, pcm, is_last)
        self._index += 1
        return chunk

    def _quietest_cut(self, buffer: np.ndarray) -> int:
        """Sample index in [min_samples, max_samples] at a frame boundary whose surrounding
        ``SMOOTH_SECONDS`` have the least energy; the later one on a tie."""
        frame, half = self._frame, max(1, round(SMOOTH_SECONDS * self.sample_rate / self._frame / 2))
        usable = min(buffer.size, self.max_samples + half * frame) // frame * frame
        power = np.square(buffer[:usable], dtype=np.float64).reshape(-1, frame).mean(axis=1)
        sums = np.concatenate(([0.0], np.cumsum(power)))
        first, last = -(-self.min_samples // frame), self.max_samples // frame
        if first > last:  # the window is narrower than one frame
            return self.max_samples
        bounds = np.arange(first, last + 1)
        lo, hi = np.maximum(bounds - half, 0), np.minimum(bounds + half, power.size)
        smoothed = (sums[hi] - sums[lo]) / (hi - lo)
        best = smoothed.size - 1 - int(np.argmin(smoothed[::-1]))
        return int(bounds[best] * frame)


def iter_chunks(
    path: Path | str, info: MediaInfo, chunker: Chunker | None = None, display_name: str | None = None
) -> Iterator[AudioChunk]:
    """Decode ``path`` (already probed into ``info``) and yield its chunks as they are cut.

    Raises TruncatedMedia if decoding fails midway (FFmpeg's decoders raise on a packet cut short
    or overwritten), or if the decoded audio falls short of ``info.duration`` by more than 10% and
    more than 2 s (a demuxer that meets the end of the file early just stops). Either is raised
    *instead of* the last chunk: chunks cut before the problem showed have been yielded, so the
    caller must fail the video, but one that receives ``is_last=True`` knows all the audio decoded.
    """
    chunker = chunker or Chunker()
    name = display_name or Path(path).name
    decoded = 0

    def cut_off() -> TruncatedMedia:
        return TruncatedMedia(
            f"{name} is cut off or damaged: its audio stops at {_clock(decoded / chunker.sample_rate)} "
            f"of {_clock(info.duration)}. Please upload the complete file again"
        )

    try:
        for block in iter_pcm(path, chunker.sample_rate):
            decoded += block.size
            yield from chunker.feed(block)
    except av.error.FFmpegError as exc:  # a packet that ends early or holds garbage
        raise cut_off() from exc
    seconds = decoded / chunker.sample_rate
    if seconds < 0.9 * info.duration and seconds < info.duration - 2.0:
        raise cut_off()
    yield from chunker.finish()


def encode_wav(pcm: np.ndarray, sample_rate: int = SAMPLE_RATE) -> bytes:
    """16-bit PCM mono WAV of ``pcm`` (float samples, clipped to [-1, 1])."""
    samples = np.clip(np.round(np.asarray(pcm, dtype=np.float64) * 32768), -32768, 32767).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def decode_wav(data: bytes, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """float32 samples of a WAV made by ``encode_wav``; ValueError for any other layout or rate."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        layout = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
        if layout != (1, 2, sample_rate):
            raise ValueError(f"expected 16-bit mono WAV at {sample_rate} Hz, got (channels, bytes, rate) {layout}")
        frames = wav.readframes(wav.getnframes())
    return (np.frombuffer(frames, dtype="<i2") / 32768).astype(np.float32)


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
