"""Benchmark: one clip's render with its audio work done while the picture is looked at, against
the same steps one after another (the order before).

Before the render's encode, a clip needs three things that do not depend on each other: the look
at its picture (the reframe plan: frames sampled in the media sandbox, faces found by Triton), the
read of its audio for the trim plan, and the measure of its loudness (one or two audio-only ffmpeg
runs). The worker used to do them in turn, leaving a core idle through the look; it now runs them
together (``ClipRendering.render``). This bench does the same steps both ways with the worker's own
functions, on a real talking-face source (the GRID montage at 1280x720, ``bench/render.py``'s),
taking turns so a noisy machine slows both alike:

  sequential  look -> audio read -> ``render_clip`` (which measures the loudness itself)
  overlapped  look, audio read and ``loudness_gain`` at once -> ``render_clip(measured=...)``

Reports each way's median wall seconds from the first step to the clip written (and the CPU
seconds of this process and its children, which the look's Triton does not count), the ratio
overlapped/sequential, and whether both ways gave the same gain. Starts Triton alone on free ports.

    nice .venv/bin/python bench/render_overlap.py [--rounds 3] [--seconds 40] [--threads 2]

Writes bench/results/render_overlap.json.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.render import START, build_source, words  # noqa: E402
from bench.report import commit, stop_on_sigterm, table, write_results  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.adapters.triton import TritonClient  # noqa: E402
from streams.media.reframe.observations import Source  # noqa: E402
from streams.media.reframe.planner import plan_clip  # noqa: E402
from streams.media.render import clip_audio, loudness_gain, probe, render_clip  # noqa: E402
from streams.media.render_spec import RenderSpec  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "render_overlap.json"
ASPECT = "9:16"
WAYS = ("sequential", "overlapped")


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


async def one_clip(way: str, client: TritonClient, source: Path, work: Path, seconds: float, threads: int):
    """Render the clip ``way``; (wall seconds, the clip)."""
    info = probe(source)
    frames = Source(info.width or 0, info.height or 0, info.fps or 25.0)
    start, end = START, START + seconds

    def look():
        return plan_clip(client, source, frames, start, end, [ASPECT])

    def audio():  # what the trim plan reads
        return clip_audio(source, start, end - start, work / f".{way}.f32")

    began = time.perf_counter()
    if way == "sequential":
        plans = await look()
        await audio()
        measured = None
    else:
        plans, _, measured = await asyncio.gather(look(), audio(), loudness_gain(source, start, end - start))
    plan = plans.get(ASPECT)
    spec = RenderSpec(source, start, end, aspect=ASPECT, words=words(seconds), plan=plan,
                      faces=plan.faces if plan is not None else (), preset="veryfast")
    clip = await render_clip(spec, work / way, stem="clip", threads=threads, measured=measured)
    return time.perf_counter() - began, clip


async def measure(settings, source: Path, work: Path, rounds: int, seconds: float, threads: int) -> dict:
    client = TritonClient(settings.triton_grpc_url)
    wall: dict[str, list[float]] = {w: [] for w in WAYS}
    cpu: dict[str, list[float]] = {w: [] for w in WAYS}
    gains: dict[str, float | None] = {}
    try:
        await client.wait_ready(["face_detector", "face_landmarks"], timeout=180)
        print("warming up (not timed) ...", flush=True)
        await one_clip("overlapped", client, source, work, 5.0, threads)
        for r in range(rounds):
            for way in WAYS if r % 2 == 0 else WAYS[::-1]:  # who goes first alternates
                before = cpu_seconds()
                seconds_taken, clip = await one_clip(way, client, source, work, seconds, threads)
                wall[way].append(round(seconds_taken, 2))
                cpu[way].append(round(cpu_seconds() - before, 2))
                gains[way] = clip.gain_db
                print(f"  round {r + 1} {way:10} {wall[way][-1]:6.1f} s wall {cpu[way][-1]:6.1f} s cpu", flush=True)
    finally:
        await client.close()
    return {"wall_seconds": wall, "cpu_seconds": cpu, "gain_db": gains}


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--threads", type=int, default=2, help="ffmpeg threads of the encode (a lone clip's: 2)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-render-overlap-") as tmp:
        work = Path(tmp)
        print("building the 1280x720 source ...", flush=True)
        source = build_source(work / "grid_720p.mp4")
        print("starting Triton ...", flush=True)
        with private_stack(only=["triton"]) as settings:
            measured = asyncio.run(measure(settings, source, work, args.rounds, args.seconds, args.threads))
    median = {w: statistics.median(measured["wall_seconds"][w]) for w in WAYS}
    median_cpu = {w: statistics.median(measured["cpu_seconds"][w]) for w in WAYS}
    ratio = median["overlapped"] / median["sequential"]
    same_gain = measured["gain_db"]["sequential"] == measured["gain_db"]["overlapped"]
    rows = [("way", "median wall s", "min wall s", "median cpu s", "gain dB")]
    for w in WAYS:
        rows.append((w, f"{median[w]:.1f}", f"{min(measured['wall_seconds'][w]):.1f}", f"{median_cpu[w]:.1f}",
                     str(measured["gain_db"][w])))
    print(f"\n{args.seconds:g} s clip, {ASPECT}, libx264 veryfast, {args.threads} encode threads, "
          f"{args.rounds} rounds, ways taking turns")
    print(table(rows))
    print(f"overlapped / sequential: {ratio:.3f} (median wall); same gain both ways: {same_gain}")
    write_results(args.out, "render_overlap", {
        **measured, "median_wall_seconds": median, "median_cpu_seconds": median_cpu,
        "ratio_overlapped_to_sequential": round(ratio, 3), "same_gain": same_gain,
    }, commit=commit(), args={k: str(v) for k, v in vars(args).items()})


if __name__ == "__main__":
    main()
