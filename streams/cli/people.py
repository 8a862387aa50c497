"""``clipstream users``: people who sign in to the web page, made by the operator straight on
PostgreSQL (the owner role), as tenants and keys are.

    clipstream users create EMAIL --tenant ID [--role owner] [--name NAME] [--password-stdin] [--json]
    clipstream users reset-link EMAIL [--hours 24] [--json]

``create`` makes the person (or finds them by email) and makes them a member of the workspace
with the role; without ``--password-stdin`` it makes a password and prints it once. ``reset-link``
prints a one-time link that sets a new password (``POST /v1/password-resets/{token}``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import sys

from streams.errors import ClipstreamError
from streams.settings import Settings


def cmd_users(args: argparse.Namespace, settings: Settings) -> int:
    from streams.cli.operations import as_owner
    from streams.people import passwords, store

    async def work(pool) -> dict:
        async with pool.acquire() as conn, conn.transaction():
            found = await store.user_by_email(conn, args.email)
            if args.action == "reset-link":
                if found is None:
                    raise ClipstreamError(f"users: nobody has the email {args.email!r}")
                token = await store.new_reset_link(conn, found.user_id, args.hours * 3600)
                return {"user": found.as_json(), "reset_token": token, "hours": args.hours}
            made = None
            if found is None:
                made = sys.stdin.readline().rstrip("\n") if args.password_stdin else secrets.token_urlsafe(12)
                hashed = await asyncio.to_thread(passwords.hash_password, made)
                found = await store.create_user(conn, args.email, args.name, hashed)
            if await conn.fetchval("SELECT 1 FROM tenants WHERE tenant_id = $1", args.tenant) is None:
                raise ClipstreamError(f"users: there is no tenant {args.tenant!r} (clipstream tenants create NAME)")
            await store.add_member(conn, args.tenant, found.user_id, args.role)
            shown = made if made is not None and not args.password_stdin else None
            return {"user": found.as_json(), "tenant_id": args.tenant, "role": args.role, "password": shown}

    result = as_owner(settings, work)
    if args.json:
        print(json.dumps(result, indent=2))
    elif args.action == "reset-link":
        base = settings.public_url or settings.api_url
        print(f"reset   {result['user']['email']}: POST {base}/v1/password-resets/{result['reset_token']}")
        print(f'        with {{"password": ...}}; works once, for {args.hours} hours')
    else:
        print(f"user    {result['user']['email']}  {result['user']['user_id']}  ({result['role']} of {args.tenant})")
        if result["password"]:
            print(f"        password {result['password']}  (shown once: sign in with it on the web page)")
    return 0


def add_parser(sub) -> None:
    users = sub.add_parser("users", help="operator: people who sign in to the web page")
    users_sub = users.add_subparsers(dest="action", required=True)
    create = users_sub.add_parser("create", help="a person, a member of a workspace with a role")
    create.add_argument("email")
    create.add_argument("--tenant", required=True, help="the workspace (tenant id, ten_...)")
    create.add_argument("--role", default="owner", choices=("viewer", "editor", "admin", "owner"))
    create.add_argument("--name", default="", help="the person's display name")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input (else one is made)"
    )
    create.add_argument("--json", action="store_true")
    reset = users_sub.add_parser("reset-link", help="a one-time link that sets a new password")
    reset.add_argument("email")
    reset.add_argument("--hours", type=float, default=24.0)
    reset.add_argument("--json", action="store_true")
    users.set_defaults(handler=cmd_users)
