"""Building blocks of OpenAPI 3.1 fragments, as plain data: what the route declarations
(:mod:`api.routing`) and the shared components (:mod:`api.openapi.components`) are written with."""

from __future__ import annotations

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


def text_response(description: str, media_type: str = "text/plain") -> dict:
    return {"description": description, "content": {media_type: {"schema": STRING}}}


def error(name: str) -> dict:
    """One of the shared error answers (``components.responses``)."""
    return ref(name, "responses")


def path_param(name: str, description: str = "") -> dict:
    param = {"name": name, "in": "path", "required": True, "schema": STRING}
    return {**param, "description": description} if description else param


def query_param(name: str, schema: dict, description: str = "", required: bool = False) -> dict:
    param = {"name": name, "in": "query", "required": required, "schema": schema}
    return {**param, "description": description} if description else param


def link(operation_id: str, **parameters: str) -> dict:
    """An OpenAPI link to another operation, its parameters taken from this answer."""
    return {"operationId": operation_id, "parameters": parameters}


def links_by(parameter: str, pointer: str, operations: dict[str, str]) -> dict:
    """Links named as in ``operations`` (name -> operationId), each passing ``parameter`` from ``pointer``."""
    return {name: link(op, **{parameter: pointer}) for name, op in operations.items()}


NOT_FOUND = {"404": error("NotFound")}
PAGE = [ref("Limit", "parameters"), ref("Cursor", "parameters")]
IDEMPOTENCY = ref("IdempotencyKey", "parameters")
LOCATION = {"Location": {"description": "The video's URL.", "schema": STRING}}
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
SSE = text_response(
    "Server-Sent Events: a `snapshot` first, then `lifecycle` events (and `lagged` when some were dropped), "
    "with a keep-alive comment every 15 s.",
    "text/event-stream",
)
