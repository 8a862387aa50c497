"""Benchmark: the full clip render against a plain FFmpeg crop + scale + encode of the same clip.

Input: a 1280x720 talking-face video built from ../shared/media's GRID montage (real faces and
voices), scaled up and looped to 60 s (built once, not timed). Each round renders the same clip
(``--seconds`` long, 9:16, 1080x1920) two ways, in alternating order so a noisy machine slows both
alike, with the same encoder, preset, CRF and thread count:

  full   ``render_clip``: a reframe plan whose crop moves every second (``sendcmd``), word-by-word
         captions (libass), loudness measured in an audio-only pass then gain + true-peak
         limiter, fades; plus the thumbnail and the hand-off JSON. Everything is timed.
  plain  one ffmpeg run: a static crop, scale to 1080x1920, libx264 and AAC. No captions, no
         loudness, no thumbnail.
  plain_moving  the same, but the crop sways along (nearly) the same path as the full render's, by
         a crop expression: a panning picture costs x264 more than a still one, so this separates
         what the moving path costs the encoder from what the rest of the pipeline costs.

Reports wall seconds (median), CPU seconds (median, this process and its ffmpeg children: less
sensitive to other work on a shared machine), output frames per second, and the speed ratios
plain/full and plain_moving/full (1.0: the full render costs nothing extra). Prints a table and
writes bench/results/render.json.

    .venv/bin/python bench/render.py [--rounds 3] [--seconds 40] [--preset veryfast] [--threads 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine  # noqa: E402
from streams.domain.words import Word  # noqa: E402
from streams.media.loudness import parse_summary  # noqa: E402
from streams.media.reframe.camera import CropKeyframe  # noqa: E402
from streams.media.render import RenderSpec, forget_gains, render_clip  # noqa: E402
from streams.settings import project_root  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "render.json"
START = 5.0
FPS = 25


@dataclass(frozen=True)
class Plan:
    """A reframe plan as ``reframe.layout.ReframePlan`` draws: one crop, keyframes every second."""

    layout: str
    aspect: str
    crop_width: int
    crop_height: int
    keyframes: tuple
    second: tuple = ()
    cuts: tuple = ()


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def build_source(out: Path) -> Path:
    ffmpeg("-stream_loop", "1", "-i", str(MEDIA_DIR / "derived/grid_montage_10clips_30s.mp4"), "-t", "60",
           "-vf", "scale=900:720,pad=1280:720:(ow-iw)/2:0", "-r", str(FPS), "-c:v", "libx264", "-preset", "veryfast",
           "-crf", "18", "-c:a", "aac", "-b:a", "160k", str(out))
    return out


def words(seconds: float) -> tuple[Word, ...]:
    text = ("so here is the thing nobody tells you about shipping the first version of anything it is "
            "always harder than it looks and that is fine").split()
    return tuple(Word(text[i % len(text)] + ("." if i % 9 == 8 else ""), round(0.2 + i * 0.38, 2),
                             round(0.2 + i * 0.38 + 0.3, 2)) for i in range(int((seconds - 0.6) / 0.38)))


def plan(seconds: float) -> Plan:
    # The crop sways across the frame, a new keyframe every second (as a smoothed camera path would).
    keys = tuple(CropKeyframe(START + t, 640 + 300 * math.sin(t / 3), 360) for t in range(int(seconds) + 1))
    return Plan("single", "9:16", 406, 720, keys)


def full(source: Path, out: Path, seconds: float, preset: str, threads: int) -> float:
    spec = RenderSpec(source, START, START + seconds, words=words(seconds), plan=plan(seconds), preset=preset)
    forget_gains()  # each round a fresh clip's whole work, its loudness measured too
    began = time.perf_counter()
    asyncio.run(render_clip(spec, out, stem="full", threads=threads))
    return time.perf_counter() - began


def plain(source: Path, out: Path, seconds: float, preset: str, threads: int, x: str = "437") -> float:
    began = time.perf_counter()
    ffmpeg("-threads", str(threads), "-ss", f"{START:.3f}", "-i", str(source), "-t", f"{seconds:.3f}",
           "-vf", f"crop=406:720:{x}:0,scale=1080:1920:flags=lanczos,setsar=1,format=yuv420p",
           "-filter_threads", str(threads), "-c:v", "libx264", "-preset", preset, "-crf", "21", "-profile:v", "high",
           "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-threads", str(threads),
           "-movflags", "+faststart", str(out / "plain.mp4"))
    return time.perf_counter() - began


def plain_moving(source: Path, out: Path, seconds: float, preset: str, threads: int) -> float:
    # x = cx - 203 with cx = 640 + 300 sin(t / 3), t in seconds from the clip start.
    return plain(source, out, seconds, preset, threads, x="437+300*sin(t/3)")


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def loudness(path: Path) -> dict:
    log = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-vn", "-af",
                          "ebur128=peak=true:framelog=verbose", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    measured = parse_summary(log)
    return {"integrated_lufs": measured.integrated, "true_peak_dbtp": measured.true_peak}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--preset", default="veryfast")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    sides = {"full": full, "plain": plain, "plain_moving": plain_moving}
    times: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        root = Path(tmp)
        print("building the 1280x720 source ...", flush=True)
        source = build_source(root / "grid_720p.mp4")
        names = list(sides)
        for r in range(args.rounds):
            for side in names[r % len(names):] + names[:r % len(names)]:  # rotate who goes first
                before = cpu_seconds()
                times[side].append(sides[side](source, root, args.seconds, args.preset, args.threads))
                cpu[side].append(cpu_seconds() - before)
                print(f"  round {r + 1} {side:12} {times[side][-1]:6.1f} s wall {cpu[side][-1]:6.1f} s cpu", flush=True)
        levels = {"full": loudness(root / "full.mp4"), "plain": loudness(root / "plain.mp4")}
    frames = round(args.seconds * FPS)
    median = {side: statistics.median(t) for side, t in times.items()}
    median_cpu = {side: statistics.median(t) for side, t in cpu.items()}
    fps = {side: frames / median[side] for side in median}
    ratio = {base: median[base] / median["full"] for base in ("plain", "plain_moving")}
    ratio_cpu = {base: median_cpu[base] / median_cpu["full"] for base in ("plain", "plain_moving")}
    rows = [("render", "median s", "min s", "cpu s", "frames/s", "LUFS", "dBTP")]
    for side in sides:
        level = levels.get(side)
        rows.append((side, f"{median[side]:.1f}", f"{min(times[side]):.1f}", f"{median_cpu[side]:.1f}",
                     f"{fps[side]:.1f}", f"{level['integrated_lufs']:.1f}" if level else "-",
                     f"{level['true_peak_dbtp']:.1f}" if level else "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\n{args.seconds:g} s clip, 1280x720 -> 1080x1920 at {FPS} fps, libx264 {args.preset}, "
          f"{args.threads} threads, {args.rounds} rounds")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    for base in ratio:
        print(f"speed of the full render relative to {base}: {ratio[base]:.2f} wall, {ratio_cpu[base]:.2f} cpu "
              "(target >= 0.8)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "render", "machine": machine(),
        "clip": {"seconds": args.seconds, "frames": frames, "source": "GRID montage scaled to 1280x720",
                 "output": "1080x1920", "preset": args.preset, "threads": args.threads, "rounds": args.rounds},
        "wall_seconds": times, "cpu_seconds": cpu, "median_wall_seconds": median, "median_cpu_seconds": median_cpu,
        "frames_per_second": fps, "speed_ratio_wall": ratio, "speed_ratio_cpu": ratio_cpu, "loudness": levels,
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
