"""People signing in (issue 53): ``/v1/session`` and one-time password reset links.

Signing in with an email and password (Argon2id, ``streams.people.passwords``) opens a server-side
session in one of the person's workspaces, named by an HttpOnly, SameSite=Strict cookie (Secure
when the API is reached over TLS); its SHA-256 alone is stored. The answer carries the session's
CSRF token, which the page sends back as ``X-CSRF-Token`` on every request that changes anything
(``api.auth`` checks it, and the ``Origin``). A session ends at sign-out, after
``session_idle_seconds`` without a request, or ``session_max_seconds`` after it began. After
``sign_in_max_failures`` wrong passwords for an email within ``sign_in_window_seconds``, signing
in as it is refused (429) until the window passes, even with the right password.
"""

from __future__ import annotations

import asyncio
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.audit import audited
from api.auth import SESSION_COOKIE, caller
from api.bodies import field, json_object
from api.errors import ApiError, error_response
from api.hosts import page_link
from api.openapi.blocks import error, json_body, json_response
from api.routing import operation
from streams.adapters.db import tenant_connection
from streams.domain.envelope import iso_z
from streams.errors import WeakPassword
from streams.people import audit, mail, passwords, store

log = logging.getLogger(__name__)
RESET_SECONDS = 3600.0

SIGNED_IN = json_response("Session", "Signed in: the session cookie is set, and its CSRF token is in the body.")


def secure_request(request: Request) -> bool:
    return request.url.scheme == "https" or request.app.state.settings.public_url.startswith("https://")


@operation(
    "signIn",
    "Sign in with an email and a password (the web page's session)",
    {
        "201": SIGNED_IN,
        "401": json_response("Error", "The email or the password is wrong (`invalid_credentials`)."),
        "403": json_response("Error", "The person belongs to no workspace, or not that one (`no_workspace`)."),
        "413": error("PayloadTooLarge"),
        "415": error("UnsupportedMediaType"),
        "422": error("Unprocessable"),
        "429": error("RateLimited"),
    },
    tag="people",
    body=json_body("SignIn", "The email, the password and, optionally, the workspace."),
)
async def sign_in(request: Request) -> Response:
    body = await json_object(request)
    email = field(body, "email", str, required=True)
    password = field(body, "password", str, required=True)
    wanted = field(body, "workspace_id", str)
    if not 3 <= len(email) <= 320 or len(password) > passwords.MAX_LENGTH:
        raise ApiError(422, "invalid_body", "'email' is 3 to 320 characters and 'password' at most 1024")
    settings, pool = request.app.state.settings, request.app.state.db
    async with pool.acquire() as conn:
        found = await store.sign_in_row(conn, email, settings.sign_in_window_seconds)
    if found.failures >= settings.sign_in_max_failures:
        throttled = error_response(
            429,
            "rate_limited",
            f"too many wrong passwords for this email: try again in {settings.sign_in_window_seconds / 60:.0f} minutes "
            "or reset the password",
        )
        throttled.headers["Retry-After"] = str(int(settings.sign_in_window_seconds))
        return throttled
    if not await asyncio.to_thread(passwords.verify, found.password_hash, password) or found.user_id is None:
        async with pool.acquire() as conn:
            await store.record_failure(conn, email)
        raise ApiError(401, "invalid_credentials", "the email or the password is wrong")
    async with pool.acquire() as conn:
        await store.clear_failures(conn, email)
    person = store.User(found.user_id, store.normal_email(email), found.display_name)
    body, token = await open_session_for(request, person, wanted, via="password")
    answer = JSONResponse(body, status_code=201)
    set_session_cookie(answer, request, token)
    return answer


async def open_session_for(request: Request, person: store.User, wanted: str | None, via: str) -> tuple[dict, str]:
    """A new session of ``person`` in the workspace ``wanted`` (else their first), recorded in its
    audit log: the answer's body and the cookie's token. 403 ``no_workspace`` when not a member."""
    settings, pool = request.app.state.settings, request.app.state.db
    async with pool.acquire() as conn:
        spaces = await store.workspaces(conn, person.user_id)
        chosen = next((w for w in spaces if w.tenant_id == wanted), None) if wanted else next(iter(spaces), None)
        if chosen is None:
            raise ApiError(
                403,
                "no_workspace",
                "this person is not a member of that workspace"
                if wanted
                else "this person is not a member of any workspace yet",
            )
        opened = await store.open_session(
            conn, person.user_id, chosen.tenant_id, settings.session_idle_seconds, settings.session_max_seconds
        )
    if opened is None:  # the membership went between the two reads
        raise ApiError(403, "no_workspace", "this person is no longer a member of that workspace")
    token, csrf, ends = opened
    async with tenant_connection(pool, chosen.tenant_id) as conn:
        await audit.record(conn, chosen.tenant_id, audit.Actor("user", person.user_id), "session.signed_in", via=via)
    body = {
        "user": person.as_json(),
        "workspace": chosen.as_json(),
        "workspaces": [w.as_json() for w in spaces],
        "role": chosen.role,
        "csrf_token": csrf,
        "expires_at": iso_z(ends),
    }
    return body, token


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session's cookie: HttpOnly, SameSite=Strict, Secure over TLS, for the session's life."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(request.app.state.settings.session_max_seconds),
        httponly=True,
        secure=secure_request(request),
        samesite="strict",
        path="/",
    )


