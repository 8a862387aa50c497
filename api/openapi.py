"""The OpenAPI 3.1 description of the API, as Python data: :func:`spec`.

Written by hand from the handlers (what they really answer), not derived from them, so
:func:`undocumented` and :func:`unimplemented` compare it with the Starlette app's routes and a
test fails when the two drift apart. The upload options reuse the ``upload_received`` event's JSON
Schema, so the API and the pipeline share one definition of them.

Operations are chained with OpenAPI ``links`` (an upload's 202 to its video, a clip list to a clip,
a new webhook endpoint to its routes), which stateful testers such as schemathesis follow.
"""

from __future__ import annotations

import re
from functools import lru_cache

from starlette.routing import BaseRoute, Host, Mount, Route

from streams import __version__
from streams.domain import contracts
from streams.domain.clip import CLIP_FILES
from streams.domain.pipeline import VIDEO_STAGES
from streams.timeline.formats import FORMATS

HTTP_METHODS = ("get", "put", "post", "delete", "patch")
TIMELINE_LINKS = {
    "type": "object",
    "properties": {f: {"type": "string"} for f in FORMATS},
    "description": "Signed links to the timeline bundle (`bundle=zip`) in each editor format.",
}
SCOPES = ("read", "write", "admin")
_CONVERTOR = re.compile(r"{(\w+)(:\w+)?}")

# -- building blocks ---------------------------------------------------------------------------
STRING, INTEGER, NUMBER, BOOLEAN, OBJECT = ({"type": t} for t in ("string", "integer", "number", "boolean", "object"))
TIMESTAMP = {"type": "string", "format": "date-time"}
SHARE = {"type": "number", "minimum": 0, "maximum": 1}
SCORE = {"type": "number", "minimum": 0, "maximum": 100}


def ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(required: dict, optional: dict | None = None, **extra) -> dict:
    """An object with these (required) properties and some optional ones."""
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}, **extra}


def json_response(schema: dict | str, description: str, **extra) -> dict:
    schema = ref(schema) if isinstance(schema, str) else schema
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def json_body(schema: str, description: str, required: bool = True) -> dict:
    return {"required": required, "description": description, "content": {"application/json": {"schema": ref(schema)}}}


def error(name: str) -> dict:
    return ref(name, "responses")


def path_param(name: str, description: str = "") -> dict:
    param = {"name": name, "in": "path", "required": True, "schema": STRING}
    return {**param, "description": description} if description else param


