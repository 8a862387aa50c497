"""The two models a chunk's voices need, loaded once: Silero VAD finds the speech, the GE2E
encoder prints each window of it. What the Triton model ``speaker_encoder`` holds, and what
benchmarks run in process."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from streams.asr.vad import SAMPLE_RATE, SileroVad, VadOptions
from streams.speakers.encoder import SpeakerEncoder
from streams.speakers.voices import Voices, listen

# Silero's own timestamp defaults (its get_speech_timestamps), finer than the transcriber's: a turn
# change needs the pause between two voices, which the transcriber's 2 s rule would swallow.
SPEECH = VadOptions(min_speech_duration_ms=250, min_silence_duration_ms=100, speech_pad_ms=30)


class Listener:
    """``threads``: onnxruntime's for the encoder (0: its choice); ``providers``: onnxruntime's
    execution providers, CPU by default (``CUDAExecutionProvider`` first on a GPU)."""

    def __init__(self, threads: int = 0, providers: Sequence[str] | None = None, vad_model: str = "") -> None:
        self.vad = SileroVad(vad_model or None)
        self.encoder = SpeakerEncoder(threads=threads, providers=providers)

    def speech(self, pcm: np.ndarray) -> list[tuple[float, float]]:
        return [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in self.vad.speech(pcm, SPEECH)]

    def voices(self, pcm: np.ndarray) -> Voices:
        """The voices of 16 kHz float32 ``pcm``, in seconds from its start."""
        return listen(pcm, self.speech(pcm), self.encoder.embed)
