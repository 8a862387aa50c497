"""What an upload may be and how its media is handled: the size and length limits, the sandbox
every parse runs in, audio chunking, the picture glance and the render's encoder."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaSettings:
    """Attributes:
    max_upload_bytes / max_duration_seconds: the largest and longest upload accepted.
    media_sandbox_memory_mb / media_sandbox_probe_seconds / media_sandbox_decode_speed /
    media_sandbox_video_decode_speed: uploads are only ever parsed in a confined child process
        (``streams.media.sandbox``: ingest's probe and audio decode, the picture looks of
        transcribe and reframing, the renderer's probe) with this much address space, this many
        wall-clock seconds for a probe, ``probe_seconds + duration / decode_speed`` seconds to
        decode the audio and ``probe_seconds + duration / video_decode_speed`` to look at a
        stretch of picture (CPU time: one second more per decoder thread, so a reader stuck on
        one core is stopped by the clock); a file that crashes the child or needs more fails its
        video (``media_unreadable``, ``media_timeout``), never the worker.
    chunk_min_seconds / chunk_max_seconds: audio chunk lengths (cut at the quietest point between).
    glance_fps: frames a second of each chunk's picture sent to the face detector for the moments'
        faces signal (scene cuts are found in the same decode); 0 leaves the picture out of the
        scores (faces and scene cuts neutral) and saves that decode.
    diarize: find who speaks (the Triton model ``speaker_encoder`` on each chunk's audio, beside
        Whisper); off, transcripts, captions and search carry no speakers.
    render_preset / render_crf: libx264 speed/quality for clips (``veryfast``/21 by default).
    """

    max_upload_bytes: int = 8 * 1024**3
    max_duration_seconds: float = 4 * 3600.0
    media_sandbox_memory_mb: int = 2048
    media_sandbox_probe_seconds: float = 60.0
    media_sandbox_decode_speed: float = 10.0
    media_sandbox_video_decode_speed: float = 1.0
    chunk_min_seconds: float = 60.0
    chunk_max_seconds: float = 120.0
    glance_fps: float = 1.0
    diarize: bool = True
    render_preset: str = "veryfast"
    render_crf: int = 21