def query_param(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    return {**param, "description": description} if description else param


def link(operation_id: str, **parameters: str) -> dict:
    return {"operationId": operation_id, "parameters": parameters}


PAGE = [ref("Limit", "parameters"), ref("Cursor", "parameters")]
IDEMPOTENCY = ref("IdempotencyKey", "parameters")
MEDIA: dict[str, dict] = {
    "video/*": {"schema": {}},
    "audio/*": {"schema": {}},
    "application/octet-stream": {"schema": {}},
}
SERVED_FILE = {
    "206": {"description": "Part of the file, for a `Range` request (local storage)."},
    "307": {
        "description": "A short-lived presigned URL on object storage.",
        "headers": {"Location": {"required": True, "schema": STRING}},
    },
    "503": error("Unavailable"),
}


def operation(
    operation_id: str,
    summary: str,
    responses: dict,
    *,
    scope: str | None = None,
    tag: str,
    parameters: list | None = None,
    body: dict | None = None,
    description: str = "",
    signed: bool = False,
) -> dict:
    """An operation behind a tenant key of at least ``scope``; ``scope=None`` is open. ``signed``:
    a signed link (``?token=``) may stand in for the key."""
    op: dict[str, object] = {"operationId": operation_id, "summary": summary, "tags": [tag]}
    errors: dict[str, dict] = {}
    if scope is None:
        op["security"] = []
    else:
        description = f"{description}\n\nNeeds a key with scope `{scope}` or above.".strip()
        errors = {
            "401": error("Unauthorized"),
            "403": error("Forbidden"),
            "422": error("Unprocessable"),
            "429": error("RateLimited"),
        }
        if signed:
            op["security"] = [{"apiKey": []}, {"signedLink": []}]
    if body is not None:
        errors |= {"413": error("PayloadTooLarge"), "415": error("UnsupportedMediaType")}
        op["requestBody"] = body
    if description:
        op["description"] = description
    if parameters:
        op["parameters"] = parameters
    op["responses"] = {**errors, **responses}
    return op


def post(operation_id: str, summary: str, responses: dict, **kwargs) -> dict:
    """A tenant POST: ``Idempotency-Key`` and its errors, and the body limit."""
    kwargs["parameters"] = [*kwargs.get("parameters", []), IDEMPOTENCY]
    responses = {"409": error("Conflict"), "413": error("PayloadTooLarge"), **responses}
    return operation(operation_id, summary, responses, **kwargs)


TIMELINE = {
    "200": {
        "description": "The timeline, or with `bundle=zip` a zip of it with the source, the clips' "
        "SRTs and hand-off JSONs.",
        "content": {**{f.media_type: {"schema": STRING} for f in FORMATS.values()}, "application/zip": {"schema": {}}},
    }
}
TIMELINE_QUERY = [
    query_param(
        "format",
        {"enum": list(FORMATS), "default": "otio"},
        "; ".join(f"`{f.name}`: {f.label}" for f in FORMATS.values()),
    ),
    query_param("bundle", {"enum": ["zip"]}, "Package the timeline with what it references."),
    query_param(
        "media_root",
        STRING,
        "With `bundle=zip`: the absolute folder the zip will be unpacked to; the "
        "timeline then references the source by a `file://` URL under it.",
    ),
]
TIMELINE_HELP = (
    "Cuts on whole frames of the source's rate (29.97 and 59.94 as drop-frame timecode), a marker with "
    "each clip's title, score and reason (comment) and one per caption cue; `fcp7`, `fcpxml` and "
    "`kdenlive` are at the clip's size with the reframe as a keyframed transform, the others carry the reframe "
    "path as metadata (`.otio`) and in the bundled hand-off JSON. Without `bundle` the source is "
    "referenced by a signed link valid for an hour."
)


# -- paths -------------------------------------------------------------------------------------
def _meta_paths() -> dict:
    return {
        "/healthz": {
            "get": operation("healthz", "Liveness and version", {"200": json_response("Health", "Up.")}, tag="meta")
        },
        "/metrics": {
            "get": operation(
                "getMetrics",
                "Prometheus metrics of this API process (text format)",
                {
                    "200": {
                        "description": "Request counts and latencies by route template, and the process's own.",
                        "content": {"text/plain": {"schema": STRING}},
                    }
                },
                tag="meta",
            )
        },
        "/openapi.json": {
            "get": operation(
                "getOpenapi",
                "This OpenAPI document",
                {"200": json_response(OBJECT, "The OpenAPI 3.1 document.")},
                tag="meta",
            )
        },
        "/": {
            "get": operation(
                "webPage",
                "The web page for creators and operators (HTML)",
                {
                    "200": {
                        "description": "The page; it asks for an API key itself.",
                        "content": {"text/html": {"schema": STRING}},
                    }
                },
                tag="meta",
            )
        },
        "/docs": {
            "get": operation(
                "getDocs",
                "This document, rendered (Swagger UI)",
                {
                    "200": {"description": "The page.", "content": {"text/html": {"schema": STRING}}},
                    "503": json_response("Error", "Its assets are not installed: run scripts/setup.sh."),
                },
                tag="meta",
            )
        },
    }


def _upload_form() -> dict:
    """``POST /v1/videos``'s multipart form: the file, and options as JSON or one field each."""
    from api.submissions import OPTION_FIELDS

    options = _options_schema()["properties"]
    fields = {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "The video (or audio). Streamed to storage, never held in memory.",
        },
        "options": {
            **ref("VideoOptions"),
            "description": "All options as one JSON object (the only way to give `brand`).",
        },
    }
    aspect = "|".join(re.escape(a) for a in options["aspect_ratios"]["items"]["enum"])
    for name in OPTION_FIELDS:
        field = dict(options.get(name, STRING))
        if name == "aspect_ratios":
            field = {
                "type": "string",
                "pattern": f"^({aspect})(,({aspect}))*$",
                "examples": ["9:16,1:1"],
                "description": "Comma-separated, each at most once.",
            }
        elif None in field.get("enum", ()):
            field["enum"] = [v for v in field["enum"] if v is not None]
        fields[name] = field
    return {"type": "object", "required": ["file"], "properties": fields}


