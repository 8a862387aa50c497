"""Speaker turns: who speaks over which stretch of a video, from labelled windows, and the
speaker of each word and sentence.

Every instant of speech takes the label of the window whose centre is nearest, among the windows
cut from that stretch of speech; consecutive instants of one speaker make a turn. A word belongs
to the speaker whose turns it overlaps most (the nearest turn within ``NEAR`` seconds when it
overlaps none: Whisper's word times and the voice activity detector do not agree to the
millisecond). Labels are ``S1``, ``S2``, ... in the order the speakers are first heard; the names
people give them are kept apart (``streams.speakers.names``). Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from streams.domain.words import Word

NEAR = 1.0  # seconds


@dataclass(frozen=True)
class Turn:
    start: float
    end: float
    speaker: str

    def as_json(self) -> dict:
        return {"start": self.start, "end": self.end, "speaker": self.speaker}


def label_of(index: int) -> str:
    return f"S{index + 1}"


def named(label: str | None, names: Mapping[str, str]) -> str | None:
    """What a reader calls the speaker ``label``: the name given to it, else ``Speaker N``."""
    if label is None:
        return None
    if label in names:
        return names[label]
    return f"Speaker {label[1:]}" if label[:1] == "S" and label[1:].isdigit() else label


def turns_of(
    speech: Sequence[tuple[float, float]], windows: Sequence[tuple[float, float]], labels: Sequence[int] | np.ndarray
) -> list[Turn]:
    """Turns over the ``speech`` stretches, each instant labelled like its nearest window (by
    centre) among those inside the stretch."""
    turns: list[Turn] = []
    for a, b in speech:
        inside = [(0.5 * (s + e), labels[i]) for i, (s, e) in enumerate(windows) if s >= a - 1e-6 and e <= b + 1e-6]
        if not inside:
            continue
        inside.sort()
        edges = [a] + [0.5 * (inside[i][0] + inside[i + 1][0]) for i in range(len(inside) - 1)] + [b]
        for k, (_, label) in enumerate(inside):
            start, end = edges[k], edges[k + 1]
            if end <= start:
                continue
            name = label_of(label)
            if turns and turns[-1].speaker == name and start - turns[-1].end < 1e-6:
                turns[-1] = Turn(turns[-1].start, round(end, 3), name)
            else:
                turns.append(Turn(round(start, 3), round(end, 3), name))
    return turns


def speaker_at(start: float, end: float, turns: Sequence[Turn]) -> str | None:
    """The speaker of ``[start, end]``: most overlap, else the nearest turn within ``NEAR``."""
    best, most = None, 0.0
    for turn in turns:
        overlap = min(end, turn.end) - max(start, turn.start)
        if overlap > most:
            best, most = turn.speaker, overlap
    if best is not None:
        return best
    gaps = [(max(turn.start - end, start - turn.end), turn.speaker) for turn in turns]
    near = [g for g in gaps if g[0] <= NEAR]
    return min(near)[1] if near else None


def speakers_of_words(words: Sequence[Word], turns: Sequence[Turn]) -> list[str | None]:
    """Each word's speaker (None where no turn is near). Turns are sorted by start."""
    out: list[str | None] = []
    k = 0
    for w in words:
        while k < len(turns) and turns[k].end < w.start - NEAR:
            k += 1
        out.append(speaker_at(w.start, w.end, turns[k : k + 8]))
    return out


def majority(speakers: Iterable[str | None], seconds: Iterable[float]) -> str | None:
    """The speaker who holds most of the time (words without one do not vote)."""
    held: dict[str, float] = {}
    for speaker, s in zip(speakers, seconds):
        if speaker is not None:
            held[speaker] = held.get(speaker, 0.0) + max(s, 1e-3)
    return max(held, key=lambda k: held[k]) if held else None


def talk_time(turns: Iterable[Turn]) -> dict[str, float]:
    """Seconds each speaker holds the floor."""
    held: dict[str, float] = {}
    for t in turns:
        held[t.speaker] = round(held.get(t.speaker, 0.0) + t.end - t.start, 3)
    return held
