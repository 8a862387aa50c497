"""Rebuild the search index from the system of record (``clipstream search reindex``): after a
change of backend or of the document shape, or if the sink skipped writes during an outage."""

from __future__ import annotations

import asyncio
from typing import Callable, Sequence

import asyncpg

from streams.adapters.catalog import Catalog
from streams.domain.words import Word
from streams.search import SearchIndex, SentenceDoc, sentence_docs
from streams.speakers.video import turns_of_chunks, with_speakers


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


async def labelled_words(catalog: Catalog, video_id: str, chunk_index: int, words: Sequence[Word]) -> list[Word]:
    """``words`` of chunk ``chunk_index`` with their speakers as the chunks up to it give them
    (streaming labels: what later chunks bring never changes them)."""
    chunks = await catalog.transcript_chunks(video_id, 0, chunk_index)
    turns = await asyncio.to_thread(turns_of_chunks, chunks, False)
    return with_speakers(words, turns)


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
        if video_id is not None:  # a whole reindex emptied the index already
            await asyncio.to_thread(index.delete_video, v["tenant_id"], v["video_id"])
        complete = await pool.fetchval(
            "SELECT status = 'completed' FROM video_stages WHERE video_id = $1 AND stage = 'transcribe'", v["video_id"]
        )
        docs = await video_docs(catalog, v["tenant_id"], v["video_id"], v["filename"], bool(complete))
        documents += await asyncio.to_thread(index.upsert, docs)
        say(f"{v['video_id']}  {len(docs):5d} sentences  {v['filename']}")
    return len(videos), documents
