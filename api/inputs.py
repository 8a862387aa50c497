"""Text the API refuses at the edge: a NUL character, a lone UTF-16 surrogate or bytes that are not
UTF-8, in the path, the query or a JSON body. PostgreSQL stores none of them (its text has no NUL;
a surrogate cannot be encoded), and left to reach it they came back as the database's own error
text. Refused here, each is a 422 ``invalid_input`` in our words before any handler runs.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import error_response


def bad_text(text: str) -> bool:
    """Whether ``text`` holds a NUL or a lone surrogate."""
    return "\x00" in text or any("\ud800" <= c <= "\udfff" for c in text)


def bad_value(value: object, depth: int = 0) -> bool:
    """Whether any string in a JSON value (keys too) is :func:`bad_text`."""
    if isinstance(value, str):
        return bad_text(value)
    if depth > 64:
        return False  # the parser's own depth limit refuses deeper values
    if isinstance(value, dict):
        return any(bad_text(str(k)) or bad_value(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(bad_value(v, depth + 1) for v in value)
    return False


def _bad_bytes(raw: bytes) -> bool:
    """Percent-decoded ``raw`` is not UTF-8 (Python's codec refuses encoded surrogates) or has NUL."""
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return "\x00" in text


class InputGuardMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            raw_path = scope.get("raw_path") or scope["path"].encode("utf-8", "surrogatepass")
            if _bad_bytes(raw_path):
                await error_response(422, "invalid_input", "the path holds a NUL byte or bytes that are not UTF-8")(
                    scope, receive, send
                )
                return
            if _bad_bytes(scope.get("query_string", b"").replace(b"+", b" ")):
                await error_response(
                    422, "invalid_input", "the query string holds a NUL byte or bytes that are not UTF-8"
                )(scope, receive, send)
                return
        await self.app(scope, receive, send)
