"""Rebuild the search index from the system of record (``clipstream search reindex``): after a
change of backend or of the document shape, or if the sink skipped writes during an outage."""

from __future__ import annotations

import asyncio
from typing import Callable

import asyncpg

from streams.adapters.catalog import Catalog
from streams.search import SearchIndex, sentence_docs


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
        docs = [
            d
            for c in await catalog.transcript_chunks(v["video_id"])
            for d in sentence_docs(
                v["tenant_id"], v["video_id"], v["filename"], c.chunk_index, c.language, c.words, c.languages
            )
        ]
        documents += await asyncio.to_thread(index.upsert, docs)
        say(f"{v['video_id']}  {len(docs):5d} sentences  {v['filename']}")
    return len(videos), documents
