"""Editor timelines: ``GET /v1/clips/{id}/timeline`` and ``GET /v1/videos/{id}/timeline``.

``?format=`` picks the editor format (``streams.timeline.formats``: otio, fcp7, fcpxml, edl, kdenlive;
otio by default). Without ``bundle`` the answer is the timeline alone, its media referenced by a
signed link to ``/v1/videos/{id}/source`` (valid an hour), an audio-only upload's cover art by one to
``/v1/clips/{id}/download?file=cover``. With ``bundle=zip`` it is a zip of the
timeline, the source, each clip's SRT and hand-off JSON (``streams.timeline.bundle``), and an
audio-only upload's cover art (``media/<stem>.cover.png``, the renderer's PNG of it), streamed;
the timeline finds the source at ``media/<file>`` beside it, or at an absolute ``file://`` URL
under ``media_root`` when the caller says where it will unpack the zip.

A video's timeline holds its best clips in rank order, one cut per moment (a moment rendered in
several aspects or styles is one cut); clips a later ranking superseded are left out.
"""

from __future__ import annotations

import asyncio
import io
import json
import queue
import threading
from pathlib import PurePath

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.downloads import cover_key
from api.errors import ApiError
from api.hosts import public_base
from api.openapi.blocks import NOT_FOUND, STRING, error, query_param
from api.routing import operation
from api.video_access import _signed, catalog, clip_or_404, video_not_found, video_or_404
from streams.domain.clip import Clip
from streams.domain.video import Video
from streams.errors import ObjectNotFound, TimelineError
from streams.timeline import build, bundle, cuts, formats

PIPE_CHUNKS = 16  # chunks of the zip in flight between the thread writing it and the response

# -- the operations' declaration: what both answer, the query they take ----------------------------
TIMELINE = {
    "200": {
        "description": "The timeline, or with `bundle=zip` a zip of it with the source, the clips' "
        "SRTs and hand-off JSONs, and an audio-only upload's cover art.",
        "content": {
            **{f.media_type: {"schema": STRING} for f in formats.FORMATS.values()},
            "application/zip": {"schema": {}},
        },
    },
    **NOT_FOUND,
}
TIMELINE_QUERY = [
    query_param(
        "format",
        {"enum": list(formats.FORMATS), "default": "otio"},
        "; ".join(f"`{f.name}`: {f.label}" for f in formats.FORMATS.values()),
    ),
    query_param("bundle", {"enum": ["zip"]}, "Package the timeline with what it references."),
    query_param(
        "media_root",
        STRING,
        "With `bundle=zip`: the absolute folder the zip will be unpacked to; the "
        "timeline then references the source by a `file://` URL under it.",
    ),
]
TIMELINE_HELP = (
    "Cuts on whole frames of the source's rate (29.97 and 59.94 as drop-frame timecode), a marker with "
    "each clip's title, score and reason (comment) and one per caption cue; `fcp7`, `fcpxml` and "
    "`kdenlive` are at the clip's size with the reframe as a keyframed transform, the others carry the reframe "
    "path as metadata (`.otio`) and in the bundled hand-off JSON. Without `bundle` the source is "
    "referenced by a signed link valid for an hour. An audio-only upload's cover art is on a video track "
    "under the cuts in `otio`, `fcp7`, `fcpxml` and `kdenlive`: a PNG in a bundle, else a signed link to "
    "`/v1/clips/{id}/download?file=cover`."
)


@operation(
    "getClipTimeline",
    "The clip as an editor timeline",
    TIMELINE,
    scope="read",
    tag="clips",
    signed=True,
    parameters=TIMELINE_QUERY,
    description=TIMELINE_HELP,
)
async def clip_timeline(request: Request) -> Response:
    clip = await clip_or_404(request)
    video = await catalog(request).video(clip.video_id)
    if video is None:  # deleted since the clip was read
        raise video_not_found(clip.video_id)
    return await _timeline(request, video, [clip], name=f"{PurePath(video.filename).stem} - {clip.title}")


@operation(
    "getVideoTimeline",
    "The video's clips as one editor timeline, in rank order",
    {**TIMELINE, "409": error("Conflict")},
    scope="read",
    tag="clips",
    signed=True,
    parameters=TIMELINE_QUERY,
    description=TIMELINE_HELP + " One cut per moment; clips a later ranking superseded are left out; 409 "
    "`no_clips` before the first clip is rendered.",
)
async def video_timeline(request: Request) -> Response:
    tenant_catalog, video = await video_or_404(request)
    clips, seen = [], set()
    for clip in await tenant_catalog.clips(video.video_id):
        if not clip.superseded and clip.moment_id not in seen:
            seen.add(clip.moment_id)
            clips.append(clip)
    if not clips:
        raise ApiError(409, "no_clips", f"video {video.video_id} has no clips yet")
    return await _timeline(request, video, clips, name=PurePath(video.filename).stem)


