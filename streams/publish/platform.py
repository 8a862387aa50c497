"""What every platform adapter does (``youtube`` and ``tiktok``; Instagram Reels or LinkedIn are
one more module each): start an upload session without sending a byte, send the media into a
session (resuming where the platform says it stands), ask how a sent post ended, and read a post's
statistics.

A publishing worker records the session ``start`` returns before it calls ``send``: a worker that
dies mid-upload is followed by one that sends into the same session, so the platform ends with one
video, never two (a session that never receives its last byte makes none).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence

from streams.publish.tokens import Grant

PRIVACY = ("public", "unlisted", "private")


@dataclass(frozen=True)
class PostRequest:
    """What a post says: ``title`` and ``description``, ``tags``, ``privacy`` (one of ``PRIVACY``)
    and ``publish_at`` (UTC; None: at once)."""

    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    privacy: str = "public"
    publish_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.privacy not in PRIVACY:
            raise ValueError(f"privacy must be one of {', '.join(PRIVACY)}, got {self.privacy!r}")
        if not self.title.strip():
            raise ValueError("a post needs a title")


@dataclass(frozen=True)
class Published:
    """A post the platform holds: its id there, its public address and the platform's resource.
    Unsettled (``settled`` False): the platform has every byte but has not finished the post yet
    (processing it, or moderating it before it gives its id and address); ``platform_id`` is then
    the platform's name for the upload, and ``Platform.settle`` tells later how it ended."""

    platform_id: str
    url: str
    resource: Mapping = field(default_factory=dict)
    settled: bool = True


@dataclass(frozen=True)
class Statistics:
    """A post's counts as the platform gives them (None where it gives none)."""

    views: int | None = None
    likes: int | None = None
    comments: int | None = None


Progress = Callable[[int, int], None]  # (bytes the platform holds, bytes in all)
Exchange = Callable[[Grant], Grant]  # the platform's token endpoint: the grant held -> the one it answers
Renew = Callable[[Grant, Exchange], Grant]  # (grant held, exchange) -> the grant to use (``renewal``)


class Platform(Protocol):
    name: str

    def start(self, media: Path, post: PostRequest) -> str:
        """A new upload session for ``media``; no byte of it is sent."""
        ...

    def send(self, session: str, media: Path, progress: Progress | None = None) -> Published:
        """``media`` sent into ``session`` from where the platform says it stands; the post as it
        stands once the last byte is in (unsettled while the platform finishes it: ``send`` does
        not wait, ``settle`` asks later)."""
        ...

    def settle(self, session: str) -> Published:
        """Where the post of ``session``, every byte of which was sent, stands now; nothing is sent."""
        ...

    def statistics(self, platform_ids: Sequence[str]) -> dict[str, Statistics]:
        """The counts of these posts (by platform id); a post the platform no longer has is left out."""
        ...

    def grant(self) -> Grant:
        """The grant as it stands now: renewed by the platform's token endpoint when it had expired
        (through the ``renewal.Renew`` the adapter was made with, which stores it at once; where
        the platform's library renews by itself, the publisher stores it afterwards)."""
        ...
