"""Submitting a video: the two ways ``POST /v1/videos`` takes one (``from_multipart``,
``from_url``), and what every way shares (``api.presigned_uploads`` too): the stored object's
name, the options read whole, the plan checked, the ``uploads`` event and the video recorded and
queued."""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import tempfile
import uuid
from datetime import UTC, datetime
from pathlib import Path, PurePath
from urllib.parse import unquote, urlparse

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.options import parse_options
from api.upload_form import form_options
from api.video_access import video_links
from streams.adapters import brand_assets
from streams.adapters.db import tenant_connection
from streams.adapters.storage import video_prefix
from streams.domain.events import UploadReceived
from streams.domain.options import VideoOptions
from streams.errors import ClipstreamError, ContractError, InvalidOptions, UnsafeUrl
from streams.media.fonts import installed_families, is_installed
from streams.media.probe import MediaLimits
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.reading import probe_media
from streams.net.guard import check_url_async, without_credentials
from streams.ops import logs
from streams.usage import store as usage
from streams.usage.plans import Plan

log = logging.getLogger("clipstream.api")

MAX_URL_CHARS = 2048


def safe_filename(name: str | None) -> str:
    base = PurePath((name or "upload").replace("\\", "/")).name.strip() or "upload"
    return base[:255]


def suffix_of(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def source_key(tenant_id: str, video_id: str, filename: str) -> str:
    return f"{video_prefix(tenant_id, video_id)}source{suffix_of(filename)}"


async def read_options(request: Request, given: object) -> VideoOptions:
    """The submission's options, read completely (``api.options.parse_options``: 422
    ``invalid_options``); a brand asset they name must be the caller's (404 otherwise, as for
    any id of another tenant's)."""
    if isinstance(given, dict) and isinstance(given.get("brand"), dict) and given["brand"].get("font"):
        await asyncio.to_thread(installed_families)  # fontconfig's list, read once, off the loop
    try:
        options = parse_options(given, font_installed=is_installed)
    except InvalidOptions as exc:
        raise ApiError(422, "invalid_options", exc.message) from None
    asset = options.logo_asset_id
    if asset is not None and await brand_assets.get(request.app.state.db, caller(request).tenant_id, asset) is None:
        raise ApiError(404, "brand_asset_not_found", f"no brand asset with id {asset!r}")
    return options


def upload_event(
    tenant_id: str,
    video_id: str,
    source_uri: str,
    filename: str,
    size: int,
    options: VideoOptions,
    source_url: str | None = None,
) -> UploadReceived:
    """The ``uploads`` event for this submission (its ``options`` read by :func:`read_options`); 422
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


async def plan_for(request: Request, tenant_id: str) -> Plan:
    """The workspace's plan (its own, else the server's)."""
    async with tenant_connection(request.app.state.db, tenant_id) as conn:
        return await usage.plan_of(conn, tenant_id, request.app.state.settings)


async def check_plan(request: Request, tenant_id: str, plan: Plan, seconds: float | None, size_bytes: int = 0) -> None:
    """Refuse a video the plan cannot take before anything of it is stored (402 ``quota_exceeded``);
    ``submit`` checks again, serialised with the workspace's other submissions."""
    if plan.limits_anything:
        async with tenant_connection(request.app.state.db, tenant_id) as conn:
            await usage.check_video(conn, tenant_id, plan, seconds, datetime.now(UTC), size_bytes)


async def source_seconds(request: Request, upload: UploadFile, filename: str) -> float:
    """The uploaded file's running time, read in the media sandbox from a private copy (the
    upload stays where it is, rewound)."""
    settings = request.app.state.settings
    limits = MediaLimits(max_bytes=settings.max_upload_bytes, max_duration_seconds=settings.max_duration_seconds)

    def probe() -> float:
        with tempfile.NamedTemporaryFile(prefix="clipstream-probe-", suffix=suffix_of(filename)) as copy:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, copy, 1 << 20)
            copy.flush()
            upload.file.seek(0)
            return probe_media(Path(copy.name), limits, filename, SandboxLimits.from_settings(settings)).duration

    return await asyncio.to_thread(probe)


async def submit(
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


async def from_multipart(request: Request) -> JSONResponse:
    """``POST /v1/videos`` as multipart: the plan checked before and (with the source's length)
    during the form, the file streamed into storage, then ``submit``."""
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


async def from_url(request: Request) -> JSONResponse:
    """``POST /v1/videos`` as JSON with ``source_url``: the URL refused at once when unsafe, then
    ``submit`` (the worker downloads it)."""
    principal = caller(request)
    state = request.app.state
    body = await json_object(request)
    url = field(body, "source_url", str, required=True).strip()
    if len(url) > MAX_URL_CHARS:
        raise ApiError(422, "invalid_body", f"'source_url' is longer than {MAX_URL_CHARS} characters")
    try:
        await check_url_async(url, state.settings.webhook_hosts)
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
