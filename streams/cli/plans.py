"""``clipstream plans``: a workspace's plan (issue 54), set by the operator straight on PostgreSQL
(the owner role), as tenants, keys and people are.

    clipstream plans set --tenant ID [--name NAME] [--minutes N] [--concurrent N] [--max-source-minutes N]
                         [--storage-gb N] [--json]
    clipstream plans show --tenant ID [--json]
    clipstream plans clear --tenant ID

A limit left out is no limit; a workspace with no plan of its own has the server's
(``CLIPSTREAM_PLAN_*``). ``show`` prints the month's use against it (what ``GET /v1/usage`` gives).
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime

from streams.errors import ClipstreamError
from streams.settings import Settings


def cmd_plans(args: argparse.Namespace, settings: Settings) -> int:
    from streams.adapters.db import tenant_connection
    from streams.cli.operations import as_owner
    from streams.usage import store
    from streams.usage.plans import Plan

    async def work(pool) -> dict:
        async with tenant_connection(pool, args.tenant) as conn:
            if await conn.fetchval("SELECT 1 FROM tenants WHERE tenant_id = $1", args.tenant) is None:
                raise ClipstreamError(f"plans: there is no tenant {args.tenant!r} (clipstream tenants create NAME)")
            if args.action == "set":
                await store.set_plan(
                    conn,
                    args.tenant,
                    Plan(args.name, args.minutes, args.concurrent, args.max_source_minutes, args.storage_gb),
                )
            elif args.action == "clear":
                await store.clear_plan(conn, args.tenant)
            plan = await store.plan_of(conn, args.tenant, settings)
            return await store.report(conn, args.tenant, plan, datetime.now(UTC))

    report = as_owner(settings, work)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    plan, used, left = report["plan"], report["used"], report["left"]["source_minutes"]

    def limit(value, unit: str) -> str:
        return "no limit" if value is None else f"{value:g} {unit}"

    print(
        f"plan    {plan['name']}: {limit(plan['source_minutes_per_month'], 'source minutes a month')}, "
        f"{limit(plan['concurrent_videos'], 'videos at once')}, "
        f"{limit(plan['max_source_minutes'], 'minutes the longest source')}"
    )
    print(
        f"used    {used['source_minutes']:g} source minutes, {used['clips_rendered']} clips, "
        f"{used['posts_published']} posts since {report['period']['start']}"
        + ("" if left is None else f"; {left:g} minutes left until {report['period']['end']}")
    )
    return 0


def add_parser(sub) -> None:
    plans = sub.add_parser("plans", help="operator: a workspace's plan (minutes a month, videos at once)")
    plans_sub = plans.add_subparsers(dest="action", required=True)
    for name, text in (
        ("set", "give the workspace a plan of its own"),
        ("show", "the plan and this month's use"),
        ("clear", "back to the server's plan"),
    ):
        one = plans_sub.add_parser(name, help=text)
        one.add_argument("--tenant", required=True, help="the workspace (tenant id, ten_...)")
        one.add_argument("--json", action="store_true")
        if name == "set":
            one.add_argument("--name", default="custom")
            one.add_argument("--minutes", type=float, default=None, help="source minutes a calendar month")
            one.add_argument("--concurrent", type=int, default=None, help="videos in progress at once")
            one.add_argument("--max-source-minutes", type=float, default=None, help="the longest source")
            one.add_argument("--storage-gb", type=float, default=None, help="storage its objects may hold")
    plans.set_defaults(handler=cmd_plans)