@lru_cache(maxsize=1)
def _options_schema() -> dict:
    return contracts.schema("upload_received")["properties"]["options"]


def _video_paths() -> dict:
    video_id = path_param("video_id")
    not_found = {"404": error("NotFound")}
    by_id = {
        name: link(op, video_id="$response.body#/video_id")
        for name, op in (
            ("video", "getVideo"),
            ("transcript", "getTranscript"),
            ("moments", "getMoments"),
            ("clips", "getClips"),
            ("delete", "deleteVideo"),
        )
    }
    to_clip = {"clip": link("getClip", clip_id="$response.body#/clip_id")}
    rendering = {  # what both ways of making a clip answer
        "200": json_response("RenderExists", "That clip is rendered already.", links=to_clip),
        "202": json_response("RenderQueued", "Queued; the clip joins the video's clips when rendered.", links=to_clip),
        "503": error("Unavailable"),
    }
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": _upload_form(),
                "encoding": {
                    "file": {"contentType": "application/octet-stream"},
                    "options": {"contentType": "application/json"},
                },
            },
            "application/json": {"schema": ref("VideoFromUrl")},
        },
    }
    return {
        "/v1/videos": {
            "post": post(
                "createVideo",
                "Submit a video",
                {
                    "202": json_response(
                        "VideoAccepted",
                        "Stored and queued.",
                        links=by_id,
                        headers={"Location": {"description": "The video's URL.", "schema": STRING}},
                    ),
                    "400": error("BadRequest"),
                    "503": error("Unavailable"),
                },
                scope="write",
                tag="videos",
                body=upload,
                description="As multipart, the file streams into storage; options may be given one form field "
                "each or together as `options` (JSON), a field overriding the same key in `options`. "
                "As JSON with `source_url`, the worker downloads the video (http/https only; hosts "
                "that resolve to private, loopback or link-local addresses are refused at once "
                "(`unsafe_url`) and on every redirect; the upload size limit and a timeout apply, "
                "and a failed download fails the video with its reason). Unknown or out-of-range "
                "options are a 422 `invalid_options`; a file over the upload limit is a 413.",
            ),
            "get": operation(
                "listVideos",
                "List videos, newest first",
                {
                    "200": json_response(
                        "VideoList",
                        "One page.",
                        links={"video": link("getVideo", video_id="$response.body#/videos/0/video_id")},
                    )
                },
                scope="read",
                tag="videos",
                parameters=[*PAGE, query_param("status", {"enum": ["queued", "processing", "completed", "failed"]})],
            ),
        },
        "/v1/videos/{video_id}": {
            "get": operation(
                "getVideo",
                "A video: status, progress, stages",
                {"200": json_response("VideoDetail", "The video."), **not_found},
                scope="read",
                tag="videos",
                parameters=[video_id],
            ),
            "delete": operation(
                "deleteVideo",
                "Delete a video, its clips and its stored files",
                {
                    "204": {"description": "Deleted."},
                    **not_found,
                    "413": error("PayloadTooLarge"),
                    "503": error("Unavailable"),
                },
                scope="write",
                tag="videos",
                parameters=[video_id],
            ),
        },
        "/v1/videos/{video_id}/transcript": {
            "get": operation(
                "getTranscript",
                "The transcript so far",
                {
                    "200": {
                        "description": "In the requested format.",
                        "headers": {
                            "Content-Language": {
                                "description": "The languages heard, the main one first (absent before any speech).",
                                "schema": STRING,
                            }
                        },
                        "content": {
                            "application/json": {"schema": ref("Transcript")},
                            "application/x-subrip": {"schema": STRING},
                            "text/vtt": {"schema": STRING},
                            "text/plain": {"schema": STRING},
                        },
                    },
                    **not_found,
                },
                scope="read",
                tag="videos",
                parameters=[
                    video_id,
                    query_param("format", {"enum": ["json", "srt", "vtt", "txt"], "default": "json"}),
                ],
            )
        },
        "/v1/videos/{video_id}/moments": {
            "get": operation(
                "getMoments",
                "The moments found so far, best first",
                {"200": json_response("MomentList", "The moments."), **not_found},
                scope="read",
                tag="videos",
                parameters=[video_id],
            )
        },
        "/v1/videos/{video_id}/clips": {
            "get": operation(
                "getClips",
                "The clips rendered so far, best first",
                {
                    "200": json_response(
                        "ClipList",
                        "The clips.",
                        links={
                            "clip": link("getClip", clip_id="$response.body#/clips/0/clip_id"),
                            "download": link("downloadClip", clip_id="$response.body#/clips/0/clip_id"),
                        },
                    ),
                    **not_found,
                },
                scope="read",
                tag="clips",
                parameters=[video_id],
            )
        },
        "/v1/videos/{video_id}/source": {
            "get": operation(
                "getSource",
                "The uploaded media itself",
                {
                    "200": {"description": "The file (byte ranges supported).", "content": MEDIA},
                    **SERVED_FILE,
                    **not_found,
                },
                scope="read",
                tag="videos",
                parameters=[video_id],
                signed=True,
            )
        },
        "/v1/clips/{clip_id}": {
            "get": operation(
                "getClip",
                "A clip",
                {
                    "200": json_response(
                        "Clip",
                        "The clip.",
                        links={
                            "download": link("downloadClip", clip_id="$response.body#/clip_id"),
                            "video": link("getVideo", video_id="$response.body#/video_id"),
                        },
                    ),
                    **not_found,
                },
                scope="read",
                tag="clips",
                parameters=[path_param("clip_id")],
            )
        },
        "/v1/clips": {
            "post": post(
                "createClip",
                "Make a clip from a span of a video (a search hit, say)",
                {**rendering, **not_found},
                scope="write",
                tag="clips",
                body=json_body("CreateClip", "The video, the span, and optionally the look."),
                description="The span is widened to the whole sentences it touches (one in a pause snaps to the "
                "nearest sentence; 422 `no_speech` when there is none near), scored like any moment "
                '(its reason starts with "Chosen by you"), and rendered through the normal render path; '
                "the answer gives the snapped `start` and `end`.",
            )
        },
        "/v1/clips/{clip_id}/renders": {
            "post": post(
                "rerenderClip",
                "Render a clip's moment again",
                {**rendering, **not_found},
                scope="write",
                tag="clips",
                parameters=[path_param("clip_id")],
                body=json_body(
                    "RerenderClip", "Another caption style, aspect and/or length (default: the clip's).", required=False
                ),
                description="The new clip's id follows from the moment, aspect, caption style and span: asking twice "
                "is harmless. A new length (`length` preset, or `min_seconds` with `max_seconds`) re-cuts "
                "the moment to the run of whole sentences nearest to it that fits; the answer gives the "
                "new `start` and `end`.",
            )
        },
        "/v1/clips/{clip_id}/timeline": {
            "get": operation(
                "getClipTimeline",
                "The clip as an editor timeline",
                {**TIMELINE, **not_found},
                scope="read",
                tag="clips",
                signed=True,
                parameters=[path_param("clip_id"), *TIMELINE_QUERY],
                description=TIMELINE_HELP,
            )
        },
        "/v1/videos/{video_id}/timeline": {
            "get": operation(
                "getVideoTimeline",
                "The video's clips as one editor timeline, in rank order",
                {**TIMELINE, **not_found, "409": error("Conflict")},
                scope="read",
                tag="clips",
                signed=True,
                parameters=[video_id, *TIMELINE_QUERY],
                description=TIMELINE_HELP + " One cut per moment; clips a later ranking superseded are left out; 409 "
                "`no_clips` before the first clip is rendered.",
            )
        },
        "/v1/clips/{clip_id}/download": {
            "get": operation(
                "downloadClip",
                "One of a clip's files",
                {
                    "200": {
                        "description": "The file (byte ranges supported).",
                        "content": {
                            "video/mp4": {"schema": {}},
                            "application/x-subrip": {"schema": STRING},
                            "text/vtt": {"schema": STRING},
                            "image/jpeg": {"schema": {}},
                        },
                    },
                    **SERVED_FILE,
                    **not_found,
                },
                scope="read",
                tag="clips",
                signed=True,
                parameters=[path_param("clip_id"), query_param("file", {"enum": list(CLIP_FILES), "default": "mp4"})],
            )
        },
    }


