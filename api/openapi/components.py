"""The parts of the OpenAPI document that operations share, written from what the handlers answer:
the resource schemas, the error answers, the page and ``Idempotency-Key`` parameters and the security
schemes. The upload options are the ``upload_received`` event's JSON Schema, so the API and the
pipeline share one definition of them.
"""

from __future__ import annotations

from functools import lru_cache

from api.openapi.blocks import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    OBJECT,
    SCORE,
    SHARE,
    STRING,
    TIMESTAMP,
    array,
    json_response,
    nullable,
    obj,
    query_param,
    ref,
)
from streams.domain import contracts
from streams.domain.clip import CLIP_FILES
from streams.domain.pipeline import VIDEO_STAGES
from streams.domain.video import VIDEO_STATUSES
from streams.people.roles import ROLES
from streams.timeline.formats import FORMATS

TIMELINE_LINKS = {
    "type": "object",
    "properties": {f: {"type": "string"} for f in FORMATS},
    "description": "Signed links to the timeline bundle (`bundle=zip`) in each editor format.",
}
SCOPES = ("read", "write", "admin")


@lru_cache(maxsize=1)
def options_schema() -> dict:
    """The upload options: the ``upload_received`` event's."""
    return contracts.schema("upload_received")["properties"]["options"]


def _video_schemas() -> dict:
    from api.clips import ASPECTS, MAX_CLIP_SECONDS, MIN_CLIP_SECONDS
    from streams.media.captions import CAPTION_STYLES
    from streams.moments import LENGTH_PRESETS

    clip_seconds = {"type": "number", "minimum": MIN_CLIP_SECONDS, "maximum": MAX_CLIP_SECONDS}
    timed = {"start": NUMBER, "end": NUMBER}
    status = {"enum": list(VIDEO_STATUSES)}
    # the API's own link to each file (never where storage keeps it); ``urls`` has signed ones
    clip_files = {f: {**STRING, "description": f"`/v1/clips/{{clip_id}}/download?file={f}`"} for f in CLIP_FILES}
    return {
        "VideoOptions": options_schema(),
        "VideoLinks": obj({k: STRING for k in ("self", "transcript", "moments", "clips", "events")}),
        "VideoAccepted": obj(
            {
                "video_id": STRING,
                "status": {"const": "queued"},
                "filename": STRING,
                "size_bytes": INTEGER,
                "options": ref("VideoOptions"),
                "links": ref("VideoLinks"),
            },
            {"source_url": STRING},
        ),
        "VideoFromUrl": obj(
            {"source_url": {"type": "string", "maxLength": 2048, "examples": ["https://example.com/talk.mp4"]}},
            {
                "filename": {
                    "type": "string",
                    "maxLength": 255,
                    "description": "Default: the URL's last path segment.",
                },
                "options": ref("VideoOptions"),
            },
        ),
        "CreateUpload": obj(
            {"filename": {"type": "string", "minLength": 1, "maxLength": 255}},
            {
                "size_bytes": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "The file's size: the most the form accepts (default: the upload limit).",
                },
                "options": ref("VideoOptions"),
            },
        ),
        "UploadForm": obj(
            {
                "upload_id": STRING,
                "method": {"const": "POST"},
                "url": STRING,
                "fields": {"type": "object", "additionalProperties": STRING},
                "max_bytes": INTEGER,
                "expires_at": TIMESTAMP,
                "links": obj({"confirm": STRING}),
            }
        ),
        "VideoSummary": obj(
            {
                "video_id": STRING,
                "filename": STRING,
                "status": status,
                "error": nullable(ref("ErrorStatus")),
                "duration": nullable(NUMBER),
                "size_bytes": INTEGER,
                "options": OBJECT,
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "finished_at": nullable(TIMESTAMP),
                "links": ref("VideoLinks"),
            }
        ),
        "VideoDetail": {
            "allOf": [
                ref("VideoSummary"),
                obj(
                    {
                        "progress": SHARE,
                        "stages": array(ref("Stage")),
                        "ranking": nullable(
                            obj(
                                {"judge": {"enum": ["on", "off"]}, "model": nullable(STRING), "note": STRING},
                                description="How the moments are ranked: by rules and the clip judge, or by "
                                "rules alone (CLIPSTREAM_MOMENT_JUDGE=off). Null until the "
                                "moments stage starts.",
                            )
                        ),
                        "urls": obj(
                            {"events": STRING, "source": STRING},
                            {"timeline": TIMELINE_LINKS},
                            description="Signed links, valid for an hour.",
                        ),
                    }
                ),
            ]
        },
        "Stage": obj(
            {
                "stage": STRING,
                "status": {"enum": ["pending", "running", "completed", "failed"]},
                "progress": SHARE,
                "error": nullable(obj({"code": nullable(STRING), "message": STRING})),
                "started_at": nullable(TIMESTAMP),
                "finished_at": nullable(TIMESTAMP),
            }
        ),
        "VideoList": obj({"videos": array(ref("VideoSummary")), "next_cursor": nullable(STRING), "has_more": BOOLEAN}),
        "Transcript": obj(
            {
                "video_id": STRING,
                "language": nullable(STRING),
                "language_probability": nullable(SHARE),
                "languages": array(STRING),
                "complete": BOOLEAN,
                "text": STRING,
                "words": array(obj({"word": STRING, **timed, "probability": NUMBER}, {"speaker": STRING})),
                "sentences": array(obj({"text": STRING, **timed}, {"speaker": STRING, "speaker_name": STRING})),
                "segments": array(obj({"text": STRING, **timed})),
                "speakers": array(ref("Speaker")),
            }
        ),
        "Speaker": obj(
            {"speaker": STRING, "name": STRING, "talk_seconds": NUMBER, "first_heard": NUMBER},
            description="`speaker` is the label diarization gave (S1, S2, ... first heard first); `name` "
            "is what exports show: the name given with PATCH, else `Speaker N`.",
        ),
        "SpeakerList": obj({"video_id": STRING, "complete": BOOLEAN, "speakers": array(ref("Speaker"))}),
        "HeardSpeaker": obj(
            {"speaker": STRING, "name": STRING},
            description="A voice heard in a moment or clip: its label and the name shown for it (given with PATCH, "
            "else `Speaker N`). Listed only where the video has more than one voice.",
        ),
        "RenameSpeaker": obj({"name": {"type": "string", "minLength": 1, "maxLength": 80}}, additionalProperties=False),
        "Moment": obj(
            {
                "moment_id": STRING,
                "rank": nullable(INTEGER),
                "final": BOOLEAN,
                "superseded": BOOLEAN,
                **timed,
                "score": SCORE,
                "title": STRING,
                "reason": STRING,
                "signals": OBJECT,
                "speakers": array(ref("HeardSpeaker")),
            }
        ),
        "MomentList": obj({"video_id": STRING, "status": status, "moments": array(ref("Moment"))}),
        "Clip": obj(
            {
                "clip_id": STRING,
                "video_id": STRING,
                "moment_id": STRING,
                "rank": nullable(INTEGER),
                "score": SCORE,
                "final": BOOLEAN,
                "superseded": BOOLEAN,
                **timed,
                "duration": NUMBER,
                "trimmed_seconds": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Seconds of long pauses and hesitations cut out inside the clip (`trim`): "
                    "`duration` is `end - start` less these.",
                },
                "aspect": STRING,
                "width": INTEGER,
                "height": INTEGER,
                "title": STRING,
                "reason": STRING,
                "signals": OBJECT,
                "speakers": array(ref("HeardSpeaker")),
                **clip_files,
                "caption_style": nullable(STRING),
                "variant": nullable(STRING),
                "links": obj({"self": STRING, **clip_files}),
                "urls": obj(
                    clip_files, {"timeline": TIMELINE_LINKS}, description="Signed download links, valid for an hour."
                ),
            }
        ),
        "RerenderClip": obj(
            {},
            {
                "caption_style": {"enum": list(CAPTION_STYLES)},
                "aspect": {"enum": list(ASPECTS)},
                "length": {"enum": list(LENGTH_PRESETS), "description": "Re-cut to a length preset (seconds)."},
                "trim": {
                    "enum": ["off", "pauses", "pauses+fillers"],
                    "description": "What is cut out inside the clip (default: the video's `trim` option).",
                },
                "hook_title": {"type": "boolean", "description": "Draw the title over the first seconds."},
                "emphasis": {"type": "boolean", "description": "Emphasise the words that carry the clip."},
                "emoji": {"type": "boolean", "description": "A symbol after emphasised words that name one."},
                "min_seconds": clip_seconds,
                "max_seconds": clip_seconds,
            },
        ),
        "CreateClip": obj(
            {"video_id": STRING, "start": {"type": "number", "minimum": 0}, "end": {"type": "number", "minimum": 0}},
            {"caption_style": {"enum": list(CAPTION_STYLES)}, "aspect": {"enum": list(ASPECTS)}},
        ),
        "RenderExists": obj({"clip_id": STRING, "status": {"const": "rendered"}, "links": obj({"self": STRING})}),
        "RenderQueued": obj(
            {
                "clip_id": STRING,
                "status": {"const": "queued"},
                "video_id": STRING,
                "moment_id": STRING,
                "caption_style": STRING,
                "aspect": STRING,
                "start": NUMBER,
                "end": NUMBER,
                "duration": NUMBER,
                "links": obj({"self": STRING, "clips": STRING}),
            },
            {"score": SCORE, "title": STRING, "reason": STRING},
        ),
        "ClipList": obj({"video_id": STRING, "status": status, "clips": array(ref("Clip"))}),
        "SearchResults": obj(
            {
                "query": STRING,
                "hits": array(
                    obj(
                        {
                            "video_id": STRING,
                            "filename": STRING,
                            "start": {"type": "number", "description": "When the first matching word is said (s)."},
                            "end": NUMBER,
                            "segment_start": {"type": "number", "description": "The sentence's start (s)."},
                            "segment_end": NUMBER,
                            "text": {"type": "string", "description": "The whole sentence."},
                            "snippet": {"type": "string", "description": "HTML-escaped, matches in `<mark>`."},
                            "score": {
                                "type": "number",
                                "description": "Relevance (higher is better; backend-specific scale).",
                            },
                            "language": {
                                "type": "string",
                                "description": "The language the sentence was spoken in (ISO 639-1).",
                            },
                        }
                    )
                ),
            }
        ),
        "SearchToken": obj(
            {"token": STRING, "index": STRING, "url": STRING, "expires_at": {"type": "string", "format": "date-time"}}
        ),
        "Analytics": obj(
            {
                "videos": INTEGER,
                "completed": INTEGER,
                "failed": INTEGER,
                "usage_minutes": NUMBER,
                "clips": INTEGER,
                "stages": obj(
                    {
                        s: obj(
                            {"count": INTEGER, "p50_seconds": nullable(NUMBER), "p95_seconds": nullable(NUMBER)},
                            {"p99_seconds": nullable(NUMBER)},
                        )
                        for s in VIDEO_STAGES
                    }
                ),
                "daily": array(
                    obj(
                        {
                            "day": {"type": "string", "format": "date"},
                            "videos": INTEGER,
                            "minutes": NUMBER,
                            "clips": INTEGER,
                        }
                    )
                ),
            },
            {
                "source": {"enum": ["clickhouse"], "description": "Where the numbers were read."},
                "processing": INTEGER,
                "end_to_end": obj(
                    latency := {
                        "count": INTEGER,
                        "p50_seconds": nullable(NUMBER),
                        "p95_seconds": nullable(NUMBER),
                        "p99_seconds": nullable(NUMBER),
                    },
                    description="Upload to the video's completion.",
                ),
                "first_clip": obj(latency, description="Upload to the first rendered clip."),
                "asr": obj(
                    {
                        "chunks": INTEGER,
                        "audio_minutes": NUMBER,
                        "realtime_factor_p50": nullable(NUMBER),
                        "realtime_factor_p95": nullable(NUMBER),
                    },
                    description="Per audio chunk: seconds from cut to transcript per second of audio.",
                ),
                "languages": {
                    **array(obj({"language": STRING, "videos": INTEGER, "minutes": NUMBER})),
                    "description": "Speech transcribed per language, most first: a chunk's minutes count "
                    "for the language with the most speech in it.",
                },
                "failures": array(
                    obj(
                        {
                            "stage": STRING,
                            "kind": {"enum": ["failed", "dead_lettered"]},
                            "error_code": STRING,
                            "videos": INTEGER,
                            "events": INTEGER,
                            "reason": STRING,
                        }
                    )
                ),
                "posts": {
                    **array(
                        obj(
                            {
                                "post_id": STRING,
                                "clip_id": STRING,
                                "video_id": STRING,
                                "platform": {"enum": ["youtube", "tiktok"]},
                                "views": nullable(INTEGER),
                                "likes": nullable(INTEGER),
                                "comments": nullable(INTEGER),
                                "fetched_at": TIMESTAMP,
                                "samples": INTEGER,
                            }
                        )
                    ),
                    "description": "Each published post's latest statistics from its platform (fetched every "
                    "CLIPSTREAM_POST_STATS_SECONDS), most viewed first; null: a count the platform does not give.",
                },
            },
        ),
    }


