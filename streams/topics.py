"""Every topic, declared once. Messages are keyed by video id, so one video's events stay in
order on one partition. Each consuming stage has its own dead-letter topic."""

from __future__ import annotations

from streams.app import app
from streams.records import (
    AudioChunkReady,
    ClipRendered,
    Lifecycle,
    MomentsFound,
    RenderRequested,
    TranscriptChunkReady,
)

# Uploads arrive as raw bytes: outside producers write to this topic, so the ingest agent
# validates each message against the contract itself and dead-letters what does not parse.
uploads = app.topic("uploads", key_type=str, value_type=bytes, value_serializer="raw")
audio_chunks = app.topic("audio_chunks", key_type=str, value_type=AudioChunkReady)
transcripts = app.topic("transcripts", key_type=str, value_type=TranscriptChunkReady)
moments = app.topic("moments", key_type=str, value_type=MomentsFound)
renders = app.topic("renders", key_type=str, value_type=ClipRendered)
events = app.topic("events", key_type=str, value_type=Lifecycle)
render_requests = app.topic("render_requests", key_type=str, value_type=RenderRequested)

DEAD_LETTER = {
    stage: app.topic(f"{stage}.dlq", key_type=str, value_type=bytes, value_serializer="raw")
    for stage in ("ingest", "transcribe", "moments", "render")
}

ALL = (uploads, audio_chunks, transcripts, moments, renders, events, render_requests, *DEAD_LETTER.values())


async def declare_all() -> None:
    """Create every topic the pipeline writes (Faust only creates the ones agents read)."""
    for topic in ALL:
        await topic.maybe_declare()
