"""Speech in any language: find which language is spoken where, and decode each stretch with the
Whisper weights for it.

``MultilingualRecognizer`` holds two ``WhisperRecognizer``s: the English weights
(``english_model``, ``tiny.en`` by default: the fastest accurate English model measured by
``bench/asr_languages.py``) and the multilingual ``base`` (``streams.asr.weights``). Given a
language it decodes with the right one. Given none (``auto``), it identifies the language first:

- the speech (Silero VAD) is grouped into windows of up to 30 s of speech, and all of each
  window's speech is probed, in pieces of about ``COVER_SECONDS`` (whole VAD spans): the
  multilingual model's encoder runs on the piece (not padded to 30 s: CTranslate2 encodes shorter
  input, so a probe costs in proportion to the speech it hears, about 0.1 s for 10 s here) and its
  language tokens are read. A German sentence in the middle of an English window is heard; so
  it was not when only a window's first 10 s were;
- where two neighbouring probes disagree (once a probe too unsure to name its language has taken
  its neighbours', ``languages.settle``), their windows are probed again in pieces of a few VAD
  spans (at least 3 s of speech), so the change of language is placed at a pause, not at a
  window's edge;
- the probes become spans of one language (``streams.asr.languages.runs``), and each span's audio
  (cut in the middle of the pauses between them) is decoded in its language.

Because only the speech is probed, music before a talk does not decide its language. A result
carries the chunk's language (the one with the most speech), its probability, and the spans.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Callable

import numpy as np

from streams.asr import weights
from streams.asr.languages import (
    PROMPTS,
    UNDETERMINED,
    LanguageSpan,
    Probe,
    best_language,
    cuts,
    dominant,
    never_identified,
    parse_language,
    runs,
    settle,
)
from streams.asr.recognition import Recognition
from streams.asr.vad import SAMPLE_RATE, speech_spans
from streams.asr.whisper import BATCHED_VAD, WINDOW_SECONDS, WhisperOptions, WhisperRecognizer
from streams.text import chinese

log = logging.getLogger("clipstream.whisper")

Span = dict  # {"start": sample, "end": sample}


def in_chinese_script(heard: Recognition, script: str) -> Recognition:
    """``heard`` with its words and segments in one Chinese ``script`` (``streams.text.chinese``).
    The words are converted as one text (OpenCC picks a character by the phrase it is in) and cut
    back at their old lengths; where a conversion changed a length, word by word."""
    if script == chinese.AS_DECODED:
        return heard
    texts = [w.word for w in heard.words]
    whole = chinese.convert("".join(texts), script)
    if len(whole) == sum(map(len, texts)):
        ends = np.cumsum([0] + [len(t) for t in texts])
        texts = [whole[a:b] for a, b in zip(ends, ends[1:])]
    else:
        texts = [chinese.convert(t, script) for t in texts]
    return dataclasses.replace(
        heard,
        words=[dataclasses.replace(w, word=t) for w, t in zip(heard.words, texts)],
        segments=[dataclasses.replace(g, text=chinese.convert(g.text, script)) for g in heard.segments],
    )


def windows_of(spans: list[Span], max_seconds: float = WINDOW_SECONDS) -> list[list[Span]]:
    """VAD spans grouped in order into windows of at most ``max_seconds`` of speech each."""
    windows: list[list[Span]] = []
    speech = 0
    for span in spans:
        length = span["end"] - span["start"]
        if not windows or speech + length > max_seconds * SAMPLE_RATE:
            windows.append([])
            speech = 0
        windows[-1].append(span)
        speech += length
    return windows


COVER_SECONDS = 5.0  # speech per probe that covers a window
MIN_PIECE_SECONDS = 3.0  # a probe of less is too unsure to place a change of language by


def pieces_of(spans: list[Span], min_seconds: float = MIN_PIECE_SECONDS) -> list[list[Span]]:
    """VAD spans grouped in order into pieces of at least ``min_seconds`` of speech each (the last
    may be shorter): a probe of a lone short span (a word) is too unsure to place a change of
    language by."""
    pieces: list[list[Span]] = [[]]
    speech = 0
    for span in spans:
        if speech >= min_seconds * SAMPLE_RATE:
            pieces.append([])
            speech = 0
        pieces[-1].append(span)
        speech += span["end"] - span["start"]
    return pieces if pieces[0] else []


def covers_of(spans: list[Span], seconds: float = COVER_SECONDS) -> list[list[Span]]:
    """A window's spans in pieces of at least ``seconds`` of speech each, a shorter rest joined
    to the piece before it (a piece is heard for its first ``probe_seconds``)."""
    pieces = pieces_of(spans, seconds)
    if len(pieces) > 1 and sum(s["end"] - s["start"] for s in pieces[-1]) < MIN_PIECE_SECONDS * SAMPLE_RATE:
        rest = pieces.pop()
        pieces[-1] += rest
    return pieces


def to_probe_again(covering: list[list[Probe]]) -> set[int]:
    """The windows (by index) whose probes, or whose last and the next window's first, disagree:
    they are probed again in smaller pieces, so the change of language is placed at a pause. A
    probe too unsure to name its language (``settle`` gives it its neighbours') is no sign of a
    change: on eSpeak's German, re-probing for those alone was 57 % of the smaller probes, and
    changed no span (DEVELOPERS.md, languages)."""
    window_of = [i for i, probes in enumerate(covering) for _ in probes]
    heard = settle([probe for probes in covering for probe in probes])
    changed: set[int] = set()
    for k in range(len(heard) - 1):
        if heard[k].language != heard[k + 1].language:
            changed |= {window_of[k], window_of[k + 1]}
    return changed


class MultilingualRecognizer:
    """Loads both models once; ``recognize`` is safe to call from one thread at a time."""

    def __init__(self, options: WhisperOptions) -> None:
        self.options = options
        self.never_identified = never_identified(options.never_identified)
        multilingual_dir = options.multilingual_model_dir or str(weights.installed(weights.MULTILINGUAL))
        self.multilingual = WhisperRecognizer(
            dataclasses.replace(options, model_dir=multilingual_dir, beam_size=options.multilingual_beam_size)
        )
        if options.english_model == weights.MULTILINGUAL:
            self.english = WhisperRecognizer(dataclasses.replace(options, model_dir=multilingual_dir))
        elif options.english_model == weights.ENGLISH:
            english_dir = options.model_dir or str(weights.installed(weights.ENGLISH))
            self.english = WhisperRecognizer(dataclasses.replace(options, model_dir=english_dir))
        else:
            raise ValueError(
                f"english_model must be {weights.ENGLISH!r} or {weights.MULTILINGUAL!r}, not {options.english_model!r}"
            )
        self.vad = self.multilingual.vad or self.english.vad

    def recognizer_for(self, language: str) -> WhisperRecognizer:
        return self.english if language == "en" else self.multilingual

    def _decode(
        self,
        audio: np.ndarray,
        language: str,
        prompt: str | None,
        cancelled: Callable[[], bool] | None,
        chance: np.ndarray | None = None,
    ) -> Recognition:
        """``audio`` decoded in ``language`` by its model, after ``prompt`` or the language's own
        (``languages.PROMPTS``); ``chance``: the VAD's probabilities of ``audio``, if known."""
        recognizer = self.recognizer_for(language)
        heard = recognizer.recognize(audio, language, prompt or PROMPTS.get(language), cancelled, chance=chance)
        return in_chinese_script(heard, self.options.chinese_script) if language == "zh" else heard

    # -- identification --------------------------------------------------------------------
    def probe(self, speech: np.ndarray) -> tuple[str, float]:
        """The language of ``speech`` (its first ``probe_seconds``) and its probability."""
        model = self.multilingual.model
        piece = speech[: int(self.options.probe_seconds * SAMPLE_RATE)]
        frames = max(1, len(piece) // model.feature_extractor.hop_length)
        features = model.feature_extractor(piece)[..., :frames]
        ranked = [(token[2:-2], float(p)) for token, p in model.model.detect_language(model.encode(features))[0]]
        return best_language(ranked, self.never_identified)

    def _probe_spans(self, audio: np.ndarray, spans: list[Span]) -> Probe:
        speech = np.concatenate([audio[s["start"] : s["end"]] for s in spans])
        language, probability = self.probe(speech)
        return Probe(
            spans[0]["start"] / SAMPLE_RATE,
            spans[-1]["end"] / SAMPLE_RATE,
            language,
            probability,
            len(speech) / SAMPLE_RATE,
        )

    def identify(self, audio: np.ndarray, before: str | None = None) -> list[LanguageSpan]:
        """Spans of one language each over the speech in ``audio`` (empty when there is none).
        ``before``: the language spoken before this audio (the talk's so far), which a stretch
        leaves only where the model is sure it does (``languages.held``)."""
        return self._identified(audio, before)[0]

    def _identified(self, audio: np.ndarray, before: str | None) -> tuple[list[LanguageSpan], np.ndarray | None]:
        """``identify``'s spans, and the VAD's speech probabilities of ``audio`` that found the
        speech (None without a VAD): the decode that follows reads the same ones."""
        chance = self.vad.probabilities(audio) if self.vad is not None else None
        if chance is None:  # no VAD: the whole audio is one window
            spans = [{"start": 0, "end": len(audio)}] if len(audio) else []
        else:
            spans = speech_spans(chance, len(audio), BATCHED_VAD)
        if not spans:
            return [], chance
        windows = windows_of(spans)
        # Every window's speech is heard, in pieces of COVER_SECONDS: a language spoken for a few
        # sentences in the middle of a window is not missed, nor is one piece that straddles a
        # change trusted for the whole window.
        covering = [[self._probe_spans(audio, piece) for piece in covers_of(window)] for window in windows]
        changed = to_probe_again(covering)
        detailed: list[Probe] = []
        for i, window in enumerate(windows):
            if i in changed and len(window) > 1:
                detailed += [self._probe_spans(audio, piece) for piece in pieces_of(window)]
            else:
                detailed += covering[i]
        return runs(detailed, before=before), chance

    # -- recognition -----------------------------------------------------------------------
    def recognize(
        self,
        audio: np.ndarray,
        language: str | None = None,
        prompt: str | None = None,
        cancelled: Callable[[], bool] | None = None,
        before: str | None = None,
    ) -> Recognition:
        """What is said in 16 kHz mono ``audio``, in the language given (``language``, else the
        options'), or in each language spoken when that is ``auto``; then ``before``, the
        language heard before this audio, is the one a stretch leaves only where the model is
        sure. ``UnknownLanguage`` for a code Whisper does not know."""
        given = parse_language(language or self.options.language)
        before = parse_language(before)
        duration = round(len(audio) / SAMPLE_RATE, 3)
        if given is not None:
            heard = self._decode(audio, given, prompt, cancelled)
            return dataclasses.replace(
                heard, language=given, language_probability=None, languages=[LanguageSpan(given, 0.0, duration, None)]
            )
        spans, chance = self._identified(audio, before)
        if not spans:  # no speech, so no language: decoded (as English) for whatever it still finds
            heard = self.english.recognize(audio, "en", prompt, cancelled, chance=chance)
            return dataclasses.replace(heard, language=UNDETERMINED, language_probability=None, languages=[])
        top = dominant(spans)
        assert top is not None  # ``spans`` is not empty, so some language has speech
        language, probability = top
        if len(spans) == 1:
            heard = self._decode(audio, language, prompt, cancelled, chance)
            return dataclasses.replace(heard, language=language, language_probability=probability, languages=spans)
        log.info(
            "whisper: %d languages in %.1f s: %s",
            len({s.language for s in spans}),
            duration,
            ", ".join(f"{s.language} {s.start:.1f}-{s.end:.1f}" for s in spans),
        )
        words, segments = [], []
        for span, (a, b) in zip(spans, cuts(spans, duration)):
            lo, hi = int(round(a * SAMPLE_RATE)), int(round(b * SAMPLE_RATE))
            heard = self._decode(audio[lo:hi], span.language, prompt, cancelled).shift(a)
            words += heard.words
            segments += heard.segments
        return Recognition(
            language=language,
            duration=duration,
            words=words,
            segments=segments,
            language_probability=probability,
            languages=spans,
        )