def _key_schemas() -> dict:
    scope = {"enum": list(SCOPES)}
    key = {"key_id": STRING, "prefix": STRING, "scope": scope, "name": STRING, "created_at": TIMESTAMP}
    return {
        "Me": obj({"tenant_id": STRING, "key_id": STRING, "scope": scope, "urls": obj({"events": STRING})}),
        "CreateKey": obj({"scope": scope}, {"name": {"type": "string", "maxLength": 200}}),
        "CreateTenant": obj({"name": {"type": "string", "minLength": 1, "maxLength": 200}}),
        "ApiKey": obj(
            {**key, "revoked_at": nullable(TIMESTAMP)},
            {
                "user_id": {**nullable(STRING), "description": "The member it belongs to; null: a service key."},
                "last_used_at": {**nullable(TIMESTAMP), "description": "Its last use, to the minute."},
                "created_by": {
                    "type": "string",
                    "description": "Who made it: `user:<user_id>`, `key:<key_id>` or `operator` (empty: made before this was kept).",
                },
            },
        ),
        "IssuedKey": obj(
            {"key": STRING, **key, "tenant_id": STRING},
            description="`key` (`csk_<key_id>_<secret>`) is shown once and never again.",
        ),
        "KeyList": obj({"keys": array(ref("ApiKey"))}),
        "SignIn": obj(
            {
                "email": {"type": "string", "minLength": 3, "maxLength": 320},
                "password": {"type": "string", "maxLength": 1024},
            },
            {
                "workspace_id": {
                    "type": "string",
                    "description": "The workspace (tenant) to sign in to (default: the first).",
                }
            },
        ),
        "Member": obj(
            {"user_id": STRING, "email": STRING, "role": {"enum": list(ROLES)}},
            {"display_name": STRING, "created_at": TIMESTAMP, "tenant_id": STRING},
        ),
        "MemberList": obj({"members": array(ref("Member"))}),
        "MemberRole": obj({"role": {"enum": list(ROLES)}}),
        "Invite": obj({"email": {"type": "string", "minLength": 3, "maxLength": 320}, "role": {"enum": list(ROLES)}}),
        "Invitation": obj(
            {
                "invitation_id": STRING,
                "email": STRING,
                "role": {"enum": list(ROLES)},
                "expires_at": STRING,
                "sent": BOOLEAN,
                "link": nullable(STRING),
            },
            description="`link` (single use) is given only when no mail carried it: pass it on yourself.",
        ),
        "AcceptInvitation": obj(
            {"password": {"type": "string", "maxLength": 1024}},
            {"display_name": {"type": "string", "maxLength": 200}},
        ),
        "AuditLog": obj(
            {
                "events": array(
                    obj(
                        {
                            "event_id": INTEGER,
                            "at": TIMESTAMP,
                            "actor": obj({"type": {"enum": ["user", "key", "operator", "invitation"]}, "id": STRING}),
                            "action": STRING,
                            "target": STRING,
                            "detail": OBJECT,
                        }
                    )
                )
            }
        ),
        "ResetRequest": obj({"email": {"type": "string", "minLength": 3, "maxLength": 320}}),
        "NewPassword": obj({"password": {"type": "string", "minLength": 10, "maxLength": 1024}}),
        "Session": obj(
            {
                "user": obj({"user_id": STRING}, {"email": STRING, "display_name": STRING}),
                "workspace": obj({"tenant_id": STRING, "name": STRING, "role": {"enum": list(ROLES)}}),
                "workspaces": array(obj({"tenant_id": STRING, "name": STRING, "role": {"enum": list(ROLES)}})),
                "role": {"enum": list(ROLES)},
                "csrf_token": {
                    "type": "string",
                    "description": "Send it as `X-CSRF-Token` on every call that changes anything.",
                },
                "expires_at": TIMESTAMP,
            },
            description="A signed-in person's session (its cookie is HttpOnly: never in the body).",
        ),
        "Usage": obj(
            {
                "period": obj({"start": TIMESTAMP, "end": TIMESTAMP}),
                "plan": obj(
                    {
                        "name": STRING,
                        "source_minutes_per_month": nullable(NUMBER),
                        "concurrent_videos": nullable(INTEGER),
                        "max_source_minutes": nullable(NUMBER),
                        "storage_gb": nullable(NUMBER),
                    }
                ),
                "used": obj({"source_minutes": NUMBER, "clips_rendered": INTEGER, "posts_published": INTEGER}),
                "in_flight": obj({"videos": INTEGER, "source_minutes": NUMBER}),
                "left": obj({"source_minutes": nullable(NUMBER)}),
                "storage": obj({"bytes": INTEGER}),
                "by_day": array(OBJECT),
                "by_submitter": array(OBJECT),
            },
            description="A calendar month (UTC). Limits are null where the plan sets none.",
        ),
        "SignOn": obj(
            {
                "enabled": {"type": "boolean", "description": "Whether people may sign in through an OpenID provider."},
                "name": {"type": "string", "description": "What the sign-in button calls the provider."},
            },
            description="Single sign-on, as the sign-in form offers it.",
        ),
        "TenantCreated": obj(
            {"tenant_id": STRING, "name": STRING, "created_at": TIMESTAMP, "api_key": ref("IssuedKey")}
        ),
    }


