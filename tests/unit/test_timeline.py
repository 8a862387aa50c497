"""Editor timelines: every export read back with OpenTimelineIO gives the same cuts, frame-exact at
the source's rate (29.97 drop-frame, 23.976 non-drop, 25, a variable-rate average, audio only), and
the same markers; the FCP7 XML has each element Premiere Pro and DaVinci Resolve need."""

from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

import opentimelineio as otio
import pytest

from streams.errors import TimelineError
from streams.media.handoff import SCHEMA
from streams.timeline import build, bundle, cuts, formats
from streams.timeline.cuts import Caption, Cut, Source

CUTS = (
    Cut("c1", 61.2, 92.7, "Why it works", "Opens with a question.", 81.23, 1,
        (Caption("So here's the thing,", 61.5, 63.0), Caption("it works.", 63.1, 64.4))),
    Cut("c2", 10.0, 40.51, "The second one", "A story with a turn.", 60.0, 2, (Caption("Another cue", 11.0, 12.2),)),
)
RATES = {  # the source's probed frame rate -> the timeline's rate
    "29.97": (29.97, 30000 / 1001),
    "23.976": (23.976, 24000 / 1001),
    "25": (25.0, 25.0),
    "vfr-average": (29.87, 30000 / 1001),  # a phone's variable frame rate: conformed to 29.97
    "audio-only": (None, build.AUDIO_RATE),
}


def source(fps: float | None) -> Source:
    return Source("talk.mp4", "media/talk.mp4", 600.0, fps, 1920 if fps else None, 1080 if fps else None)


def expected_cuts(rate: float) -> list[tuple[int, int]]:
    return [(round(c.start * rate), round(c.end * rate)) for c in CUTS]


def expected_markers(rate: float) -> list[tuple[str, int]]:
    """(name, first source frame) of each cut's markers, in order."""
    out = []
    for cut in CUTS:
        first, last = round(cut.start * rate), round(cut.end * rate)
        out.append((build.marker_name(cut), first))
        out += [(c.text, min(max(round(c.start * rate), first), last - 1)) for c in cut.captions]
    return out


def export(fps: float | None, name: str) -> tuple[str, otio.schema.Timeline, float]:
    fmt = formats.FORMATS[name]
    timeline = build.build(source(fps), CUTS, name="talk", markers=fmt.markers)
    text = formats.write(timeline, fmt)
    rate = build.rate_of(source(fps))
    return text, formats.read(text, fmt, rate), rate


@pytest.mark.parametrize("name", list(formats.FORMATS))
@pytest.mark.parametrize("label", list(RATES))
def test_each_export_reads_back_with_the_same_cuts_frame_exact(label, name):
    fps, wanted_rate = RATES[label]
    _, back, rate = export(fps, name)
    assert rate == pytest.approx(wanted_rate, abs=1e-9)
    kinds = [t.kind for t in back.tracks]
    assert (otio.schema.TrackKind.Video in kinds) == (fps is not None)
    for track in back.tracks:
        clips = list(track.find_clips())
        got = [(c.source_range.start_time.rescaled_to(rate).to_frames(),
                c.source_range.end_time_exclusive().rescaled_to(rate).to_frames()) for c in clips]
        assert got == expected_cuts(rate), (track.kind, got)
        for clip in clips:
            assert clip.source_range.start_time.rate == pytest.approx(rate, abs=1e-6)


@pytest.mark.parametrize("name", ["otio", "fcp7", "fcpxml"])
@pytest.mark.parametrize("label", list(RATES))
def test_clip_markers_read_back_with_their_names_spans_and_places(label, name):
    fps, _ = RATES[label]
    _, back, rate = export(fps, name)
    clips = list(back.tracks[0].find_clips())
    got = [(m.name, m.marked_range.start_time.to_frames()) for c in clips for m in c.markers]
    assert got == expected_markers(rate)
    spans = [m.marked_range.duration.to_frames() for m in clips[0].markers]
    assert spans[0] == 0 and spans[1] == round(63.0 * rate) - round(61.5 * rate)


