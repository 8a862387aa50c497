"""``/v1/videos`` and ``/v1/clips``: list and delete videos; read transcripts, moments and clips;
download and re-render clips (submitting videos is ``api.submissions``). Every read and write runs under the caller's tenant (row-level security)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import PurePath

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from api import signing
from api.audit import audited
from api.auth import caller
from api.errors import ApiError
from api.hosts import download_base
from api.openapi.blocks import (
    MEDIA,
    NOT_FOUND,
    PAGE,
    SERVED_FILE,
    STRING,
    error,
    json_response,
    link,
    links_by,
    query_param,
    ref,
)
from api.pagination import decode_cursor, one_page, page_limit
from api.routing import operation
from streams.adapters.catalog import Catalog
from streams.adapters.storage import FileStorage, video_prefix
from streams.asr.languages import UNDETERMINED
from streams.domain.clip import CLIP_FILES, Clip
from streams.domain.envelope import iso_z
from streams.domain.transcript import TranscriptChunk
from streams.domain.video import VIDEO_STATUSES, Video
from streams.errors import StorageError
from streams.media.captions import to_srt, to_vtt
from streams.media.probe import SERVED_TYPES
from streams.moments import build_sentences
from streams.moments.sentences import Sentence, join_words
from streams.moments.stored import words_of
from streams.speakers.video import named, speakers_of, speakers_of_video, transcribed, with_speakers
from streams.timeline.formats import FORMATS

# What an answer naming a video or a clip links to (OpenAPI links, for clients and stateful testers).
VIDEO_LINKS = links_by(
    "video_id",
    "$response.body#/video_id",
    {
        "video": "getVideo",
        "transcript": "getTranscript",
        "moments": "getMoments",
        "clips": "getClips",
        "delete": "deleteVideo",
    },
)
TO_CLIP = {"clip": link("getClip", clip_id="$response.body#/clip_id")}


def catalog(request: Request) -> Catalog:
    """The catalog as the calling tenant sees it."""
    return request.app.state.catalog.for_tenant(caller(request).tenant_id)


def _signed(request: Request, path: str, query: str = "", *, file: bool = False) -> str:
    """A signed link to ``path``; a stored file's (``file``) is absolute on the download origin
    when one is set (``api.hosts.download_base``)."""
    link = signing.sign(request.app.state.signing_secret, request.state.principal, path, query)
    return (download_base(request.app.state.settings) if file else "") + link


def video_links(video_id: str) -> dict:
    base = f"/v1/videos/{video_id}"
    return {
        "self": base,
        "transcript": f"{base}/transcript",
        "moments": f"{base}/moments",
        "clips": f"{base}/clips",
        "events": f"{base}/events",
    }


def video_not_found(video_id: str) -> ApiError:
    return ApiError(404, "video_not_found", f"no video with id {video_id!r}")


async def video_or_404(request: Request) -> tuple[Catalog, Video]:
    tenant_catalog = catalog(request)
    video = await tenant_catalog.video(request.path_params["video_id"])
    if video is None:
        raise video_not_found(request.path_params["video_id"])
    return tenant_catalog, video


def _summary(v: Video) -> dict:
    return {
        "video_id": v.video_id,
        "filename": v.filename,
        "status": v.status,
        "error": {"code": v.error_code, "message": v.error} if v.status == "failed" else None,
        "duration": v.duration,
        "size_bytes": v.size_bytes,
        "options": v.options.as_json(),
        "created_at": iso_z(v.created_at),
        "updated_at": iso_z(v.updated_at),
        "finished_at": iso_z(v.finished_at),
        "links": video_links(v.video_id),
    }


@operation(
    "listVideos",
    "List videos, newest first",
    {
        "200": json_response(
            "VideoList",
            "One page.",
            links={"video": link("getVideo", video_id="$response.body#/videos/0/video_id")},
        )
    },
    scope="read",
    tag="videos",
    parameters=[*PAGE, query_param("status", {"enum": list(VIDEO_STATUSES)})],
)
async def list_videos(request: Request) -> JSONResponse:
    tenant_catalog = catalog(request)
    limit = page_limit(request)
    status = request.query_params.get("status")
    if status is not None and status not in VIDEO_STATUSES:
        raise ApiError(422, "invalid_query", f"status must be one of {', '.join(VIDEO_STATUSES)}")
    before = decode_cursor(request.query_params.get("cursor"))
    rows, cursor, more = one_page(
        await tenant_catalog.list_videos(limit=limit + 1, before=before, status=status),
        limit,
        lambda v: (v.created_at, v.video_id),
    )
    return JSONResponse({"videos": [_summary(v) for v in rows], "next_cursor": cursor, "has_more": more})


@operation(
    "getVideo",
    "A video: status, progress, stages",
    {"200": json_response("VideoDetail", "The video."), **NOT_FOUND},
    scope="read",
    tag="videos",
)
async def get_video(request: Request) -> JSONResponse:
    _, v = await video_or_404(request)
    return JSONResponse(video_json(request, v))


def video_json(request: Request, v: Video) -> dict:
    """A video with its stages, progress and signed links (the source, the progress stream)."""
    shares = [round(float(s.progress), 3) for s in v.stages]
    stages = [
        {
            "stage": s.stage,
            "status": s.status,
            "progress": share,
            "error": {"code": s.error_code, "message": s.error} if s.error else None,
            "started_at": iso_z(s.started_at),
            "finished_at": iso_z(s.finished_at),
        }
        for s, share in zip(v.stages, shares)
    ]
    progress = round(sum(shares) / max(1, len(shares)), 3)
    base = f"/v1/videos/{v.video_id}"
    urls = {
        "events": _signed(request, f"{base}/events"),
        "source": _signed(request, f"{base}/source", file=True),
        "timeline": timeline_links(request, base),
    }
    return {**_summary(v), "progress": progress, "stages": stages, "urls": urls, "ranking": v.ranking}


@operation(
    "deleteVideo",
    "Delete a video, its clips and its stored files",
    {"204": {"description": "Deleted."}, **NOT_FOUND, "413": error("PayloadTooLarge"), "503": error("Unavailable")},
    scope="admin",  # destructive: an editor (write) uploads, renders and publishes, an admin deletes
    tag="videos",
)
async def delete_video(request: Request) -> Response:
    principal = caller(request)
    state = request.app.state
    video_id = request.path_params["video_id"]
    uris = await state.catalog.for_tenant(principal.tenant_id).delete_video(video_id)
    if uris is None:
        raise video_not_found(video_id)
    await asyncio.to_thread(_delete_objects, state.storage, principal.tenant_id, video_id, uris)
    await asyncio.to_thread(state.search.delete_video, principal.tenant_id, video_id)
    await audited(request, "video.deleted", video_id)
    return Response(status_code=204)


def _delete_objects(storage, tenant_id: str, video_id: str, uris: list[str]) -> None:
    storage.delete_prefix(video_prefix(tenant_id, video_id))
    for uri in uris:  # objects stored before the tenant prefix existed
        try:
            storage.delete(storage.key_of(uri))
        except StorageError:
            pass


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
    words = with_speakers(words_of(chunks), turns)  # each with its speaker's label
    spoken = spoken_language(chunks)
    # every language heard, the main one first (RFC 9110 Content-Language: a list of tags)
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


@operation(
    "getMoments",
    "The moments found so far, best first",
    {"200": json_response("MomentList", "The moments."), **NOT_FOUND},
    scope="read",
    tag="videos",
)
async def get_moments(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    moments = await tenant_catalog.moments(v.video_id)
    names = await tenant_catalog.speaker_names(v.video_id) if any(m.speakers for m in moments) else {}
    return JSONResponse(
        {
            "video_id": v.video_id,
            "status": v.status,
            "moments": [
                {
                    "moment_id": m.moment_id,
                    "rank": m.rank,
                    "final": m.is_final,
                    "superseded": m.superseded,
                    "start": m.start_s,
                    "end": m.end_s,
                    "score": round(m.score, 1),
                    "title": m.title,
                    "reason": m.reason,
                    "signals": m.signals,
                    "speakers": heard(m.speakers, names),
                }
                for m in moments
            ],
        }
    )


def heard(labels: Sequence[str], names: Mapping[str, str]) -> list[dict]:
    """The voices heard in a moment or clip, each with the name shown for it (given, else
    ``Speaker N``): a rename shows at once."""
    return [{"speaker": label, "name": named(label, names)} for label in labels]


def _clip_json(request: Request, c: Clip, names: Mapping[str, str] | None = None) -> dict:
    base = f"/v1/clips/{c.clip_id}"
    return {
        "clip_id": c.clip_id,
        "video_id": c.video_id,
        "moment_id": c.moment_id,
        "rank": c.rank,
        "score": round(c.score, 1),
        "final": c.is_final,
        "superseded": c.superseded,
        "start": c.start_s,
        "end": c.end_s,
        "duration": c.duration,
        "trimmed_seconds": round(c.trimmed_seconds, 3),
        "aspect": c.aspect,
        "width": c.width,
        "height": c.height,
        "title": c.title,
        "reason": c.reason,
        "signals": c.signals,
        "speakers": heard(c.speakers, names or {}),
        # the files by the API's own links (with the key), never where storage keeps them
        **{kind: f"{base}/download?file={kind}" for kind in CLIP_FILES},
        "caption_style": c.caption_style,
        "variant": c.variant or None,
        "links": {"self": base, **{kind: f"{base}/download?file={kind}" for kind in CLIP_FILES}},
        "urls": {
            **{kind: _signed(request, f"{base}/download", f"file={kind}", file=True) for kind in CLIP_FILES},
            "timeline": timeline_links(request, base),
        },
    }


def timeline_links(request: Request, base: str) -> dict:
    """Signed links to the timeline bundle under ``base`` (a clip's or a video's), one per format."""
    return {name: _signed(request, f"{base}/timeline", f"format={name}&bundle=zip", file=True) for name in FORMATS}


@operation(
    "getClips",
    "The clips rendered so far, best first",
    {
        "200": json_response(
            "ClipList",
            "The clips.",
            links={
                "clip": link("getClip", clip_id="$response.body#/clips/0/clip_id"),
                "download": link("downloadClip", clip_id="$response.body#/clips/0/clip_id"),
            },
        ),
        **NOT_FOUND,
    },
    scope="read",
    tag="clips",
)
async def get_clips(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    clips = await tenant_catalog.clips(v.video_id)
    names = await tenant_catalog.speaker_names(v.video_id) if any(c.speakers for c in clips) else {}
    return JSONResponse(
        {"video_id": v.video_id, "status": v.status, "clips": [_clip_json(request, c, names) for c in clips]}
    )


async def clip_or_404(request: Request) -> Clip:
    clip = await catalog(request).clip(request.path_params["clip_id"])
    if clip is None:
        raise ApiError(404, "clip_not_found", f"no clip with id {request.path_params['clip_id']!r}")
    return clip


@operation(
    "getClip",
    "A clip",
    {
        "200": json_response(
            "Clip",
            "The clip.",
            links={
                "download": link("downloadClip", clip_id="$response.body#/clip_id"),
                "video": link("getVideo", video_id="$response.body#/video_id"),
            },
        ),
        **NOT_FOUND,
    },
    scope="read",
    tag="clips",
)
async def get_clip(request: Request) -> JSONResponse:
    clip = await clip_or_404(request)
    names = await catalog(request).speaker_names(clip.video_id) if clip.speakers else {}
    return JSONResponse(_clip_json(request, clip, names))


MEDIA_TYPES = {"mp4": "video/mp4", "srt": "application/x-subrip", "vtt": "text/vtt", "thumbnail": "image/jpeg"}
PRESIGN_SECONDS = 900


@operation(
    "downloadClip",
    "One of a clip's files",
    {
        "200": {
            "description": "The file (byte ranges supported).",
            "content": {
                "video/mp4": {"schema": {}},
                "application/x-subrip": {"schema": STRING},
                "text/vtt": {"schema": STRING},
                "image/jpeg": {"schema": {}},
            },
        },
        **SERVED_FILE,
        **NOT_FOUND,
    },
    scope="read",
    tag="clips",
    signed=True,
    parameters=[query_param("file", {"enum": list(CLIP_FILES), "default": "mp4"})],
)
async def download_clip(request: Request) -> Response:
    """A clip's file (``?file=mp4|srt|vtt|thumbnail``)."""
    clip = await clip_or_404(request)
    kind = request.query_params.get("file", "mp4")
    if kind not in CLIP_FILES:
        raise ApiError(422, "invalid_query", f"file must be one of {', '.join(CLIP_FILES)}")
    return await _serve_object(request, clip.file_uri(kind), MEDIA_TYPES[kind], clip.clip_id)


