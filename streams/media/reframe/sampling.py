"""What the reframer sees: faces on frames sampled from a stretch of video, and its loudness.

Frames of ``[start, end]`` are decoded in the media sandbox (``sandbox_look``: one pass of
``onscreen.Glance`` that also finds the scene cuts; the next batch decodes while the face models work
on this one), sampled at ``SamplingOptions.fps``, shrunk to at most ``detect_width`` pixels wide
(BlazeFace looks at 192x192 anyway, and smaller frames travel faster) and sent to
``face_detector`` in batches: the whole look. Faces too small for it are searched for and followed
in square crops of the full frame (``reframe.finder`` decides which, ``vision.tiles`` cuts them).
Faces come back in the pixels of what the model saw and are mapped to source pixels here.
Where mouths are measured, each face is cut out of the full frame (at most
``FULL_WIDTH`` wide; upright, eyes level) and sent to ``face_landmarks``; ``mouth_open`` is the
inner-lip gap over the distance between the outer eye corners
(``streams.vision.landmarks.mouth_opening``), which does not change with the face's size.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from streams.media.reframe.finder import ACQUIRE_SCORE, REFRAME, FaceFinder, merge
from streams.media.reframe.glance import FULL_WIDTH, MAX_SIDE, GlanceOptions
from streams.media.reframe.loudness import LOUDNESS_HOP, read_loudness, rms_series
from streams.media.reframe.observations import Box, Face, FrameFaces, Loudness
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.look import Look, Picture, open_look, pictures
from streams.media.sandbox.reading import read_source
from streams.vision.face_models import Detections, FaceModels
from streams.vision.tiles import Crop, cut

if TYPE_CHECKING:
    from streams.media.reframe.scenes import SceneOptions

__all__ = [
    "MAX_BATCH",
    "MAX_SIDE",
    "FULL_WIDTH",
    "Picture",
    "SamplingOptions",
    "SampleClock",
    "Observed",
    "detection_size",
    "faces_from_detections",
    "rms_series",
    "observe",
    "sample_faces",
    "detect_faces",
    "detect_in_crops",
    "find_faces",
    "read_loudness",
]

MAX_BATCH = 8  # frames per whole-look request, and face_landmarks' max_batch_size


@dataclass(frozen=True)
class SamplingOptions:
    """How frames are sampled and which faces get their mouth measured.

    Attributes:
        fps: frames looked at per second of video (at most the video's own rate).
        batch_size: frames per ``face_detector`` request (1 to 8).
        detect_width: frames wider than this are shrunk to it (aspect kept) before detection.
        mouths: ``"always"`` measures every face's mouth (cheap: one 192x192 crop per face,
            batched; it gives each track a steady resting opening), ``"several"`` only on frames
            with more than one face (where it decides who speaks), ``"never"`` on none.
        small_faces: search for and follow faces too small for the whole look (``reframe.finder``);
            False: the whole look alone (what benchmarks compare against).
    """

    fps: float = 8.0
    batch_size: int = 8
    detect_width: int = 640
    mouths: Literal["always", "several", "never"] = "always"
    small_faces: bool = True

    def __post_init__(self) -> None:
        if not self.fps > 0:
            raise ValueError(f"fps must be positive, got {self.fps}")
        if not 1 <= self.batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be 1 to {MAX_BATCH}, got {self.batch_size}")
        if self.mouths not in ("always", "several", "never"):
            raise ValueError(f"mouths must be always, several or never, got {self.mouths!r}")


# --- pure helpers -------------------------------------------------------------------------------


class SampleClock:
    """Picks frames from a decoded sequence so that about ``fps`` are kept per second: a frame is
    kept when it is the first at or after the next due time (half a frame early counts), and the
    due time then moves on by ``1/fps`` from where it was, so the kept rate does not drift."""

    def __init__(self, start: float, fps: float, frame_interval: float) -> None:
        self.due = start
        self.step = 1.0 / fps
        self.slack = frame_interval / 2

    def take(self, t: float) -> bool:
        if t < self.due - self.slack:
            return False
        while self.due <= t + self.slack:
            self.due += self.step
        return True


def detection_size(width: int, height: int, detect_width: int) -> tuple[int, int]:
    """The size a ``width`` x ``height`` frame is shrunk to for detection (even sides, aspect
    kept; frames already narrow enough keep their size)."""
    if width <= detect_width:
        return width, height
    scale = detect_width / width
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


def faces_from_detections(
    boxes: np.ndarray,
    scores: np.ndarray,
    keypoints: np.ndarray,
    count: int,
    scale_x: float,
    scale_y: float,
    source_size: tuple[int, int],
    offset: tuple[float, float] = (0.0, 0.0),
    min_score: float = ACQUIRE_SCORE,
) -> list[Face]:
    """One picture's ``face_detector`` outputs (boxes ``(8, 4)``, scores ``(8,)``, keypoints
    ``(8, 6, 2)`` in the pixels of the picture it saw, ``count`` valid rows) → faces in source
    pixels, where a source pixel is ``scale_x`` x ``scale_y`` detection pixels and the picture's
    top-left corner is source pixel ``offset`` (a crop's corner; the whole frame's is 0, 0).
    Faces below ``min_score`` are left out (the server answers down to the lowest bar any look
    keeps, ``finder.KEEP_SCORE``). Boxes are clipped to the source frame; a face with nothing
    left inside it is dropped."""
    width, height = source_size
    ox, oy = offset
    faces = []
    for i in range(min(int(count), len(scores))):
        if scores[i] < min_score:
            continue
        x0, y0, x1, y1 = (float(v) for v in boxes[i])
        box = Box(
            min(max(x0 / scale_x + ox, 0.0), width),
            min(max(y0 / scale_y + oy, 0.0), height),
            min(max(x1 / scale_x + ox, 0.0), width),
            min(max(y1 / scale_y + oy, 0.0), height),
        )
        if box.width <= 0 or box.height <= 0:
            continue
        points = tuple((float(x) / scale_x + ox, float(y) / scale_y + oy) for x, y in keypoints[i])
        faces.append(Face(box=box, score=float(scores[i]), keypoints=points))
    return faces


# --- decoding -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Observed:
    """What one look at a stretch of video gives the reframer (``observe``); ``change``: the
    largest share of its picture that differed from its first frame (``stillness.Change``)."""

    faces: list[FrameFaces]
    cuts: list[float]
    loudness: Loudness | None
    change: float = 0.0


# --- the face models (a FaceModels: Triton in the pipeline) ------------------------------------


def glance_options(options: SamplingOptions, scene: SceneOptions | None = None) -> GlanceOptions:
    """The sandbox's decode for reframing: every frame (no skipping: cuts on their exact frame),
    deblocked, and full frames too (small faces are searched for and mouths measured on them)."""
    from streams.media.reframe.scenes import SceneOptions

    return GlanceOptions(
        fps=options.fps,
        detect_width=options.detect_width,
        skip_nonref=False,
        scene=scene or SceneOptions(),
        deblock=True,
        full_width=FULL_WIDTH,
    )


async def observe(
    models: FaceModels,
    path: Path | str,
    start: float,
    end: float,
    options: SamplingOptions = SamplingOptions(),
    *,
    loudness: tuple[float, float] | None = None,
    display_name: str | None = None,
    sandbox: SandboxLimits = SandboxLimits(),
) -> Observed:
    """What the reframer needs of ``[start, end)`` of ``path``, from one confined decode (the media
    sandbox): faces on frames sampled at ``options.fps`` (boxes and keypoints in source pixels,
    times in source seconds, in time order), the scene cuts, how much the picture changed, and the
    speech loudness of the ``loudness`` stretch (None when not asked for, or the video has no sound).

    Raises ``MediaError`` when the video cannot be read, ``SandboxUnavailable``, and
    ``InferenceError`` when the face models fail."""
    seen = await open_look(
        path,
        start,
        end,
        glance_options(options),
        loudness=(*loudness, LOUDNESS_HOP) if loudness else None,
        display_name=display_name,
        sandbox=sandbox,
    )
    found: list[FrameFaces] = []
    finder = FaceFinder(seen.width, seen.height, REFRAME) if options.small_faces else None
    async with aclosing(pictures(seen, options.batch_size)) as batches:
        async for batch in batches:
            found += await _faces_in_batch(models, seen, batch, options, finder)
    result = seen.result
    assert result is not None  # pictures() ends once next_batch has read the result
    return Observed(found, list(result.cuts), result.loudness, result.change)


async def sample_faces(
    models: FaceModels,
    path: Path | str,
    start: float = 0.0,
    end: float | None = None,
    options: SamplingOptions = SamplingOptions(),
) -> list[FrameFaces]:
    """Faces on frames of ``[start, end)`` of ``path`` (``end`` None: to the end) sampled at
    ``options.fps``: ``observe``'s faces alone."""
    if end is None:
        end = (await asyncio.to_thread(read_source, Path(path))).duration or 0.0
    return (await observe(models, path, start, end, options)).faces


