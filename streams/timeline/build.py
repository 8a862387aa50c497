"""The cuts of one source as an OpenTimelineIO timeline (pure: builds objects, reads and writes
nothing).

The timeline runs at the source's frame rate, snapped to the nearest timecode rate (a variable
frame rate source's average of 29.87 becomes 29.97, as an editor conforms it), or at
``AUDIO_RATE`` for audio-only media. Every cut lands on whole frames of that rate: in at
``round(start * rate)``, out at ``round(end * rate)``. The cuts follow each other in the order given
(rank order), each on a video track (when the source has video) and an audio track, both
referencing the source. With ``cover=True`` an audio-only source's cover art (``Source.cover``)
fills the video track under each cut, and the timeline takes the picture's size. What the
ranking said of a cut travels as markers:

- a *title* marker at its first frame: ``"<title> · score <n>"``, the reason as its comment;
- a *caption* marker per caption cue, spanning the cue, named by its text (``Name: text`` where
  the speaker changes, when the cut holds more than one; the speaker's name in its metadata).

With ``markers="clips"`` they sit on the cuts in source time (what FCP7 XML, FCPXML, EDL and
.otio carry); with ``markers="timeline"`` on the timeline in record time (Kdenlive's guides).
The cut's reframe path and scores travel as ``metadata["clipstream"]`` (kept by .otio).

With ``reframe=True`` (formats that carry a keyframed transform: FCP7 XML, FCPXML, Kdenlive) the timeline
takes the frame size the clips were rendered at (1080x1920 for 9:16) and each video clip's
``metadata["clipstream"]["transform"]`` holds the places (``streams.timeline.reframe``) that draw
it as rendered; when the cuts cannot all be drawn that way (a split clip, clips of different
sizes, audio) the timeline keeps the source's frame and says why in ``metadata["clipstream"]["frame"]``.
"""

from __future__ import annotations

import re
from typing import Iterable, Literal, Sequence

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from streams.timeline import reframe as reframing
from streams.timeline.cuts import Cover, Cut, Source

AUDIO_RATE = 30.0
SCHEMA = "clipstream.timeline/1"
NTSC_DROP_FRAME = (30000 / 1001, 60000 / 1001)  # written as drop-frame timecode (29.97, 59.94)
TITLE_COLOR, CAPTION_COLOR = otio.schema.MarkerColor.RED, otio.schema.MarkerColor.YELLOW


def rate_of(source: Source) -> float:
    """The timeline's frame rate for ``source``."""
    if not source.has_video or source.fps is None:  # has_video means an fps; this says so to the type checker
        return AUDIO_RATE
    return RationalTime.nearest_valid_timecode_rate(float(source.fps))


def is_drop_frame(rate: float) -> bool:
    return any(abs(rate - r) < 1e-6 for r in NTSC_DROP_FRAME)


def frames(seconds: float, rate: float) -> int:
    return round(seconds * rate)


def cut_range(cut: Cut, rate: float) -> TimeRange:
    """The cut's source range, on whole frames (at least one)."""
    first = frames(cut.start, rate)
    return TimeRange(RationalTime(first, rate), RationalTime(max(1, frames(cut.end, rate) - first), rate))


def marker_name(cut: Cut) -> str:
    score = "" if cut.score is None else f" · score {cut.score:.0f}"
    return f"{cut.title or cut.clip_id}{score}"


def build(
    source: Source,
    cuts: Sequence[Cut],
    *,
    name: str,
    markers: Literal["clips", "timeline"] = "clips",
    reframe: bool = False,
    cover: bool = False,
) -> otio.schema.Timeline:
    """The timeline of ``cuts`` of ``source``, in the order given; with ``cover``, an audio-only
    source's cover art (``source.cover``) on a video track under them, at its own size."""
    rate = rate_of(source)
    timeline = otio.schema.Timeline(name=name, global_start_time=RationalTime(0, rate))
    output = reframing.frame_of(cuts, source) if reframe else None
    art = source.cover if cover and not source.has_video else None
    width, height = output or ((art.width, art.height) if art else (source.width, source.height))
    timeline.metadata["clipstream"] = {
        "schema": SCHEMA,
        "source": {
            "name": source.name,
            "duration": source.duration,
            "fps": source.fps,
            "width": source.width,
            "height": source.height,
            "cover": {"name": art.name, "width": art.width, "height": art.height} if art else None,
        },
        "frame": {
            "width": width,
            "height": height,
            "reframed": output is not None,
            "why": _why_source_frame(source, cuts, art is not None) if reframe and output is None else None,
        },
    }
    timecode = {"timecode": _fcp_timecode(rate)}
    timeline.metadata["fcp_xml"] = timecode
    if source.has_video or art:  # the sequence's frame size, which Premiere and Resolve read from <format>
        timeline.metadata["fcp_xml"] = {
            **timecode,
            "media": {
                "video": {
                    "format": {
                        "samplecharacteristics": {
                            "width": str(width),
                            "height": str(height),
                            "pixelaspectratio": "square",
                            "fielddominance": "none",
                        }
                    }
                }
            },
        }
    tracks = new_tracks(timeline, source.has_video or art is not None)
    lead = 1 if art else 0  # the track whose clips are the source's, and carry the markers in its time
    at = 0
    for cut in cuts:
        span = cut_range(cut, rate)
        if art is not None:
            tracks[0].append(_cover_clip(cut, art, span, source, rate))
        for i, track in enumerate(tracks[lead:], start=lead):
            clip = otio.schema.Clip(
                name=_clip_name(cut),
                media_reference=_reference(source, rate),
                source_range=span,
                metadata=_clip_metadata(cut, source),
            )
            if i == lead and markers == "clips":
                clip.markers.extend(_markers(cut, rate, offset=0))
            if i == 0 and output is not None:
                clip.metadata["clipstream"]["transform"] = [
                    vars(p) for p in reframing.places(cut, source, rate, *output)
                ]
            track.append(clip)
        if markers == "timeline":
            timeline.tracks.markers.extend(_markers(cut, rate, offset=at - span.start_time.to_frames()))
        at += span.duration.to_frames()
    return timeline