def _webhook_schemas() -> dict:
    from streams.webhooks.events import EVENT_TYPES

    kinds = {"type": "array", "items": {"enum": list(EVENT_TYPES)}, "description": "Empty: every type."}
    url, description = {"type": "string", "maxLength": 2000}, {"type": "string", "maxLength": 500}
    endpoint = {
        "endpoint_id": STRING,
        "url": STRING,
        "description": STRING,
        "event_types": array(STRING),
        "status": {"enum": ["enabled", "disabled"]},
        "disabled_reason": nullable(STRING),
        "secrets": array(obj({"created_at": TIMESTAMP, "expires_at": nullable(TIMESTAMP)})),
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
    }
    return {
        "CreateWebhookEndpoint": obj({"url": url}, {"description": description, "event_types": kinds}),
        "UpdateWebhookEndpoint": obj(
            {},
            {"url": url, "description": description, "event_types": kinds, "status": {"enum": ["enabled", "disabled"]}},
            additionalProperties=False,
        ),
        "RotateWebhookSecret": obj(
            {}, {"grace_seconds": {"type": "integer", "minimum": 0, "maximum": 30 * 24 * 3600, "default": 24 * 3600}}
        ),
        "WebhookEndpoint": obj(endpoint),
        "WebhookEndpointWithSecret": obj({**endpoint, "secret": STRING}),
        "WebhookEndpointList": obj(
            {"endpoints": array(ref("WebhookEndpoint")), "next_cursor": nullable(STRING), "has_more": BOOLEAN}
        ),
        "WebhookDelivery": obj(
            {
                "delivery_id": STRING,
                "endpoint_id": STRING,
                "event_type": STRING,
                "webhook_id": STRING,
                "status": {"enum": ["pending", "delivered", "failed", "disabled"]},
                "attempts": INTEGER,
                "next_attempt_at": nullable(TIMESTAMP),
                "last_status_code": nullable(INTEGER),
                "last_error": nullable(STRING),
                "created_at": TIMESTAMP,
                "delivered_at": nullable(TIMESTAMP),
                "payload": OBJECT,
                "attempt_log": array(
                    obj(
                        {
                            "attempt": INTEGER,
                            "status_code": nullable(INTEGER),
                            "error": nullable(STRING),
                            "duration_ms": INTEGER,
                            "at": TIMESTAMP,
                        }
                    )
                ),
            }
        ),
        "WebhookDeliveryList": obj(
            {"deliveries": array(ref("WebhookDelivery")), "next_cursor": nullable(STRING), "has_more": BOOLEAN}
        ),
    }


