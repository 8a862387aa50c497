"""The parts of the OpenAPI document that operations share, written from what the handlers answer:
the resource schemas, the error answers, the page and ``Idempotency-Key`` parameters and the security
schemes. The upload options are the ``upload_received`` event's JSON Schema, so the API and the
pipeline share one definition of them.
"""

from __future__ import annotations

from api.openapi.account_schemas import key_schemas, webhook_schemas
from api.openapi.blocks import (
    BOOLEAN,
    INTEGER,
    OBJECT,
    STRING,
    json_response,
    obj,
    query_param,
    ref,
)
from api.openapi.video_schemas import video_schemas
from api.openapi.webhooks_sent import webhook_bodies


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
            "`presigned_uploads_unavailable`), or a word reads otherwise than the request says (`word_changed`).",
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
            "A parameter or the body is invalid (`invalid_input`, `invalid_query`, `invalid_body`, "
            "`invalid_options`, `invalid_cursor`, `idempotency_key_reused`, `word_not_found`, ...)."
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
        **video_schemas(),
        **key_schemas(),
        **webhook_schemas(),
        **webhook_bodies(),
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
