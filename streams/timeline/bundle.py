"""A timeline packaged with what it references: one zip an editor's user unpacks and opens.

Layout (the timeline's media references are relative to its own folder, or absolute ``file://``
URLs under the folder the caller says it will unpack to)::

    <name><suffix>            the timeline (.otio, .xml, .fcpxml, .edl, .kdenlive)
    media/<source file>       the uploaded source, stored as is (it is compressed already)
    media/<stem>.cover.png    an audio-only source's cover art, when it has one
    captions/<clip_id>.srt    each clip's captions
    handoff/<clip_id>.json    each clip's hand-off (crop keyframes, caption timings: ours)

The zip is written as a stream (data descriptors, ZIP64), so a source of any size passes through
without being held in memory or spooled to disk.
"""

from __future__ import annotations

import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import BinaryIO, Callable, Protocol

from streams.errors import TimelineError

MEDIA_DIR = "media"
COPY_BUFFER = 1 << 20


@dataclass(frozen=True)
class Member:
    """A file of the bundle: its name inside the zip and how to open it for reading."""

    name: str
    open: Callable[[], BinaryIO]
    compress: bool = False


class ZipOut(Protocol):
    """Where a bundle is written: a binary file, or anything that takes writes like one (a pipe)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def safe_name(name: str, fallback: str = "source") -> str:
    """``name`` as a file name safe in any zip and file system (its last part, plain characters)."""
    last = PureWindowsPath(PurePosixPath(name).name).name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", last).strip("._")
    return cleaned[:120] or fallback


def media_url(file_name: str, root: str | None = None) -> str:
    """Where a timeline finds the bundled source: ``media/<file>`` beside it, or a ``file://``
    URL under ``root``, the absolute folder the bundle will be unpacked to."""
    if root is None:
        return f"{MEDIA_DIR}/{file_name}"
    for flavour in (PurePosixPath, PureWindowsPath):
        path = flavour(root)
        if path.is_absolute():
            return (path / MEDIA_DIR / file_name).as_uri()
    raise TimelineError(f"media_root must be an absolute folder, not {root!r}")


def unpack(archive: Path, out: Path) -> list[str]:
    """Unpack a bundle into ``out``; the names written, the timeline first. Raises TimelineError
    for a member that would land outside ``out``."""
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        for name in names:
            target = (out / name).resolve()
            if not target.is_relative_to(out.resolve()):
                raise TimelineError(f"the bundle's member {name!r} would be written outside {out}")
        zf.extractall(out)
    return names


def write_bundle(out: ZipOut, timeline_name: str, timeline_text: str, members: list[Member]) -> None:
    """Write the zip to ``out`` (which may be a pipe: nothing is sought)."""
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            zipfile.ZipInfo(timeline_name, date_time=(2020, 1, 1, 0, 0, 0)),
            timeline_text.encode("utf-8"),
            compress_type=zipfile.ZIP_DEFLATED,
        )
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if member.compress else zipfile.ZIP_STORED
            with member.open() as source, zf.open(info, "w", force_zip64=True) as target:
                shutil.copyfileobj(source, target, COPY_BUFFER)
