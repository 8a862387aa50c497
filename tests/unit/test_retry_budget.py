"""A stage's retry budget: doubling pauses with equal jitter, capped, ending at whichever of the
attempts and the seconds runs out first; per-stage overrides from the settings."""

from __future__ import annotations

import random

import pytest

from streams.errors import ConfigError
from streams.worker.retry import RetryBudget, budget_for, parse_overrides
from streams.settings import Settings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def upper(low: float, high: float) -> float:
    return high


def test_pauses_double_from_the_backoff_up_to_the_cap_until_the_attempts_are_spent():
    clock = Clock()
    tries = RetryBudget(attempts=7, seconds=1000, backoff=1.0, max_backoff=8.0).start(clock, upper)
    pauses = []
    while (pause := tries.pause()) is not None:
        pauses.append(pause)
        clock.now += pause
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]  # 7 tries: 6 pauses
    assert tries.count == 7
    assert tries.spent() == "gave up after 7 tries in 31 s"


def test_the_time_limit_ends_it_before_a_pause_that_would_cross_it():
    clock = Clock()
    tries = RetryBudget(attempts=100, seconds=10, backoff=1.0, max_backoff=60.0).start(clock, upper)
    pauses = []
    while (pause := tries.pause()) is not None:
        pauses.append(pause)
        clock.now += pause + 0.5  # each try itself takes half a second
    assert pauses == [1.0, 2.0, 4.0]  # the next, 8 s at 8.5 s elapsed, would end past 10 s
    assert tries.count == 4


def test_every_pause_is_between_half_and_all_of_its_bound():
    rng = random.Random(7)
    for _ in range(50):
        clock = Clock()
        tries = RetryBudget(attempts=6, seconds=1000, backoff=2.0, max_backoff=10.0).start(clock, rng.uniform)
        bounds = [2.0, 4.0, 8.0, 10.0, 10.0]
        for bound in bounds:
            pause = tries.pause()
            assert bound / 2 <= pause <= bound
            clock.now += pause
        assert tries.pause() is None


def test_one_attempt_means_no_retry():
    tries = RetryBudget(attempts=1, seconds=100).start(Clock(), upper)
    assert tries.pause() is None
    assert tries.spent() == "gave up after 1 try in 0 s"


def test_a_budget_that_makes_no_sense_is_refused():
    with pytest.raises(ConfigError):
        RetryBudget(attempts=0)
    with pytest.raises(ConfigError):
        RetryBudget(backoff=5.0, max_backoff=1.0)


def test_settings_give_every_stage_the_defaults_and_overrides_name_stages():
    settings = Settings.from_env({"CLIPSTREAM_STAGE_ATTEMPTS": "5", "CLIPSTREAM_STAGE_RETRY_SECONDS": "90",
                                  "CLIPSTREAM_STAGE_RETRY_BACKOFF_SECONDS": "0.5",
                                  "CLIPSTREAM_STAGE_RETRY_MAX_BACKOFF_SECONDS": "20",
                                  "CLIPSTREAM_STAGE_RETRY_BUDGETS": "transcribe=12/600, render=2/30"})
    assert budget_for("moments", settings) == RetryBudget(attempts=5, seconds=90, backoff=0.5, max_backoff=20)
    assert budget_for("transcribe", settings) == RetryBudget(attempts=12, seconds=600, backoff=0.5, max_backoff=20)
    assert budget_for("render", settings).attempts == 2
    defaults = Settings.from_env({})
    assert budget_for("ingest", defaults) == RetryBudget(attempts=8, seconds=300, backoff=1, max_backoff=60)


@pytest.mark.parametrize("text", ["transcribe", "transcribe=12", "transcribe=x/1", "=3/10", "render=0/10",
                                  "render=2/-1"])
def test_overrides_that_do_not_parse_say_how_they_should_look(text):
    with pytest.raises(ConfigError, match="STAGE_RETRY_BUDGETS"):
        parse_overrides(text)


def test_no_overrides_is_an_empty_map():
    assert parse_overrides("") == {} and parse_overrides(" , ") == {}
