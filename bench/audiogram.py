"""Benchmark: what the audiogram (``streams/media/audiogram.py``: bars that follow the voice of an
audio-only clip) costs a render, against the same render by the baseline commit, which drew the
captions over a plain background; and what drawing a podcast's cover art adds (the same sound
with a cover in its file, rendered by this checkout).

Input: the first LJSpeech readings of ``../shared/media/speech/ljspeech`` (a real voice) joined
into one audio file of about a minute, and the same file with a cover (``images/skimage_astronaut.png``,
512x512) attached (built once, not timed). Each round renders the same clip
(``--seconds`` long, 9:16 at 1080x1920, word captions, two-pass loudness, thumbnail and hand-off:
``render_clip`` as the render agent calls it) by this checkout and by the baseline's (a ``git
worktree``), and the covered file by this checkout, in rotating order so a noisy machine slows both alike, each in a fresh process.

Reports wall seconds and CPU seconds (the process and its ffmpeg children) per round, their
medians, this checkout over the baseline, and the cover over the bars alone. Prints a table and writes bench/results/audiogram.json.

    .venv/bin/python bench/audiogram.py [--rounds 3] [--seconds 30] [--baseline 37c59d5] [--media DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import checkout, python_for  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "audiogram.json"
BASELINE = "37c59d5"  # the render before the audiogram
MEDIA = Path(os.environ.get("CLIPSTREAM_SHARED_MEDIA", ROOT.parent / "shared" / "media"))
READINGS = 14  # LJSpeech readings joined: about 80 s
COVER = "images/skimage_astronaut.png"  # a real photograph, as a podcast's square cover

# Run in a fresh interpreter with a checkout first on the path: renders one clip, prints its cost.
RENDER_ONE = """
import asyncio, json, resource, sys, time
from pathlib import Path
from streams.domain.words import Word
from streams.media.render import render_clip
from streams.media.render_spec import RenderSpec

source, out, seconds = Path(sys.argv[1]), Path(sys.argv[2]), float(sys.argv[3])
words = [Word(f"word{i}", i * 0.4, i * 0.4 + 0.35) for i in range(int(seconds / 0.4))]
spec = RenderSpec(source, 5.0, 5.0 + seconds, words=words, preset="veryfast")
wall = time.perf_counter()
asyncio.run(render_clip(spec, out))
wall = time.perf_counter() - wall
usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
print(json.dumps({"wall": wall, "cpu": sum(u.ru_utime + u.ru_stime for u in usage)}))
"""


def source(folder: Path, media: Path) -> tuple[Path, Path]:
    """The joined readings, and the same sound with the cover attached (an MP4 audio file's cover art)."""
    readings = sorted((media / "speech" / "ljspeech").glob("*.wav"))[:READINGS]
    if len(readings) < READINGS:
        raise SystemExit(f"{media / 'speech' / 'ljspeech'} has {len(readings)} readings; {READINGS} are needed")
    listing = folder / "readings.txt"
    listing.write_text("".join(f"file '{p}'\n" for p in readings))
    out = folder / "readings.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
                    "-c:a", "aac", "-b:a", "128k", str(out)], check=True)
    covered = folder / "readings-cover.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-i", str(out), "-i", str(media / COVER),
                    "-map", "0:a", "-map", "1:v", "-c:a", "copy", "-c:v", "mjpeg", "-disposition:v", "attached_pic",
                    str(covered)], check=True)
    return out, covered


def render_once(code: Path, audio: Path, out: Path, seconds: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(code)}
    # python_for: the sandbox's child (python -I, no PYTHONPATH) runs that checkout's code too.
    done = subprocess.run([str(python_for(code)), "-c", RENDER_ONE, str(audio), str(out), str(seconds)], cwd=code, env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--media", type=Path, default=MEDIA)
    args = parser.parse_args()
    baseline = checkout(args.baseline, heads=False)
    runs: dict[str, list[dict]] = {name: [] for name in ("audiogram", "baseline", "cover")}
    with tempfile.TemporaryDirectory() as tmp:
        audio, covered = source(Path(tmp), args.media)
        variants = {"audiogram": (ROOT, audio), "baseline": (baseline, audio), "cover": (ROOT, covered)}
        for i in range(args.rounds):
            order = list(variants)[i % 3:] + list(variants)[:i % 3]
            for name in order:
                code, sound = variants[name]
                runs[name].append(render_once(code, sound, Path(tmp) / f"{name}-{i}", args.seconds))
    medians = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu")} for name, rs in runs.items()}
    rows = [("variant", "wall s (median)", "cpu s (median)", "rounds (wall)")]
    for name, m in medians.items():
        rows.append((name, f"{m['wall']:.2f}", f"{m['cpu']:.2f}", " ".join(f"{r['wall']:.2f}" for r in runs[name])))
    over = {k: medians["audiogram"][k] / medians["baseline"][k] for k in ("wall", "cpu")}
    cover = {k: medians["cover"][k] / medians["audiogram"][k] for k in ("wall", "cpu")}
    print(table(rows))
    print(f"audiogram / baseline: wall {over['wall']:.2f}x, cpu {over['cpu']:.2f}x")
    print(f"cover / audiogram: wall {cover['wall']:.2f}x, cpu {cover['cpu']:.2f}x")
    results = {"runs": runs, "medians": medians, "audiogram_over_baseline": over, "cover_over_audiogram": cover}
    write_results(RESULTS, "audiogram", results,
                  baseline_commit=args.baseline, current_commit=commit(),
                  clip={"seconds": args.seconds, "output": "1080x1920", "preset": "veryfast", "threads": 2,
                        "rounds": args.rounds, "source": f"{READINGS} LJSpeech readings joined",
                        "cover": COVER})


if __name__ == "__main__":
    main()
