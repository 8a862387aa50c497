"""Labelled talks built into videos, by the recipe in ``../shared/eval/highlights/README.md``:
eSpeak NG speaks each passage (one voice per speaker), the passages are joined with 0.6 s of
silence, and a portrait from ``../shared/media/images`` is put over the audio. The passage spans
come from the measured wav durations, never from constants (they change with eSpeak's version).

Built talks are cached outside the repository (``CLIPSTREAM_EVAL_CACHE``, default
``~/.cache/clipstream/eval``), keyed by the script, the eSpeak NG version, the portrait and the
recipe, so a benchmark run builds each talk once.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

from streams.media.demo import speak, talking_head
from streams.moments.highlights import PASSAGE_GAP_SECONDS, LabelledTalk, labelled_talk, parse_script
from streams.settings import project_root

HIGHLIGHTS_DIR = Path(os.environ.get("CLIPSTREAM_HIGHLIGHTS_DIR",
                                     project_root().parent / "shared" / "eval" / "highlights"))
# Our own labelled talks of other genres (issue 48), scored beside the shared ones.
BENCH_HIGHLIGHTS_DIR = project_root() / "bench" / "highlights"
# A real speech, labelled by its most quoted lines, that the editorial head never trains on.
REAL_HIGHLIGHTS_DIR = BENCH_HIGHLIGHTS_DIR / "real"
EVAL_CACHE = Path(os.environ.get("CLIPSTREAM_EVAL_CACHE", Path.home() / ".cache" / "clipstream" / "eval"))

# (espeak-ng voice, words per minute) by speaker; anyone not named speaks as the host. The other
# voices are ones the pipeline's diarization tells from the host and from each other, as it would
# two people: with default options it heard en-us and en-gb, and any voice with a male variant
# (+m3, +m7), as one speaker, so a podcast's host and guest were one voice to the ranking's
# conversation rules. +anika and +Alicia sit 0.46-0.51 apart in cosine distance from the host and
# from each other (the threshold is 0.375; +f3 0.39-0.42). espeak-ng 1.51 drops a variant from an
# alias such as en-gb or fr-fr (fr-fr+m3 is fr-fr), so a variant goes on the language's own name.
VOICES = {"guest": ("en+anika", 150), "panelist_a": ("en+anika", 150), "panelist_b": ("en+Alicia", 150)}
DEFAULT_VOICE = ("en-us", 160)
# A translated talk (``bench/highlights/translated/<language>/``) is spoken by that language's voice,
# whoever the speaker; a second speaker takes the same variants as in English, so the voices still
# alternate and diarization still tells them apart. Each is named so that a variant holds on it
# ("fr", not its alias "fr-fr", which speaks the same bytes).
LANGUAGE_VOICES = {"de": "de", "es": "es", "fr": "fr", "it": "it", "pt": "pt-br", "ja": "ja"}
SECOND_VOICE = {"guest", "panelist_a", "panelist_b"}
# A portrait per talk (any is fine; different ones keep the talks apart in a clip gallery).
PORTRAITS = {"podcast_sailing": "images/fr_biden.jpg", "lecture_refrigeration": "images/fr_obama.jpg",
             "keynote_bakery_software": "images/skimage_astronaut.png"}
DEFAULT_PORTRAIT = "images/fr_obama.jpg"
VIDEO_SIZE = (640, 360)  # enough for the face detector and the reframe; spares the renders
RECIPE = "1"  # bump when the recipe changes, to rebuild cached talks


@dataclass(frozen=True)
class BuiltTalk:
    name: str
    video: Path
    talk: LabelledTalk


def talk_names(labels: Path = HIGHLIGHTS_DIR) -> list[str]:
    return sorted(p.stem for p in labels.glob("*.tsv"))


def espeak_version() -> str:
    return subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout.strip()


def _wav_seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def _join_wavs(parts: list[Path], gap: float, out: Path) -> None:
    """``parts`` (same format) back to back with ``gap`` seconds of silence between two."""
    with wave.open(str(parts[0])) as first:
        params = first.getparams()
    silence = b"\0" * (round(gap * params.framerate) * params.sampwidth * params.nchannels)
    with wave.open(str(out), "wb") as joined:
        joined.setparams(params)
        for i, part in enumerate(parts):
            with wave.open(str(part)) as w:
                if (w.getframerate(), w.getsampwidth(), w.getnchannels()) != (
                        params.framerate, params.sampwidth, params.nchannels):
                    raise ValueError(f"{part} is not in the format of {parts[0]}")
                if i:
                    joined.writeframes(silence)
                joined.writeframes(w.readframes(w.getnframes()))


def language_of(labels: Path) -> str | None:
    """The language of the talks in ``labels`` when it is a folder of translations (named by the
    language's code), else None (English)."""
    return labels.name if labels.name in LANGUAGE_VOICES else None


def script_folders(folders: list[Path]) -> list[Path]:
    """The folders of labelled talk scripts that ``folders`` name: each one that holds scripts
    (``*.tsv``), and for one that holds none, its subfolders that do (``heldout`` for
    ``heldout/de`` and ``heldout/es``). ``ValueError`` for a folder with no scripts in it or its
    subfolders."""
    found = []
    for folder in folders:
        if not folder.is_dir():
            raise ValueError(f"{folder}: no such folder of labelled talk scripts")
        inside = [folder] if talk_names(folder) else sorted(p for p in folder.iterdir() if p.is_dir() and talk_names(p))
        if not inside:
            raise ValueError(f"{folder}: no labelled talk scripts (*.tsv) in it or in its subfolders")
        found += inside
    return found


def label_folders(folders: list[Path]) -> list[Path]:
    """``script_folders(folders)``, to be spoken: one named by a language that eSpeak NG speaks but
    no voice of ``LANGUAGE_VOICES`` is set for is refused too (``ValueError``, saying what to do):
    its talks would be read in an English voice."""
    found = script_folders(folders)
    for labels in found:
        if language_of(labels) is None and labels.name != "en" and espeak_speaks(labels.name):
            raise ValueError(
                f"{labels}: named as talks in {labels.name!r}, a language with no voice set here "
                f"(tests/highlight_talks.LANGUAGE_VOICES: {', '.join(sorted(LANGUAGE_VOICES))}); its "
                "talks would be read in English. Add its eSpeak NG voice there, or rename the folder "
                "if they are in English")
    return found


def espeak_speaks(language: str) -> bool:
    """Whether eSpeak NG has a voice for ``language`` (a language code, such as ``nl``)."""
    listed = subprocess.run(["espeak-ng", f"--voices={language}"], capture_output=True, text=True, check=True)
    return len(listed.stdout.strip().splitlines()) > 1  # a header line, then one line a voice


def voice_of(speaker: str, language: str | None) -> tuple[str, int]:
    """(espeak-ng voice, words per minute) for ``speaker`` in a talk in ``language`` (None: English)."""
    if language is None:
        return VOICES.get(speaker, DEFAULT_VOICE)
    if speaker not in SECOND_VOICE:
        return (LANGUAGE_VOICES[language], 160)
    variant = VOICES[speaker][0].partition("+")[2]
    return (f"{LANGUAGE_VOICES[language]}+{variant}", 150)


def build_talk(name: str, media: Path, labels: Path = HIGHLIGHTS_DIR, cache: Path = EVAL_CACHE) -> BuiltTalk:
    """The video of the labelled talk ``name`` (``labels/<name>.tsv``) and its passage spans; a
    talk in a folder of translations is spoken in its language (``language_of``)."""
    script = (labels / f"{name}.tsv").read_text()
    language = language_of(labels)
    passages = parse_script(script)
    portrait = media / PORTRAITS.get(name, DEFAULT_PORTRAIT)
    key = hashlib.sha256("\0".join([
        script, espeak_version(), hashlib.sha256(portrait.read_bytes()).hexdigest(), RECIPE,
        repr(VIDEO_SIZE), language or "en", repr(sorted({voice_of(p.speaker, language) for p in passages})),
    ]).encode()).hexdigest()[:16]  # the voices the talk speaks in: a change to another's keeps it
    folder = cache / (f"{language}-{name}-{key}" if language else f"{name}-{key}")
    video, spans_file = folder / "talk.mp4", folder / "durations.json"
    if not (video.is_file() and spans_file.is_file()):
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            wavs = []
            for i, p in enumerate(passages):
                voice, wpm = voice_of(p.speaker, language)
                wavs.append(speak(p.text, Path(tmp) / f"p{i:02d}.wav", voice=voice, words_per_minute=wpm))
            durations = [_wav_seconds(w) for w in wavs]
            audio = Path(tmp) / "talk.wav"
            _join_wavs(wavs, PASSAGE_GAP_SECONDS, audio)
            talking_head(portrait, audio, video, size=VIDEO_SIZE)
        spans_file.write_text(json.dumps({"durations": durations, "espeak": espeak_version()}, indent=1))
    durations = json.loads(spans_file.read_text())["durations"]
    return BuiltTalk(name, video, labelled_talk(passages, durations))
