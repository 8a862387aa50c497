"""The FCP7 XML that otio-fcp-adapter writes, given the reframe as Basic Motion (pure: text in,
text out).

Premiere Pro and DaVinci Resolve read a clip's transform from its ``Basic Motion`` filter:
``scale`` in percent of the source's own size, and ``center``, where the source's centre lands,
as ``horiz`` and ``vert``. The units of ``center`` are not in any document reachable here; they
come from a Premiere export read with its Effect Controls (a 3840x2160 source in a 1080x1920
sequence at Position 1530, 960 and Scale 118 was written as ``horiz`` 0.2578125):

- ``horiz`` is the centre's offset from the frame's centre in sequence pixels, divided by the
  source's width, positive to the right: (1530 - 1080 / 2) / 3840 = 0.2578125;
- ``vert`` is the same down the frame, divided by the source's height, positive down. That
  export did not move the clip vertically; the height as the divisor is by symmetry, and it is
  what a second writer calls Premiere's media-relative centre units.

A keyframe's ``when`` is a frame of the clip's media, as its ``in`` and its markers are. A shot
change is two keys a frame apart, as in FCPXML and Kdenlive. :func:`fit` adds the filter to each
video clip of a reframed timeline (``streams.timeline.build``), straight after its ``file``,
where Premiere writes it, and gives the source's frame size to the ``file`` so the editor knows
it before the media is linked. A timeline at the source's frame (a split clip, audio, clips of
different sizes) is left as the adapter wrote it.
"""

from __future__ import annotations

from typing import Any, Iterable
from xml.etree import ElementTree

import opentimelineio as otio

from streams.timeline.reframe import Place

SEQUENCE = "./project/children/sequence"


def fit(text: str, timeline: otio.schema.Timeline) -> str:
    """The adapter's ``text`` with a Basic Motion filter on each reframed video clip."""
    meta = timeline.metadata.get("clipstream", {})
    frame, source = meta.get("frame") or {}, meta.get("source") or {}
    if not frame.get("reframed") or not timeline.video_tracks():
        return text
    head, xmeml = text[: text.index("<xmeml")], text[text.index("<xmeml") :]
    root = ElementTree.fromstring(xmeml)
    source_size = int(source["width"]), int(source["height"])
    frame_size = int(frame["width"]), int(frame["height"])
    items = root.findall(f"{SEQUENCE}/media/video/track/clipitem")
    for item, clip in zip(items, timeline.video_tracks()[0].find_clips()):
        places = clip.metadata.get("clipstream", {}).get("transform")
        file = item.find("file")
        if not places or file is None:
            continue
        item.insert(
            list(item).index(file) + 1, basic_motion(places, source_size, frame_size, int(item.findtext("in") or 0))
        )
    for video in root.iterfind(".//file/media/video"):
        _sample_size(video, source_size)
    ElementTree.indent(root, space="    ")
    return head + ElementTree.tostring(root, encoding="unicode")


def center(place: Place, source_size: tuple[int, int], frame_size: tuple[int, int]) -> tuple[float, float]:
    """``place`` as Basic Motion's ``center`` (``horiz``, ``vert``): see the module's docstring."""
    dx, dy = place.centre_offset(source_size, frame_size)
    return dx / source_size[0], dy / source_size[1]


def basic_motion(
    places: Iterable[dict[str, Any]], source_size: tuple[int, int], frame_size: tuple[int, int], first: int
) -> ElementTree.Element:
    """The places of a clip whose media starts at frame ``first`` as a Basic Motion filter."""
    at = [Place(**p) for p in places]
    filt = ElementTree.Element("filter")
    effect = _sub(filt, "effect")
    for tag, text in (
        ("name", "Basic Motion"),
        ("effectid", "basic"),
        ("effectcategory", "motion"),
        ("effecttype", "motion"),
        ("mediatype", "video"),
    ):
        _sub(effect, tag, text)
    scale = _parameter(effect, "scale", "Scale", valuemin="0", valuemax="1000")
    middle = _parameter(effect, "center", "Center")
    for n, place in enumerate(at):
        percent = f"{100 * place.scale:.4f}"
        point = center(place, source_size, frame_size)
        if n == 0:  # the value before the first key, and the whole of a clip that does not move
            _sub(scale, "value", percent)
            _point(_sub(middle, "value"), point)
        if len(at) > 1:
            _sub(_key(scale, first + place.frame), "value", percent)
            _point(_sub(_key(middle, first + place.frame), "value"), point)
    return filt


def _parameter(effect: ElementTree.Element, parameter_id: str, name: str, **limits: str) -> ElementTree.Element:
    parameter = _sub(effect, "parameter")
    _sub(parameter, "parameterid", parameter_id)
    _sub(parameter, "name", name)
    for tag, value in limits.items():
        _sub(parameter, tag, value)
    return parameter


def _key(parameter: ElementTree.Element, when: int) -> ElementTree.Element:
    key = _sub(parameter, "keyframe")
    _sub(key, "when", str(when))
    return key


def _point(value: ElementTree.Element, point: tuple[float, float]) -> None:
    _sub(value, "horiz", f"{point[0]:.6f}")
    _sub(value, "vert", f"{point[1]:.6f}")


def _sample_size(video: ElementTree.Element, source_size: tuple[int, int]) -> None:
    if video.find("samplecharacteristics") is None:
        sample = _sub(video, "samplecharacteristics")
        _sub(sample, "width", str(source_size[0]))
        _sub(sample, "height", str(source_size[1]))


def _sub(parent: ElementTree.Element, tag: str, text: str | None = None) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, tag)
    element.text = text
    return element
