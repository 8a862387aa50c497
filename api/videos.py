"""``/v1/videos`` and ``/v1/clips``: list and delete videos; read transcripts, moments and clips;
download and delete clips (submitting videos is ``api.submissions``, making clips ``api.clips``).
Every read and write runs under the caller's tenant (row-level security)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.audit import audited
from api.auth import caller
from api.downloads import download_clip, get_source
from api.errors import ApiError
from api.openapi.blocks import (
    NOT_FOUND,
    PAGE,
    error,
    json_response,
    link,
    query_param,
)
from api.pagination import decode_cursor, one_page, page_limit
from api.routing import operation
from api.transcripts import correct_transcript, get_transcript
from api.video_access import (
    _signed,
    catalog,
    clip_not_found,
    clip_or_404,
    corrections_of,
    video_links,
    video_not_found,
    video_or_404,
)
from streams.adapters.storage import clip_file_key, video_prefix
from streams.domain.clip import CLIP_FILES, CLIP_SUFFIXES, Clip
from streams.domain.corrections import Corrected
from streams.domain.envelope import iso_z, utc_now
from streams.domain.video import VIDEO_STATUSES, Video
from streams.errors import StorageError
from streams.speakers.video import named
from streams.timeline.formats import FORMATS
from streams.usage.metering import measure_again
from streams.webhooks import events
from streams.webhooks import store as webhook_store


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
    description="Announced by a `video.deleted` webhook, which names the video's clips.",
)
async def delete_video(request: Request) -> Response:
    principal = caller(request)
    state = request.app.state
    video_id = request.path_params["video_id"]

    async def announce(conn: asyncpg.Connection, clips: list[str]) -> None:
        """In the deletion's transaction: the ``video.deleted`` webhook goes out if and only if it is deleted."""
        await webhook_store.enqueue(conn, events.from_deleted_video(principal.tenant_id, video_id, clips, utc_now()))

    uris = await state.catalog.for_tenant(principal.tenant_id).delete_video(video_id, then=announce)
    if uris is None:
        raise video_not_found(video_id)
    await asyncio.to_thread(_delete_objects, state.storage, principal.tenant_id, video_id, uris)
    await asyncio.to_thread(state.search.delete_video, principal.tenant_id, video_id)
    await measure_again(state.db, state.storage, principal.tenant_id, datetime.now(UTC))
    await audited(request, "video.deleted", video_id)
    return Response(status_code=204)


def _delete_objects(storage, tenant_id: str, video_id: str, uris: list[str]) -> None:
    storage.delete_prefix(video_prefix(tenant_id, video_id))
    _delete_stored(storage, uris)


def _delete_stored(storage, uris: Sequence[str], deleted: Sequence[str] = ()) -> None:
    """Delete the objects a row names (``uris``) but for the keys already ``deleted``: objects
    stored before the tenant prefix existed, or where a store no longer reads them."""
    for uri in uris:
        try:
            key = storage.key_of(uri)
            if key not in deleted:
                storage.delete(key)
        except StorageError:
            pass


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


def _clip_json(
    request: Request, c: Clip, names: Mapping[str, str] | None = None, corrected: Sequence[Corrected] = ()
) -> dict:
    """The clip as the API shows it; ``corrected``: the words of its video a person corrected (at
    least those spoken in it), which say whether its captions read as the transcript does now."""
    base = f"/v1/clips/{c.clip_id}"
    links = {kind: f"{base}/download?file={kind}" for kind in c.files}
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
        **{kind: links[kind] for kind in CLIP_FILES},
        "cover": links.get("cover"),
        "caption_style": c.caption_style,
        "variant": c.variant or None,
        "captions_current": c.captions_current(corrected),
        "links": {"self": base, **links},
        "urls": {
            **{kind: _signed(request, f"{base}/download", f"file={kind}", file=True) for kind in c.files},
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
    corrected = await corrections_of(tenant_catalog, v.video_id, clips)
    return JSONResponse(
        {
            "video_id": v.video_id,
            "status": v.status,
            "clips": [_clip_json(request, c, names, corrected) for c in clips],
        }
    )


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
                "delete": link("deleteClip", clip_id="$response.body#/clip_id"),
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
    return JSONResponse(_clip_json(request, clip, names, await corrections_of(catalog(request), clip.video_id, [clip])))


@operation(
    "deleteClip",
    "Delete a clip and its stored files",
    {
        "204": {"description": "Deleted."},
        **NOT_FOUND,
        "409": error("Conflict"),
        "413": error("PayloadTooLarge"),
        "503": error("Unavailable"),
    },
    scope="admin",  # as a video: an editor makes and publishes clips, an admin deletes
    tag="clips",
    description="The clip is gone for good: a redelivered ranking or render request does not draw it "
    "again, though asking for it through `POST /v1/clips` or `POST /v1/clips/{id}/renders` does. Its "
    "failed and cancelled posts go with it; while a post is scheduled, being published or published "
    "the answer is 409 `clip_has_posts` and nothing changes (cancel a post that has not begun; a "
    "published post keeps its clip). The video and its other clips are untouched. A `clip.deleted` "
    "webhook announces it.",
)
async def delete_clip(request: Request) -> Response:
    principal = caller(request)
    clip = await clip_or_404(request)

    async def announce(conn: asyncpg.Connection) -> None:
        """In the deletion's transaction: the ``clip.deleted`` webhook goes out if and only if it is deleted."""
        told = events.from_deleted_clip(
            principal.tenant_id, clip.video_id, clip.clip_id, clip.moment_id, clip.aspect, uuid.uuid4().hex, utc_now()
        )
        await webhook_store.enqueue(conn, told)

    uris = await catalog(request).delete_clip(clip.clip_id, then=announce)
    if uris is None:  # deleted meanwhile
        raise clip_not_found(clip.clip_id)
    keys = [
        clip_file_key(principal.tenant_id, clip.video_id, clip.clip_id, suffix) for suffix in CLIP_SUFFIXES.values()
    ]
    await asyncio.to_thread(_delete_files, request.app.state.storage, keys, uris)
    await measure_again(request.app.state.db, request.app.state.storage, principal.tenant_id, datetime.now(UTC))
    await audited(request, "clip.deleted", clip.clip_id)
    return Response(status_code=204)


def _delete_files(storage, keys: Sequence[str], uris: Sequence[str]) -> None:
    """The clip's files where the renderer keeps them, then where its row says if elsewhere (older layouts)."""
    for key in keys:
        storage.delete(key)
    _delete_stored(storage, uris, keys)


routes = [
    Route("/v1/videos", list_videos, methods=["GET"]),
    Route("/v1/videos/{video_id}", get_video, methods=["GET"]),
    Route("/v1/videos/{video_id}", delete_video, methods=["DELETE"]),
    Route("/v1/videos/{video_id}/transcript", get_transcript, methods=["GET"]),
    Route("/v1/videos/{video_id}/transcript", correct_transcript, methods=["PATCH"]),
    Route("/v1/videos/{video_id}/moments", get_moments, methods=["GET"]),
    Route("/v1/videos/{video_id}/clips", get_clips, methods=["GET"]),
    Route("/v1/videos/{video_id}/source", get_source, methods=["GET"]),
    Route("/v1/clips/{clip_id}", get_clip, methods=["GET"]),
    Route("/v1/clips/{clip_id}", delete_clip, methods=["DELETE"]),
    Route("/v1/clips/{clip_id}/download", download_clip, methods=["GET"]),
]
