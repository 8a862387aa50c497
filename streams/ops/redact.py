"""Taking this machine's paths out of text a user will read.

A failure's reason is recorded on the video and announced (API answers, progress events,
webhooks); it often quotes an object's URI or a file (a reader's error, a storage error). What a
user may see of it is the file's name, never where this deployment keeps it: the data directory,
the storage root, the scratch and temporary folders, a ``file://`` or ``s3://`` URI.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

_URI = re.compile(r"\b(?:file|s3)://[^\s'\"<>)\],;]*")
_END = r"[^\s'\"<>)\],;]*"


class Redactor:
    """``redactor(text)``: ``text`` with every URI of stored objects and every path under one of
    ``roots`` replaced by its last part (``.../videos/v1/source.mp4`` becomes ``source.mp4``)."""

    def __init__(self, roots: Iterable[Path | str]) -> None:
        # the longest first, so a root inside another is not cut short by it
        given = [Path(r) for r in roots if str(r).strip("/")]
        names = sorted({str(p).rstrip("/") for r in given for p in (r, r.resolve())}, key=len, reverse=True)
        self.paths = re.compile("|".join(re.escape(n) + "(?:/" + _END + ")?" for n in names)) if names else None

    def __call__(self, text: str) -> str:
        text = _URI.sub(_last_part, text)
        return self.paths.sub(_last_part, text) if self.paths else text


def _last_part(match: re.Match) -> str:
    parts = [p for p in match.group(0).split("/") if p]
    return parts[-1] if len(parts) > 1 and "." in parts[-1] else "(a stored file)"


def for_settings(settings) -> Redactor:
    """The redactor of a process run with ``settings``: its data directory (the worker's scratch
    folder is inside it), its storage root (a directory) and the machine's temporary folder."""
    roots: list[Path | str] = [settings.data_dir, tempfile.gettempdir()]
    if settings.storage_url.startswith("file://"):
        roots.append(settings.storage_url[len("file://") :])
    return Redactor(roots)
