"""Making clips: from a span a person chose (``POST /v1/clips``, e.g. from a search hit) and from an
existing clip in another style, aspect or length (``POST /v1/clips/{id}/renders``). Both snap to
whole sentences and go down the normal render path as ``render_requested`` events; the clip joins
the video's clips when it is rendered."""

from __future__ import annotations

import math
from types import MappingProxyType

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.auth import caller
from api.bodies import field, json_object
from api.errors import ApiError
from api.openapi.blocks import NOT_FOUND, error, json_body, json_response
from api.routing import post
from api.video_access import TO_CLIP, catalog, clip_or_404, video_not_found
from streams.adapters.catalog import Catalog
from streams.domain.clip import Clip, Look, look_of
from streams.domain.corrections import words_mark
from streams.domain.envelope import clip_id
from streams.domain.events import RenderRequested
from streams.domain.options import ASPECTS, VideoOptions, clip_seconds
from streams.errors import InvalidOptions
from streams.media.captions import CAPTION_STYLES
from streams.media.trim import MODES as TRIM_MODES
from streams.moments import (
    LengthRange,
    Window,
    as_moment,
    build_sentences,
    length_range,
    moment_id,
    score_window,
)
from streams.moments.options import clip_length
from streams.moments.spans import NoSentences, refit, snap
from streams.moments.stored import evidence_of, words_of

SWITCHES = ("hook_title", "emphasis", "emoji")  # a re-render's editing switches (streams.media.editing)
MIN_CLIP_SECONDS, MAX_CLIP_SECONDS = clip_seconds()  # as the upload options allow
RENDERING = {  # what both ways of making a clip answer
    "200": json_response("RenderExists", "That clip is rendered already.", links=TO_CLIP),
    "202": json_response("RenderQueued", "Queued; the clip joins the video's clips when rendered.", links=TO_CLIP),
    "503": error("Unavailable"),
    **NOT_FOUND,
}


@post(
    "rerenderClip",
    "Render a clip's moment again",
    RENDERING,
    scope="write",
    tag="clips",
    body=json_body(
        "RerenderClip", "Another caption style, aspect and/or length (default: the clip's).", required=False
    ),
    description="The new clip's id follows from the moment, aspect, caption style and span: asking twice "
    "is harmless. A new length (`length` preset, or `min_seconds` with `max_seconds`) re-cuts "
    "the moment to the run of whole sentences nearest to it that fits; the answer gives the "
    "new `start` and `end`. What the clip was made with (its span, `trim`, switches) is kept "
    "unless the body asks otherwise, so asking with nothing after correcting the transcript "
    "draws the same clip with the corrected words.",
)
async def rerender_clip(request: Request) -> JSONResponse:
    principal = caller(request)
    clip = await clip_or_404(request)
    status, answer = await render_again(request, principal.tenant_id, clip, await json_object(request, optional=True))
    return JSONResponse(answer, status_code=status)


async def render_again(request: Request, tenant_id: str, clip: Clip, body: dict) -> tuple[int, dict]:
    """Queue ``clip`` drawn again as ``body`` asks (``rerender_clip``'s body; empty: as it was,
    with the transcript's words as they read now): ``(202, the queued clip)``, or ``(200, ...)``
    when that clip exists already."""
    kept = look_of(clip.variant)  # what the clip itself was asked for: kept unless asked otherwise
    style = field(body, "caption_style", str, default=clip.caption_style or "bold")
    aspect = field(body, "aspect", str, default=clip.aspect)
    trim = field(body, "trim", str, default=kept.trim)
    switches = {name: field(body, name, bool, default=kept.switches.get(name)) for name in SWITCHES}
    _check_look(style, aspect, trim)
    start, end, span = clip.start_s, clip.end_s, kept.span
    wanted = _length(body)
    if wanted is not None:
        start, end = span = await _refit(catalog(request), clip, wanted)
    # another span, trim or choice of the switches is another clip
    chosen = MappingProxyType({name: on for name, on in switches.items() if on is not None})
    variant = Look(span, trim, chosen).variant(style)
    if variant == clip.caption_style and not clip.variant.partition(":words=")[0]:
        variant = ""  # nothing asked but what the pipeline's own render did (its words corrected or not)
    return await _render(
        request,
        tenant_id,
        clip.video_id,
        clip.moment_id,
        aspect,
        style,
        variant,
        extra={"start": start, "end": end, "duration": round(end - start, 3)},
        span=span,
        chosen={"trim": trim, **switches},
    )


def _length(body: dict) -> LengthRange | None:
    """The clip length a re-render asks for (a ``length`` preset or a seconds range), if any."""
    preset = field(body, "length", str, default=None)
    low = field(body, "min_seconds", float, default=None)
    high = field(body, "max_seconds", float, default=None)
    if preset is None and low is None and high is None:
        return None
    if preset is None and (low is None or high is None):
        raise ApiError(422, "invalid_body", "give both min_seconds and max_seconds, or a length preset")
    try:
        wanted = length_range(preset, low, high)
    except (TypeError, ValueError) as exc:
        raise ApiError(422, "invalid_body", f"the clip length is not usable: {exc}") from None
    if not (MIN_CLIP_SECONDS <= wanted.min_seconds and wanted.max_seconds <= MAX_CLIP_SECONDS):
        raise ApiError(422, "invalid_body", f"clip lengths must lie within {MIN_CLIP_SECONDS:g}-{MAX_CLIP_SECONDS:g} s")
    return wanted


async def _refit(tenant_catalog: Catalog, clip: Clip, wanted: LengthRange) -> tuple[float, float]:
    sentences = build_sentences(words_of(await tenant_catalog.transcript_chunks(clip.video_id)))
    try:
        return refit(sentences, clip.start_s, clip.end_s, wanted.min_seconds, wanted.max_seconds)
    except NoSentences as exc:
        raise ApiError(422, "no_speech", str(exc)) from None


