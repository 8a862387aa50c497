"""Moments: find the stretches of a transcript worth cutting into short clips.

Pure logic, no I/O: ``sentences`` groups Whisper words into sentences, ``signals`` measures what
makes talk work as a short clip, ``scoring`` scores candidate windows of whole sentences, and
``selection`` picks the best non-overlapping ones, also while the transcript is still streaming.
"""

from streams.moments.scoring import (
    WEIGHTS,
    ScoredMoment,
    Window,
    candidate_windows,
    moment_id,
    score_window,
)
from streams.moments.selection import StreamingSelector, final_ranking, select
from streams.moments.sentences import Sentence, build_sentences
from streams.moments.signals import EnergyEnvelope

__all__ = [
    "WEIGHTS",
    "EnergyEnvelope",
    "ScoredMoment",
    "Sentence",
    "StreamingSelector",
    "Window",
    "build_sentences",
    "candidate_windows",
    "final_ranking",
    "moment_id",
    "score_window",
    "select",
]
