"""A workspace's people (issue 53): its members and their roles, and invitations by email.

An admin invites with ``POST /v1/invitations`` (``{"email", "role"}``): the single-use link, good
for a week, goes out by mail when ``CLIPSTREAM_SMTP_URL`` is set and is in the answer for the admin
to pass on when it is not. Whoever opens it joins with ``POST /v1/invitations/{token}/accept``: a
new person chooses a password there; a person who already has an account gives theirs. Only an
owner may make or unmake an owner, and a workspace always keeps one.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.audit import audited
from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.hosts import page_link
from api.openapi.blocks import NOT_FOUND, error, json_body, json_response
from api.routing import operation, post
from streams.adapters.db import tenant_connection
from streams.domain.envelope import iso_z
from streams.errors import WeakPassword
from streams.people import mail, passwords, store
from streams.people.roles import ROLES

log = logging.getLogger(__name__)

INVITATION_SECONDS = 7 * 86400.0


def _role(body: dict) -> str:
    role = field(body, "role", str, required=True)
    if role not in ROLES:
        raise ApiError(422, "invalid_role", f"'role' must be one of {', '.join(ROLES)}")
    return role


def _may_touch_owner(request: Request, role: str) -> None:
    principal = caller(request)
    acting = principal.session.role if principal.session is not None else "admin"
    if role == "owner" and acting != "owner":
        raise ApiError(403, "forbidden", "only an owner may make, change or remove an owner")


async def _member_or_404(conn, tenant_id: str, user_id: str) -> store.Member:
    found = next((m for m in await store.members(conn, tenant_id) if m.user_id == user_id), None)
    if found is None:
        raise ApiError(404, "member_not_found", f"no member with id {user_id!r}")
    return found


@operation(
    "listMembers",
    "The workspace's members and their roles",
    {"200": json_response("MemberList", "Every member.")},
    scope="admin",
    tag="people",
)
async def list_members(request: Request) -> JSONResponse:
    principal = caller(request)
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        found = await store.members(conn, principal.tenant_id)
    return JSONResponse({"members": [m.as_json() for m in found]})


@operation(
    "changeMemberRole",
    "Change a member's role",
    {"200": json_response("Member", "The member."), **NOT_FOUND, "409": error("Conflict")},
    scope="admin",
    tag="people",
    body=json_body("MemberRole", "The new role."),
    path_params={"user_id": "The member's user id (usr_...)."},
)
async def change_role(request: Request) -> JSONResponse:
    principal = caller(request)
    body = await json_object(request)
    user_id = request.path_params["user_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        current = await _member_or_404(conn, principal.tenant_id, user_id)
        role = _role(body)
        _may_touch_owner(request, current.role)
        _may_touch_owner(request, role)
        if current.role == "owner" and role != "owner" and await store.owners(conn, principal.tenant_id) <= 1:
            raise ApiError(409, "last_owner", "a workspace keeps at least one owner: make another owner first")
        await store.set_role(conn, principal.tenant_id, user_id, role)
    await audited(request, "member.role_changed", user_id, before=current.role, after=role)
    return JSONResponse({**current.as_json(), "role": role})


@operation(
    "removeMember",
    "Remove a member: their sessions end and their keys stop working",
    {"204": {"description": "Removed."}, **NOT_FOUND, "409": error("Conflict"), "413": error("PayloadTooLarge")},
    scope="admin",
    tag="people",
    path_params={"user_id": "The member's user id (usr_...)."},
)
async def remove_member(request: Request) -> Response:
    principal = caller(request)
    user_id = request.path_params["user_id"]
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        current = await _member_or_404(conn, principal.tenant_id, user_id)
        _may_touch_owner(request, current.role)
        if current.role == "owner" and await store.owners(conn, principal.tenant_id) <= 1:
            raise ApiError(409, "last_owner", "a workspace keeps at least one owner")
        await store.remove_member(conn, principal.tenant_id, user_id)
    await audited(request, "member.removed", user_id, email=current.email, role=current.role)
    return Response(status_code=204)


@post(
    "invite",
    "Invite someone by email into the workspace with a role",
    {"201": json_response("Invitation", "The invitation; `link` when no mail could carry it.")},
    scope="admin",
    tag="people",
    body=json_body("Invite", "The email and the role."),
)
async def invite(request: Request) -> JSONResponse:
    principal = caller(request)
    body = await json_object(request)
    email, role = field(body, "email", str, required=True).strip().lower(), _role(body)
    if not 3 <= len(email) <= 320 or "@" not in email[1:]:
        raise ApiError(422, "invalid_body", "'email' is an email address")
    _may_touch_owner(request, role)
    settings = request.app.state.settings
    inviter = principal.session.user_id if principal.session is not None else principal.key_id
    async with tenant_connection(request.app.state.db, principal.tenant_id) as conn:
        token, invitation_id, expires = await store.create_invitation(
            conn, principal.tenant_id, email, role, inviter, INVITATION_SECONDS
        )
        workspace = await conn.fetchval("SELECT name FROM tenants WHERE tenant_id = $1", principal.tenant_id)
    link = page_link(settings, f"invitation={token}")
    sent = False
    if settings.smtp_url:
        subject, text = mail.invitation_text(workspace or principal.tenant_id, role, link, "")
        try:
            await asyncio.to_thread(mail.send, settings.smtp_url, settings.smtp_from, email, subject, text)
            sent = True
        except (OSError, mail.smtplib.SMTPException) as exc:
            log.warning("invitation %s: the mail could not be sent: %s", invitation_id, exc)
    await audited(request, "member.invited", invitation_id, email=email, role=role, mailed=sent)
    answer = {
        "invitation_id": invitation_id,
        "email": email,
        "role": role,
        "expires_at": iso_z(expires),
        "sent": sent,
    }
    return JSONResponse({**answer, "link": None if sent else link}, status_code=201)


@operation(
    "acceptInvitation",
    "Join a workspace with an invitation link",
    {
        "201": json_response("Member", "The new member."),
        "401": json_response(
            "Error", "The account of this email exists and the password is wrong (`invalid_credentials`)."
        ),
        "404": json_response("Error", "The link is unknown, used or expired (`invitation_invalid`)."),
        "413": error("PayloadTooLarge"),
        "415": error("UnsupportedMediaType"),
        "422": error("Unprocessable"),
    },
    tag="people",
    body=json_body("AcceptInvitation", "The new person's name and password (or an existing person's password)."),
    path_params={"token": "The invitation's token (from its link)."},
)
async def accept(request: Request) -> JSONResponse:
    body = await json_object(request)
    password = field(body, "password", str, required=True)
    name = field(body, "display_name", str, default="").strip()[:200]
    token, pool, settings = request.path_params["token"], request.app.state.db, request.app.state.settings
    async with pool.acquire() as conn:
        email = await store.invitation_email(conn, token)
        if email is None:
            raise ApiError(404, "invitation_invalid", "this invitation is unknown, used already or expired")
        existing = await store.sign_in_row(conn, email, settings.sign_in_window_seconds)
    if existing.user_id is not None:
        if not await asyncio.to_thread(passwords.verify, existing.password_hash, password):
            raise ApiError(401, "invalid_credentials", "this email has an account: give its password to join")
        hashed = None
    else:
        try:
            hashed = await asyncio.to_thread(passwords.hash_password, password)
        except WeakPassword as exc:
            raise ApiError(422, exc.code, exc.message) from None
    try:
        async with pool.acquire() as conn:
            joined = await store.accept_invitation(conn, token, name, hashed, existing.user_id)
    except asyncpg.RaiseError:
        raise ApiError(404, "invitation_invalid", "this invitation is unknown, used already or expired") from None
    if joined is None:
        raise ApiError(404, "invitation_invalid", "this invitation is unknown, used already or expired")
    return JSONResponse(
        {
            "user_id": joined["user_id"],
            "email": joined["email"],
            "display_name": name,
            "role": joined["role"],
            "tenant_id": joined["tenant_id"],
        },
        status_code=201,
    )


routes = [
    Route("/v1/members", list_members, methods=["GET"]),
    Route("/v1/members/{user_id}", change_role, methods=["PATCH"]),
    Route("/v1/members/{user_id}", remove_member, methods=["DELETE"]),
    Route("/v1/invitations", invite, methods=["POST"]),
    Route("/v1/invitations/{token}/accept", accept, methods=["POST"]),
]
