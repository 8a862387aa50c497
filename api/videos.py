"""``/v1/videos`` and ``/v1/clips``: submit, list and delete videos; read transcripts, moments and
clips; download clips. Every read and write runs under the caller's tenant (row-level security)."""

from __future__ import annotations

import asyncio
import json
import math
import mimetypes
import re
import uuid
from pathlib import PurePath

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from api import signing
from api.auth import require
from api.bodies import field, json_object
from api.errors import ApiError
from api.pagination import decode_cursor, one_page, page_limit
from streams import contracts
from streams.adapters.catalog import Catalog
from streams.adapters.storage import FileStorage, video_prefix
from streams.asr.whisper import Word
from streams.errors import ClipstreamError, ContractError, StorageError
from streams.media.captions import CAPTION_STYLES, CaptionWord, to_srt, to_vtt
from streams.moments import build_sentences
from streams.records import SCHEMA_VERSION, clip_id, iso_z, new_event_id, utc_now

OPTION_FIELDS = {
    "clip_count": int, "min_seconds": float, "max_seconds": float, "caption_style": str, "language": str,
    "length": str, "framing": str, "max_overlap": float,
    "aspect_ratios": lambda v: [a.strip() for a in v.split(",") if a.strip()],
}
DEFAULT_OPTIONS = {"clip_count": 5, "min_seconds": 20.0, "max_seconds": 60.0, "aspect_ratios": ["9:16"],
                   "caption_style": "bold", "language": "en"}




def _safe_filename(name: str | None) -> str:
    base = PurePath((name or "upload").replace("\\", "/")).name.strip() or "upload"
    return base[:255]


