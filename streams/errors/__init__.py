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
├── CorrectionRefused      a correction of a transcript's words cannot be made as asked (nothing of it is kept)
│   ├── WordNotFound       it names a time at which the transcript has no word
│   └── WordChanged        it names a word by what it reads, and it reads otherwise now (changed meanwhile)
├── ClipInUse              a clip a scheduled, publishing or published post names cannot be deleted
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
├── PlatformNoticeRefused  a platform's webhook is not signed by it for this app, or too long ago
└── PublishError           a platform refused or failed a post (``retriable``: 5xx, network)
    ├── AccountReconnectRequired  the account's grant is revoked or expired: its owner must connect it again
    ├── QuotaExceeded      the platform's daily quota is spent (``retry_at``: when the next quota day begins)
    ├── ScheduleRefused    the platform refused the time to publish at (``retry_at``: that time, to post then)
    ├── UploadSessionGone  the platform no longer knows an upload session (expired): open a new one
    ├── PostRefused        the platform took every byte, then refused or failed the post: a retry uploads again
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

from streams.errors.accounts import (
    BillingError,
    BillingUnavailable,
    InvalidRole,
    InvalidScope,
    PlanQuotaExceeded,
    SignOnFailed,
    SignOnUnavailable,
    TenantNotFound,
    WeakPassword,
)
from streams.errors.base import (
    ClipstreamError,
)
from streams.errors.config import (
    ComponentFailed,
    ConfigError,
    FetchFailed,
    MissingDependency,
    ModelMissing,
    PortInUse,
    StackError,
    UnsafeCheckpoint,
)
from streams.errors.media import (
    ClipInUse,
    CorrectionRefused,
    EmptyMedia,
    InvalidOptions,
    MediaError,
    MediaLimitExceeded,
    MediaTimeout,
    MediaUnreadable,
    NoAudio,
    NoSpeech,
    NotAnImage,
    NotMedia,
    RenderError,
    SandboxUnavailable,
    TimelineError,
    TruncatedMedia,
    UnknownLanguage,
    WordChanged,
    WordNotFound,
)
from streams.errors.pipeline import (
    AccountReconnectRequired,
    ContractError,
    DeadLetterError,
    EventTooLarge,
    InternalError,
    InvalidKey,
    PlatformNoticeRefused,
    PostRefused,
    PublishError,
    QuotaExceeded,
    ScheduleRefused,
    SourceFetchFailed,
    TokenUnreadable,
    UnsafeUrl,
    UnsupportedSchemaVersion,
    UploadSessionGone,
    VideoFailed,
)
from streams.errors.services import (
    AnalyticsUnavailable,
    ApiCallFailed,
    ApiUnreachable,
    BrokerUnavailable,
    DatabaseUnavailable,
    InferenceError,
    InferenceUnavailable,
    InvalidPassage,
    MalformedVerdict,
    NotReady,
    ObjectNotFound,
    QueueUnavailable,
    SearchMisconfigured,
    SearchUnavailable,
    StorageError,
    StorageUnavailable,
)

__all__ = [
    "AccountReconnectRequired",
    "AnalyticsUnavailable",
    "ApiCallFailed",
    "ApiUnreachable",
    "BillingError",
    "BillingUnavailable",
    "BrokerUnavailable",
    "ClipInUse",
    "ClipstreamError",
    "ComponentFailed",
    "ConfigError",
    "ContractError",
    "CorrectionRefused",
    "DatabaseUnavailable",
    "DeadLetterError",
    "EmptyMedia",
    "EventTooLarge",
    "FetchFailed",
    "InferenceError",
    "InferenceUnavailable",
    "InternalError",
    "InvalidKey",
    "InvalidOptions",
    "InvalidPassage",
    "InvalidRole",
    "InvalidScope",
    "MalformedVerdict",
    "MediaError",
    "MediaLimitExceeded",
    "MediaTimeout",
    "MediaUnreadable",
    "MissingDependency",
    "ModelMissing",
    "NoAudio",
    "NoSpeech",
    "NotAnImage",
    "NotMedia",
    "NotReady",
    "ObjectNotFound",
    "PlanQuotaExceeded",
    "PlatformNoticeRefused",
    "PortInUse",
    "PostRefused",
    "PublishError",
    "QueueUnavailable",
    "QuotaExceeded",
    "RenderError",
    "SandboxUnavailable",
    "ScheduleRefused",
    "SearchMisconfigured",
    "SearchUnavailable",
    "SignOnFailed",
    "SignOnUnavailable",
    "SourceFetchFailed",
    "StackError",
    "StorageError",
    "StorageUnavailable",
    "TenantNotFound",
    "TimelineError",
    "TokenUnreadable",
    "TruncatedMedia",
    "UnknownLanguage",
    "UnsafeCheckpoint",
    "UnsafeUrl",
    "UnsupportedSchemaVersion",
    "UploadSessionGone",
    "VideoFailed",
    "WeakPassword",
    "WordChanged",
    "WordNotFound",
]