@post(
    "createClip",
    "Make a clip from a span of a video (a search hit, say)",
    RENDERING,
    scope="write",
    tag="clips",
    body=json_body("CreateClip", "The video, the span, and optionally the look."),
    description="The span is widened to the whole sentences it touches (one in a pause snaps to the "
    "nearest sentence; 422 `no_speech` when there is none near), scored like any moment "
    '(its reason starts with "Chosen by you"), and rendered through the normal render path; '
    "the answer gives the snapped `start` and `end`.",
)
async def create_clip(request: Request) -> JSONResponse:
    principal = caller(request)
    body = await json_object(request)
    video_id = field(body, "video_id", str, required=True)
    start, end = field(body, "start", float, required=True), field(body, "end", float, required=True)
    if not (math.isfinite(start) and math.isfinite(end) and 0 <= start < end):
        raise ApiError(422, "invalid_body", "need 0 <= start < end, in seconds")
    tenant_catalog = catalog(request)
    video = await tenant_catalog.video(video_id)
    if video is None:
        raise video_not_found(video_id)
    options = video.options
    style = field(body, "caption_style", str, default=options.caption_style)
    aspect = field(body, "aspect", str, default=options.aspect_ratios[0])
    _check_look(style, aspect)
    chunks = await tenant_catalog.transcript_chunks(video_id)
    sentences = build_sentences(words_of(chunks))
    try:
        first, last = snap(sentences, start, end)
    except NoSentences as exc:
        raise ApiError(422, "no_speech", str(exc)) from None
    if last - first > MAX_CLIP_SECONDS:
        raise ApiError(
            422,
            "invalid_body",
            f"the sentences from {first:.1f} to {last:.1f} s are longer than {MAX_CLIP_SECONDS:g} s",
        )
    mid = moment_id(video_id, first, last)
    stored = next((m for m in await tenant_catalog.moments(video_id) if m.moment_id == mid), None)
    if stored is None:
        window = Window(tuple(s for s in sentences if first <= s.start and s.end <= last))
        scored = score_window(window, evidence_of(chunks), _video_length(options, last - first))
        moment = as_moment(video_id, scored, reason=f"Chosen by you. {scored.reason}")
        await tenant_catalog.save_moment(video_id, moment, rank=None, is_final=False)
        score, title, reason = moment.score, moment.title, moment.reason
    else:
        score, title, reason = stored.score, stored.title, stored.reason
    status, answer = await _render(
        request,
        principal.tenant_id,
        video_id,
        mid,
        aspect,
        style,
        variant=style,
        extra={
            "start": first,
            "end": last,
            "duration": round(last - first, 3),
            "score": round(score, 1),
            "title": title,
            "reason": reason,
        },
    )
    return JSONResponse(answer, status_code=status)


def _video_length(options: VideoOptions, duration: float) -> LengthRange:
    """The video's clip length range, stretched to hold this clip (so a chosen length is never
    scored as wrong)."""
    try:
        wanted = clip_length(options)
    except InvalidOptions:
        wanted = length_range()
    return LengthRange(min(wanted.min_seconds, duration), max(wanted.max_seconds, duration))


def _check_look(style: str, aspect: str, trim: str | None = None) -> None:
    if trim is not None and trim not in TRIM_MODES:
        raise ApiError(422, "invalid_body", f"trim must be one of {', '.join(TRIM_MODES)}")
    if style not in CAPTION_STYLES:
        raise ApiError(422, "invalid_body", f"caption_style must be one of {', '.join(CAPTION_STYLES)}")
    if aspect not in ASPECTS:
        raise ApiError(422, "invalid_body", f"aspect must be one of {', '.join(ASPECTS)}")


async def _render(
    request: Request,
    tenant_id: str,
    video_id: str,
    mid: str,
    aspect: str,
    style: str,
    variant: str,
    extra: dict,
    span: tuple[float, float] | None = None,
    chosen: dict | None = None,
) -> tuple[int, dict]:
    """Queue the render of moment ``mid`` as this variant: ``(202, the queued clip)``, or ``(200,
    ...)`` if that clip exists already. Words a person corrected in the clip's span make it another
    variant: its captions read otherwise."""
    spoken = (extra["start"], extra["end"])
    mark = words_mark(await catalog(request).corrections(video_id, *spoken), *spoken)
    if mark:
        variant += f":words={mark}"
    new_id = clip_id(video_id, mid, aspect, variant)
    links = {"self": f"/v1/clips/{new_id}", "clips": f"/v1/videos/{video_id}/clips"}
    if await catalog(request).clip(new_id) is not None:
        return 200, {"clip_id": new_id, "status": "rendered", "links": {"self": links["self"]}}
    await catalog(request).forget_deletion(new_id)  # asked for again: a clip deleted before may be drawn
    start, end = span if span is not None else (None, None)
    event = RenderRequested(
        tenant_id=tenant_id,
        video_id=video_id,
        clip_id=new_id,
        moment_id=mid,
        aspect=aspect,
        caption_style=style,
        variant=variant,
        start=start,
        end=end,
        **(chosen or {}),
    )
    await request.app.state.render_requests.send(video_id, event.encode())
    return 202, {
        "clip_id": new_id,
        "status": "queued",
        "video_id": video_id,
        "moment_id": mid,
        "caption_style": style,
        "aspect": aspect,
        **extra,
        "links": links,
    }


routes = [
    Route("/v1/clips", create_clip, methods=["POST"]),
    Route("/v1/clips/{clip_id}/renders", rerender_clip, methods=["POST"]),
]
