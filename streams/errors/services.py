"""Errors of the services the code talks to: storage, Triton, PostgreSQL, Kafka, Meilisearch,
ClickHouse and the API itself.
``streams.errors`` draws the whole tree."""

from __future__ import annotations

from streams.errors.base import ClipstreamError


class StorageError(ClipstreamError):
    code = "storage_error"


class ObjectNotFound(StorageError):
    """The storage has no object under that key."""

    code = "object_not_found"


class StorageUnavailable(StorageError):
    code = "storage_unavailable"
    retriable = True


class InferenceError(ClipstreamError):
    code = "inference_error"


class InferenceUnavailable(InferenceError):
    """The server was unreachable, shedding load (a full queue), or slower than the deadline."""

    code = "inference_unavailable"
    retriable = True


class MalformedVerdict(InferenceError):
    """The judge's answer is not a usable verdict (not JSON, a field missing or out of range, a
    placeholder, a copied example, a title or reason that is a piece of the passage). Retriable:
    a new attempt samples a different answer."""

    code = "malformed_verdict"
    retriable = True


class InvalidPassage(InferenceError):
    """A request the judge cannot read (not JSON, no text, too long). Not retriable."""

    code = "invalid_passage"


class DatabaseUnavailable(ClipstreamError):
    code = "database_unavailable"
    retriable = True


class BrokerUnavailable(ClipstreamError):
    code = "broker_unavailable"
    retriable = True


class QueueUnavailable(ClipstreamError):
    """The API's producer could not hand an event to Kafka: the request can be sent again."""

    code = "queue_unavailable"
    retriable = True


class SearchUnavailable(ClipstreamError):
    """Meilisearch could not be reached, answered with an error, or was slower than the timeout."""

    code = "search_unavailable"
    retriable = True


class SearchMisconfigured(ClipstreamError):
    """Meilisearch refused the API key (missing, wrong, or without the rights asked for): fix
    ``CLIPSTREAM_MEILISEARCH_KEY``; retrying the same request cannot succeed."""

    code = "search_misconfigured"
    retriable = False


class AnalyticsUnavailable(ClipstreamError):
    """The analytics store cannot answer now (the worker that owns the embedded engine is down,
    or the ClickHouse server does not answer)."""

    code = "analytics_unavailable"
    retriable = True


class ApiCallFailed(ClipstreamError):
    """The API answered a ``clipstream`` command's call with an error: its status and code kept."""

    code = "api_error"

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} (HTTP {status}, {code})")
        self.status, self.api_code = status, code


class ApiUnreachable(ClipstreamError):
    """A ``clipstream`` command could not reach the API."""

    code = "api_unreachable"
    retriable = True


class NotReady(ClipstreamError):
    """A service this process needs did not become ready within its wait (``clipstream wait``)."""

    code = "not_ready"
    retriable = True
