"""Every topic, declared once. Messages are keyed by video id, so one video's events stay in
order on one partition. Each consuming stage has its own dead-letter topic.

Stages send typed records (the topics below) but read raw bytes (``INBOUND``): Faust decoding a
message into a record crashes the agent on bytes that are not JSON (and acks them, so they are
lost without a trace), restarts it seconds later, and lets wrong types or an unknown
``schema_version`` through. So every agent reads key and value as bytes and checks them with
``streams.domain.contracts.read``; what fails goes to the agent's dead-letter topic with the reason.
"""

from __future__ import annotations

from streams.domain import pipeline
from streams.worker.app import app
from streams.worker.records import (
    AudioChunkReady,
    ClipRendered,
    Lifecycle,
    MomentsFound,
    PostStatsFetched,
    RenderRequested,
    TranscriptChunkReady,
)

# Uploads arrive as raw bytes: outside producers write to this topic, so the ingest agent
# validates each message against the contract itself and dead-letters what does not parse.
uploads = app.topic(pipeline.UPLOADS, key_type=str, value_type=bytes, value_serializer="raw")
audio_chunks = app.topic(pipeline.AUDIO_CHUNKS, key_type=str, value_type=AudioChunkReady)
transcripts = app.topic(pipeline.TRANSCRIPTS, key_type=str, value_type=TranscriptChunkReady)
moments = app.topic(pipeline.MOMENTS, key_type=str, value_type=MomentsFound)
renders = app.topic(pipeline.RENDERS, key_type=str, value_type=ClipRendered)
events = app.topic(pipeline.EVENTS, key_type=str, value_type=Lifecycle)
render_requests = app.topic(pipeline.RENDER_REQUESTS, key_type=str, value_type=RenderRequested)
post_stats = app.topic(pipeline.POST_STATS, key_type=str, value_type=PostStatsFetched)


def _raw(name: str):
    return app.topic(name, key_type=bytes, key_serializer="raw", value_type=bytes, value_serializer="raw")


INBOUND = {name: _raw(name) for name in pipeline.EVENT_TYPES}

DEAD_LETTER = {stage: _raw(pipeline.dead_letter_topic(stage)) for stage in pipeline.CONSUMING_STAGES}

ALL = (
    uploads,
    audio_chunks,
    transcripts,
    moments,
    renders,
    events,
    render_requests,
    post_stats,
    *DEAD_LETTER.values(),
)


async def declare_all() -> None:
    """Create every topic the pipeline writes (Faust only creates the ones agents read)."""
    for topic in ALL:
        await topic.maybe_declare()
