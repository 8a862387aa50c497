"""What goes on an editor timeline: the source media and the cuts taken from it, each with the
captions and the reframe path its clip was rendered with (pure: no I/O).

A cut is read from its clip's hand-off document (``streams.media.handoff``), which holds the
source's frame size and rate, the clip's in and out points, its caption cues and the crop drawn,
and from the clip's catalog row, which holds what the ranking said of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from streams.errors import TimelineError
from streams.media.handoff import SCHEMA
from streams.speakers.turns import named


@dataclass(frozen=True)
class Caption:
    """One caption cue, in source seconds; ``speaker`` who says it, as a reader names them (None:
    not known)."""

    text: str
    start: float
    end: float
    speaker: str | None = None


@dataclass(frozen=True)
class Cover:
    """An audio-only source's cover art, as a PNG the timeline references: ``name`` its file name,
    ``url`` where the timeline finds it (as ``Source.url``), its ``width`` x ``height`` pixels."""

    name: str
    url: str
    width: int
    height: int


@dataclass(frozen=True)
class Source:
    """The uploaded media the cuts reference.

    Attributes:
        name: the file name it was uploaded as (what an editor shows and relinks by).
        url: where the timeline says it lies: a path relative to the timeline, a ``file://`` URL
            or a signed ``https://`` link.
        duration: its length in seconds, None when unknown.
        fps: its average video frame rate, None for audio-only media.
        width, height: its frame size, None for audio-only media.
        cover: an audio-only source's cover art as a file, None when it has none or the timeline
            does not carry it.
    """

    name: str
    url: str
    duration: float | None
    fps: float | None
    width: int | None = None
    height: int | None = None
    cover: Cover | None = None

    @property
    def has_video(self) -> bool:
        return self.fps is not None and bool(self.width) and bool(self.height)


@dataclass(frozen=True)
class Cut:
    """One clip's span of the source (a stretch of it, for a trimmed clip) and what we know of it.

    Attributes:
        clip_id: the clip it was rendered as.
        start, end: its in and out points, source seconds.
        title, reason, score, rank: what the ranking said of it (rank None: chosen by a person).
        captions: its caption cues, as burned in.
        language: the language they are in (ISO 639-1), None when unknown.
        reframe: the crop the clip was rendered with (the hand-off's layout, framing, crop
            panels and audiogram; panel keys in this cut's seconds, boxes in source pixels).
        piece: which stretch of its clip this is (0: the first; a trimmed clip is several cuts).
    """

    clip_id: str
    start: float
    end: float
    title: str
    reason: str
    score: float | None
    rank: int | None
    captions: tuple[Caption, ...] = ()
    reframe: Mapping[str, Any] | None = None
    language: str | None = None
    piece: int = 0


def check_handoff(doc: Mapping[str, Any]) -> None:
    """Raise TimelineError unless ``doc`` is a hand-off document this version reads."""
    if not isinstance(doc, Mapping) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, Mapping) else type(doc).__name__
        raise TimelineError(f"the clip's hand-off file is {found!r}, not {SCHEMA!r}: render the clip again")


def source_of(
    doc: Mapping[str, Any],
    *,
    name: str,
    url: str,
    duration: float | None,
    has_video: bool = True,
    cover: Cover | None = None,
) -> Source:
    """The source as a clip's hand-off document describes it (``has_video`` False: audio only,
    whatever frame size the document gives); ``cover``: its cover art as the timeline is given
    it (``cover_of`` reads it from a clip's hand-off), kept for an audio-only source."""
    check_handoff(doc)
    media = doc["source"]
    video = has_video and doc.get("layout") != "audio" and bool(media.get("fps"))
    return Source(
        name=name,
        url=url,
        duration=duration,
        fps=media["fps"] if video else None,
        width=media.get("width") if video else None,
        height=media.get("height") if video else None,
        cover=None if video else cover,
    )


def cover_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """What a clip's hand-off says of the cover art it keeps as a file (``file``, ``width``,
    ``height``: an audio-only clip of a source with cover art), None without one."""
    art = (doc.get("audiogram") or {}).get("art")
    return art if isinstance(art, Mapping) and art.get("file") and art.get("width") and art.get("height") else None


def cuts_of(
    doc: Mapping[str, Any],
    *,
    clip_id: str,
    title: str,
    reason: str,
    score: float | None,
    rank: int | None,
    speaker_names: Mapping[str, str] | None = None,
) -> list[Cut]:
    """The cuts a clip's hand-off document describes, with the ranking's words about it; its
    captions' speakers under the names given now (``speaker_names``), else ``Speaker N``. A clip
    rendered whole is one cut; a trimmed one (the document's ``trim``) is one cut per stretch it
    kept, in order, so an editor sees each jump cut and can undo one by extending a cut. Captions
    and crop keys go to the stretch they fall in, in its own time."""
    check_handoff(doc)
    start, end = float(doc["clip"]["in"]), float(doc["clip"]["out"])
    trim = doc.get("trim") or {}
    kept = [(float(a), float(b)) for a, b in trim.get("kept") or [(start, end)]]
    offsets, at = [], 0.0
    for a, b in kept:
        offsets.append(at)
        at += b - a

    def piece_of(t: float) -> int:
        return max((i for i, o in enumerate(offsets) if o <= t + 1e-6), default=0)

    captions: list[list[Caption]] = [[] for _ in kept]
    for c in doc.get("captions", {}).get("cues", ()):
        i = piece_of(float(c["start"]))
        a, b = kept[i]

        def to_source(t: float, a: float = a, b: float = b, offset: float = offsets[i]) -> float:
            return round(min(b, max(a, a + t - offset)), 3)

        speaker = named(c.get("speaker"), speaker_names or {})
        captions[i].append(Caption(c["text"], to_source(float(c["start"])), to_source(float(c["end"])), speaker))
    out = []
    for i, (a, b) in enumerate(kept):
        reframe = {
            "layout": doc.get("layout"),
            "framing": doc.get("framing"),
            "crop": doc.get("crop") if len(kept) == 1 else _crop_piece(doc.get("crop"), offsets[i], offsets[i] + b - a),
            "output": doc.get("output"),
            "audiogram": doc.get("audiogram"),
        }
        out.append(
            Cut(
                clip_id=clip_id,
                start=a,
                end=b,
                title=title or "",
                reason=reason or "",
                score=None if score is None else round(float(score), 1),
                rank=rank,
                captions=tuple(captions[i]),
                reframe=reframe,
                language=doc.get("captions", {}).get("language"),
                piece=i,
            )
        )
    return out


def _crop_piece(crop: Mapping[str, Any] | None, lo: float, hi: float) -> Mapping[str, Any] | None:
    """The crop panels (keys in clip seconds) over clip time ``[lo, hi]``, in that stretch's own
    time: the box in place at ``lo`` at 0, then the keys inside, moved back by ``lo``, and the
    first key at ``hi`` (where the box is when the stretch ends; a second key there is the jump
    into the next stretch)."""
    if not crop or not crop.get("panels"):
        return crop
    panels = []
    for keys in crop["panels"]:
        before = [k for k in keys if float(k["t"]) <= lo + 1e-6]
        first = dict(before[-1] if before else keys[0], t=0.0)
        inside = [dict(k, t=round(float(k["t"]) - lo, 3)) for k in keys if lo + 1e-6 < float(k["t"]) < hi - 1e-6]
        last = next((dict(k, t=round(hi - lo, 3)) for k in keys if abs(float(k["t"]) - hi) <= 1e-6), None)
        panels.append([first, *inside, *([last] if last is not None else [])])
    return {**crop, "panels": panels}