@pytest.mark.parametrize("label", ["23.976", "25", "audio-only"])
def test_edl_markers_read_back_as_locators_at_non_drop_rates(label):
    fps, _ = RATES[label]
    _, back, rate = export(fps, "edl")
    got = [(m.name, m.marked_range.start_time.to_frames()) for c in back.tracks[0].find_clips() for m in c.markers]
    assert got == [(name.upper(), frame) for name, frame in expected_markers(rate)]  # CMX 3600 is upper case


def test_edl_at_29_97_writes_drop_frame_timecode_whose_locators_land_on_the_marker_frames():
    """The CMX 3600 reader skips drop-frame LOC lines (its pattern allows ':' only), so the
    locators are read here with OpenTimelineIO's timecode parser."""
    text, _, rate = export(29.97, "edl")
    events = re.findall(r"^\d{3} .*? (\d\d:\d\d:\d\d;\d\d) (\d\d:\d\d:\d\d;\d\d) ", text, re.M)
    assert [(otio.opentime.from_timecode(a, rate).to_frames(), otio.opentime.from_timecode(b, rate).to_frames())
            for a, b in events] == expected_cuts(rate)
    locators = re.findall(r"^\* LOC: (\S+) \w+\s+(.*)$", text, re.M)
    assert [(name, otio.opentime.from_timecode(tc, rate).to_frames()) for tc, name in locators] == \
        [(name.upper(), frame) for name, frame in expected_markers(rate)]
    assert "REASON: Opens with a question." in text


@pytest.mark.parametrize("label", list(RATES))
def test_kdenlive_carries_markers_as_guides_in_record_time(label):
    fps, _ = RATES[label]
    _, back, rate = export(fps, "kdenlive")
    guides = [(m.name, m.marked_range.start_time.to_frames()) for m in back.tracks.markers]
    record, wanted = 0, []
    for cut, (first, last) in zip(CUTS, expected_cuts(rate)):
        names = [n for n, _ in expected_markers(rate) if n == build.marker_name(cut) or
                 n in {c.text for c in cut.captions}]
        frames = [f for n, f in expected_markers(rate) if n in names]
        wanted += [(n, record + f - first) for n, f in zip(names, frames)]
        record += last - first
    assert guides == wanted


def test_kdenlive_project_takes_the_source_frame_size_and_ends_its_background_with_the_timeline():
    text, back, rate = export(29.97, "kdenlive")
    root = ElementTree.fromstring(text)
    profile = root.find("profile")
    assert (profile.get("width"), profile.get("height")) == ("1920", "1080")
    assert (profile.get("frame_rate_num"), profile.get("frame_rate_den")) == ("30000", "1001")
    black = next(p for p in root.iter("producer") if p.get("id") == "black_track")
    total = sum(b - a for a, b in expected_cuts(rate))
    assert black.get("out") == str(total - 1)


@pytest.mark.parametrize("label, display", [("29.97", "DF"), ("23.976", "NDF"), ("25", "NDF")])
def test_fcp7_timecode_is_drop_frame_at_29_97_only(label, display):
    text, _, _ = export(RATES[label][0], "fcp7")
    root = ElementTree.fromstring(text)
    formats_seen = {e.text for e in root.iter("displayformat")}
    assert formats_seen == {display}
    strings = [e.find("string").text for e in root.iter("timecode")]
    assert all((";" in s) == (display == "DF") for s in strings), strings


def test_otio_keeps_the_reframe_path_and_the_ranking_as_metadata():
    crop = {"panels": [[{"t": 0.0, "x": 656, "y": 0, "w": 608, "h": 1080}]]}
    cut = Cut("c9", 1.0, 5.0, "T", "R", 70.0, 3, reframe={"layout": "single", "crop": crop})
    timeline = build.build(source(25.0), [cut], name="one")
    back = otio.adapters.read_from_string(formats.write(timeline, formats.FORMATS["otio"]), "otio_json")
    meta = back.tracks[0][0].metadata["clipstream"]
    assert meta["reframe"]["crop"]["panels"][0][0]["x"] == 656
    assert (meta["clip_id"], meta["rank"], meta["score"], meta["reason"]) == ("c9", 3, 70.0, "R")