def _upload_paths() -> dict:
    upload_id = path_param("upload_id", "From `POST /v1/uploads`; the video gets the same id.")
    return {
        "/v1/uploads": {
            "post": post(
                "createUpload",
                "Start a direct upload to object storage",
                {
                    "201": json_response(
                        "UploadForm",
                        "A presigned form: POST `fields` and then the file (as `file`, "
                        "last) to `url` as multipart/form-data before `expires_at`.",
                        links={"confirm": link("confirmUpload", upload_id="$response.body#/upload_id")},
                    ),
                    "409": error("Conflict"),
                },
                scope="write",
                tag="videos",
                body=json_body("CreateUpload", "The file's name, size and processing options."),
                description="For large files: the bytes go from the client straight to S3, not through the API. The "
                "form is good for exactly one key under the tenant's prefix, a size from 1 byte to "
                "`size_bytes` (or the upload limit) and `CLIPSTREAM_PRESIGNED_UPLOAD_SECONDS`. Servers that "
                "keep media on local disk answer 409 `presigned_uploads_unavailable`.",
            )
        },
        "/v1/uploads/{upload_id}/confirm": {
            "post": post(
                "confirmUpload",
                "Confirm a direct upload: process it",
                {
                    "202": json_response(
                        "VideoAccepted",
                        "Found in storage and queued, as a video with the upload's id.",
                        headers={"Location": {"description": "The video's URL.", "schema": STRING}},
                        links={"video": link("getVideo", video_id="$response.body#/video_id")},
                    ),
                    "404": error("NotFound"),
                    "410": error("Gone"),
                    "503": error("Unavailable"),
                },
                scope="write",
                tag="videos",
                parameters=[upload_id],
                description="409 `upload_missing` while no file has arrived (send it, then confirm again), 409 "
                "`upload_confirmed` the second time, 410 `upload_expired` when the form expired with no "
                "file, 413 when the stored file is larger than the form allowed (it is deleted).",
            )
        },
    }


