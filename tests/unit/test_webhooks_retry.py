import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from streams.errors import ConfigError
from streams.webhooks.retry import (
    Outcome,
    classify,
    next_delay,
    parse_schedule,
    retry_after_seconds,
)

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
SCHEDULE = (5.0, 300.0, 1800.0)


def test_the_schedule_setting_parses():
    assert parse_schedule("5,300, 1800") == SCHEDULE
    assert parse_schedule("0.1,0.1") == (0.1, 0.1)
    assert parse_schedule("") == ()
    for bad in ("5,soon", "5,-1"):
        with pytest.raises(ConfigError):
            parse_schedule(bad)


def test_each_pause_follows_the_schedule_within_the_jitter_and_then_gives_up():
    rng = random.Random(7)
    for attempts, base in enumerate(SCHEDULE, start=1):
        delays = [next_delay(attempts, SCHEDULE, rng) for _ in range(200)]
        assert all(base * 0.8 <= d <= base * 1.2 for d in delays)
        assert max(delays) - min(delays) > base * 0.2  # jitter really spreads them
    assert next_delay(len(SCHEDULE) + 1, SCHEDULE, rng) is None
    assert next_delay(1, (), rng) is None


def test_retry_after_lengthens_a_pause_but_never_shortens_it_and_is_capped():
    rng = random.Random(1)
    assert next_delay(1, SCHEDULE, rng, retry_after=60) == 60
    assert 4 <= next_delay(1, SCHEDULE, rng, retry_after=1) <= 6
    assert next_delay(1, SCHEDULE, rng, retry_after=10**7) == 3600
    assert next_delay(1, SCHEDULE, rng, retry_after=10**7, retry_after_cap=30) == 30
    assert next_delay(len(SCHEDULE) + 1, SCHEDULE, rng, retry_after=1) is None  # it adds no attempt


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_after_seconds("120", NOW) == 120
    assert retry_after_seconds(format_datetime(NOW + timedelta(minutes=2), usegmt=True), NOW) == 120
    assert retry_after_seconds(format_datetime(NOW - timedelta(minutes=2), usegmt=True), NOW) == 0
    for junk in (None, "", "soon", "-5", "1.5"):
        assert retry_after_seconds(junk, NOW) is None


@pytest.mark.parametrize("status,outcome", [
    (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (299, Outcome.DELIVERED),
    (410, Outcome.DISABLE),
    (301, Outcome.RETRY), (400, Outcome.RETRY), (404, Outcome.RETRY), (429, Outcome.RETRY),
    (500, Outcome.RETRY), (503, Outcome.RETRY), (None, Outcome.RETRY),
])
def test_answers_are_classified(status, outcome):
    assert classify(status) is outcome
