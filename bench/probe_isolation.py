"""Benchmark: what reading uploads in the media sandbox's child process adds per upload.

Each case runs in-process (``probe.probe``, ``chunking.iter_chunks``: what the worker did before)
and in the sandbox (``sandbox.probe_media``, ``sandbox.AudioChunks``: a fresh interpreter, its
imports, the confinement, frames over a pipe), alternating so drift on a noisy machine hits both
alike. Cases: an empty file (refused at once: the sandbox's fixed cost), probes of an 11 s
talking-head MP4, a 222 s WAV reading and a 3.7 min talking-head MP4, and the whole ingest read
(probe and 60-120 s chunks) of the 3.7 min MP4. Media are built from ``../shared/media``.

Prints a table and writes bench/results/probe_isolation.json.

    .venv/bin/python bench/probe_isolation.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import percentile, table, write_results  # noqa: E402
from streams.errors import EmptyMedia  # noqa: E402
from streams.media.sandbox import confine  # noqa: E402
from streams.media.chunking import Chunker, iter_chunks  # noqa: E402
from streams.media.demo import talking_head  # noqa: E402
from streams.media.probe import probe  # noqa: E402
from streams.media.sandbox.reading import AudioChunks, probe_media  # noqa: E402

MEDIA = Path(os.environ.get("CLIPSTREAM_MEDIA_DIR", Path(__file__).resolve().parents[2] / "shared" / "media"))
RESULTS = Path(__file__).parent / "results" / "probe_isolation.json"
LJSPEECH = MEDIA / "derived/ljspeech_LJ001-0001_to_0032_concat.wav"


def build(work: Path) -> dict[str, Path]:
    empty = work / "empty.mp4"
    empty.write_bytes(b"")
    short = work / "short.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-i",
                    str(MEDIA / "images/fr_obama.jpg"), "-i", str(MEDIA / "speech/jfk.flac"), "-vf",
                    "scale=640:-2,format=yuv420p", "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac",
                    "-shortest", "-movflags", "+faststart", str(short)], check=True)
    long = talking_head(MEDIA / "images/fr_biden.jpg", LJSPEECH, work / "long.mp4", size=(640, 360))
    return {"empty": empty, "short": short, "wav": LJSPEECH, "long": long}


def probe_in_process(path: Path) -> None:
    try:
        probe(path)
    except EmptyMedia:
        pass


def probe_sandboxed(path: Path) -> None:
    try:
        probe_media(path)
    except EmptyMedia:
        pass


def read_in_process(path: Path) -> None:
    info = probe(path)
    for _ in iter_chunks(path, info, Chunker(min_seconds=60, max_seconds=120)):
        pass


def read_sandboxed(path: Path) -> None:
    info = probe_media(path)
    with AudioChunks(path, info, chunk_min_seconds=60, chunk_max_seconds=120) as chunks:
        for _ in chunks:
            pass


def timed(work, path: Path) -> float:
    started = time.perf_counter()
    work(path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp))
        cases = [
            ("refuse an empty file", files["empty"], probe_in_process, probe_sandboxed, args.runs),
            ("probe 11 s MP4", files["short"], probe_in_process, probe_sandboxed, args.runs),
            ("probe 222 s WAV", files["wav"], probe_in_process, probe_sandboxed, args.runs),
            ("probe 3.7 min MP4", files["long"], probe_in_process, probe_sandboxed, args.runs),
            ("probe + chunks, 3.7 min MP4", files["long"], read_in_process, read_sandboxed, max(3, args.runs // 3)),
        ]
        results, rows = [], [("case", "runs", "in-process p50", "sandboxed p50", "added p50", "added p95")]
        for name, path, inside, isolated, runs in cases:
            timed(inside, path), timed(isolated, path)  # warm the page cache and imports
            plain, boxed = [], []
            for _ in range(runs):
                plain.append(timed(inside, path))
                boxed.append(timed(isolated, path))
            added = [b - p for p, b in zip(plain, boxed)]
            result = {"case": name, "runs": runs, "in_process_p50_s": percentile(plain, 50),
                      "sandboxed_p50_s": percentile(boxed, 50), "added_p50_s": percentile(added, 50),
                      "added_p95_s": percentile(added, 95), "in_process_s": plain, "sandboxed_s": boxed}
            results.append(result)
            rows.append((name, str(runs), f"{result['in_process_p50_s'] * 1000:.0f} ms",
                         f"{result['sandboxed_p50_s'] * 1000:.0f} ms", f"{result['added_p50_s'] * 1000:.0f} ms",
                         f"{result['added_p95_s'] * 1000:.0f} ms"))
    print(table(rows))
    write_results(
        RESULTS, "probe_isolation", results,
        note="in-process vs sandboxed (child process, confined), alternating, same run",
        confinement={"landlock_abi": confine.landlock_abi(), "root": os.geteuid() == 0},
    )


if __name__ == "__main__":
    main()
