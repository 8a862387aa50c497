"""Errors of what is uploaded and made of it: unusable media, its sandbox, rendering, timelines,
speech, options, languages.
``streams.errors`` draws the whole tree."""

from __future__ import annotations

from streams.errors.base import ClipstreamError


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


class UnknownLanguage(ClipstreamError):
    """A language option that is neither ``auto`` nor a language the speech models know."""

    code = "unknown_language"


class CorrectionRefused(ClipstreamError):
    """A correction of a transcript's words cannot be made as asked: nothing of the request is kept."""

    code = "correction_refused"


class WordNotFound(CorrectionRefused):
    """A correction names a time at which the transcript has no word."""

    code = "word_not_found"


class WordChanged(CorrectionRefused):
    """A correction names a word by what it reads (``was``), and it reads otherwise now: someone
    changed it meanwhile."""

    code = "word_changed"


class ClipInUse(ClipstreamError):
    """A clip cannot be deleted while a post needs it: one scheduled, being published or published
    names it (cancel a post that has not begun; a published post keeps its clip)."""

    code = "clip_has_posts"