def _error_responses() -> dict:
    retry_after = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": INTEGER}}

    def answer(description: str, **extra) -> dict:
        return json_response("Error", description, **extra)

    return {
        "BadRequest": answer("A malformed multipart body (`http_error`)."),
        "Unauthorized": answer(
            "No key, or an unknown or revoked one (`unauthorized`).", headers={"WWW-Authenticate": {"schema": STRING}}
        ),
        "Forbidden": answer(
            "The key's scope is too small for this call (`forbidden`), or a signed link is altered or cut "
            "(`link_invalid`), past its time (`link_expired`) or its key revoked (`link_revoked`)."
        ),
        "NotFound": answer("No such resource for this tenant (`video_not_found`, `clip_not_found`, ...)."),
        "Conflict": answer(
            "A request with this Idempotency-Key is still running (`idempotency_key_in_use`, with "
            "`Retry-After`), the webhook endpoint is disabled (`endpoint_disabled`), or the resource "
            "is not in a state for this call (`upload_missing`, `upload_confirmed`, "
            "`presigned_uploads_unavailable`).",
            headers=retry_after,
        ),
        "Gone": answer("It expired (`upload_expired`)."),
        "QuotaExceeded": answer(
            "The workspace's plan does not allow it (`quota_exceeded`): its source minutes this month, its "
            "videos in progress at once or its longest source; `error.quota` says what is used, what is "
            "left and when the minutes reset. Nothing of the video is kept."
        ),
        "PayloadTooLarge": answer("The body is over the limit (`body_too_large`, `upload_too_large`)."),
        "UnsupportedMediaType": answer("The body has the wrong content type (`unsupported_media_type`)."),
        "Unprocessable": answer(
            "A parameter or the body is invalid (`invalid_query`, `invalid_body`, "
            "`invalid_options`, `invalid_cursor`, `idempotency_key_reused`, ...)."
        ),
        "RateLimited": answer("Over this key's request rate (`rate_limited`).", headers=retry_after),
        "Unavailable": answer("Storage or the queue is unavailable; retry later."),
        "OperatorUnauthorized": answer("Not the operator token (`unauthorized`)."),
        "OperatorOff": answer("Operator routes are off: CLIPSTREAM_ADMIN_TOKEN is not set (`not_found`)."),
    }


