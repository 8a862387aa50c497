"""The media sandbox's child process: ``python -I -m streams.media.sandbox.entry``, started by
``streams.media.sandbox`` for one job (probe a file, or decode its audio into chunks).

It reads one JSON request on stdin, confines itself (``streams.media.sandbox.confine``: no network, its
limits, then nothing but the upload may be opened), announces which confinements held, and only
then lets FFmpeg near the file. Results and typed errors go to stdout as frames
(``streams.media.sandbox.protocol``); FFmpeg's and Python's own messages go to stderr.

Request: ``{"op", "path", "display_name", "memory_bytes", "cpu_seconds"}`` plus, by ``op``:

- ``probe``: ``"limits"`` (``MediaLimits`` fields); answers ``I`` (``MediaInfo``);
- ``chunks``: ``"info"`` (``MediaInfo`` fields), ``"chunk_min_seconds"``, ``"chunk_max_seconds"``;
  answers ``C`` frames;
- ``source``: nothing more; answers ``I`` (``SourceInfo``);
- ``look``: ``"start"``, ``"end"``, ``"options"`` (``GlanceOptions`` fields), ``"loudness"``
  (``[start, end, hop]`` or None); answers ``I`` (geometry), ``P`` frames, ``I`` (cuts and loudness).
"""

from __future__ import annotations

import json
import os
import signal
import sys

from streams.media.sandbox import confine

MAX_REQUEST = 1 << 20


def main() -> int:
    # A signal ends the reader as the signal, never as an exception: Python turns SIGINT into
    # KeyboardInterrupt, which an FFmpeg callback or a finalizer can swallow ("Exception ignored
    # in ..."), and the reader would go on and report success. The worker reads a child ended by a
    # signal while it stops as retriable (``handle.Child._failure``); that needs the signal.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    confine.die_with_parent()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray write to stdout (a print, a library) lands in stderr, never inside a frame
    request = json.loads(sys.stdin.buffer.read(MAX_REQUEST))
    network = confine.leave_network()  # first: it needs the process to have one thread
    confine.limit_resources(int(request["memory_bytes"]), int(request["cpu_seconds"]))
    confine.start_no_programs()  # before any library that might try one is imported

    # Everything the work needs is imported now: once the files are closed, no module can load.
    import traceback

    from streams.errors import MediaError, MediaUnreadable
    from streams.media.probe import out_of_memory, printable_name
    from streams.media.sandbox import protocol as wire

    op = request["op"]
    work = OPS[op]
    _preload(op)
    path, name = request["path"], printable_name(request["display_name"])
    files = confine.restrict_files(path)
    capabilities = "dropped" if confine.drop_capabilities() else "kept"

    def send(kind: bytes, *parts) -> None:
        for part in wire.frame_parts(kind, *parts):
            out.write(part)
        out.flush()

    send(wire.READY, json.dumps({"network": network, "files": files, "capabilities": capabilities}).encode())
    try:
        work(request, path, name, send)
        send(wire.DONE)
    except (MemoryError, MediaError) as exc:
        if isinstance(exc, MemoryError) or isinstance(exc.__cause__, MemoryError):
            exc = out_of_memory(name)
        send(wire.ERROR, wire.error_payload(exc))
    except Exception:  # a reader bug this file found: its job fails, the worker logs the traceback
        traceback.print_exc()
        send(
            wire.ERROR, wire.error_payload(MediaUnreadable(f"{name} could not be read: the media reader failed on it"))
        )
    return 0


def _probe(request: dict, path: str, name: str, send) -> None:
    from streams.media.probe import MediaLimits, probe
    from streams.media.sandbox import protocol as wire

    send(wire.INFO, wire.info_payload(probe(path, MediaLimits(**request["limits"]), display_name=name)))


def _chunks(request: dict, path: str, name: str, send) -> None:
    from streams.media.chunking import Chunker, iter_chunks
    from streams.media.probe import MediaInfo
    from streams.media.sandbox import protocol as wire

    chunker = Chunker(min_seconds=request["chunk_min_seconds"], max_seconds=request["chunk_max_seconds"])
    for chunk in iter_chunks(path, MediaInfo(**request["info"]), chunker, display_name=name):
        send(wire.CHUNK, wire.chunk_payload(chunk.pcm, chunk.is_last))


def _source(request: dict, path: str, name: str, send) -> None:
    from pathlib import Path

    from streams.media.sandbox import protocol as wire
    from streams.media.source import describe

    send(wire.INFO, wire.source_payload(describe(Path(path), display_name=name)))


def _look(request: dict, path: str, name: str, send) -> None:
    """``onscreen.Glance`` of the stretch, each picture sent as it is due, then the cuts, how much
    of the picture changed and (if asked for) the loudness of the same stretch."""
    from streams.errors import NoAudio
    from streams.media.onscreen import Glance, GlanceOptions
    from streams.media.reframe.sampling import read_loudness
    from streams.media.sandbox import protocol as wire

    start, end = float(request["start"]), float(request["end"])
    with Glance(path, start, end, GlanceOptions.from_json(request["options"])) as glance:
        send(
            wire.INFO,
            wire.geometry_payload(glance.width, glance.height, glance.fps, glance.detect_size, glance.full_size),
        )
        while batch := glance.next_batch():
            for picture in batch:
                send(wire.PICTURE, *wire.picture_parts(picture.t, picture.small, picture.full))
        cuts, change = glance.cut_times(), glance.change.share
    loudness = None
    if request.get("loudness"):
        first, last, hop = (float(v) for v in request["loudness"])
        try:
            loudness = read_loudness(path, first, last, hop)
        except NoAudio:
            pass
    send(wire.INFO, wire.result_payload(cuts, loudness, change))


OPS = {"probe": _probe, "chunks": _chunks, "source": _source, "look": _look}
# What each job needs that is not imported by the time it runs (lazily loaded by the libraries).
_LOOK_MODULES = (
    "cv2",
    "scenedetect",
    "scenedetect.common",
    "scenedetect.detectors",
    "streams.errors",
    "streams.media.onscreen",
    "streams.media.reframe.sampling",
    "PIL.Image",
)


def _preload(op: str) -> None:
    """Import what would otherwise load lazily while reading (PyAV imports a stream kind's module
    when it first meets that kind; messages escape names with the ``unicode_escape`` codec;
    OpenCV and PySceneDetect load parts on first use)."""
    import encodings.unicode_escape  # noqa: F401
    import importlib
    import pkgutil

    import av

    for module in pkgutil.walk_packages(av.__path__, "av."):
        if module.name not in ("av.__main__", "av.datasets"):
            importlib.import_module(module.name)
    modules = {
        "probe": ("streams.media.probe",),
        "chunks": ("streams.media.chunking", "streams.media.probe"),
        "source": ("streams.media.source",),
        "look": _LOOK_MODULES,
    }[op]
    for name in modules:
        importlib.import_module(name)


if __name__ == "__main__":
    sys.exit(main())
