"""What a failure means: the exceptions of the libraries underneath, mapped onto the error
vocabulary (``streams.errors``) in one place, so the retry policy branches on ``retriable`` alone.

Transient (``retriable``):

- PostgreSQL restarting or unreachable (asyncpg connection errors, ``57P0x`` shutdowns and
  "starting up", too many connections, serialization failures and deadlocks, a connection's
  protocol left mid-operation by a session the server ended): ``DatabaseUnavailable``.
- S3 timeouts, refused or dropped connections and throttling/5xx answers: ``StorageUnavailable``.
- Triton unreachable, shedding load or past its deadline (gRPC ``UNAVAILABLE``,
  ``RESOURCE_EXHAUSTED``, ``DEADLINE_EXCEEDED``, ``ABORTED``): ``InferenceUnavailable``.
- Kafka errors that aiokafka itself flags ``retriable``, and its timeouts: ``BrokerUnavailable``.
- A refused, reset or timed-out socket raised from inside one of those libraries gets that
  library's class; from anywhere else it is an ``InternalError`` that may be retried.

Everything else that is not already a ``ClipstreamError`` is an ``InternalError``: a bug, which
another try would only repeat. Only exception types and status codes are looked at, never message
text, except for asyncpg's ``InterfaceError``, whose one transient case (a connection closed under
the pool) has no class of its own. asyncpg's ``InternalClientError`` is transient too: it is what a
connection's protocol says after the server ended its session mid-operation.
"""

from __future__ import annotations

import asyncio

from streams.errors import (
    BrokerUnavailable,
    ClipstreamError,
    DatabaseUnavailable,
    InferenceError,
    InferenceUnavailable,
    InternalError,
    StorageError,
    StorageUnavailable,
)

_GRPC_TRANSIENT = {"UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "ABORTED"}
_S3_TRANSIENT = {
    "SlowDown",
    "ServiceUnavailable",
    "InternalError",
    "RequestTimeout",
    "RequestTimeTooSkewed",
    "ThrottlingException",
    "500",
    "502",
    "503",
    "504",
}
_PG_TRANSIENT_CLASSES = ("08", "53", "57", "40")  # connection, resources, operator intervention, rollback
_ORIGINS = (
    ("asyncpg", "database"),
    ("botocore", "storage"),
    ("boto3", "storage"),
    ("s3transfer", "storage"),
    ("urllib3", "storage"),
    ("grpc", "inference"),
    ("tritonclient", "inference"),
    ("aiokafka", "broker"),
    ("faust", "broker"),
)


def classify(exc: BaseException) -> ClipstreamError:
    """``exc`` as a ``ClipstreamError`` (itself, if it already is one)."""
    if isinstance(exc, ClipstreamError):
        return exc
    what = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    for check in (_postgres, _s3, _grpc, _kafka, _socket):
        known = check(exc, what)
        if known is not None:
            known.__cause__ = exc
            return known
    error = InternalError(what)
    error.__cause__ = exc
    return error


def _postgres(exc: BaseException, what: str) -> ClipstreamError | None:
    try:
        import asyncpg
    except ImportError:  # pragma: no cover - a dependency of the worker
        return None
    if isinstance(exc, asyncpg.PostgresError):
        state = getattr(exc, "sqlstate", "") or ""
        if state[:2] in _PG_TRANSIENT_CLASSES:
            return DatabaseUnavailable(f"PostgreSQL: {what}")
        return None
    if isinstance(exc, asyncpg.InterfaceError) and "closed" in str(exc).lower():
        return DatabaseUnavailable(f"PostgreSQL: {what}")
    if isinstance(exc, asyncpg.exceptions.InternalClientError):
        # The protocol's state left behind when the server ends a session mid-operation (a restart,
        # an admin shutdown): "cannot switch to state 12; another operation (2) is in progress",
        # raised as the pool resets the connection, which it then closes (asyncpg issues 784 and
        # 1069). A concurrent use of one connection is an InterfaceError, never this.
        return DatabaseUnavailable(f"PostgreSQL: {what}")
    return None


def _s3(exc: BaseException, what: str) -> ClipstreamError | None:
    try:
        from botocore.exceptions import ClientError, ConnectionError, HTTPClientError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, (ConnectionError, HTTPClientError)):
        return StorageUnavailable(f"object storage: {what}")
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {}) if isinstance(exc.response, dict) else {}
        status = str((exc.response or {}).get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if str(error.get("Code", "")) in _S3_TRANSIENT or status in _S3_TRANSIENT:
            return StorageUnavailable(f"object storage: {what}")
        return StorageError(f"object storage: {what}")
    return None


def _grpc(exc: BaseException, what: str) -> ClipstreamError | None:
    status = _grpc_status(exc)
    if status is None:
        return None
    if status in _GRPC_TRANSIENT:
        return InferenceUnavailable(f"Triton: {what}")
    return InferenceError(f"Triton: {what}")


def _grpc_status(exc: BaseException) -> str | None:
    """The gRPC status name of a grpc or tritonclient exception, else None."""
    module = type(exc).__module__
    if not (module.startswith("grpc") or module.startswith("tritonclient")):
        return None
    status = getattr(exc, "code", None) if module.startswith("grpc") else getattr(exc, "status", None)
    value = status() if callable(status) else status
    name = getattr(value, "name", None) or str(value or "")
    return name.replace("StatusCode.", "")


def _kafka(exc: BaseException, what: str) -> ClipstreamError | None:
    try:
        from aiokafka.errors import KafkaError, KafkaTimeoutError
    except ImportError:  # pragma: no cover
        return None
    if isinstance(exc, KafkaError):
        if exc.retriable or isinstance(exc, KafkaTimeoutError):
            return BrokerUnavailable(f"Kafka: {what}")
        return InternalError(f"Kafka: {what}")
    return None


def _socket(exc: BaseException, what: str) -> ClipstreamError | None:
    if not isinstance(exc, (ConnectionError, TimeoutError, asyncio.TimeoutError)):
        return None
    origin = _origin(exc)
    if origin == "database":
        return DatabaseUnavailable(f"PostgreSQL: {what}")
    if origin == "storage":
        return StorageUnavailable(f"object storage: {what}")
    if origin == "inference":
        return InferenceUnavailable(f"Triton: {what}")
    if origin == "broker":
        return BrokerUnavailable(f"Kafka: {what}")
    return InternalError(what or type(exc).__name__, retriable=True)


def _origin(exc: BaseException) -> str | None:
    """Which library raised ``exc`` (or the exception it came from): the innermost frame of a known
    library in its traceback."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        found = None
        tb = current.__traceback__
        while tb is not None:
            module = str(tb.tb_frame.f_globals.get("__name__", ""))
            for prefix, origin in _ORIGINS:
                if module == prefix or module.startswith(prefix + "."):
                    found = origin
            tb = tb.tb_next
        if found:
            return found
        current = current.__cause__ or current.__context__
    return None
