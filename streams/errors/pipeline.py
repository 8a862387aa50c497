"""Errors of the pipeline's messages and of what they fetch or post: contracts, failed videos,
dead letters, URLs, platforms.
``streams.errors`` draws the whole tree."""

from __future__ import annotations

from streams.errors.base import ClipstreamError


class ContractError(ClipstreamError):
    code = "contract_violation"


class UnsupportedSchemaVersion(ContractError):
    """A newer (or unknown) ``schema_version``: replay it once the consumer knows that version."""

    code = "unsupported_schema_version"


class EventTooLarge(ContractError):
    code = "event_too_large"


class InvalidKey(ContractError):
    """Messages are keyed by their ``video_id``, which keeps one video's events in order."""

    code = "invalid_key"


class VideoFailed(ClipstreamError):
    """The message's video had already failed, so its stage set the message aside (to the
    dead-letter topic, where a replay after the fix picks it up with the rest)."""

    code = "video_failed"


class DeadLetterError(ClipstreamError):
    code = "dead_letter_error"


class InternalError(ClipstreamError):
    """An exception nothing in this vocabulary names: a bug, reported and never retried."""

    code = "internal_error"


class UnsafeUrl(ClipstreamError):
    """A URL we were asked to call is refused: not http(s), no host, a host that does not resolve
    (``retriable``: DNS may recover), or an address inside a private network."""

    code = "unsafe_url"


class SourceFetchFailed(ClipstreamError):
    code = "source_fetch_failed"


class PublishError(ClipstreamError):
    """A social platform refused a post or its upload failed (``retriable`` when trying again
    later may succeed: the platform's 5xx, a network failure)."""

    code = "publish_failed"


class AccountReconnectRequired(PublishError):
    """The platform no longer honours the account's grant (revoked, expired, its scopes withdrawn):
    nothing posts to it until its owner connects it again."""

    code = "account_reconnect_required"


class QuotaExceeded(PublishError):
    """The platform's quota for the day is spent; ``retry_at`` is when the next quota day begins."""

    code = "platform_quota_exceeded"
    retriable = True

    def __init__(self, message: str, *, retry_at=None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class ScheduleRefused(PublishError):
    """The platform refused the time a post was to be scheduled for there (YouTube's
    ``invalidPublishAt``): the post is begun again at ``retry_at``, its own time, and posted then
    without one."""

    code = "schedule_refused"
    retriable = True

    def __init__(self, message: str, *, retry_at=None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class UploadSessionGone(PublishError):
    """The platform no longer knows an upload session (it expired before its last byte, so it made
    no video): a new session may be opened."""

    code = "upload_session_gone"
    retriable = True


class PlatformNoticeRefused(ClipstreamError):
    """A notice a platform sent (a TikTok webhook) is not signed with this server's client secret,
    was signed too long ago (a replay), or names another app: nothing of it is read."""

    code = "invalid_signature"


class PostRefused(PublishError):
    """The platform took every byte of a post, then refused it or could not finish it (moderation,
    a duplicate, a copyright claim, a codec it cannot process): that upload is over, and a retry
    uploads the clip again."""

    code = "post_refused"


class TokenUnreadable(PublishError):
    """A stored grant does not decrypt with any configured key (the key that sealed it is gone,
    or the bytes were changed): the account must be connected again, or the old key restored."""

    code = "token_unreadable"