async def detect_faces(
    models: FaceModels, images: np.ndarray, scale: tuple[float, float], source_size: tuple[int, int]
) -> list[list[Face]]:
    """The faces ``face_detector`` finds on each of ``images`` (``(n, h, w, 3)`` RGB, n at most
    ``MAX_BATCH``, shrunk from source frames by ``scale`` detection pixels per source pixel), in
    source pixels. Raises ``InferenceError`` when the face models fail."""
    boxes, scores, keypoints, counts = await models.detect_faces(images)
    sx, sy = scale
    return [
        faces_from_detections(boxes[i], scores[i], keypoints[i], int(counts[i].reshape(-1)[0]), sx, sy, source_size)
        for i in range(len(images))
    ]


async def detect_in_crops(
    models: FaceModels, images: np.ndarray, crops: list[Crop], source_size: tuple[int, int]
) -> list[Face]:
    """The faces ``face_detector`` finds in ``images``, the ``crops`` of one frame resized to the
    model's input (``tiles.cut``), in source pixels. The crops go in requests of at most
    ``CROP_BATCH`` (one, for a search of a 16:9 frame and a followed face), sent together. A face
    touching a crop's edge inside the frame is left out: it is cut off there, and lies whole in a
    neighbouring tile (or in the whole look). Raises ``InferenceError`` when the face models fail."""
    chunks = [images[i : i + CROP_BATCH] for i in range(0, len(images), CROP_BATCH)]
    answers: list[Detections] = await asyncio.gather(*(models.detect_faces(chunk) for chunk in chunks))
    boxes, scores, keypoints, counts = (np.concatenate(column) for column in zip(*answers))
    faces: list[Face] = []
    for i, crop in enumerate(crops):
        found = faces_from_detections(
            boxes[i],
            scores[i],
            keypoints[i],
            int(counts[i].reshape(-1)[0]),
            crop.scale,
            crop.scale,
            source_size,
            offset=(crop.x, crop.y),
            min_score=ACQUIRE_SCORE if crop.min_score is None else crop.min_score,
        )
        faces += [face for face in found if not _cut_off(face.box, crop, source_size)]
    return faces