async def _timeline(request: Request, video: Video, clips: list[Clip], name: str) -> Response:
    query = request.query_params
    try:
        fmt = formats.format_of(query.get("format", "otio"))
    except TimelineError as exc:
        raise ApiError(422, "invalid_query", exc.message) from None
    zipped = query.get("bundle")
    if zipped not in (None, "zip"):
        raise ApiError(422, "invalid_query", "bundle must be zip, or left out for the timeline alone")
    if "media_root" in query and zipped is None:
        raise ApiError(422, "invalid_query", "media_root says where a bundle is unpacked: give it with bundle=zip")
    storage = request.app.state.storage
    media_name = bundle.safe_name(video.filename)
    if zipped:
        try:
            url = bundle.media_url(media_name, query.get("media_root"))
        except TimelineError as exc:
            raise ApiError(422, "invalid_query", exc.message) from None
    else:
        url = _absolute_link(request, f"/v1/videos/{video.video_id}/source")
    documents = await asyncio.gather(*(asyncio.to_thread(_handoff, storage, c) for c in clips))
    # An audio-only upload's cover art (one picture for every clip): a file in a bundle, else a
    # signed link to the first clip's copy.
    art = next(((c, a) for c, doc in zip(clips, documents) if (a := cuts.cover_of(doc))), None)
    cover = None
    if art is not None:
        cover_name = f"{PurePath(media_name).stem}.cover.png"
        cover_url = (
            bundle.media_url(cover_name, query.get("media_root"))
            if zipped
            else _absolute_link(request, f"/v1/clips/{art[0].clip_id}/download", "file=cover")
        )
        cover = cuts.Cover(cover_name, cover_url, int(art[1]["width"]), int(art[1]["height"]))
    source = cuts.source_of(
        documents[0],
        name=media_name,
        url=url,
        duration=video.duration,
        has_video=video.has_video is not False,
        cover=cover,
    )
    names = await catalog(request).speaker_names(video.video_id)  # a rename shows in every export
    timeline_cuts = [  # a trimmed clip is a cut per stretch it kept: its jump cuts show
        cut
        for doc, c in zip(documents, clips)
        for cut in cuts.cuts_of(
            doc, clip_id=c.clip_id, title=c.title, reason=c.reason, score=c.score, rank=c.rank, speaker_names=names
        )
    ]
    timeline = build.build(source, timeline_cuts, name=name, markers=fmt.markers, reframe=fmt.reframe, cover=fmt.cover)
    text = await asyncio.to_thread(formats.write, timeline, fmt)
    filename = bundle.safe_name(name, fallback="timeline")
    if not zipped:
        return Response(
            text,
            media_type=fmt.media_type,
            headers={"Content-Disposition": f'attachment; filename="{filename}{fmt.suffix}"'},
        )
    members = [bundle.Member(f"{bundle.MEDIA_DIR}/{media_name}", _opener(storage, video.source_uri))]
    if art is not None and source.cover is not None:  # kept for an audio-only source
        key = cover_key(storage, art[0])
        members.append(bundle.Member(f"{bundle.MEDIA_DIR}/{source.cover.name}", lambda: storage.open_read(key)))
    for c, doc in zip(clips, documents):
        members.append(bundle.Member(f"captions/{c.clip_id}.srt", _opener(storage, c.srt_uri), compress=True))
        members.append(
            bundle.Member(f"handoff/{c.clip_id}.json", _bytes_opener(json.dumps(doc, indent=1)), compress=True)
        )
    return StreamingResponse(
        _zip_stream(f"{filename}{fmt.suffix}", text, members),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}.zip"'},
    )


def _absolute_link(request: Request, path: str, query: str = "") -> str:
    """A signed link to a stored file, absolute on the configured base (the download origin where
    one is set), never on the request's Host (the caller's word)."""
    link = _signed(request, path, query, file=True)
    return link if link.startswith(("http://", "https://")) else public_base(request.app.state.settings) + link


def _handoff(storage, clip: Clip) -> dict:
    """The clip's hand-off document, stored beside its MP4."""
    key = str(PurePath(storage.key_of(clip.mp4_uri)).with_suffix(".json"))
    try:
        return json.loads(storage.get_bytes(key))
    except ObjectNotFound:
        raise TimelineError(f"clip {clip.clip_id} has no hand-off file: render it again") from None
    except ValueError as exc:
        raise TimelineError(f"clip {clip.clip_id}'s hand-off file is not JSON ({exc})") from None


def _opener(storage, uri: str):
    return lambda: storage.open_read(storage.key_of(uri))


def _bytes_opener(text: str):
    return lambda: io.BytesIO(text.encode("utf-8"))


class _Pipe:
    """A write-only file whose writes the response reads, a bounded number in flight; closing the
    reading side makes the next write raise, so a client that hangs up stops the writer."""

    def __init__(self) -> None:
        self.chunks: queue.Queue[bytes | None] = queue.Queue(PIPE_CHUNKS)
        self.abandoned = threading.Event()

    def write(self, data: bytes, /) -> int:
        chunk = bytes(data)
        while not self.abandoned.is_set():
            try:
                self.chunks.put(chunk, timeout=0.5)
                return len(chunk)
            except queue.Full:
                continue
        raise BrokenPipeError("the client stopped reading the bundle")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """The end of the bundle (dropped if the client has gone)."""
        while not self.abandoned.is_set():
            try:
                self.chunks.put(None, timeout=0.5)
                return
            except queue.Full:
                continue

    def abandon(self) -> None:
        """The reading side has stopped: writes raise, and a reader still waiting wakes up."""
        self.abandoned.set()
        try:
            self.chunks.put_nowait(None)
        except queue.Full:
            pass


async def _zip_stream(timeline_name: str, text: str, members: list[bundle.Member]):
    pipe = _Pipe()

    def produce() -> None:
        try:
            bundle.write_bundle(pipe, timeline_name, text, members)
        finally:
            pipe.close()

    writer = asyncio.get_running_loop().run_in_executor(None, produce)
    try:
        while (chunk := await asyncio.to_thread(pipe.chunks.get)) is not None:
            yield chunk
        await writer  # a failure while writing ends the response early, and is logged
    finally:
        pipe.abandon()


routes = [
    Route("/v1/clips/{clip_id}/timeline", clip_timeline, methods=["GET"]),
    Route("/v1/videos/{video_id}/timeline", video_timeline, methods=["GET"]),
]
