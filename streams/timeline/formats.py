"""The editor formats a timeline is written in, each through its OpenTimelineIO adapter.

=========  =============================================  ==========  ==========================
format     opens in                                       file        adapter (PyPI)
=========  =============================================  ==========  ==========================
otio       OpenTimelineIO tools, Resolve 18.5+, Kdenlive  .otio       built in
fcp7       Premiere Pro, DaVinci Resolve, Final Cut 7     .xml        otio-fcp-adapter
fcpxml     Final Cut Pro, DaVinci Resolve                 .fcpxml     ours (``fcpxml``)
edl        any editor (CMX 3600: cuts and markers only)   .edl        otio-cmx3600-adapter
kdenlive   Kdenlive, Shotcut, ``melt`` (MLT XML)          .kdenlive   otio-kdenlive-adapter
=========  =============================================  ==========  ==========================

Two of the adapters need a hand:

- the CMX 3600 writer refuses a timeline without a video track, so an audio-only timeline's
  EDL is written from its audio track directly;
- the Kdenlive adapter prints a deprecation banner on stdout at every call (it is captured), and
  writes a 1920x1080 profile and an endless background whatever the timeline (``_fit_mlt``).

FCPXML is written by ``streams.timeline.fcpxml``, not by otio-fcpx-xml-adapter 1.0.0, which
truncates frame rates to whole numbers when it writes and reads (29.97 becomes 29, 23.976 becomes
23) and times to frames, so its NTSC cuts are not frame-exact.

Formats marked ``reframe`` carry the clip's reframe as a keyframed transform, so their timeline
is at the clip's output size (``streams.timeline.build``); the others are at the source's size,
the reframe path riding as metadata.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal
from urllib.parse import unquote, urlparse
from xml.etree import ElementTree

import opentimelineio as otio

from streams.errors import TimelineError
from streams.timeline import fcpxml


@dataclass(frozen=True)
class Format:
    """An editor format: ``name`` as the API and CLI take it, the OTIO ``adapter`` that writes it,
    the file ``suffix`` and ``media_type``, what it opens in (``label``), where it carries
    markers (on the clips in source time, or on the timeline in record time), and whether it
    carries the reframe as a keyframed transform (``reframe``)."""

    name: str
    adapter: str
    suffix: str
    media_type: str
    label: str
    markers: Literal["clips", "timeline"] = "clips"
    reframe: bool = False


FORMATS = {f.name: f for f in (
    Format("otio", "otio_json", ".otio", "application/json", "OpenTimelineIO"),
    Format("fcp7", "fcp_xml", ".xml", "application/xml", "Premiere Pro / DaVinci Resolve (FCP7 XML)"),
    Format("fcpxml", "fcpxml", ".fcpxml", "application/xml", "Final Cut Pro (FCPXML)", reframe=True),
    Format("edl", "cmx_3600", ".edl", "text/plain", "EDL (CMX 3600)"),
    Format("kdenlive", "kdenlive", ".kdenlive", "application/xml", "Kdenlive / Shotcut (MLT)", markers="timeline"),
)}

_stdout_lock = threading.Lock()


def format_of(name: str) -> Format:
    """The format called ``name``; TimelineError naming the ones there are otherwise."""
    try:
        return FORMATS[name]
    except KeyError:
        raise TimelineError(f"no timeline format {name!r}: use one of {', '.join(FORMATS)}") from None


def write(timeline: otio.schema.Timeline, fmt: Format) -> str:
    """``timeline`` as a document in ``fmt``."""
    try:
        if fmt.adapter == "fcpxml":
            return fcpxml.write(timeline)
        if fmt.adapter == "cmx_3600" and not timeline.video_tracks():
            return _edl_of_audio(timeline)
        with _quiet():
            text = otio.adapters.write_to_string(timeline, fmt.adapter)
        return _fit_mlt(text, timeline) if fmt.adapter == "kdenlive" else text
    except otio.exceptions.OTIOError as exc:
        raise TimelineError(f"cannot write the timeline as {fmt.name}: {exc}") from exc


def read(text: str, fmt: Format, rate: float) -> otio.schema.Timeline:
    """A document in ``fmt`` read back (an EDL's timecode is read at ``rate``)."""
    if fmt.adapter == "fcpxml":
        return fcpxml.read(text)
    options = {"rate": rate} if fmt.adapter == "cmx_3600" else {}
    with _quiet():
        return otio.adapters.read_from_string(text, fmt.adapter, **options)


@contextlib.contextmanager
def _quiet():
    """Swallow what the adapters print (the Kdenlive adapter's banner). ``sys.stdout`` is one
    for the process, so writers take turns."""
    with _stdout_lock, contextlib.redirect_stdout(io.StringIO()):
        yield


def _fit_mlt(text: str, timeline: otio.schema.Timeline) -> str:
    """The Kdenlive adapter's project fitted to the timeline: the profile takes the timeline's frame
    size (the adapter writes 1920x1080 always), a source at a signed link keeps its whole URL
    (the adapter keeps its path), and the black background track ends with the timeline (the
    adapter leaves it endless, so ``melt`` would render 15000 frames of black)."""
    root = ElementTree.fromstring(text)
    meta = timeline.metadata.get("clipstream", {})
    frame = meta.get("frame") or {}
    profile = root.find("profile")
    if profile is not None and frame.get("width") and frame.get("height"):
        width, height = int(frame["width"]), int(frame["height"])
        aspect = Fraction(width, height)
        profile.set("description", f"{width}x{height} {float(timeline.duration().rate):.3f} fps")
        profile.set("width", str(width)), profile.set("height", str(height))
        profile.set("display_aspect_num", str(aspect.numerator)), profile.set("display_aspect_den", str(aspect.denominator))
    for clip in timeline.find_clips():  # the adapter keeps only a URL's path: MLT reads http(s) itself
        url = getattr(clip.media_reference, "target_url", "")
        if url.startswith(("http://", "https://")):
            for prop in root.iter("property"):
                if prop.get("name") == "resource" and prop.text == unquote(urlparse(url).path):
                    prop.text = url
        break
    length = round(timeline.duration().to_frames())
    for black in root.iter("producer"):
        if black.get("id") == "black_track":
            black.set("in", "0"), black.set("out", str(max(0, length - 1)))
            ElementTree.SubElement(black, "property", {"name": "length"}).text = str(length)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True)


def _edl_of_audio(timeline: otio.schema.Timeline) -> str:
    from otio_cmx3600_adapter import cmx_3600

    track = timeline.audio_tracks()[0]
    writer = cmx_3600.EDLWriter(tracks=timeline.tracks, rate=track.duration().rate, style="avid")
    return writer.get_content_for_track_at_index(0, title=timeline.name)
