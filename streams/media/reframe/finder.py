"""Which closer looks each sampled frame gets, so that small faces are found without searching
every frame.

Every sampled frame is first seen whole (one squeezed look, as always). On top of that:

* a face that is too small for the whole look to be sure of (below ``close_faces`` times
  ``tiles.whole_frame_min_face``) is *followed*: each later frame gets one crop about where it
  is expected (last seen, moved on at the velocity of its last two sightings; ``tiles.around``),
  one model run per followed face;
* the frame is *searched* (``tiles.search_tiles``, 15 model runs on 16:9) to acquire faces: on
  the first frame, then every ``reacquire_every`` seconds while nothing is followed or a followed
  face was lost since the last search, and every ``search_every`` seconds otherwise (a second
  speaker may walk on);
* a frame whose whole look already shows a face big enough to frame (a close shot) is never
  searched: close shots cost what they always did.

A face is taken on at the detector's own confidence bar (``ACQUIRE_SCORE``) and, once followed,
kept at a lower one (``KEEP_SCORE``) in the crop about where it is expected: what the detector
says of a face turned aside or half hidden wavers around its bar from frame to frame (a face in
profile scores 0.5 to 0.8), and a track that is already there is evidence of its own.

``FaceFinder`` only decides; the caller runs the model on the crops it names and reports back the
faces it settled on with ``update``. ``merge`` adds the crops' faces to the whole look's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Sequence

from streams.media.reframe.observations import Box, Face
from streams.vision.tiles import ROI_FACES, Crop, around, search_tiles, whole_frame_min_face

ACQUIRE_SCORE = 0.6  # BlazeFace full range's own bar (MediaPipe's default): a face seen afresh
KEEP_SCORE = 0.45  # a followed face, found again in the crop about where it was expected


@dataclass(frozen=True)
class FinderRules:
    """Attributes:
    search_every: seconds between searches while a face is followed.
    reacquire_every: seconds between searches while none is (and no close face is seen).
    close_faces: a face at least this many times ``whole_frame_min_face`` tall is seen well
        by the whole look: it makes the frame a close shot and is not followed with a crop.
    acquire_score: the confidence a face needs to make a close shot or to be followed.
    keep_score: the confidence a followed face needs when found again in its own crop (the
        detector must answer down to it: ``face_detector``'s ``score_threshold``).
    max_candidates: the most faces scoring between the two bars looked at again on the next
        frame (the most confident first): one model run each.
    max_gap: seconds a followed face is looked for where it was last seen before it is
        given up (a search is run as soon as it is missed).
    roi_faces: the side of the crop about a followed face, in face heights: wide enough for
        where it can get to by the next sampled frame.
    """

    search_every: float = 2.0
    reacquire_every: float = 0.5
    close_faces: float = 1.5
    acquire_score: float = ACQUIRE_SCORE
    keep_score: float = KEEP_SCORE
    max_candidates: int = 4
    max_gap: float = 1.0
    roi_faces: float = ROI_FACES

    def __post_init__(self) -> None:
        if not (self.search_every > 0 and self.reacquire_every > 0 and self.max_gap >= 0):
            raise ValueError("search_every and reacquire_every must be positive, max_gap not negative")
        if not 0 <= self.keep_score <= self.acquire_score <= 1:
            raise ValueError("scores lie in [0, 1], and keep_score is at most acquire_score")


REFRAME = FinderRules()
# The moments' glance samples about one frame a second: a search costs as much as 15 of its
# frames, so it searches less often, keeps a face longer between looks and looks for it in a
# wider crop (a face 4 % of the height is still ~19 model pixels in it).
GLANCE = FinderRules(search_every=8.0, reacquire_every=4.0, max_gap=2.5, roi_faces=10.0)


@dataclass
class _Followed:
    box: Box
    seen: float
    vx: float = 0.0  # pixels per second, from its last two sightings
    vy: float = 0.0
    confirmed: bool = True  # False: a candidate, seen only below acquire_score so far

    def at(self, t: float) -> Box:
        """Where it is expected at ``t``: moved on at its last velocity."""
        dx, dy = self.vx * (t - self.seen), self.vy * (t - self.seen)
        b = self.box
        return Box(b.x0 + dx, b.y0 + dy, b.x1 + dx, b.y1 + dy)


class FaceFinder:
    """The closer looks for one run of sampled frames of a ``width`` x ``height`` source, in time
    order: ``crops(t, whole)`` then ``update(t, faces)`` for each frame."""

    def __init__(self, width: int, height: int, rules: FinderRules = REFRAME) -> None:
        self.width, self.height, self.rules = width, height, rules
        self.small_below = rules.close_faces * whole_frame_min_face(width, height)
        # the finder judges what its crops find itself (``update``): they answer down to keep_score
        self._tiles = [replace(tile, min_score=rules.keep_score) for tile in search_tiles(width, height)]
        self._followed: list[_Followed] = []
        self._last_search: float | None = None
        self._lost = False
        self.searches = 0

    def crops(self, t: float, whole: Sequence[Face]) -> list[Crop]:
        """The crops to look at on the frame at ``t``, given what its whole look found: one about
        each followed face, and the search tiles when a search is due."""
        rois = [replace(self._around(f.at(t)), min_score=self.rules.keep_score) for f in self._followed]
        if self._search_due(t, whole):
            self._last_search = t
            self._lost = False
            self.searches += 1
            return rois + self._tiles
        return rois

    def _search_due(self, t: float, whole: Sequence[Face]) -> bool:
        if any(f.score >= self.rules.acquire_score and f.box.height >= self.small_below for f in whole):
            return False  # a close shot
        if self._last_search is None:
            return True
        lost = self._lost or not any(f.confirmed for f in self._followed)
        every = self.rules.reacquire_every if lost else self.rules.search_every
        return t - self._last_search >= every - 1e-6

    def update(self, t: float, faces: Sequence[Face]) -> list[Face]:
        """The faces found on the frame at ``t``: small ones are followed from now on; a followed
        face not among them is kept ``max_gap`` seconds at its last place, and brings the next
        search forward to ``reacquire_every``. A small face below ``acquire_score`` (but at
        ``keep_score``) is a candidate: looked for again in its own crop on the next frame, where
        it is seen closer, and followed once it scores ``acquire_score`` there; dropped when it is
        not found again. Answers the faces that stand: those at ``acquire_score`` or above, and
        below it only a followed face found again."""
        rules = self.rules
        small = [f for f in faces if f.score >= rules.keep_score and f.box.height < self.small_below]
        kept: list[Face] = []
        followed: list[_Followed] = []
        for old in self._followed:
            expected = old.at(t)
            face = next((f for f in small if self._found_again(expected, f.box)), None)
            if face is not None:
                small.remove(face)
                confirmed = old.confirmed or face.score >= rules.acquire_score
                if confirmed:
                    kept.append(face)
                again = face.box
                dt = t - old.seen
                vx, vy = ((again.cx - old.box.cx) / dt, (again.cy - old.box.cy) / dt) if dt > 0 else (0.0, 0.0)
                followed.append(_Followed(again, t, vx, vy, confirmed))
            elif any(self._found_again(expected, f.box) for f in faces):
                continue  # it grew big enough for the whole look
            elif old.confirmed:
                self._lost = True
                if t - old.seen <= rules.max_gap:
                    followed.append(old)
        fresh = [_Followed(f.box, t) for f in small if f.score >= rules.acquire_score]
        doubtful = sorted((f for f in small if f.score < rules.acquire_score), key=lambda f: -f.score)
        candidates = [_Followed(f.box, t, confirmed=False) for f in doubtful[: rules.max_candidates]]
        self._followed = followed + fresh + candidates
        return [f for f in faces if f.score >= rules.acquire_score or any(f is k for k in kept)]

    def _around(self, box: Box) -> Crop:
        return around((box.x0, box.y0, box.x1, box.y1), self.width, self.height, self.rules.roi_faces)

    def _found_again(self, old: Box, new: Box) -> bool:
        """Whether ``new`` is the followed face ``old`` again: its centre lies in the crop that
        looked for ``old``, and it is not more than twice as big or small."""
        crop = self._around(old)
        inside = crop.x <= new.cx <= crop.x + crop.side and crop.y <= new.cy <= crop.y + crop.side
        return inside and 0.5 <= new.height / max(old.height, 1e-9) <= 2.0


def _same(a: Box, b: Box) -> bool:
    """Whether two boxes are one face: they overlap by IoU 0.3, or one lies mostly in the other."""
    if a.iou(b) > 0.3:
        return True
    ix = max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0))
    iy = max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))
    smaller = min(a.width * a.height, b.width * b.height)
    return smaller > 0 and ix * iy / smaller > 0.5


def merge(whole: Sequence[Face], closer: Sequence[Face]) -> list[Face]:
    """One face per face. The whole look's faces stand (the mouth measure and the speaker rules
    were tuned on its boxes; a crop's box of the same face is some 15 % bigger); a crop's face is
    added where it is no face already kept (``_same``), the most confident first, so two
    overlapping tiles' copies, or a tile's cut-off half beside the whole face, count once."""
    kept: list[Face] = list(whole)
    for face in sorted(closer, key=lambda f: -f.score):
        if not any(_same(face.box, k.box) for k in kept):
            kept.append(face)
    return kept
