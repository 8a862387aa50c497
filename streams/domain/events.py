"""The events the API publishes, as frozen types (pure: no Faust, no service).

The API does not import Faust (``streams.worker.records`` is the worker's binding of the same
events); both sides are held to ``schemas/events``: :meth:`Published.payload` is checked against
its JSON Schema before it is sent, and ``tests/unit/test_contracts.py`` checks that each type here
has the fields of the worker's record of the same name.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any, ClassVar, Mapping

from streams.domain import contracts
from streams.domain.envelope import SCHEMA_VERSION, new_event_id, utc_now


@dataclass(frozen=True, kw_only=True)
class Published:
    """An event happening now, once (a random id), for one video of a tenant: the envelope every
    event of ``schemas/events`` starts with. ``TYPE`` names its schema and its topic's event."""

    TYPE: ClassVar[str]
    tenant_id: str
    video_id: str
    schema_version: int = SCHEMA_VERSION
    event_id: str = field(default_factory=new_event_id)
    produced_at: str = field(default_factory=utc_now)

    def payload(self) -> dict[str, Any]:
        """The event as its JSON Schema has it (an optional field left unset is left out);
        ``ContractError`` if it breaks the schema."""
        body = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(self).items() if v is not None}
        contracts.validate(self.TYPE, body)
        return body

    def encode(self) -> bytes:
        """The message's value on the topic."""
        return json.dumps(self.payload()).encode()


@dataclass(frozen=True, kw_only=True)
class UploadReceived(Published):
    """A video to process: stored at ``source_uri`` (or to be fetched from ``source_url`` first)."""

    TYPE: ClassVar[str] = "upload_received"
    source_uri: str
    filename: str
    size_bytes: int
    options: Mapping[str, Any]
    source_url: str | None = None

    def of_size(self, size_bytes: int) -> UploadReceived:
        """The same event once the upload's size is known."""
        return replace(self, size_bytes=size_bytes)


@dataclass(frozen=True, kw_only=True)
class RenderRequested(Published):
    """Render moment ``moment_id`` again as clip ``clip_id``; ``start``/``end`` (whole sentences)
    replace the moment's bounds; ``trim`` (``media.trim.MODES``), ``hook_title``, ``emphasis``
    and ``emoji`` (``media.editing``) replace the video's choices where given."""

    TYPE: ClassVar[str] = "render_requested"
    clip_id: str
    moment_id: str
    aspect: str
    caption_style: str
    variant: str | None = None
    start: float | None = None
    end: float | None = None
    trim: str | None = None
    hook_title: bool | None = None
    emphasis: bool | None = None
    emoji: bool | None = None


PUBLISHED: dict[str, type[Published]] = {t.TYPE: t for t in (UploadReceived, RenderRequested)}
