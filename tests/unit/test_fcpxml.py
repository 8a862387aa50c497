"""Final Cut Pro's FCPXML, written by ``streams.timeline.fcpxml``: exact rational times at NTSC
rates, the elements and their order as FCPXML 1.9's DTD lays an ``asset-clip`` out, captions as a
subtitle role, the reframe as a keyframed transform that draws what our renderer drew, and a second
reader (the PyPI adapter, whole-number rates only) seeing the same cuts and markers."""

from __future__ import annotations

from fractions import Fraction
from xml.etree import ElementTree

import pytest

from streams.errors import TimelineError
from streams.timeline import build, fcpxml, fcpxml_reader, formats, reframe
from streams.timeline.cuts import Caption, Cover, Cut, Source
from tests.reframed_cuts import PANEL, SINGLE, SOURCE

FMT = formats.FORMATS["fcpxml"]
CUTS = (
    Cut("c1", 61.2, 92.7, "Why it works", "Opens with a question.", 81.2, 1,
        (Caption("So here's the thing,", 61.5, 63.0), Caption("it works.", 63.1, 64.4)), SINGLE, "de"),
    Cut("c2", 10.0, 40.51, "The second one", "A story with a turn.", 60.0, 2, (Caption("Another cue", 11.0, 12.2),),
        SINGLE, "de"),
)


def document(cuts=CUTS, src: Source = SOURCE) -> ElementTree.Element:
    timeline = build.build(src, cuts, name="talk", markers=FMT.markers, reframe=FMT.reframe, cover=FMT.cover)
    text = formats.write(timeline, FMT)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>')
    return ElementTree.fromstring(text)


@pytest.mark.parametrize("fps, duration", [(29.97, "1001/30000s"), (23.976, "1001/24000s"), (25.0, "1/25s"),
                                           (59.94, "1001/60000s"), (30.0, "1/30s")])
def test_frame_durations_are_exact_rationals(fps, duration):
    root = document(src=Source("t.mp4", "t.mp4", 600.0, fps, 1920, 1080))
    assert {f.get("frameDuration") for f in root.iter("format")} == {duration}


@pytest.mark.parametrize("fps", [29.97, 23.976, 59.94])
def test_every_time_lands_on_a_whole_frame(fps):
    """Final Cut refuses times between frames; each is a whole number of frame durations."""
    root = document(src=Source("t.mp4", "t.mp4", 600.0, fps, 1920, 1080))
    step = fcpxml.parse_time(root.find("./resources/format").get("frameDuration"))
    times = [e.get(a) for e in root.iter() for a in ("offset", "start", "duration", "time") if e.get(a)]
    assert len(times) > 20
    for text in times:
        if text == "3600s":  # a caption's own clock, as Final Cut writes it
            continue
        assert (fcpxml.parse_time(text) / step).denominator == 1, text


@pytest.mark.parametrize("fps, tc", [(29.97, "DF"), (59.94, "DF"), (23.976, "NDF"), (25.0, "NDF")])
def test_timecode_is_drop_frame_at_29_97_and_59_94_only(fps, tc):
    root = document(src=Source("t.mp4", "t.mp4", 600.0, fps, 1920, 1080))
    assert {e.get("tcFormat") for e in root.iter() if e.get("tcFormat")} == {tc}


# FCPXML 1.9: what Final Cut needs to open a project, from its DTD's content models.
REQUIRED = {
    "root is fcpxml 1.9": ".[@version='1.9']",
    "sequence format with frame duration and size": "./resources/format[@frameDuration][@width][@height]",
    "asset with id, duration and media flags": "./resources/asset[@id][@duration][@hasVideo][@hasAudio]",
    "asset media-rep with the source": "./resources/asset/media-rep[@kind='original-media'][@src]",
    "event holding the project": "./library/event/project[@name]",
    "sequence referencing a format": "./library/event/project/sequence[@format][@duration][@tcStart][@tcFormat]",
    "spine": "./library/event/project/sequence/spine",
    "asset-clip with ref, offset, start, duration": ".//spine/asset-clip[@ref][@offset][@start][@duration]",
    "marker with start and value": ".//asset-clip/marker[@start][@value]",
    "marker note (the reason)": ".//asset-clip/marker[@note]",
    "caption on a lane with a subtitle role": ".//asset-clip/caption[@lane='1'][@offset][@duration][@role]",
    "caption text styled by a definition": ".//caption/text/text-style[@ref]",
    "caption style definition": ".//caption/text-style-def[@id]/text-style",
    "transform keyframes": ".//asset-clip/adjust-transform/param[@name='position']/keyframeAnimation/keyframe",
}


