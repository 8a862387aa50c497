"""The Kdenlive adapter's MLT project fitted to our timeline (pure: text in, text out).

otio-kdenlive-adapter writes every project with a 1920x1080 profile, an endless black background
and a signed URL's path only. :func:`fit` gives the project:

- the timeline's frame size as the profile (the clip's output size when it is reframed);
- a source at a signed link by its whole URL (MLT reads http(s) itself);
- a background as long as the timeline (left endless, ``melt`` renders 15000 frames of black);
- on each video clip of a reframed timeline, the reframe as a keyframed ``affine`` filter: the
  effect Kdenlive calls Position and Zoom (``pan_zoom``) and Shotcut Size, Position & Rotate.

The affine filter's ``transition.rect`` is where the source is drawn, ``x y w h opacity`` in
profile pixels, keyed by the frame counted from the clip's first: a place
(``streams.timeline.reframe``) at scale ``s`` with the source's top-left at ``(x, y)`` is the rect
``x y s*width s*height``. The rect keeps the source's aspect, so MLT's fit-to-rect scales by
exactly ``s``. Keys are linear (MLT's ``=``), as the renderer moves the crop; a shot change is two
keys a frame apart. ``repeat_off`` and ``mirror_off`` hold the last key to the clip's end (MLT
would otherwise replay the animation).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

import opentimelineio as otio

from streams.timeline.reframe import Place

KDENLIVE_EFFECT = "pan_zoom"


def fit(text: str, timeline: otio.schema.Timeline) -> str:
    """The adapter's project ``text`` fitted to ``timeline`` (see the module's docstring)."""
    root = ElementTree.fromstring(text)
    meta = timeline.metadata.get("clipstream", {})
    frame = meta.get("frame") or {}
    _profile(root, frame, float(timeline.duration().rate))
    _signed_links(root, timeline)
    _background(root, round(timeline.duration().to_frames()))
    if frame.get("reframed"):
        source = meta.get("source") or {}
        _transforms(root, timeline, (int(source["width"]), int(source["height"])))
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


def rect_keys(places: Iterable[dict[str, Any]], source_size: tuple[int, int]) -> str:
    """Places as an MLT ``rect`` animation: ``frame=x y w h 1`` keys joined by ``;``."""
    width, height = source_size
    keys = []
    for place in places:
        at = Place(**place)
        rect = (at.x, at.y, at.scale * width, at.scale * height)
        keys.append(f"{at.frame}=" + " ".join(f"{v:.3f}" for v in rect) + " 1")
    return ";".join(keys)


def transform_filter(
    places: list[dict[str, Any]], source_size: tuple[int, int], n: int, clip_in: str | None, clip_out: str | None
) -> ElementTree.Element:
    """The reframe of one clip as MLT's affine filter (Kdenlive's Position and Zoom), spanning
    the clip's ``clip_in`` to ``clip_out`` (source time, as the entry gives them)."""
    attrib = {"id": f"reframe{n}"}
    if clip_in is not None and clip_out is not None:
        attrib.update({"in": clip_in, "out": clip_out})
    element = ElementTree.Element("filter", attrib)
    for name, value in (
        ("mlt_service", "affine"),
        ("kdenlive_id", KDENLIVE_EFFECT),
        ("transition.rect", rect_keys(places, source_size)),
        ("transition.distort", "0"),
        ("transition.fill", "1"),
        ("transition.repeat_off", "1"),
        ("transition.mirror_off", "1"),
        ("kdenlive:collapsed", "0"),
    ):
        ElementTree.SubElement(element, "property", name=name).text = value
    return element


def _profile(root: ElementTree.Element, frame: dict, rate: float) -> None:
    profile = root.find("profile")
    if profile is None or not frame.get("width") or not frame.get("height"):
        return
    width, height = int(frame["width"]), int(frame["height"])
    aspect = Fraction(width, height)
    profile.set("description", f"{width}x{height} {rate:.3f} fps")
    profile.set("width", str(width))
    profile.set("height", str(height))
    profile.set("display_aspect_num", str(aspect.numerator))
    profile.set("display_aspect_den", str(aspect.denominator))


def _signed_links(root: ElementTree.Element, timeline: otio.schema.Timeline) -> None:
    """The adapter keeps only a URL's path; MLT reads http(s) itself, so the whole URL goes back."""
    for clip in timeline.find_clips():
        url = getattr(clip.media_reference, "target_url", "")
        if url.startswith(("http://", "https://")):
            for prop in root.iter("property"):
                if prop.get("name") == "resource" and prop.text == unquote(urlparse(url).path):
                    prop.text = url
        break


def _background(root: ElementTree.Element, length: int) -> None:
    for black in root.iter("producer"):
        if black.get("id") == "black_track":
            black.set("in", "0")
            black.set("out", str(max(0, length - 1)))
            ElementTree.SubElement(black, "property", {"name": "length"}).text = str(length)


def _transforms(root: ElementTree.Element, timeline: otio.schema.Timeline, source_size: tuple[int, int]) -> None:
    """An affine filter on each entry of the video track, from its clip's places. The adapter
    writes a track as a tractor whose first track is the playlist of its clips (its ``hide``
    is ``audio`` for a video track), one entry per clip, in order."""
    video = timeline.video_tracks()
    if not video:
        return
    clips = list(video[0].find_clips())
    playlists = {p.get("id"): p for p in root.iter("playlist")}
    for tractor in root.iter("tractor"):
        track = tractor.find("track[@hide='audio']")
        if track is None or track.get("producer") not in playlists:
            continue
        entries = playlists[track.get("producer")].findall("entry")
        for n, (entry, clip) in enumerate(zip(entries, clips)):
            places = clip.metadata.get("clipstream", {}).get("transform")
            if places:  # keys count from the filter's in point, which Kdenlive sets to the clip's
                entry.append(transform_filter(places, source_size, n, entry.get("in"), entry.get("out")))
        return
