"""``POST /v1/uploads`` and ``POST /v1/uploads/{upload_id}/confirm``: a presigned S3 form for one
key under the tenant's prefix; the client sends the bytes to S3 itself and confirms, and the API
checks the object before queueing it (listed with ``api.submissions``' routes)."""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse

from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import LOCATION, NOT_FOUND, error, json_body, json_response, link
from api.routing import post
from api.submitting import plan_for, read_options, safe_filename, source_key, submit, upload_event
from streams.adapters import pending_uploads
from streams.adapters.storage import S3Storage
from streams.domain.envelope import iso_z
from streams.domain.options import VideoOptions
from streams.domain.upload import ABANDONED_AFTER
from streams.errors import ObjectNotFound

log = logging.getLogger("clipstream.api")


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
    options = await read_options(request, body.get("options") or {})
    upload_id = uuid.uuid4().hex
    key = source_key(principal.tenant_id, upload_id, filename)
    upload_event(principal.tenant_id, upload_id, storage.uri(key), filename, 0, options)  # options checked now
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
    "file, 413 when the stored file is larger than the form allowed (it is deleted). An upload not "
    "confirmed a day after its form expired is deleted with its file: 404 then.",
)
async def confirm_upload(request: Request) -> JSONResponse:
    principal = caller(request)
    state = request.app.state
    upload_id = request.path_params["upload_id"]
    claim = await pending_uploads.claim(state.db, principal.tenant_id, upload_id)
    if claim is None:
        raise ApiError(
            404,
            "upload_not_found",
            f"no upload with id {upload_id!r} (an upload not confirmed within {ABANDONED_AFTER.days} day of its "
            "form's expiry is deleted with its file)",
        )
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
        event = upload_event(
            principal.tenant_id,
            upload_id,
            state.storage.uri(key),
            pending.filename,
            size,
            VideoOptions.from_json(pending.options),
        )
        return await submit(request, event, key, await plan_for(request, principal.tenant_id))
    except BaseException:
        await pending_uploads.unclaim(state.db, principal.tenant_id, upload_id)
        raise


async def _stored_size(storage, key: str) -> int | None:
    try:
        return await asyncio.to_thread(storage.size, key)
    except ObjectNotFound:
        return None