@operation(
    "getSource",
    "The uploaded media itself",
    {"200": {"description": "The file (byte ranges supported).", "content": MEDIA}, **SERVED_FILE, **NOT_FOUND},
    scope="read",
    tag="videos",
    signed=True,
)
async def get_source(request: Request) -> Response:
    """The uploaded media itself (for players that follow the transcript). Its type is what the
    probe found it to be, from an allow-list of video and audio types; anything else (not probed
    yet, refused, another container) is an attachment of ``application/octet-stream``, whatever
    the uploader named it."""
    _, v = await video_or_404(request)
    if v.media_type in SERVED_TYPES:
        return await _serve_object(request, v.source_uri, v.media_type, v.video_id)
    return await _serve_object(request, v.source_uri, OPAQUE, v.video_id, inline=False)


OPAQUE = "application/octet-stream"


async def _serve_object(request: Request, uri: str, media_type: str, stem: str, inline: bool = True) -> Response:
    """A stored object: streamed with byte ranges (so a player can seek) from local storage, a
    redirect to a short-lived presigned URL on S3 that answers with the same type."""
    storage = request.app.state.storage
    try:
        key = storage.key_of(uri)
    except StorageError:
        raise ApiError(404, "file_not_found", "the file is missing from storage") from None
    suffix = PurePath(key).suffix if inline else ".bin"
    filename = f"{stem}{suffix}"
    disposition = "inline" if inline else "attachment"
    if isinstance(storage, FileStorage):
        path = storage.local_path(key)
        if not path.is_file():
            raise ApiError(404, "file_not_found", "the file is missing from storage")
        return FileResponse(path, media_type=media_type, filename=filename, content_disposition_type=disposition)
    url = await asyncio.to_thread(
        storage.presigned_get, key, PRESIGN_SECONDS, filename, media_type=media_type, inline=inline
    )
    return RedirectResponse(url, status_code=307)


routes = [
    Route("/v1/videos", list_videos, methods=["GET"]),
    Route("/v1/videos/{video_id}", get_video, methods=["GET"]),
    Route("/v1/videos/{video_id}", delete_video, methods=["DELETE"]),
    Route("/v1/videos/{video_id}/transcript", get_transcript, methods=["GET"]),
    Route("/v1/videos/{video_id}/moments", get_moments, methods=["GET"]),
    Route("/v1/videos/{video_id}/clips", get_clips, methods=["GET"]),
    Route("/v1/videos/{video_id}/source", get_source, methods=["GET"]),
    Route("/v1/clips/{clip_id}", get_clip, methods=["GET"]),
    Route("/v1/clips/{clip_id}/download", download_clip, methods=["GET"]),
]
