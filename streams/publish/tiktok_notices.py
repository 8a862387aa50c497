"""TikTok's webhooks for the Content Posting API, read: is a notice TikTok's, and which post does it
say has moved on. Pure: no HTTP, no database. Followed from TikTok's documentation:
https://developers.tiktok.com/doc/webhooks-verification (the ``TikTok-Signature`` header,
``t=<unix seconds>,s=<hex>``: HMAC-SHA256 of ``"<t>.<raw body>"`` keyed by the app's client secret),
https://developers.tiktok.com/doc/webhooks-events (the body: ``client_key``, ``event``,
``create_time``, ``user_openid``, ``content`` as a JSON string) and the Content Posting API's
events (``post.publish.complete``, ``.failed``, ``.inbox_delivered``, ``.publicly_available``,
``.no_longer_publicaly_available``, TikTok's spelling), whose content names the ``publish_id``, and
``authorization.removed``, which names the creator only by ``user_openid``.

A notice is only a nudge: the publisher asks TikTok's status endpoint about the post at once
rather than at its next turn (after moderation that could be 15 minutes away), and what it
records comes from that answer, as it would without the notice.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

from streams.errors import PlatformNoticeRefused

#: How old a signature may be (TikTok's documentation leaves the window to the receiver; Stripe's
#: libraries take five minutes).
TOLERANCE_SECONDS = 300
POST_EVENTS = frozenset(
    {
        "post.publish.complete",
        "post.publish.failed",
        "post.publish.inbox_delivered",
        "post.publish.publicly_available",
        "post.publish.no_longer_publicaly_available",
    }
)


#: The creator's account no longer grants the app anything (they disconnected it in TikTok, or the
#: account was deleted, banned or changed age; its content's ``reason`` says which).
AUTHORIZATION_REMOVED = "authorization.removed"


@dataclass(frozen=True)
class Notice:
    """What one webhook says: its event, for a post's event the post's ``publish_id``, whose account
    it is about (``user_openid``: TikTok's ``open_id`` of the creator) and when it happened (unix
    seconds, ``create_time``)."""

    event: str
    publish_id: str | None
    user_openid: str | None = None
    created_at: float | None = None


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header TikTok sends with ``body`` at ``timestamp`` (what a test stand-in signs with)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},s={digest}"


def read(header: str, body: bytes, *, client_key: str, client_secret: str, now: float) -> Notice:
    """The notice in ``body`` if ``header`` signs it with ``client_secret`` within
    ``TOLERANCE_SECONDS`` of ``now`` and it is for ``client_key``; ``PlatformNoticeRefused``
    otherwise."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        raise PlatformNoticeRefused("the TikTok-Signature header has no timestamp") from None
    expected = signature(client_secret, timestamp, body).rsplit("s=", 1)[1]
    if not hmac.compare_digest(expected, parts.get("s", "")):
        raise PlatformNoticeRefused("the TikTok-Signature does not match this app's client secret")
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise PlatformNoticeRefused(f"the TikTok-Signature was made {now - timestamp:.0f} s from now")
    try:
        notice = json.loads(body)
    except ValueError:
        raise PlatformNoticeRefused("the notice is not JSON") from None
    if not isinstance(notice, dict) or notice.get("client_key") != client_key:
        raise PlatformNoticeRefused("the notice is for another TikTok app")
    event = str(notice.get("event") or "")
    created = notice.get("create_time")
    return Notice(
        event,
        _publish_id(notice.get("content")) if event in POST_EVENTS else None,
        str(notice["user_openid"]) if notice.get("user_openid") else None,
        float(created) if isinstance(created, (int, float)) and not isinstance(created, bool) else None,
    )


def _publish_id(content: object) -> str | None:
    """The ``publish_id`` of a post event's content (a JSON string, or already an object)."""
    if isinstance(content, str):
        try:
            content = json.loads(content)
        except ValueError:
            return None
    publish_id = content.get("publish_id") if isinstance(content, dict) else None
    return str(publish_id) if publish_id else None
