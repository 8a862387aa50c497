"""TikTok through its Content Posting API (Direct Post), with our own client on httpx: there is no
official Python library. Followed from TikTok's documentation:
https://developers.tiktok.com/doc/content-posting-api-reference-direct-post and
https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide.

- ``start`` first asks ``POST /v2/post/publish/creator_info/query/`` what the creator may post
  (TikTok requires it before a Direct Post): a privacy level the account does not offer (an
  unaudited app's accounts offer only ``SELF_ONLY``) is refused with a clear error before anything
  is sent, and comments, duets or stitches the creator turned off stay off on the post.
- ``start`` then calls ``POST /v2/post/publish/video/init/`` (``source: FILE_UPLOAD``, the video's size,
  the chunk size and count as the transfer guide fixes them) and returns the session as JSON: the
  ``publish_id`` and the ``upload_url``. No byte is sent; the caller records it first.
- ``send`` asks ``POST /v2/post/publish/status/fetch/`` how many bytes TikTok holds
  (``uploaded_bytes``), sends the chunks from there with ``PUT`` and ``Content-Range`` (206 until
  the last, 201 then), then asks the status once more. A publish id is one post, so a second
  worker after a crash posts nothing twice.
- Finishing: TikTok processes the video, and a post for everyone is moderated before TikTok gives
  its id ("usually within one minute, in some cases a few hours":
  https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status). ``send``
  does not wait for it: a post not finished when its last byte is in comes back unsettled
  (``Published.settled`` False, the publish id as its id), and the publisher asks ``settle``
  later, one status fetch a call (TikTok allows 30 a minute per access token); a status it cannot
  fetch then (its rate limit, a passing fault) leaves the post unsettled too.
- Tokens: an expired access token is refreshed first (``POST /v2/oauth/token/``,
  ``grant_type=refresh_token``), and once more on ``access_token_invalid``; ``invalid_grant`` is
  ``AccountReconnectRequired``. TikTok rotates refresh tokens (a refresh answers a new one and the
  one sent stops working), so a refresh goes through the ``renew`` the adapter is made with: the
  publishers renew an account one at a time and store the answer at once (``renewal``).
  ``rate_limit_exceeded`` and TikTok's 5xx are retriable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Sequence

import httpx

from streams.errors import AccountReconnectRequired, PostRefused, PublishError, UploadSessionGone
from streams.publish.platform import PostRequest, Progress, Published, Renew, Statistics
from streams.publish.tokens import Grant

TIKTOK_API_URL = "https://open.tiktokapis.com"
SCOPES = ("user.info.basic", "video.publish", "video.list")  # video.list: statistics
MIN_CHUNK = 5 * 1024 * 1024  # the transfer guide: chunks of 5-64 MB, a video under 5 MB in one
MAX_CHUNK = 64 * 1024 * 1024
PRIVACY = {"public": "PUBLIC_TO_EVERYONE", "unlisted": "MUTUAL_FOLLOW_FRIENDS", "private": "SELF_ONLY"}
GRANT_ERRORS = {"access_token_invalid", "scope_not_authorized", "scope_permission_missed"}
REFRESH_BEFORE = timedelta(minutes=1)
FINISHED = ("PUBLISH_COMPLETE", "SEND_TO_USER_INBOX")  # and FAILED; the rest are PROCESSING_*


@dataclass(frozen=True)
class TikTokClient:
    """The app accounts granted (``client_key``, ``client_secret``), where the API is (its token
    endpoint is ``/v2/oauth/token/`` there), the chunk size, the timeout and the CA file to trust."""

    client_key: str
    client_secret: str
    api_url: str = TIKTOK_API_URL
    chunk_bytes: int = 10 * 1024 * 1024
    timeout: float = 120.0
    ca_certs: str | None = None


def chunking(size: int, chunk: int) -> tuple[int, int]:
    """``(chunk_size, total_chunk_count)`` for a video of ``size`` bytes as TikTok counts them: a
    video under 5 MB in one chunk; else the count rounded down, the last chunk taking the rest."""
    chunk = min(max(chunk, MIN_CHUNK), MAX_CHUNK)
    if size <= chunk:
        return size, 1
    return chunk, size // chunk


class TikTok:
    name = "tiktok"

    def __init__(self, client: TikTokClient, grant: Grant, renew: Renew | None = None) -> None:
        self.client = client
        self._grant = grant
        self._renew: Renew = renew or (lambda held, exchange: exchange(held))
        self._http = httpx.Client(timeout=client.timeout, verify=client.ca_certs or True)

    def grant(self) -> Grant:
        return self._grant

    def start(self, media: Path, post: PostRequest) -> str:
        size = Path(media).stat().st_size
        chunk, count = chunking(size, self.client.chunk_bytes)
        creator = self._api("/v2/post/publish/creator_info/query/", {})
        level = PRIVACY[post.privacy]
        offered = creator.get("privacy_level_options") or []
        if level not in offered:
            raise PublishError(
                f"the TikTok account {creator.get('creator_username') or ''!r} cannot post as {post.privacy} "
                f"({level}); it offers {', '.join(offered) or 'no privacy level'}"
            )
        body = {
            "post_info": {
                "title": (post.title + ("\n" + post.description if post.description else ""))[:2200],
                "privacy_level": level,
                "disable_comment": bool(creator.get("comment_disabled")),
                "disable_duet": bool(creator.get("duet_disabled")),
                "disable_stitch": bool(creator.get("stitch_disabled")),
            },
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": size,
                "chunk_size": chunk,
                "total_chunk_count": count,
            },
        }
        data = self._api("/v2/post/publish/video/init/", body)
        return json.dumps(
            {"publish_id": data["publish_id"], "upload_url": data["upload_url"], "chunk_size": chunk, "privacy": level}
        )

    def send(self, session: str, media: Path, progress: Progress | None = None) -> Published:
        opened = json.loads(session)
        publish_id, upload_url, chunk = opened["publish_id"], opened["upload_url"], int(opened["chunk_size"])
        status = self._status(publish_id)
        size = Path(media).stat().st_size
        held = int(status.get("uploaded_bytes") or 0) if status["status"] == "PROCESSING_UPLOAD" else size
        if held < size:  # bytes go now, so the status read before them is out of date
            self._upload(upload_url, Path(media).read_bytes(), held, chunk, progress)
            try:
                status = self._status(publish_id)
            except PublishError as exc:
                if not exc.retriable:
                    raise
                return Published(publish_id, "", {}, settled=False)  # TikTok's rate limit, a passing fault
        return _outcome(publish_id, status, opened.get("privacy") == PRIVACY["public"])

    def settle(self, session: str) -> Published:
        """Where a post whose every byte was sent stands now: one status fetch, nothing sent."""
        opened = json.loads(session)
        return _outcome(
            opened["publish_id"], self._status(opened["publish_id"]), opened.get("privacy") == PRIVACY["public"]
        )

    def _upload(self, upload_url: str, data: bytes, held: int, chunk: int, progress: Progress | None) -> None:
        """The chunks of ``data`` from the first TikTok does not hold, in order."""
        size = len(data)
        chunk_count = chunking(size, chunk)[1]
        for index in range(chunk_count):
            first = index * chunk
            last = size - 1 if index == chunk_count - 1 else first + chunk - 1
            if last < held:
                continue
            answer = self._put(upload_url, data[first : last + 1], first, last, size)
            if answer.status_code in (404, 410):
                raise UploadSessionGone(f"TikTok no longer knows the upload ({answer.status_code})")
            if answer.status_code not in (200, 201, 206):
                raise PublishError(
                    f"TikTok refused a chunk: {answer.status_code} {answer.text[:200]}",
                    retriable=answer.status_code >= 500,
                )
            if progress is not None:
                progress(last + 1, size)

    def statistics(self, platform_ids: Sequence[str]) -> dict[str, Statistics]:
        """The counts of the account's own videos (Display API ``video/query``: 20 ids a call,
        the ``video.list`` scope); a video TikTok no longer has is left out."""
        found: dict[str, Statistics] = {}
        for at in range(0, len(platform_ids), 20):
            data = self._api(
                "/v2/video/query/?fields=id,view_count,like_count,comment_count",
                {"filters": {"video_ids": list(platform_ids[at : at + 20])}},
            )
            for video in data.get("videos", []):
                found[str(video["id"])] = Statistics(
                    _count(video.get("view_count")), _count(video.get("like_count")), _count(video.get("comment_count"))
                )
        return found

    def account_name(self) -> str | None:
        """The creator's nickname, else ``@username`` (``creator_info/query``, as a post starts)."""
        creator = self._api("/v2/post/publish/creator_info/query/", {})
        nickname, username = creator.get("creator_nickname"), creator.get("creator_username")
        return str(nickname) if nickname else (f"@{username}" if username else None)

    # -- HTTP ------------------------------------------------------------------------------------
    def _status(self, publish_id: str) -> dict:
        return self._api("/v2/post/publish/status/fetch/", {"publish_id": publish_id})

    def _put(self, url: str, chunk: bytes, first: int, last: int, size: int) -> httpx.Response:
        headers = {"Content-Type": "video/mp4", "Content-Range": f"bytes {first}-{last}/{size}"}
        try:
            return self._http.put(url, content=chunk, headers=headers)
        except httpx.HTTPError as exc:
            raise PublishError(f"TikTok could not be reached: {exc}", retriable=True) from None

    def _api(self, path: str, body: dict, retried: bool = False) -> dict:
        if self._expiring():
            self._refresh()
        headers = {
            "Authorization": f"Bearer {self._grant.access_token}",
            "Content-Type": "application/json; charset=UTF-8",
        }
        try:
            answer = self._http.post(self.client.api_url.rstrip("/") + path, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise PublishError(f"TikTok could not be reached: {exc}", retriable=True) from None
        try:
            payload = answer.json()
            error = payload.get("error") or {}
        except ValueError:
            payload, error = {}, {"code": f"http_{answer.status_code}", "message": answer.text[:200]}
        code = error.get("code", "ok")
        if code == "ok" and answer.status_code < 400:
            return payload.get("data") or {}
        if code == "access_token_invalid" and not retried:
            self._refresh()
            return self._api(path, body, retried=True)
        message = error.get("message") or code
        if code in GRANT_ERRORS:
            raise AccountReconnectRequired(
                f"TikTok refused the account's grant ({code}): {message}; connect the account again"
            )
        raise PublishError(
            f"TikTok answered {answer.status_code} {code}: {message}",
            retriable=answer.status_code >= 500 or code == "rate_limit_exceeded",
        )

    def _expiring(self) -> bool:
        at = self._grant.expires_at
        return at is not None and at - datetime.now(UTC) < REFRESH_BEFORE

    def _refresh(self) -> None:
        """A new access token, through ``renew`` (the publishers' shared renewal: TikTok's refresh
        tokens work once, so two holders of one must not both send it)."""
        self._grant = self._renew(self._grant, self._exchange)

    def _exchange(self, held: Grant) -> Grant:
        """The grant TikTok's token endpoint answers for ``held``'s refresh token."""
        if not held.refresh_token:
            raise AccountReconnectRequired(
                "TikTok's access token expired and no refresh token was granted; connect the account again"
            )
        form = {
            "client_key": self.client.client_key,
            "client_secret": self.client.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": held.refresh_token,
        }
        try:
            answer = self._http.post(self.client.api_url.rstrip("/") + "/v2/oauth/token/", data=form)
            body: dict[str, Any] = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PublishError(f"TikTok's token endpoint could not be reached: {exc}", retriable=True) from None
        if "access_token" not in body:
            reason = body.get("error_description") or body.get("error") or f"HTTP {answer.status_code}"
            raise AccountReconnectRequired(
                f"TikTok no longer honours the account's grant ({reason}); connect the account again"
            )
        return replace(
            held,
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or held.refresh_token,
            expires_at=datetime.now(UTC) + timedelta(seconds=int(body.get("expires_in", 86400))),
            # A grant stored before the creator's open_id was kept learns it here.
            user_id=str(body["open_id"]) if body.get("open_id") else held.user_id,
        )


def _finished(status: dict, public: bool) -> bool:
    """Whether TikTok has finished the post: failed, or done with its id (a post for everyone gets
    one once moderated; TikTok gives none for a post it does not show to everyone)."""
    done = status["status"] in FINISHED and (bool(status.get("publicaly_available_post_id")) or not public)
    return status["status"] == "FAILED" or done


def _outcome(publish_id: str, status: dict, public: bool) -> Published:
    """The post as TikTok's ``status`` describes it; unsettled while TikTok has not finished it."""
    if status["status"] == "FAILED":
        raise PostRefused(f"TikTok could not publish the video: {status.get('fail_reason') or 'no reason given'}")
    post_ids = status.get("publicaly_available_post_id") or []  # TikTok's own spelling
    if post_ids:
        return Published(str(post_ids[0]), f"https://www.tiktok.com/video/{post_ids[0]}", status)
    return Published(publish_id, "", status, settled=_finished(status, public))


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
