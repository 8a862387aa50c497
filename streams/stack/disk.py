"""How much of the disk under the stack's data MinIO will still write to.

MinIO (single drive) refuses an object, answering 507 Insufficient Storage, when writing it would
leave less than 1 % of the drive's size free (its ``diskFillFraction``, 0.99): on a 250 GB disk,
the last 2.5 GB are never usable, however small the upload. ``python -m streams.stack.disk PATH``
prints what is free and what of it MinIO will use, and warns when that is less than a test run
stores, so a run that fails for want of disk says so in its log.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

MINIO_FILL_FRACTION = 0.99  # MinIO's diskFillFraction: the share of a drive it fills at most
# What the full test run stores at its peak, with room to spare: the largest upload
# (tests/pipeline/test_upload_memory.py, 2 GiB, removed after) on top of the stack's data (0.43 GB a
# quarter of the way through a fresh-clone run, sampled; its peak over the whole run not measured).
TEST_RUN_BYTES = 3 * 1024**3


@dataclass(frozen=True)
class Room:
    """The disk under a path: ``free`` and ``total`` bytes, as statvfs gives them to a user."""

    total: int
    free: int

    @property
    def minio_floor(self) -> int:
        """The free bytes MinIO never writes into."""
        return int(self.total * (1 - MINIO_FILL_FRACTION))

    @property
    def usable(self) -> int:
        """The bytes MinIO will still take."""
        return max(0, self.free - self.minio_floor)


def room(path: Path) -> Room:
    """The disk under ``path`` (its nearest existing folder)."""
    path = Path(path).resolve()
    while not path.exists():
        path = path.parent
    usage = shutil.disk_usage(path)
    return Room(total=usage.total, free=usage.free)


def report(path: Path, needed: int = TEST_RUN_BYTES) -> str:
    """One line on the disk under ``path``; it starts with ``WARNING`` when MinIO would take less
    than ``needed`` bytes."""
    r = room(path)
    line = (
        f"disk: {r.free / 1e9:.1f} GB free of {r.total / 1e9:.1f} GB under {path}; MinIO keeps the last "
        f"{r.minio_floor / 1e9:.1f} GB (1 % of the disk) free, so it will store {r.usable / 1e9:.1f} GB"
    )
    if r.usable < needed:
        line = (
            f"WARNING {line}, less than the {needed / 1e9:.1f} GB a full test run stores: uploads will fail with "
            f"507 Insufficient Storage; free some disk"
        )
    return line


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python -m streams.stack.disk PATH")
    print(report(Path(sys.argv[1])), flush=True)
