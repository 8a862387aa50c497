"""Billing through Stripe (issue 54) against stripe-mock, Stripe's own test server, which refuses
any request Stripe's OpenAPI description does not allow: a checkout makes the workspace's customer;
Stripe's webhooks are taken only with the endpoint's signature and keep the subscription's state;
the ledger is reported as meter events whose identifiers repeat when a send is retried, once
each; the reconciliation reports a difference it is shown."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import httpx
import pytest

from streams.billing import reporter
from streams.billing.reconcile import reconcile
from streams.billing.stripe_account import StripeAccount, meter_identifier
from streams.errors import BillingUnavailable
from streams.stack.stripe_mock import TEST_WEBHOOK_SECRET
from tests.documented import assert_documented
from tests.owner import as_owner, new_tenant

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def workspace(pipeline, stripe_mock) -> dict:
    tenant_id, key = new_tenant(pipeline.settings, f"billing {uuid.uuid4().hex[:6]}")
    http = httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"})
    with http:
        yield {"tenant_id": tenant_id, "http": http}


def _signed(payload: bytes, secret: str = TEST_WEBHOOK_SECRET, at: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe makes it: HMAC-SHA256 of ``<t>.<payload>``."""
    at = int(time.time()) if at is None else at
    mac = hmac.new(secret.encode(), f"{at}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def test_a_checkout_makes_the_workspaces_customer_and_stripe_mock_accepts_every_request(pipeline, workspace):
    http = workspace["http"]
    assert http.get("/v1/billing").json() == {"enabled": True, "customer": None}
    started = http.post("/v1/billing/checkout")
    assert started.status_code == 201, started.text
    assert started.json()["checkout_url"].startswith("https://") and started.json()["session_id"]
    assert_documented(started.json(), "Checkout")
    billing = http.get("/v1/billing").json()
    assert_documented(billing, "Billing")
    with pytest.raises(AssertionError, match="not a Billing"):
        assert_documented({**billing, "enabled": "yes"}, "Billing")
    customer = billing["customer"]
    assert customer["customer_id"].startswith("cus_") and customer["subscription"] == {"id": None, "status": None}
    again = http.post("/v1/billing/checkout")  # the same customer, a new page
    assert again.status_code == 201 and http.get("/v1/billing").json()["customer"]["customer_id"] == customer["customer_id"]
    events = http.get("/v1/audit").json()["events"]
    assert [e["action"] for e in events].count("billing.checkout_started") == 2


def test_stripes_webhooks_are_taken_only_with_the_endpoints_signature(pipeline, workspace):
    http, url = workspace["http"], pipeline.settings.api_url + "/v1/billing/webhook"
    customer_id = http.get("/v1/billing").json()["customer"]["customer_id"]
    event = {"id": "evt_test_1", "object": "event", "type": "customer.subscription.updated", "api_version": "2025-01-27",
             "created": int(time.time()), "livemode": False, "pending_webhooks": 1, "request": None,
             "data": {"object": {"id": "sub_test_1", "object": "subscription", "customer": customer_id,
                                 "status": "active"}}}
    payload = json.dumps(event).encode()
    for wrong in (_signed(payload, "whsec_not_ours"), _signed(payload, at=int(time.time()) - 3600), "t=1,v1=00", ""):
        refused = httpx.post(url, content=payload, headers={"Stripe-Signature": wrong, "Content-Type": "application/json"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "invalid_signature", wrong
    assert http.get("/v1/billing").json()["customer"]["subscription"]["status"] is None  # nothing changed

    taken = httpx.post(url, content=payload, headers={"Stripe-Signature": _signed(payload),
                                                      "Content-Type": "application/json"})
    assert taken.status_code == 200, taken.text
    assert taken.json() == {"received": True, "tenant_id": workspace["tenant_id"]}
    subscribed = http.get("/v1/billing").json()
    assert subscribed["customer"]["subscription"] == {"id": "sub_test_1", "status": "active"}
    assert_documented(subscribed, "Billing")
    event["type"], event["id"] = "customer.subscription.deleted", "evt_test_2"
    payload = json.dumps(event).encode()
    httpx.post(url, content=payload, headers={"Stripe-Signature": _signed(payload), "Content-Type": "application/json"})
    assert http.get("/v1/billing").json()["customer"]["subscription"]["status"] == "canceled"


def _deliver(url: str, customer_id: str, kind: str, made: int, status: str, subscription: str = "sub_order_1") -> dict:
    """A Stripe event about ``customer_id``'s subscription, made at ``made`` (Unix seconds) and
    signed now, as Stripe resends an old one; the webhook's answer."""
    if kind == "checkout.session.completed":
        thing = {"id": f"cs_{made}", "object": "checkout.session", "customer": customer_id, "subscription": subscription}
    else:
        thing = {"id": subscription, "object": "subscription", "customer": customer_id, "status": status}
    event = {"id": f"evt_{uuid.uuid4().hex[:12]}", "object": "event", "type": kind, "api_version": "2025-01-27",
             "created": made, "livemode": False, "pending_webhooks": 1, "request": None, "data": {"object": thing}}
    payload = json.dumps(event).encode()
    answer = httpx.post(url, content=payload, headers={"Stripe-Signature": _signed(payload),
                                                       "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_subscription_keeps_the_state_of_its_newest_event_whatever_order_stripe_sends_them(pipeline, stripe_mock):
    """Stripe sends its events in no set order, and again for up to three days: an event older than
    the state recorded changes nothing (its answer names no workspace); events of one second are
    taken in the order a subscription goes through its states; another subscription's newer event
    replaces the state."""
    tenant_id, key = new_tenant(pipeline.settings, f"billing order {uuid.uuid4().hex[:6]}")
    url = pipeline.settings.api_url + "/v1/billing/webhook"
    with httpx.Client(base_url=pipeline.settings.api_url, timeout=60, headers={"Authorization": f"Bearer {key}"}) as http:
        assert http.post("/v1/billing/checkout").status_code == 201
        customer_id = http.get("/v1/billing").json()["customer"]["customer_id"]

        def state() -> dict:
            return http.get("/v1/billing").json()["customer"]["subscription"]

        made = int(time.time()) - 600
        sent = [  # (event, made, status) in the order they arrive, and the state each leaves
            ("customer.subscription.updated", made, "active"),
            ("customer.subscription.created", made, "incomplete"),  # made in the same second, before it was paid
            ("checkout.session.completed", made - 1, "active"),
            ("customer.subscription.deleted", made + 300, "canceled"),
            ("customer.subscription.updated", made + 100, "past_due"),  # a resend of an older event
        ]
        answers, states = [], []
        for kind, at, status in sent:
            answers.append(_deliver(url, customer_id, kind, at, status)["tenant_id"])
            states.append(state())
        renewed = _deliver(url, customer_id, "customer.subscription.created", made + 400, "active", "sub_order_2")
        last = state()
    first, cancelled = {"id": "sub_order_1", "status": "active"}, {"id": "sub_order_1", "status": "canceled"}
    assert states == [first, first, first, cancelled, cancelled]
    assert answers == [tenant_id, None, None, tenant_id, None]
    assert renewed["tenant_id"] == tenant_id and last == {"id": "sub_order_2", "status": "active"}


class Flaky(StripeAccount):
    """The real account (to stripe-mock), recording every meter event's identifier; with
    ``lose_answer_of``, the answer to that row's first send is lost after Stripe took it."""

    def __init__(self, settings, lose_answer_of: str | None = None) -> None:
        super().__init__(settings)
        self.sent: list[str] = []
        self.lose_answer_of = lose_answer_of

    async def report(self, customer_id, seconds, identifier, at) -> None:
        await super().report(customer_id, seconds, identifier, at)
        self.sent.append(identifier)
        if identifier == self.lose_answer_of:
            self.lose_answer_of = None
            raise BillingUnavailable("the answer was lost on the way back")


def test_the_ledger_is_reported_once_per_row_and_a_retried_send_repeats_its_identifier(pipeline, workspace):
    settings, tenant_id = pipeline.settings, workspace["tenant_id"]
    videos = [uuid.uuid4().hex for _ in range(3)]

    async def ledger(pool):  # three completed videos' rows, as the completion trigger writes them
        async with pool.acquire() as conn:
            for i, video_id in enumerate(videos):
                await conn.execute("INSERT INTO usage_records (tenant_id, kind, subject, quantity) VALUES"
                                   " ($1, 'source_seconds', $2, $3)", tenant_id, video_id, 60.0 + i)

    as_owner(settings, ledger)
    account = Flaky(settings, lose_answer_of=meter_identifier("source_seconds", videos[1]))

    async def rounds(pool):
        with pytest.raises(BillingUnavailable):
            await reporter.report_round(pool, account)  # the second row's answer is lost: left unreported
        return await reporter.report_round(pool, account), await reporter.report_round(pool, account)

    second, third = as_owner(settings, rounds)
    mine = [i for i in account.sent if any(v in i for v in videos)]
    expected = [meter_identifier("source_seconds", v) for v in videos]
    assert mine == [expected[0], expected[1], expected[1], expected[2]]  # the retry repeats its identifier
    assert third == 0  # nothing left

    async def reported(pool):
        async with pool.acquire() as conn:
            return await conn.fetch("SELECT subject, reported_at, report_attempts FROM usage_records"
                                    " WHERE tenant_id = $1 ORDER BY subject", tenant_id)

    rows = {r["subject"]: r for r in as_owner(settings, reported)}
    assert all(rows[v]["reported_at"] is not None for v in videos)
    assert rows[videos[1]]["report_attempts"] == 1  # the lost answer rolled its try back with the row


def test_the_reconciliation_reports_a_difference_it_is_shown(pipeline, workspace, capsys):
    from datetime import UTC, datetime, timedelta

    from streams.cli.billing import cmd_billing
    from streams.cli.main import build_parser

    settings = pipeline.settings
    end, start = datetime.now(UTC) + timedelta(minutes=1), datetime.now(UTC) - timedelta(days=1)
    # stripe-mock keeps no state: its meter always sums to 25, whatever was sent
    apart = as_owner(settings, lambda pool: reconcile(pool, StripeAccount(settings), start, end))
    mine = [d for d in apart if d.tenant_id == workspace["tenant_id"]]
    assert len(mine) == 1 and mine[0].ledger_seconds == 183 and mine[0].stripe_seconds == 25
    assert mine[0].seconds == -158
    assert cmd_billing(build_parser().parse_args(["billing", "reconcile", "--days", "1", "--json"]), settings) == 1
    shown = json.loads(capsys.readouterr().out)
    assert any(d["tenant_id"] == workspace["tenant_id"] and d["difference_seconds"] == -158
               for d in shown["differences"])


def test_without_a_stripe_key_billing_is_off_and_nothing_reaches_stripe(pipeline):
    from types import SimpleNamespace

    from api.billing import _account
    from api.errors import ApiError
    from streams.cli.billing import cmd_billing
    from streams.cli.main import build_parser
    from streams.errors import ConfigError

    off = pipeline.settings.with_overrides(stripe_api_key="")
    assert StripeAccount.configured(off) is None  # the worker's reporter stops at this
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=off)))
    with pytest.raises(ApiError) as refused:
        _account(request)
    assert (refused.value.status, refused.value.code) == (409, "billing_not_configured")
    with pytest.raises(ConfigError, match="CLIPSTREAM_STRIPE_API_KEY"):
        cmd_billing(build_parser().parse_args(["billing", "reconcile"]), off)
