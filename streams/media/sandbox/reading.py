"""Reading an upload in a sandboxed child: ``probe_media``, ``read_source`` and ``AudioChunks`` do
what ``probe.probe``, ``source.describe`` and ``chunking.iter_chunks`` do (``streams.media.sandbox``)."""

from __future__ import annotations

import inspect
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Generator

from streams.errors import (
    MediaLimitExceeded,
)
from streams.media.audio import SAMPLE_RATE
from streams.media.chunking import AudioChunk
from streams.media.probe import MediaInfo, MediaLimits, printable_name
from streams.media.sandbox import protocol as wire
from streams.media.sandbox.handle import Child, one_answer
from streams.media.sandbox.limits import SandboxLimits
from streams.media.source import SourceInfo

log = logging.getLogger("clipstream.sandbox")


def probe_media(
    path: Path,
    limits: MediaLimits = MediaLimits(),
    display_name: str | None = None,
    sandbox: SandboxLimits = SandboxLimits(),
) -> MediaInfo:
    """``probe.probe(path, limits, display_name)``, run in a confined child."""
    request = {"op": "probe", "limits": asdict(limits)}
    return _one_answer(path, display_name, request, sandbox, wire.info_from_payload)


def read_source(path: Path, display_name: str | None = None, sandbox: SandboxLimits = SandboxLimits()) -> SourceInfo:
    """``source.describe(path)`` (what the renderer needs of a source), run in a confined child."""
    return _one_answer(path, display_name, {"op": "source"}, sandbox, wire.source_from_payload)


def _one_answer(path: Path, display_name: str | None, request: dict, sandbox: SandboxLimits, parser):
    """The one ``I`` answer of a job that gives one, parsed, within a probe's wall clock."""
    name = printable_name(display_name or Path(path).name)
    return one_answer(path, name, request, sandbox, sandbox.probe_seconds, parser)


class AudioChunks:
    """``chunking.iter_chunks`` of a probed file, decoded in a confined child: iterate for
    ``AudioChunk``s (times counted here, from the samples), ``close()`` to stop the child early.

    Chunks cut before a failure have been yielded when the error is raised, as with
    ``iter_chunks``; a chunk with ``is_last`` means all the audio decoded. The decoded audio may not
    run past ``limits.max_duration_seconds`` (a file whose headers lie about its length)."""

    def __init__(
        self,
        path: Path,
        info: MediaInfo,
        *,
        chunk_min_seconds: float,
        chunk_max_seconds: float,
        limits: MediaLimits = MediaLimits(),
        display_name: str | None = None,
        sandbox: SandboxLimits = SandboxLimits(),
        sample_rate: int = SAMPLE_RATE,
    ) -> None:
        self.name = printable_name(display_name or Path(path).name)
        self.limits, self.sample_rate = limits, sample_rate
        request = {
            "op": "chunks",
            "info": asdict(info),
            "chunk_min_seconds": chunk_min_seconds,
            "chunk_max_seconds": chunk_max_seconds,
        }
        max_chunk = (round(chunk_max_seconds * sample_rate) + 1) * 4 + 1
        self._child = Child(path, self.name, request, sandbox, sandbox.decode_seconds(info.duration), max_chunk)
        self._chunks = self._iterate()

    @property
    def pid(self) -> int:
        """The child's process id (to watch it; it is reaped here)."""
        return self._child.proc.pid

    def __iter__(self) -> AudioChunks:
        return self

    def __next__(self) -> AudioChunk:
        return next(self._chunks)

    def close(self) -> None:
        """Stop the child. Safe from another thread while a ``next`` waits there: that ``next``
        then ends (with ``SandboxUnavailable``) and cleans up itself."""
        self._child.kill()
        if inspect.getgeneratorstate(self._chunks) != inspect.GEN_RUNNING:  # no next() inside it now
            self._chunks.close()
            self._child.cleanup()

    def __enter__(self) -> AudioChunks:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _iterate(self) -> Generator[AudioChunk, None, None]:
        child, index, samples = self._child, 0, 0
        with child:
            while True:
                kind, payload = child.next_frame()
                if kind == wire.DONE:
                    child.finish_after_done()
                    return
                if kind != wire.CHUNK:
                    raise child.unexpected(kind)
                chunk = child.parse(wire.chunk_from_payload, payload, index, samples, self.sample_rate)
                if chunk.end > self.limits.max_duration_seconds + 1.0:
                    raise MediaLimitExceeded(
                        f"{self.name} decodes to more than the longest we accept "
                        f"({self.limits.max_duration_seconds / 3600:g} h), whatever its "
                        "headers say"
                    )
                index, samples = index + 1, samples + chunk.pcm.size
                yield chunk
