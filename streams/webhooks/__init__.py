"""Webhooks in the Standard Webhooks format (https://www.standardwebhooks.com/): pipeline events
become signed HTTP POSTs to the endpoints a tenant registered, retried until delivered.

Pure parts: ``signing`` (secrets, signatures), ``retry`` (schedule, Retry-After, outcomes),
``events`` (pipeline events to webhook events). I/O: ``store`` (PostgreSQL), ``dispatch`` (the
sender). The Faust agents that enqueue deliveries are ``streams.agents.webhooks``; the API is
``api.webhooks``.
"""
