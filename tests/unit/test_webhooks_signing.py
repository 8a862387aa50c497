"""Our signatures against the reference implementation, the ``standardwebhooks`` package."""

import base64
import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from streams.domain.webhooks import SigningSecret
from streams.webhooks.signing import (
    PREFIX,
    active_secrets,
    headers,
    new_secret,
    rotated,
    secret_key,
    sign,
    signature_header,
    verify,
)

BODY = json.dumps({"type": "clip.rendered", "timestamp": "2025-06-01T12:00:00.000Z",
                   "data": {"video_id": "v1", "clip_id": "c1", "title": "Ünïcode ✓"}}).encode()


def test_new_secrets_are_prefixed_random_32_byte_keys():
    a, b = new_secret(), new_secret()
    assert a.startswith(PREFIX) and a != b
    assert len(secret_key(a)) == 32
    for bad in ("nope", PREFIX + "!!!", PREFIX + base64.b64encode(b"short").decode()):
        with pytest.raises(ValueError):
            secret_key(bad)


def test_a_signature_verifies_with_the_reference_implementation():
    secret, ts = new_secret(), int(time.time())
    sent = headers([secret], "msg_abc", ts, BODY)
    assert Webhook(secret).verify(BODY, sent) == json.loads(BODY)
    assert verify(secret, "msg_abc", ts, BODY, sent["webhook-signature"])


def test_the_reference_signature_equals_ours():
    secret, ts = new_secret(), int(time.time())
    reference = Webhook(secret).sign("msg_abc", datetime.fromtimestamp(ts, tz=timezone.utc), BODY.decode())
    assert sign(secret, "msg_abc", ts, BODY) == reference


def test_a_rotated_header_verifies_with_either_secret_and_not_with_another():
    old, new, ts = new_secret(), new_secret(), int(time.time())
    sent = headers([new, old], "msg_abc", ts, BODY)
    assert len(sent["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        Webhook(secret).verify(BODY, sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(BODY, sent)


def test_a_tampered_body_id_or_timestamp_fails():
    secret, ts = new_secret(), int(time.time())
    sent = headers([secret], "msg_abc", ts, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY.replace(b"c1", b"c2"), sent)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-id": "msg_abd"})
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, {**sent, "webhook-timestamp": str(ts + 1)})
    assert not verify(secret, "msg_abc", ts, BODY + b" ", sent["webhook-signature"])


def test_an_old_timestamp_is_refused():
    secret, ts = new_secret(), int(time.time()) - 600
    header = signature_header([secret], "msg_abc", ts, BODY)
    assert not verify(secret, "msg_abc", ts, BODY, header)
    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(BODY, headers([secret], "msg_abc", ts, BODY))


def test_rotation_keeps_the_previous_secret_for_the_grace_period_only():
    t0 = datetime(2025, 6, 1, tzinfo=timezone.utc)
    first = [SigningSecret("s1", t0)]
    second = rotated(first, "s2", t0 + timedelta(hours=1), timedelta(hours=24))
    assert [e.secret for e in second] == ["s2", "s1"] and second[0].expires_at is None
    assert second[1].expires_at == t0 + timedelta(hours=25)
    assert active_secrets(second, t0 + timedelta(hours=2)) == ["s2", "s1"]
    assert active_secrets(second, t0 + timedelta(hours=26)) == ["s2"]
    third = rotated(second, "s3", t0 + timedelta(hours=30), timedelta(hours=24))
    assert [e.secret for e in third] == ["s3", "s2"]  # s1 had expired: dropped
    assert [e.secret for e in rotated(third, "s4", t0 + timedelta(hours=31), timedelta(0))] == ["s4", "s2"]


def test_a_secret_is_stored_as_json_and_read_back_unchanged():
    t0 = datetime(2025, 6, 1, tzinfo=timezone.utc)
    for entry in (SigningSecret("whsec_a", t0), SigningSecret("whsec_b", t0, t0 + timedelta(days=1))):
        stored = json.loads(json.dumps(entry.to_json()))
        assert SigningSecret.from_json(stored) == entry
    assert SigningSecret("s", t0).to_json() == {"secret": "s", "created_at": "2025-06-01T00:00:00+00:00",
                                                "expires_at": None}
