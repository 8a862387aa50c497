"""Whisper through CTranslate2 (faster-whisper): options, and results as plain data.

Used in-process by the Triton ``whisper`` model and by the benchmark that compares Triton with the
same model run directly. Times in a result are relative to the start of the audio given; callers
add the chunk's offset (see ``shift``).

Speech is found by Silero VAD from the ``silero-vad`` package (``streams.asr.vad``), cut out and
decoded the way faster-whisper's own ``vad_filter`` does it (which would run the copy of the model
faster-whisper bundles). Audio of at least ``batch_min_seconds`` goes through faster-whisper's
batched pipeline when ``batch_size`` > 1: windows of up to 30 s of speech decoded ``batch_size``
at a time, with no temperature fallback, their words cut back into sentence-sized segments
(``streams.asr.sentences``) so a result has the same shape either way.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np

from streams.asr import faithfulness, fallback
from streams.asr.encodings import decode_clips
from streams.asr.languages import AUTO, never_identified, parse_language
from streams.asr.onsets import refine_word_starts
from streams.asr.recognition import Recognition, RecognitionCancelled, Segment, whole_words
from streams.asr.sentences import sentence_spans
from streams.asr.vad import SAMPLE_RATE, SileroVad, VadOptions, keep_short_edges, speech_spans
from streams.asr.weights import default_model_dir
from streams.domain.words import Word
from streams.serving.parameters import options_from
from streams.serving.sampling import seed_samples
from streams.text import chinese

log = logging.getLogger("clipstream.whisper")


@dataclass(frozen=True)
class WhisperOptions:
    """Attributes:
    model_dir: CTranslate2 Whisper weights for English; empty means the packaged ``tiny.en``.
    multilingual_model_dir: the multilingual weights; empty means ``base`` as the setup joined it
        (``streams.asr.weights``).
    english_model: which weights decode English: ``tiny.en`` (``model_dir``) or ``base`` (the
        multilingual ones). See ``streams.asr.spoken``.
    probe_seconds: seconds of speech the multilingual encoder hears to name a language.
    never_identified: languages never named by identification, comma-separated (``none``: any):
        Whisper hears eSpeak's German as Latin (``languages.never_identified``).
    multilingual_beam_size: beam width for every language but English (``beam_size`` is
        English's); measured by bench/multilingual_beam.py and bench/asr_languages.py.
    device: ``cpu`` or ``cuda``.
    compute_type: ``int8`` on CPU, ``float16`` on GPU.
    beam_size: beam search width for English (1 is greedy; bench/asr_languages.py).
    language: ISO code, or ``auto`` to identify the language spoken (``streams.asr.spoken``).
    chinese_script: ``simplified``, ``traditional`` or ``as_decoded`` (``streams.text.chinese``).
    word_timestamps: per-word start/end from cross-attention alignment.
    vad_filter: skip non-speech with Silero VAD before decoding.
    vad_model: Silero VAD ONNX file; empty means ``silero_vad.onnx`` from the ``silero-vad`` package.
    refine_word_starts: move word starts onto the audio's boundaries (``streams.asr.onsets``).
    cpu_threads: intra-op threads on CPU (0: CTranslate2's default).
    batch_size: windows of speech decoded at once by faster-whisper's batched pipeline; 0 or 1
        decodes sequentially. Batching needs ``vad_filter`` (it decodes what the VAD found).
    batch_min_seconds: audio shorter than this is decoded sequentially even when batching is on
        (it has too few windows to batch, and keeps temperature fallback).
    fallback_temperatures: the sequential decode's temperature ladder (``streams.asr.fallback``).
    """

    model_dir: str = ""
    multilingual_model_dir: str = ""
    english_model: str = "tiny.en"
    probe_seconds: float = 10.0
    never_identified: str = "la"
    multilingual_beam_size: int = 3
    device: str = "cpu"
    compute_type: str = "int8"
    beam_size: int = 5
    language: str = AUTO
    chinese_script: str = chinese.SIMPLIFIED
    word_timestamps: bool = True
    vad_filter: bool = True
    refine_word_starts: bool = True
    cpu_threads: int = 0
    vad_model: str = ""
    batch_size: int = 0
    batch_min_seconds: float = 60.0
    fallback_temperatures: str = ",".join(str(t) for t in fallback.LADDER)

    @classmethod
    def from_parameters(cls, params: Mapping[str, str]) -> WhisperOptions:
        """Build from string parameters (Triton ``config.pbtxt`` or environment)."""
        options = options_from(cls, params)
        if options.batch_size < 0 or options.batch_min_seconds < 0:
            raise ValueError("batch_size and batch_min_seconds must not be negative")
        if options.probe_seconds <= 0:
            raise ValueError("probe_seconds must be positive")
        fallback.parse_temperatures(options.fallback_temperatures)
        parse_language(options.language)
        never_identified(options.never_identified)
        chinese.parse_script(options.chinese_script)
        return options

    @property
    def batched(self) -> bool:
        """Whether long audio goes through the batched pipeline."""
        return self.batch_size > 1 and self.vad_filter


# The VAD's settings: ``WhisperModel.transcribe``'s defaults but 1 s kept around speech (with 0.4 s
# Whisper decoded a clip's opening words worse: FLEURS English WER 8.2 % against 7.4 % untrimmed,
# bench/asr_languages.py), and the batched pipeline's (spans of at most 30 s, split at 160 ms).
# Silences of 2 s or more are still cut, to 2 s less than they were.
SEQUENTIAL_VAD = VadOptions(speech_pad_ms=1000)
# Quiet at a piece's start or end shorter than this is decoded with the speech, not cut off: the
# same audio run directly decoded words better (ja "人物" for "ジンブス", bench/asr_languages.py).
EDGE_KEEP_SECONDS = 2.0
BATCHED_VAD = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160)


class WhisperRecognizer:
    """Loads the weights once; ``recognize`` is safe to call from one thread at a time."""

    def __init__(self, options: WhisperOptions) -> None:
        from faster_whisper import BatchedInferencePipeline, WhisperModel

        seed_samples()  # before the fallback's first sample
        self.options = options
        model_dir = options.model_dir or str(default_model_dir())
        threads = options.cpu_threads or min(4, os.cpu_count() or 1)
        self.model = WhisperModel(
            model_dir, device=options.device, compute_type=options.compute_type, cpu_threads=threads
        )
        self.vad = SileroVad(options.vad_model or None) if options.vad_filter else None
        self.pipeline = BatchedInferencePipeline(self.model) if options.batched else None
        self.temperatures = fallback.parse_temperatures(options.fallback_temperatures)

    def recognize(
        self,
        audio: np.ndarray,
        language: str | None = None,
        prompt: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        chance: np.ndarray | None = None,
    ) -> Recognition:
        """What is said in 16 kHz mono ``audio``. ``cancelled`` is asked between decoded pieces;
        when it answers true, ``RecognitionCancelled`` is raised. ``chance``: the VAD's speech
        probabilities of ``audio``, when the caller has them (identification does), else computed."""
        if self.pipeline is not None and len(audio) >= self.options.batch_min_seconds * SAMPLE_RATE:
            return self.recognize_batched(audio, language, prompt, cancelled, chance=chance)
        return self.recognize_sequential(audio, language, prompt, cancelled, chance=chance)

    def recognize_sequential(
        self,
        audio: np.ndarray,
        language: str | None = None,
        prompt: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        guard: bool = True,
        chance: np.ndarray | None = None,
    ) -> Recognition:
        """One ``WhisperModel.transcribe`` over the speech (30 s windows, temperature fallback);
        then, with ``guard``, whatever it skipped or looped on decoded again (``redecode``)."""
        if chance is None and self.vad is not None:
            chance = self.vad.probabilities(audio)
        segments, detected = self._sequential_segments(audio, language, prompt, chance)
        pieces = list(_checked(segments, cancelled))
        if guard and chance is not None:
            spans = speech_spans(chance, len(audio), BATCHED_VAD)
            pieces = self.redecode(audio, spans, pieces, language, prompt, cancelled, alone=True)
        return recognition_from(pieces, detected, audio, self.options)

    def _sequential_segments(
        self,
        audio: np.ndarray,
        language: str | None,
        prompt: str | None,
        chance: Sequence[float] | np.ndarray | None = None,
    ) -> tuple[Iterable, str]:
        """faster-whisper's segments of ``audio`` (decoded lazily, in audio time) and the language:
        the speech alone (VAD), laid end to end and decoded window after window, each window's
        unfinished last sentence decoded again from its start, with temperature fallback.
        ``chance``: the VAD's speech probabilities of ``audio``, when the caller has them."""
        from faster_whisper.transcribe import restore_speech_timestamps

        o = self.options
        speech, spans = audio, None
        if self.vad is not None:  # as vad_filter does: decode the speech alone, laid end to end
            if chance is None:
                chance = self.vad.probabilities(audio)
            spans = speech_spans(chance, len(audio), SEQUENTIAL_VAD)
            spans = keep_short_edges(spans, len(audio), int(EDGE_KEEP_SECONDS * SAMPLE_RATE))
            speech = np.concatenate([audio[s["start"] : s["end"]] for s in spans]) if spans else audio[:0]
        segments, info = self.model.transcribe(
            speech,
            language=language or parse_language(o.language),
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            vad_filter=False,
            initial_prompt=prompt or None,
            condition_on_previous_text=False,
            temperature=self.temperatures,
        )
        if spans:
            segments = restore_speech_timestamps(segments, spans, SAMPLE_RATE)
        return segments, info.language

    def recognize_batched(
        self,
        audio: np.ndarray,
        language: str | None = None,
        prompt: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        batch_size: int | None = None,
        guard: bool = True,
        chance: np.ndarray | None = None,
    ) -> Recognition:
        """Windows of up to 30 s of speech decoded ``batch_size`` (default: the options') at a time
        by faster-whisper's ``BatchedInferencePipeline`` (first temperature only, no timestamp
        tokens), segments cut into sentences; then, with ``guard``, whatever that decode skipped or looped on decoded
        again sequentially (``redecode``)."""
        from faster_whisper.transcribe import restore_speech_timestamps

        o = self.options
        assert self.pipeline is not None and self.vad is not None, "batching is off"
        spans = speech_spans(self.vad.probabilities(audio) if chance is None else chance, len(audio), BATCHED_VAD)
        if not spans:
            return Recognition(
                language or parse_language(o.language) or "en", round(len(audio) / SAMPLE_RATE, 3), [], []
            )
        # The windows laid end to end, each decoded as one clip: the pipeline's own packing, with
        # the spans this VAD found.
        joined, clips = decode_clips(audio, spans)
        self.pipeline.last_speech_timestamp = 0.0  # it would carry over from the previous request
        segments, info = self.pipeline.transcribe(
            joined,
            language=language or parse_language(o.language),
            beam_size=o.beam_size,
            word_timestamps=o.word_timestamps,
            initial_prompt=prompt or None,
            clip_timestamps=clips,
            batch_size=batch_size or o.batch_size,
            # Without timestamp tokens (the pipeline's default): with them each window's unfinished
            # last sentence is dropped, every window, and the LJSpeech reading's WER rose from 5.8 %
            # to 7.0 %. Without them a small model sometimes skips ahead inside a full window
            # (tiny.en kept only the last 8 s of a 29 s LibriSpeech window on an AVX2 CPU without
            # MKL): ``redecode`` finds and fills such a stretch.
            without_timestamps=True,
        )
        segments = restore_speech_timestamps(segments, spans, SAMPLE_RATE)
        pieces = list(_sentences(_checked(segments, cancelled)))
        if guard:
            pieces = self.redecode(audio, spans, pieces, language, prompt, cancelled)
        return recognition_from(pieces, info.language, audio, o)

    def redecode(
        self,
        audio: np.ndarray,
        spans: list[dict[str, int]],
        pieces: list,
        language: str | None,
        prompt: str | None,
        cancelled: Callable[[], bool] | None = None,
        alone: bool = False,
    ) -> list:
        """``pieces`` (segments in audio time) with every speech span (``spans``: the batched VAD's)
        that they leave without words or where they loop (``faithfulness.regions``; ``alone``: as
        ``decoded_alone`` there) decoded again on its own, sequentially, the new words in place of
        the old ones there, no longer sharing a window with what made the decoder skip or loop."""
        seconds = [(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in spans]
        todo = faithfulness.regions(seconds, [w for p in pieces for w in (p.words or [])], decoded_alone=alone)
        if not todo:
            return pieces
        log.info(
            "whisper: decoding %d stretch(es) again sequentially (%.1f s of %.1f s): %s",
            len(todo),
            sum(b - a for a, b in todo),
            len(audio) / SAMPLE_RATE,
            ", ".join(f"{a:.1f}-{b:.1f}" for a, b in todo),
        )
        kept = [p for p in (_outside(piece, todo) for piece in pieces) if p is not None]
        for a, b in todo:
            lo, hi = int(round(a * SAMPLE_RATE)), int(round(b * SAMPLE_RATE))
            segments, _ = self._sequential_segments(audio[lo:hi], language, prompt)
            for segment in _checked(segments, cancelled):
                piece = _shifted(segment, a, (a, b))
                if piece is not None:
                    kept.append(piece)
        return sorted(kept, key=lambda p: p.start)


def _inside(start: float, end: float, regions: list[tuple[float, float]]) -> bool:
    middle = (start + end) / 2
    return any(a <= middle < b for a, b in regions)


def _outside(piece, regions: list[tuple[float, float]]):
    """``piece`` less its words inside ``regions`` (None when nothing is left)."""
    if not piece.words:
        return None if _inside(piece.start, piece.end, regions) else piece
    words = [w for w in piece.words if not _inside(w.start, w.end, regions)]
    if len(words) == len(piece.words):
        return piece
    if not words:
        return None
    return _Piece.of(words, piece)


def _shifted(segment, offset: float, region: tuple[float, float]):
    """A segment decoded from the audio of ``region`` (times from its start) in audio time, with
    only its words inside the region (an edge may catch part of a neighbour's word)."""
    from faster_whisper.transcribe import Word as FwWord

    if not segment.words:
        start, end = segment.start + offset, segment.end + offset
        return (
            _Piece(segment.text, start, end, segment.avg_logprob, segment.no_speech_prob, [])
            if _inside(start, end, [region])
            else None
        )
    words = [
        FwWord(start=w.start + offset, end=w.end + offset, word=w.word, probability=w.probability)
        for w in segment.words
    ]
    words = [w for w in words if _inside(w.start, w.end, [region])]
    if not words:
        return None
    return _Piece.of(words, segment)


def _checked(segments: Iterable, cancelled: Callable[[], bool] | None) -> Iterable:
    """``segments`` (decoded lazily, piece by piece), stopping with ``RecognitionCancelled`` when
    ``cancelled`` says so before the next piece."""
    pieces = iter(segments)
    while True:
        if cancelled is not None and cancelled():
            raise RecognitionCancelled()
        try:
            piece = next(pieces)  # decodes the next piece
        except StopIteration:
            return
        yield piece


def _sentences(windows: Iterable) -> Iterable:
    """Each window-sized faster-whisper segment cut into sentence-sized ``Segment``s (with the
    window's scores and raw words; text re-joined from the words as Whisper wrote them)."""
    for window in windows:
        words = window.words or []
        if not words:
            yield window
            continue
        for i, j in sentence_spans(words):
            yield _Piece.of(words[i:j], window)


@dataclass
class _Piece:
    """A faster-whisper segment's fields that ``recognition_from`` reads."""

    text: str
    start: float
    end: float
    avg_logprob: float
    no_speech_prob: float
    words: list

    @classmethod
    def of(cls, words: list, scored) -> _Piece:
        """A piece of ``words`` (not empty; text joined as Whisper wrote them), with the scores of
        ``scored``, the segment they came from."""
        return cls(
            "".join(w.word for w in words),
            words[0].start,
            words[-1].end,
            scored.avg_logprob,
            scored.no_speech_prob,
            words,
        )


def recognition_from(segments, language: str, audio: np.ndarray, options: WhisperOptions) -> Recognition:
    """faster-whisper segments (decoded lazily, in audio time) for ``audio`` as plain data, word
    starts refined on the audio when ``options`` ask for it. Times are kept inside the audio: the
    batched pipeline aligns a window's last word against the window rounded up to whole seconds."""
    duration = round(len(audio) / SAMPLE_RATE, 3)

    def inside(start: float, end: float) -> tuple[float, float]:
        end = min(round(end, 3), duration)
        return min(round(start, 3), end), end

    words: list[Word] = []
    segs: list[Segment] = []
    for s in segments:
        segs.append(Segment(s.text.strip(), *inside(s.start, s.end), s.avg_logprob, s.no_speech_prob))
        for text, start, end, probability in whole_words(s.words or []):
            words.append(Word(text, *inside(start, end), round(probability, 4)))
    if options.word_timestamps and options.refine_word_starts:
        words = refine_word_starts(words, audio)
    return Recognition(language=language, duration=duration, words=words, segments=segs)
