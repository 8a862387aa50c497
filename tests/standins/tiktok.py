"""A STAND-IN for TikTok's Content Posting API (Direct Post) and its OAuth token endpoint, for
tests only: no test can reach TikTok. A real HTTPS server (``tests.httpd.LocalServer``, a
certificate of its own in ``ca_certs``) answering as TikTok's documentation describes:

- https://developers.tiktok.com/doc/content-posting-api-reference-direct-post:
  ``POST /v2/post/publish/video/init/`` with ``post_info`` and ``source_info`` (``FILE_UPLOAD``)
  answers ``{"data": {"publish_id", "upload_url"}, "error": {"code": "ok", ...}}``;
  ``POST /v2/post/publish/status/fetch/`` answers ``status`` (``PROCESSING_UPLOAD`` with
  ``uploaded_bytes`` until every byte is in, then ``PUBLISH_COMPLETE`` with
  ``publicaly_available_post_id``, TikTok's spelling); 30 fetches a minute per access token.
- https://developers.tiktok.com/doc/content-posting-api-reference-get-video-status: a post made
  for everyone is moderated before TikTok gives its id. With ``moderating`` set, such a post
  answers ``PUBLISH_COMPLETE`` with no id until ``moderate`` decides it: approved, it has its id;
  refused, it is ``FAILED`` with a ``fail_reason``.
- https://developers.tiktok.com/doc/content-posting-api-reference-query-creator-info:
  ``POST /v2/post/publish/creator_info/query/`` answers the creator's ``privacy_level_options``
  and whether comments, duets and stitches are off; an init whose ``privacy_level`` is not one of
  them is refused (``privacy_level_option_mismatch``).
- https://developers.tiktok.com/doc/content-posting-api-media-transfer-guide: ``PUT`` to the
  upload URL with ``Content-Range``, chunks in order, 5-64 MB each but the last (which takes the
  rest), a video under 5 MB in one; 206 until the last, then 201. ``total_chunk_count`` must be
  the size over the chunk size, rounded down. A chunk out of order is a 400.
- https://developers.tiktok.com/doc/tiktok-api-v2-video-query: ``POST /v2/video/query/?fields=...``
  with ``{"filters": {"video_ids": [...]}}`` (20 at most) answers the user's own videos among them
  with the fields asked for (``view_count``, ``like_count``, ``comment_count``); a grant without
  the ``video.list`` scope is refused with ``scope_not_authorized``.
- errors as ``{"error": {"code": "access_token_invalid" | "rate_limit_exceeded" | ...}}`` with 401
  or 429; a user may init 6 posts a minute (``rate_limit_exceeded``).
- https://developers.tiktok.com/doc/oauth-user-access-token-management and
  https://developers.tiktok.com/docs/en/oauth-refresh-a-user-access-token: ``POST /v2/oauth/token/``
  with ``grant_type=refresh_token`` answers new tokens, a new refresh token among them (the one sent
  stops working: TikTok rotates them), ``invalid_grant`` for a revoked or used one; with
  ``grant_type=authorization_code`` it trades a code ``GET /v2/auth/authorize/`` gave (the person is
  taken as consenting: 302 back with ``code`` and ``state``), checking ``redirect_uri`` and the
  PKCE ``code_verifier``.
- https://developers.tiktok.com/doc/webhooks-events: with ``webhook_url`` set (the app's callback),
  moderation's verdict is sent there as TikTok sends it, signed with the client secret
  (``post.publish.publicly_available`` or ``post.publish.failed``), and a creator removing the app's
  access (``disconnect``) revokes their grants and sends ``authorization.removed``, naming them by
  the ``open_id`` the token answers gave.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from streams.publish.tiktok_notices import signature
from tests.httpd import Answer, Received
from tests.standins.grants import OAuthStandIn

MIN_CHUNK, MAX_CHUNK = 5 * 1024 * 1024, 64 * 1024 * 1024


@dataclass
class Upload:
    publish_id: str
    post_info: dict
    size: int
    chunk: int
    count: int
    data: bytearray = field(default_factory=bytearray)
    post_id: str | None = None
    verdict: str | None = None  # moderation: None (not moderated yet), "approved" or a fail_reason
    counts: dict = field(default_factory=lambda: {"view_count": 0, "like_count": 0, "comment_count": 0})


OPEN_ID = "act.stand-in-creator"  # TikTok's id of the one creator who connects (its token answer, its webhooks)


class StandInTikTok(OAuthStandIn):
    def __init__(self, inits_per_minute: int = 6, token_seconds: int = 86400) -> None:
        super().__init__("tiktok", "act.", "rft.", token_seconds, scope="user.info.basic,video.publish,video.list")
        self.inits_per_minute = inits_per_minute
        self.client_key, self.client_secret = "aw-stand-in-key", "stand-in-secret"
        self.uploads: dict[str, Upload] = {}
        self.posts: dict[str, Upload] = {}
        self.inits: list[datetime] = []
        self.privacy_options = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
        self.comment_disabled = False
        self.moderating = False  # posts for everyone wait for ``moderate`` before TikTok gives their id
        self.status_fetches: dict[str, list[datetime]] = {}
        self.webhook_url: str | None = None  # where TikTok's webhooks go (the app's callback), if anywhere
        self.notices: list[tuple[str, int, dict]] = []  # each webhook sent: event, status, answer

    @property
    def api_url(self) -> str:
        return self._server.url("")

    def _respond(self, request: Received, _: int) -> Answer:
        url = urlsplit(request.path)
        with self._lock:
            if url.path == "/v2/oauth/token/" and request.method == "POST":
                return self._token(request)
            if url.path == "/v2/auth/authorize/" and request.method == "GET":
                return self._consent({k: v[0] for k, v in parse_qs(url.query).items()})
            if url.path == "/upload/" and request.method == "PUT":
                return self._chunk(request, parse_qs(url.query).get("upload_id", [""])[0])
            if not self.grants.authorized(request.headers.get("authorization", "")):
                return _error(401, "access_token_invalid", "The access token is invalid or not found in the request.")
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return _error(400, "invalid_params", "The request body is not JSON.")
            if url.path == "/v2/post/publish/creator_info/query/" and request.method == "POST":
                return _json(200, {"data": {"creator_username": "standin.creator", "creator_nickname": "Stand-in",
                                            "creator_avatar_url": "", "privacy_level_options": self.privacy_options,
                                            "comment_disabled": self.comment_disabled, "duet_disabled": False,
                                            "stitch_disabled": False, "max_video_post_duration_sec": 600},
                                   "error": {"code": "ok", "message": "", "log_id": secrets.token_hex(8)}})
            if url.path == "/v2/post/publish/video/init/" and request.method == "POST":
                return self._init(body)
            if url.path == "/v2/post/publish/status/fetch/" and request.method == "POST":
                return self._status(request.headers.get("authorization", ""), body)
            if url.path == "/v2/video/query/" and request.method == "POST":
                fields = parse_qs(url.query).get("fields", [""])[0].split(",")
                return self._query(request.headers.get("authorization", ""), body, fields)
        return _error(404, "invalid_params", "Not found.")

    def _token(self, request: Received) -> Answer:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("client_key"), form.get("client_secret")) != (self.client_key, self.client_secret):
            return _json(400, {"error": "invalid_client", "error_description": "Client key or secret is incorrect."})
        if form.get("grant_type") == "authorization_code":
            granted = self.grants.redeem(form.get("code", ""), form.get("redirect_uri", ""),
                                         form.get("code_verifier", ""))
            if granted is None:
                return _json(400, {"error": "invalid_grant", "error_description": "Authorization code is invalid."})
            access, refresh, _ = granted
            return self._tokens(access, refresh, self.grants.scope_of(f"Bearer {access}"))
        rotated = self.grants.rotate(form.get("refresh_token", "")) if form.get("grant_type") == "refresh_token" else None
        if rotated is None:
            return _json(400, {"error": "invalid_grant", "error_description": "Refresh token is invalid or expired."})
        access, refresh = rotated
        return self._tokens(access, refresh, self.grants.scope_of(f"Bearer {access}"))

    def _tokens(self, access: str, refresh: str, scope: str) -> Answer:
        return _json(200, {"access_token": access, "expires_in": self.grants.token_seconds, "open_id": OPEN_ID,
                           "refresh_token": refresh, "refresh_expires_in": 31536000, "scope": scope,
                           "token_type": "Bearer"})

    def _consent(self, query: dict) -> Answer:
        if query.get("client_key") != self.client_key or query.get("code_challenge_method") != "S256":
            return _json(400, {"error": "invalid_request", "error_description": "client_key or PKCE method"})
        code = self.grants.issue_code(query.get("redirect_uri", ""), query.get("code_challenge", ""),
                                      query.get("scope", ""))
        back = f"{query.get('redirect_uri', '')}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return Answer(302, b"", {"Location": back})

    def _init(self, body: dict) -> Answer:
        now = datetime.now(UTC)
        self.inits = [t for t in self.inits if now - t < timedelta(minutes=1)]
        if len(self.inits) >= self.inits_per_minute:
            return _error(429, "rate_limit_exceeded", "Too many posts in a minute.")
        source, post_info = body.get("source_info") or {}, body.get("post_info") or {}
        size, chunk, count = (int(source.get(k, 0)) for k in ("video_size", "chunk_size", "total_chunk_count"))
        if source.get("source") != "FILE_UPLOAD" or size <= 0 or chunk <= 0:
            return _error(400, "invalid_params", "source_info is incomplete.")
        whole = size < MIN_CHUNK and chunk == size and count == 1
        chunked = MIN_CHUNK <= chunk <= MAX_CHUNK and count == size // chunk and 1 <= count <= 1000
        if not (whole or chunked):
            return _error(400, "invalid_params", "chunk_size or total_chunk_count breaks the media transfer rules.")
        if post_info.get("privacy_level") not in self.privacy_options:
            return _error(400, "privacy_level_option_mismatch", "privacy_level is not one the creator may use.")
        self.inits.append(now)
        publish_id = "v_pub_file~v2-1." + secrets.token_hex(8)
        upload_id = secrets.token_urlsafe(12)
        self.uploads[upload_id] = Upload(publish_id, post_info, size, chunk, count)
        return _json(200, {"data": {"publish_id": publish_id,
                                    "upload_url": self._server.url(f"/upload/?upload_id={upload_id}")},
                           "error": {"code": "ok", "message": "", "log_id": secrets.token_hex(8)}})

    def _chunk(self, request: Received, upload_id: str) -> Answer:
        upload = self.uploads.get(upload_id)
        if upload is None:
            return _error(404, "invalid_params", "The upload was not found.")
        spec = request.headers.get("content-range", "")
        try:
            span, total = spec.removeprefix("bytes ").split("/")
            first, last = (int(x) for x in span.split("-"))
        except ValueError:
            return _error(400, "invalid_params", "Content-Range is malformed.")
        index = first // upload.chunk
        expected_last = upload.size - 1 if index == upload.count - 1 else first + upload.chunk - 1
        if int(total) != upload.size or first != len(upload.data) or last != expected_last or len(request.body) != last - first + 1:
            return _error(400, "invalid_params", "Chunks must arrive in order, each as the init fixed them.")
        upload.data += request.body
        if len(upload.data) < upload.size:
            return Answer(206, b"")
        upload.post_id = str(7_000_000_000_000_000_000 + len(self.posts))
        self.posts[upload.post_id] = upload
        return Answer(201, b"")

    def moderate(self, publish_id: str, fail_reason: str | None = None) -> None:
        """TikTok's moderation decides the post: approved (``fail_reason`` None) or refused; with a
        ``webhook_url``, TikTok's notice of it is sent there (``notify``)."""
        with self._lock:
            upload = next(u for u in self.uploads.values() if u.publish_id == publish_id)
            upload.verdict = fail_reason or "approved"
        if fail_reason is None:
            self.notify("post.publish.publicly_available", {"publish_id": publish_id, "post_id": upload.post_id,
                                                           "publish_type": "DIRECT_PUBLISH"})
        else:
            self.notify("post.publish.failed", {"publish_id": publish_id, "reason": fail_reason,
                                                "publish_type": "DIRECT_PUBLISH"})

    def disconnect(self, reason: int = 1, *, at: float | None = None) -> httpx.Response | None:
        """The creator removes the app's access in TikTok (``reason`` 1; 2: account deleted, 4:
        banned): every grant is revoked, then ``authorization.removed`` is sent (``notify``), made at
        ``at`` (unix seconds; now if None: TikTok retries a notice for up to 72 hours)."""
        with self._lock:
            for refresh in list(self.grants.refresh):
                self.grants.revoke(refresh)
            for access in list(self.grants.access):
                self.grants.expire(access)
        return self.notify("authorization.removed", {"reason": reason}, at=at)

    def notify(self, event: str, content: dict, *, secret: str | None = None, at: float | None = None
               ) -> httpx.Response | None:
        """TikTok's webhook (https://developers.tiktok.com/doc/webhooks-events) POSTed to
        ``webhook_url``, signed as https://developers.tiktok.com/doc/webhooks-verification says with
        the client secret (or ``secret``); its answer is kept in ``notices``. None without a URL."""
        if self.webhook_url is None:
            return None
        body = json.dumps({"client_key": self.client_key, "event": event, "create_time": int(at or time.time()),
                           "user_openid": OPEN_ID, "content": json.dumps(content)}).encode()
        header = signature(secret or self.client_secret, int(time.time()), body)
        answer = httpx.post(self.webhook_url, content=body, timeout=30,
                            headers={"Content-Type": "application/json", "TikTok-Signature": header})
        self.notices.append((event, answer.status_code, answer.json()))
        return answer

    def _status(self, authorization: str, body: dict) -> Answer:
        now = datetime.now(UTC)
        recent = [t for t in self.status_fetches.get(authorization, []) if now - t < timedelta(minutes=1)]
        if len(recent) >= 30:
            return _error(429, "rate_limit_exceeded", "Too many status fetches in a minute.")
        self.status_fetches[authorization] = [*recent, now]
        upload = next((u for u in self.uploads.values() if u.publish_id == body.get("publish_id")), None)
        if upload is None:
            return _error(400, "invalid_params", "The publish_id was not found.")
        moderated = self.moderating and upload.post_info.get("privacy_level") == "PUBLIC_TO_EVERYONE"
        if upload.post_id is None:
            data = {"status": "PROCESSING_UPLOAD", "uploaded_bytes": len(upload.data)}
        elif moderated and upload.verdict is None:
            data = {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [], "uploaded_bytes": upload.size}
        elif moderated and upload.verdict != "approved":
            data = {"status": "FAILED", "fail_reason": upload.verdict, "publicaly_available_post_id": [],
                    "uploaded_bytes": upload.size}
        else:
            data = {"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": [int(upload.post_id)],
                    "uploaded_bytes": upload.size}
        return _json(200, {"data": data, "error": {"code": "ok", "message": "", "log_id": "x"}})

    def _query(self, authorization: str, body: dict, fields: list[str]) -> Answer:
        if "video.list" not in self.grants.scope_of(authorization).split(","):
            return _error(401, "scope_not_authorized", "The user did not authorize the scope required (video.list).")
        ids = (body.get("filters") or {}).get("video_ids") or []
        if not isinstance(ids, list) or not 1 <= len(ids) <= 20:
            return _error(400, "invalid_params", "filters.video_ids takes 1 to 20 ids.")
        videos = []
        for video_id in map(str, ids):
            upload = self.posts.get(video_id)
            if upload is not None:
                known = {"id": video_id, **upload.counts}
                videos.append({k: v for k, v in known.items() if k in fields or k == "id"})
        return _json(200, {"data": {"videos": videos, "cursor": 0, "has_more": False},
                           "error": {"code": "ok", "message": "", "log_id": secrets.token_hex(8)}})


def _json(status: int, body: dict) -> Answer:
    return Answer(status, json.dumps(body).encode(), {"Content-Type": "application/json; charset=UTF-8"})


def _error(status: int, code: str, message: str) -> Answer:
    return _json(status, {"error": {"code": code, "message": message, "log_id": secrets.token_hex(8)}})
