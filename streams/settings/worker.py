"""The worker's settings: which agents it runs, where its web server listens, how a stage retries
and dead-letters, how it stops, how fast it may transcribe, and what waits for a first clip."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkerSettings:
    """Attributes:
    worker_port: the Faust worker's web port (health and metrics).
    worker_host: the address the worker's web server binds (0.0.0.0 in containers, so the health
        probe and the metrics scraper can reach it).
    agents: comma-separated agent groups this worker runs (ingest, transcribe, moments, render,
        webhooks, analytics, search); empty runs them all. Each group scales on its own this way.
    stage_attempts / stage_retry_seconds: a stage's retry budget for one message's transient
        failure (Triton, storage or the database unavailable): tries in all, and the time from the
        first try within which another may start; whichever runs out first dead-letters the
        message and fails its video with the reason (``streams.worker.retry``).
    stage_retry_backoff_seconds / stage_retry_max_backoff_seconds: the pause before the second
        try (doubled after each, up to the max; each drawn between half and all of that).
    stage_retry_budgets: per-stage overrides, ``stage=attempts/seconds`` pairs separated by
        commas, e.g. ``transcribe=12/600,render=4/120``.
    max_event_bytes: the largest message a stage reads; a bigger one is dead-lettered
        (``event_too_large``) with its first 64 KiB. Keep it under the producer's request limit
        (1,000,000 bytes) so every message a stage accepts also fits on its dead-letter topic.
    worker_stop_grace_seconds: how long a worker asked to stop (SIGTERM or SIGINT) lets the
        messages in hand finish after it stops taking new ones; what is still running then is
        abandoned uncommitted, for the next owner of its partition. Keep the orchestrator's stop
        timeout (Kubernetes' ``terminationGracePeriodSeconds``, compose's ``stop_grace_period``)
        above it, with room for the worker to leave its consumer groups.
    transcribe_max_speed: the fastest transcription runs, in seconds of audio per wall-clock
        second (0: as fast as the model goes). A chunk transcribed faster is held back until its
        share of time has passed. For demonstrations and tests of streaming (results of the early
        chunks must come out while later ones are still being transcribed), and for sharing one
        inference server politely with other work.
    first_clip_hold_seconds: how long after the video's render stage starts its chunks may wait to
        be transcribed while its first clip renders (0: never). Where the renders and transcription
        share the machine's cores (one host), the first clip then renders about as fast as a clip
        rendered alone; set 0 where the render agents run on machines of their own.
    moment_judge: whether the clip judge (a language model on Triton, ``streams.judge``) titles,
        explains and scores each clip the moments stage announces; off, the default until it has
        been run through the whole pipeline suite and the time benchmark (issue 17), ranks and
        titles by rules alone.
    """

    worker_port: int = 18066
    worker_host: str = "127.0.0.1"
    agents: str = ""
    stage_attempts: int = 8
    stage_retry_seconds: float = 300.0
    stage_retry_backoff_seconds: float = 1.0
    stage_retry_max_backoff_seconds: float = 60.0
    stage_retry_budgets: str = ""
    max_event_bytes: int = 512 * 1024
    worker_stop_grace_seconds: float = 20.0
    transcribe_max_speed: float = 0.0
    first_clip_hold_seconds: float = 120.0
    moment_judge: bool = False
