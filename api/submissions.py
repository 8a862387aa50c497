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
import json
import logging
import math
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePath
from urllib.parse import unquote, urlparse

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import LOCATION, NOT_FOUND, STRING, error, json_body, json_response, link, ref
from api.openapi.video_schemas import options_schema
from api.options import logo_asset, parse_options
from api.routing import post
from api.video_access import VIDEO_LINKS, video_links
from streams.adapters import brand_assets, pending_uploads
from streams.adapters.db import tenant_connection
from streams.adapters.storage import S3Storage, video_prefix
from streams.domain.envelope import iso_z
from streams.domain.events import UploadReceived
from streams.domain.options import VideoOptions
from streams.errors import ClipstreamError, ContractError, InvalidOptions, ObjectNotFound, UnsafeUrl
from streams.media.fonts import installed_families, is_installed
from streams.media.probe import MediaLimits
from streams.media.sandbox import SandboxLimits, probe_media
from streams.net.guard import check_url_async, parse_allowed_hosts, without_credentials
from streams.ops import logs
from streams.usage import store as usage
from streams.usage.plans import Plan, admit

log = logging.getLogger("clipstream.api")

OPTION_FIELDS: dict[str, Callable[[str], object]] = {
    "clip_count": int,
    "min_seconds": float,
    "max_seconds": float,
    "caption_style": str,
    "language": str,
    "length": str,
    "framing": str,
    "trim": str,
    "hook_title": lambda v: _flag(v),
    "emphasis": lambda v: _flag(v),
    "emoji": lambda v: _flag(v),
    "max_overlap": float,
    "aspect_ratios": lambda v: [a.strip() for a in v.split(",") if a.strip()],
}
MAX_URL_CHARS = 2048


def _flag(value: str) -> bool:
    """A form field's true or false (``true``/``false``, ``on``/``off``, ``1``/``0``, any case)."""
    flags = {"true": True, "on": True, "1": True, "false": False, "off": False, "0": False}
    try:
        return flags[value.strip().lower()]
    except KeyError:
        raise ValueError(value) from None


# -- the upload's name and options -------------------------------------------------------------
def safe_filename(name: str | None) -> str:
    base = PurePath((name or "upload").replace("\\", "/")).name.strip() or "upload"
    return base[:255]


