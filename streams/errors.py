"""clipstream's error vocabulary.

Every failure a user or an operator can cause is one of these, with a message a person can act on.
Callers branch on the class or on the ``retriable`` flag, never on message text.

ClipstreamError
├── ConfigError            bad settings or environment (a value that does not parse)
│   └── ModelMissing       a model a stage needs is not installed (scripts/setup.sh installs it)
│       └── UnsafeCheckpoint  a weights file is damaged or names code to run (never unpickled as such)
├── StackError             the local stack cannot start or stop a component
│   ├── PortInUse          a component's port is taken by a process this stack did not start
│   ├── MissingDependency  a program or package the component needs is not installed
│   ├── FetchFailed        a registry (Maven Central, the Go module proxy) could not be reached
│   └── ComponentFailed    a component exited or never became ready
├── MediaError             an upload is not usable media
│   ├── EmptyMedia         the file has zero bytes
│   ├── NotMedia           the bytes are not a container FFmpeg can read (text, random data)
│   ├── TruncatedMedia     the container opens but its streams end early or fail to decode
│   ├── NoAudio            there is no audio stream to transcribe
│   ├── MediaLimitExceeded size, duration, dimensions or stream count over the configured limit
│   ├── MediaUnreadable    reading it crashed the media sandbox or ran out of its memory or CPU
│   │   └── MediaTimeout   reading it took longer than the sandbox's wall-clock limit
│   └── NotAnImage         a brand asset that is not a PNG, JPEG or WebP image within the limits
├── SandboxUnavailable     the media sandbox process could not start (``retriable``)
├── RenderError            FFmpeg could not render a clip (``retriable``: a resource ran out)
├── TimelineError          an editor timeline cannot be written as asked (a format, a hand-off file)
├── NoSpeech               the video has no words to make moments of
├── InvalidOptions         the upload's clip options cannot be used (a length preset, a range)
├── ContractError          an event does not match its JSON Schema (or is not JSON)
│   ├── UnsupportedSchemaVersion  its ``schema_version`` is one this consumer does not know
│   ├── EventTooLarge      the message is over ``max_event_bytes``
│   └── InvalidKey         the message's key is missing, not UTF-8, or not its ``video_id``
├── UnknownLanguage        a language asked for is not one Whisper knows
├── StorageError           an object could not be stored or read
│   ├── ObjectNotFound     there is no object under that key
│   └── StorageUnavailable the store timed out or could not be reached (``retriable``)
├── InferenceError         a Triton call failed (bad input: never retried)
│   ├── InferenceUnavailable  Triton was busy, unreachable or too slow (``retriable``)
│   ├── MalformedVerdict   the clip judge's answer is not a usable verdict (``retriable``: resampled)
│   └── InvalidPassage     a passage the clip judge cannot read
├── DatabaseUnavailable    PostgreSQL refused, dropped or timed out a connection (``retriable``)
├── BrokerUnavailable      Kafka could not take or hand over a message in time (``retriable``)
├── QueueUnavailable       the API could not hand an event to Kafka (``retriable``)
├── SearchUnavailable      Meilisearch could not be reached, failed or was too slow (``retriable``)
├── SearchMisconfigured    Meilisearch refused the API key
├── AnalyticsUnavailable   the analytics store cannot answer now (``retriable``)
├── TenantNotFound         no tenant by that id
├── InvalidScope           an API key scope that is not read, write or admin
│   └── InvalidRole        a workspace role that is not viewer, editor, admin or owner
├── WeakPassword           a password shorter or longer than a password may be
├── SignOnFailed           single sign-on proved no one: the provider refused, or its ID token does not check out
│   └── SignOnUnavailable  the OpenID provider could not be reached or failed (``retriable``)
├── PlanQuotaExceeded      the workspace's plan does not allow it (minutes a month, videos at once, source length)
├── BillingError           Stripe refused a billing request
│   └── BillingUnavailable Stripe could not be reached or failed (``retriable``)
├── ApiCallFailed          the API answered a client's call with an error (``clipstream`` commands)
├── ApiUnreachable         the API could not be reached (``retriable``)
├── NotReady               a service this process needs did not become ready in time (``retriable``)
├── VideoFailed            a message for a video that has already failed is set aside
├── DeadLetterError        a dead letter cannot be found or replayed as asked
├── InternalError          an exception nothing above names: a bug (never retried)
├── UnsafeUrl              a URL is not http(s) or reaches a private, loopback or reserved address
├── SourceFetchFailed      a source URL could not be downloaded (``retriable``: 5xx, 429, network)
└── PublishError           a platform refused or failed a post (``retriable``: 5xx, network)
    ├── AccountReconnectRequired  the account's grant is revoked or expired: its owner must connect it again
    ├── QuotaExceeded      the platform's daily quota is spent (``retry_at``: when the next quota day begins)
    ├── UploadSessionGone  the platform no longer knows an upload session (expired): open a new one
    └── TokenUnreadable    a stored grant cannot be decrypted with any configured key

Every subclass lives here, so this tree is the whole vocabulary. Exceptions that never cross a
process or layer boundary as themselves stay beside their code: ``asr.pcm.InvalidAudio``,
``vision.frames.InvalidImages`` and ``asr.whisper.RecognitionCancelled`` are raised inside Triton's
models and reach the worker as Triton's answer (``InferenceError``); ``moments.spans.NoSentences``
is a ``ValueError`` the API answers with a 422; ``sandbox_protocol.ProtocolViolation`` becomes
``MediaUnreadable``; the API's ``ApiError`` is its HTTP answer.

``streams.failures.classify`` maps the exceptions of the libraries underneath (asyncpg, botocore,
gRPC, aiokafka, sockets) onto this vocabulary, so the retry policy branches on ``retriable`` alone.
"""

