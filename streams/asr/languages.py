"""Which language is spoken where: the language codes Whisper knows, the upload's ``language``
option, and the spans of one language that a chunk's speech is cut into. Pure: no model here
(``streams.asr.spoken`` asks the model; this decides what its answers mean).

A chunk's speech is probed window by window (``streams.asr.spoken``): each probe says a language
and its probability. ``runs`` joins neighbouring probes of one language into ``LanguageSpan``s,
after giving each unsure probe the language of the sure ones around it (a short word probed
alone must not cut a stretch of Slovak out of an English talk), and ``held``: a change away from
the talk's language stands only where the model is sure of it (``SWITCH_SURE``). ``dominant`` is the language
with the most speech, which the chunk (and, from its first speech, the video) is labelled with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from streams.domain.transcript import TranscriptChunk
from streams.errors import UnknownLanguage

AUTO = "auto"
# A chunk with no speech is in no language: BCP 47's "undetermined" (ISO 639-2 ``und``).
UNDETERMINED = "und"
# The 99 languages of OpenAI's multilingual Whisper (tiny to large-v2), ISO 639-1 where it has
# one; Whisper's own spellings (``haw``, ``jw``) kept as it writes them.
CODES = tuple(
    "af am ar as az ba be bg bn bo br bs ca cs cy da de el en es et eu fa fi fo fr gl gu ha haw he hi "
    "hr ht hu hy id is it ja jw ka kk km kn ko la lb ln lo lt lv mg mi mk ml mn mr ms mt my ne nl nn no "
    "oc pa pl ps pt ro ru sa sd si sk sl sn so sq sr su sv sw ta te tg th tk tl tr tt uk ur uz vi yi yo "
    "zh".split()
)
# Written without spaces between words: sentences, captions and search cut them by character.
UNSPACED = frozenset({"zh", "ja", "th", "lo", "km", "my", "bo"})
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "sd"})
# The first words a window is decoded after, where the caller gives none. Whisper writes Mandarin
# in traditional characters about as often as in simplified, and mostly without punctuation; a
# simplified, punctuated sentence before it ("what follows are sentences in Mandarin") makes it
# write simplified with full stops (CER of base, beam 5, on the three Mandarin clips of
# ../shared/media/speech/multilingual: 0.50, 0.22, 0.33 without; 0.25, 0.08, 0.33 with).
PROMPTS = {"zh": "以下是普通话的句子。"}
UNSURE = 0.5  # a probe less sure than this yields to sure neighbours of one language
# A change of language inside a talk is believed only where the model is this sure of it. Real
# speech that changes language is heard at 0.99 or more (the tests' English-German recordings);
# eSpeak NG's German, Spanish and French are heard as Latin, Thai, Yiddish or English in stretches
# of 3-25 s in almost every chunk, at 0.19-0.95 (93 of 95 such stretches under 0.95; the other two
# 0.950 and 0.954): decoded in that language, their words were lost. DEVELOPERS.md, "Languages".
SWITCH_SURE = 0.96


def never_identified(value: str) -> frozenset[str]:
    """The languages identification must never name (``WhisperOptions.never_identified``): codes
    separated by commas, or ``none``. Latin by default: Whisper base hears eSpeak NG's German as
    Latin often enough that a whole lecture was decoded as Latin (its first chunk, at 0.66, set the
    talk's language; the same audio resampled by another library was German at 0.67), and a talk
    uploaded in Latin can still name it. ``UnknownLanguage`` for a code Whisper does not know."""
    codes = [c.strip().lower() for c in value.split(",") if c.strip()]
    if codes == ["none"]:
        return frozenset()
    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise UnknownLanguage(f"never_identified names {', '.join(unknown)}: not codes Whisper knows (or 'none')")
    return frozenset(codes)


def best_language(ranked: Sequence[tuple[str, float]], excluded: frozenset[str] = frozenset()) -> tuple[str, float]:
    """The most probable of the ``(code, probability)`` pairs the model ranked (every language
    it knows, best first) outside ``excluded``, with its probability among those left."""
    left = [(code, p) for code, p in ranked if code not in excluded]
    if not left:
        raise ValueError("every language the model ranked is excluded")
    code, probability = max(left, key=lambda pair: pair[1])
    total = sum(p for _, p in left)
    return code, probability / total if total > 0 else probability


def parse_language(value: str | None) -> str | None:
    """The language an upload asked for: None for ``auto`` (or nothing), else a known code;
    ``UnknownLanguage`` otherwise."""
    code = (value or AUTO).strip().lower()
    if code == AUTO:
        return None
    if code not in CODES:
        raise UnknownLanguage(
            f"language {value!r} is not 'auto' or one of the {len(CODES)} codes Whisper knows "
            f"(ISO 639-1, e.g. en, de, ja)"
        )
    return code


@dataclass(frozen=True)
class LanguageSpan:
    """Speech from ``start`` to ``end`` (seconds) in one ``language``, identified with
    ``probability`` (its probes' mean, weighted by their speech; None when the language was given)."""

    language: str
    start: float
    end: float
    probability: float | None

    def as_json(self) -> dict:
        return {"language": self.language, "start": self.start, "end": self.end, "probability": self.probability}

    @classmethod
    def from_json(cls, data: Mapping) -> LanguageSpan:
        p = data.get("probability")
        return cls(data["language"], float(data["start"]), float(data["end"]), None if p is None else float(p))

    def shift(self, offset: float) -> LanguageSpan:
        return LanguageSpan(self.language, round(self.start + offset, 3), round(self.end + offset, 3), self.probability)


@dataclass(frozen=True)
class Probe:
    """One window of speech (``start``..``end``, with ``speech`` seconds of it heard) and what the
    model said of it."""

    start: float
    end: float
    language: str
    probability: float
    speech: float = 0.0

    @property
    def weight(self) -> float:
        return self.speech or (self.end - self.start)


def settle(probes: Sequence[Probe], unsure: float = UNSURE) -> list[Probe]:
    """``probes`` in time order, each unsure one (probability below ``unsure``: a short span, a
    name, a cough) given the language of the sure probes around it: theirs when the nearest sure
    probe on each side agree, else the nearer one's (its own probability kept). With no sure
    probe at all nothing changes."""
    sure = [i for i, p in enumerate(probes) if p.probability >= unsure]
    settled = list(probes)
    if not sure:
        return settled
    for i, probe in enumerate(probes):
        if probe.probability >= unsure:
            continue
        before = max((j for j in sure if j < i), default=None)
        after = min((j for j in sure if j > i), default=None)
        if before is None or after is None:
            nearest = after if before is None else before
            assert nearest is not None  # ``sure`` is non-empty and excludes i: one side has a sure probe
            source = probes[nearest]
        elif probes[before].language == probes[after].language:
            source = probes[before]
        else:
            nearer_before = probe.start - probes[before].end <= probes[after].start - probe.end
            source = probes[before] if nearer_before else probes[after]
        settled[i] = Probe(probe.start, probe.end, source.language, probe.probability, probe.speech)
    return settled


def runs(
    probes: Sequence[Probe], unsure: float = UNSURE, before: str | None = None, switch: float = SWITCH_SURE
) -> list[LanguageSpan]:
    """Neighbouring probes of one language joined into spans (after ``settle``), then ``held``
    to the language spoken ``before`` (or, with none, to the one with most speech)."""
    return held(_joined(settle(sorted(probes, key=lambda p: p.start), unsure)), before, switch)


def held(spans: Sequence[LanguageSpan], before: str | None = None, switch: float = SWITCH_SURE) -> list[LanguageSpan]:
    """``spans`` with every change of language the model was not sure of undone: a span in a
    language other than the talk's (``before``: the language heard before this audio; with none,
    the one with most speech in ``spans``) whose probability is under ``switch`` takes the talk's
    language (its own probability kept), and neighbours of one language are joined."""
    talk = before or most_heard(spans)
    if talk is None:
        return list(spans)
    sure = [s.language == talk or (s.probability is not None and s.probability >= switch) for s in spans]
    kept = [s if ok else LanguageSpan(talk, s.start, s.end, s.probability) for s, ok in zip(spans, sure)]
    joined: list[list[LanguageSpan]] = []
    for span in kept:
        if joined and joined[-1][0].language == span.language:
            joined[-1].append(span)
        else:
            joined.append([span])
    return [_merged(group) for group in joined]


def _merged(group: Sequence[LanguageSpan]) -> LanguageSpan:
    """One span over ``group`` (of one language), its probability the groups' weighted by length."""
    first, last = group[0], group[-1]
    if len(group) == 1:
        return first
    known = [(s.probability, max(s.end - s.start, 1e-3)) for s in group if s.probability is not None]
    weight = sum(w for _, w in known)
    probability = round(sum(p * w for p, w in known) / weight, 4) if known and len(known) == len(group) else None
    return LanguageSpan(first.language, first.start, last.end, probability)


def _joined(probes: Sequence[Probe]) -> list[LanguageSpan]:
    """Neighbouring ``probes`` (in order) of one language joined into spans."""
    spans: list[LanguageSpan] = []
    group: list[Probe] = []

    def close() -> None:
        weight = sum(p.weight for p in group)
        probability = sum(p.probability * p.weight for p in group) / weight if weight > 0 else group[0].probability
        spans.append(
            LanguageSpan(group[0].language, round(group[0].start, 3), round(group[-1].end, 3), round(probability, 4))
        )

    for probe in probes:
        if group and probe.language != group[0].language:
            close()
            group = []
        group.append(probe)
    if group:
        close()
    return spans


def cuts(spans: Sequence[LanguageSpan], duration: float) -> list[tuple[float, float]]:
    """Where to cut the audio so that each span is decoded alone: from the middle of the pause
    before it to the middle of the pause after it (the first from 0, the last to ``duration``)."""
    edges = [0.0] + [round((a.end + b.start) / 2, 3) for a, b in zip(spans, spans[1:])] + [duration]
    return list(zip(edges, edges[1:]))


def dominant(spans: Sequence[LanguageSpan]) -> tuple[str, float | None] | None:
    """The language with the most speech in ``spans`` and its speech-weighted probability; None
    when there is no speech."""
    seconds: dict[str, float] = {}
    for s in spans:
        seconds[s.language] = seconds.get(s.language, 0.0) + max(s.end - s.start, 1e-3)
    if not seconds:
        return None
    language = max(seconds, key=lambda k: seconds[k])
    own = [s for s in spans if s.language == language]
    weighted = [(s.probability, max(s.end - s.start, 1e-3)) for s in own if s.probability is not None]
    if len(weighted) < len(own):
        return language, None
    total = sum(w for _, w in weighted)
    return language, round(sum(p * w for p, w in weighted) / total, 4)


def most_heard(spans: Sequence[LanguageSpan]) -> str | None:
    """The language with the most speech in ``spans`` (None when there is none): what a talk was
    heard in so far, which the next chunk is ``held`` to."""
    top = dominant(spans)
    return None if top is None else top[0]


@dataclass(frozen=True)
class SpokenLanguages:
    """Which language is spoken when, as transcript chunks record it.

    Attributes:
        spans: ``(language, start, end)`` of every span heard (video seconds), in the chunks that
            kept them.
        chunks: ``(language, start, end)`` of every chunk with a language, for stretches no span
            covers (chunks stored before spans were kept).
    """

    spans: tuple[tuple[str, float, float], ...] = ()
    chunks: tuple[tuple[str, float, float], ...] = ()

    @classmethod
    def of(cls, chunks: Sequence[TranscriptChunk]) -> SpokenLanguages:
        return cls(
            spans=cls.heard([span for chunk in chunks for span in chunk.languages]).spans,
            chunks=tuple((c.language, float(c.start_s), float(c.end_s)) for c in chunks if c.language),
        )

    @classmethod
    def heard(cls, spans: Sequence[Mapping[str, Any]]) -> SpokenLanguages:
        """From spans as chunks and events keep them: ``{"language", "start", "end", ...}``."""
        return cls(spans=tuple((str(s["language"]), float(s["start"]), float(s["end"])) for s in spans))

    def between(self, start: float, end: float) -> str | None:
        """The language most spoken from ``start`` to ``end``: the one whose spans overlap that
        stretch longest; where no span does, the language of the chunk overlapping it most. None
        when no chunk overlaps it."""
        seconds = _overlaps(self.spans, start, end) or _overlaps(self.chunks, start, end)
        return max(seconds, key=lambda k: seconds[k]) if seconds else None


def spoken_between(chunks: Sequence[TranscriptChunk], start: float, end: float) -> str | None:
    """The language most spoken from ``start`` to ``end`` (video seconds) in transcript ``chunks``
    (``SpokenLanguages.between``)."""
    return SpokenLanguages.of(chunks).between(start, end)


def _overlaps(stretches: Sequence[tuple[str, float, float]], start: float, end: float) -> dict[str, float]:
    """Seconds of each language's ``(language, start, end)`` stretches inside [start, end]."""
    seconds: dict[str, float] = {}
    for language, a, b in stretches:
        overlap = min(end, b) - max(start, a)
        if overlap > 0:
            seconds[language] = seconds.get(language, 0.0) + overlap
    return seconds
