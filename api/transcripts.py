"""``GET /v1/videos/{video_id}/transcript``: a video's words as JSON, SRT, WebVTT or plain text,
with its speakers and the languages heard (listed with ``api.videos``' routes)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.errors import ApiError
from api.openapi.blocks import (
    NOT_FOUND,
    STRING,
    query_param,
    ref,
)
from api.routing import operation
from api.video_access import video_or_404
from streams.asr.languages import UNDETERMINED
from streams.domain.transcript import TranscriptChunk
from streams.media.captions import to_srt, to_vtt
from streams.moments import build_sentences
from streams.moments.sentences import Sentence, join_words
from streams.moments.stored import words_of
from streams.speakers.video import named, speakers_of, speakers_of_video, transcribed, with_speakers

TRANSCRIPT_FORMATS = ("json", "srt", "vtt", "txt")


def spoken_language(chunks: Sequence[TranscriptChunk]) -> dict:
    """The video's language: the one its first speech is in (the first chunk with words: music
    before a talk does not decide it), how sure that was, and every language heard. None while
    no chunk has a language (one without speech has none: ``UNDETERMINED``)."""
    named = [c for c in chunks if c.language != UNDETERMINED]
    spoken = [c for c in named if c.words] or named
    first = spoken[0] if spoken else None
    heard = []
    for c in chunks:
        for span in c.languages:
            if span["language"] not in heard:
                heard.append(span["language"])
    return {
        "language": first.language if first else None,
        "language_probability": first.language_probability if first else None,
        "languages": heard,
    }


@operation(
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
        **NOT_FOUND,
    },
    scope="read",
    tag="videos",
    parameters=[query_param("format", {"enum": list(TRANSCRIPT_FORMATS), "default": "json"})],
)
async def get_transcript(request: Request) -> Response:
    tenant_catalog, v = await video_or_404(request)
    fmt = request.query_params.get("format", "json")
    if fmt not in TRANSCRIPT_FORMATS:
        raise ApiError(422, "invalid_query", f"format must be one of {', '.join(TRANSCRIPT_FORMATS)}")
    chunks = await tenant_catalog.transcript_chunks(v.video_id)
    turns, names = await speakers_of_video(tenant_catalog, v, chunks)
    words = with_speakers(words_of(chunks), turns)
    spoken = spoken_language(chunks)
    # RFC 9110 Content-Language: a list of tags
    tags = [spoken["language"]] + [t for t in spoken["languages"] if t != spoken["language"]]
    headers = {"Content-Language": ", ".join(tags)} if spoken["language"] else {}
    if fmt == "srt":
        return PlainTextResponse(to_srt(words, names), media_type="application/x-subrip", headers=headers)
    if fmt == "vtt":
        return PlainTextResponse(to_vtt(words, spoken["language"], names), media_type="text/vtt", headers=headers)
    sentences = build_sentences(words)
    if fmt == "txt":
        return PlainTextResponse(plain_text(sentences, names), headers=headers)
    return JSONResponse(
        {
            "video_id": v.video_id,
            **spoken,
            "complete": transcribed(v),
            "text": join_words(w.word for w in words),
            "words": [w.as_json() for w in words],
            "sentences": [_sentence_json(s, names) for s in sentences],
            "segments": [s for c in chunks for s in c.segments],
            "speakers": [s.as_json() for s in speakers_of(turns, names)],
        },
        headers=headers,
    )


def _sentence_json(s: Sentence, names: Mapping[str, str]) -> dict:
    said = {"text": s.text, "start": s.start, "end": s.end}
    if s.speaker is not None:
        said |= {"speaker": s.speaker, "speaker_name": named(s.speaker, names)}
    return said


def plain_text(sentences: Sequence[Sentence], names: Mapping[str, str]) -> str:
    """A sentence a line; where more than one speaker is known, ``Name: `` before each change."""
    several = len({s.speaker for s in sentences if s.speaker is not None}) > 1
    lines, previous = [], None
    for s in sentences:
        changed = several and s.speaker is not None and s.speaker != previous
        lines.append(f"{named(s.speaker, names)}: {s.text}" if changed else s.text)
        previous = s.speaker
    return "".join(line + "\n" for line in lines)
