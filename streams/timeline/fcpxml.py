"""Final Cut Pro's FCPXML (1.9), written here and read by ``fcpxml_reader`` (pure: text in, text out).

The PyPI adapter (otio-fcpx-xml-adapter 1.0.0) truncates frame rates to whole numbers and times
to frames with ``int()``, so its NTSC cuts land on the wrong frames; FCPXML's times are rational
seconds, which this module writes exactly: frame ``n`` at rate 30000/1001 is ``n*1001/30000s``.

What is written for a timeline from ``streams.timeline.build``:

- ``resources``: the sequence's ``format`` (frame duration, size), the source's ``format`` and
  its ``asset`` (a ``media-rep`` pointing at the source, video and audio flags); for an audio-only
  source with cover art (``streams.timeline.build``'s ``cover``), the picture's asset and format
  (a still: no duration, Final Cut's ``FFVideoFormatRateUndefined``);
- a ``project`` whose ``sequence`` has one ``asset-clip`` per cut on the spine, in order: ``start``
  is the in point, ``duration`` the length, ``offset`` where it sits on the timeline;
- in each ``asset-clip``: the reframe as an ``adjust-transform`` whose position and scale are
  keyframed (when the timeline is at the clip's output size, ``reframe``), each caption cue as a
  ``caption`` on lane 1 (a subtitle role, ``SRT?captionFormat=SRT.<language>``), and the title
  marker (title and score; the reason as its note); with cover art, the picture for as long as
  the cut, connected below the audio (``video`` on lane -1).

``fcpxml_reader.read`` gives back an OpenTimelineIO timeline with a video track (when the source
has video, or the cover art's stills) and an audio track, the cuts on whole frames of the
sequence's rate, the title and caption markers, and each clip's transform keys in
``metadata["fcpxml"]["transform"]``.
"""

from __future__ import annotations

import itertools
from fractions import Fraction
from typing import Any, Mapping
from xml.etree import ElementTree as ET

import opentimelineio as otio

from streams.errors import TimelineError
from streams.timeline import build
from streams.timeline.reframe import Place

VERSION = "1.9"
CAPTION_LANE = "1"
COVER_LANE = "-1"  # under the audio's storyline
COVER_IDS = ("r4", "r5")  # the cover art's format and asset
AUDIO_ONLY_SIZE = (1920, 1080)  # a project needs a video format even when nothing is drawn


def frame_duration(rate: float) -> Fraction:
    """One frame's duration at ``rate`` as an exact fraction (29.97: 1001/30000)."""
    return 1 / Fraction(rate).limit_denominator(1001)


def seconds(frame_count: int, step: Fraction) -> str:
    """``frame_count`` frames of ``step`` seconds as an FCPXML time (``"1001/30000s"``, ``"5s"``)."""
    value = frame_count * step
    return f"{value.numerator}s" if value.denominator == 1 else f"{value.numerator}/{value.denominator}s"


def parse_time(text: str | None) -> Fraction:
    """An FCPXML time (``"1001/30000s"``, ``"5s"``, ``"0s"``) in seconds; TimelineError otherwise."""
    if not text or not text.endswith("s"):
        raise TimelineError(f"not an FCPXML time: {text!r}")
    try:
        return Fraction(text[:-1])
    except (ValueError, ZeroDivisionError):
        raise TimelineError(f"not an FCPXML time: {text!r}") from None


