"""Moments: find the stretches of a transcript worth cutting into short clips.

Pure logic, no I/O: ``sentences`` groups Whisper words into sentences, ``topics`` finds where the
talk changes subject, ``editorial`` how much a stretch reads like what editors clip, ``pauses``
where the speaker breaks, ``signals`` (words) and ``evidence`` (audio, picture) measure what makes
talk work as a short clip, ``windows`` cuts candidate windows of whole sentences, ``scoring``
scores them and ``reasons`` says why in the talk's language, ``selection``
picks the best ones, also while the transcript is still streaming, and ``streaming`` carries all
of it from one transcript chunk to the next, so a chunk's work does not grow with the video.
"""

from streams.moments.evidence import EnergyEnvelope, Evidence
from streams.moments.lengths import LENGTH_PRESETS, LengthRange, length_range
from streams.moments.scoring import WEIGHTS, ScoredMoment, as_moment, moment_id, score_window
from streams.moments.selection import StreamingSelector, collides, final_ranking, select
from streams.moments.sentences import Sentence, build_sentences
from streams.moments.topics import TopicMap
from streams.moments.windows import Window, candidate_windows

__all__ = [
    "LENGTH_PRESETS",
    "WEIGHTS",
    "EnergyEnvelope",
    "Evidence",
    "LengthRange",
    "ScoredMoment",
    "Sentence",
    "StreamingSelector",
    "TopicMap",
    "Window",
    "as_moment",
    "build_sentences",
    "candidate_windows",
    "collides",
    "final_ranking",
    "length_range",
    "moment_id",
    "score_window",
    "select",
]
