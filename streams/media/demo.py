"""The demo talking-head video ``clipstream process`` uses when given no file: eSpeak NG reads a
short talk over the public-domain NASA astronaut portrait that scikit-image ships
(``skimage/data/astronaut.png``), so a fresh machine needs no input of its own.

Also ``talking_head(image, audio, out)``: any still portrait over any speech, the recipe the
tests and benchmarks use to build long inputs from ``../shared/media``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
from pathlib import Path

from streams.errors import MissingDependency, RenderError

DEMO_TALK = """\
Why do most short clips fail in the first three seconds? Because they start in the middle of a \
thought. A viewer who scrolls past has given you about two seconds, and a clip that opens on a \
half sentence spends both of them on confusion.
Here is the secret that the best editors know. Every good clip starts where a sentence starts, \
and ends where a sentence ends. It sounds simple. Yet most tools cut on a timer, every thirty \
seconds, and the words fall wherever they fall.
So what makes a moment worth clipping? First, a hook: a question, a surprising number, or a bold \
claim. Second, a payoff that arrives before the clip ends. Third, energy. People lean in when the \
speaker leans in.
Imagine a one hour lecture. Somewhere inside it are five moments that could each reach ten \
thousand people. Finding them by hand takes an editor most of a day. A streaming pipeline can \
find the first one while the lecture is still being transcribed.
The last step is the one viewers notice most. Captions must follow every word, the speaker must \
stay in the frame, and the sound must be loud enough on a phone. Get those three right, and the \
clip is ready to post.
How fast can this be? On a laptop, a ten minute talk becomes five captioned clips in a few \
minutes, and the first clip arrives long before the last minute is transcribed. That is the \
difference between waiting for a batch job and watching results stream in.
"""


def astronaut_portrait() -> Path:
    """The path of scikit-image's astronaut.png, found without importing scikit-image."""
    spec = importlib.util.find_spec("skimage")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependency("demo", "scikit-image is not installed (pip install -e .)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "astronaut.png"
    if not path.is_file():
        raise MissingDependency("demo", f"{path} is missing from the scikit-image install")
    return path


_FFMPEG = ("ffmpeg", "-nostdin", "-y", "-loglevel", "error")  # quiet, overwriting, never reading stdin


def _run(args: list[str], what: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(f"{what} failed: {(result.stderr or result.stdout).strip()[-400:]}")


def speak(text: str, out: Path, voice: str = "en-us", words_per_minute: int = 165) -> Path:
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise MissingDependency("demo", "espeak-ng is not installed: sudo apt-get install -y espeak-ng")
    _run([espeak, "-v", voice, "-s", str(words_per_minute), "-w", str(out), text], "espeak-ng")
    return out


def talking_head(image: Path, audio: Path, out: Path, size: tuple[int, int] = (1280, 720), fps: int = 25) -> Path:
    """A still portrait (fitted into ``size`` on a dark background) over ``audio``, as H.264/AAC mp4.

    Two seconds of the still are encoded once and looped without re-encoding for as long as the
    audio lasts, so an hour-long input takes seconds to build rather than minutes.
    """
    w, h = size
    video_filter = (
        f"scale={w}:{h}:force_original_aspect_ratio=decrease,"
        f"pad={w}:{h}:(ow-iw)/2:(oh-ih)/2:color=0x202020,format=yuv420p"
    )
    still = out.with_name(out.name + ".still.mp4")
    _run(
        [
            *_FFMPEG,
            "-loop",
            "1",
            "-framerate",
            str(fps),
            "-i",
            str(image),
            "-t",
            "2",
            "-vf",
            video_filter,
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-tune",
            "stillimage",
            "-crf",
            "26",
            "-g",
            str(fps),
            str(still),
        ],
        "encoding the portrait",
    )
    tmp = out.with_name(out.name + ".part.mp4")
    _run(
        [
            *_FFMPEG,
            "-stream_loop",
            "-1",
            "-i",
            str(still),
            "-i",
            str(audio),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "copy",
            "-c:a",
            "aac",
            "-b:a",
            "96k",
            "-ar",
            "44100",
            "-shortest",
            "-movflags",
            "+faststart",
            str(tmp),
        ],
        "building the talking-head video",
    )
    still.unlink(missing_ok=True)
    tmp.replace(out)
    return out


def build_demo_video(out_dir: Path) -> Path:
    """The demo video (about two minutes), built once and kept in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    video = out_dir / "clipstream-demo-talk.mp4"
    if video.is_file() and video.stat().st_size > 0:
        return video
    speech = speak(DEMO_TALK.replace("\n", " "), out_dir / "demo-talk.wav")
    talking_head(astronaut_portrait(), speech, video)
    speech.unlink(missing_ok=True)
    return video
