"""When to try a webhook delivery again, and what an answer means. Pure: no I/O, no clock reads.

The first attempt is immediate; ``schedule[i]`` is the pause after the (i+1)-th failed attempt,
so a schedule of n delays allows n + 1 attempts. Each pause gets ±20 % jitter, so deliveries that
failed together (an endpoint's outage) do not all come back in the same second.

Decisions:
- 2xx: delivered. 410 Gone: the receiver says the endpoint is gone for good: it is disabled and
  its pending deliveries with it.
- Anything else is a failed attempt to retry: 429 and 5xx, timeouts and connection errors, but
  also other 4xx and 3xx (Standard Webhooks: any non-2xx is a failure; redirects are not followed,
  since the signature does not cover the URL and a redirect could point into our network), and a
  URL the private-address guard refuses at send time (DNS may change; every attempt is re-checked).
- ``Retry-After`` (seconds or an HTTP date) can only lengthen a pause, never shorten it below the
  schedule (a receiver cannot make us hammer it), and is capped (an hour by default) so one answer
  cannot park a delivery for days. It does not add attempts: the schedule still bounds them.
"""

from __future__ import annotations

import enum
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from streams.errors import ConfigError

JITTER = 0.2
RETRY_AFTER_CAP_SECONDS = 3600.0


class Outcome(enum.Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    DISABLE = "disable"


def parse_schedule(setting: str) -> tuple[float, ...]:
    """``Settings.webhook_retry_schedule`` (``"5,300,1800"``) as pauses in seconds."""
    try:
        delays = tuple(float(part) for part in setting.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"webhook_retry_schedule={setting!r}: expected comma-separated seconds") from None
    if any(d < 0 for d in delays):
        raise ConfigError(f"webhook_retry_schedule={setting!r}: a delay cannot be negative")
    return delays


def classify(status_code: int | None) -> Outcome:
    """What an attempt's answer means; ``None`` is no answer (timeout, connection error, refused)."""
    if status_code is not None and 200 <= status_code < 300:
        return Outcome.DELIVERED
    if status_code == 410:
        return Outcome.DISABLE
    return Outcome.RETRY


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """A ``Retry-After`` header's pause in seconds (``"120"`` or an HTTP date), or None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def next_delay(
    attempts: int,
    schedule: tuple[float, ...],
    rng: random.Random,
    retry_after: float | None = None,
    retry_after_cap: float = RETRY_AFTER_CAP_SECONDS,
) -> float | None:
    """The pause before the next attempt after ``attempts`` failed ones (1 after the first), or
    None when the schedule is exhausted and the delivery has failed."""
    if attempts < 1 or attempts > len(schedule):
        return None
    delay = schedule[attempts - 1] * rng.uniform(1 - JITTER, 1 + JITTER)
    if retry_after is not None:
        delay = max(delay, min(retry_after, retry_after_cap))
    return delay