def _library_paths() -> dict:
    limit = {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    sse = {
        "description": "Server-Sent Events: a `snapshot` first, then `lifecycle` events (and `lagged` when "
        "some were dropped), with a keep-alive comment every 15 s.",
        "content": {"text/event-stream": {"schema": STRING}},
    }
    return {
        "/v1/search": {
            "get": operation(
                "search",
                "Search the tenant's transcripts",
                {
                    "200": json_response(
                        "SearchResults",
                        "Matching sentences, best first.",
                        links={"video": link("getVideo", video_id="$response.body#/hits/0/video_id")},
                    )
                },
                scope="read",
                tag="library",
                parameters=[
                    query_param(
                        "q",
                        {"type": "string", "minLength": 1, "maxLength": 200},
                        "Words; all must match (the last as a prefix), else any.",
                        required=True,
                    ),
                    query_param("limit", limit),
                    query_param("video_id", STRING, "Only this video's sentences."),
                    query_param(
                        "language",
                        STRING,
                        "Only sentences spoken in this language (an ISO 639-1 "
                        "code such as `de`; `auto` or empty: every language).",
                    ),
                ],
            )
        },
        "/v1/search/token": {
            "post": post(
                "searchToken",
                "A Meilisearch tenant token for searching directly",
                {
                    "200": json_response(
                        "SearchToken",
                        "Search `index` at `url` with `token` as the API key until "
                        "`expires_at`: only this tenant's sentences, only search.",
                    ),
                    "409": error("Conflict"),
                },
                scope="read",
                tag="library",
            )
        },
        "/v1/analytics": {
            "get": operation(
                "analytics",
                "Usage: videos, minutes, clips, stage latencies",
                {"200": json_response("Analytics", "Totals and a per-day series.")},
                scope="read",
                tag="library",
                parameters=[query_param("days", {"type": "integer", "minimum": 1, "maximum": 366, "default": 30})],
            )
        },
        "/v1/videos/{video_id}/events": {
            "get": operation(
                "videoEvents",
                "A video's progress as it happens",
                {"200": sse, "404": error("NotFound")},
                scope="read",
                tag="videos",
                signed=True,
                parameters=[path_param("video_id")],
            )
        },
        "/v1/events": {
            "get": operation(
                "tenantEvents",
                "Progress of all the tenant's videos as it happens",
                {"200": sse},
                scope="read",
                tag="videos",
                signed=True,
            )
        },
    }


def _key_paths() -> dict:
    admin = {"tags": ["admin"], "security": [{"adminToken": []}]}
    operator_errors = {
        "401": error("OperatorUnauthorized"),
        "404": error("OperatorOff"),
        "413": error("PayloadTooLarge"),
        "415": error("UnsupportedMediaType"),
        "422": error("Unprocessable"),
    }
    ignored_key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "schema": STRING,
        "description": "Accepted but not honoured on operator routes (keys are kept per tenant).",
    }
    return {
        "/v1/me": {
            "get": operation(
                "me",
                "The caller: tenant, key, scope",
                {"200": json_response("Me", "Who is calling.")},
                scope="read",
                tag="keys",
            )
        },
        "/v1/keys": {
            "post": post(
                "createKey",
                "Make an API key for the caller's tenant",
                {
                    "201": json_response(
                        "IssuedKey",
                        "The key; `key` is shown only this once.",
                        links={"revoke": link("revokeKey", key_id="$response.body#/key_id")},
                    )
                },
                scope="admin",
                tag="keys",
                body=json_body("CreateKey", "The key's scope and an optional name."),
            ),
            "get": operation(
                "listKeys",
                "The tenant's keys (never their secrets)",
                {"200": json_response("KeyList", "Every key, revoked ones too.")},
                scope="admin",
                tag="keys",
            ),
        },
        "/v1/keys/{key_id}": {
            "delete": operation(
                "revokeKey",
                "Revoke a key (idempotent)",
                {
                    "200": json_response("ApiKey", "The key, now revoked."),
                    "404": error("NotFound"),
                    "413": error("PayloadTooLarge"),
                },
                scope="admin",
                tag="keys",
                parameters=[path_param("key_id", "The key's public id (the 12 hex digits after `csk_`).")],
            )
        },
        "/v1/admin/tenants": {
            "post": {
                "operationId": "createTenant",
                "summary": "Make a tenant and its first admin key",
                **admin,
                "parameters": [ignored_key],
                "requestBody": json_body("CreateTenant", "The tenant's name."),
                "responses": {
                    "201": json_response(
                        "TenantCreated",
                        "The tenant and its first admin key.",
                        links={"key": link("createTenantKey", tenant_id="$response.body#/tenant_id")},
                    ),
                    **operator_errors,
                },
            }
        },
        "/v1/admin/tenants/{tenant_id}/keys": {
            "post": {
                "operationId": "createTenantKey",
                "summary": "Make an API key for any tenant",
                **admin,
                "parameters": [path_param("tenant_id"), ignored_key],
                "requestBody": json_body("CreateKey", "The key's scope and an optional name."),
                "responses": {
                    "201": json_response("IssuedKey", "The key; `key` is shown only this once."),
                    **operator_errors,
                },
            }
        },
    }