def _cut_off(box: Box, crop: Crop, source_size: tuple[int, int]) -> bool:
    """Whether ``box`` reaches within ``EDGE_MARGIN`` of an edge of ``crop`` that lies inside the
    frame (where the face goes on beyond what the crop shows)."""
    width, height = source_size
    margin = EDGE_MARGIN * crop.side
    right, bottom = crop.x + crop.side, crop.y + crop.side
    return (
        (crop.x > 0.5 and box.x0 < crop.x + margin)
        or (crop.y > 0.5 and box.y0 < crop.y + margin)
        or (right < width - 0.5 and box.x1 > right - margin)
        or (bottom < height - 0.5 and box.y1 > bottom - margin)
    )


CROP_BATCH = 16  # crops per face_detector request (its max_batch_size)
EDGE_MARGIN = 0.01  # of a crop's side: a face box this close to an inner edge is cut off


async def find_faces(
    models: FaceModels, seen: Look, batch: list[Picture], finder: FaceFinder | None
) -> list[list[Face]]:
    """The faces on each picture of ``batch`` (in time order): the whole look at every picture in
    one request, then the closer looks ``finder`` asks for (None: none), picture by picture (each
    picture's crops in one request), cut from the full frame when the pictures carry one. Raises
    ``InferenceError`` when the face models fail."""
    size = (seen.width, seen.height)
    whole = await detect_faces(models, np.stack([p.small for p in batch]), seen.scale, size)
    if finder is None:
        return whole
    found = []
    for picture, faces in zip(batch, whole):
        crops = finder.crops(picture.t, faces)
        if crops:
            image, scale = (picture.full, seen.full_scale) if picture.full is not None else (picture.small, seen.scale)
            images = await asyncio.to_thread(cut, image, crops, scale)
            faces = merge(faces, await detect_in_crops(models, images, crops, size))
        found.append(finder.update(picture.t, faces))
    return found


