"""Search sink: each transcript chunk (``transcripts``) becomes sentence documents in the search
index (Meilisearch, or the embedded SQLite FTS5 index), so a long video is searchable while it is
still being transcribed.

Chunks are taken in batches (up to ``BATCH`` or ``WITHIN`` seconds) and written in one call; a
message that breaks its contract is set aside on ``search.dlq`` with the reason, never indexed.
Document ids follow from the video, chunk and sentence, so a redelivered chunk replaces its
documents. Sentences carry their speaker's label as the chunks so far give it (labels never change
while streaming); the last chunk indexes the whole video again with the final pass's labels. A
chunk of a video that no longer exists (deleted meanwhile) is not indexed. The index
never fails a video: a write that still fails after a few tries is logged and skipped
(``clipstream search reindex`` rebuilds the index from PostgreSQL).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from functools import partial

from streams.domain.words import words_from_json
from streams.search import SearchIndex, open_index, sentence_docs
from streams.search.reindex import Following, labelled_words, video_docs
from streams.worker import topics
from streams.worker.app import app
from streams.worker.messages import checked, handle_batch, origin_of, with_retries
from streams.worker.resources import runtime

log = logging.getLogger("clipstream")

STAGE = "search"
BATCH = 64
WITHIN = 1.0
TRIES = 4
_index: SearchIndex | None = None


async def search_index() -> SearchIndex:
    global _index
    if _index is None:
        rt = await runtime()
        _index = await asyncio.to_thread(open_index, rt.settings)
    return _index


@app.agent(topics.INBOUND["transcripts"])
async def index_transcripts(stream):
    async def index(origins: list) -> None:
        chunks = []
        for origin in origins:
            chunk = await checked(STAGE, "transcript_chunk_ready", origin, fails_video=False)
            if chunk is not None:
                chunks.append(chunk)
        try:
            await index_chunks(chunks)
        except Exception:  # the catalog unreachable: logged; `clipstream search reindex` repairs it
            log.exception("search: %d transcript chunks not indexed", len(chunks))

    async for batch in stream.take_events(BATCH, within=WITHIN):
        origins = [origin_of(event) for event in batch]
        taken = [weakref.ref(event.message) for event in batch]
        del batch  # no reference to the events kept while working (see runtime.consume)
        await handle_batch(STAGE, taken, partial(index, origins))


_FOLLOWING = Following()  # this worker's: the speakers of the videos it is indexing, chunk by chunk


async def index_chunks(chunks: list[dict]) -> int:
    """Index these ``transcript_chunk_ready`` payloads; the number of documents written."""
    rt = await runtime()
    docs = []
    refresh: set[tuple[str, str]] = set()  # videos indexed again whole: their old sentences go first
    names: dict[str, str | None] = {}
    for chunk in chunks:
        video_id = chunk["video_id"]
        if video_id not in names:
            video = await rt.catalog.video(video_id)
            names[video_id] = None if video is None else video.filename
        filename = names[video_id]
        if filename is None:
            continue
        if chunk.get("is_last") and rt.settings.diarize:
            # the final pass may relabel earlier chunks' speakers: index the whole video again
            docs += await video_docs(rt.catalog, chunk["tenant_id"], video_id, filename, complete=True)
            refresh.add((chunk["tenant_id"], video_id))
            _FOLLOWING.forget(video_id)
            continue
        words = await labelled_words(
            rt.catalog, video_id, chunk["chunk_index"], words_from_json(chunk["words"]), _FOLLOWING
        )
        docs += sentence_docs(
            chunk["tenant_id"],
            video_id,
            filename,
            chunk["chunk_index"],
            chunk["language"],
            words,
            chunk.get("languages") or (),
        )
    if not docs:
        return 0
    index = await search_index()

    def write() -> int:
        for tenant_id, video_id in refresh:
            index.delete_video(tenant_id, video_id)
        return index.upsert(docs)

    try:
        return await with_retries(lambda: asyncio.to_thread(write), TRIES)
    except Exception as exc:  # an outage that outlasted the tries: logged, the stream goes on
        log.error(
            "search: %d sentences of %s not indexed: %s: %s",
            len(docs),
            ", ".join(sorted(names)),
            type(exc).__name__,
            exc,
        )
        return 0
