"""Submitting videos, three ways, all ending in the same ``uploads`` event:

- ``POST /v1/videos`` as multipart: the file streams through the API into storage.
- ``POST /v1/videos`` as JSON with ``source_url``: the worker downloads it (http/https only,
  behind the private-address guard on every hop, with the upload size cap and a timeout); the API
  refuses an unsafe URL at once, before anything is queued.
- ``POST /v1/uploads`` then ``POST /v1/uploads/{id}/confirm``: a presigned S3 form for one key under
  the tenant's prefix, a size range and a short expiry; the client sends the bytes to S3 itself and
  confirms, and the API checks the object before queueing it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import PurePath
from urllib.parse import unquote, urlparse

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import LOCATION, error, json_response, ref
from api.presigned_uploads import confirm_upload, create_upload
from api.routing import post
from api.submitting import (
    MAX_URL_CHARS,
    check_plan,
    plan_for,
    read_options,
    safe_filename,
    source_key,
    source_seconds,
    submit,
    upload_event,
)
from api.upload_form import form_options, upload_form
from api.video_access import VIDEO_LINKS
from streams.errors import UnsafeUrl
from streams.net.guard import check_url_async, parse_allowed_hosts

log = logging.getLogger("clipstream.api")


# -- POST /v1/videos -------------------------------------------------------------------------
@post(
    "createVideo",
    "Submit a video",
    {
        "202": json_response("VideoAccepted", "Stored and queued.", links=VIDEO_LINKS, headers=LOCATION),
        "400": error("BadRequest"),
        "402": error("QuotaExceeded"),
        "503": error("Unavailable"),
    },
    scope="write",
    tag="videos",
    body={
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": upload_form(),
                "encoding": {
                    "file": {"contentType": "application/octet-stream"},
                    "options": {"contentType": "application/json"},
                },
            },
            "application/json": {"schema": ref("VideoFromUrl")},
        },
    },
    description="As multipart, the file streams into storage; options may be given one form field "
    "each or together as `options` (JSON), a field overriding the same key in `options`. "
    "As JSON with `source_url`, the worker downloads the video (http/https only; hosts "
    "that resolve to private, loopback or link-local addresses are refused at once "
    "(`unsafe_url`) and on every redirect; the upload size limit and a timeout apply, "
    "and a failed download fails the video with its reason). Unknown or out-of-range "
    "options are a 422 `invalid_options`; a file over the upload limit is a 413.",
)
async def create_video(request: Request) -> JSONResponse:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        return await _from_multipart(request)
    if content_type.startswith("application/json"):
        return await _from_url(request)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send the video as multipart/form-data with a 'file' field, or JSON with a 'source_url'",
    )


async def _from_multipart(request: Request) -> JSONResponse:
    principal = caller(request)
    storage = request.app.state.storage
    limit = request.app.state.settings.max_upload_bytes
    video_id = uuid.uuid4().hex
    plan = await plan_for(request, principal.tenant_id)
    await check_plan(request, principal.tenant_id, plan, None)
    # Starlette spools each file part to a temporary file past 1 MiB: the upload is never held in memory.
    async with request.form(max_files=1, max_fields=32, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "missing_file", "the multipart form has no 'file' part")
        options = await read_options(request, form_options(form))
        filename = safe_filename(upload.filename)
        key = source_key(principal.tenant_id, video_id, filename)
        event = upload_event(principal.tenant_id, video_id, storage.uri(key), filename, 0, options)
        seconds = None
        if plan.limits_minutes:  # its length must fit the plan: read before anything is stored
            seconds = await source_seconds(request, upload, filename)
        if plan.limits_anything:
            await check_plan(request, principal.tenant_id, plan, seconds, upload.size or 0)
        size = await asyncio.to_thread(storage.put_stream, key, upload.file)
    if size > limit:
        await asyncio.to_thread(storage.delete, key)
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    return await submit(request, event.of_size(size), key, plan, seconds)


async def _from_url(request: Request) -> JSONResponse:
    principal = caller(request)
    state = request.app.state
    body = await json_object(request)
    url = field(body, "source_url", str, required=True).strip()
    if len(url) > MAX_URL_CHARS:
        raise ApiError(422, "invalid_body", f"'source_url' is longer than {MAX_URL_CHARS} characters")
    try:
        await check_url_async(url, parse_allowed_hosts(state.settings.webhook_allowed_hosts))
    except UnsafeUrl as exc:
        raise ApiError(422, "unsafe_url", exc.message) from None
    filename = safe_filename(field(body, "filename", str, default=None) or _url_filename(url))
    options = await read_options(request, body.get("options") or {})
    video_id = uuid.uuid4().hex
    key = source_key(principal.tenant_id, video_id, filename)
    event = upload_event(principal.tenant_id, video_id, state.storage.uri(key), filename, 0, options, source_url=url)
    # The length of a source still to be fetched is not known: the plan's videos at once and minutes
    # left are checked now; ingest checks its minutes once it has read its length (admit_source).
    return await submit(request, event, None, await plan_for(request, principal.tenant_id))


def _url_filename(url: str) -> str:
    return unquote(PurePath(urlparse(url).path).name) or "download"


routes = [
    Route("/v1/videos", create_video, methods=["POST"]),
    Route("/v1/uploads", create_upload, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/confirm", confirm_upload, methods=["POST"]),
]