def _webhook_paths() -> dict:
    endpoint_id = path_param("endpoint_id")
    delivery_id = path_param("delivery_id")
    not_found = {"404": error("NotFound")}
    disabled = {"409": error("Conflict")}
    by_endpoint = {
        name: link(op, endpoint_id="$response.body#/endpoint_id")
        for name, op in (
            ("endpoint", "getWebhookEndpoint"),
            ("update", "updateWebhookEndpoint"),
            ("delete", "deleteWebhookEndpoint"),
            ("rotate", "rotateWebhookSecret"),
            ("deliveries", "listWebhookDeliveries"),
            ("test", "testWebhookEndpoint"),
        )
    }
    by_delivery = {
        name: link(op, delivery_id="$response.body#/delivery_id")
        for name, op in (("delivery", "getWebhookDelivery"), ("replay", "replayWebhookDelivery"))
    }
    base = "/v1/webhooks/endpoints"
    return {
        base: {
            "get": operation(
                "listWebhookEndpoints",
                "The tenant's webhook endpoints",
                {"200": json_response("WebhookEndpointList", "One page.")},
                scope="read",
                tag="webhooks",
                parameters=PAGE,
            ),
            "post": post(
                "createWebhookEndpoint",
                "Add a webhook endpoint",
                {
                    "201": json_response(
                        "WebhookEndpointWithSecret",
                        "The endpoint; `secret` is shown in full only here and on rotation.",
                        links=by_endpoint,
                    )
                },
                scope="admin",
                tag="webhooks",
                body=json_body("CreateWebhookEndpoint", "Where and what to send."),
                description="The URL must be http(s) on a public address (`unsafe_url` otherwise).",
            ),
        },
        base + "/{endpoint_id}": {
            "get": operation(
                "getWebhookEndpoint",
                "A webhook endpoint",
                {"200": json_response("WebhookEndpoint", "The endpoint."), **not_found},
                scope="read",
                tag="webhooks",
                parameters=[endpoint_id],
            ),
            "patch": operation(
                "updateWebhookEndpoint",
                "Change a webhook endpoint",
                {"200": json_response("WebhookEndpoint", "The endpoint as changed."), **not_found},
                scope="admin",
                tag="webhooks",
                parameters=[endpoint_id],
                body=json_body("UpdateWebhookEndpoint", "The fields to change."),
            ),
            "delete": operation(
                "deleteWebhookEndpoint",
                "Delete a webhook endpoint",
                {"204": {"description": "Deleted."}, **not_found, "413": error("PayloadTooLarge")},
                scope="admin",
                tag="webhooks",
                parameters=[endpoint_id],
            ),
        },
        base + "/{endpoint_id}/rotate-secret": {
            "post": post(
                "rotateWebhookSecret",
                "Rotate the signing secret",
                {"200": json_response("WebhookEndpointWithSecret", "The endpoint with its new secret."), **not_found},
                scope="admin",
                tag="webhooks",
                parameters=[endpoint_id],
                body=json_body("RotateWebhookSecret", "How long the old secret keeps signing.", required=False),
            )
        },
        base + "/{endpoint_id}/deliveries": {
            "get": operation(
                "listWebhookDeliveries",
                "An endpoint's deliveries",
                {
                    "200": json_response(
                        "WebhookDeliveryList",
                        "One page, newest first.",
                        links={
                            "delivery": link(
                                "getWebhookDelivery", delivery_id="$response.body#/deliveries/0/delivery_id"
                            )
                        },
                    ),
                    **not_found,
                },
                scope="read",
                tag="webhooks",
                parameters=[endpoint_id, *PAGE],
            )
        },
        base + "/{endpoint_id}/test": {
            "post": post(
                "testWebhookEndpoint",
                "Send a `webhook.test` event now",
                {"202": json_response("WebhookDelivery", "Queued.", links=by_delivery), **not_found, **disabled},
                scope="write",
                tag="webhooks",
                parameters=[endpoint_id],
            )
        },
        "/v1/webhooks/deliveries/{delivery_id}": {
            "get": operation(
                "getWebhookDelivery",
                "A delivery, its attempts",
                {"200": json_response("WebhookDelivery", "The delivery."), **not_found},
                scope="read",
                tag="webhooks",
                parameters=[delivery_id],
            )
        },
        "/v1/webhooks/deliveries/{delivery_id}/replay": {
            "post": post(
                "replayWebhookDelivery",
                "Send it again",
                {
                    "202": json_response(
                        "WebhookDelivery", "Queued again (same `webhook-id` and body).", links=by_delivery
                    ),
                    **not_found,
                    **disabled,
                },
                scope="write",
                tag="webhooks",
                parameters=[delivery_id],
            )
        },
    }


