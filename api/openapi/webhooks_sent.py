"""The webhooks an endpoint receives, as OpenAPI 3.1's top-level ``webhooks``: one ``POST`` per
event type (``streams.webhooks.events``), with the Standard Webhooks headers it is signed with and
its body, ``{"type", "timestamp", "data"}``, each type's ``data`` closed (``tests/unit`` builds
every event with the functions that make them and checks it against this)."""

from __future__ import annotations

from api.openapi.blocks import INTEGER, NUMBER, SCORE, STRING, TIMESTAMP, array, nullable, obj, ref
from streams.domain import contracts
from streams.domain.clip import CLIP_FILES
from streams.settings.api import ApiSettings
from streams.usage.plans import THRESHOLDS
from streams.webhooks.events import TEST_EVENT
from streams.webhooks.retry import JITTER, parse_schedule

HEADERS = (
    ("webhook-id", "The occurrence's id at this endpoint: the same on every attempt, so a receiver drops repeats."),
    ("webhook-timestamp", "Seconds since the epoch when this attempt was signed; refuse one far from now."),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256>` of `<webhook-id>.<webhook-timestamp>.<body>`, keyed with the bytes the endpoint's "
        "secret encodes (base64 after `whsec_`); several, space-separated, while a rotated-out secret is still honoured.",
    ),
)


def _closed(required: dict, optional: dict | None = None, **extra) -> dict:
    return obj(required, optional, additionalProperties=False, **extra)


def _links(*names: str, optional: tuple[str, ...] = ()) -> dict:
    return _closed({n: STRING for n in ("video", *names)}, {n: STRING for n in optional})


def _data() -> dict[str, tuple[str, dict]]:
    """Each event type's summary and ``data`` schema."""
    video = {"video_id": STRING, "tenant_id": STRING}
    speakers = contracts.schema("lifecycle")["properties"]["speakers"]
    moment = _closed(
        {
            "moment_id": STRING,
            "rank": INTEGER,
            "start": NUMBER,
            "end": NUMBER,
            "score": SCORE,
            "title": STRING,
            "reason": STRING,
        }
    )
    post = {
        "post_id": STRING,
        "clip_id": STRING,
        "account_id": STRING,
        "title": STRING,
        "publish_at": TIMESTAMP,
        "platform_id": nullable(STRING),
        "url": nullable(STRING),
        "links": _closed({"post": STRING, "clip": STRING}),
    }
    return {
        "video.processing": ("A video's processing started (ingest began).", _closed({**video, "links": _links()})),
        "transcript.ready": (
            "A video's transcript is complete; `speakers` where more than one voice was told apart.",
            _closed(
                {**video, "links": _links("transcript", optional=("speakers",))},
                {"speakers": {k: v for k, v in speakers.items() if k != "description"}},
            ),
        ),
        "transcript.corrected": (
            "A person corrected words of a video's transcript: each word as it reads now (`heard`: what was heard, "
            "where that differs), and the clips whose captions still show the words as before. Each correction once.",
            _closed(
                {
                    **video,
                    "words": array(_closed({"word": STRING, "start": NUMBER, "end": NUMBER}, {"heard": STRING})),
                    "clips": array(STRING),
                    "links": _links("transcript"),
                }
            ),
        ),
        "moments.ready": (
            "The final ranking, best first, and the streamed picks it superseded (their clips were announced).",
            _closed(
                {
                    **video,
                    "moments": array(moment),
                    "superseded": array(STRING),
                    "links": _links("moments", "clips"),
                }
            ),
        ),
        "clip.rendered": (
            "A clip is rendered: its files' API links (download them with a key, or ask the clip for signed ones).",
            _closed(
                {
                    **video,
                    "clip_id": STRING,
                    "moment_id": STRING,
                    "rank": nullable(INTEGER),
                    "aspect": STRING,
                    "start": NUMBER,
                    "end": NUMBER,
                    "duration": NUMBER,
                    **{f: STRING for f in CLIP_FILES},
                    "links": _links("clips"),
                },
                {"cover": {**STRING, "description": "The cover art's API link, only for a clip that has one."}},
            ),
        ),
        "clip.deleted": (
            "A person deleted a clip and its files (`DELETE /v1/clips/{clip_id}`); each deletion once. Its id may "
            "be rendered again later, when someone asks for it: `clip.rendered` says so.",
            _closed({**video, "clip_id": STRING, "moment_id": STRING, "aspect": STRING, "links": _links("clips")}),
        ),
        "video.completed": ("A video is done: every clip rendered.", _closed({**video, "links": _links("clips")})),
        "video.deleted": (
            "A person deleted a video, its clips (`clips`: their ids, each not announced on its own) and its files "
            "(`DELETE /v1/videos/{video_id}`).",
            _closed({**video, "clips": array(STRING)}),
        ),
        "video.failed": (
            "A video failed, in `stage`; each failure once (an operator may revive a video, which may fail again).",
            _closed(
                {
                    **video,
                    "stage": STRING,
                    "error": _closed({"code": nullable(STRING), "message": nullable(STRING)}),
                    "links": _links(),
                }
            ),
        ),
        "post.published": ("A post is on its platform.", _closed(post)),
        "post.failed": (
            "A post failed for good (`account_reconnect_required`: its account must be connected again; "
            "`post_refused`: the platform refused or could not process it after the upload, and a retry "
            "uploads it again).",
            _closed({**post, "error_code": STRING, "error": STRING}),
        ),
        "usage.threshold": (
            f"A completed video took the workspace past {' % or '.join(map(str, THRESHOLDS))} % of its monthly source "
            "minutes; once a month each.",
            _closed(
                {
                    "tenant_id": STRING,
                    "threshold_percent": {"enum": list(THRESHOLDS)},
                    "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "plan": ref("Plan"),
                    "used_source_minutes": NUMBER,
                    "limit_source_minutes": NUMBER,
                    "links": _closed({"usage": STRING}),
                }
            ),
        ),
        TEST_EVENT: (
            "Sent by `POST /v1/webhooks/endpoints/{endpoint_id}/test` only; no subscription needed.",
            _closed({"tenant_id": STRING, "endpoint_id": STRING}),
        ),
    }


def _schedule() -> str:
    return ", ".join(f"{delay:g}" for delay in parse_schedule(ApiSettings.webhook_retry_schedule))


def body_schema_name(kind: str) -> str:
    """The component schema of a ``kind`` webhook's body (``Webhook.clip.rendered``)."""
    return f"Webhook.{kind}"


def webhook_bodies() -> dict:
    """Component schemas: each webhook's body, ``{"type", "timestamp", "data"}``, by type."""
    return {
        body_schema_name(kind): _closed(
            {"type": {"const": kind}, "timestamp": TIMESTAMP, "data": data}, description=summary
        )
        for kind, (summary, data) in _data().items()
    }


def any_webhook_body() -> dict:
    """A body of any webhook (a delivery's ``payload``), told apart by ``type``."""
    return {"oneOf": [ref(body_schema_name(kind)) for kind in _data()]}


def webhooks() -> dict:
    """The document's ``webhooks``: what each event type's ``POST`` to an endpoint holds."""
    headers = [{"name": n, "in": "header", "required": True, "schema": STRING, "description": d} for n, d in HEADERS]
    return {
        kind: {
            "post": {
                "operationId": f"webhook_{kind.replace('.', '_')}",
                "summary": summary,
                "description": "JSON, compact with sorted keys (the signature covers these exact bytes).",
                "security": [],  # no key is sent: the signature headers say it is ours
                "parameters": headers,
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref(body_schema_name(kind))}},
                },
                "responses": {
                    "2XX": {"description": "Taken; not sent again."},
                    "410": {"description": "The endpoint is disabled; nothing more is sent to it."},
                    "default": {
                        "description": "Sent again on the server's retry schedule (`CLIPSTREAM_WEBHOOK_RETRY_SCHEDULE`, "
                        f"by default after {_schedule()} s, each ±{JITTER:.0%}); a longer `Retry-After` is honoured."
                    },
                },
            }
        }
        for kind, (summary, _) in _data().items()
    }
