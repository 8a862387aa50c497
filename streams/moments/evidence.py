"""Evidence: what is known about a video besides its words, and the signals measured from it.

Loudness, pitch, faces on screen and scene cuts come from the audio and the picture. Each is
optional: a signal whose input is missing is ``NEUTRAL`` (0.5), so it moves every candidate
equally and changes no ranking. Each signal returns a float in [0, 1], higher is better.
"""

from __future__ import annotations

import bisect
import math
import statistics
from dataclasses import dataclass
from functools import cached_property
from typing import Sequence

from streams.asr.languages import SpokenLanguages
from streams.moments.conversation import Conversation
from streams.moments.editorial import EditorialMap
from streams.moments.lexicon import Lexicon, for_language
from streams.moments.pauses import Pauses
from streams.moments.sentences import Sentence
from streams.moments.topics import TopicMap
from streams.prosody.pitch import PitchTrack, pooled_semitone_spread, semitone_spread

NEUTRAL = 0.5
# Pitch spread (semitones, standard deviation) of a flat reading and of lively speech.
FLAT_SEMITONES, LIVELY_SEMITONES = 1.0, 4.0
MIN_VOICED_FRAMES = 25  # one second of voiced 40 ms frames before pitch says anything
# A cut this close to a clip's start counts as the clip opening on a fresh shot...
CUT_SNAP_SECONDS = 0.5
# ...and one later than that but within this of either edge flashes a shot for an instant.
FLASH_SECONDS = 1.5
LIVELY_CUTS_PER_MINUTE = 4.0
# Faces on screen: one speaker reframes best into a vertical crop; a crowd reframes badly.
FACE_VALUES = {0: 0.0, 1: 1.0, 2: 0.8}
MANY_FACES_VALUE = 0.5


@dataclass(frozen=True)
class EnergyEnvelope:
    """Loudness of the audio over time.

    Attributes:
        hop_seconds: time between values.
        values: RMS of each hop, the first covering ``[offset * hop_seconds, (offset + 1) *
            hop_seconds)``; may cover only the audio heard so far.
        offset: the hop ``values[0]`` is (0 from the start of the audio; the envelope of the last
            minutes of a long talk starts later, and its median is theirs).
    """

    hop_seconds: float
    values: tuple[float, ...] = ()
    offset: int = 0

    @cached_property
    def median(self) -> float:
        """Median of all values; computed once, since every candidate window is compared to it."""
        return statistics.median(self.values) if self.values else 0.0

    def between(self, start: float, end: float) -> tuple[float, ...]:
        """The values of the hops that overlap ``[start, end)``."""
        if self.hop_seconds <= 0:
            return ()
        first = max(0, math.floor(start / self.hop_seconds))
        last = max(first + 1, math.ceil(end / self.hop_seconds))
        return self.values[max(0, first - self.offset) : max(0, last - self.offset)]


@dataclass(frozen=True)
class Evidence:
    """Everything optional a moment is scored on besides its words.

    Attributes:
        envelope: loudness over time (``prosody.loudness.energy_envelope``).
        pitch: voiced pitch over time (``prosody.pitch.pitch_track``).
        faces: ``(seconds, number of faces)`` samples in time order.
        cuts: scene-cut times in seconds, ascending.
        topics: topic boundaries of the sentences being scored (``topics.segment``).
        editorial: how much each sentence reads like what editors clip (``editorial.editorial_map``).
        pauses: the silences around each sentence (``pauses.Pauses.of``).
        languages: which language is spoken when (``SpokenLanguages.of`` the chunks); None:
            not known, read as English.
        conversation: who holds the floor over the sentences being scored, once speakers are
            known (``conversation.Conversation``).
    """

    envelope: EnergyEnvelope | None = None
    pitch: PitchTrack | None = None
    faces: Sequence[tuple[float, int]] | None = None
    cuts: Sequence[float] | None = None
    topics: TopicMap | None = None
    editorial: EditorialMap | None = None
    pauses: Pauses | None = None
    languages: SpokenLanguages | None = None
    conversation: Conversation | None = None

    @cached_property
    def _spoken(self) -> dict[tuple[float, float], str | None]:
        return {}

    def language_of(self, sentence: Sentence) -> str | None:
        """The language ``sentence`` is spoken in (None: not known)."""
        if self.languages is None:
            return None
        key = (sentence.start, sentence.end)
        if key not in self._spoken:
            self._spoken[key] = self.languages.between(sentence.start, sentence.end)
        return self._spoken[key]

    def voices_pitch(self, sentences: Sequence[Sentence]) -> float:
        """``pitch_variation`` over ``sentences`` with each voice measured by itself, for what a
        reason says of the voice: the score's reading spreads across a change of voice by the gap
        between the two (a steady host answered by a lower guest reads as a voice that moves)."""
        return pitch_variation(sentences[0].start, sentences[-1].end, self.pitch, sentences)

    def lexicon_of(self, sentence: Sentence) -> Lexicon | None:
        """The word lists ``sentence`` is read with (``lexicon.for_language``: English where the
        language is not known, None for a language without lists)."""
        return for_language(self.language_of(sentence))


