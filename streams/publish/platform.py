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
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence

from streams.publish.tokens import Grant

PRIVACY = ("public", "unlisted", "private")
# Platforms that make an uploaded post public at its time themselves (YouTube's ``status.publishAt``),
# and how long before that time a public post scheduled there is uploaded: enough for the upload and
# the platform's processing, which take minutes, so the post is public on the minute. A post so
# begun can no longer be cancelled here (deleting it on YouTube needs a wider scope than uploading).
UPLOADS_AHEAD = {"youtube": timedelta(minutes=10)}
# The least time left before ``publish_at`` for a post to be scheduled on the platform: with less,
# the time could pass before the platform takes the post, so it is posted public at once instead.
SCHEDULE_LEAD = timedelta(minutes=2)


def due_at(platform: str, privacy: str, publish_at: datetime, now: datetime) -> datetime:
    """When the publisher begins a post to ``platform`` wanted at ``publish_at``: ``UPLOADS_AHEAD``
    before it (not before ``now``) for a public post the platform can schedule, else at the time."""
    if scheduled(platform, privacy, publish_at, now) is None:
        return publish_at
    return max(now, publish_at - UPLOADS_AHEAD[platform])


def scheduled(
    platform: str, privacy: str, publish_at: datetime, now: datetime, lead: timedelta = SCHEDULE_LEAD
) -> datetime | None:
    """The time to hand the platform with a post begun at ``now`` (``PostRequest.publish_at``): the
    post's own for a public one the platform can schedule, at least ``lead`` ahead; None: public
    at once."""
    if platform in UPLOADS_AHEAD and privacy == "public" and publish_at - now >= lead:
        return publish_at
    return None


@dataclass(frozen=True)
class PostRequest:
    """What a post says: ``title`` and ``description``, ``tags``, ``privacy`` (one of ``PRIVACY``)
    and ``publish_at``: the time the platform is to make it public itself (``scheduled``; None: as
    soon as it has the post)."""

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

    def account_name(self) -> str | None:
        """What the platform calls the account the grant is for (a channel's title, a creator's
        nickname); None where it says nothing."""
        ...

    def grant(self) -> Grant:
        """The grant as it stands now: renewed by the platform's token endpoint when it had expired
        (through the ``renewal.Renew`` the adapter was made with, which stores it at once; where
        the platform's library renews by itself, the publisher stores it afterwards)."""
        ...
