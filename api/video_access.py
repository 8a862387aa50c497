"""How the video and clip routes find what they are asked for, as the calling tenant sees it,
and the links their answers carry (``api.videos``, ``api.transcripts``, ``api.downloads`` and the
routes that act on a video or a clip)."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from api import signing
from api.auth import caller
from api.errors import ApiError
from api.hosts import download_base
from api.openapi.blocks import (
    link,
    links_by,
)
from streams.adapters.catalog import Catalog
from streams.domain.clip import Clip
from streams.domain.corrections import Corrected
from streams.domain.video import Video

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


def clip_not_found(clip_id: str) -> ApiError:
    return ApiError(404, "clip_not_found", f"no clip with id {clip_id!r}")


async def corrections_of(tenant_catalog: Catalog, video_id: str, clips: Sequence[Clip]) -> list[Corrected]:
    """The corrected words of the video spoken in ``clips`` (read only where one of them has its
    words' mark: clips rendered before it was kept are not compared; ``Clip.captions_current``)."""
    marked = [c for c in clips if c.words_mark is not None]
    if not marked:
        return []
    return await tenant_catalog.corrections(video_id, min(c.start_s for c in marked), max(c.end_s for c in marked))


async def clip_or_404(request: Request) -> Clip:
    clip = await catalog(request).clip(request.path_params["clip_id"])
    if clip is None:
        raise clip_not_found(request.path_params["clip_id"])
    return clip
