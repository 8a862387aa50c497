"""Single sign-on (issue 53): people sign in through their team's OpenID provider.

``GET /v1/sign-on`` tells the sign-in form whether it is offered and what to call the provider.
``GET /v1/sign-on/start`` sends the browser to the provider with a one-time state, a nonce and a
PKCE challenge (kept in PostgreSQL for ten minutes), the state also in a cookie that binds the
sign-in to this browser; the provider sends it back to ``GET
/v1/sign-on/callback``, which trades the code for an ID token, checks it
(``streams.people.sign_on``), finds the member it proves (by ``(iss, sub)``; the first time by the
email the provider has verified, or made from invitations waiting for that email) and opens the
same session a password opens: the HttpOnly cookie is set and the browser goes on to the web page,
which reads its CSRF token from ``GET /v1/session``. A failure goes on to the page too, with the
reason's code in ``#sign-on-error=``; no secret ever travels in a URL the page keeps.
"""

from __future__ import annotations

import hmac
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from api.errors import ApiError
from api.hosts import public_base
from api.openapi.blocks import STRING, json_response, query_param
from api.routing import operation
from api.sessions import open_session_for, secure_request, set_session_cookie
from streams.errors import ClipstreamError
from streams.people import store
from streams.people.sign_on import SignOn

log = logging.getLogger(__name__)
STATE_SECONDS = 600.0
CALLBACK = "/v1/sign-on/callback"
BINDING_COOKIE = "clipstream_sign_on"


def provider_of(request: Request) -> SignOn | None:
    """The configured provider's client (one per app: it keeps the discovery document and keys)."""
    settings = request.app.state.settings
    if not settings.oidc_issuer:
        return None
    client = getattr(request.app.state, "sign_on", None)
    if client is None:
        client = SignOn(
            settings.oidc_issuer,
            settings.oidc_client_id,
            settings.oidc_client_secret,
            public_base(settings) + CALLBACK,
        )
        request.app.state.sign_on = client
    return client


@operation(
    "getSignOn",
    "Whether people may sign in through an OpenID provider",
    {"200": json_response("SignOn", "What the sign-in form offers.")},
    tag="people",
)
async def get_sign_on(request: Request) -> JSONResponse:
    settings = request.app.state.settings
    return JSONResponse({"enabled": bool(settings.oidc_issuer), "name": settings.oidc_name})


@operation(
    "startSignOn",
    "Sign in through the OpenID provider: on to its sign-in page",
    {
        "303": {
            "description": "On to the provider; or, when it cannot be reached, back to the web page with "
            "`#sign-on-error=sign_on_unavailable`."
        },
        "404": json_response("Error", "No OpenID provider is set up on this server (`sign_on_not_configured`)."),
    },
    tag="people",
)
async def start_sign_on(request: Request) -> Response:
    client = provider_of(request)
    if client is None:
        raise ApiError(404, "sign_on_not_configured", "single sign-on is not set up on this server")
    try:
        started = await client.start()
    except ClipstreamError as exc:  # a person clicked a button: back to the page, which says why
        log.warning("single sign-on could not start: %s", exc)
        return _back(exc.code)
    async with request.app.state.db.acquire() as conn:
        await store.begin_sign_on(conn, started.state, started.nonce, started.verifier, STATE_SECONDS)
    answer = RedirectResponse(started.url, status_code=303)
    # The sign-in belongs to this browser: the callback must come with this cookie, so a callback
    # address someone else started (and signed in at the provider as themselves) cannot sign this
    # browser in as them (login CSRF). Lax: sent on the provider's top-level redirect back.
    answer.set_cookie(
        BINDING_COOKIE,
        started.state,
        max_age=int(STATE_SECONDS),
        httponly=True,
        secure=secure_request(request),
        samesite="lax",
        path=CALLBACK,
    )
    return answer


@operation(
    "finishSignOn",
    "Where the OpenID provider sends the person back (matched by its state)",
    {"303": {"description": "On to the web page, signed in, or with `#sign-on-error=<code>`."}},
    tag="people",
    parameters=[
        query_param("state", STRING, "The state the sign-in began with."),
        query_param("code", STRING, "The provider's authorization code."),
        query_param("error", STRING, "Why the provider gave none (`access_denied`, `login_required`)."),
    ],
)
async def finish_sign_on(request: Request) -> Response:
    state, code = request.query_params.get("state", ""), request.query_params.get("code", "")
    client = provider_of(request)
    if client is None:
        return _back("sign_on_not_configured")
    bound = request.cookies.get(BINDING_COOKIE, "")
    if not 32 <= len(state) <= 128 or not hmac.compare_digest(bound.encode(), state.encode()):
        return _back("unknown_sign_on")
    async with request.app.state.db.acquire() as conn:
        begun = await store.take_sign_on(conn, state)
    if begun is None:
        return _back("unknown_sign_on")
    if request.query_params.get("error") or not code:
        return _back("provider_refused")
    nonce, verifier = begun
    try:
        identity = await client.finish(code, verifier, nonce)
    except ClipstreamError as exc:
        log.warning("single sign-on failed: %s", exc)
        return _back(exc.code)
    async with request.app.state.db.acquire() as conn:
        user_id = await store.sign_on_user(
            conn,
            identity.issuer,
            identity.subject,
            identity.email if identity.email_verified else None,
            identity.name,
        )
        person = None if user_id is None else await store.profile(conn, user_id)
    if person is None:
        if identity.email and not identity.email_verified:
            return _back("email_not_verified")
        return _back("no_account")
    try:
        _body, token = await open_session_for(request, person, None, via="sign_on")
    except ApiError as exc:
        return _back(exc.code)
    answer = RedirectResponse("/#signed-in", status_code=303)
    set_session_cookie(answer, request, token)
    answer.delete_cookie(BINDING_COOKIE, path=CALLBACK)
    return answer


def _back(code: str) -> RedirectResponse:
    answer = RedirectResponse(f"/#sign-on-error={code}", status_code=303)
    answer.delete_cookie(BINDING_COOKIE, path=CALLBACK)
    return answer


routes = [
    Route("/v1/sign-on", get_sign_on, methods=["GET"]),
    Route("/v1/sign-on/start", start_sign_on, methods=["GET"]),
    Route(CALLBACK, finish_sign_on, methods=["GET"]),
]
