"""``/v1/videos/{id}/speakers``: who speaks in a video, and the names people give them.

The speakers are worked out from the stored chunks' voices (``streams.speakers.video``); a name
given here is used by every later export of the video (transcript JSON, SRT, VTT, text, clip
hand-offs, timelines) and by search.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import NOT_FOUND, json_body, json_response
from api.routing import operation
from api.video_access import video_or_404
from streams.speakers.video import speakers_of, speakers_of_video, transcribed

MAX_NAME = 80


@operation(
    "getSpeakers",
    "Who speaks in the video",
    {"200": json_response("SpeakerList", "The speakers, first heard first."), **NOT_FOUND},
    scope="read",
    tag="videos",
    description="Each speaker's label as found (`S1`, `S2`, ... in the order first heard), the name shown "
    "(`Speaker 1` until one is given), seconds talked and when first heard. While the video is "
    "still being transcribed the labels come chunk by chunk and never change; once it is complete, "
    "one pass over the whole video may merge a speaker who was split in two.",
)
async def get_speakers(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    turns, names = await speakers_of_video(tenant_catalog, v, await tenant_catalog.transcript_chunks(v.video_id))
    return JSONResponse(
        {
            "video_id": v.video_id,
            "complete": transcribed(v),
            "speakers": [s.as_json() for s in speakers_of(turns, names)],
        }
    )


@operation(
    "renameSpeaker",
    "Give a speaker a name",
    {"200": json_response("Speaker", "The speaker, renamed."), **NOT_FOUND},
    scope="write",
    tag="videos",
    body=json_body("RenameSpeaker", "The name to show."),
)
async def rename_speaker(request: Request) -> JSONResponse:
    tenant_catalog, v = await video_or_404(request)
    label = request.path_params["speaker"]
    body = await json_object(request)
    unknown = set(body) - {"name"}
    if unknown:
        raise ApiError(422, "invalid_body", f"unknown fields {sorted(unknown)!r}")
    name = " ".join(str(field(body, "name", str, required=True)).split())
    if not name or len(name) > MAX_NAME:
        raise ApiError(422, "invalid_body", f"'name' must be 1 to {MAX_NAME} characters")
    turns, names = await speakers_of_video(tenant_catalog, v, await tenant_catalog.transcript_chunks(v.video_id))
    known = {s.label: s for s in speakers_of(turns, names)}
    if label not in known:
        raise ApiError(404, "speaker_not_found", f"video {v.video_id} has no speaker {label!r}")
    await tenant_catalog.name_speaker(v.video_id, label, name)
    return JSONResponse(speakers_of(turns, {**names, label: name})[list(known).index(label)].as_json())


routes = [
    Route("/v1/videos/{video_id}/speakers", get_speakers, methods=["GET"]),
    Route("/v1/videos/{video_id}/speakers/{speaker}", rename_speaker, methods=["PATCH"]),
]