@pytest.mark.parametrize("path", list(REQUIRED.values()), ids=list(REQUIRED))
def test_document_has_what_final_cut_needs(path):
    assert document().findall(path), path


def test_references_resolve():
    for root in (document(), covered()):
        ids = [e.get("id") for e in root.find("resources")]
        refs = [e.get(a) for e in root.iter() for a in ("ref", "format") if e.get(a) and e.tag != "text-style"]
        assert refs and set(refs) <= set(ids) and len(ids) == len(set(ids))
    root = document()
    style_ids = [d.get("id") for d in root.iter("text-style-def")]
    assert len(style_ids) == len(set(style_ids)) == 3  # one per caption, unique in the document
    assert {s.get("ref") for s in root.iter("text-style") if s.get("ref")} == set(style_ids)


# The DTD's order of an asset-clip's children; captions and connected clips are both anchor items.
ORDER = {"note": 0, "adjust-conform": 1, "adjust-transform": 2, "caption": 3, "video": 3, "marker": 4, "metadata": 5}


def test_asset_clip_children_come_in_the_dtd_order():
    for root in (document(), covered()):
        for clip in root.iter("asset-clip"):
            tags = [child.tag for child in clip]
            assert set(tags) <= set(ORDER), tags
            assert tags == sorted(tags, key=ORDER.get), tags


def test_captions_are_a_subtitle_role_in_the_clips_language_with_the_cue_text_as_is():
    clip = document().find(".//asset-clip")
    captions = clip.findall("caption")
    assert [c.find("text").find("text-style").text for c in captions] == ["So here's the thing,", "it works."]
    assert all("".join(c.find("text").itertext()) == c.find("text/text-style").text for c in captions)
    assert {c.get("role") for c in captions} == {"SRT?captionFormat=SRT.de"}
    rate = 30000 / 1001
    step = Fraction(1001, 30000)
    got = [(fcpxml.parse_time(c.get("offset")) / step, fcpxml.parse_time(c.get("duration")) / step) for c in captions]
    assert got == [(round(61.5 * rate), round(63.0 * rate) - round(61.5 * rate)),
                   (round(63.1 * rate), round(64.4 * rate) - round(63.1 * rate))]  # the clip's own (source) time


def test_caption_language_unknown_is_written_as_english():
    cut = Cut("c3", 1.0, 5.0, "T", "R", 50.0, 1, (Caption("Hi", 1.2, 2.0),), SINGLE, None)
    assert document([cut]).find(".//caption").get("role") == "SRT?captionFormat=SRT.en"


def test_a_reframed_timeline_is_at_the_clips_output_size_with_the_source_unconformed():
    root = document()
    sequence_format = root.find(f"./resources/format[@id='{root.find('.//sequence').get('format')}']")
    assert (sequence_format.get("width"), sequence_format.get("height")) == ("1080", "1920")
    assert sequence_format.get("name") == "FFVideoFormat1080x1920p2997"
    asset_format = root.find(f"./resources/format[@id='{root.find('./resources/asset').get('format')}']")
    assert (asset_format.get("width"), asset_format.get("height"), asset_format.get("name")) == (
        "1920", "1080", "FFVideoFormat1080p2997")
    assert {c.get("type") for c in root.iter("adjust-conform")} == {"none"}