async def _faces_in_batch(
    models: FaceModels, seen: Look, batch: list[Picture], options: SamplingOptions, finder: FaceFinder | None
) -> list[FrameFaces]:
    per_frame = await find_faces(models, seen, batch, finder)
    wanted = [
        (i, j)
        for i, faces in enumerate(per_frame)
        for j in range(len(faces))
        if options.mouths == "always" or (options.mouths == "several" and len(faces) > 1)
    ]
    if wanted:
        openings = await _mouth_openings(models, [(batch[i], per_frame[i][j]) for i, j in wanted], seen.full_scale)
        for (i, j), opening in zip(wanted, openings):
            face = per_frame[i][j]
            per_frame[i][j] = Face(face.box, face.score, face.keypoints, opening)
    return [FrameFaces(p.t, tuple(faces)) for p, faces in zip(batch, per_frame)]


async def _mouth_openings(
    models: FaceModels, faces: list[tuple[Picture, Face]], scale: tuple[float, float]
) -> list[float | None]:
    """``mouth_open`` of each face (None where the landmark model sees no face in the crop);
    ``scale``: pixels of the pictures' full frames per source pixel."""
    from streams.vision.landmarks import mouth_opening

    crops = await asyncio.to_thread(_crops, faces, scale)
    openings: list[float | None] = []
    for first in range(0, len(crops), MAX_BATCH):
        landmarks, presence = await models.face_landmarks(crops[first : first + MAX_BATCH])
        openings += [mouth_opening(points) if p >= PRESENCE_MIN else None for points, p in zip(landmarks, presence)]
    return openings


PRESENCE_MIN = 0.5  # below this the landmark model says the crop holds no face


def _crops(faces: list[tuple[Picture, Face]], scale: tuple[float, float]) -> np.ndarray:
    """The landmark model's input for each face, cut from its picture's full frame (``scale``
    full-frame pixels per source pixel)."""
    from streams.vision.blazeface import Detection
    from streams.vision.landmarks import crop_from_detection, extract

    sx, sy = scale
    crops = []
    for picture, face in faces:
        if picture.full is None:
            raise ValueError("mouths are measured on full frames: sample with GlanceOptions.full_width")
        box = (face.box.x0 * sx, face.box.y0 * sy, face.box.x1 * sx, face.box.y1 * sy)
        points = np.asarray([(x * sx, y * sy) for x, y in face.keypoints], dtype=np.float32)
        crops.append(extract(picture.full, crop_from_detection(Detection(box, face.score, points))))
    return np.stack(crops)
