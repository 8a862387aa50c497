"""A workspace's plan and the admission of a video against it (``streams.usage.plans``, pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from streams.errors import PlanQuotaExceeded
from streams.usage.plans import Plan, Standing, admit, left_seconds, month_of

NOW = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)


def test_the_month_is_the_calendar_month_in_utc_and_resets_at_the_next():
    assert month_of(NOW) == (datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    assert month_of(datetime(2026, 2, 14, tzinfo=UTC))[1] == datetime(2026, 3, 1, tzinfo=UTC)


def test_no_plan_admits_anything():
    admit(Plan(), Standing(10**9, 10**9, 10**6), 10**6, NOW)
    assert left_seconds(Plan(), Standing(0, 0, 0)) is None


def test_a_video_that_fits_what_is_left_is_admitted_and_a_longer_one_is_refused_with_what_is_left():
    plan = Plan("team", source_minutes_per_month=10)
    standing = Standing(used_seconds=8 * 60, in_flight_seconds=60, in_flight_videos=1)  # one minute left
    admit(plan, standing, 59.0, NOW)
    with pytest.raises(PlanQuotaExceeded) as refused:
        admit(plan, standing, 61.0, NOW)
    details = refused.value.details
    assert details["left_source_minutes"] == 1.0 and details["resets_at"] == "2027-01-01T00:00:00Z"
    assert "1.0 of its 10 source minutes left" in refused.value.message and refused.value.code == "quota_exceeded"


def test_a_video_of_unknown_length_is_admitted_while_minutes_are_left_and_refused_when_none_are():
    plan = Plan(source_minutes_per_month=10)
    admit(plan, Standing(9 * 60, 0, 0), None, NOW)
    with pytest.raises(PlanQuotaExceeded, match="0.0 of its 10 source minutes"):
        admit(plan, Standing(9 * 60, 60, 1), None, NOW)  # the video in flight holds the last minute


def test_videos_at_once_and_the_longest_source():
    with pytest.raises(PlanQuotaExceeded, match="2 videos in progress at once"):
        admit(Plan(concurrent_videos=2), Standing(0, 0, 2), 10, NOW)
    admit(Plan(concurrent_videos=2), Standing(0, 0, 1), 10, NOW)
    with pytest.raises(PlanQuotaExceeded, match="at most 30 minutes"):
        admit(Plan(max_source_minutes=30), Standing(0, 0, 0), 31 * 60, NOW)
    admit(Plan(max_source_minutes=30), Standing(0, 0, 0), None, NOW)  # not known yet: checked when it is


def test_the_servers_plan_comes_from_settings_with_zero_for_no_limit():
    from streams.settings import Settings

    plan = Plan.from_settings(Settings().with_overrides(plan_source_minutes_per_month=600, plan_concurrent_videos=0))
    assert (plan.source_minutes_per_month, plan.concurrent_videos, plan.max_source_minutes) == (600, None, None)
    assert plan.limits_minutes and plan.limits_anything and not Plan().limits_anything


def test_the_alert_thresholds_reached_and_their_webhook_once_a_month():
    from streams.usage.plans import thresholds_passed
    from streams.webhooks.events import EVENT_TYPES, from_usage

    plan = Plan(source_minutes_per_month=10)
    assert thresholds_passed(plan, 7.9 * 60) == [] and thresholds_passed(plan, 8 * 60) == [80]
    assert thresholds_passed(plan, 10 * 60) == [80, 100] and thresholds_passed(Plan(), 10**9) == []
    event = from_usage("t1", 80, "2026-12", {"used_source_minutes": 8.0}, "2026-12-05T10:00:00Z")
    assert event.type in EVENT_TYPES and event.key == "usage.threshold:2026-12:80" and event.tenant_id == "t1"
    assert event.payload["data"]["threshold_percent"] == 80 and event.payload["data"]["links"] == {"usage": "/v1/usage"}


def test_storage_as_last_measured_and_the_upload_must_fit_the_plans_gigabytes():
    from streams.usage.plans import GB

    plan = Plan(storage_gb=1)
    admit(plan, Standing(0, 0, 0, storage_bytes=GB // 2), 10, NOW, size_bytes=GB // 4)
    with pytest.raises(PlanQuotaExceeded, match="holds 0.90 GB of its plan's 1 GB of storage and this upload is 0.20 GB"):
        admit(plan, Standing(0, 0, 0, storage_bytes=int(0.9 * GB)), 10, NOW, size_bytes=int(0.2 * GB))
    assert plan.limits_anything and not plan.limits_minutes
