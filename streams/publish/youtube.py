"""YouTube Shorts through the YouTube Data API v3, with Google's own client
(``google-api-python-client``, whose discovery document ships inside the package, so nothing is
fetched to build it; ``google-auth`` refreshes the access token).

- ``start`` opens a resumable upload session (``videos.insert``, ``uploadType=resumable``) and
  returns its URI without sending a byte: the caller records it first.
- ``send`` asks the session how much it holds (an empty ``PUT`` with ``Content-Range: bytes
  */size``) and sends the rest in chunks through the client (``HttpRequest.next_chunk``); a session
  that already holds every byte answers with the video, so a second worker after a crash posts
  nothing twice.
- Finishing: the upload's answer says ``status.uploadStatus`` ``uploaded``; YouTube then processes
  the video, and ends it ``processed``, or ``failed`` (``failureReason``: an unsupported codec, say)
  or ``rejected`` (``rejectionReason``: a duplicate in the channel, a copyright claim). ``send``
  asks once after the last byte (``videos.list``, ``part=status``: one quota unit) and does not
  wait: a video still processing then comes back unsettled, and the publisher asks ``settle``
  later. Only a processed video is published: its address plays.
- Scheduling is ``status.publishAt``: a post handed its time (``PostRequest.publish_at``, for a
  public post begun ahead of it: ``platform.UPLOADS_AHEAD``) is uploaded private with it, as the
  API requires, and YouTube makes it public then; it counts as published once YouTube lists it
  public, so ``post.published`` says it is out.
  Vertical clips of up to three minutes are Shorts; ``#Shorts`` is added to the description as
  YouTube suggests.
- Errors: a revoked or expired grant (``invalid_grant`` on refresh, 401 after it, 403 for a
  withdrawn scope) is ``AccountReconnectRequired``; ``quotaExceeded`` is ``QuotaExceeded`` with the
  next quota day (midnight Pacific time); the platform's 5xx and network failures are retriable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Callable, Sequence
from zoneinfo import ZoneInfo

import google_auth_httplib2
import httplib2
from google.auth.exceptions import RefreshError, TransportError
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaFileUpload

from streams.errors import (
    AccountReconnectRequired,
    PostRefused,
    PublishError,
    QuotaExceeded,
    ScheduleRefused,
    UploadSessionGone,
)
from streams.publish.platform import PostRequest, Progress, Published, Statistics
from streams.publish.tokens import Grant

SCOPES = ("https://www.googleapis.com/auth/youtube.upload", "https://www.googleapis.com/auth/youtube.readonly")
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
CHUNK_UNIT = 256 * 1024  # Google's resumable chunks are multiples of this
QUOTA_DAY = ZoneInfo("America/Los_Angeles")  # the API's quota day ends at midnight Pacific time
QUOTA_REASONS = {"quotaExceeded", "dailyLimitExceeded", "uploadLimitExceeded", "rateLimitExceeded"}
# ``status.failureReason`` and ``status.rejectionReason`` (the API's enums), in words
FAILURES = {
    "conversion": "its content could not be converted (conversion)",
    "invalidFile": "the file's format is not one it takes (invalidFile)",
    "emptyFile": "the file is empty (emptyFile)",
    "tooSmall": "the file is too small (tooSmall)",
    "codec": "its codec is not supported (codec)",
    "uploadAborted": "the upload was not finished (uploadAborted)",
}
REJECTIONS = {
    "copyright": "a copyright infringement (copyright)",
    "inappropriate": "inappropriate content (inappropriate)",
    "duplicate": "it duplicates a video of the same channel (duplicate)",
    "termsOfUse": "a terms of use violation (termsOfUse)",
    "uploaderAccountSuspended": "the channel is suspended (uploaderAccountSuspended)",
    "length": "it is too long (length)",
    "claim": "a content owner blocked it (claim)",
    "uploaderAccountClosed": "the channel was closed (uploaderAccountClosed)",
    "trademark": "a trademark infringement (trademark)",
    "legal": "a legal reason (legal)",
}
GRANT_REASONS = {"authError", "forbidden", "insufficientPermissions", "youtubeSignupRequired"}


@dataclass(frozen=True)
class YouTubeClient:
    """The OAuth client the accounts granted (``client_id``, ``client_secret``), where the API and
    the token endpoint are (empty ``api_url``: Google's), the upload chunk, the HTTP timeout, and
    ``ca_certs``: a PEM file of the certificate authorities to trust (None: httplib2's bundle;
    a proxy that re-signs TLS, or the tests' stand-in, needs its own)."""

    client_id: str
    client_secret: str
    api_url: str = ""
    token_url: str = GOOGLE_TOKEN_URL
    chunk_bytes: int = 8 * CHUNK_UNIT
    timeout: float = 120.0
    ca_certs: str | None = None

    def __post_init__(self) -> None:
        if self.chunk_bytes <= 0 or self.chunk_bytes % CHUNK_UNIT:
            raise ValueError(f"chunk_bytes must be a positive multiple of {CHUNK_UNIT}, got {self.chunk_bytes}")


class YouTube:
    """One account's YouTube, by its grant; ``grant()`` is the grant as it stands after a refresh
    (the caller seals and stores it again when it changed)."""

    name = "youtube"

    def __init__(self, client: YouTubeClient, grant: Grant) -> None:
        self.client = client
        self._credentials = Credentials(
            token=grant.access_token,
            refresh_token=grant.refresh_token,
            token_uri=client.token_url,
            client_id=client.client_id,
            client_secret=client.client_secret,
            scopes=list(grant.scopes or SCOPES),
            expiry=grant.expires_at.astimezone(UTC).replace(tzinfo=None) if grant.expires_at else None,
        )
        transport = httplib2.Http(timeout=client.timeout, ca_certs=client.ca_certs)
        # 308 is "Resume Incomplete" in the upload protocol, not a redirect (as the client's own
        # googleapiclient.http.build_http sets it)
        transport.redirect_codes = set(transport.redirect_codes) - {308}
        self._http = google_auth_httplib2.AuthorizedHttp(self._credentials, http=transport)
        options = {"api_endpoint": client.api_url} if client.api_url else None
        self._api = build("youtube", "v3", http=self._http, static_discovery=True, client_options=options)

    def grant(self) -> Grant:
        expiry = self._credentials.expiry
        return Grant(
            access_token=str(self._credentials.token),
            refresh_token=self._credentials.refresh_token,
            expires_at=expiry.replace(tzinfo=UTC) if expiry else None,
            scopes=tuple(self._credentials.scopes or ()),
        )

    def start(self, media: Path, post: PostRequest) -> str:
        request = self._insert(media, resource(post))
        size = Path(media).stat().st_size
        headers = {
            **request.headers,
            "X-Upload-Content-Type": "video/mp4",
            "X-Upload-Content-Length": str(size),
            "content-length": str(len(request.body or b"")),
        }
        resp, content = _calling(
            lambda: self._http.request(request.uri, request.method, body=request.body, headers=headers)
        )
        if resp.status == 200 and "location" in resp:
            return str(resp["location"])
        raise failure(resp.status, content, post.publish_at)

    def send(self, session: str, media: Path, progress: Progress | None = None) -> Published:
        size = Path(media).stat().st_size
        query = {"Content-Range": f"bytes */{size}", "content-length": "0"}
        resp, content = _calling(lambda: self._http.request(session, "PUT", headers=query))
        if resp.status in (200, 201):
            return self._after_upload(json.loads(content))
        if resp.status in (404, 410):  # expired before its last byte: it made no video
            raise UploadSessionGone(f"YouTube no longer knows the upload session ({resp.status})")
        if resp.status != 308:
            raise failure(resp.status, content)
        request = self._insert(media, {})
        request.resumable_uri = session
        request.resumable_progress = int(str(resp["range"]).rsplit("-", 1)[1]) + 1 if "range" in resp else 0
        body = None
        while body is None:
            status, body = _calling(request.next_chunk)
            if status is not None and progress is not None:
                progress(status.resumable_progress, size)
        if progress is not None:
            progress(size, size)
        return self._after_upload(body)

    def settle(self, session: str) -> Published:
        """Where the video of a session that has every byte stands now: the session's status query
        (``bytes */*``: the size unknown) names the video, ``videos.list`` tells how YouTube's
        processing of it stands. Nothing is sent."""
        query = {"Content-Range": "bytes */*", "content-length": "0"}
        resp, content = _calling(lambda: self._http.request(session, "PUT", headers=query))
        if resp.status in (200, 201):
            return processing(self._video(json.loads(content)["id"]))
        if resp.status in (404, 410):
            raise UploadSessionGone(f"YouTube no longer knows the upload session ({resp.status})")
        if resp.status == 308:
            raise PublishError("YouTube does not hold every byte of the upload yet", retriable=True)
        raise failure(resp.status, content)

    def _after_upload(self, video: dict) -> Published:
        """How the uploaded ``video`` stands once its last byte is in, asked once (``videos.list``):
        the upload's own answer always says ``uploaded``. A passing fault or the day's quota
        (``QuotaExceeded`` is retriable) leaves it unsettled, for ``settle`` to ask later."""
        uploaded = processing(video)
        if uploaded.settled:
            return uploaded
        try:
            return processing(self._video(video["id"]))
        except PublishError as exc:
            if not exc.retriable:
                raise
            return uploaded

    def _video(self, video_id: str) -> dict:
        """The video's resource with its ``status`` as YouTube lists it now."""
        answer = _calling(self._api.videos().list(part="status", id=video_id).execute)
        items = answer.get("items") or []
        if not items:
            raise PostRefused(f"YouTube no longer lists the video {video_id}: deleted, or not this account's")
        return dict(items[0])

    def statistics(self, platform_ids: Sequence[str]) -> dict[str, Statistics]:
        out: dict[str, Statistics] = {}
        for at in range(0, len(platform_ids), 50):  # the API lists at most 50 ids a call
            listing = self._api.videos().list(part="statistics", id=",".join(platform_ids[at : at + 50]))
            answer = _calling(listing.execute)
            for item in answer.get("items", []):
                counts = item.get("statistics", {})
                out[item["id"]] = Statistics(
                    views=_count(counts.get("viewCount")),
                    likes=_count(counts.get("likeCount")),
                    comments=_count(counts.get("commentCount")),
                )
        return out

    def account_name(self) -> str | None:
        """The channel's title (``channels.list``, ``mine=true``: the ``youtube.readonly`` scope)."""
        answer = _calling(self._api.channels().list(part="snippet", mine=True).execute)
        titles = [str(item.get("snippet", {}).get("title") or "") for item in answer.get("items") or []]
        return next((title for title in titles if title), None)

    def _insert(self, media: Path, body: dict) -> Any:
        upload = MediaFileUpload(str(media), mimetype="video/mp4", chunksize=self.client.chunk_bytes, resumable=True)
        return self._api.videos().insert(part="snippet,status", body=body, media_body=upload)


def resource(post: PostRequest) -> dict:
    """The ``video`` resource of a post: a scheduled one is private until ``publishAt``."""
    description = (
        post.description if "#shorts" in post.description.lower() else (post.description + "\n\n#Shorts").strip()
    )
    status: dict[str, Any] = {"privacyStatus": post.privacy, "selfDeclaredMadeForKids": False}
    if post.publish_at is not None:
        status = {**status, "privacyStatus": "private", "publishAt": _rfc3339(post.publish_at)}
    return {
        "snippet": {"title": post.title[:100], "description": description[:5000], "tags": list(post.tags)},
        "status": status,
    }


def published(video: dict, settled: bool = True) -> Published:
    return Published(video["id"], f"https://www.youtube.com/shorts/{video['id']}", video, settled)


def processing(video: dict) -> Published:
    """The post as the ``video`` resource's ``status`` tells it: settled once ``processed`` and
    public at its time (a scheduled video is private, with its ``publishAt``, until then);
    unsettled while ``uploaded`` (being processed) or waiting for its time; PostRefused when
    YouTube failed to process it, rejected it or it was deleted."""
    status = video.get("status") or {}
    state = status.get("uploadStatus")
    if state == "failed":
        raise PostRefused(
            f"YouTube could not process the video {video['id']}: {_words(FAILURES, status, 'failureReason')}"
        )
    if state == "rejected":
        raise PostRefused(f"YouTube rejected the video {video['id']}: {_words(REJECTIONS, status, 'rejectionReason')}")
    if state == "deleted":
        raise PostRefused(f"the video {video['id']} was deleted on YouTube before it was processed")
    waiting = status.get("privacyStatus") == "private" and bool(status.get("publishAt"))
    return published(video, settled=state == "processed" and not waiting)


def _words(meanings: dict[str, str], status: dict, field: str) -> str:
    """The reason ``status[field]`` gives, in words where the API's enum has them."""
    reason = status.get(field) or ""
    return meanings.get(reason, reason or "no reason given")


def failure(status: int, content: bytes | str, publish_at: datetime | None = None) -> Exception:
    """The error a YouTube answer means (``status`` and its JSON error body); a refused
    ``publishAt`` (``publish_at``, the time the post was to be scheduled for) is ScheduleRefused,
    due again at that time."""
    try:
        error = json.loads(content)["error"]
        reasons = {e.get("reason") for e in error.get("errors", [])}
        message = error.get("message") or f"HTTP {status}"
    except (ValueError, KeyError, TypeError, AttributeError):
        reasons, message = set(), f"HTTP {status}"
    if "invalidPublishAt" in reasons and publish_at is not None:
        return ScheduleRefused(
            f"YouTube refused to schedule the post for {_rfc3339(publish_at)}: {message};"
            " it is posted at that time instead",
            retry_at=publish_at,
        )
    if reasons & QUOTA_REASONS:
        return QuotaExceeded(f"YouTube's quota is spent: {message}", retry_at=next_quota_day())
    if status == 401 or (status == 403 and reasons & GRANT_REASONS):
        return AccountReconnectRequired(f"YouTube refused the account's grant: {message}; connect the account again")
    return PublishError(f"YouTube answered {status}: {message}", retriable=status >= 500 or status == 429)


def next_quota_day(now: datetime | None = None) -> datetime:
    """When YouTube's next quota day begins (midnight Pacific time), in UTC."""
    local = (now or datetime.now(UTC)).astimezone(QUOTA_DAY)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight.astimezone(UTC)


def _calling(call: Callable[[], Any]) -> Any:
    """``call()`` with the client's and the transport's errors in clipstream's words."""
    try:
        return call()
    except HttpError as exc:
        raise failure(exc.resp.status, exc.content) from None
    except RefreshError as exc:
        raise AccountReconnectRequired(
            f"YouTube no longer honours the account's grant ({exc.args[0] if exc.args else 'refresh refused'}); "
            "connect the account again"
        ) from None
    except (TransportError, httplib2.HttpLib2Error, OSError) as exc:
        raise PublishError(f"YouTube could not be reached: {exc}", retriable=True) from None


def _count(value: Any) -> int | None:
    return int(value) if value is not None else None


def _rfc3339(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
