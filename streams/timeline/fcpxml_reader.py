"""Final Cut Pro's FCPXML read back as OpenTimelineIO (pure: text in, timeline out): what
``streams.timeline.fcpxml`` writes, or a document shaped like it."""

from __future__ import annotations

from typing import Iterable
from xml.etree import ElementTree as ET

import opentimelineio as otio
from opentimelineio.opentime import RationalTime, TimeRange

from streams.errors import TimelineError
from streams.timeline import build
from streams.timeline.fcpxml import COVER_LANE, parse_time


def read(text: str) -> otio.schema.Timeline:
    """An FCPXML document written by ``fcpxml.write`` (or one shaped like it: a project's spine of
    asset-clips) as an OpenTimelineIO timeline."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TimelineError(f"not an FCPXML document: {exc}") from None
    formats = {f.get("id"): f for f in root.iter("format")}
    assets = {a.get("id"): a for a in root.iter("asset")}
    project = root.find("./library/event/project")
    sequence = project.find("sequence") if project is not None else None
    spine = sequence.find("spine") if sequence is not None else None
    if project is None or sequence is None or spine is None:
        raise TimelineError("the FCPXML document has no project sequence with a spine")
    step = parse_time(formats[sequence.get("format")].get("frameDuration"))
    rate = float(1 / step)

    def at(value: str | None) -> RationalTime:
        return RationalTime(round(parse_time(value) / step), rate)

    timeline = otio.schema.Timeline(name=project.get("name", ""), global_start_time=RationalTime(0, rate))
    clips = list(spine.iter("asset-clip"))
    has_video = any(assets[c.get("ref")].get("hasVideo") == "1" for c in clips)
    stills = [c.find(f"video[@lane='{COVER_LANE}']") for c in clips]
    covered = not has_video and all(v is not None and v.get("ref") in assets for v in stills)
    tracks = build.new_tracks(timeline, has_video or covered)
    lead = 1 if covered else 0  # the track whose clips are the source's, as streams.timeline.build lays them
    for element, still in zip(clips, stills):
        if covered and still is not None:
            shown = TimeRange(at(still.get("start")), at(still.get("duration")))
            picture = _reference(assets[still.get("ref")])
            tracks[0].append(otio.schema.Clip(name=still.get("name", ""), source_range=shown, media_reference=picture))
        span = TimeRange(at(element.get("start")), at(element.get("duration")))
        for i, track in enumerate(tracks[lead:], start=lead):
            clip = otio.schema.Clip(
                name=element.get("name", ""), source_range=span, media_reference=_reference(assets[element.get("ref")])
            )
            if i == lead:
                clip.markers.extend(_markers_of(element, at))
                clip.metadata["fcpxml"] = {"transform": list(_keys_of(element, at))}
            track.append(clip)
    return timeline


def _reference(asset: ET.Element) -> otio.schema.ExternalReference:
    rep = asset.find("media-rep")
    return otio.schema.ExternalReference(target_url=rep.get("src") if rep is not None else asset.get("src"))


def _markers_of(element: ET.Element, at) -> Iterable[otio.schema.Marker]:
    for marker in element.findall("marker"):
        yield otio.schema.Marker(
            name=marker.get("value", ""),
            marked_range=TimeRange(at(marker.get("start")), at(marker.get("duration", "0s"))),
            metadata={"fcpxml": {"note": marker.get("note")}},
        )
    for caption in element.findall("caption"):
        text = caption.find("text")
        words = "".join(text.itertext()) if text is not None else ""
        yield otio.schema.Marker(
            name=words,
            marked_range=TimeRange(at(caption.get("offset")), at(caption.get("duration"))),
            metadata={"fcpxml": {"kind": "caption", "role": caption.get("role")}},
        )


def _keys_of(element: ET.Element, at) -> Iterable[dict]:
    """The ``adjust-transform``'s keys: (source frame, position x, y, scale)."""
    transform = element.find("adjust-transform")
    if transform is None:
        return
    params = {p.get("name"): p.findall("./keyframeAnimation/keyframe") for p in transform.findall("param")}
    if not params.get("position"):
        px, py = map(float, transform.get("position", "0 0").split())
        yield {
            "frame": at(element.get("start")).to_frames(),
            "px": px,
            "py": py,
            "scale": float(transform.get("scale", "1 1").split()[0]),
        }
        return
    for position, scale in zip(params["position"], params.get("scale") or params["position"]):
        px, py = map(float, _value(position).split())
        yield {
            "frame": at(position.get("time")).to_frames(),
            "px": px,
            "py": py,
            "scale": float(_value(scale).split()[0]) if params.get("scale") else 1.0,
        }


def _value(keyframe: ET.Element) -> str:
    """A keyframe's ``value``; TimelineError when it has none."""
    value = keyframe.get("value")
    if value is None:
        raise TimelineError(f"an FCPXML keyframe at {keyframe.get('time')!r} has no value")
    return value