def energy(start: float, end: float, envelope: EnergyEnvelope | None) -> float:
    """Loudness of the window against the median of the envelope so far: raised voices, laughter
    and emphasis mark the moments people share. Each doubling of RMS (+6 dB) moves it by 0.5."""
    if envelope is None or not envelope.values:
        return NEUTRAL
    window = envelope.between(start, end)
    if not window:
        return NEUTRAL
    level = statistics.fmean(window)
    median = envelope.median
    if median <= 0:
        return 1.0 if level > 0 else NEUTRAL
    if level <= 0:
        return 0.0
    return min(1.0, max(0.0, NEUTRAL + 0.5 * math.log2(level / median)))


def pitch_spread(
    start: float, end: float, track: PitchTrack | None, sentences: Sequence[Sentence] = ()
) -> float | None:
    """Semitone spread of the voiced pitch in the window, or ``None`` when too little is voiced.
    Where the window's ``sentences`` are said by more than one voice, each voice is measured from
    its own median over its own sentences (``pooled_semitone_spread``): a guest who speaks lower
    than the host is a change of voice, not a voice that moves."""
    if track is None:
        return None
    if len({s.speaker for s in sentences}) < 2:
        voiced = track.voiced_between(start, end)
        return semitone_spread(voiced) if len(voiced) >= MIN_VOICED_FRAMES else None
    by_voice: dict[str | None, list[float]] = {}
    for s in sentences:
        by_voice.setdefault(s.speaker, []).extend(track.voiced_between(s.start, s.end))
    if sum(len(values) for values in by_voice.values()) < MIN_VOICED_FRAMES:
        return None
    return pooled_semitone_spread(list(by_voice.values()))


def pitch_variation(start: float, end: float, track: PitchTrack | None, sentences: Sequence[Sentence] = ()) -> float:
    """How much the voice moves: a monotone (about 1 semitone of spread) scores 0, expressive
    speech (4 semitones or more) scores 1; each voice by itself (``pitch_spread``)."""
    spread = pitch_spread(start, end, track, sentences)
    if spread is None:
        return NEUTRAL
    return min(1.0, max(0.0, (spread - FLAT_SEMITONES) / (LIVELY_SEMITONES - FLAT_SEMITONES)))


def faces(start: float, end: float, samples: Sequence[tuple[float, int]] | None) -> float:
    """How well the picture suits a vertical clip: the mean, over samples inside the window, of
    1 for one face, 0.8 for two, 0.5 for more and 0 for none. ``samples`` must be in time order
    (a video's worth is searched, not scanned, for each window)."""
    if samples is None:
        return NEUTRAL
    first = bisect.bisect_left(samples, start, key=_time)
    last = bisect.bisect_left(samples, end, lo=first, key=_time)
    if first == last:
        return NEUTRAL
    return statistics.fmean(FACE_VALUES.get(max(0, c), MANY_FACES_VALUE) for _, c in samples[first:last])


def scene_cuts(start: float, end: float, cuts: Sequence[float] | None) -> float:
    """How the window sits among the shots. A cut just after the start or just before the end
    flashes a shot for an instant (0.1). Otherwise 0.6, plus 0.2 for opening on a fresh shot and
    up to 0.2 for a lively pace of cuts inside. ``cuts`` must be ascending."""
    if cuts is None:
        return NEUTRAL
    duration = end - start
    if duration <= 0:
        return NEUTRAL
    flash = _open_count(cuts, start + CUT_SNAP_SECONDS, start + FLASH_SECONDS) or _open_count(
        cuts, end - FLASH_SECONDS, end - CUT_SNAP_SECONDS
    )
    if flash:
        return 0.1
    near_start = bisect.bisect_right(cuts, start + CUT_SNAP_SECONDS) - bisect.bisect_left(
        cuts, start - CUT_SNAP_SECONDS
    )
    opens_on_cut = near_start > 0
    inside = _open_count(cuts, start + CUT_SNAP_SECONDS, end - CUT_SNAP_SECONDS)
    pace = min(1.0, inside / (duration / 60.0) / LIVELY_CUTS_PER_MINUTE)
    return 0.6 + 0.2 * opens_on_cut + 0.2 * pace


def _time(sample: tuple[float, int]) -> float:
    return sample[0]


def _open_count(times: Sequence[float], low: float, high: float) -> int:
    """How many of the ascending ``times`` lie strictly between ``low`` and ``high``."""
    return max(0, bisect.bisect_left(times, high) - bisect.bisect_right(times, low))
