"""``clipstream billing reconcile``: the ledger against Stripe (issue 54), for the operator.

    clipstream billing reconcile [--days 30] [--json]

For each workspace with a Stripe customer, the source seconds reported to Stripe in the last
``--days`` against what Stripe's meter holds for the customer; each difference is printed, and the
command exits 1 when there is one (0 when everything agrees), so it can run from cron.
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, timedelta

from streams.settings import Settings


def cmd_billing(args: argparse.Namespace, settings: Settings) -> int:
    from streams.billing.reconcile import reconcile
    from streams.billing.stripe_account import StripeAccount
    from streams.cli.operations import as_owner
    from streams.errors import ConfigError

    account = StripeAccount.configured(settings)
    if account is None:
        raise ConfigError("billing is off: set CLIPSTREAM_STRIPE_API_KEY (and CLIPSTREAM_STRIPE_METER_ID) to reconcile")
    end = datetime.now(UTC)
    start = end - timedelta(days=args.days)
    apart = as_owner(settings, lambda pool: reconcile(pool, account, start, end))
    if args.json:
        print(
            json.dumps(
                {"start": start.isoformat(), "end": end.isoformat(), "differences": [d.as_json() for d in apart]}
            )
        )
    elif not apart:
        print(f"billing: the ledger and Stripe agree for every workspace since {start:%Y-%m-%d %H:%M} UTC")
    for d in [] if args.json else apart:
        print(
            f"differs {d.tenant_id} ({d.customer_id}): ledger {d.ledger_seconds:g} s, Stripe {d.stripe_seconds:g} s "
            f"({d.seconds:+g} s)"
        )
    return 1 if apart else 0


def add_parser(sub) -> None:
    billing = sub.add_parser("billing", help="operator: Stripe billing (reconcile the ledger with Stripe)")
    billing_sub = billing.add_subparsers(dest="action", required=True)
    check = billing_sub.add_parser("reconcile", help="the ledger against Stripe's meter, per workspace")
    check.add_argument("--days", type=float, default=30.0, help="how far back (default 30 days)")
    check.add_argument("--json", action="store_true")
    billing.set_defaults(handler=cmd_billing)
