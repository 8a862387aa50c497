"""Looking at a chunk's picture for the moments, without Triton: which faces count, and the one
decode pass (frames due for detection about once a second, scene cuts on the real GRID montage)."""

from __future__ import annotations

import pytest

from streams.errors import MediaError, NotMedia
from streams.media.onscreen import Glance, GlanceOptions, count_faces
from streams.media.reframe.observations import Box, Face
from streams.media.reframe.scenes import detect_cuts

MONTAGE = "derived/grid_montage_10clips_30s.mp4"


def face(height: float, score: float = 0.9) -> Face:
    return Face(Box(100, 100, 100 + height * 0.8, 100 + height), score)


def test_a_face_counts_when_the_tracker_would_keep_it():
    # 720 px frame: the tracker keeps faces at least 3 % (21.6 px) tall with confidence >= 0.5.
    assert count_faces([face(120), face(60)], 720) == 2
    assert count_faces([face(120), face(15)], 720) == 1  # a face in the crowd, too small to frame
    assert count_faces([face(120, score=0.3)], 720) == 0
    assert count_faces([], 720) == 0


def test_options_need_a_positive_rate():
    with pytest.raises(ValueError):
        GlanceOptions(fps=0)


def _drain(glance: Glance) -> list[float]:
    times = []
    while batch := glance.next_batch():
        assert len(batch) <= 8
        times += [p.t for p in batch]
    return times


@pytest.mark.parametrize("skip_nonref", [True, False])
def test_one_pass_samples_a_frame_a_second_and_finds_the_montage_cuts(media_dir, skip_nonref):
    path = media_dir / MONTAGE
    rows = (media_dir / "derived/grid_montage_10clips_30s.segments.tsv").read_text().splitlines()[1:]
    truth = [float(row.split("\t")[0]) for row in rows][1:]
    with Glance(path, 0.0, 30.0, GlanceOptions(fps=1.0, skip_nonref=skip_nonref)) as glance:
        times = _drain(glance)
        cuts = glance.cut_times()
    assert len(times) == 30 and times[0] == 0.0
    assert all(0.9 <= b - a <= 1.1 for a, b in zip(times, times[1:]))
    # A cut may be found a frame or two late when B-frames are skipped; never early, never made up.
    assert len(cuts) == len(truth), (cuts, truth)
    assert all(0 <= c - t <= (0.09 if skip_nonref else 0.01) for c, t in zip(cuts, truth)), (cuts, truth)
    if not skip_nonref:
        assert list(cuts) == detect_cuts(path)


def test_a_stretch_keeps_only_its_own_frames_and_cuts(media_dir):
    with Glance(media_dir / MONTAGE, 7.5, 16.5) as glance:
        times = _drain(glance)
        cuts = glance.cut_times()
    assert times[0] == pytest.approx(7.5, abs=0.05) and times[-1] < 16.5 and len(times) == 9
    assert [round(c) for c in cuts] == [9, 12, 15]


def test_detection_frames_are_shrunk_rgb(tmp_path, media_dir):
    with Glance(media_dir / MONTAGE, 0.0, 2.0, GlanceOptions(detect_width=180)) as glance:
        batch = glance.next_batch()
        assert glance.scale == pytest.approx((0.5, 0.5))
    # full frames (for the closer looks at small faces) are the source's own 360x288: it is
    # narrower than FULL_WIDTH
    assert [p.small.shape for p in batch] == [(144, 180, 3)] * 2
    assert [p.full.shape for p in batch] == [(288, 360, 3)] * 2


def test_a_glance_without_full_frames_hands_out_none(media_dir):
    with Glance(media_dir / MONTAGE, 0.0, 2.0, GlanceOptions(detect_width=180, full_width=0)) as glance:
        batch = glance.next_batch()
    assert batch and all(p.full is None for p in batch)


def test_audio_and_unreadable_files_raise_media_errors(media_dir, tmp_path):
    with pytest.raises(MediaError, match="no video"):
        Glance(media_dir / "speech/jfk.wav", 0.0, 10.0)
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n" * 100)
    with pytest.raises(NotMedia, match="notes.mp4"):
        Glance(text, 0.0, 10.0)
