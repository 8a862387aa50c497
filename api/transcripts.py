"""``GET /v1/videos/{video_id}/transcript``: a video's words as JSON, SRT, WebVTT or plain text,
with its speakers and the languages heard; ``PATCH`` corrects its words
(``streams.domain.corrections``). Both are listed with ``api.videos``' routes."""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from api.auth import caller
from api.bodies import field, json_object
from api.clips import render_again
from api.errors import ApiError
from api.openapi.blocks import (
    NOT_FOUND,
    STRING,
    error,
    json_body,
    json_response,
    query_param,
    ref,
)
from api.routing import operation
from api.video_access import corrections_of, video_or_404
from streams.adapters.catalog import Catalog
from streams.asr.languages import UNDETERMINED
from streams.domain.corrections import MAX_FIXES, WordFix, spoken_within, typed
from streams.domain.envelope import utc_now
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.media.captions import to_srt, to_vtt
from streams.moments import build_sentences
from streams.moments.sentences import Sentence, join_words
from streams.moments.stored import words_of
from streams.search.reindex import index_video
from streams.speakers.video import named, speakers_of, speakers_of_video, transcribed, with_speakers
from streams.webhooks import events
from streams.webhooks import store as webhook_store

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
    heard = {round(c.start, 3): c.heard for chunk in chunks for c in chunk.corrected}  # read with the words
    return JSONResponse(
        {
            "video_id": v.video_id,
            **spoken,
            "complete": transcribed(v),
            "text": join_words(w.word for w in words),
            "words": [_word_json(w, heard) for w in words],
            "sentences": [_sentence_json(s, names) for s in sentences],
            "segments": [s for c in chunks for s in c.segments],
            "speakers": [s.as_json() for s in speakers_of(turns, names)],
        },
        headers=headers,
    )


def _word_json(word: Word, heard: Mapping[float, str]) -> dict:
    """A word as the JSON transcript lists it: with ``heard``, what was heard, where a person corrected it."""
    was = heard.get(round(word.start, 3))
    return word.as_json() if was is None else {**word.as_json(), "heard": was}


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


