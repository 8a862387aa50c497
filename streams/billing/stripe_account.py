"""clipstream's Stripe account, through Stripe's official library (``stripe``), called in threads
(the library is synchronous). Every request goes to ``stripe_api_url`` when set (the tests:
stripe-mock, Stripe's own test server, which checks each against Stripe's OpenAPI description),
else Stripe's own; the library retries what failed on the network or on Stripe's side (with the
idempotency keys it adds), and what still fails is ``BillingUnavailable`` or ``BillingError``.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, TypeVar

import stripe

from streams.errors import BillingError, BillingUnavailable, ConfigError
from streams.settings import Settings

T = TypeVar("T")
NETWORK_RETRIES = 3


@dataclass(frozen=True)
class Checkout:
    session_id: str
    url: str


def meter_identifier(kind: str, subject: str) -> str:
    """The meter event's identifier for a ledger row: its own key, so every try of one row's
    report is one event to Stripe (at most 100 characters)."""
    return f"clipstream-{kind}-{subject}"[:100]


class StripeAccount:
    def __init__(self, settings: Settings) -> None:
        if not settings.stripe_api_key:
            raise ConfigError("billing needs CLIPSTREAM_STRIPE_API_KEY")
        base: Any = {"api": settings.stripe_api_url.rstrip("/")} if settings.stripe_api_url else None
        self.client = stripe.StripeClient(
            settings.stripe_api_key, base_addresses=base, max_network_retries=NETWORK_RETRIES
        )
        self.settings = settings

    @classmethod
    def configured(cls, settings: Settings) -> StripeAccount | None:
        """The account, or None when billing is off (nothing then reaches Stripe)."""
        return cls(settings) if settings.stripe_api_key else None

    async def _call(self, what: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError) as exc:
            raise BillingUnavailable(f"Stripe could not {what}: {exc.user_message or exc}") from exc
        except stripe.StripeError as exc:
            raise BillingError(f"Stripe refused to {what}: {exc.user_message or exc}") from exc

    async def create_customer(self, tenant_id: str, name: str) -> str:
        params: Any = {"name": name[:256], "metadata": {"tenant_id": tenant_id}}
        options: Any = {"idempotency_key": f"clipstream-customer-{tenant_id}"}
        made = await self._call("make a customer", lambda: self.client.v1.customers.create(params, options))
        return made.id

    async def checkout(self, tenant_id: str, customer_id: str, success_url: str, cancel_url: str) -> Checkout:
        if not self.settings.stripe_price_id:
            raise ConfigError("a subscription needs CLIPSTREAM_STRIPE_PRICE_ID (the metered price)")
        params: Any = {
            "mode": "subscription",
            "customer": customer_id,
            "client_reference_id": tenant_id,
            "line_items": [{"price": self.settings.stripe_price_id}],
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        made = await self._call("open a checkout", lambda: self.client.v1.checkout.sessions.create(params))
        return Checkout(made.id, made.url or "")

    async def report(self, customer_id: str, seconds: float, identifier: str, at: datetime) -> None:
        """One meter event of ``seconds`` (whole seconds: meters sum whole numbers)."""
        params: Any = {
            "event_name": self.settings.stripe_meter_event_name,
            "identifier": identifier,
            "timestamp": int(at.timestamp()),
            "payload": {"stripe_customer_id": customer_id, "value": str(int(round(seconds)))},
        }
        await self._call("take a meter event", lambda: self.client.v1.billing.meter_events.create(params))

    async def metered_seconds(self, customer_id: str, start: datetime, end: datetime) -> float:
        """What Stripe's meter holds for the customer between ``start`` and ``end``."""
        if not self.settings.stripe_meter_id:
            raise ConfigError("reconciling needs CLIPSTREAM_STRIPE_METER_ID (the meter's id)")
        meter = self.settings.stripe_meter_id
        params: Any = {"customer": customer_id, "start_time": int(start.timestamp()), "end_time": int(end.timestamp())}

        def total() -> float:
            page = self.client.v1.billing.meters.event_summaries.list(meter, params)
            return float(sum(s.aggregated_value for s in page.auto_paging_iter()))

        return await self._call("read the meter", total)

    def event(self, payload: bytes, signature: str) -> stripe.Event:
        """A webhook's event, its ``Stripe-Signature`` checked with the endpoint's secret (and its
        age: five minutes); raises ``BillingError`` otherwise."""
        if not self.settings.stripe_webhook_secret:
            raise ConfigError("Stripe's webhooks need CLIPSTREAM_STRIPE_WEBHOOK_SECRET")
        try:
            return self.client.construct_event(payload, signature, self.settings.stripe_webhook_secret)
        except (stripe.SignatureVerificationError, ValueError) as exc:
            raise BillingError(f"not an event Stripe signed: {exc}") from exc
