"""A STAND-IN for the YouTube Data API v3 and Google's OAuth 2.0 token endpoint, for tests only:
no test can reach Google. It is a real HTTPS server (``tests.httpd.LocalServer`` with a
certificate of its own, ``ca_certs``: Google's client sends uploads over https whatever endpoint it
is given) that answers the
requests Google's own client (``google-api-python-client`` with ``google-auth``) makes, as the
platform's documentation describes them:

- resumable uploads (https://developers.google.com/youtube/v3/guides/using_resumable_upload_protocol):
  ``POST /upload/youtube/v3/videos?uploadType=resumable&part=...`` with the video resource starts a
  session and answers 200 with its URI in ``Location``; ``PUT`` to it with ``Content-Range: bytes
  a-b/total`` sends a chunk, answered ``308 Resume Incomplete`` with ``Range: bytes=0-n`` (none before
  the first byte) until the last, which creates the video and answers 200 with its resource; an empty
  ``PUT`` with ``Content-Range: bytes */total`` asks how much arrived. Every chunk but the last is a
  multiple of 256 KiB; a chunk that does not start where the stored bytes end is refused.
- ``status.publishAt`` (https://developers.google.com/youtube/v3/docs/videos#status.publishAt):
  only with ``privacyStatus`` ``private``; the video then goes public at that time (listed
  ``private`` with its ``publishAt`` until then, ``public`` after; one processed after that time
  is public at once).
- errors in Google's JSON error format (https://developers.google.com/youtube/v3/docs/errors): 401
  ``authError`` for a missing, unknown or expired access token; 403 ``quotaExceeded`` (domain
  ``youtube.quota``) when the day's ``videos.insert`` calls are spent
  (https://developers.google.com/youtube/v3/determine_quota_cost: 100 a day, reset at midnight Pacific).
- the token endpoint (https://developers.google.com/identity/protocols/oauth2/web-server#offline):
  ``POST /token`` with ``grant_type=refresh_token`` answers a new access token and ``expires_in``, or
  400 ``invalid_grant`` for a revoked refresh token; with ``grant_type=authorization_code`` it trades
  a code the consent page gave, once, for an access and a refresh token, checking the
  ``redirect_uri`` and the PKCE ``code_verifier`` against the ``S256`` challenge (RFC 7636).
- the consent page ``GET /o/oauth2/v2/auth``: the person is taken as consenting at once (``deny``
  makes the next one refuse): 302 back to ``redirect_uri`` with ``code`` and ``state``, or
  ``error=access_denied``.
- processing (https://developers.google.com/youtube/v3/docs/videos#status.uploadStatus): the
  upload's answer says ``status.uploadStatus`` ``uploaded``; the video is ``processed``
  ``process_seconds`` later (0: at once, so the next listing says so), unless the test has it
  ``rejected`` or ``failed`` with the API's ``rejectionReason`` or ``failureReason`` first
  (``reject``, ``fail``); ``delete`` removes it (a deleted video is no longer listed).
- ``GET /youtube/v3/videos?part=...&id=...``: each listed video with the parts asked for
  (``status``; ``statistics``, counts as strings, as the API gives them).
- ``GET /youtube/v3/channels?part=snippet&mine=true``
  (https://developers.google.com/youtube/v3/docs/channels/list): the one channel the grants are
  for, titled ``channel_title``.

What it does not do: tell channels apart by grant, check scopes, or check its bytes are a video.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

from tests.httpd import Answer, Received
from tests.standins.grants import OAuthStandIn

CHUNK_UNIT = 256 * 1024  # every chunk but the last is a multiple of this (Google's resumable rule)


@dataclass
class Session:
    resource: dict
    total: int
    content_type: str
    token: str
    data: bytearray = field(default_factory=bytearray)
    video_id: str | None = None
    answer: dict = field(default_factory=dict)  # the upload's answer, once its last byte is in


@dataclass
class Video:
    video_id: str
    resource: dict
    size: int
    ready_at: float = 0.0  # time.monotonic() when its processing ends
    verdict: dict | None = None  # {"uploadStatus": "rejected", "rejectionReason": ...} set by a test
    statistics: dict = field(default_factory=lambda: {"viewCount": "0", "likeCount": "0", "commentCount": "0"})

    def status(self) -> dict:
        """``status`` as the API lists it now: a processed video scheduled with ``publishAt`` is
        private until that time and public from then on (its ``publishAt`` gone)."""
        state = {"uploadStatus": "processed" if time.monotonic() >= self.ready_at else "uploaded"}
        status = {**self.resource.get("status", {}), **(self.verdict or state)}
        at = status.get("publishAt")
        due = at and datetime.fromisoformat(at.replace("Z", "+00:00")) <= datetime.now(UTC)
        if due and status["uploadStatus"] == "processed":
            status = {k: v for k, v in status.items() if k != "publishAt"} | {"privacyStatus": "public"}
        return status


class StandInYouTube(OAuthStandIn):
    """``with StandInYouTube() as yt:`` ... ``yt.api_url``, ``yt.token_url``, ``yt.ca_certs``, ``yt.grant()``,
    ``yt.videos``, ``yt.revoke(refresh_token)``, ``yt.expire(access_token)``, and how YouTube's
    processing of a video ends: ``yt.process(id)``, ``yt.reject(id, reason)``, ``yt.fail(id, reason)``,
    ``yt.delete(id)``."""

    def __init__(self, inserts_per_day: int = 100, token_seconds: int = 3600, process_seconds: float = 0.0) -> None:
        super().__init__("youtube", "ya29.", "1//", token_seconds)
        self.process_seconds = process_seconds
        self.inserts_per_day = inserts_per_day
        self.inserts_today = 0
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, Video] = {}
        self.deny = False
        self.schedules = True  # False: every publishAt is refused (invalidPublishAt), as a test asks
        self.client_id, self.client_secret = "clipstream-test.apps.googleusercontent.com", "stand-in-secret"
        self.channel_title = "Stand-in Channel"

    @property
    def api_url(self) -> str:
        return self._server.url("/")

    @property
    def token_url(self) -> str:
        return self._server.url("/token")

    def process(self, video_id: str) -> None:
        with self._lock:
            self.videos[video_id].ready_at = time.monotonic()

    def reject(self, video_id: str, reason: str) -> None:
        with self._lock:
            self.videos[video_id].verdict = {"uploadStatus": "rejected", "rejectionReason": reason}

    def fail(self, video_id: str, reason: str) -> None:
        with self._lock:
            self.videos[video_id].verdict = {"uploadStatus": "failed", "failureReason": reason}

    def delete(self, video_id: str) -> None:
        with self._lock:
            del self.videos[video_id]

    # -- the protocol ----------------------------------------------------------------------------
    def _respond(self, request: Received, _: int) -> Answer:
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        with self._lock:
            if url.path == "/token" and request.method == "POST":
                return self._token(request)
            if url.path == "/o/oauth2/v2/auth" and request.method == "GET":
                return self._consent(query)
            if not self.grants.authorized(request.headers.get("authorization", "")):
                return _error(401, "Request had invalid authentication credentials.", "authError", "global",
                              "UNAUTHENTICATED")
            if url.path == "/upload/youtube/v3/videos" and request.method == "POST":
                if query.get("uploadType") != "resumable":
                    return _error(400, "Only resumable uploads are served by this stand-in.", "badRequest")
                return self._start(request, query)
            if url.path == "/upload/youtube/v3/videos" and request.method == "PUT":
                return self._chunk(request, query.get("upload_id", ""))
            if url.path == "/youtube/v3/videos" and request.method == "GET":
                return self._list(query)
            if url.path == "/youtube/v3/channels" and request.method == "GET" and query.get("mine") == "true":
                return _json(200, {"kind": "youtube#channelListResponse", "items": [
                    {"kind": "youtube#channel", "id": "UCstandin0000000000000", "snippet": {"title": self.channel_title}}
                ]})
        return _error(404, "Not Found", "notFound")

    def _token(self, request: Received) -> Answer:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if (form.get("client_id"), form.get("client_secret")) != (self.client_id, self.client_secret):
            return _json(401, {"error": "invalid_client", "error_description": "The OAuth client was not found."})
        if form.get("grant_type") == "authorization_code":
            return self._code(form)
        if form.get("grant_type") != "refresh_token":
            return _json(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"})
        access = self.grants.renew(form.get("refresh_token", ""))
        if access is None:
            return _json(400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
        return _json(200, {"access_token": access, "expires_in": self.grants.token_seconds, "token_type": "Bearer",
                           "scope": "https://www.googleapis.com/auth/youtube.upload"})

    def _consent(self, query: dict) -> Answer:
        redirect, state = query.get("redirect_uri", ""), query.get("state", "")
        if query.get("client_id") != self.client_id or query.get("code_challenge_method") != "S256":
            return _json(400, {"error": "invalid_request", "error_description": "client or PKCE method"})
        if self.deny:
            self.deny = False
            return Answer(302, b"", {"Location": f"{redirect}?{urlencode({'error': 'access_denied', 'state': state})}"})
        code = self.grants.issue_code(redirect, query.get("code_challenge", ""))
        return Answer(302, b"", {"Location": f"{redirect}?{urlencode({'code': code, 'state': state})}"})

    def _code(self, form: dict) -> Answer:
        granted = self.grants.redeem(form.get("code", ""), form.get("redirect_uri", ""), form.get("code_verifier", ""))
        if granted is None:
            return _json(400, {"error": "invalid_grant", "error_description": "Malformed auth code."})
        access, refresh, _ = granted
        return _json(200, {"access_token": access, "refresh_token": refresh, "expires_in": self.grants.token_seconds,
                           "token_type": "Bearer", "scope": "https://www.googleapis.com/auth/youtube.upload"})

    def _start(self, request: Received, query: dict) -> Answer:
        if self.inserts_today >= self.inserts_per_day:
            return _error(403, "The request cannot be completed because you have exceeded your quota.",
                          "quotaExceeded", "youtube.quota")
        self.inserts_today += 1
        try:
            resource = json.loads(request.body or b"{}")
            total = int(request.headers["x-upload-content-length"])
        except (ValueError, KeyError):
            return _error(400, "The request metadata or X-Upload-Content-Length is invalid.", "invalidMetadata")
        status = resource.get("status", {})
        if status.get("publishAt") and (status.get("privacyStatus") != "private" or not self.schedules):
            return _error(400, "The request metadata specifies an invalid scheduled publishing time.",
                          "invalidPublishAt", "youtube.video")
        if not resource.get("snippet", {}).get("title"):
            return _error(400, "The request metadata does not specify a valid video title.", "invalidTitle",
                          "youtube.video")
        upload_id = secrets.token_urlsafe(18)
        self.sessions[upload_id] = Session(resource, total, request.headers.get("x-upload-content-type", ""),
                                           request.headers.get("authorization", ""))
        location = self._server.url(f"/upload/youtube/v3/videos?uploadType=resumable&upload_id={upload_id}")
        return Answer(200, b"", {"Location": location})

    def _chunk(self, request: Received, upload_id: str) -> Answer:
        session = self.sessions.get(upload_id)
        if session is None:
            return _error(404, "The upload session was not found.", "notFound")
        if session.video_id is not None:  # complete: any PUT (a status query too) gets the upload's answer
            return _json(200, session.answer)
        spec = request.headers.get("content-range", "")
        if not spec.startswith("bytes "):
            return _error(400, "Failed to parse Content-Range header.", "badContent")
        span, _, total = spec[len("bytes "):].partition("/")
        if span == "*":  # a status query
            return self._incomplete(session)
        try:
            first, last = (int(x) for x in span.split("-"))
        except ValueError:
            return _error(400, "Failed to parse Content-Range header.", "badContent")
        body = request.body
        if first != len(session.data) or last - first + 1 != len(body) or (total != "*" and int(total) != session.total):
            return _error(400, "The chunk does not continue the stored bytes.", "badContent")
        final = last + 1 == session.total
        if not final and len(body) % CHUNK_UNIT:
            return _error(400, "Every chunk but the last must be a multiple of 256 KiB.", "badContent")
        session.data += body
        if not final:
            return self._incomplete(session)
        video_id = secrets.token_urlsafe(8)[:11]
        resource = {**session.resource, "kind": "youtube#video", "id": video_id}
        self.videos[video_id] = Video(video_id, resource, len(session.data), time.monotonic() + self.process_seconds)
        session.video_id = video_id
        session.answer = {**resource, "status": {**resource.get("status", {}), "uploadStatus": "uploaded"}}
        return _json(200, session.answer)

    def _incomplete(self, session: Session) -> Answer:
        headers = {"Range": f"bytes=0-{len(session.data) - 1}"} if session.data else {}
        return Answer(308, b"", headers)

    def _list(self, query: dict) -> Answer:
        ids = [i for i in query.get("id", "").split(",") if i]
        parts = set(query.get("part", "").split(","))
        if not parts <= {"id", "status", "statistics"}:
            return _error(400, f"The stand-in lists only id, status and statistics, not {query.get('part')}.",
                          "unexpectedPart")
        items = []
        for video in (self.videos[i] for i in ids if i in self.videos):
            item: dict = {"kind": "youtube#video", "id": video.video_id}
            if "status" in parts:
                item["status"] = video.status()
            if "statistics" in parts:
                item["statistics"] = video.statistics
            items.append(item)
        return _json(200, {"kind": "youtube#videoListResponse", "items": items,
                           "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})


def _json(status: int, body: dict) -> Answer:
    return Answer(status, json.dumps(body).encode(), {"Content-Type": "application/json; charset=UTF-8"})


def _error(code: int, message: str, reason: str, domain: str = "global", status: str | None = None) -> Answer:
    error = {"code": code, "message": message, "errors": [{"message": message, "domain": domain, "reason": reason}]}
    return _json(code, {"error": {**error, **({"status": status} if status else {})}})