@operation(
    "correctTranscript",
    "Correct words of the transcript",
    {
        "200": json_response(
            "TranscriptCorrected",
            "The words that read otherwise now, and the clips whose captions still show what they read "
            "before (render one again to draw them: `POST /v1/clips/{clip_id}/renders`, or ask with "
            "`render`); with `render`, the renders queued.",
        ),
        "409": error("Conflict"),
        **NOT_FOUND,
    },
    scope="write",
    tag="videos",
    body=json_body("CorrectTranscript", "The words to correct, each named by its `start`."),
    description="Each word is named by its `start` as the transcript lists it; with `was`, only if it "
    "still reads that (409 `word_changed` otherwise). `word` is what it should read (a space may "
    "join two words: `New York`); `null` puts back what was heard. A corrected word keeps its "
    "times and speaker. All or nothing: a `start` with no word is a 422 `word_not_found`. Every "
    "export of the transcript, search and the titles of the moments they are spoken in read the "
    "corrected words at once, and so does every clip rendered from now on; a clip rendered before "
    "keeps its captions until it is rendered again. A correction that changed words is announced "
    "once, in the same transaction, by a `transcript.corrected` webhook. The same request sent "
    "again changes nothing and answers 200 with nothing corrected; so after a 503 (the words were "
    "kept, search is behind) send it again. With `render: true` every clip of the video whose "
    "captions no longer read as the transcript does (this request's and any earlier one's, so a "
    "request sent again after a 503 still renders them) is rendered again as it was, with the words "
    "as they read now: `renders` lists each, from the clip it redraws (`POST /v1/clips/{clip_id}/"
    "renders` with no body, each).",
)
async def correct_transcript(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    tenant_id = caller(request).tenant_id
    body = await json_object(request)
    fixes, render = _fixes(body), field(body, "render", bool, default=False)
    # read before the correction's transaction, which must not wait for a second pool connection
    # while it holds one (a correction changes no clip's span)
    spans = [(c.clip_id, c.start_s, c.end_s) for c in await tenant_catalog.clips(v.video_id)]
    words: list[dict] = []
    clips: list[str] = []

    async def announce(conn: asyncpg.Connection, made: list[tuple[dict, dict]]) -> None:
        """In the correction's transaction: the clips that show the words as before, and the
        ``transcript.corrected`` webhook, so the webhook goes out if and only if the words changed."""
        now = [w for _, w in made]
        words.extend({"word": w["word"], "start": w["start"], "end": w["end"]} | _heard(w) for w in now)
        clips.extend(clip for clip, start, end in spans if any(spoken_within(w, start, end) for w in now))
        told = events.from_correction(tenant_id, v.video_id, words, clips, uuid.uuid4().hex, utc_now())
        await webhook_store.enqueue(conn, told)

    await tenant_catalog.correct_words(v.video_id, fixes, then=announce)
    index = request.app.state.search
    await index_video(tenant_catalog, index, tenant_id, v.video_id, v.filename, transcribed(v))
    answer: dict = {"video_id": v.video_id, "corrected": words, "clips": clips}
    if render:
        answer["renders"] = await _render_stale(request, tenant_catalog, tenant_id, v.video_id)
    return JSONResponse(answer)


async def _render_stale(request: Request, tenant_catalog: Catalog, tenant_id: str, video_id: str) -> list[dict]:
    """Every clip of the video whose captions no longer read as the transcript does, queued to be
    drawn again as it was (``clips.render_again``): ``{"from", "clip_id", "status"}`` each."""
    listed = await tenant_catalog.clips(video_id)
    corrected = await corrections_of(tenant_catalog, video_id, listed)
    renders = []
    for clip in listed:
        if clip.captions_current(corrected) is False:
            _, queued = await render_again(request, tenant_id, clip, {})
            renders.append({"from": clip.clip_id, "clip_id": queued["clip_id"], "status": queued["status"]})
    return renders


def _heard(word: dict) -> dict:
    return {"heard": word["heard"]["word"]} if "heard" in word else {}


def _fixes(body: dict) -> list[WordFix]:
    """The body's ``words`` as fixes: each a word's ``start``, what it should read (``word``; null:
    as heard) and what it reads now (``was``, optional), each word once."""
    unknown = set(body) - {"words", "render"}
    if unknown:
        raise ApiError(422, "invalid_body", f"unknown fields {sorted(unknown)!r}")
    items = field(body, "words", list, required=True)
    if not 1 <= len(items) <= MAX_FIXES:
        raise ApiError(422, "invalid_body", f"'words' must name 1 to {MAX_FIXES} words")
    fixes: list[WordFix] = []
    for item in items:
        if not isinstance(item, dict) or set(item) - {"start", "word", "was"} or not {"start", "word"} <= set(item):
            raise ApiError(422, "invalid_body", 'each of \'words\' is {"start", "word"[, "was"]}')
        start, text, was = item["start"], item["word"], item.get("was")
        if isinstance(start, bool) or not isinstance(start, (int, float)) or not math.isfinite(start) or start < 0:
            raise ApiError(422, "invalid_body", "'start' is a word's start in seconds, as the transcript lists it")
        if not (text is None or isinstance(text, str)) or not (was is None or isinstance(was, str)):
            raise ApiError(422, "invalid_body", "'word' is a string or null, 'was' a string")
        try:
            fix = WordFix(float(start), None if text is None else typed(text), was)
        except ValueError as exc:
            raise ApiError(422, "invalid_body", f"'word' at {start}: {exc}") from None
        if any(fix.names({"start": f.start}) for f in fixes):
            raise ApiError(422, "invalid_body", f"the word at {start} is named twice")
        fixes.append(fix)
    return fixes