# FCP7 XML: the elements Premiere Pro and DaVinci Resolve read, as the FCP adapter's documentation
# and its test fixtures (premiere_example.xml, sample_just_track.xml) lay a sequence out.
FCP7_REQUIRED = {
    "root is xmeml version 4": "/xmeml[@version='4']",
    "sequence name": "./project/children/sequence/name",
    "sequence duration in frames": "./project/children/sequence/duration",
    "sequence rate timebase": "./project/children/sequence/rate/timebase",
    "sequence rate ntsc flag": "./project/children/sequence/rate/ntsc",
    "sequence frame size": "./project/children/sequence/media/video/format/samplecharacteristics/width",
    "sequence timecode": "./project/children/sequence/timecode/displayformat",
    "video track": "./project/children/sequence/media/video/track/clipitem",
    "audio track": "./project/children/sequence/media/audio/track/clipitem",
    "clipitem name": ".//video/track/clipitem/name",
    "clipitem start (record in)": ".//video/track/clipitem/start",
    "clipitem end (record out)": ".//video/track/clipitem/end",
    "clipitem in (source in)": ".//video/track/clipitem/in",
    "clipitem out (source out)": ".//video/track/clipitem/out",
    "clipitem rate": ".//video/track/clipitem/rate/timebase",
    "file with an id": ".//video/track/clipitem/file[@id]",
    "file pathurl": ".//file/pathurl",
    "file name": ".//file/name",
    "file duration": ".//file/duration",
    "file rate": ".//file/rate/timebase",
    "file timecode": ".//file/timecode/string",
    "file media kinds": ".//file/media/video",
    "marker name": ".//clipitem/marker/name",
    "marker in": ".//clipitem/marker/in",
    "marker out": ".//clipitem/marker/out",
    "marker comment (the reason)": ".//clipitem/marker/comment",
}


@pytest.fixture(scope="module")
def fcp7_xml() -> ElementTree.Element:
    text, _, _ = export(29.97, "fcp7")
    assert text.startswith("<?xml")
    return ElementTree.fromstring(text)


@pytest.mark.parametrize("path", list(FCP7_REQUIRED.values()), ids=list(FCP7_REQUIRED))
def test_fcp7_xml_has_what_premiere_and_resolve_need(fcp7_xml, path):
    if path.startswith("/xmeml"):
        assert fcp7_xml.tag == "xmeml" and fcp7_xml.get("version") == "4"
        return
    found = fcp7_xml.findall(path)
    assert found, f"missing {path}"
    # a leaf says something; <video/> and <audio/> under a file are flags, <file id=.../> a reference
    assert all(len(e) or (e.text or "").strip() or e.attrib or e.tag in ("video", "audio") for e in found), path


def test_fcp7_audio_clipitems_reference_the_video_clipitems_file(fcp7_xml):
    files = {f.get("id") for f in fcp7_xml.iterfind(".//clipitem/file")}
    assert len(files) == 1  # one source, described once and referenced after


def test_unknown_format_names_the_known_ones():
    with pytest.raises(TimelineError, match="otio, fcp7, fcpxml, edl, kdenlive"):
        formats.format_of("aaf")


def handoff_doc(**over) -> dict:
    doc = {"schema": SCHEMA, "version": 1, "source": {"file": "talk.mp4", "width": 1280, "height": 720, "fps": 29.97},
           "clip": {"in": 61.2, "out": 92.7, "duration": 31.5}, "layout": "single", "framing": None,
           "crop": {"panels": [[{"t": 0.0, "x": 1, "y": 0, "w": 405, "h": 720}]]},
           "output": {"aspect": "9:16"}, "captions": {"cues": [{"start": 0.3, "end": 1.8, "text": "So here's"}]}}
    return {**doc, **over}


def test_a_cut_is_read_from_the_hand_off_with_its_captions_in_source_time():
    (cut,) = cuts.cuts_of(handoff_doc(), clip_id="c1", title="T", reason="R", score=80.04, rank=1)
    assert (cut.start, cut.end, cut.score) == (61.2, 92.7, 80.0)
    assert cut.captions == (Caption("So here's", 61.5, 63.0),)
    assert cut.reframe["crop"]["panels"][0][0]["w"] == 405
    src = cuts.source_of(handoff_doc(), name="talk.mp4", url="media/talk.mp4", duration=600.0)
    assert (src.fps, src.width, src.height, src.has_video) == (29.97, 1280, 720, True)


