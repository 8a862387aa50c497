"""Publishing (issue 52): platform accounts connected through the platform's own consent page,
and posts of clips to them, now or at a time (``streams.publish``).

- ``POST /v1/accounts/connect`` (``{"platform"}``) begins an OAuth 2.0 authorization-code flow with PKCE
  (``streams.publish.oauth``) and answers the consent page's address; the platform sends the
  browser back to ``GET /v1/accounts/callback``, which carries no API key: it is matched by its
  single-use ``state`` (ten minutes to live), trades the code for the grant, keeps the grant only
  sealed (``streams.publish.tokens``) and sends the browser on to the web page.
- ``POST /v1/clips/{clip_id}/posts`` schedules a post; the publisher in the workers puts it on
  the platform once (``streams.publish.publisher``); ``post.published`` and ``post.failed``
  webhooks say how it went. A post not yet begun can be cancelled; a failed one retried.

Publishing is off while ``CLIPSTREAM_TOKEN_KEYS`` is unset (409 ``publishing_not_configured``),
and a platform without its OAuth client configured is not offered.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.accounts import (
    CALLBACK,
    NOT_CONFIGURED,
    account_or_404,
    cipher_of,
    connect_account,
    delete_account,
    finish_connection,
    list_accounts,
)
from api.audit import audited
from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import (
    INTEGER,
    NOT_FOUND,
    STRING,
    TIMESTAMP,
    array,
    error,
    json_response,
    nullable,
    obj,
)
from api.routing import operation, post
from api.video_access import catalog, clip_or_404
from streams.adapters.db import tenant_connection
from streams.domain.posts import POST_STATUSES, Post
from streams.publish import store
from streams.publish.platform import PRIVACY, UPLOADS_AHEAD, PostRequest, due_at

POST_ID = re.compile(r"pst_[0-9a-f]{32}")


MAX_TAGS = 30


MAX_AHEAD = timedelta(days=365)
_AHEAD_MINUTES = int(UPLOADS_AHEAD["youtube"].total_seconds() // 60)


POST = obj(
    {
        "post_id": STRING,
        "clip_id": STRING,
        "account_id": STRING,
        "title": STRING,
        "description": STRING,
        "tags": array(STRING),
        "privacy": {"enum": list(PRIVACY)},
        "publish_at": TIMESTAMP,
        "status": {
            "enum": list(POST_STATUSES),
            "description": "processing: the platform has every byte and is finishing the post (TikTok moderates a"
            " post for everyone before it gives its id; YouTube processes the video, and makes a scheduled one"
            " public at its time); url and platform_id come once it is published.",
        },
        "attempts": INTEGER,
        "platform_id": nullable(STRING),
        "url": nullable(STRING),
        "error_code": nullable(STRING),
        "error": nullable(STRING),
        "created_at": TIMESTAMP,
        "published_at": nullable(TIMESTAMP),
    },
    {"links": {"type": "object"}},
)


CREATE_POST = obj(
    {"account_id": STRING},
    {
        "title": {**STRING, "maxLength": 100, "description": "Default: the clip's title."},
        "description": {**STRING, "maxLength": 5000},
        "tags": {**array({**STRING, "maxLength": 100}), "maxItems": MAX_TAGS},
        "privacy": {"enum": list(PRIVACY), "description": "Default: public."},
        "publish_at": {
            **TIMESTAMP,
            "description": "When to publish (default: now); at most a year ahead. A public YouTube post is"
            f" uploaded {_AHEAD_MINUTES} minutes ahead and scheduled with YouTube (`status.publishAt`), so it goes"
            " public on the minute; from then on it can no longer be cancelled here.",
        },
    },
)


def _post_json(item: Post) -> dict:
    base = f"/v1/posts/{item.post_id}"
    return {
        **item.as_json(),
        "links": {
            "self": base,
            "clip": f"/v1/clips/{item.clip_id}",
            "cancel": f"{base}/cancel",
            "retry": f"{base}/retry",
        },
    }


async def _post_or_404(request: Request) -> Post:
    post_id = request.path_params["post_id"]
    found = None
    if POST_ID.fullmatch(post_id):
        tenant_id = caller(request).tenant_id
        async with tenant_connection(request.app.state.db, tenant_id) as conn:
            found = await store.post(conn, tenant_id, post_id)
    if found is None:
        raise ApiError(404, "post_not_found", f"no post with id {post_id[:64]!r}")
    return found


# -- posts -----------------------------------------------------------------------------------------
@post(
    "createPost",
    "Post a clip to an account, now or at a time",
    {
        "201": json_response(
            POST,
            "Scheduled; the publisher posts it once, at `publish_at` or within a minute (a public YouTube"
            " post is uploaded ahead and YouTube makes it public at `publish_at`).",
        ),
        **NOT_FOUND,
        **NOT_CONFIGURED,
    },
    scope="write",
    tag="publishing",
    body={"required": True, "content": {"application/json": {"schema": CREATE_POST}}},
    description="The account must be the caller's and connected (409 `account_reconnect_required` otherwise). "
    "A `post.published` or `post.failed` webhook follows.",
)
async def create_post(request: Request) -> JSONResponse:
    principal = caller(request)
    clip = await clip_or_404(request)
    body = await json_object(request)
    account = await account_or_404(request, field(body, "account_id", str, required=True))
    cipher_of(request.app.state.settings)
    if account.status != "connected":
        raise ApiError(409, "account_reconnect_required", f"the account {account.name!r} must be connected again")
    moment = next((m for m in await catalog(request).moments(clip.video_id) if m.moment_id == clip.moment_id), None)
    title = field(body, "title", str, default=(moment.title if moment else "") or "A clip")[:100]
    tags = field(body, "tags", list, default=[])
    if len(tags) > MAX_TAGS or not all(isinstance(t, str) and 0 < len(t) <= 100 for t in tags):
        raise ApiError(422, "invalid_body", f"tags must be at most {MAX_TAGS} strings of 1-100 characters")
    description = field(body, "description", str, default="")
    if len(description) > 5000:
        raise ApiError(422, "invalid_body", "description must be at most 5000 characters")
    privacy = field(body, "privacy", str, default="public")
    when = _publish_at(field(body, "publish_at", str, default=None))
    try:
        request_ = PostRequest(title, description, tuple(tags), privacy)
    except ValueError as exc:
        raise ApiError(422, "invalid_body", str(exc)) from None
    due = due_at(account.platform, privacy, when, datetime.now(UTC))
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        made = await store.create_post(conn, principal.tenant_id, clip.clip_id, account.account_id, request_, when, due)
    await audited(request, "post.created", made.post_id, clip_id=made.clip_id, account_id=made.account_id)
    return JSONResponse(_post_json(made), status_code=201, headers={"Location": f"/v1/posts/{made.post_id}"})


def _publish_at(given: str | None) -> datetime:
    now = datetime.now(UTC)
    if given is None:
        return now
    try:
        at = datetime.fromisoformat(given.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(422, "invalid_body", "publish_at must be an ISO 8601 time with its offset") from None
    if at.tzinfo is None:
        raise ApiError(422, "invalid_body", "publish_at must say its offset (Z for UTC)")
    if at - now > MAX_AHEAD:
        raise ApiError(422, "invalid_body", "publish_at may be at most a year ahead")
    return max(at.astimezone(UTC), now)


@operation(
    "listClipPosts",
    "A clip's posts",
    {"200": json_response(obj({"posts": array(POST)}), "Latest due first."), **NOT_FOUND},
    scope="read",
    tag="publishing",
)
async def list_clip_posts(request: Request) -> JSONResponse:
    clip = await clip_or_404(request)
    tenant_id = caller(request).tenant_id
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        found = await store.posts(conn, tenant_id, clip.clip_id)
    return JSONResponse({"posts": [_post_json(p) for p in found]})


@operation(
    "listPosts",
    "Every post, scheduled and past",
    {"200": json_response(obj({"posts": array(POST)}), "Latest due first, at most 100.")},
    scope="read",
    tag="publishing",
)
async def list_posts(request: Request) -> JSONResponse:
    tenant_id = caller(request).tenant_id
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        found = await store.posts(conn, tenant_id)
    return JSONResponse({"posts": [_post_json(p) for p in found]})


@operation("getPost", "A post", {"200": json_response(POST, "The post."), **NOT_FOUND}, scope="read", tag="publishing")
async def get_post(request: Request) -> JSONResponse:
    return JSONResponse(_post_json(await _post_or_404(request)))


@post(
    "cancelPost",
    "Cancel a post the publisher has not begun",
    {"200": json_response(POST, "Cancelled."), **NOT_FOUND, "409": error("Conflict")},
    scope="write",
    tag="publishing",
)
async def cancel_post(request: Request) -> JSONResponse:
    return await _moved(
        request,
        store.cancel,
        "post_not_cancellable",
        f"only one not begun can be cancelled (a public YouTube post begins {_AHEAD_MINUTES} minutes before its time)",
    )


@post(
    "retryPost",
    "Try a failed post again now",
    {"200": json_response(POST, "Due again now."), **NOT_FOUND, "409": error("Conflict")},
    scope="write",
    tag="publishing",
)
async def retry_post(request: Request) -> JSONResponse:
    return await _moved(request, store.retry, "post_not_failed", "only a failed one can be retried")


async def _moved(request: Request, change, code: str, rule: str) -> JSONResponse:
    """The post after ``change`` (a ``store`` function); 409 ``code`` when its state refuses it."""
    found = await _post_or_404(request)
    async with tenant_connection(request.app.state.db, found.tenant_id) as conn:
        done = await change(conn, found.tenant_id, found.post_id)
    if done is None:
        raise ApiError(409, code, f"the post is {found.status}: {rule}")
    await audited(request, "post.cancelled" if change is store.cancel else "post.retried", found.post_id)
    return JSONResponse(_post_json(done))


routes = [
    Route("/v1/accounts", list_accounts, methods=["GET"]),
    Route(CALLBACK, finish_connection, methods=["GET"]),
    Route("/v1/accounts/connect", connect_account, methods=["POST"]),
    Route("/v1/accounts/{account_id}", delete_account, methods=["DELETE"]),
    Route("/v1/clips/{clip_id}/posts", create_post, methods=["POST"]),
    Route("/v1/clips/{clip_id}/posts", list_clip_posts, methods=["GET"]),
    Route("/v1/posts", list_posts, methods=["GET"]),
    Route("/v1/posts/{post_id}", get_post, methods=["GET"]),
    Route("/v1/posts/{post_id}/cancel", cancel_post, methods=["POST"]),
    Route("/v1/posts/{post_id}/retry", retry_post, methods=["POST"]),
]
