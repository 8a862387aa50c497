"""Words and evidence from the transcript chunks stored in PostgreSQL (``Catalog.transcript_chunks``),
joined into one series for the video: what the moments agent scores while streaming, and what
the API scores a clip a person chose with. Pure: ``TranscriptChunk``s in, values out."""

from __future__ import annotations

from typing import Sequence

from streams.asr.languages import SpokenLanguages
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.moments.conversation import Conversation
from streams.moments.editorial import EditorialMap
from streams.moments.evidence import EnergyEnvelope, Evidence
from streams.moments.pauses import Pauses
from streams.moments.topics import TopicMap
from streams.prosody.loudness import ENVELOPE_HOP_SECONDS
from streams.prosody.pitch import HOP_SECONDS as PITCH_HOP_SECONDS
from streams.prosody.pitch import PitchTrack


def words_of(chunks: Sequence[TranscriptChunk]) -> list[Word]:
    return [w for c in chunks for w in c.words]


def joined(chunks: Sequence[TranscriptChunk], key: str, hop_seconds: float) -> tuple[int, list[float]]:
    """The chunks' per-hop series ``key`` joined into one, each placed by its chunk's start (a gap
    before a chunk is filled with zeros, an overlap taken from the later chunk): ``(offset,
    values)``, ``values[0]`` being hop ``offset`` of the video, where the first chunk starts."""
    offset = int(round(chunks[0].start_s / hop_seconds)) if chunks else 0
    values: list[float] = []
    for c in chunks:
        first = int(round(c.start_s / hop_seconds)) - offset
        values.extend([0.0] * max(0, first - len(values)))
        del values[first:]
        values.extend(getattr(c, key))
    return offset, values


def envelope_of(chunks: Sequence[TranscriptChunk]) -> EnergyEnvelope:
    """One RMS envelope from the chunks' envelopes, from where the first chunk starts."""
    offset, values = joined(chunks, "energy", ENVELOPE_HOP_SECONDS)
    return EnergyEnvelope(hop_seconds=ENVELOPE_HOP_SECONDS, values=tuple(values), offset=offset)


def pitch_of(chunks: Sequence[TranscriptChunk]) -> PitchTrack | None:
    """One pitch track from the chunks' tracks, from where the first chunk starts; None when no
    chunk has one (stored before pitch was measured)."""
    if not any(c.pitch for c in chunks):
        return None
    offset, f0 = joined(chunks, "pitch", PITCH_HOP_SECONDS)
    return PitchTrack(hop_seconds=PITCH_HOP_SECONDS, f0=tuple(f0), offset=offset)


def faces_of(chunks: Sequence[TranscriptChunk]) -> list[tuple[float, int]] | None:
    """The ``(seconds, faces on screen)`` samples of every chunk whose picture was looked at; None
    when none was (an audio-only upload)."""
    if all(c.faces is None for c in chunks):
        return None
    return [(float(t), int(n)) for c in chunks for t, n in (c.faces or ())]


def cuts_of(chunks: Sequence[TranscriptChunk]) -> list[float] | None:
    """The scene cuts of the chunks; None unless every chunk's picture was looked at, since a
    chunk not looked at would read as one long shot."""
    if not chunks or any(c.cuts is None for c in chunks):
        return None
    return sorted(float(t) for c in chunks for t in c.cuts or ())


def evidence_of(
    chunks: Sequence[TranscriptChunk],
    topics: TopicMap | None = None,
    editorial: EditorialMap | None = None,
    pauses: Pauses | None = None,
    conversation: Conversation | None = None,
) -> Evidence:
    """Everything measured on the chunks (loudness, pitch, faces, cuts, the languages spoken), with
    what was found in their words (``topics``, ``editorial``, ``pauses``, ``conversation``), as one
    ``Evidence``."""
    return Evidence(
        envelope=envelope_of(chunks),
        pitch=pitch_of(chunks),
        faces=faces_of(chunks),
        cuts=cuts_of(chunks),
        topics=topics,
        editorial=editorial,
        pauses=pauses,
        languages=SpokenLanguages.of(chunks),
        conversation=conversation,
    )