def test_a_trimmed_clip_is_a_cut_per_kept_stretch_so_each_jump_cut_shows():
    doc = handoff_doc(
        trim={"kept": [[61.2, 70.0], [72.0, 80.0], [81.0, 92.7]], "removed_seconds": 3.0},
        crop={"panels": [[{"t": 0.0, "x": 1, "y": 0, "w": 405, "h": 720}, {"t": 10.0, "x": 300, "y": 0, "w": 405, "h": 720}]]},
        captions={"cues": [{"start": 0.3, "end": 1.8, "text": "So here's"}, {"start": 9.0, "end": 10.5, "text": "after"},
                           {"start": 17.2, "end": 18.0, "text": "last"}]},
    )
    pieces = cuts.cuts_of(doc, clip_id="c1", title="T", reason="R", score=80.0, rank=1)
    assert [(c.start, c.end, c.piece) for c in pieces] == [(61.2, 70.0, 0), (72.0, 80.0, 1), (81.0, 92.7, 2)]
    # clip time 9.0 is 0.2 s into the second stretch (which starts at clip time 8.8): source 72.2
    assert [c.captions for c in pieces] == [(Caption("So here's", 61.5, 63.0),), (Caption("after", 72.2, 73.7),),
                                           (Caption("last", 81.4, 82.2),)]
    # the crop in each stretch's own time: the second starts with the first key's box, then the
    # key at clip time 10.0 falls 1.2 s in
    assert [k["t"] for k in pieces[1].reframe["crop"]["panels"][0]] == [0.0, 1.2]
    assert pieces[2].reframe["crop"]["panels"][0][0]["x"] == 300
    source = cuts.source_of(doc, name="talk.mp4", url="media/talk.mp4", duration=600.0)
    timeline = build.build(source, pieces, name="c1")
    track = timeline.tracks[0]
    assert len(track) == 3
    assert sum(c.source_range.duration.to_seconds() for c in track) == pytest.approx(8.8 + 8.0 + 11.7, abs=0.1)
    titles = [m for c in track for m in c.markers if m.metadata["clipstream"]["kind"] == "title"]
    assert len(titles) == 1


def test_an_audio_only_hand_off_gives_a_source_without_video():
    src = cuts.source_of(handoff_doc(layout="audio"), name="talk.wav", url="media/talk.wav", duration=6.0)
    assert not src.has_video and src.fps is None and build.rate_of(src) == build.AUDIO_RATE


@pytest.mark.parametrize("doc", [{"schema": "clipstream.handoff/2"}, {}, []])
def test_a_hand_off_of_another_version_is_a_timeline_error(doc):
    with pytest.raises(TimelineError, match="render the clip again"):
        cuts.cuts_of(doc, clip_id="c1", title="", reason="", score=None, rank=None)


@pytest.mark.parametrize("name, safe", [("My Talk (final).mp4", "My_Talk_final_.mp4"), ("../../etc/passwd", "passwd"),
                                        ("C:\\Users\\x\\clip.mov", "clip.mov"), ("...", "source"), ("", "source")])
def test_bundled_file_names_are_plain(name, safe):
    assert bundle.safe_name(name) == safe


def test_media_is_found_beside_the_timeline_or_under_the_folder_given():
    assert bundle.media_url("talk.mp4") == "media/talk.mp4"
    assert bundle.media_url("talk.mp4", "/home/me/export") == "file:///home/me/export/media/talk.mp4"
    assert bundle.media_url("talk.mp4", "C:\\Export") == "file:///C:/Export/media/talk.mp4"
    with pytest.raises(TimelineError, match="absolute"):
        bundle.media_url("talk.mp4", "relative/dir")


