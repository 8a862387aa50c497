"""FCP7 XML (Premiere Pro, DaVinci Resolve) with the reframe as each clip's Basic Motion
(``streams.timeline.fcp7``): a sequence at the clip's output size, keys on the clip's media frames,
scale and centre that put the renderer's crop box on the frame in the units a Premiere export
showed, and a document OpenTimelineIO still reads with the same cuts."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from streams.timeline import build, fcp7, formats
from streams.timeline.cuts import Cut
from streams.timeline.reframe import Place
from tests.reframed_cuts import PANEL, SINGLE, SOURCE
from tests.unit.test_timeline import FCP7_REQUIRED

FMT = formats.FORMATS["fcp7"]
RATE = 30000 / 1001
ZOOMED = {"layout": "single", "output": {"width": 1080, "height": 1920},
          "crop": {"panels": [[{"t": 0.0, "x": 800, "y": 120, "w": 405, "h": 720},
                               {"t": 3.0, "x": 900, "y": 200, "w": 405, "h": 720}]]}}
CUTS = (
    Cut("c1", 61.2, 92.7, "Why it works", "Opens with a question.", 81.2, 1, (), SINGLE),
    Cut("c2", 10.0, 40.51, "The second one", "A story with a turn.", 60.0, 2, (), ZOOMED),
)


def document(cuts=CUTS) -> ElementTree.Element:
    timeline = build.build(SOURCE, cuts, name="talk", markers=FMT.markers, reframe=FMT.reframe)
    return ElementTree.fromstring(formats.write(timeline, FMT).split("?>", 1)[1])


def motion(item: ElementTree.Element) -> dict[str, ElementTree.Element]:
    [effect] = [e for e in item.iterfind("filter/effect") if e.findtext("name") == "Basic Motion"]
    return {p.findtext("parameterid"): p for p in effect.iterfind("parameter")}


def video_items(root: ElementTree.Element) -> list[ElementTree.Element]:
    return root.findall(f"{fcp7.SEQUENCE}/media/video/track/clipitem")


def test_the_units_reproduce_a_premiere_export():
    """Premiere wrote a 3840x2160 source at Position (1530, 960), Scale 118 in a 1080x1920 sequence
    as center horiz 0.2578125, vert 0. Position is where the source's centre lands."""
    scale, source, frame = 1.18, (3840, 2160), (1080, 1920)
    place = Place(0, scale, 1530 - scale * 3840 / 2, 960 - scale * 2160 / 2)
    assert fcp7.center(place, source, frame) == (pytest.approx(0.2578125), pytest.approx(0.0))


def test_the_sequence_is_at_the_clips_output_size_and_the_file_says_the_sources():
    root = document()
    sequence = root.find(f"{fcp7.SEQUENCE}/media/video/format/samplecharacteristics")
    assert (sequence.findtext("width"), sequence.findtext("height")) == ("1080", "1920")
    source = root.find(".//file/media/video/samplecharacteristics")
    assert (source.findtext("width"), source.findtext("height")) == ("1920", "1080")


@pytest.mark.parametrize("path", list(FCP7_REQUIRED.values())[1:], ids=list(FCP7_REQUIRED)[1:])
def test_a_reframed_document_keeps_what_premiere_and_resolve_need(path):
    assert document().findall(path), f"missing {path}"


def test_the_filter_sits_straight_after_the_file_as_premiere_writes_it():
    for item in video_items(document()):
        tags = [child.tag for child in item]
        assert tags[tags.index("file") + 1] == "filter"


@pytest.mark.parametrize("n, cut", list(enumerate(CUTS)))
def test_each_key_puts_the_crop_box_on_the_frame(n, cut):
    """Undo each key: the source, scaled by ``scale`` percent about its centre, has its centre at
    the frame's centre plus (horiz x source width, vert x source height). The box the renderer
    cropped must then fill the 1080x1920 frame."""
    item = video_items(document())[n]
    params = motion(item)
    first = int(item.findtext("in"))
    scales = params["scale"].findall("keyframe")
    centres = params["center"].findall("keyframe")
    boxes = cut.reframe["crop"]["panels"][0]
    assert len(scales) == len(centres) == len(boxes)
    for scale_key, centre_key, box in zip(scales, centres, boxes):
        assert int(scale_key.findtext("when")) == int(centre_key.findtext("when"))
        s = float(scale_key.findtext("value")) / 100
        centre_x = 1080 / 2 + float(centre_key.findtext("value/horiz")) * 1920
        centre_y = 1920 / 2 + float(centre_key.findtext("value/vert")) * 1080
        left, top = centre_x - s * 1920 / 2 + s * box["x"], centre_y - s * 1080 / 2 + s * box["y"]
        assert (left, top) == (pytest.approx(0, abs=0.01), pytest.approx(0, abs=0.01))
        # a box of whole pixels is not exactly 9:16 (608x1080 is 1080x1918.4 at 1080 wide)
        assert (s * box["w"], s * box["h"]) == (pytest.approx(1080, abs=0.01), pytest.approx(1920, abs=4))
    assert int(scales[0].findtext("when")) == first  # keys are frames of the clip's media, as its in point


def test_a_shot_change_is_two_keys_a_frame_apart():
    whens = [int(k.findtext("when")) for k in motion(video_items(document())[0])["center"].findall("keyframe")]
    first = round(61.2 * RATE)
    assert [w - first for w in whens] == [0, round(1.5 * RATE), round(2.0 * RATE) - 1, round(2.0 * RATE), round(5.0 * RATE)]


def test_a_still_crop_is_one_value_without_keys():
    still = {**SINGLE, "crop": {"panels": [[PANEL[0]]]}}
    params = motion(video_items(document((Cut("s", 1.0, 5.0, "T", "R", 1.0, 1, (), still),)))[0])
    assert params["center"].find("keyframe") is None and params["scale"].find("keyframe") is None
    assert float(params["scale"].findtext("value")) == pytest.approx(100 * 1080 / 608, abs=1e-3)


def test_it_reads_back_with_the_same_cuts():
    back = formats.read(formats.write(build.build(SOURCE, CUTS, name="talk", reframe=True), FMT), FMT, RATE)
    got = [(c.source_range.start_time.to_frames(), c.source_range.end_time_exclusive().to_frames())
           for c in back.video_tracks()[0].find_clips()]
    assert got == [(round(c.start * RATE), round(c.end * RATE)) for c in CUTS]


def test_a_timeline_that_cannot_share_one_transform_has_no_basic_motion():
    split = Cut("s", 1.0, 5.0, "T", "R", 1.0, 2, (), {"layout": "split", "output": {"width": 1080, "height": 1920}})
    root = document((CUTS[0], split))
    assert root.find(f"{fcp7.SEQUENCE}/media/video/format/samplecharacteristics/width").text == "1920"
    assert not [e for e in root.iter("effect") if e.findtext("name") == "Basic Motion"]
