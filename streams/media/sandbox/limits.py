"""What one sandboxed child reading an upload may use (``SandboxLimits``)."""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024**2


@dataclass(frozen=True)
class SandboxLimits:
    """What one child reading an upload may use.

    Attributes:
        memory_bytes: address space (``RLIMIT_AS``) of the child.
        probe_seconds: wall-clock and CPU seconds for a probe, and the fixed part of a decode's.
        decode_speed: the slowest audio decode allowed, in seconds of media per second; a decode of a
            ``d``-second file may take ``probe_seconds + d / decode_speed`` seconds (``decode_seconds``),
            counted while the worker waits for the child (not while the child waits for the worker).
        video_decode_speed: the same for looking at a stretch of picture (every frame decoded,
            some converted for the models; ``video_seconds``).
    """

    memory_bytes: int = 2048 * MIB
    probe_seconds: float = 60.0
    decode_speed: float = 10.0
    video_decode_speed: float = 1.0

    @classmethod
    def from_settings(cls, settings) -> SandboxLimits:
        return cls(
            memory_bytes=settings.media_sandbox_memory_mb * MIB,
            probe_seconds=settings.media_sandbox_probe_seconds,
            decode_speed=settings.media_sandbox_decode_speed,
            video_decode_speed=settings.media_sandbox_video_decode_speed,
        )

    def decode_seconds(self, duration: float) -> float:
        return self.probe_seconds + duration / self.decode_speed

    def video_seconds(self, duration: float) -> float:
        return self.probe_seconds + duration / self.video_decode_speed
