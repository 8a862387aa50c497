"""What the reframer sees, on real talking faces with known ground truth: scene cuts on a GRID
montage, a moving face through the Triton face models, and whose mouth works on a two-speaker
frame."""

from __future__ import annotations

import numpy as np
import pytest

from streams.adapters.triton import TritonClient
from streams.media.reframe.sampling import SamplingOptions, read_loudness, sample_faces
from streams.media.reframe.scenes import detect_cuts
from streams.vision.face_models import InProcessFaceModels
from tests import media_recipes

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FRAME = 1 / 25


@pytest.fixture(scope="module")
def montage(media_dir, tmp_path_factory):
    return media_recipes.grid_montage(media_dir, tmp_path_factory.mktemp("montage"))


@pytest.fixture(scope="module")
def moving(media_dir, tmp_path_factory):
    return media_recipes.moving_face(media_dir, tmp_path_factory.mktemp("moving"))


@pytest.fixture(scope="module")
def two(media_dir, tmp_path_factory):
    return media_recipes.two_speakers(media_dir, tmp_path_factory.mktemp("two"))


def test_montage_cuts_are_found_on_the_frame_and_nothing_else(montage):
    path, truth = montage
    cuts = detect_cuts(path)
    assert len(cuts) == len(truth), (cuts, truth)
    for found, true in zip(cuts, truth):
        assert abs(found - true) < FRAME, (found, true)


def test_cuts_between_lookalike_studio_shots_are_found(media_dir):
    """The shared 360x288 montage: ten GRID speakers before the same blue wall, several of them
    alike enough that a fixed content threshold misses the cut (PySceneDetect's default does)."""
    montage = media_dir / "derived/grid_montage_10clips_30s.mp4"
    rows = (media_dir / "derived/grid_montage_10clips_30s.segments.tsv").read_text().splitlines()[1:]
    truth = [float(row.split("\t")[0]) for row in rows][1:]
    cuts = detect_cuts(montage)
    assert len(cuts) == len(truth) and all(abs(c - t) < FRAME for c, t in zip(cuts, truth)), (cuts, truth)


def test_cuts_in_a_range_are_only_those_inside_it(montage):
    path, truth = montage
    cuts = detect_cuts(path, start=4.5, end=13.0)
    assert [round(c * 25) for c in cuts] == [round(t * 25) for t in truth if 4.5 < t < 13.0]


def test_moving_face_and_two_speakers_have_no_cuts(moving, two):
    assert detect_cuts(moving[0]) == []
    assert detect_cuts(two[0]) == []


async def test_moving_face_is_found_once_per_frame_where_it_really_is(stack, moving):
    path, track = moving
    client = TritonClient(stack.triton_grpc_url)
    try:
        frames = await sample_faces(client, path, start=1.0, end=11.0)
    finally:
        await client.close()
    assert 70 <= len(frames) <= 90  # ~8 fps over 10 s
    times = [f.t for f in frames]
    assert times == sorted(times) and 1.0 <= times[0] < 1.0 + 2 * FRAME and times[-1] < 11.0
    one = [f for f in frames if len(f.faces) == 1]
    assert len(one) >= 0.98 * len(frames)
    where = {round(t * 25): (x, y) for t, x, y in track}
    offsets = []
    for f in one:
        x, y = where[round(f.t * 25)]
        face = f.faces[0]
        # the face lies inside the pasted 360x288 clip...
        assert x <= face.box.cx <= x + 360 and y <= face.box.cy <= y + 288, (f.t, face.box, x, y)
        offsets.append((face.box.cx - x, face.box.cy - y))
        assert face.mouth_open is not None and 0 <= face.mouth_open < 0.5
    # ...and moves with it: after the clip's own (per speaker) offset, it strays little
    offsets = np.array(offsets)
    stray = np.abs(offsets - np.median(offsets, axis=0))
    assert np.percentile(stray, 95) < 30 and stray.max() < 60, stray.max(axis=0)


