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

Where the talk so far is in a language the multilingual model decodes (``before``) and the chunk
is long enough to be decoded batched, each window is encoded once, as the decode will ask for it
(``streams.asr.encodings``), and a piece's language is first read from its frames of that
encoding: a reading that names the language heard before is kept, any other answer is probed as
above. The decode then takes the windows' encodings over, so such a chunk's speech is encoded
once, not once to name its language and again to decode it.

Because only the speech is probed, music before a talk does not decide its language. A result
carries the chunk's language (the one with the most speech), its probability, and the spans.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Callable

import numpy as np

from streams.asr import weights
from streams.asr.encodings import SAMPLES_PER_FRAME, WINDOW_SECONDS, KeptEncodings, Span
from streams.asr.languages import (
    PROMPTS,
    UNDETERMINED,
    UNSURE,
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
from streams.asr.whisper import BATCHED_VAD, WhisperOptions, WhisperRecognizer
from streams.text import chinese

log = logging.getLogger("clipstream.whisper")


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
        # The batched decode's encodings, made by identification where it reads languages from them.
        # On CPU only: there the encoder is most of a decode's cost (on a GPU it is a small share,
        # and its output would have to be copied to the host to be read).
        shares = self.multilingual.pipeline is not None and options.device == "cpu"
        self.kept = KeptEncodings(self.multilingual.model) if shares else None

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
        return self._language_of(model.encode(features))

    def _language_of(self, encoded) -> tuple[str, float]:
        """The language the multilingual model's language tokens name after ``encoded`` (its
        encoder's output), and its probability."""
        ranked = [(token[2:-2], float(p)) for token, p in self.multilingual.model.model.detect_language(encoded)[0]]
        return best_language(ranked, self.never_identified)

    def _probe_spans(self, audio: np.ndarray, spans: list[Span]) -> Probe:
        speech = np.concatenate([audio[s["start"] : s["end"]] for s in spans])
        return self._probe(spans, *self.probe(speech), len(speech) / SAMPLE_RATE)

    def _read_spans(self, encoded: np.ndarray, window: list[Span], spans: list[Span]) -> Probe:
        """``_probe_spans`` read from ``encoded``, the encoder output of ``window`` (whose speech
        includes ``spans``): the frames of the first ``probe_seconds`` of their speech."""
        import ctranslate2

        offset = sum(s["end"] - s["start"] for s in window[: window.index(spans[0])])
        speech = sum(s["end"] - s["start"] for s in spans)
        heard = min(speech, int(self.options.probe_seconds * SAMPLE_RATE))
        first = min(offset // SAMPLES_PER_FRAME, len(encoded) - 1)
        last = min(max(first + 1, (offset + heard) // SAMPLES_PER_FRAME), len(encoded))
        if last - first == self.multilingual.model.model.n_mels:  # so many frames would be taken for mel features
            first, last = (first, last + 1) if last < len(encoded) else (first - 1, last)
        frames = ctranslate2.StorageView.from_array(np.ascontiguousarray(encoded[None, first:last]))
        return self._probe(spans, *self._language_of(frames), speech / SAMPLE_RATE)

    @staticmethod
    def _probe(spans: list[Span], language: str, probability: float, seconds: float) -> Probe:
        """A probe of ``spans``' speech (``seconds`` of it) heard as ``language``."""
        return Probe(spans[0]["start"] / SAMPLE_RATE, spans[-1]["end"] / SAMPLE_RATE, language, probability, seconds)

    def identify(self, audio: np.ndarray, before: str | None = None) -> list[LanguageSpan]:
        """Spans of one language each over the speech in ``audio`` (empty when there is none).
        ``before``: the language spoken before this audio (the talk's so far), which a stretch
        leaves only where the model is sure it does (``languages.held``)."""
        try:
            return self._identified(audio, before)[0]
        finally:
            self._forget()

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
        encoded = self._encodings(audio, spans, before)
        if encoded is not None and len(encoded) == len(windows):

            def probe(i: int, piece: list[Span]) -> Probe:
                # Read from the window's encoding, a piece is trusted only to confirm the language
                # heard before: read in the middle of a window, English after German was heard as
                # Chinese (test_whisper_quality), so any other answer is probed as before.
                read = self._read_spans(encoded[i], windows[i], piece)
                if read.language == before and read.probability >= UNSURE:
                    return read
                return self._probe_spans(audio, piece)

        else:

            def probe(i: int, piece: list[Span]) -> Probe:
                return self._probe_spans(audio, piece)

        # Every window's speech is heard, in pieces of COVER_SECONDS: a language spoken for a few
        # sentences in the middle of a window is not missed, nor is one piece that straddles a
        # change trusted for the whole window.
        covering = [[probe(i, piece) for piece in covers_of(window)] for i, window in enumerate(windows)]
        changed = to_probe_again(covering)
        detailed: list[Probe] = []
        for i, window in enumerate(windows):
            if i in changed and len(window) > 1:
                detailed += [probe(i, piece) for piece in pieces_of(window)]
            else:
                detailed += covering[i]
        return runs(detailed, before=before), chance

    def _encodings(self, audio: np.ndarray, spans: list[Span], before: str | None) -> list[np.ndarray] | None:
        """Each window's encoder output, made for the batched decode that will ask for it, where
        the language heard before ``audio`` is one the multilingual model decodes and ``audio``
        is long enough to be decoded batched (``encodings``); else None: pieces are probed."""
        decoder = self.multilingual
        if self.kept is None or before is None or self.recognizer_for(before) is not decoder:
            return None
        if len(audio) < decoder.options.batch_min_seconds * SAMPLE_RATE:
            return None
        return self.kept.keep(audio, spans, decoder.options.batch_size)

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
        try:
            spans, chance = self._identified(audio, before)
            return self._decode_spans(audio, spans, chance, prompt, cancelled)
        finally:
            self._forget()

    def _forget(self) -> None:
        if self.kept is not None:
            self.kept.forget()

    def _decode_spans(
        self,
        audio: np.ndarray,
        spans: list[LanguageSpan],
        chance: np.ndarray | None,
        prompt: str | None,
        cancelled: Callable[[], bool] | None,
    ) -> Recognition:
        """``audio`` decoded span by span, each ``spans``' stretch in its language (all of it in
        one decode where there is one language)."""
        duration = round(len(audio) / SAMPLE_RATE, 3)
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