def write(timeline: otio.schema.Timeline) -> str:
    """``timeline`` (as ``streams.timeline.build`` makes it) as an FCPXML document."""
    meta = timeline.metadata.get("clipstream", {})
    media = meta.get("source", {})
    frame: Mapping[str, Any] = meta.get("frame") or {}
    audio = timeline.audio_tracks()
    if not audio or not len(audio[0]):
        raise TimelineError("an FCPXML timeline needs at least one cut")
    rate = float(audio[0][0].source_range.start_time.rate)
    step = frame_duration(rate)
    art: Mapping[str, Any] | None = media.get("cover")  # its stills are the video track's clips
    has_video = bool(timeline.video_tracks()) and art is None  # the source's own pictures
    width, height = (frame.get("width"), frame.get("height")) if has_video or art else AUDIO_ONLY_SIZE
    if width is None or height is None:  # streams.timeline.build gives a timeline with video its frame size
        raise TimelineError("the timeline has video but no frame size (metadata clipstream.frame)")

    root = ET.Element("fcpxml", version=VERSION)
    resources = ET.SubElement(root, "resources")
    tc_format = "DF" if build.is_drop_frame(rate) else "NDF"
    ET.SubElement(
        resources,
        "format",
        id="r1",
        frameDuration=seconds(1, step),
        width=str(width),
        height=str(height),
        name=_format_name(width, height, step),
    )
    asset_format = "r1"  # the id of the source's format: the sequence's, unless its size differs
    if has_video and (media.get("width"), media.get("height")) != (width, height):
        asset_format = "r2"
        ET.SubElement(
            resources,
            "format",
            id=asset_format,
            frameDuration=seconds(1, step),
            width=str(media["width"]),
            height=str(media["height"]),
            name=_format_name(media["width"], media["height"], step),
        )
    first = audio[0][0]
    available = first.media_reference.available_range
    known = available.duration.to_frames() if available else 0  # unknown: as far as the cuts reach
    reach = max(known, *(c.source_range.end_time_exclusive().to_frames() for c in audio[0]))
    asset = ET.SubElement(
        resources,
        "asset",
        id="r3",
        name=media.get("name") or first.name,
        start="0s",
        duration=seconds(reach, step),
        hasVideo="1" if has_video else "0",
        hasAudio="1",
        audioSources="1",
        audioChannels="2",
    )
    if has_video:
        asset.set("format", asset_format)
    ET.SubElement(asset, "media-rep", kind="original-media", src=first.media_reference.target_url)
    stills = timeline.video_tracks()[0] if art else None
    if art is not None and stills is not None:
        _cover_asset(resources, art, stills[0].media_reference.target_url)

    event = ET.SubElement(ET.SubElement(root, "library"), "event", name="clipstream")
    project = ET.SubElement(event, "project", name=timeline.name)
    total = sum(clip.source_range.duration.to_frames() for clip in audio[0])
    sequence = ET.SubElement(
        project,
        "sequence",
        format="r1",
        duration=seconds(total, step),
        tcStart="0s",
        tcFormat=tc_format,
        audioLayout="stereo",
        audioRate="48k",
    )
    spine = ET.SubElement(sequence, "spine")
    video = timeline.video_tracks()[0] if has_video else None  # with cover art, the audio's clips lead
    at, styles = 0, itertools.count(1)
    for i, clip in enumerate(audio[0]):
        shown = video[i] if video is not None else clip
        first_frame = clip.source_range.start_time.to_frames()
        length = clip.source_range.duration.to_frames()
        element = ET.SubElement(
            spine,
            "asset-clip",
            ref="r3",
            name=clip.name,
            offset=seconds(at, step),
            start=seconds(first_frame, step),
            duration=seconds(length, step),
            tcFormat=tc_format,
        )
        if has_video:
            element.set("format", asset_format)
        else:
            element.set("audioRole", "dialogue")
        places = shown.metadata.get("clipstream", {}).get("transform")
        if places:
            _transform(element, [position(p, media, width, height) for p in places], first_frame, step)
        if stills is not None:
            _cover(element, stills[i], first_frame, step)
        language = shown.metadata.get("clipstream", {}).get("language") or "en"
        markers = list(shown.markers)
        for marker in (m for m in markers if _kind(m) == "caption"):
            _caption(element, marker, next(styles), language, step)
        for marker in (m for m in markers if _kind(m) != "caption"):
            note = marker.metadata.get("clipstream", {}).get("reason") or ""
            span = marker.marked_range.duration.to_frames()  # none: a point, as the title marker is
            attrib = {"start": seconds(marker.marked_range.start_time.to_frames(), step)}
            if span:
                attrib["duration"] = seconds(span, step)
            attrib["value"] = marker.name
            if note:
                attrib["note"] = note
            ET.SubElement(element, "marker", attrib)
        at += length
    ET.indent(root)
    for text in root.iter("text"):  # a caption's words as they are, not indented
        text.text = None
        for span in text:
            span.tail = None
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _cover_asset(resources: ET.Element, art: Mapping[str, Any], url: str) -> None:
    """The cover art as a still's format and asset (``COVER_IDS``)."""
    format_id, asset_id = COVER_IDS
    ET.SubElement(
        resources,
        "format",
        id=format_id,
        name="FFVideoFormatRateUndefined",
        width=str(art["width"]),
        height=str(art["height"]),
    )
    asset = ET.SubElement(
        resources,
        "asset",
        id=asset_id,
        name=str(art["name"]),
        start="0s",
        duration="0s",
        hasVideo="1",
        hasAudio="0",
        format=format_id,
    )
    ET.SubElement(asset, "media-rep", kind="original-media", src=url)


