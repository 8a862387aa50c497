"""The editor hand-off: one JSON file per clip (``<stem>.json`` beside the MP4) with everything
needed to rebuild or adjust the clip in an editor (pure: builds the document, writes nothing).

This format is clipstream's own; editors open the timelines made from it (``streams.timeline``:
OpenTimelineIO, FCP7 XML, EDL, Kdenlive), and the timeline bundles carry it beside them. It is
versioned: ``version`` grows by one when a field changes meaning or goes away (added fields do not
change it), and ``schema`` names the same version.

Schema (``"schema": "clipstream.handoff/1"``; times in seconds, boxes in source pixels)::

    {
      "schema": "clipstream.handoff/1",
      "version": 1,
      "source": {"file": "talk.mp4", "width": 1920, "height": 1080, "fps": 29.97},
      "clip": {"in": 61.2, "out": 92.7, "duration": 31.5},       # in/out: source seconds
      "trim": {"kept": [[61.2, 70.84], [71.6, 92.7]],   # what of in-out the clip holds, in order
               "removed_seconds": 0.76,                 # (source seconds): each a cut of the source,
               "fillers_removed": [{"word": "um", "start": 65.1, "end": 65.4}],  # jump cuts between them;
               "sounds_removed": [[80.2, 80.5]]} | null,  # the picture, crop and captions: clip time
      "output": {"aspect": "9:16", "width": 1080, "height": 1920, "fps": 29.97,
                 "files": {"mp4": "c1.mp4", "srt": "c1.srt", "vtt": "c1.vtt", "ass": "c1.ass",
                           "thumbnail": "c1.jpg", "cover": "c1.cover.png"}},  # cover: audio only
      "layout": "single",              # single | split | fit | still (one still picture, drawn as an
                                       # audiogram's cover) | static (no plan) | audio (no video)
      "framing": {"zoom": 1.67, "face_share": 0.15, "wanted": 0.15, "upscale": 2.96,
                  "soft": false} | null,   # single only: how close the crop is on the speaker;
                                           # soft: the source is too small for the zoom wanted
      "crop": {                        # what was drawn; empty lists for fit, still and audio
        "panels": [                    # one per crop: single/static one, split two (top, bottom)
          [{"t": 0.0, "x": 656, "y": 0, "w": 608, "h": 1080}, ...]   # t: clip seconds; the box
        ]                              # moves straight to the next key; two keys at one t: a jump
      },
      "captions": {
        "language": "de" | null,       # ISO 639-1 code of the language spoken in the clip
        "style": {...},                # the caption style drawn (font, colours, position, ...)
        "brand": {...} | null,         # the brand kit, logo by file name
        "words": [{"word": "So", "start": 0.31, "end": 0.52, "speaker": "S1"}, ...],  # clip seconds;
                                       # speaker: the label diarization gave (absent: not known)
        "cues": [{"start": 0.31, "end": 1.9, "text": "So here's the thing,",   # as in SRT/VTT
                  "lines": ["So here's", "the thing,"], "font_size": 84,       # as burned in
                  "speaker": "S1"}, ...],
        "emphasis": [{"index": 12, "word": "40%", "emoji": ""}, ...]  # words drawn emphasised
      },                               # (index into words; emoji: the symbol drawn after it)
      "audiogram": {"bars": {"x": 108, "y": 996, "w": 864, "h": 268} | null,  # audio and still only:
                    "cover": {"x": 318, "y": 514, "w": 444, "h": 444} | null,  # what is drawn (output
                    "background": "#14141c" | "cover",  # pixels); the cover art or the still
                                       # picture, fitted in its box; "cover": its blur behind
                    "art": {"file": "c1.cover.png", "width": 600, "height": 600}} | null,  # audio
                                       # only, when the source has cover art: it as a PNG
      "hook": {"text": "Why most clips fail", "lines": ["Why most clips fail"], "seconds": 3.0,
               "font_size": 69, "top": 231, "bottom": 338,  # the title's box, output pixel rows
               "covers_face": false} | null,  # true only when no place was clear of the face
      "loudness": {"gain_db": 3.4, "target_lufs": -14.0,
                   "ceiling_dbtp": -1.5,       # the limiter's; lower when the encoded peak was corrected
                   "measured": {"integrated_lufs": -14.1, "true_peak_dbtp": -1.3} | null} | null,  # the mp4
      "thumbnail_at": 1.65             # clip second the thumbnail was taken at
    }
"""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

from streams.domain.words import Word
from streams.media.ass import CueLayout
from streams.media.captions import CaptionStyle
from streams.media.framing import CropKey
from streams.media.loudness import CEILING_DBTP, TARGET_LUFS, Loudness
from streams.text.scripts import join

VERSION = 1
SCHEMA = f"clipstream.handoff/{VERSION}"


def handoff(
    *,
    source: str,
    source_size: tuple[int, int],
    source_fps: float | None,
    start: float,
    end: float,
    aspect: str,
    size: tuple[int, int],
    fps: float | None,
    files: dict[str, str],
    layout: str,
    panels: Sequence[Sequence[CropKey]],
    style: CaptionStyle,
    brand: dict | None,
    words: Sequence[Word],
    cues: Sequence[CueLayout],
    gain_db: float | None,
    thumbnail_at: float | None,
    ceiling_dbtp: float | None = None,
    measured: Loudness | None = None,
    framing: dict | None = None,
    language: str | None = None,
    trim: dict | None = None,
    emphasis: Sequence[dict] = (),
    hook: dict | None = None,
    audiogram: dict | None = None,
) -> dict[str, Any]:
    """The hand-off document (see the module docstring for the schema)."""
    style_json = dataclasses.asdict(style)
    style_json["keywords"] = list(style.keywords)
    return {
        "schema": SCHEMA,
        "version": VERSION,
        "source": {
            "file": source,
            "width": source_size[0],
            "height": source_size[1],
            "fps": round(source_fps, 3) if source_fps else None,
        },
        "clip": {"in": round(start, 3), "out": round(end, 3), "duration": round(end - start, 3)},
        "trim": trim,
        "output": {
            "aspect": aspect,
            "width": size[0],
            "height": size[1],
            "fps": round(fps, 3) if fps else None,
            "files": files,
        },
        "layout": layout,
        "framing": framing,
        "crop": {"panels": [[k.as_json() for k in panel] for panel in panels]},
        "captions": {
            "language": language,
            "style": style_json,
            "brand": brand,
            "words": [_word(w) for w in words],
            "emphasis": list(emphasis),
            "cues": [
                {
                    "start": round(c.cue.start, 3),
                    "end": round(c.cue.end, 3),
                    "text": c.cue.text,
                    "lines": [join(line) for line in c.lines],
                    "font_size": c.font_size,
                    **({"speaker": c.cue.speaker} if c.cue.speaker is not None else {}),
                }
                for c in cues
            ],
        },
        "audiogram": audiogram,
        "hook": hook,
        "loudness": None
        if gain_db is None
        else {
            "gain_db": gain_db,
            "target_lufs": TARGET_LUFS,
            "ceiling_dbtp": CEILING_DBTP if ceiling_dbtp is None else ceiling_dbtp,
            "measured": None
            if measured is None
            else {"integrated_lufs": measured.integrated, "true_peak_dbtp": measured.true_peak},
        },
        "thumbnail_at": None if thumbnail_at is None else round(thumbnail_at, 3),
    }


def _word(w: Word) -> dict[str, Any]:
    said: dict[str, Any] = {"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)}
    if w.speaker is not None:
        said["speaker"] = w.speaker
    return said