class Unseekable(io.RawIOBase):
    """A pipe: write-only, no position."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.data += bytes(b)
        return len(b)


def test_a_bundle_streams_into_a_pipe_and_unpacks_with_its_timeline_first(tmp_path):
    pipe = Unseekable()
    media = b"\x00\x01" * 100_000
    members = [bundle.Member("media/talk.mp4", lambda: io.BytesIO(media)),
               bundle.Member("captions/c1.srt", lambda: io.BytesIO(b"1\n00:00:00,000 --> 00:00:01,000\nHi\n"),
                             compress=True)]
    bundle.write_bundle(pipe, "talk.xml", "<xmeml/>", members)
    archive = tmp_path / "b.zip"
    archive.write_bytes(bytes(pipe.data))
    names = bundle.unpack(archive, tmp_path / "out")
    assert names == ["talk.xml", "media/talk.mp4", "captions/c1.srt"]
    assert (tmp_path / "out/media/talk.mp4").read_bytes() == media
    assert (tmp_path / "out/talk.xml").read_text() == "<xmeml/>"


def test_unpacking_refuses_a_member_outside_the_folder(tmp_path):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../escaped.txt", "x")
    with pytest.raises(TimelineError, match="outside"):
        bundle.unpack(archive, tmp_path / "out")
    assert not (tmp_path / "escaped.txt").exists()


def test_an_edl_names_its_reel_by_the_uploaded_file_even_when_the_media_is_a_signed_link():
    linked = Source("Keynote 2026.mp4", "https://clips.example/v1/videos/v1/source?token=t.k.1.sig", 600.0, 25.0,
                    1920, 1080)
    fmt = formats.FORMATS["edl"]
    text = formats.write(build.build(linked, CUTS, name="talk", markers=fmt.markers), fmt)
    events = [line for line in text.splitlines() if re.match(r"^\d{3}\s", line)]
    assert events and all(line.split()[1] == "Keynote2" for line in events), events
    assert "token" not in "".join(line for line in text.splitlines() if "REEL NAME" in line)
    assert build.reel_name("talk.mp4") == "talk" and build.reel_name("基調講演.mp4") == "AX"
    assert build.reel_name("my-long_talk (final).mov") == "mylongta"


def test_an_audio_only_clips_cover_art_fills_a_video_track_in_the_formats_that_carry_it():
    """The cover art a bundle holds lies under every cut at the picture's size, each still taken
    from its first frame (MLT draws an image entry that starts later as a blank frame); the cuts
    of the audio keep their source times and the markers. The EDL stays audio only (reels only)."""
    art = {"file": "c1.cover.png", "width": 600, "height": 600}
    doc = handoff_doc(layout="audio", audiogram={"bars": None, "cover": None, "background": "cover", "art": art})
    assert cuts.cover_of(doc) == art and cuts.cover_of(handoff_doc(layout="audio")) is None
    given = cuts.Cover("ep.cover.png", "media/ep.cover.png", 600, 600)
    src = cuts.source_of(doc, name="ep.mp3", url="media/ep.mp3", duration=600.0, has_video=False, cover=given)
    assert src.cover == given and not src.has_video
    assert cuts.source_of(doc, name="ep.mp3", url="media/ep.mp3", duration=600.0).cover is None  # not given: none
    video = cuts.source_of(handoff_doc(), name="talk.mp4", url="media/talk.mp4", duration=600.0, cover=given)
    assert video.has_video and video.cover is None  # a video's timeline draws the source itself
    rate = build.AUDIO_RATE
    for name, fmt in formats.FORMATS.items():
        timeline = build.build(src, CUTS, name="ep", markers=fmt.markers, reframe=fmt.reframe, cover=fmt.cover)
        back = formats.read(formats.write(timeline, fmt), fmt, rate)
        kinds = [t.kind for t in back.tracks]
        if not fmt.cover:
            assert kinds == [otio.schema.TrackKind.Audio], name
            continue
        assert kinds == [otio.schema.TrackKind.Video, otio.schema.TrackKind.Audio], name
        video, audio = back.tracks
        assert [(c.source_range.start_time.to_frames(), c.source_range.duration.to_frames()) for c in video] == [
            (0, last - first) for first, last in expected_cuts(rate)], name
        assert [(c.source_range.start_time.to_frames(), c.source_range.end_time_exclusive().to_frames())
                for c in audio] == expected_cuts(rate), name
        assert all(c.media_reference.target_url.endswith("ep.cover.png") for c in video), name
    timeline = build.build(src, CUTS, name="ep", cover=True)
    assert timeline.metadata["clipstream"]["frame"]["width"] == 600
    assert [len(c.markers) for c in timeline.tracks[1]] == [3, 2] and not any(c.markers for c in timeline.tracks[0])
    plain = build.build(src, CUTS, name="ep")  # a format that does not carry it
    assert [t.kind for t in plain.tracks] == [otio.schema.TrackKind.Audio]