def test_the_transform_puts_each_crop_box_on_the_frame():
    """Undo each keyframe: Final Cut draws the source at its pixel size, scales it about its centre
    and moves the centre by the position (percent of the frame height, y up). The crop box the
    renderer drew must then fill the 1080x1920 frame."""
    clip = document().find(".//asset-clip")
    start = fcpxml.parse_time(clip.get("start"))
    step = Fraction(1001, 30000)
    positions = clip.findall("./adjust-transform/param[@name='position']/keyframeAnimation/keyframe")
    scales = clip.findall("./adjust-transform/param[@name='scale']/keyframeAnimation/keyframe")
    frames = [int((fcpxml.parse_time(k.get("time")) - start) / step) for k in positions]
    rate = 30000 / 1001
    assert frames == [0, round(1.5 * rate), round(2.0 * rate) - 1, round(2.0 * rate), round(5.0 * rate)]
    boxes = [PANEL[0], PANEL[1], PANEL[2], PANEL[3], PANEL[4]]
    for position, scale, box in zip(positions, scales, boxes):
        px, py = map(float, position.get("value").split())
        s = float(scale.get("value").split()[0])
        centre_x = 1080 / 2 + px / 100 * 1920  # where the source's centre is drawn, frame pixels
        centre_y = 1920 / 2 - py / 100 * 1920
        left = centre_x - s * 1920 / 2 + s * box["x"]  # where the box's corners land
        top = centre_y - s * 1080 / 2 + s * box["y"]
        assert (left, top) == (pytest.approx(0, abs=0.6), pytest.approx(0, abs=0.6))
        assert (s * box["w"], s * box["h"]) == (pytest.approx(1080, abs=1), pytest.approx(1920, abs=4))
    assert all(k.get("curve") == "linear" for k in scales)  # straight between keys, as rendered
    assert all(k.get("curve") is None and k.get("interp") is None for k in positions)  # refused on position


def test_the_transform_reads_back_with_its_keys():
    timeline = build.build(SOURCE, CUTS, name="talk", markers=FMT.markers, reframe=True)
    back = formats.read(formats.write(timeline, FMT), FMT, 30000 / 1001)
    keys = back.tracks[0][0].metadata["fcpxml"]["transform"]
    places = [fcpxml.position(p, {"width": 1920, "height": 1080}, 1080, 1920)
              for p in timeline.tracks[0][0].metadata["clipstream"]["transform"]]
    first = round(61.2 * 30000 / 1001)
    assert [k["frame"] - first for k in keys] == [p["frame"] for p in places]
    assert [(k["px"], k["py"]) for k in keys] == [(pytest.approx(p["px"], abs=1e-4), pytest.approx(p["py"], abs=1e-4))
                                                  for p in places]


def test_a_fit_clip_is_letterboxed_by_one_scale():
    fit = {"layout": "fit", "output": {"width": 1080, "height": 1920}, "crop": {"panels": []}}
    [place] = reframe.places(Cut("c", 1.0, 5.0, "T", "R", 1.0, 1, reframe=fit), SOURCE, 25.0, 1080, 1920)
    assert place.scale == pytest.approx(1080 / 1920)
    assert place.centre_offset((SOURCE.width, SOURCE.height), (1080, 1920)) == (pytest.approx(0), pytest.approx(0))
    clip = document([Cut("c", 1.0, 5.0, "T", "R", 1.0, 1, reframe=fit)]).find(".//asset-clip")
    assert clip.find("adjust-transform").get("position") == "0.0000 0.0000"
    assert clip.find("adjust-transform/param") is None  # one place: nothing moves


@pytest.mark.parametrize("cuts, why", [
    ((CUTS[0], Cut("s", 1.0, 5.0, "T", "R", 1.0, 2, reframe={"layout": "split", "output": {"width": 1080, "height": 1920}})),
     "split"),
    ((CUTS[0], Cut("w", 1.0, 5.0, "T", "R", 1.0, 2, reframe={**SINGLE, "output": {"width": 1080, "height": 1080}})),
     "different sizes"),
])
def test_a_timeline_whose_cuts_cannot_share_one_transform_keeps_the_source_frame_and_says_why(cuts, why):
    timeline = build.build(SOURCE, cuts, name="talk", reframe=True)
    frame = timeline.metadata["clipstream"]["frame"]
    assert (frame["width"], frame["height"], frame["reframed"]) == (1920, 1080, False)
    assert why in frame["why"]
    root = ElementTree.fromstring(formats.write(timeline, FMT))
    assert root.find("./resources/format").get("width") == "1920"
    assert root.find(".//adjust-transform") is None


def test_a_source_of_unknown_length_is_as_long_as_its_cuts_reach():
    root = document(src=Source("t.mp4", "t.mp4", None, 25.0, 1920, 1080))
    assert root.find("./resources/asset").get("duration") == f"{round(92.7 * 25)}/25s"  # where CUTS[0] ends