# -- components --------------------------------------------------------------------------------
def _video_schemas() -> dict:
    from api.clips import ASPECTS, MAX_CLIP_SECONDS, MIN_CLIP_SECONDS
    from streams.media.captions import CAPTION_STYLES
    from streams.moments import LENGTH_PRESETS

    clip_seconds = {"type": "number", "minimum": MIN_CLIP_SECONDS, "maximum": MAX_CLIP_SECONDS}
    timed = {"start": NUMBER, "end": NUMBER}
    status = {"enum": ["queued", "processing", "completed", "failed"]}
    clip_files = {f: STRING for f in CLIP_FILES}
    return {
        "VideoOptions": _options_schema(),
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
                "words": array(obj({"word": STRING, **timed, "probability": NUMBER})),
                "sentences": array(obj({"text": STRING, **timed})),
                "segments": array(obj({"text": STRING, **timed})),
            }
        ),
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
                "aspect": STRING,
                "width": INTEGER,
                "height": INTEGER,
                "title": STRING,
                "reason": STRING,
                "signals": OBJECT,
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
        "ApiKey": obj({**key, "revoked_at": nullable(TIMESTAMP)}),
        "IssuedKey": obj(
            {"key": STRING, **key, "tenant_id": STRING},
            description="`key` (`csk_<key_id>_<secret>`) is shown once and never again.",
        ),
        "KeyList": obj({"keys": array(ref("ApiKey"))}),
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
        "Forbidden": answer("The key's scope is too small for this call (`forbidden`)."),
        "NotFound": answer("No such resource for this tenant (`video_not_found`, `clip_not_found`, ...)."),
        "Conflict": answer(
            "A request with this Idempotency-Key is still running (`idempotency_key_in_use`, with "
            "`Retry-After`), the webhook endpoint is disabled (`endpoint_disabled`), or the resource "
            "is not in a state for this call (`upload_missing`, `upload_confirmed`, "
            "`presigned_uploads_unavailable`).",
            headers=retry_after,
        ),
        "Gone": answer("It expired (`upload_expired`)."),
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


