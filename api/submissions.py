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

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.errors import ApiError
from api.openapi.blocks import LOCATION, error, json_response, ref
from api.presigned_uploads import confirm_upload, create_upload
from api.routing import post
from api.submitting import from_multipart, from_url
from api.upload_form import upload_form
from api.video_access import VIDEO_LINKS


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
        return await from_multipart(request)
    if content_type.startswith("application/json"):
        return await from_url(request)
    raise ApiError(
        415,
        "unsupported_media_type",
        "send the video as multipart/form-data with a 'file' field, or JSON with a 'source_url'",
    )


routes = [
    Route("/v1/videos", create_video, methods=["POST"]),
    Route("/v1/uploads", create_upload, methods=["POST"]),
    Route("/v1/uploads/{upload_id}/confirm", confirm_upload, methods=["POST"]),
]
