"""The Kdenlive (MLT) export of a reframed timeline (``streams.timeline.mlt``): a project at the
clip's output size whose video clips each carry the reframe as a keyframed affine filter (Kdenlive's
Position and Zoom) drawing the crop box the renderer drew onto the whole frame; a timeline that
cannot be drawn by one transform keeps the source's frame and no filter. That melt draws such a
project as our renderer did is shown on real media in ``tests/integration/test_timeline_engines.py``."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from streams.timeline import build, formats, mlt
from streams.timeline.cuts import Caption, Cut, Source
from tests.reframed_cuts import PANEL, SINGLE, SOURCE

FMT = formats.FORMATS["kdenlive"]
RATE = 30000 / 1001
CUTS = (
    Cut("c1", 61.2, 92.7, "Why it works", "Opens with a question.", 81.2, 1, (Caption("So,", 61.5, 63.0),), SINGLE),
    Cut("c2", 10.0, 40.51, "The second one", "A story with a turn.", 60.0, 2, (), SINGLE),
)


def project(cuts=CUTS, src: Source = SOURCE) -> ElementTree.Element:
    timeline = build.build(src, cuts, name="talk", markers=FMT.markers, reframe=FMT.reframe)
    return ElementTree.fromstring(formats.write(timeline, FMT))


def video_entries(root: ElementTree.Element) -> list[ElementTree.Element]:
    playlists = {p.get("id"): p for p in root.iter("playlist")}
    [track] = [t for t in root.iter("track") if t.get("hide") == "audio"]
    return playlists[track.get("producer")].findall("entry")


def rects(text: str) -> list[tuple[int, list[float]]]:
    """An MLT rect animation (``frame=x y w h o;...``) as (frame, [x, y, w, h, o]) keys."""
    keys = []
    for key in text.split(";"):
        frame, values = key.split("=")
        keys.append((int(frame), [float(v) for v in values.split()]))
    return keys


def test_a_reframed_project_is_at_the_clips_output_size():
    profile = project().find("profile")
    assert (profile.get("width"), profile.get("height")) == ("1080", "1920")
    assert (profile.get("display_aspect_num"), profile.get("display_aspect_den")) == ("9", "16")


def test_each_video_clip_carries_its_reframe_as_a_position_and_zoom_filter_over_the_clip():
    root = project()
    entries = video_entries(root)
    assert len(entries) == len(CUTS)
    for entry in entries:
        [reframe] = entry.findall("filter")
        props = {p.get("name"): p.text for p in reframe.findall("property")}
        assert (props["mlt_service"], props["kdenlive_id"]) == ("affine", "pan_zoom")
        assert (props["transition.distort"], props["transition.repeat_off"], props["transition.mirror_off"]) == (
            "0", "1", "1")  # the aspect kept; the last key held to the clip's end, not replayed
        assert (reframe.get("in"), reframe.get("out")) == (entry.get("in"), entry.get("out"))
    audio = [e for p in root.iter("playlist") if p.find("property[@name='kdenlive:audio_track']") is not None
             for e in p.findall("entry")]
    assert audio and all(e.find("filter") is None for e in audio)


def test_the_rect_keys_put_each_crop_box_on_the_frame():
    """Undo each key: MLT draws the source, aspect kept, filling the rect. The crop box the renderer
    drew must then fill the 1080x1920 frame, at the frame the renderer drew it."""
    [entry, _] = video_entries(project())
    keys = rects(entry.find("filter/property[@name='transition.rect']").text)
    assert [frame for frame, _ in keys] == [0, round(1.5 * RATE), round(2.0 * RATE) - 1, round(2.0 * RATE),
                                            round(5.0 * RATE)]  # the shot change: two keys a frame apart
    for (_, (x, y, w, h, opacity)), box in zip(keys, PANEL):
        scale = w / SOURCE.width
        assert h / SOURCE.height == pytest.approx(scale, rel=1e-4)  # the source's aspect: no stretch
        assert (x + scale * box["x"], y + scale * box["y"]) == (pytest.approx(0, abs=0.01), pytest.approx(0, abs=0.01))
        assert (scale * box["w"], scale * box["h"]) == (pytest.approx(1080, abs=0.01), pytest.approx(1920, abs=4))
        assert opacity == 1


def test_a_fit_clip_is_one_centred_rect():
    fit = {"layout": "fit", "output": {"width": 1080, "height": 1920}, "crop": {"panels": []}}
    [entry] = video_entries(project([Cut("c", 1.0, 5.0, "T", "R", 1.0, 1, reframe=fit)]))
    [(frame, (x, y, w, h, _))] = rects(entry.find("filter/property[@name='transition.rect']").text)
    assert (frame, x, w) == (0, 0, 1080)
    assert (y, h) == (pytest.approx((1920 - 607.5) / 2, abs=0.01), pytest.approx(607.5, abs=0.01))



def test_a_still_clip_is_its_picture_in_the_covers_box():
    """A still video drawn as an audiogram: the editor gets the picture where the clip shows it
    sharp (the cover's box; the bars and the blurred picture behind are not redrawn)."""
    cover = {"x": 146, "y": 514, "w": 788, "h": 444}
    still = {"layout": "still", "output": {"width": 1080, "height": 1920}, "crop": {"panels": []},
             "audiogram": {"bars": None, "cover": cover, "background": "cover"}}
    [entry] = video_entries(project([Cut("c", 1.0, 5.0, "T", "R", 1.0, 1, reframe=still)]))
    [(frame, (x, y, w, h, _))] = rects(entry.find("filter/property[@name='transition.rect']").text)
    scale = 788 / SOURCE.width  # the 16:9 source fills the box's width, centred in its height
    assert frame == 0 and (x, w) == (146, 788)
    assert (y, h) == (pytest.approx(514 + (444 - scale * SOURCE.height) / 2, abs=0.01),
                      pytest.approx(scale * SOURCE.height, abs=0.01))
    alone = {**still, "audiogram": {"bars": None, "cover": None, "background": "cover"}}  # no sharp cover: fitted
    [entry] = video_entries(project([Cut("c", 1.0, 5.0, "T", "R", 1.0, 1, reframe=alone)]))
    [(_, (x, y, w, h, _))] = rects(entry.find("filter/property[@name='transition.rect']").text)
    assert (x, w, h) == (0, 1080, pytest.approx(607.5, abs=0.01))

@pytest.mark.parametrize("second", [
    Cut("s", 1.0, 5.0, "T", "R", 1.0, 2, reframe={"layout": "split", "output": {"width": 1080, "height": 1920}}),
    Cut("w", 1.0, 5.0, "T", "R", 1.0, 2, reframe={**SINGLE, "output": {"width": 1080, "height": 1080}}),
])
def test_a_timeline_that_one_transform_cannot_draw_keeps_the_source_frame_and_no_filter(second):
    root = project((CUTS[0], second))
    profile = root.find("profile")
    assert (profile.get("width"), profile.get("height")) == ("1920", "1080")
    assert root.find(".//filter") is None


def test_audio_only_has_no_filter():
    root = project(src=Source("talk.m4a", "media/talk.m4a", 600.0, None))
    assert root.find(".//filter") is None


def test_rect_keys_are_written_from_places():
    places = [{"frame": 0, "scale": 2.0, "x": -10.0, "y": 0.0}, {"frame": 30, "scale": 2.0, "x": -40.5, "y": -3.25}]
    assert mlt.rect_keys(places, (640, 360)) == "0=-10.000 0.000 1280.000 720.000 1;30=-40.500 -3.250 1280.000 720.000 1"