def test_audio_only_has_no_video_and_keeps_its_cuts():
    src = Source("talk.m4a", "media/talk.m4a", 600.0, None)
    root = document(src=src)
    assert root.find("./resources/asset").get("hasVideo") == "0"
    assert root.find(".//adjust-transform") is None
    back = fcpxml_reader.read(ElementTree.tostring(root, encoding="unicode"))
    assert [t.kind for t in back.tracks] == ["Audio"]
    assert [c.source_range.start_time.to_frames() for c in back.tracks[0]] == [round(61.2 * 30), round(10.0 * 30)]


ART = Cover("ep.cover.png", "media/ep.cover.png", 600, 600)


def covered() -> ElementTree.Element:
    """An audio-only episode's timeline with its cover art."""
    return document(src=Source("ep.m4a", "media/ep.m4a", 600.0, None, cover=ART))


def test_an_audio_only_sources_cover_art_is_a_still_connected_under_each_cut():
    root = covered()
    formats_by_id = {f.get("id"): f for f in root.iter("format")}
    sequence = formats_by_id[root.find(".//sequence").get("format")]
    assert (sequence.get("width"), sequence.get("height")) == ("600", "600")  # the picture's size
    source, picture = root.findall("./resources/asset")
    assert source.get("hasVideo") == "0" and source.get("format") is None  # the episode: sound only
    assert (picture.get("hasVideo"), picture.get("duration")) == ("1", "0s")
    assert picture.find("media-rep").get("src") == "media/ep.cover.png"
    still_format = formats_by_id[picture.get("format")]
    assert (still_format.get("name"), still_format.get("width"), still_format.get("height")) == (
        "FFVideoFormatRateUndefined", "600", "600")
    for clip in root.iter("asset-clip"):
        [still] = clip.findall("video")
        assert (still.get("ref"), still.get("lane")) == (picture.get("id"), "-1")  # under the audio
        # in the audio clip's own (source) time: from its first frame, for as long as it
        assert (still.get("offset"), still.get("duration")) == (clip.get("start"), clip.get("duration"))
        assert still.get("start") == "0s"
    back = fcpxml_reader.read(ElementTree.tostring(root, encoding="unicode"))
    assert [t.kind for t in back.tracks] == ["Video", "Audio"]
    video, audio = back.tracks
    assert [c.media_reference.target_url for c in video] == ["media/ep.cover.png"] * len(CUTS)
    assert [c.source_range.duration for c in video] == [c.source_range.duration for c in audio]
    assert [m.name for c in audio for m in c.markers] and not [m for c in video for m in c.markers]


def test_the_pypi_fcpxml_reader_sees_the_same_cuts_and_markers_at_a_whole_number_rate():
    """otio-fcpx-xml-adapter truncates rates (why it does not write ours), but at 25 fps it reads
    correctly: a reader we did not write agrees on every cut and title marker."""
    from otio_fcpx_xml_adapter import fcpx_xml

    src = Source("t.mp4", "media/t.mp4", 600.0, 25.0, 1920, 1080)
    timeline = build.build(src, CUTS, name="talk", markers=FMT.markers, reframe=True)
    [theirs] = list(fcpx_xml.read_from_string(formats.write(timeline, FMT)))
    ours = timeline.tracks[0]
    got = [(c.source_range.start_time.to_frames(), c.source_range.duration.to_frames()) for c in theirs.tracks[0]]
    assert got == [(c.source_range.start_time.to_frames(), c.source_range.duration.to_frames()) for c in ours]
    assert [(m.name, m.marked_range.start_time.to_frames()) for c in theirs.tracks[0] for m in c.markers] == [
        (build.marker_name(cut), round(cut.start * 25)) for cut in CUTS]


@pytest.mark.parametrize("text, message", [
    ("<fcpxml", "not an FCPXML document"),
    ('<fcpxml version="1.9"><resources/></fcpxml>', "no project sequence"),
])
def test_a_document_that_is_not_ours_is_a_timeline_error(text, message):
    with pytest.raises(TimelineError, match=message):
        fcpxml_reader.read(text)


@pytest.mark.parametrize("text", ["", "5", "1/0s", "xs"])
def test_a_bad_time_is_a_timeline_error(text):
    with pytest.raises(TimelineError, match="not an FCPXML time"):
        fcpxml.parse_time(text)