def _suffix(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def _options(form) -> dict:
    options = dict(DEFAULT_OPTIONS)
    if "options" in form:
        try:
            given = json.loads(form["options"], parse_constant=_no_constants)
        except (ValueError, RecursionError):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object") from None
        if not isinstance(given, dict):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object")
        options.update(given)
    for name, cast in OPTION_FIELDS.items():
        if name in form:
            try:
                options[name] = cast(form[name])
            except ValueError:
                raise ApiError(422, "invalid_options", f"option {name}={form[name]!r} is not valid") from None
            if isinstance(options[name], float) and not math.isfinite(options[name]):
                raise ApiError(422, "invalid_options", f"option {name} must be a finite number")
    if "\x00" in json.dumps(options):
        raise ApiError(422, "invalid_options", "options may not contain NUL characters")
    return options


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def catalog(request: Request, scope: str) -> Catalog:
    """The catalog as the calling tenant sees it, once its key is checked for ``scope``."""
    return request.app.state.catalog.for_tenant(require(request, scope).tenant_id)


async def create_video(request: Request) -> JSONResponse:
    principal = require(request, "write")
    state = request.app.state
    limit = state.settings.max_upload_bytes
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the video as multipart/form-data with a 'file' field")
    video_id = uuid.uuid4().hex
    # Starlette spools each file part to a temporary file past 1 MiB: the upload is never held in memory.
    async with request.form(max_files=1, max_fields=32, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "missing_file", "the multipart form has no 'file' part")
        options = _options(form)
        filename = _safe_filename(upload.filename)
        key = f"{video_prefix(principal.tenant_id, video_id)}source{_suffix(filename)}"
        size = await asyncio.to_thread(state.storage.put_stream, key, upload.file)
    if size > limit:
        await asyncio.to_thread(state.storage.delete, key)
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    return await _submit(request, principal.tenant_id, video_id, key, filename, size, options)


async def _submit(request: Request, tenant_id: str, video_id: str, key: str, filename: str, size: int,
                  options: dict) -> JSONResponse:
    """Record the stored upload and queue it on ``uploads``; the 202 answer."""
    state = request.app.state
    event = {
        "schema_version": SCHEMA_VERSION, "event_id": new_event_id(), "tenant_id": tenant_id, "video_id": video_id,
        "produced_at": utc_now(), "source_uri": state.storage.uri(key), "filename": filename, "size_bytes": size,
        "options": options,
    }
    try:
        contracts.validate("upload_received", event)
    except ContractError as exc:
        await asyncio.to_thread(state.storage.delete, key)
        message = exc.message.split(": ", 1)[-1]
        raise ApiError(422, "invalid_options", f"invalid options: {message}") from None
    tenant_catalog = state.catalog.for_tenant(tenant_id)
    try:
        await tenant_catalog.create_video(video_id, tenant_id, filename, event["source_uri"], size, options)
    except BaseException:
        await asyncio.to_thread(state.storage.delete, key)
        raise
    try:
        await state.uploads.send(video_id, json.dumps(event).encode())
    except ClipstreamError as exc:
        await tenant_catalog.fail_video(video_id, "ingest", exc.code, f"could not queue the upload: {exc.message}")
        raise
    return JSONResponse(
        {"video_id": video_id, "status": "queued", "filename": filename, "size_bytes": size, "options": options,
         "links": _links(video_id)},
        status_code=202, headers={"Location": f"/v1/videos/{video_id}"},
    )


def _signed(request: Request, path: str, query: str = "") -> str:
    return signing.sign(request.app.state.signing_secret, request.state.principal, path, query)


def _links(video_id: str) -> dict:
    base = f"/v1/videos/{video_id}"
    return {"self": base, "transcript": f"{base}/transcript", "moments": f"{base}/moments", "clips": f"{base}/clips",
            "events": f"{base}/events"}


def _not_found(video_id: str) -> ApiError:
    return ApiError(404, "video_not_found", f"no video with id {video_id!r}")


async def video_or_404(request: Request, scope: str = "read") -> tuple[Catalog, dict]:
    tenant_catalog = catalog(request, scope)
    video = await tenant_catalog.video(request.path_params["video_id"])
    if video is None:
        raise _not_found(request.path_params["video_id"])
    return tenant_catalog, video


def _summary(v: dict) -> dict:
    return {
        "video_id": v["video_id"], "filename": v["filename"], "status": v["status"],
        "error": {"code": v["error_code"], "message": v["error"]} if v["status"] == "failed" else None,
        "duration": v["duration"], "size_bytes": v["size_bytes"], "options": v["options"],
        "created_at": iso_z(v["created_at"]), "updated_at": iso_z(v["updated_at"]),
        "finished_at": iso_z(v["finished_at"]), "links": _links(v["video_id"]),
    }


async def list_videos(request: Request) -> JSONResponse:
    tenant_catalog = catalog(request, "read")
    limit = page_limit(request)
    status = request.query_params.get("status")
    if status is not None and status not in ("queued", "processing", "completed", "failed"):
        raise ApiError(422, "invalid_query", "status must be one of queued, processing, completed, failed")
    before = decode_cursor(request.query_params.get("cursor"))
    rows, cursor, more = one_page(
        await tenant_catalog.list_videos(limit=limit + 1, before=before, status=status), limit, "video_id")
    return JSONResponse({"videos": [_summary(v) for v in rows], "next_cursor": cursor, "has_more": more})


async def get_video(request: Request) -> JSONResponse:
    _, v = await video_or_404(request)
    return JSONResponse(video_json(request, v))


def video_json(request: Request, v: dict) -> dict:
    """A video with its stages, progress and signed links (the source, the progress stream)."""
    stages = [
        {"stage": s["stage"], "status": s["status"], "progress": round(float(s["progress"]), 3),
         "error": {"code": s["error_code"], "message": s["error"]} if s["error"] else None,
         "started_at": iso_z(s["started_at"]), "finished_at": iso_z(s["finished_at"])}
        for s in v["stages"]
    ]
    progress = round(sum(s["progress"] for s in stages) / max(1, len(stages)), 3)
    base = f"/v1/videos/{v['video_id']}"
    urls = {"events": _signed(request, f"{base}/events"), "source": _signed(request, f"{base}/source")}
    return {**_summary(v), "progress": progress, "stages": stages, "urls": urls}


async def delete_video(request: Request) -> Response:
    principal = require(request, "write")
    state = request.app.state
    video_id = request.path_params["video_id"]
    uris = await state.catalog.for_tenant(principal.tenant_id).delete_video(video_id)
    if uris is None:
        raise _not_found(video_id)
    await asyncio.to_thread(_delete_objects, state.storage, principal.tenant_id, video_id, uris)
    return Response(status_code=204)


def _delete_objects(storage, tenant_id: str, video_id: str, uris: list[str]) -> None:
    storage.delete_prefix(video_prefix(tenant_id, video_id))
    for uri in uris:  # objects stored before the tenant prefix existed
        try:
            storage.delete(storage.key_of(uri))
        except StorageError:
            pass


async def _words(tenant_catalog: Catalog, video_id: str) -> tuple[list[dict], list[dict]]:
    chunks = await tenant_catalog.transcript_chunks(video_id)
    return chunks, [w for c in chunks for w in c["words"]]


TRANSCRIPT_FORMATS = ("json", "srt", "vtt", "txt")


async def get_transcript(request: Request) -> Response:
    tenant_catalog, v = await video_or_404(request)
    fmt = request.query_params.get("format", "json")
    if fmt not in TRANSCRIPT_FORMATS:
        raise ApiError(422, "invalid_query", f"format must be one of {', '.join(TRANSCRIPT_FORMATS)}")
    chunks, words = await _words(tenant_catalog, v["video_id"])
    captions = [CaptionWord(w["word"], w["start"], w["end"]) for w in words]
    if fmt == "srt":
        return PlainTextResponse(to_srt(captions), media_type="application/x-subrip")
    if fmt == "vtt":
        return PlainTextResponse(to_vtt(captions), media_type="text/vtt")
    sentences = build_sentences([Word(w["word"], w["start"], w["end"], w["probability"]) for w in words])
    if fmt == "txt":
        return PlainTextResponse("\n".join(s.text for s in sentences) + ("\n" if sentences else ""))
    transcribe = next(s for s in v["stages"] if s["stage"] == "transcribe")
    return JSONResponse({
        "video_id": v["video_id"], "language": chunks[0]["language"] if chunks else None,
        "complete": transcribe["status"] == "completed",
        "text": " ".join(w["word"] for w in words),
        "words": words,
        "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in sentences],
        "segments": [s for c in chunks for s in c["segments"]],
    })


async def get_moments(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    moments = await tenant_catalog.moments(v["video_id"])
    return JSONResponse({
        "video_id": v["video_id"], "status": v["status"],
        "moments": [
            {"moment_id": m["moment_id"], "rank": m["rank"], "final": m["is_final"], "start": m["start_s"],
             "end": m["end_s"], "score": round(m["score"], 1), "title": m["title"], "reason": m["reason"],
             "signals": m["signals"]}
            for m in moments
        ],
    })


def _clip_json(request: Request, c: dict) -> dict:
    base = f"/v1/clips/{c['clip_id']}"
    return {
        "clip_id": c["clip_id"], "video_id": c["video_id"], "moment_id": c["moment_id"], "rank": c["rank"],
        "score": round(c["score"], 1), "final": c["is_final"], "start": c["start_s"], "end": c["end_s"],
        "duration": c["duration"], "aspect": c["aspect"], "width": c["width"], "height": c["height"],
        "title": c["title"], "reason": c["reason"], "signals": c["signals"], "mp4": c["mp4_uri"], "srt": c["srt_uri"],
        "vtt": c["vtt_uri"], "thumbnail": c["thumbnail_uri"], "caption_style": c.get("caption_style"),
        "variant": c.get("variant") or None,
        "links": {"self": base, **{kind: f"{base}/download?file={kind}" for kind in CLIP_FILES}},
        "urls": {kind: _signed(request, f"{base}/download", f"file={kind}") for kind in CLIP_FILES},
    }


async def get_clips(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    clips = await tenant_catalog.clips(v["video_id"])
    return JSONResponse({"video_id": v["video_id"], "status": v["status"], "clips": [_clip_json(request, c) for c in clips]})


async def _clip_or_404(request: Request) -> dict:
    clip = await catalog(request, "read").clip(request.path_params["clip_id"])
    if clip is None:
        raise ApiError(404, "clip_not_found", f"no clip with id {request.path_params['clip_id']!r}")
    return clip


async def get_clip(request: Request) -> JSONResponse:
    return JSONResponse(_clip_json(request, await _clip_or_404(request)))


CLIP_FILES = {"mp4": ("mp4_uri", "video/mp4"), "srt": ("srt_uri", "application/x-subrip"),
              "vtt": ("vtt_uri", "text/vtt"), "thumbnail": ("thumbnail_uri", "image/jpeg")}
PRESIGN_SECONDS = 900


async def download_clip(request: Request) -> Response:
    """A clip's file (``?file=mp4|srt|vtt|thumbnail``)."""
    clip = await _clip_or_404(request)
    kind = request.query_params.get("file", "mp4")
    if kind not in CLIP_FILES:
        raise ApiError(422, "invalid_query", f"file must be one of {', '.join(CLIP_FILES)}")
    column, media_type = CLIP_FILES[kind]
    return await _serve_object(request, clip[column], media_type, clip["clip_id"])


async def get_source(request: Request) -> Response:
    """The uploaded media itself (for players that follow the transcript)."""
    _, v = await video_or_404(request)
    media_type = mimetypes.guess_type(v["filename"])[0] or "application/octet-stream"
    return await _serve_object(request, v["source_uri"], media_type, v["video_id"])


async def _serve_object(request: Request, uri: str, media_type: str, stem: str) -> Response:
    """A stored object: streamed with byte ranges (so a player can seek) from local storage, a
    redirect to a short-lived presigned URL on S3."""
    storage = request.app.state.storage
    key = storage.key_of(uri)
    filename = f"{stem}{PurePath(key).suffix}"
    if isinstance(storage, FileStorage):
        path = storage.local_path(key)
        if not path.is_file():
            raise ApiError(404, "file_not_found", "the file is missing from storage")
        return FileResponse(path, media_type=media_type, filename=filename, content_disposition_type="inline")
    url = await asyncio.to_thread(storage.presigned_get, key, PRESIGN_SECONDS, filename)
    return RedirectResponse(url, status_code=307)


ASPECTS = ("9:16", "1:1", "4:5", "16:9")


async def rerender_clip(request: Request) -> JSONResponse:
    """Render the clip's moment again with another caption style and/or aspect: an event on the
    render path (``render_requests``); the new clip joins the video's clips when it is done."""
    principal = require(request, "write")
    clip = await _clip_or_404(request)
    body = await json_object(request, optional=True)
    style = field(body, "caption_style", str, default=clip.get("caption_style") or "bold")
    aspect = field(body, "aspect", str, default=clip["aspect"])
    if style not in CAPTION_STYLES:
        raise ApiError(422, "invalid_body", f"caption_style must be one of {', '.join(CAPTION_STYLES)}")
    if aspect not in ASPECTS:
        raise ApiError(422, "invalid_body", f"aspect must be one of {', '.join(ASPECTS)}")
    new_id = clip_id(clip["video_id"], clip["moment_id"], aspect, style)
    existing = await catalog(request, "read").clip(new_id)
    if existing is not None:
        return JSONResponse({"clip_id": new_id, "status": "rendered", "links": {"self": f"/v1/clips/{new_id}"}})
    event = {
        "schema_version": SCHEMA_VERSION, "event_id": new_event_id(), "tenant_id": principal.tenant_id,
        "video_id": clip["video_id"], "produced_at": utc_now(), "clip_id": new_id, "moment_id": clip["moment_id"],
        "aspect": aspect, "caption_style": style,
    }
    contracts.validate("render_requested", event)
    await request.app.state.render_requests.send(clip["video_id"], json.dumps(event).encode())
    return JSONResponse(
        {"clip_id": new_id, "status": "queued", "caption_style": style, "aspect": aspect,
         "links": {"self": f"/v1/clips/{new_id}", "clips": f"/v1/videos/{clip['video_id']}/clips"}},
        status_code=202)


routes = [
    Route("/v1/videos", create_video, methods=["POST"]),
    Route("/v1/videos", list_videos, methods=["GET"]),
    Route("/v1/videos/{video_id}", get_video, methods=["GET"]),
    Route("/v1/videos/{video_id}", delete_video, methods=["DELETE"]),
    Route("/v1/videos/{video_id}/transcript", get_transcript, methods=["GET"]),
    Route("/v1/videos/{video_id}/moments", get_moments, methods=["GET"]),
    Route("/v1/videos/{video_id}/clips", get_clips, methods=["GET"]),
    Route("/v1/videos/{video_id}/source", get_source, methods=["GET"]),
    Route("/v1/clips/{clip_id}", get_clip, methods=["GET"]),
    Route("/v1/clips/{clip_id}/download", download_clip, methods=["GET"]),
    Route("/v1/clips/{clip_id}/renders", rerender_clip, methods=["POST"]),
]
