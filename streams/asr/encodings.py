"""One encoding of each window for both identification and decoding.

The batched decode (``WhisperRecognizer.recognize_batched``) encodes each window of up to 30 s of
speech, padded to 30 s, with the model that decodes it. Where that is the multilingual model,
identification can read the window's languages from the same encoder output instead of encoding
its speech again in pieces: a piece's language is read from the encoder frames that hold it (20
ms a frame). ``KeptEncodings`` wraps a faster-whisper model's ``encode``: the windows of ``keep``
are encoded in the batches the decode will ask for, and when the decode asks, the kept output is
returned instead of encoding again. An input that was not kept (another cut of the audio, a
sequential decode) is encoded as before, so the decode's result cannot depend on what was kept.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable

import numpy as np

from streams.asr.vad import SAMPLE_RATE

WINDOW_SECONDS = 30  # speech a window holds at most: Whisper's input
SAMPLES_PER_FRAME = 320  # 16 kHz samples an encoder frame stands for (hop 160, stride 2)

Span = dict  # {"start": sample, "end": sample}


def decode_clips(audio: np.ndarray, spans: list[Span]) -> tuple[np.ndarray, list[dict[str, float]]]:
    """The windows of ``spans`` (speech of at most ``WINDOW_SECONDS`` each, faster-whisper's own
    packing) laid end to end, and each window's place in that audio in seconds, as the batched
    decode hands them to faster-whisper's pipeline (``clip_timestamps``)."""
    from faster_whisper.vad import collect_chunks

    windows, metadata = collect_chunks(audio, spans, max_duration=WINDOW_SECONDS)
    clips = [{"start": m["offset"], "end": m["offset"] + m["duration"]} for m in metadata]
    return np.concatenate(windows), clips


def _key(features: np.ndarray) -> tuple[tuple[int, ...], bytes]:
    array = np.ascontiguousarray(features)
    return array.shape, hashlib.blake2b(array.tobytes(), digest_size=16).digest()


class KeptEncodings:
    """``model.encode`` answered from the encodings ``keep`` made, each once, else encoded."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self._encode: Callable[[np.ndarray], Any] = model.encode
        self._kept: dict[tuple[tuple[int, ...], bytes], Any] = {}
        self.made = 0  # batches encoded and kept
        self.served = 0  # of those, answered when the decode asked
        model.encode = self.encode

    def encode(self, features: np.ndarray) -> Any:
        kept = self._kept.pop(_key(features), None) if self._kept else None
        if kept is None:
            return self._encode(features)
        self.served += 1
        return kept

    def keep(self, audio: np.ndarray, spans: list[Span], batch_size: int) -> list[np.ndarray]:
        """Each window of ``spans``' encoder output (frames x width), encoded in the batches of
        ``batch_size`` that the batched decode of ``audio`` will ask for, and kept for it."""
        from faster_whisper.audio import pad_or_trim

        joined, clips = decode_clips(audio, spans)
        pieces = [joined[int(c["start"] * SAMPLE_RATE) : int(c["end"] * SAMPLE_RATE)] for c in clips]
        features = [pad_or_trim(self.model.feature_extractor(p)[..., :-1]) for p in pieces]
        outputs: list[np.ndarray] = []
        for i in range(0, len(features), batch_size):
            batch = np.stack(features[i : i + batch_size])
            encoded = self._encode(batch)
            self._kept[_key(batch)] = encoded
            self.made += 1
            outputs.extend(np.array(encoded))
        return outputs

    def forget(self) -> None:
        """Drop whatever the decode did not ask for."""
        self._kept.clear()
