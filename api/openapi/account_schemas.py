"""The OpenAPI schemas of what a tenant keeps beside its videos: API keys, people, webhooks and
their deliveries (``api.openapi.components``)."""

from __future__ import annotations

from api.openapi.blocks import (
    BOOLEAN,
    INTEGER,
    NUMBER,
    OBJECT,
    STRING,
    TIMESTAMP,
    array,
    nullable,
    obj,
    ref,
)
from api.openapi.webhooks_sent import any_webhook_body
from streams.people.roles import ROLES
from streams.tenancy import SCOPES


def key_schemas() -> dict:
    scope = {"enum": list(SCOPES)}
    key = {"key_id": STRING, "prefix": STRING, "scope": scope, "name": STRING, "created_at": TIMESTAMP}
    used = {"source_minutes": NUMBER, "clips_rendered": INTEGER}  # a day's or a submitter's use
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
        "Plan": obj(
            {
                "name": STRING,
                "source_minutes_per_month": nullable(NUMBER),
                "concurrent_videos": nullable(INTEGER),
                "max_source_minutes": nullable(NUMBER),
                "storage_gb": nullable(NUMBER),
            },
            description="A workspace's plan; a limit is null where the plan sets none.",
        ),
        "Usage": obj(
            {
                "period": obj({"start": TIMESTAMP, "end": TIMESTAMP}),
                "plan": ref("Plan"),
                "used": obj({"source_minutes": NUMBER, "clips_rendered": INTEGER, "posts_published": INTEGER}),
                "in_flight": obj({"videos": INTEGER, "source_minutes": NUMBER}),
                "left": obj({"source_minutes": nullable(NUMBER)}),
                "storage": obj(
                    {"bytes": INTEGER, "measured_at": nullable(TIMESTAMP)},
                    description="What the workspace's files held when last measured: by the worker every"
                    " `storage_snapshot_seconds` (an hour by default) and when a video completes, and by the API"
                    " when it deletes a video or a clip, so a plan's storage limit sees the room made at once;"
                    " `measured_at` null and `bytes` 0 before the first measure.",
                ),
                "by_day": array(obj({"day": {"type": "string", "format": "date"}, **used, "posts_published": INTEGER})),
                "by_submitter": array(
                    obj(
                        {
                            "submitted_by": {
                                **nullable(STRING),
                                "description": "The key's id, or the person's for a signed-in upload.",
                            },
                            **used,
                        },
                        description="Posts are not counted here: a post is published by the schedule, not by a key.",
                    )
                ),
            },
            description="A calendar month (UTC). Limits are null where the plan sets none.",
        ),
        "Billing": obj(
            {
                "enabled": {"type": "boolean", "description": "Whether this server has a Stripe key."},
                "customer": nullable(
                    obj(
                        {
                            "customer_id": STRING,
                            "subscription": obj(
                                {"id": nullable(STRING), "status": nullable(STRING)},
                                description="Stripe's subscription and its status (`active`, `past_due`, ...); "
                                "both null until Stripe reports one.",
                            ),
                        }
                    )
                ),
            },
            description="The workspace's Stripe customer (null: none yet).",
        ),
        "Checkout": obj(
            {
                "checkout_url": {"type": "string", "description": "Stripe Checkout's page: send the person there."},
                "session_id": STRING,
            }
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


def webhook_schemas() -> dict:
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
                "payload": {**any_webhook_body(), "description": "The body sent (the document's `webhooks`)."},
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