from __future__ import annotations


class ClipstreamError(Exception):
    """Base class. ``code`` is a stable machine-readable name; ``retriable`` says whether trying
    the same thing again later may succeed."""

    code = "clipstream_error"
    retriable = False

    def __init__(self, message: str, *, retriable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        if retriable is not None:
            self.retriable = retriable


class ConfigError(ClipstreamError):
    code = "config_error"


class ModelMissing(ConfigError):
    """A model a stage needs (its weights or tokenizer) is not installed or cannot be read: the
    stage cannot run without it, so the worker that would run it does not start."""

    code = "model_missing"


class UnsafeCheckpoint(ModelMissing):
    """A PyTorch checkpoint is damaged, or its pickle names something other than tensors and their
    storages (code it would run if loaded the usual way): it is refused, and nothing in it runs."""

    code = "unsafe_checkpoint"


class StackError(ClipstreamError):
    """A component of the local stack could not be managed. ``component`` names it and the
    message says how to fix it."""

    code = "stack_error"

    def __init__(self, component: str, message: str) -> None:
        super().__init__(f"{component}: {message}")
        self.component = component


class PortInUse(StackError):
    code = "port_in_use"


class MissingDependency(StackError):
    code = "missing_dependency"


class FetchFailed(StackError):
    code = "fetch_failed"
    retriable = True


class ComponentFailed(StackError):
    code = "component_failed"


class MediaError(ClipstreamError):
    code = "invalid_media"


class EmptyMedia(MediaError):
    code = "empty_file"


class NotMedia(MediaError):
    code = "not_media"


class NotAnImage(MediaError):
    code = "not_an_image"


class TruncatedMedia(MediaError):
    code = "truncated_media"


class NoAudio(MediaError):
    code = "no_audio"


class MediaLimitExceeded(MediaError):
    code = "media_limit_exceeded"


class MediaUnreadable(MediaError):
    """Reading the file killed or exhausted the child process that reads it (a decoder crash, its
    memory or CPU limit): the file costs its own job and nothing else."""

    code = "media_unreadable"


class MediaTimeout(MediaUnreadable):
    code = "media_timeout"


class SandboxUnavailable(ClipstreamError):
    """The child process that reads media could not start or broke before it touched the file:
    the machine's fault, not the file's."""

    code = "sandbox_unavailable"
    retriable = True


class RenderError(ClipstreamError):
    code = "render_failed"


class TimelineError(ClipstreamError):
    """An editor timeline cannot be written as asked: an unknown format, or a clip's hand-off
    file is missing or not one this version reads."""

    code = "timeline_failed"


class NoSpeech(ClipstreamError):
    """The video's transcript has no words: there is nothing to make a clip of."""

    code = "no_speech"


class InvalidOptions(ClipstreamError):
    """The upload's clip options cannot be used (an unknown length preset, a bad range)."""

    code = "invalid_options"


class ContractError(ClipstreamError):
    code = "contract_violation"


class UnsupportedSchemaVersion(ContractError):
    """A newer (or unknown) ``schema_version``: replay it once the consumer knows that version."""

    code = "unsupported_schema_version"


class EventTooLarge(ContractError):
    code = "event_too_large"


class InvalidKey(ContractError):
    """Messages are keyed by their ``video_id``, which keeps one video's events in order."""

    code = "invalid_key"


class UnknownLanguage(ClipstreamError):
    """A language option that is neither ``auto`` nor a language the speech models know."""

    code = "unknown_language"


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


class TenantNotFound(ClipstreamError):
    """No tenant has that id (``clipstream tenants``, the admin API)."""

    code = "tenant_not_found"


class InvalidScope(ClipstreamError):
    """An API key's scope must be one of ``tenancy.SCOPES``."""

    code = "invalid_scope"


class InvalidRole(InvalidScope):
    """A member's role must be one of ``people.roles.ROLES``."""

    code = "invalid_role"


class WeakPassword(ClipstreamError):
    """A password shorter than ``people.passwords.MIN_LENGTH`` (or absurdly long)."""

    code = "weak_password"


class SignOnFailed(ClipstreamError):
    """Single sign-on did not prove who the person is: the provider refused or answered with an ID
    token that does not check out (signature, issuer, audience, expiry, nonce), or the sign-in it
    answers was not started here or was used before."""

    code = "sign_on_failed"


class SignOnUnavailable(SignOnFailed):
    """The OpenID provider could not be reached or answered with an error of its own."""

    code = "sign_on_unavailable"
    retriable = True


class PlanQuotaExceeded(ClipstreamError):
    """The workspace's plan does not allow this (its monthly source minutes, its videos at once, its
    longest source): ``details`` says what is used, what is left and when it resets."""

    code = "quota_exceeded"

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class BillingError(ClipstreamError):
    """Stripe refused a billing request (a bad price, an unknown customer, a meter event too old)."""

    code = "billing_failed"


class BillingUnavailable(BillingError):
    """Stripe could not be reached or failed on its side."""

    code = "billing_unavailable"
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


class VideoFailed(ClipstreamError):
    """The message's video had already failed, so its stage set the message aside (to the
    dead-letter topic, where a replay after the fix picks it up with the rest)."""

    code = "video_failed"


class DeadLetterError(ClipstreamError):
    code = "dead_letter_error"


class InternalError(ClipstreamError):
    """An exception nothing in this vocabulary names: a bug, reported and never retried."""

    code = "internal_error"


class UnsafeUrl(ClipstreamError):
    """A URL we were asked to call is refused: not http(s), no host, a host that does not resolve
    (``retriable``: DNS may recover), or an address inside a private network."""

    code = "unsafe_url"


class SourceFetchFailed(ClipstreamError):
    code = "source_fetch_failed"


class PublishError(ClipstreamError):
    """A social platform refused a post or its upload failed (``retriable`` when trying again
    later may succeed: the platform's 5xx, a network failure)."""

    code = "publish_failed"


class AccountReconnectRequired(PublishError):
    """The platform no longer honours the account's grant (revoked, expired, its scopes withdrawn):
    nothing posts to it until its owner connects it again."""

    code = "account_reconnect_required"


class QuotaExceeded(PublishError):
    """The platform's quota for the day is spent; ``retry_at`` is when the next quota day begins."""

    code = "platform_quota_exceeded"
    retriable = True

    def __init__(self, message: str, *, retry_at=None) -> None:
        super().__init__(message)
        self.retry_at = retry_at


class UploadSessionGone(PublishError):
    """The platform no longer knows an upload session (it expired before its last byte, so it made
    no video): a new session may be opened."""

    code = "upload_session_gone"
    retriable = True


class TokenUnreadable(PublishError):
    """A stored grant does not decrypt with any configured key (the key that sealed it is gone,
    or the bytes were changed): the account must be connected again, or the old key restored."""

    code = "token_unreadable"