@operation(
    "getSession",
    "The signed-in person, their workspace, role and CSRF token",
    {
        "200": json_response("Session", "The session."),
        "409": json_response("Error", "The call is made with an API key, not a session (`not_a_session`)."),
    },
    scope="read",
    tag="people",
)
async def get_session(request: Request) -> JSONResponse:
    principal = caller(request)
    if principal.session is None:
        raise ApiError(409, "not_a_session", "this call is made with an API key: sessions are the web page's")
    pool = request.app.state.db
    async with pool.acquire() as conn:
        spaces = await store.workspaces(conn, principal.session.user_id)
        person = await store.profile(conn, principal.session.user_id)
    here = next(w for w in spaces if w.tenant_id == principal.tenant_id)
    return JSONResponse(
        {
            "user": person.as_json() if person else {"user_id": principal.session.user_id},
            "workspace": here.as_json(),
            "workspaces": [w.as_json() for w in spaces],
            "role": principal.session.role,
            "csrf_token": principal.session.csrf_token,
            "expires_at": iso_z(principal.session.expires_at),
        }
    )


@operation(
    "signOut",
    "Sign out: the session ends on the server and its cookie is cleared",
    {
        "204": {"description": "Signed out."},
        "409": json_response("Error", "The call is made with an API key, not a session (`not_a_session`)."),
    },
    scope="read",
    tag="people",
)
async def sign_out(request: Request) -> Response:
    principal = caller(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    if principal.session is None or not token:
        raise ApiError(409, "not_a_session", "this call is made with an API key: there is no session to end")
    async with request.app.state.db.acquire() as conn:
        await store.end_session(conn, token)
    await audited(request, "session.signed_out")
    answer = Response(status_code=204)
    answer.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=secure_request(request), samesite="strict")
    return answer


@operation(
    "requestPasswordReset",
    "Ask for a password reset link by email",
    {
        "202": {
            "description": "If an account has this email, a link is on its way (the answer is the same either way)."
        },
        "409": json_response("Error", "No mail is set up on this server: ask its operator (`mail_not_configured`)."),
        "413": error("PayloadTooLarge"),
        "415": error("UnsupportedMediaType"),
        "422": error("Unprocessable"),
    },
    tag="people",
    body=json_body("ResetRequest", "The account's email."),
)
async def request_password_reset(request: Request) -> Response:
    body = await json_object(request)
    email = field(body, "email", str, required=True)
    if not 3 <= len(email) <= 320:
        raise ApiError(422, "invalid_body", "'email' is 3 to 320 characters")
    settings = request.app.state.settings
    if not settings.smtp_url:
        raise ApiError(
            409,
            "mail_not_configured",
            "this server sends no mail: ask its operator for a reset link (clipstream users reset-link EMAIL)",
        )
    async with request.app.state.db.acquire() as conn:
        token = await store.request_reset_link(conn, email, RESET_SECONDS)
    if token is not None:
        link = page_link(settings, f"reset={token}")
        subject, text = mail.reset_text(link)
        try:
            await asyncio.to_thread(
                mail.send, settings.smtp_url, settings.smtp_from, store.normal_email(email), subject, text
            )
        except (OSError, mail.smtplib.SMTPException) as exc:  # the same answer: nothing to tell a stranger
            log.warning("a password reset link could not be mailed: %s", exc)
    return Response(status_code=202)


@operation(
    "usePasswordReset",
    "Set a new password with a one-time reset link",
    {
        "204": {"description": "The password is set; every session of the person has ended."},
        "404": json_response("Error", "The link is unknown, used or expired (`reset_link_invalid`)."),
        "413": error("PayloadTooLarge"),
        "415": error("UnsupportedMediaType"),
        "422": error("Unprocessable"),
    },
    tag="people",
    body=json_body("NewPassword", "The new password."),
    path_params={"token": "The token of the reset link."},
)
async def use_password_reset(request: Request) -> Response:
    body = await json_object(request)
    password = field(body, "password", str, required=True)
    try:
        hashed = await asyncio.to_thread(passwords.hash_password, password)
    except WeakPassword as exc:
        raise ApiError(422, exc.code, exc.message) from None
    async with request.app.state.db.acquire() as conn:
        user_id = await store.use_reset_link(conn, request.path_params["token"], hashed)
    if user_id is None:
        raise ApiError(404, "reset_link_invalid", "this reset link is unknown, used already or expired")
    return Response(status_code=204)


routes = [
    Route("/v1/session", sign_in, methods=["POST"]),
    Route("/v1/session", get_session, methods=["GET"]),
    Route("/v1/session", sign_out, methods=["DELETE"]),
    Route("/v1/password-resets", request_password_reset, methods=["POST"]),
    Route("/v1/password-resets/{token}", use_password_reset, methods=["POST"]),
]