def _components() -> dict:
    schemas = {
        "Error": obj({"error": ref("ErrorStatus")}),
        "ErrorStatus": obj(
            {"code": STRING, "message": STRING}, description="`code` is stable, for programs; `message` is for people."
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


def spec() -> dict:
    """The OpenAPI 3.1 document of the API (a fresh copy: callers may change it)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "clipstream API",
            "version": __version__,
            "description": "Long videos in; ranked, reframed, captioned clips out. Every error is "
            '`{"error": {"code", "message"}}`; every tenant key has a request rate '
            "(429 with `Retry-After`).",
        },
        "security": [{"apiKey": []}],
        "tags": [{"name": n} for n in ("videos", "clips", "library", "keys", "webhooks", "admin", "meta")],
        "paths": {
            **_meta_paths(),
            **_video_paths(),
            **_upload_paths(),
            **_library_paths(),
            **_key_paths(),
            **_webhook_paths(),
        },
        "components": _components(),
    }


# -- the app against the document --------------------------------------------------------------
def _app_operations(routes: list[BaseRoute], prefix: str = "") -> set[tuple[str, str]]:
    """(METHOD, path) of every HTTP route, mounted routers included; static file mounts have none."""
    found = set()
    for route in routes:
        path = prefix + _CONVERTOR.sub(r"{\1}", getattr(route, "path", ""))
        if isinstance(route, Route):
            methods = route.methods or {m.upper() for m in HTTP_METHODS if hasattr(route.endpoint, m)}
            found |= {(m, path) for m in methods if m != "HEAD"}
        elif isinstance(route, Mount | Host) and route.routes:
            found |= _app_operations(route.routes, path)
    return found


def _spec_operations(document: dict) -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, item in document["paths"].items() for m in item if m in HTTP_METHODS}


def undocumented(app) -> list[tuple[str, str]]:
    """Routes of ``app`` that the spec does not describe, as sorted (METHOD, path)."""
    return sorted(_app_operations(app.routes) - _spec_operations(spec()))


def unimplemented(app) -> list[tuple[str, str]]:
    """Operations the spec describes that ``app`` has no route for."""
    return sorted(_spec_operations(spec()) - _app_operations(app.routes))
