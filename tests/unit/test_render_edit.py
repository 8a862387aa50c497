"""The hook title and emphasised words on rendered frames, checked on the pixels: the title's box
is drawn in the highlight colour over the first seconds and gone after them, never over the rows
of the speaker's face; emphasised words add highlight-coloured ink to the captions; emoji add
their own marks; with everything off the script is today's."""

import asyncio
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from streams.domain.words import Word
from streams.media.captions import caption_style
from streams.media.ass import to_ass
from streams.media.hook import Hook
from streams.media.render import render_clip
from streams.media.render_spec import RenderSpec
from tests.frames import frame_at

WORDS = tuple(
    Word(w, 0.2 + 0.45 * i, 0.55 + 0.45 * i)
    for i, w in enumerate("we lost 40 users in March".split())
)
HIGHLIGHT = np.array([0xFF, 0xD4, 0x00])  # the bold preset's highlight: the title's box, spoken and emphasised words
TITLE = Hook("We lost forty users in March", seconds=2.0)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("edit")
    subprocess.run(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "color=c=0x505a64:size=640x360:rate=25",
         "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100", "-t", "6", "-c:v", "libx264",
         "-preset", "ultrafast", "-c:a", "aac", str(root / "source.mp4")],
        check=True,
    )
    return root / "source.mp4"


def render(source: Path, out: Path, **kwargs):
    spec = RenderSpec(source, 0.0, 4.0, words=WORDS, preset="ultrafast", loudness=False, crop_center_x=0.5, **kwargs)
    return asyncio.run(render_clip(spec, out))


def highlighted(frame: np.ndarray) -> np.ndarray:
    return np.abs(frame - HIGHLIGHT).max(axis=2) < 40


@pytest.fixture(scope="module")
def plain(source, tmp_path_factory):
    return render(source, tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def edited(source, tmp_path_factory):
    return render(source, tmp_path_factory.mktemp("edited"), hook=TITLE, emphasis={2: "", 5: "\u2605"})


def test_the_hook_title_is_drawn_in_its_box_for_its_seconds_only(edited):
    hook = json.loads(edited.handoff.read_text())["hook"]
    assert hook["text"] == TITLE.text and hook["seconds"] == 2.0 and not hook["covers_face"]
    assert hook["top"] < 1920 * 0.25  # no face known: the top of the safe area
    during, after = frame_at(edited.mp4, 1.0), frame_at(edited.mp4, 2.6)
    band = slice(hook["top"], hook["bottom"])
    assert highlighted(during[band]).mean() > 0.25  # the box fills much of its rows
    assert highlighted(after[band]).sum() == 0  # and is gone after its seconds
    assert highlighted(during[: hook["top"] - 4]).sum() == 0  # nothing drawn above it


def test_the_hook_title_keeps_off_the_rows_of_the_speakers_face(source, tmp_path):
    # A face high in the middle of the picture for the whole clip (source pixels of the 640x360 frame).
    faces = tuple((t / 4, 290.0, 30.0, 350.0, 110.0) for t in range(20))
    clip = render(source, tmp_path, hook=TITLE, faces=faces)
    hook = json.loads(clip.handoff.read_text())["hook"]
    face_top, face_bottom = 30 * 1920 / 360, 110 * 1920 / 360  # the full-height crop scales 360 rows to 1920
    assert hook["top"] > face_bottom and not hook["covers_face"]
    frame = highlighted(frame_at(clip.mp4, 1.0))
    assert frame[int(face_top) : int(face_bottom)].sum() == 0  # the face's rows hold no title
    assert frame[hook["top"] : hook["bottom"]].mean() > 0.25


def test_emphasised_words_add_highlight_ink_and_an_emoji_its_own_mark(plain, edited):
    # At 0.4 s the first word is spoken (highlighted in both); "40" is emphasised in the edited clip only.
    captions = slice(1100, 1600)
    spoken_only = highlighted(frame_at(plain.mp4, 0.4)[captions]).sum()
    with_emphasis = highlighted(frame_at(edited.mp4, 0.4)[captions]).sum()
    assert spoken_only > 300 and with_emphasis > 1.8 * spoken_only
    # The second cue: "March" is emphasised with a star after it, drawn in the highlight colour too.
    ink_plain = highlighted(frame_at(plain.mp4, 2.5)[captions]).sum()
    ink_edited = highlighted(frame_at(edited.mp4, 2.5)[captions]).sum()
    assert ink_edited > ink_plain
    assert "March\u2009\u2605" in edited.ass.read_text()
    cues = json.loads(edited.handoff.read_text())["captions"]
    assert cues["emphasis"] == [{"index": 2, "word": "40", "emoji": ""}, {"index": 5, "word": "March", "emoji": "\u2605"}]


def test_with_the_edits_off_the_script_is_the_captions_alone(plain):
    assert plain.ass.read_text() == to_ass(WORDS, 1080, 1920, caption_style("bold"), _measure())
    document = json.loads(plain.handoff.read_text())
    assert document["hook"] is None and document["captions"]["emphasis"] == []


def _measure():
    from streams.media.fonts import font_measure

    return font_measure(caption_style("bold"))