def _suffix(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def source_key(tenant_id: str, video_id: str, filename: str) -> str:
    return f"{video_prefix(tenant_id, video_id)}source{_suffix(filename)}"


def _form_options(form) -> object:
    """Options from a multipart form: ``options`` as one JSON object, and/or one field each (a
    field overrides the same key in ``options``); read by :func:`_options`."""
    given: object = {}
    if "options" in form:
        if not isinstance(form["options"], str):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object, not a file")
        try:
            given = json.loads(form["options"], parse_constant=_no_constants)
        except (ValueError, RecursionError):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object") from None
        if not isinstance(given, dict):
            raise ApiError(422, "invalid_options", "the 'options' field must be a JSON object")
    fields: dict[str, object] = {}
    for name, cast in OPTION_FIELDS.items():
        if name in form:
            if not isinstance(form[name], str):
                raise ApiError(422, "invalid_options", f"option {name} must be a form field, not a file")
            try:
                value = cast(form[name])
            except ValueError:
                raise ApiError(422, "invalid_options", f"option {name}={form[name][:40]!r} is not valid") from None
            if isinstance(value, float) and not math.isfinite(value):
                raise ApiError(422, "invalid_options", f"option {name} must be a finite number")
            fields[name] = value
    return {**given, **fields} if isinstance(given, dict) else given


async def _options(request: Request, given: object) -> VideoOptions:
    """The submission's options, read completely (``api.options.parse_options``: 422
    ``invalid_options``); a brand asset they name must be the caller's (404 otherwise, as for
    any id of another tenant's)."""
    if isinstance(given, dict) and isinstance(given.get("brand"), dict) and given["brand"].get("font"):
        await asyncio.to_thread(installed_families)  # fontconfig's list, read once, off the loop
    try:
        options = parse_options(given, font_installed=is_installed)
    except InvalidOptions as exc:
        raise ApiError(422, "invalid_options", exc.message) from None
    asset = logo_asset(options)
    if asset is not None and await brand_assets.get(request.app.state.db, caller(request).tenant_id, asset) is None:
        raise ApiError(404, "brand_asset_not_found", f"no brand asset with id {asset!r}")
    return options


def _no_constants(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _event(
    tenant_id: str,
    video_id: str,
    source_uri: str,
    filename: str,
    size: int,
    options: VideoOptions,
    source_url: str | None = None,
) -> UploadReceived:
    """The ``uploads`` event for this submission (its ``options`` read by :func:`_options`); 422
    ``invalid_options`` if it breaks the event's contract (the pipeline's one definition of it)."""
    event = UploadReceived(
        tenant_id=tenant_id,
        video_id=video_id,
        source_uri=source_uri,
        filename=filename,
        size_bytes=size,
        options=options.as_json(),
        source_url=source_url,
    )
    try:
        event.payload()
    except ContractError as exc:
        raise ApiError(422, "invalid_options", f"invalid options: {exc.message.split(': ', 1)[-1]}") from None
    return event


async def _plan(request: Request, tenant_id: str) -> Plan:
    """The workspace's plan (its own, else the server's)."""
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        return await usage.plan_of(conn, tenant_id, Plan.from_settings(request.app.state.settings))


async def _check_plan(request: Request, tenant_id: str, plan: Plan, seconds: float | None, size_bytes: int = 0) -> None:
    """Refuse a video the plan cannot take before anything of it is stored (402 ``quota_exceeded``);
    ``_submit`` checks again, serialised with the workspace's other submissions."""
    if plan.limits_anything:
        async with tenant_connection(request.app.state.db, tenant_id) as conn:
            now = datetime.now(UTC)
            admit(plan, await usage.standing(conn, tenant_id, now), seconds, now, size_bytes)


async def _source_seconds(request: Request, upload: UploadFile, filename: str) -> float:
    """The uploaded file's running time, read in the media sandbox from a private copy (the
    upload stays where it is, rewound)."""
    settings = request.app.state.settings
    limits = MediaLimits(max_bytes=settings.max_upload_bytes, max_duration_seconds=settings.max_duration_seconds)

    def probe() -> float:
        with tempfile.NamedTemporaryFile(prefix="clipstream-probe-", suffix=_suffix(filename)) as copy:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, copy, 1 << 20)
            copy.flush()
            upload.file.seek(0)
            return probe_media(Path(copy.name), limits, filename, SandboxLimits.from_settings(settings)).duration

    return await asyncio.to_thread(probe)


async def _submit(
    request: Request,
    event: UploadReceived,
    key: str | None,
    plan: Plan | None = None,
    seconds: float | None = None,
) -> JSONResponse:
    """Record the video and queue its event; the 202 answer. ``key``: the stored object to remove
    if the video cannot be recorded (None: nothing stored yet). ``plan``: the workspace's, which
    the video must fit (``seconds`` long, when known), checked in the transaction that records it."""
    state = request.app.state
    video_id, tenant_id = event.video_id, event.tenant_id
    logs.bind(video_id=video_id, event_id=event.event_id)
    tenant_catalog = state.catalog.for_tenant(tenant_id)
    principal = caller(request)

    async def admitted(conn) -> None:
        if plan is not None:
            await usage.admit_video(conn, tenant_id, plan, seconds, datetime.now(UTC), event.size_bytes)

    try:
        await tenant_catalog.create_video(
            video_id,
            tenant_id,
            event.filename,
            event.source_uri,
            event.size_bytes,
            dict(event.options),
            submitted_by=principal.key_id,
            reserved_seconds=seconds or 0.0,
            admit=admitted,
        )
    except BaseException:
        if key is not None:
            await asyncio.to_thread(state.storage.delete, key)
        raise
    try:
        await state.uploads.send(video_id, event.encode())
    except ClipstreamError as exc:
        await tenant_catalog.fail_video(video_id, "ingest", exc.code, f"could not queue the upload: {exc.message}")
        raise
    log.info("queued %s (%s) for ingest", video_id, event.filename)
    body = {
        "video_id": video_id,
        "status": "queued",
        "filename": event.filename,
        "size_bytes": event.size_bytes,
        "options": event.options,
        "links": video_links(video_id),
    }
    if event.source_url is not None:
        body["source_url"] = without_credentials(event.source_url)
    return JSONResponse(body, status_code=202, headers={"Location": f"/v1/videos/{video_id}"})


# -- POST /v1/videos -------------------------------------------------------------------------
def _upload_form() -> dict:
    """The multipart form: the file, and the options as JSON or one field each."""
    options = options_schema()["properties"]
    fields = {
        "file": {
            "type": "string",
            "contentMediaType": "application/octet-stream",
            "description": "The video (or audio). Streamed to storage, never held in memory.",
        },
        "options": {
            **ref("VideoOptions"),
            "description": "All options as one JSON object (the only way to give `brand`).",
        },
    }
    aspect = "|".join(re.escape(a) for a in options["aspect_ratios"]["items"]["enum"])
    for name in OPTION_FIELDS:
        schema = dict(options.get(name, STRING))
        if name == "aspect_ratios":
            schema = {
                "type": "string",
                "pattern": f"^({aspect})(,({aspect}))*$",
                "examples": ["9:16,1:1"],
                "description": "Comma-separated, each at most once.",
            }
        elif None in schema.get("enum", ()):
            schema["enum"] = [v for v in schema["enum"] if v is not None]
        fields[name] = schema
    return {"type": "object", "required": ["file"], "properties": fields}


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
                "schema": _upload_form(),
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
    plan = await _plan(request, principal.tenant_id)
    await _check_plan(request, principal.tenant_id, plan, None)
    # Starlette spools each file part to a temporary file past 1 MiB: the upload is never held in memory.
    async with request.form(max_files=1, max_fields=32, max_part_size=64 * 1024) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ApiError(422, "missing_file", "the multipart form has no 'file' part")
        options = await _options(request, _form_options(form))
        filename = safe_filename(upload.filename)
        key = source_key(principal.tenant_id, video_id, filename)
        event = _event(principal.tenant_id, video_id, storage.uri(key), filename, 0, options)
        seconds = None
        if plan.limits_minutes:  # its length must fit the plan: read before anything is stored
            seconds = await _source_seconds(request, upload, filename)
        if plan.limits_anything:
            await _check_plan(request, principal.tenant_id, plan, seconds, upload.size or 0)
        size = await asyncio.to_thread(storage.put_stream, key, upload.file)
    if size > limit:
        await asyncio.to_thread(storage.delete, key)
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    return await _submit(request, event.of_size(size), key, plan, seconds)


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
    options = await _options(request, body.get("options") or {})
    video_id = uuid.uuid4().hex
    key = source_key(principal.tenant_id, video_id, filename)
    event = _event(principal.tenant_id, video_id, state.storage.uri(key), filename, 0, options, source_url=url)
    # The length of a source still to be fetched is not known: the plan's videos at once and minutes
    # left are checked now, and it holds nothing until its duration is read.
    return await _submit(request, event, None, await _plan(request, principal.tenant_id))


def _url_filename(url: str) -> str:
    return unquote(PurePath(urlparse(url).path).name) or "download"


# -- POST /v1/uploads, POST /v1/uploads/{upload_id}/confirm ---------------------------------------
@post(
    "createUpload",
    "Start a direct upload to object storage",
    {
        "201": json_response(
            "UploadForm",
            "A presigned form: POST `fields` and then the file (as `file`, last) to `url` as "
            "multipart/form-data before `expires_at`.",
            links={"confirm": link("confirmUpload", upload_id="$response.body#/upload_id")},
        ),
        "409": error("Conflict"),
    },
    scope="write",
    tag="videos",
    body=json_body("CreateUpload", "The file's name, size and processing options."),
    description="For large files: the bytes go from the client straight to S3, not through the API. The "
    "form is good for exactly one key under the tenant's prefix, a size from 1 byte to "
    "`size_bytes` (or the upload limit) and `CLIPSTREAM_PRESIGNED_UPLOAD_SECONDS`. Servers that "
    "keep media on local disk answer 409 `presigned_uploads_unavailable`.",
)
async def create_upload(request: Request) -> JSONResponse:
    principal = caller(request)
    state = request.app.state
    storage, settings = state.storage, state.settings
    if not isinstance(storage, S3Storage):
        raise ApiError(
            409,
            "presigned_uploads_unavailable",
            "this server keeps media on local disk, not S3: upload with POST /v1/videos",
        )
    body = await json_object(request)
    filename = safe_filename(field(body, "filename", str, required=True))
    size = field(body, "size_bytes", int, default=None)
    limit = settings.max_upload_bytes
    if size is not None and size < 1:
        raise ApiError(422, "invalid_body", "'size_bytes' must be at least 1")
    if size is not None and size > limit:
        raise ApiError(413, "upload_too_large", f"the upload is larger than the limit of {limit} bytes")
    options = await _options(request, body.get("options") or {})
    upload_id = uuid.uuid4().hex
    key = source_key(principal.tenant_id, upload_id, filename)
    _event(principal.tenant_id, upload_id, storage.uri(key), filename, 0, options)  # options checked now
    max_bytes = size or limit
    seconds = settings.presigned_upload_seconds
    form = await asyncio.to_thread(storage.presigned_post, key, seconds, 1, max_bytes)
    pending = await pending_uploads.create(
        state.db,
        principal.tenant_id,
        upload_id,
        key,
        filename,
        max_bytes,
        options.as_json(),
        timedelta(seconds=seconds),
    )
    return JSONResponse(
        {
            "upload_id": upload_id,
            "method": "POST",
            "url": form["url"],
            "fields": form["fields"],
            "max_bytes": max_bytes,
            "expires_at": iso_z(pending.expires_at),
            "links": {"confirm": f"/v1/uploads/{upload_id}/confirm"},
        },
        status_code=201,
    )


@post(
    "confirmUpload",
    "Confirm a direct upload: process it",
    {
        "202": json_response(
            "VideoAccepted",
            "Found in storage and queued, as a video with the upload's id.",
            headers=LOCATION,
            links={"video": link("getVideo", video_id="$response.body#/video_id")},
        ),
        **NOT_FOUND,
        "402": error("QuotaExceeded"),
        "410": error("Gone"),
        "503": error("Unavailable"),
    },
    scope="write",
    tag="videos",
    path_params={"upload_id": "From `POST /v1/uploads`; the video gets the same id."},
    description="409 `upload_missing` while no file has arrived (send it, then confirm again), 409 "
    "`upload_confirmed` the second time, 410 `upload_expired` when the form expired with no "
    "file, 413 when the stored file is larger than the form allowed (it is deleted).",
)
async def confirm_upload(request: Request) -> JSONResponse:
    principal = caller(request)
    state = request.app.state
    upload_id = request.path_params["upload_id"]
    claim = await pending_uploads.claim(state.db, principal.tenant_id, upload_id)
    if claim is None:
        raise ApiError(404, "upload_not_found", f"no upload with id {upload_id!r}")
    if not claim.first:
        raise ApiError(409, "upload_confirmed", f"upload {upload_id} is already confirmed as video {upload_id}")
    pending = claim.upload
    key = pending.storage_key
    try:
        size = await _stored_size(state.storage, key)
        if size is None:
            if claim.expired:
                raise ApiError(
                    410, "upload_expired", "the upload form expired before a file arrived; ask for a new one"
                )
            raise ApiError(409, "upload_missing", "no file has arrived at the presigned URL yet: send it, then confirm")
        if size > pending.max_bytes:
            await asyncio.to_thread(state.storage.delete, key)
            raise ApiError(413, "upload_too_large", f"the upload is larger than the {pending.max_bytes} bytes allowed")
        event = _event(
            principal.tenant_id,
            upload_id,
            state.storage.uri(key),
            pending.filename,
            size,
            VideoOptions.from_json(pending.options),
        )
        return await _submit(request, event, key, await _plan(request, principal.tenant_id))
    except BaseException:
        await pending_uploads.unclaim(state.db, principal.tenant_id, upload_id)
        raise


async def _stored_size(storage, key: str) -> int | None:
    try:
        return await asyncio.to_thread(storage.size, key)
    except ObjectNotFound:
        return None


routes = [
    Route("/v1/videos", create_video, methods=["POST"]),
    Route("/v1/uploads", create_upload, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/confirm", confirm_upload, methods=["POST"]),
]
