"""Reading TikTok's webhooks (``streams.publish.tiktok_notices``): TikTok's signature, checked and
dated; the post a Content Posting event names, and the creator and time of any event."""

from __future__ import annotations

import json

import pytest

from streams.errors import PlatformNoticeRefused
from streams.publish.tiktok_notices import TOLERANCE_SECONDS, Notice, read, signature

KEY, SECRET, NOW = "aw-app", "app-secret", 1_800_000_000


def body(event: str, content: dict | str, client_key: str = KEY) -> bytes:
    return json.dumps({"client_key": client_key, "event": event, "create_time": NOW, "user_openid": "act.x",
                       "content": content if isinstance(content, str) else json.dumps(content)}).encode()


def test_a_signed_post_event_names_its_publish_id():
    sent = body("post.publish.publicly_available", {"publish_id": "v_pub_file~1", "post_id": "73", "publish_type": "DIRECT_PUBLISH"})
    notice = read(signature(SECRET, NOW, sent), sent, client_key=KEY, client_secret=SECRET, now=NOW + 2)
    assert notice == Notice("post.publish.publicly_available", "v_pub_file~1", "act.x", NOW)
    failed = body("post.publish.failed", {"publish_id": "v_pub_file~2", "reason": "duet_react_permission_denied"})
    assert read(signature(SECRET, NOW, failed), failed, client_key=KEY, client_secret=SECRET, now=NOW).publish_id \
        == "v_pub_file~2"


def test_an_event_that_is_not_a_posts_names_no_post_but_its_creator_and_when():
    sent = body("authorization.removed", {"reason": 1})
    assert read(signature(SECRET, NOW, sent), sent, client_key=KEY, client_secret=SECRET, now=NOW) == \
        Notice("authorization.removed", None, "act.x", NOW)
    anonymous = json.dumps({"client_key": KEY, "event": "authorization.removed", "create_time": "yesterday"}).encode()
    assert read(signature(SECRET, NOW, anonymous), anonymous, client_key=KEY, client_secret=SECRET, now=NOW) == \
        Notice("authorization.removed", None, None, None)
    garbled = body("post.publish.complete", "not json")
    assert read(signature(SECRET, NOW, garbled), garbled, client_key=KEY, client_secret=SECRET, now=NOW).publish_id \
        is None


@pytest.mark.parametrize("case", ["other secret", "body changed", "no header", "no timestamp", "too old",
                                  "from the future", "other app", "not json"])
def test_a_notice_not_signed_by_this_app_within_the_window_is_refused(case):
    sent = body("post.publish.complete", {"publish_id": "v_pub_file~1"})
    header, received, now = signature(SECRET, NOW, sent), sent, NOW
    if case == "other secret":
        header = signature("someone else's", NOW, sent)
    elif case == "body changed":
        received = sent.replace(b"v_pub_file~1", b"v_pub_file~9")
    elif case == "no header":
        header = ""
    elif case == "no timestamp":
        header = header.split(",", 1)[1]
    elif case == "too old":
        now = NOW + TOLERANCE_SECONDS + 1
    elif case == "from the future":
        now = NOW - TOLERANCE_SECONDS - 1
    elif case == "other app":
        received = body("post.publish.complete", {"publish_id": "v_pub_file~1"}, client_key="another")
        header = signature(SECRET, NOW, received)
    elif case == "not json":
        received = b"<xml/>"
        header = signature(SECRET, NOW, received)
    with pytest.raises(PlatformNoticeRefused):
        read(header, received, client_key=KEY, client_secret=SECRET, now=now)
