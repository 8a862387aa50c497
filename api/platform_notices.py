"""``POST /v1/platforms/tiktok/webhook``: where TikTok tells how a post it was finishing went
(``streams.publish.tiktok_notices``). Register this server's address plus that path as the app's
webhook callback in TikTok's developer portal. Signed with the app's client secret; no API key.

A post's notice makes the post due to be asked about now: the worker's publisher then fetches its
status from TikTok and records what TikTok answers, so a replayed notice could at most cause one
status fetch, and a lost one leaves the post to the publisher's own schedule. ``authorization.removed``
marks the creator's accounts ``reconnect_required`` (TikTok has revoked their tokens already).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.errors import ApiError
from api.openapi.blocks import INTEGER, STRING, json_response, nullable, obj
from api.routing import operation
from streams.errors import PlatformNoticeRefused
from streams.publish import tiktok_notices

log = logging.getLogger("clipstream.api")
PATH = "/v1/platforms/tiktok/webhook"


@operation(
    "tiktokWebhook",
    "Where TikTok tells how a post went (signed)",
    {
        "200": json_response(
            obj(
                {
                    "received": {"const": True},
                    "event": STRING,
                    "publish_id": nullable(STRING),
                    "posts": INTEGER,
                    "accounts": INTEGER,
                }
            ),
            "Taken; `posts` is how many of this server's posts it made due to be asked about now (0 for an "
            "event that is not a post's, or a post not waiting on TikTok); `accounts`, how many connected "
            "accounts `authorization.removed` marked `reconnect_required`.",
        ),
        "400": json_response(
            "Error", "Not signed with this server's TikTok client secret in the last 5 minutes (`invalid_signature`)."
        ),
        "409": json_response("Error", "TikTok is not configured on this server (`platform_not_configured`)."),
    },
    tag="publishing",
    description="TikTok signs each notice (`TikTok-Signature`: `t=<unix seconds>,s=<HMAC-SHA256 hex of "
    "'<t>.<body>'>` keyed by the client secret). A post's event (`post.publish.complete`, `.failed`, "
    "`.inbox_delivered`, `.publicly_available`, `.no_longer_publicaly_available`) makes that post's next "
    "status check now; what is recorded comes from TikTok's status endpoint, as without the notice. "
    "`authorization.removed` (the creator disconnected the app, or their account was deleted or banned) marks "
    "the accounts connected with that `user_openid` before the event `reconnect_required`: a post due on one "
    "fails with `account_reconnect_required` rather than trying a revoked grant, and the web page says to "
    "connect it again.",
)
async def tiktok_webhook(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    if not (settings.tiktok_client_key and settings.tiktok_client_secret):
        raise ApiError(409, "platform_not_configured", "TikTok is not configured on this server")
    body = await request.body()
    try:
        notice = tiktok_notices.read(
            request.headers.get("tiktok-signature", ""),
            body,
            client_key=settings.tiktok_client_key,
            client_secret=settings.tiktok_client_secret,
            now=time.time(),
        )
    except PlatformNoticeRefused as exc:
        log.warning("a TikTok notice was refused: %s", exc)
        raise ApiError(400, "invalid_signature", exc.message) from None
    moved = marked = 0
    async with request.app.state.db.acquire() as conn:
        if notice.publish_id:
            moved = await conn.fetchval("SELECT tiktok_post_moved($1)", notice.publish_id)
        if notice.event == tiktok_notices.AUTHORIZATION_REMOVED and notice.user_openid:
            # TikTok dates it to the second: a grant stored within that second counts as before.
            at = datetime.fromtimestamp((notice.created_at or time.time()) + 1, UTC)
            marked = await conn.fetchval(
                "SELECT platform_authorization_removed('tiktok', $1, $2)", notice.user_openid, at
            )
    log.info(
        "TikTok notice %s for %s: %d post(s) due now, %d account(s) to connect again",
        notice.event,
        notice.publish_id or notice.user_openid,
        moved,
        marked,
    )
    return JSONResponse(
        {"received": True, "event": notice.event, "publish_id": notice.publish_id, "posts": moved, "accounts": marked}
    )


routes = [Route(PATH, tiktok_webhook, methods=["POST"])]
