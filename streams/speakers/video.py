"""A video's speakers as its readers see them: turns worked out from the stored chunks' voices,
words and sentences given their speaker, labels shown under the names people gave them.
What the API, the renderer and search use, so they all agree.

Working the turns out again costs a clustering pass over the video's windows (about a second
for an hour), so the last few answers are kept, keyed by the chunks' event ids (a chunk's voices
never change once stored) and whether the video is complete. Pure apart from that cache.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from streams.domain.transcript import TranscriptChunk
from streams.domain.video import Video
from streams.domain.words import Word
from streams.speakers.clustering import ClusterOptions
from streams.speakers.turns import Turn, named, speakers_of_words, talk_time
from streams.speakers.voices import Voices, speaker_turns

_CACHE: OrderedDict[tuple, tuple[Turn, ...]] = OrderedDict()
_CACHE_SIZE = 16
_LOCK = threading.Lock()


def turns_of_chunks(
    chunks: Sequence[TranscriptChunk], complete: bool, options: ClusterOptions = ClusterOptions()
) -> tuple[Turn, ...]:
    """The speaker turns of a video from its stored chunks (in order); empty when none was diarized."""
    diarized = [c for c in chunks if c.voices is not None]
    if not diarized:
        return ()
    key = (tuple(c.event_id or c.chunk_index for c in diarized), complete, options)
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    turns = tuple(speaker_turns([Voices.from_json(c.voices) for c in diarized if c.voices], complete, options))
    with _LOCK:
        _CACHE[key] = turns
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return turns


class Names(Protocol):
    async def speaker_names(self, video_id: str) -> dict[str, str]: ...


def transcribed(video: Video) -> bool:
    """Whether every chunk of the video is transcribed (its speakers can then be final)."""
    stage = video.stage("transcribe")
    return stage is not None and stage.status == "completed"


async def speakers_of_video(
    catalog: Names, video: Video, chunks: Sequence[TranscriptChunk]
) -> tuple[tuple[Turn, ...], dict[str, str]]:
    """The video's speaker turns (final once it is transcribed; worked out in a thread) and the
    names given to them."""
    turns = await asyncio.to_thread(turns_of_chunks, chunks, transcribed(video))
    return turns, (await catalog.speaker_names(video.video_id) if turns else {})


def label_for(speaker: str, names: Mapping[str, str]) -> str:
    """The label a reader means by ``speaker``: a label itself (``S2``), ``Speaker 2``, or a name
    given to one (any case); otherwise ``speaker`` unchanged (which then matches nothing)."""
    wanted = " ".join(speaker.split()).casefold()
    for label, name in names.items():
        if name.casefold() == wanted:
            return label
    if wanted.startswith("speaker ") and wanted[8:].isdigit():
        return f"S{wanted[8:]}"
    return speaker.strip().upper() if speaker.strip()[1:].isdigit() else speaker


def with_speakers(words: Sequence[Word], turns: Sequence[Turn]) -> list[Word]:
    """``words`` each with the label of its speaker (unchanged where no turn is near)."""
    if not turns:
        return list(words)
    return [replace(w, speaker=s) for w, s in zip(words, speakers_of_words(words, turns))]


@dataclass(frozen=True)
class Speaker:
    """One of a video's speakers: ``label`` as found (S1...), ``name`` as shown, seconds talked and
    when first heard."""

    label: str
    name: str
    talk_seconds: float
    first_heard: float

    def as_json(self) -> dict:
        return {
            "speaker": self.label,
            "name": self.name,
            "talk_seconds": self.talk_seconds,
            "first_heard": self.first_heard,
        }


def speakers_of(turns: Sequence[Turn], names: Mapping[str, str]) -> list[Speaker]:
    """The speakers in the order they are first heard."""
    held = talk_time(turns)
    first: dict[str, float] = {}
    for t in turns:
        first.setdefault(t.speaker, t.start)
    return [Speaker(k, named(k, names) or k, held[k], first[k]) for k in sorted(first, key=lambda k: first[k])]
