"""Billing through Stripe (issue 54), off unless ``CLIPSTREAM_STRIPE_API_KEY`` is set: a customer
per workspace, a subscription chosen through Stripe Checkout, the ledger's source seconds reported
as meter events (``reporter``), Stripe's webhooks keeping the subscription's state, and a
reconciliation of the ledger against what Stripe holds (``reconcile``)."""