def _cover(element: ET.Element, still: otio.schema.Clip, first_frame: int, step: Fraction) -> None:
    """The cover art under the audio cut ``element`` for as long as it (``still``'s range), at the
    cut's first frame of the source (a connected clip's offset is in its parent's time)."""
    ET.SubElement(
        element,
        "video",
        ref=COVER_IDS[1],
        lane=COVER_LANE,
        offset=seconds(first_frame, step),
        name=still.name,
        start=seconds(still.source_range.start_time.to_frames(), step),
        duration=seconds(still.source_range.duration.to_frames(), step),
    )


def _kind(marker: otio.schema.Marker) -> str | None:
    return marker.metadata.get("clipstream", {}).get("kind")


def _format_name(width: Any, height: Any, step: Fraction) -> str:
    """Final Cut's name for a format: ``FFVideoFormat1080p2997`` for its standard sizes, the size
    spelled out for others (``FFVideoFormat1080x1920p2997``, as Final Cut names 640x480); the
    format's width, height and frame duration are written as well, and win over the name."""
    rates = {
        Fraction(1001, 24000): "2398",
        Fraction(1, 24): "24",
        Fraction(1, 25): "25",
        Fraction(1001, 30000): "2997",
        Fraction(1, 30): "30",
        Fraction(1, 50): "50",
        Fraction(1001, 60000): "5994",
        Fraction(1, 60): "60",
    }
    lines = {(1280, 720): "720p", (1920, 1080): "1080p", (3840, 2160): "2160p"}
    size = lines.get((int(width), int(height)), f"{width}x{height}p")
    return f"FFVideoFormat{size}{rates[step]}" if step in rates else "FFVideoFormatRateUndefined"


def position(place: Any, source: dict, width: int, height: int) -> dict:
    """A place (``streams.timeline.reframe``) in Final Cut's terms, the source unconformed
    (``adjust-conform type="none"``: drawn at its own pixel size, then scaled): ``px``, ``py``, the
    source's centre from the frame's in percent of the frame height, y up; ``scale``."""
    at = Place(**place)
    dx, dy = at.centre_offset((source["width"], source["height"]), (width, height))
    return {
        "frame": at.frame,
        "px": round(100 * dx / height, 4) + 0.0,
        "py": round(-100 * dy / height, 4) + 0.0,
        "scale": at.scale,
    }  # + 0.0: no "-0.0000"


def _transform(element: ET.Element, keys: list[dict], first_frame: int, step: Fraction) -> None:
    """The reframe as ``adjust-transform`` keyframes of position and scale (:func:`position`),
    at times in the clip's source time."""
    values = {
        "position": lambda k: f"{k['px']:.4f} {k['py']:.4f}",
        "scale": lambda k: f"{k['scale']:.6f} {k['scale']:.6f}",
    }
    ET.SubElement(element, "adjust-conform", type="none")
    transform = ET.SubElement(element, "adjust-transform", {name: value(keys[0]) for name, value in values.items()})
    if len(keys) == 1:
        return
    for name, value in values.items():
        animation = ET.SubElement(ET.SubElement(transform, "param", name=name), "keyframeAnimation")
        for key in keys:
            # Straight between keys, as the renderer moves the crop: scale says so (its curve defaults
            # to smooth); position takes no curve or interp (Final Cut ignores the param with one) and
            # moves linearly between keys.
            curve = {} if name == "position" else {"curve": "linear"}
            ET.SubElement(
                animation, "keyframe", {"time": seconds(first_frame + key["frame"], step), "value": value(key), **curve}
            )


def _caption(element: ET.Element, marker: otio.schema.Marker, n: int, language: str, step: Fraction) -> None:
    span = marker.marked_range
    style_id = f"ts{n}"  # unique in the document
    caption = ET.SubElement(
        element,
        "caption",
        lane=CAPTION_LANE,
        offset=seconds(span.start_time.to_frames(), step),
        name=marker.name,
        start="3600s",
        duration=seconds(max(1, span.duration.to_frames()), step),
        role=f"SRT?captionFormat=SRT.{language}",
    )
    text = ET.SubElement(caption, "text", placement="bottom")
    ET.SubElement(text, "text-style", ref=style_id).text = marker.name
    ET.SubElement(
        ET.SubElement(caption, "text-style-def", id=style_id),
        "text-style",
        font=".AppleSystemUIFont",
        fontSize="13",
        fontColor="1 1 1 1",
        backgroundColor="0 0 0 1",
    )