def new_tracks(timeline: otio.schema.Timeline, has_video: bool) -> list[otio.schema.Track]:
    """``timeline``'s tracks, added to it: V1 (when there is video) and A1."""
    kinds = ([otio.schema.TrackKind.Video] if has_video else []) + [otio.schema.TrackKind.Audio]
    tracks = [otio.schema.Track(name=f"{kind[0]}1", kind=kind) for kind in kinds]
    timeline.tracks.extend(tracks)
    return tracks


def _cover_clip(cut: Cut, art: Cover, span: TimeRange, source: Source, rate: float) -> otio.schema.Clip:
    """The cover art for as long as ``cut`` (``span``). A still's range starts at its first frame:
    MLT draws an image entry that starts later as a blank frame (melt 7.12)."""
    metadata = _clip_metadata(cut, source)
    metadata["cmx_3600"]["reel"] = reel_name(art.name)
    picture = otio.schema.ExternalReference(
        target_url=art.url, available_range=_reference(source, rate).available_range
    )
    still = TimeRange(RationalTime(0, rate), span.duration)
    return otio.schema.Clip(name=_clip_name(cut), media_reference=picture, source_range=still, metadata=metadata)


def _why_source_frame(source: Source, cuts: Sequence[Cut], cover: bool = False) -> str:
    if not source.has_video:
        return "audio only: its cover art at its own size" if cover else "audio only"
    if any(reframing.output_size(cut) is None for cut in cuts):
        return "a clip's layout (split) is not drawn by one transform: its crops are in the metadata"
    return "the clips were rendered at different sizes"


def _clip_name(cut: Cut) -> str:
    return f"{cut.rank:02d} {cut.title}".strip() if cut.rank is not None else (cut.title or cut.clip_id)


def reel_name(file_name: str) -> str:
    """An EDL's reel for the uploaded ``file_name``: its stem's letters and digits, at most 8 (CMX
    3600's field; a space would split it), or ``AX`` (an unnamed source) when none is left."""
    stem = re.sub(r"[.][A-Za-z0-9]+$", "", file_name)
    return re.sub(r"[^A-Za-z0-9]+", "", stem)[:8] or "AX"


def _clip_metadata(cut: Cut, source: Source) -> dict:
    return {
        "clipstream": {
            "clip_id": cut.clip_id,
            "rank": cut.rank,
            "score": cut.score,
            "title": cut.title,
            "reason": cut.reason,
            "reframe": dict(cut.reframe) if cut.reframe else None,
            "language": cut.language,
        },
        # the reel by the uploaded file, not by the media's URL (a signed link's "source?token=...")
        "cmx_3600": {"reel": reel_name(source.name), "comments": [f"REASON: {cut.reason}"] if cut.reason else []},
    }


def _reference(source: Source, rate: float) -> otio.schema.ExternalReference:
    available = None
    if source.duration:
        available = TimeRange(RationalTime(0, rate), RationalTime(frames(source.duration, rate), rate))
    return otio.schema.ExternalReference(
        target_url=source.url, available_range=available, metadata={"fcp_xml": {"timecode": _fcp_timecode(rate)}}
    )


def _fcp_timecode(rate: float) -> dict:
    """FCP7 XML's timecode display: 29.97 and 59.94 drop-frame (the adapter takes the rate from
    the times themselves)."""
    return {"displayformat": "DF" if is_drop_frame(rate) else "NDF"}


def _markers(cut: Cut, rate: float, offset: int) -> Iterable[otio.schema.Marker]:
    """The cut's title marker and caption markers, ``offset`` frames from source time."""
    span = cut_range(cut, rate)
    first, last = span.start_time.to_frames(), span.end_time_exclusive().to_frames()
    title = {"kind": "title", "clip_id": cut.clip_id, "rank": cut.rank, "score": cut.score, "reason": cut.reason}
    if cut.piece == 0:  # a trimmed clip's later stretches carry only their captions
        yield otio.schema.Marker(
            name=marker_name(cut),
            color=TITLE_COLOR,
            marked_range=TimeRange(RationalTime(first + offset, rate), RationalTime(0, rate)),
            metadata={"clipstream": title, "fcp_xml": {"comment": cut.reason}},
        )
    previous = None
    several = len({c.speaker for c in cut.captions if c.speaker is not None}) > 1  # one voice: no names
    for caption in cut.captions:
        start = min(max(frames(caption.start, rate), first), last - 1)
        end = min(max(frames(caption.end, rate), start + 1), last)
        changed = several and caption.speaker is not None and caption.speaker != previous
        previous = caption.speaker
        yield otio.schema.Marker(
            name=f"{caption.speaker}: {caption.text}" if changed else caption.text,
            color=CAPTION_COLOR,
            marked_range=TimeRange(RationalTime(start + offset, rate), RationalTime(end - start, rate)),
            metadata={"clipstream": {"kind": "caption", **({"speaker": caption.speaker} if caption.speaker else {})}},
        )
