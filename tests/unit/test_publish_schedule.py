"""When a post is begun and whether the platform is handed its time (``platform.due_at``,
``platform.scheduled``): a public YouTube post is uploaded ahead and scheduled there; any other post,
and one with too little time left, is posted at its time as it stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from streams.publish.platform import SCHEDULE_LEAD, UPLOADS_AHEAD, due_at, scheduled

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)
AHEAD = UPLOADS_AHEAD["youtube"]


def test_a_public_youtube_post_is_begun_ahead_of_its_time_and_handed_it():
    at = NOW + timedelta(hours=3)
    begun = due_at("youtube", "public", at, NOW)
    assert begun == at - AHEAD
    assert scheduled("youtube", "public", at, begun) == at


def test_one_wanted_sooner_than_the_lead_is_begun_now_and_still_scheduled():
    at = NOW + (AHEAD + SCHEDULE_LEAD) / 2  # between the lead and the whole lead-in
    assert due_at("youtube", "public", at, NOW) == NOW
    assert scheduled("youtube", "public", at, NOW) == at


def test_one_with_too_little_time_left_is_posted_public_at_its_time():
    at = NOW + SCHEDULE_LEAD - timedelta(seconds=1)
    assert due_at("youtube", "public", at, NOW) == at
    assert scheduled("youtube", "public", at, at) is None  # begun at its time: public at once
    late = NOW - timedelta(minutes=5)  # a claim that comes late (the publisher was down)
    assert scheduled("youtube", "public", late, NOW) is None


@pytest.mark.parametrize(("platform", "privacy"), [("youtube", "unlisted"), ("youtube", "private"),
                                                   ("tiktok", "public")])
def test_only_public_posts_to_a_platform_that_schedules_are_begun_ahead(platform, privacy):
    """YouTube's ``publishAt`` only ever makes a video public; TikTok's posting API has no time."""
    at = NOW + timedelta(hours=3)
    assert due_at(platform, privacy, at, NOW) == at
    assert scheduled(platform, privacy, at, NOW) is None


def test_a_shorter_lead_can_be_given():
    at = NOW + timedelta(seconds=5)
    assert scheduled("youtube", "public", at, NOW, lead=timedelta(seconds=2)) == at
    assert scheduled("youtube", "public", at, NOW) is None
