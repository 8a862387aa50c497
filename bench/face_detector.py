"""Benchmark: BlazeFace (full range) frames per second, in-process vs through Triton.

GRID frames resized to 640x360, batches of 1, 4 and 8, in one run: first the model in this
process (streams.vision), then the same model behind a private stack's Triton over HTTP.
Prints a table and writes bench/results/face_detector.json.

    .venv/bin/python bench/face_detector.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, stop_on_sigterm  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.vision.blazeface import FULL_RANGE, FaceDetector  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.unit.test_vision_blazeface import grid_frames  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "face_detector.json"
BATCHES = (1, 4, 8)
SIZE = (640, 360)


def frames_640x360() -> np.ndarray:
    frames = [np.asarray(Image.fromarray(f).resize(SIZE, Image.BILINEAR)) for _, f in grid_frames(MEDIA_DIR, every=5)]
    return np.stack(frames)


def rate(call, frames: np.ndarray, batch: int, seconds: float) -> float:
    """Frames per second calling ``call`` on consecutive batches for about ``seconds``."""
    call(frames[:batch])  # warm-up
    done, began, i = 0, time.perf_counter(), 0
    while time.perf_counter() - began < seconds:
        start = (i * batch) % (len(frames) - batch)
        call(frames[start : start + batch])
        done += batch
        i += 1
    return done / (time.perf_counter() - began)


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    frames = frames_640x360()
    detector = FaceDetector(FULL_RANGE, threads=2)  # as in config.pbtxt
    in_process = {b: rate(detector.detect_batch, frames, b, args.seconds) for b in BATCHES}

    import tritonclient.http as httpclient

    with private_stack() as settings:
        client = httpclient.InferenceServerClient(settings.triton_http_url.removeprefix("http://"), network_timeout=120)

        def through_triton(batch: np.ndarray) -> None:
            inp = httpclient.InferInput("FRAMES", list(batch.shape), "UINT8")
            inp.set_data_from_numpy(batch)
            client.infer("face_detector", [inp], outputs=[httpclient.InferRequestedOutput("COUNT")])

        triton = {b: rate(through_triton, frames, b, args.seconds) for b in BATCHES}
        client.close()

    rows = [("batch", "in-process (fps)", "triton http (fps)", "triton / in-process")]
    for b in BATCHES:
        rows.append((str(b), f"{in_process[b]:.1f}", f"{triton[b]:.1f}", f"{triton[b] / in_process[b]:.2f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "face_detector", "model": "blazeface full range", "frame_size": list(SIZE),
        "seconds_per_cell": args.seconds, "machine": machine(),
        "frames_per_second": {"in_process": in_process, "triton_http": triton},
    }, indent=2))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
