"""Benchmark: one generated 10-minute talking head through the whole pipeline.

Starts a private stack (Kafka, PostgreSQL, Triton, storage) plus the API and worker on free
ports, submits the video through the API, and reads back from PostgreSQL when each stage started
and finished and when each clip was stored. Prints a table and writes bench/results/e2e.json.

The baseline, measured in the same run: a batch pipeline that waits for the whole transcript
before picking moments could have its first clip no sooner than "transcript finished + the final
ranking + one clip rendered". Once the video is done, its top clip is rendered again through the
API (another caption style) on the now idle stack and timed from request to stored clip: a render
alone, with every core (a re-render's share), which flatters the baseline. Streaming is worth the
difference. (Before, the baseline took the shortest gap between two clips' completions, which with
two clips rendering at once can be a few seconds: no render is that quick.)

    .venv/bin/python bench/e2e.py [--minutes 10] [--preset veryfast] [--clips 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from bench.report import commit, machine, stop_on_sigterm  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.cli.client import Client  # noqa: E402
from streams.media.demo import talking_head  # noqa: E402
from streams.settings import project_root  # noqa: E402
from streams.stack.credentials import api_key_for  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.media_recipes import LJSPEECH, TTS_LONGFORM, concat_audio  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "e2e.json"


def build_input(minutes: float, out_dir: Path) -> Path:
    # the readings last about 14 minutes: a longer talk reads them again from the start
    return looped_talk([MEDIA_DIR / f"{LJSPEECH}.wav", *(MEDIA_DIR / p for p in TTS_LONGFORM)], minutes, out_dir)


def looped_talk(parts: list[Path], minutes: float, out_dir: Path) -> Path:
    """The audio of ``parts`` back to back, read again from the start until it lasts ``minutes``,
    under a still portrait."""
    joined = concat_audio(parts, out_dir / "joined.wav")
    trimmed = out_dir / "talk.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-y", "-loglevel", "error", "-stream_loop", "-1", "-i", str(joined),
                    "-t", str(minutes * 60), str(trimmed)], check=True)
    return talking_head(MEDIA_DIR / "images/fr_obama.jpg", trimmed, out_dir / "talk.mp4")


def render_alone(client: Client, video_id: str, timeout: float = 900.0) -> float:
    """Seconds from asking for the video's top clip in another caption style to its being stored,
    on a stack with nothing else to do."""
    top = client.clips(video_id)["clips"][0]
    style = "clean" if top.get("caption_style") != "clean" else "bold"
    began = time.monotonic()
    asked = client.http.post(f"/v1/clips/{top['clip_id']}/renders", json={"caption_style": style})
    if asked.status_code != 202:
        raise SystemExit(f"the re-render was not queued: {asked.status_code} {asked.text[:300]}")
    clip_id = asked.json()["clip_id"]
    while time.monotonic() - began < timeout:
        if any(c["clip_id"] == clip_id for c in client.clips(video_id)["clips"]):
            return time.monotonic() - began
        time.sleep(0.1)
    raise SystemExit(f"the re-render of {top['clip_id']} was not stored within {timeout:.0f} s")


async def timings(dsn: str, video_id: str) -> dict:
    conn = await asyncpg.connect(dsn)
    try:
        video = await conn.fetchrow("SELECT created_at, finished_at, duration FROM videos WHERE video_id = $1",
                                    video_id)
        t0 = video["created_at"]
        stages = {
            r["stage"]: {"start": (r["started_at"] - t0).total_seconds(), "end": (r["finished_at"] - t0).total_seconds()}
            for r in await conn.fetch("SELECT * FROM video_stages WHERE video_id = $1", video_id)
        }
        clips = [(r["created_at"] - t0).total_seconds()
                 for r in await conn.fetch("SELECT created_at FROM clips WHERE video_id = $1 ORDER BY created_at",
                                           video_id)]
        return {"video_seconds": video["duration"], "total": (video["finished_at"] - t0).total_seconds(),
                "stages": stages, "clips_at": clips}
    finally:
        await conn.close()


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset for the clips")
    parser.add_argument("--clips", type=int, default=5)
    args = parser.parse_args()
    measured = commit()

    with tempfile.TemporaryDirectory() as tmp:
        source = build_input(args.minutes, Path(tmp))
        with private_stack(with_apps=True, render_preset=args.preset) as settings:
            with Client(settings.api_url, api_key_for(settings)) as client:
                began = time.monotonic()
                video_id = client.submit(source, clip_count=args.clips)["video_id"]
                video = client.wait(video_id, timeout=3600, poll=0.25)
                wall = time.monotonic() - began
                if video["status"] != "completed":
                    raise SystemExit(f"the video failed: {video['error']}")
                t = asyncio.run(timings(settings.postgres_dsn, video_id))  # before the re-render adds a clip
                alone = render_alone(client, video_id)

    stages = t["stages"]
    renders = [b - a for a, b in zip([stages["render"]["start"], *t["clips_at"]], t["clips_at"])]
    first_clip = t["clips_at"][0]
    batch_first_clip = stages["moments"]["end"] + alone
    rows = [("step", "starts (s)", "ends (s)", "wall (s)")]
    for name in ("ingest", "transcribe", "moments", "render"):
        s = stages[name]
        rows.append((name, f"{s['start']:.1f}", f"{s['end']:.1f}", f"{s['end'] - s['start']:.1f}"))
    rows += [
        ("first clip (streaming)", "", f"{first_clip:.1f}", ""),
        ("first clip (batch baseline)", "", f"{batch_first_clip:.1f}", f"{alone:.1f} to render alone"),
        ("all clips, video completed", "", f"{t['total']:.1f}", ""),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print(f"{t['video_seconds'] / 60:.1f}-minute video, {len(t['clips_at'])} clips, preset {args.preset}, "
          f"{os.cpu_count()} CPUs")
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    print(f"streaming gives the first clip {batch_first_clip / first_clip:.1f}x sooner than batch; "
          f"the whole video runs at {t['video_seconds'] / t['total']:.1f}x real time")

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "e2e", "commit": measured, "machine": machine(),
        "args": vars(args), "video_seconds": t["video_seconds"], "clip_count": len(t["clips_at"]),
        "stages": stages, "clips_at_seconds": t["clips_at"], "render_seconds_each": renders,
        "time_to_first_clip_seconds": first_clip, "batch_baseline_first_clip_seconds": batch_first_clip,
        "top_clip_rendered_alone_seconds": alone,
        "total_seconds": t["total"], "client_wall_seconds": round(wall, 2),
        "realtime_factor": t["video_seconds"] / t["total"],
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
