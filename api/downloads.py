"""A clip's files and a video's source, served from storage: straight from the disk, or by a
redirect to a short-lived presigned link (listed with ``api.videos``' routes)."""

from __future__ import annotations

import asyncio
from pathlib import PurePath

from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from api.errors import ApiError
from api.openapi.blocks import (
    MEDIA,
    NOT_FOUND,
    SERVED_FILE,
    STRING,
    query_param,
)
from api.routing import operation
from api.video_access import clip_or_404, video_or_404
from streams.adapters.storage import FileStorage
from streams.domain.clip import CLIP_DOWNLOADS, CLIP_SUFFIXES, Clip
from streams.errors import StorageError
from streams.media.probe import SERVED_TYPES

MEDIA_TYPES = {
    "mp4": "video/mp4",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
    "thumbnail": "image/jpeg",
    "cover": "image/png",
}
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
                "image/png": {"schema": {}},
            },
        },
        **SERVED_FILE,
        **NOT_FOUND,
    },
    scope="read",
    tag="clips",
    signed=True,
    parameters=[
        query_param(
            "file",
            {"enum": list(CLIP_DOWNLOADS), "default": "mp4"},
            "`cover`: the cover art of an audio-only upload's clip (PNG); 404 `file_not_found` for a clip without.",
        )
    ],
)
async def download_clip(request: Request) -> Response:
    """A clip's file (``?file=mp4|srt|vtt|thumbnail|cover``)."""
    clip = await clip_or_404(request)
    kind = request.query_params.get("file", "mp4")
    if kind not in CLIP_DOWNLOADS:
        raise ApiError(422, "invalid_query", f"file must be one of {', '.join(CLIP_DOWNLOADS)}")
    if kind == "cover":
        return await _serve_cover(request, clip)
    return await _serve_object(request, clip.file_uri(kind), MEDIA_TYPES[kind], clip.clip_id)


def cover_key(storage, clip: Clip) -> str:
    """Where the clip's cover art is stored: where its row says, else (a clip rendered before the
    row kept it) beside its MP4 (``CLIP_SUFFIXES["cover"]``), where the renderer puts it."""
    if clip.cover_uri:
        return storage.key_of(clip.cover_uri)
    mp4 = PurePath(storage.key_of(clip.mp4_uri))
    return str(mp4.with_name(mp4.stem + CLIP_SUFFIXES["cover"]))


async def _serve_cover(request: Request, clip: Clip) -> Response:
    """The clip's cover art, which only an audio-only upload's clips have (404 for others)."""
    storage = request.app.state.storage
    try:
        key = cover_key(storage, clip)
    except StorageError:
        raise ApiError(404, "file_not_found", "the file is missing from storage") from None
    if not await asyncio.to_thread(storage.exists, key):
        raise ApiError(
            404,
            "file_not_found",
            f"clip {clip.clip_id} has no cover art: only an audio-only upload "
            "with a picture attached gives its clips one",
        )
    return await _serve_key(request, key, MEDIA_TYPES["cover"], clip.clip_id)


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
    try:
        key = request.app.state.storage.key_of(uri)
    except StorageError:
        raise ApiError(404, "file_not_found", "the file is missing from storage") from None
    return await _serve_key(request, key, media_type, stem, inline)


async def _serve_key(request: Request, key: str, media_type: str, stem: str, inline: bool = True) -> Response:
    storage = request.app.state.storage
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
