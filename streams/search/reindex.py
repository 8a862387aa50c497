"""Rebuild the search index from the system of record (``clipstream search reindex``): after a
change of backend or of the document shape, or if the sink skipped writes during an outage."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Callable, Sequence

import asyncpg

from streams.adapters.catalog import Catalog
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.search import SearchIndex, SentenceDoc, sentence_docs
from streams.speakers.turns import Turn
from streams.speakers.video import turns_of_chunks, with_speakers
from streams.speakers.voices import StreamedTurns, Voices

FOLLOWED = 16  # videos whose speakers the search sink keeps from one chunk to the next


async def video_docs(
    catalog: Catalog, tenant_id: str, video_id: str, filename: str, complete: bool
) -> list[SentenceDoc]:
    """Every sentence document of the video's stored transcript, with the speakers of all its
    chunks (``complete``: the final pass's)."""
    chunks = await catalog.transcript_chunks(video_id)
    turns = await asyncio.to_thread(turns_of_chunks, chunks, complete)
    return [
        d
        for c in chunks
        for d in sentence_docs(
            tenant_id, video_id, filename, c.chunk_index, c.language, with_speakers(c.words, turns), c.languages
        )
    ]


async def index_video(
    catalog: Catalog,
    index: SearchIndex,
    tenant_id: str,
    video_id: str,
    filename: str,
    complete: bool,
    *,
    replace: bool = True,
) -> int:
    """Put the video's sentences in the index again from its stored transcript (after a person
    corrected its words, say), its old ones gone first (``replace``: a whole reindex has emptied
    the index already); how many documents it has now."""
    docs = await video_docs(catalog, tenant_id, video_id, filename, complete)
    if replace:
        await asyncio.to_thread(index.delete_video, tenant_id, video_id)
    return await asyncio.to_thread(index.upsert, docs)


class Following:
    """The speakers of the videos being indexed, kept from one chunk to the next (the least recently
    followed dropped first), so that each chunk's voices are read and labelled once. A chunk that
    does not follow the one kept (a restart, a redelivery) is labelled from every chunk up to it."""

    def __init__(self, size: int = FOLLOWED) -> None:
        self.size = size
        self._held: OrderedDict[str, tuple[int, StreamedTurns]] = OrderedDict()

    def take(self, video_id: str, index: int) -> StreamedTurns | None:
        """The turns of ``video_id``'s chunks up to the one before ``index``, if they are kept."""
        held = self._held.pop(video_id, None)
        return held[1] if held is not None and held[0] == index - 1 else None

    def keep(self, video_id: str, index: int, turns: StreamedTurns) -> None:
        self._held[video_id] = (index, turns)
        while len(self._held) > self.size:
            self._held.popitem(last=False)

    def forget(self, video_id: str) -> None:
        self._held.pop(video_id, None)


async def labelled_words(
    catalog: Catalog, video_id: str, chunk_index: int, words: Sequence[Word], following: Following | None = None
) -> list[Word]:
    """``words`` of chunk ``chunk_index`` with their speakers as the chunks up to it give them
    (streaming labels: what later chunks bring never changes them). With ``following``, only this
    chunk is read where the turns of those before it are kept there. Where the chunk is stored, its
    stored words are taken: they are the event's, unless a person corrected them since (a chunk
    delivered again), and then they are what search must find."""
    held = following.take(video_id, chunk_index) if following is not None else None
    first = 0 if held is None else chunk_index
    turns = held or StreamedTurns()
    chunks = await catalog.transcript_chunks(video_id, first, chunk_index)
    so_far = await asyncio.to_thread(_added, turns, chunks)
    if following is not None:
        following.keep(video_id, chunk_index, turns)
    stored = next((c.words for c in chunks if c.chunk_index == chunk_index), None)
    return with_speakers(words if stored is None else stored, so_far)


def _added(turns: StreamedTurns, chunks: Sequence[TranscriptChunk]) -> tuple[Turn, ...]:
    for chunk in chunks:
        if chunk.voices:
            turns.add(Voices.from_json(chunk.voices))
    return tuple(turns.turns)


async def reindex(
    pool: asyncpg.Pool, index: SearchIndex, video_id: str | None = None, say: Callable[[str], None] = lambda line: None
) -> tuple[int, int]:
    """Index every video's stored transcript again (or only ``video_id``'s); (videos, documents).
    A whole reindex first empties the index, so documents of videos deleted meanwhile go too."""
    catalog = Catalog(pool)
    if video_id is None:
        await asyncio.to_thread(index.clear)
        videos = await pool.fetch("SELECT video_id, tenant_id, filename FROM videos ORDER BY created_at")
    else:
        videos = await pool.fetch("SELECT video_id, tenant_id, filename FROM videos WHERE video_id = $1", video_id)
    documents = 0
    for v in videos:
        complete = await pool.fetchval(
            "SELECT status = 'completed' FROM video_stages WHERE video_id = $1 AND stage = 'transcribe'", v["video_id"]
        )
        written = await index_video(
            catalog, index, v["tenant_id"], v["video_id"], v["filename"], bool(complete), replace=video_id is not None
        )
        documents += written
        say(f"{v['video_id']}  {written:5d} sentences  {v['filename']}")
    return len(videos), documents
