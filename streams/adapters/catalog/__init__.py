"""The system of record in PostgreSQL: videos, per-stage state, transcripts, moments and clips.

Every write is idempotent: rows have deterministic keys and inserts use ``ON CONFLICT``, so a
redelivered event rewrites the same row (or leaves it) and never adds a second one. Stage state
only moves forward: a finished or failed stage is never set back to running by a late message.
"""

from __future__ import annotations

from streams.adapters.catalog.moments import MomentRecords
from streams.adapters.catalog.transcripts import TranscriptRecords
from streams.adapters.catalog.videos import VideoRecords

__all__ = ["Catalog"]


class Catalog(VideoRecords, TranscriptRecords, MomentRecords):
    """Reads and writes of the system of record: videos and their stages (``videos``), transcripts
    (``transcripts``), moments and clips (``moments``).

    Without a tenant (the pipeline worker, connected as the owner role) every row is visible.
    ``for_tenant(id)`` gives a view whose every statement runs with ``app.tenant_id`` set, so on
    the application role row-level security confines it to that tenant's rows.
    """

    def for_tenant(self, tenant_id: str) -> Catalog:
        return Catalog(self.pool, tenant_id)
