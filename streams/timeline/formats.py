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

Three of the adapters need a hand:

- the CMX 3600 writer refuses a timeline without a video track, so an audio-only timeline's
  EDL is written from its audio track directly;
- the FCP7 adapter writes no transform: ``streams.timeline.fcp7`` adds the reframe as each
  clip's Basic Motion;
- the Kdenlive adapter prints a deprecation banner on stdout at every call (it is captured), and
  writes a 1920x1080 profile and an endless background whatever the timeline; ``streams.timeline.mlt``
  fits its project to the timeline and adds the reframe as a keyframed filter.

FCPXML is written by ``streams.timeline.fcpxml``, not by otio-fcpx-xml-adapter 1.0.0, which
truncates frame rates to whole numbers when it writes and reads (29.97 becomes 29, 23.976 becomes
23) and times to frames, so its NTSC cuts are not frame-exact.

Formats marked ``reframe`` carry the clip's reframe as a keyframed transform, so their timeline
is at the clip's output size (``streams.timeline.build``); the others are at the source's size,
the reframe path riding as metadata. Formats marked ``cover`` put an audio-only source's cover art
under its cuts (a video track; in FCPXML a still connected below each audio clip), a file in a
bundle or a signed link beside a timeline alone; the EDL (reels only) stays audio only.
"""

from __future__ import annotations

import contextlib
import io
import threading
from dataclasses import dataclass
from typing import Literal

import opentimelineio as otio

from streams.errors import TimelineError
from streams.timeline import fcp7, fcpxml, fcpxml_reader, mlt


@dataclass(frozen=True)
class Format:
    """An editor format: ``name`` as the API and CLI take it, the OTIO ``adapter`` that writes it,
    the file ``suffix`` and ``media_type``, what it opens in (``label``), where it carries
    markers (on the clips in source time, or on the timeline in record time), whether it
    carries the reframe as a keyframed transform (``reframe``), and whether an audio-only
    timeline shows the cover art on a video track (``cover``)."""

    name: str
    adapter: str
    suffix: str
    media_type: str
    label: str
    markers: Literal["clips", "timeline"] = "clips"
    reframe: bool = False
    cover: bool = False


FORMATS = {
    f.name: f
    for f in (
        Format("otio", "otio_json", ".otio", "application/json", "OpenTimelineIO", cover=True),
        Format(
            "fcp7",
            "fcp_xml",
            ".xml",
            "application/xml",
            "Premiere Pro / DaVinci Resolve (FCP7 XML)",
            reframe=True,
            cover=True,
        ),
        Format("fcpxml", "fcpxml", ".fcpxml", "application/xml", "Final Cut Pro (FCPXML)", reframe=True, cover=True),
        Format("edl", "cmx_3600", ".edl", "text/plain", "EDL (CMX 3600)"),
        Format(
            "kdenlive",
            "kdenlive",
            ".kdenlive",
            "application/xml",
            "Kdenlive / Shotcut (MLT)",
            markers="timeline",
            reframe=True,
            cover=True,
        ),
    )
}

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
        fitting = {"kdenlive": mlt.fit, "fcp_xml": fcp7.fit}.get(fmt.adapter)
        return fitting(text, timeline) if fitting else text
    except otio.exceptions.OTIOError as exc:
        raise TimelineError(f"cannot write the timeline as {fmt.name}: {exc}") from exc


def read(text: str, fmt: Format, rate: float) -> otio.schema.Timeline:
    """A document in ``fmt`` read back (an EDL's timecode is read at ``rate``)."""
    if fmt.adapter == "fcpxml":
        return fcpxml_reader.read(text)
    options = {"rate": rate} if fmt.adapter == "cmx_3600" else {}
    with _quiet():
        return otio.adapters.read_from_string(text, fmt.adapter, **options)


@contextlib.contextmanager
def _quiet():
    """Swallow what the adapters print (the Kdenlive adapter's banner). ``sys.stdout`` is one
    for the process, so writers take turns."""
    with _stdout_lock, contextlib.redirect_stdout(io.StringIO()):
        yield


def _edl_of_audio(timeline: otio.schema.Timeline) -> str:
    from otio_cmx3600_adapter import cmx_3600

    track = timeline.audio_tracks()[0]
    writer = cmx_3600.EDLWriter(tracks=timeline.tracks, rate=track.duration().rate, style="avid")
    return writer.get_content_for_track_at_index(0, title=timeline.name)
