"""clipstream's error vocabulary.

Every failure a user or an operator can cause is one of these, with a message a person can act on.
Callers branch on the class or on the ``retriable`` flag, never on message text.

ClipstreamError
├── ConfigError            bad settings or environment (a value that does not parse)
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
│   └── MediaLimitExceeded size, duration, dimensions or stream count over the configured limit
├── RenderError            FFmpeg could not render a clip (``retriable``: a resource ran out)
├── ContractError          an event does not match its JSON Schema
├── StorageError           an object could not be stored or read
├── InferenceError         a Triton call failed (``retriable`` when the server was busy/unavailable)
├── UnsafeUrl              a URL is not http(s) or reaches a private, loopback or reserved address
└── SourceFetchFailed      a source URL could not be downloaded (``retriable``: 5xx, 429, network)
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


class TruncatedMedia(MediaError):
    code = "truncated_media"


class NoAudio(MediaError):
    code = "no_audio"


class MediaLimitExceeded(MediaError):
    code = "media_limit_exceeded"


class RenderError(ClipstreamError):
    code = "render_failed"


class ContractError(ClipstreamError):
    code = "contract_violation"


class StorageError(ClipstreamError):
    code = "storage_error"


class ObjectNotFound(StorageError):
    """The storage has no object under that key."""

    code = "object_not_found"


class InferenceError(ClipstreamError):
    code = "inference_error"


class UnsafeUrl(ClipstreamError):
    """A URL we were asked to call is refused: not http(s), no host, a host that does not resolve
    (``retriable``: DNS may recover), or an address inside a private network."""

    code = "unsafe_url"


class SourceFetchFailed(ClipstreamError):
    code = "source_fetch_failed"
