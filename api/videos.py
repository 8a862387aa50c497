"""``/v1/videos``: submit a video, follow its progress, read its transcript and clips."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import datetime
from pathlib import PurePath

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.errors import ApiError
from streams import contracts
from streams.asr.whisper import Word
from streams.errors import ClipstreamError, ContractError
from streams.moments import build_sentences
from streams.records import SCHEMA_VERSION, new_event_id, utc_now

OPTION_FIELDS = {
    "clip_count": int, "min_seconds": float, "max_seconds": float, "caption_style": str, "language": str,
    "length": str, "framing": str, "max_overlap": float,
    "aspect_ratios": lambda v: [a.strip() for a in v.split(",") if a.strip()],
}
DEFAULT_OPTIONS = {"clip_count": 5, "min_seconds": 20.0, "max_seconds": 60.0, "aspect_ratios": ["9:16"],
                   "caption_style": "bold", "language": "en"}


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


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
            given = json.loads(form["options"])
        except ValueError:
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
    return options


async def create_video(request: Request) -> JSONResponse:
    state = request.app.state
    limit = state.settings.max_upload_bytes
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit + 1024 * 1024:
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "send the video as multipart/form-data with a 'file' field")
    # Starlette spools each file part to a temporary file past 1 MiB: the upload is never held in memory.
    async with request.form(max_files=1, max_fields=32) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "missing_file", "the multipart form has no 'file' part")
        options = _options(form)
        filename = _safe_filename(upload.filename)
        video_id = uuid.uuid4().hex
        key = f"videos/{video_id}/source{_suffix(filename)}"
        size = await asyncio.to_thread(state.storage.put_stream, key, upload.file)
    if size > limit:
        await asyncio.to_thread(state.storage.delete, key)
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    event = {
        "schema_version": SCHEMA_VERSION, "event_id": new_event_id(), "tenant_id": "default", "video_id": video_id,
        "produced_at": utc_now(), "source_uri": state.storage.uri(key), "filename": filename, "size_bytes": size,
        "options": options,
    }
    try:
        contracts.validate("upload_received", event)
    except ContractError as exc:
        await asyncio.to_thread(state.storage.delete, key)
        message = exc.message.split(": ", 1)[-1]
        raise ApiError(422, "invalid_options", f"invalid options: {message}") from None
    await state.catalog.create_video(video_id, "default", filename, event["source_uri"], size, options)
    try:
        await state.uploads.send(video_id, json.dumps(event).encode())
    except ClipstreamError as exc:
        await state.catalog.fail_video(video_id, "ingest", exc.code, f"could not queue the upload: {exc.message}")
        raise
    return JSONResponse(
        {"video_id": video_id, "status": "queued", "filename": filename, "size_bytes": size, "options": options,
         "links": _links(video_id)},
        status_code=202,
    )


def _links(video_id: str) -> dict:
    base = f"/v1/videos/{video_id}"
    return {"self": base, "transcript": f"{base}/transcript", "clips": f"{base}/clips"}


async def _video_or_404(request: Request) -> dict:
    video = await request.app.state.catalog.video(request.path_params["video_id"])
    if video is None:
        raise ApiError(404, "video_not_found", f"no video with id {request.path_params['video_id']!r}")
    return video


async def get_video(request: Request) -> JSONResponse:
    v = await _video_or_404(request)
    stages = [
        {"stage": s["stage"], "status": s["status"], "progress": round(float(s["progress"]), 3),
         "error": {"code": s["error_code"], "message": s["error"]} if s["error"] else None,
         "started_at": _iso(s["started_at"]), "finished_at": _iso(s["finished_at"])}
        for s in v["stages"]
    ]
    return JSONResponse({
        "video_id": v["video_id"], "filename": v["filename"], "status": v["status"],
        "error": {"code": v["error_code"], "message": v["error"]} if v["status"] == "failed" else None,
        "progress": round(sum(s["progress"] for s in stages) / max(1, len(stages)), 3),
        "stages": stages, "duration": v["duration"], "size_bytes": v["size_bytes"], "options": v["options"],
        "created_at": _iso(v["created_at"]), "updated_at": _iso(v["updated_at"]),
        "finished_at": _iso(v["finished_at"]), "links": _links(v["video_id"]),
    })


async def get_transcript(request: Request) -> JSONResponse:
    v = await _video_or_404(request)
    chunks = await request.app.state.catalog.transcript_chunks(v["video_id"])
    words = [w for c in chunks for w in c["words"]]
    sentences = build_sentences([Word(w["word"], w["start"], w["end"], w["probability"]) for w in words])
    transcribe = next(s for s in v["stages"] if s["stage"] == "transcribe")
    return JSONResponse({
        "video_id": v["video_id"], "language": chunks[0]["language"] if chunks else None,
        "complete": transcribe["status"] == "completed",
        "text": " ".join(w["word"] for w in words),
        "words": words,
        "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in sentences],
        "segments": [s for c in chunks for s in c["segments"]],
    })


async def get_clips(request: Request) -> JSONResponse:
    v = await _video_or_404(request)
    clips = await request.app.state.catalog.clips(v["video_id"])
    return JSONResponse({
        "video_id": v["video_id"], "status": v["status"],
        "clips": [
            {"clip_id": c["clip_id"], "moment_id": c["moment_id"], "rank": c["rank"], "score": c["score"],
             "final": c["is_final"], "start": c["start_s"], "end": c["end_s"], "duration": c["duration"],
             "aspect": c["aspect"], "width": c["width"], "height": c["height"], "title": c["title"],
             "reason": c["reason"], "signals": c["signals"], "mp4": c["mp4_uri"], "srt": c["srt_uri"],
             "vtt": c["vtt_uri"], "thumbnail": c["thumbnail_uri"]}
            for c in clips
        ],
    })


routes = [
    Route("/v1/videos", create_video, methods=["POST"]),
    Route("/v1/videos/{video_id}", get_video, methods=["GET"]),
    Route("/v1/videos/{video_id}/transcript", get_transcript, methods=["GET"]),
    Route("/v1/videos/{video_id}/clips", get_clips, methods=["GET"]),
]