def components() -> dict:
    """``components`` of the document."""
    schemas = {
        "Error": obj({"error": ref("ErrorStatus")}),
        "ErrorStatus": obj(
            {"code": STRING, "message": STRING},
            {"quota": {**OBJECT, "description": "With `quota_exceeded`: the plan, use, what is left, `resets_at`."}},
            description="`code` is stable, for programs; `message` is for people.",
        ),
        "Health": obj({"ok": BOOLEAN, "version": STRING}),
        **_video_schemas(),
        **_key_schemas(),
        **_webhook_schemas(),
    }
    parameters = {
        "Limit": query_param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Page size."),
        "Cursor": query_param("cursor", STRING, "`next_cursor` of the previous page; leave out for the first."),
        "IdempotencyKey": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            "description": "Makes a retry safe: the first response to a key is kept (at least 24 h) and replayed to "
            "every retry with `Idempotent-Replayed: true`. The same key with other parameters is a "
            "422; a retry while the first request runs is a 409.",
        },
    }
    security = {
        "apiKey": {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "csk_<key_id>_<secret>",
            "description": "A tenant API key: `Authorization: Bearer csk_...`. Scopes nest: "
            "`admin` > `write` > `read`.",
        },
        "signedLink": {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "A signed link's token (from `urls` in answers): `read` on that one URL.",
        },
        "adminToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "The operator token (CLIPSTREAM_ADMIN_TOKEN) for `/v1/admin/...`.",
        },
    }
    return {"schemas": schemas, "responses": _error_responses(), "parameters": parameters, "securitySchemes": security}
