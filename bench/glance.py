"""Benchmark: what looking at a chunk's picture (faces on about a frame a second and scene cuts,
``streams.media.onscreen``) costs the transcribe stage, per minute of video.

For each input, one 120 s chunk (the longest the chunker cuts) through a private stack's Triton,
in one run, each measurement repeated and the median kept:

  whisper   the chunk's audio through the ``whisper`` model alone (what transcribe did before)
  look      the picture alone: one decode (non-reference frames skipped) + ``face_detector``
  look/all  the same, decoding every frame (``skip_nonref=False``), for comparison
  both      Whisper and the look at once, as the transcribe agent runs them

Inputs: the e2e benchmark's talking head (a still portrait at 640x360, as in bench/e2e.py), the
GRID montage at 1280x720 (real faces, motion and a cut every 3 s) and the same at 1920x1080.
Prints a table and writes bench/results/glance.json.

    .venv/bin/python bench/glance.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, stop_on_sigterm  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.adapters.triton import TritonClient  # noqa: E402
from streams.media.chunking import decode_wav  # noqa: E402
from streams.media.demo import talking_head  # noqa: E402
from streams.media.onscreen import GlanceOptions, look  # noqa: E402
from tests import media_recipes  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "glance.json"
CHUNK = 120.0
READING = "derived/ljspeech_LJ001-0001_to_0032_concat.wav"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True)


def inputs(work: Path) -> dict[str, Path]:
    """The three test videos, each at least ``CHUNK`` seconds long, with the reading as audio."""
    audio = work / "reading16k.wav"
    ffmpeg("-i", str(MEDIA_DIR / READING), "-t", str(CHUNK), "-ac", "1", "-ar", "16000", str(audio))
    still = talking_head(MEDIA_DIR / "images/fr_obama.jpg", audio, work / "still_360p.mp4", size=(640, 360))
    montage, _ = media_recipes.grid_montage(MEDIA_DIR, work)
    out = {"still portrait 640x360": still}
    for name, size in (("GRID montage 1280x720", "1280:720"), ("GRID montage 1920x1080", "1920:1080")):
        path = work / f"montage_{size.replace(':', 'x')}.mp4"
        ffmpeg("-stream_loop", "-1", "-i", str(montage), "-i", str(audio), "-map", "0:v", "-map", "1:a",
               "-t", str(CHUNK), "-vf", f"scale={size}", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
               str(path))
        out[name] = path
    return out


async def timed(make) -> float:
    clock = time.perf_counter()
    await make()
    return time.perf_counter() - clock


async def measure(client: TritonClient, pcm, path: Path, repeats: int) -> dict[str, float]:
    runs: dict[str, list[float]] = {"whisper": [], "look": [], "look_all_frames": [], "both": []}
    fast, every = GlanceOptions(), GlanceOptions(skip_nonref=False)
    for _ in range(repeats):  # interleaved, so load from elsewhere on the machine hits all alike
        runs["whisper"].append(await timed(lambda: client.transcribe(pcm)))
        runs["look"].append(await timed(lambda: look(client, path, 0.0, CHUNK, fast)))
        runs["look_all_frames"].append(await timed(lambda: look(client, path, 0.0, CHUNK, every)))
        runs["both"].append(await timed(lambda: asyncio.gather(client.transcribe(pcm),
                                                               look(client, path, 0.0, CHUNK, fast))))
    return {k: round(statistics.median(v), 3) for k, v in runs.items()}


async def run(settings, videos: dict[str, Path], pcm, repeats: int) -> dict[str, dict[str, float]]:
    client = TritonClient(settings.triton_grpc_url)
    try:
        await client.wait_ready(["whisper", "face_detector"], timeout=120)
        await client.transcribe(pcm[:16000 * 5])  # warm-up
        return {name: await measure(client, pcm, path, repeats) for name, path in videos.items()}
    finally:
        await client.close()


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        videos = inputs(work)
        pcm = decode_wav((work / "reading16k.wav").read_bytes())
        with private_stack(only=["triton"]) as settings:
            results = asyncio.run(run(settings, videos, pcm, args.repeats))

    minutes = CHUNK / 60
    rows = [("input", "whisper s", "look s", "look/all s", "both s", "added s/min", "transcribe x")]
    for name, r in results.items():
        added = max(0.0, r["both"] - r["whisper"]) / minutes
        r["added_seconds_per_video_minute"] = round(added, 3)
        r["look_seconds_per_video_minute"] = round(r["look"] / minutes, 3)
        r["transcribe_slowdown"] = round(r["both"] / r["whisper"], 3)
        rows.append((name, f"{r['whisper']:.2f}", f"{r['look']:.2f}", f"{r['look_all_frames']:.2f}",
                     f"{r['both']:.2f}", f"{added:.2f}", f"{r['transcribe_slowdown']:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "glance", "chunk_seconds": CHUNK, "repeats": args.repeats, "options": "fps 1, detect_width 640",
        "machine": machine(), "results": results,
    }, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