async def test_the_media_code_finds_the_same_faces_with_the_models_in_process(stack, moving):
    """``streams.media`` calls the face models it is handed: Triton's in the pipeline, the same
    weights in process elsewhere. Both give the same faces and mouths, frame by frame."""
    path, _ = moving
    client = TritonClient(stack.triton_grpc_url)
    try:
        served = await sample_faces(client, path, start=1.0, end=4.0)
    finally:
        await client.close()
    local = await sample_faces(InProcessFaceModels(), path, start=1.0, end=4.0)
    assert [f.t for f in local] == [f.t for f in served] and len(served) >= 20
    for mine, theirs in zip(local, served):
        assert len(mine.faces) == len(theirs.faces) >= 1
        for a, b in zip(mine.faces, theirs.faces):
            assert abs(a.box.cx - b.box.cx) < 1 and abs(a.box.cy - b.box.cy) < 1 and abs(a.score - b.score) < 0.01
            assert a.mouth_open is not None and abs(a.mouth_open - b.mouth_open) < 0.01


async def test_the_speaking_face_moves_its_mouth_more_than_the_silent_one(stack, two):
    path, timeline, regions = two
    client = TritonClient(stack.triton_grpc_url)
    try:
        frames = await sample_faces(client, path, options=SamplingOptions(mouths="several"))
    finally:
        await client.close()
    assert sum(len(f.faces) == 2 for f in frames) >= 0.98 * len(frames)

    def side(face) -> str | None:
        for name, (x0, y0, x1, y1) in regions.items():
            if x0 <= face.box.cx <= x1 and y0 <= face.box.cy <= y1:
                return name
        return None

    louder = 0
    for start, end, speaker in timeline:
        opening = {"left": [], "right": []}
        for f in frames:
            if start <= f.t < end:
                for face in f.faces:
                    assert face.mouth_open is not None
                    opening[side(face)].append(face.mouth_open)
        silent = "right" if speaker == "left" else "left"
        louder += np.std(opening[speaker]) > 2 * np.std(opening[silent])
    assert louder >= len(timeline) - 1


def test_loudness_follows_the_clip_audio(two):
    path, timeline, _ = two
    loudness = read_loudness(path, start=1.0, end=11.0)
    assert loudness.hop_seconds == 0.04 and loudness.start == 1.0
    assert len(loudness.values) == 250
    values = np.array(loudness.values)
    assert 0 < values.max() <= 1.0
    # each turn's clip begins with a silence before the words: the start of a turn is quieter
    quiet = loudness.at([6.05])[0]
    assert quiet < 0.2 * np.percentile(values, 95)


async def test_a_glance_for_the_moments_counts_faces_and_finds_cuts(stack, montage, two, media_dir):
    """The cheap look the moments get at each chunk: a frame a second through the real detector,
    one face on every montage frame and two on the two-speaker frame; montage cuts found (a frame
    or two late at most, B-frames being skipped); an audio file has no picture to look at."""
    from streams.errors import MediaError
    from streams.media.onscreen import look

    path, truth = montage
    client = TritonClient(stack.triton_grpc_url)
    try:
        seen = await look(client, path, 0.0, 24.0)
        pair = await look(client, two[0], 0.0, 6.0)
        with pytest.raises(MediaError, match="no video"):
            await look(client, media_dir / "speech/jfk.wav", 0.0, 11.0)
    finally:
        await client.close()
    assert len(seen.faces) == 24 and all(n == 1 for _, n in seen.faces), seen.faces
    assert [t for t, _ in seen.faces] == pytest.approx(list(range(24)), abs=3 * FRAME)  # the next decoded frame
    assert len(seen.cuts) == len(truth) and all(0 <= c - t <= 3 * FRAME for c, t in zip(seen.cuts, truth))
    assert len(pair.faces) == 6 and all(n == 2 for _, n in pair.faces) and pair.cuts == ()
