"""The pipeline's names, written once for everything that reads or writes its topics (the API,
the worker's Faust binding ``streams.worker.topics``, the dead-letter tools, analytics): the topics, the
event type each carries (its JSON Schema in ``schemas/events``) and the stage that writes it, a
video's stages, and the stages that read the topics, each with its own dead-letter topic. Pure."""

from __future__ import annotations

UPLOADS = "uploads"
AUDIO_CHUNKS = "audio_chunks"
TRANSCRIPTS = "transcripts"
MOMENTS = "moments"
RENDERS = "renders"
EVENTS = "events"
RENDER_REQUESTS = "render_requests"
POST_STATS = "post_stats"

EVENT_TYPES = {
    UPLOADS: "upload_received",
    AUDIO_CHUNKS: "audio_chunk_ready",
    TRANSCRIPTS: "transcript_chunk_ready",
    MOMENTS: "moments_found",
    RENDERS: "clip_rendered",
    EVENTS: "lifecycle",
    RENDER_REQUESTS: "render_requested",
    POST_STATS: "post_stats_fetched",
}

# What writes each topic: the API, a stage, the publisher, or (lifecycle events) every stage.
PRODUCERS = {
    UPLOADS: "api",
    AUDIO_CHUNKS: "ingest",
    TRANSCRIPTS: "transcribe",
    MOMENTS: "moments",
    RENDERS: "render",
    EVENTS: "",
    RENDER_REQUESTS: "api",
    POST_STATS: "publish",
}

# A video's stages, in the order it goes through them.
VIDEO_STAGES = ("ingest", "transcribe", "moments", "render")

# Every stage that reads the topics: a video's, and the sinks (search index, webhooks). Each has its
# own dead-letter topic: a poison message is set aside by every one that reads it, and none stops.
CONSUMING_STAGES = (*VIDEO_STAGES, "search", "webhooks")

DEAD_LETTER_SUFFIX = ".dlq"


def dead_letter_topic(stage: str) -> str:
    """The topic where ``stage`` sets aside what it cannot use."""
    return f"{stage}{DEAD_LETTER_SUFFIX}"


def topic_names() -> tuple[str, ...]:
    """Every topic the pipeline writes: the event topics, then each consuming stage's dead letters
    (what ``clipstream migrate`` creates and readiness waits for)."""
    return (*EVENT_TYPES, *(dead_letter_topic(stage) for stage in CONSUMING_STAGES))
