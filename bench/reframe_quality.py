"""Benchmark: framing that finds the speaker in any shot (issue 18), checked on the rendered clips.

Inputs, built with FFmpeg from ../shared/media by ``tests/media_recipes`` (real GRID faces and
voices, not timed):

  moving  ``moving_face``, 2 clips (6 s): one talking face moving across a textured frame, scaled
          so that the face is 5 %, 10 %, 20 % or 50 % (the close shot) of the height, on a
          1280x720 and a 1920x1080 canvas; clip 0.5-5.5 s
          (and 5 % on a 3840x2160 canvas: a 4K source)
  portrait  a still photograph (``images/fr_obama.jpg`` at 5 % of 1080p, ``fr_biden.jpg`` at
          10 % of 720p) moving the same way over the JFK reading; clip 0.5-5.5 s
  profile a face in profile, the same way: scikit-image's cameraman (``media_recipes.cameraman``)
          at 10 % of 720p and 5 % of 1080p
  two     ``two_speakers`` on 1280x720, faces 10 % of the height, 3 s turns; the whole 12 s, with
          ``framing="speaker"`` (one crop that must follow whoever speaks), and with ``auto``
          (``-split``: the turns make a split screen, one panel per speaker; also at 5 % of
          1080p)
  montage ``grid_montage``, 4 speakers with a hard cut every 3 s (a close shot with cuts); 12 s

For each input, through a private stack's Triton (``face_detector``, ``face_landmarks``):

  analysis  ``plan_clip`` (9:16) timed with ``SamplingOptions()`` (new: small faces searched for
            and followed) and with ``SamplingOptions(small_faces=False)`` (baseline: the whole
            look alone, what shipped before), alternating which goes first. Frames per second are
            the sampled frames of the clip (8 fps x clip seconds; the look also covers the plan's
            1 s of context either side) over the wall seconds: on the close shots, the fastest of
            ``--repeats`` runs per side (the target is theirs: new / baseline time <= 1.5, the
            50 % faces and the montage); one run per side elsewhere.
  render    ``render_clip`` on the new plan (1080x1920, libx264 veryfast, loudness normalised).
  check     independent of BlazeFace: every 2nd frame of the rendered MP4 through OpenCV's Haar
            frontal-face cascade (the profile inputs: its profile cascade, on the frame and on its
            mirror image, for faces turned either way); a frame is centred when a face is found whose centre x lies in
            the middle 60 % of the output width (target >= 0.95 of frames). Also the share of
            frames with any Haar face at all (rendered, and every 5th frame of the source), to
            tell a framing miss from a Haar miss.
  speed     the crop centre's top speed (``layout.speed_profile``, cuts left out; both panels of a
            split) over ``camera.MAX_SPEED`` x source width (target <= 1.0).
  audio     integrated loudness and true peak of the MP4 (ffmpeg ebur128): -14 +- 1 LUFS and
            <= -1 dBTP.

Prints a table and writes bench/results/reframe_quality.json.

    .venv/bin/python bench/reframe_quality.py [--repeats 3] [--only moving-720p-5,montage] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import av
import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, machine, stop_on_sigterm  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.adapters.triton import TritonClient  # noqa: E402
from streams.media.reframe.camera import MAX_SPEED  # noqa: E402
from streams.media.reframe.observations import Source  # noqa: E402
from streams.media.reframe.planner import plan_clip  # noqa: E402
from streams.media.reframe.reframe_plan import speed_profile  # noqa: E402
from streams.media.reframe.sampling import SamplingOptions  # noqa: E402
from streams.media.render import RenderSpec, render_clip  # noqa: E402
from tests import media_recipes  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "reframe_quality.json"
FPS = media_recipes.GRID_FPS
ASPECT = "9:16"
PRESET = "veryfast"
NEW, BASELINE = SamplingOptions(), SamplingOptions(small_faces=False)

TARGETS = {
    "centred_share_min": 0.95,  # rendered frames (every 2nd) with a Haar face centred in the middle 60 %
    "middle_share": 0.6,
    "speed_over_bound_max": 1.0,  # crop-centre top speed / (MAX_SPEED x source width), cuts left out
    "analysis_time_ratio_max": 1.5,  # new / baseline analysis wall time, on the close shots only
    "lufs": -14.0,
    "lufs_tolerance": 1.0,
    "true_peak_max_dbtp": -1.0,
}

HAAR = {"frontal": cv2.data.haarcascades + "haarcascade_frontalface_default.xml",
        "profile": cv2.data.haarcascades + "haarcascade_profileface.xml"}
HAAR_WIDTH = 540  # rendered frames (1080x1920) are halved before the cascade; sources shrunk to this wide
HAAR_SOURCE_EVERY = 5
# No histogram equalisation before the cascade: on these frames it hurts (it blows up the moving
# inputs' background noise, ten times slower and faces missed, and washes out the faces on the
# two speakers' flat dark frame, where none is found at all).


@dataclass(frozen=True)
class Input:
    name: str
    path: Path
    canvas: tuple[int, int]
    start: float
    end: float
    framing: str = "auto"
    close: bool = False  # a close shot: the analysis-time target applies
    face_fraction: float | None = None
    layout: str | None = None  # the layout the plan must have, where the input asks for one
    pose: str = "frontal"  # which Haar cascade checks it: "frontal", or "profile" (a face turned aside)


def build_inputs(work: Path, only: set[str] | None) -> list[Input]:
    out: list[Input] = []

    def wanted(name: str) -> bool:
        return not only or name in only

    for canvas in ((1280, 720), (1920, 1080)):
        for fraction in (0.05, 0.10, 0.20, 0.50):
            name = f"moving-{canvas[1]}p-{round(fraction * 100)}"
            if wanted(name):
                path, _ = media_recipes.moving_face(MEDIA_DIR, work, clips=2, canvas=canvas, face_fraction=fraction)
                out.append(Input(name, path, canvas, 0.5, 5.5, close=fraction >= 0.5, face_fraction=fraction))
    if wanted("moving-2160p-5"):  # a 4K source: crops come from its 1280-wide full frame
        path, _ = media_recipes.moving_face(MEDIA_DIR, work, clips=2, canvas=(3840, 2160), face_fraction=0.05)
        out.append(Input("moving-2160p-5", path, (3840, 2160), 0.5, 5.5, face_fraction=0.05))
    for image, canvas, fraction in PORTRAITS:
        name = f"portrait-{Path(image).stem.split('_')[-1]}-{canvas[1]}p-{round(fraction * 100)}"
        if wanted(name):
            path = media_recipes.moving_portrait(MEDIA_DIR, image, work / f"{name}.mp4", canvas, fraction)
            out.append(Input(name, path, canvas, 0.5, 5.5, face_fraction=fraction))
    for canvas, fraction in PROFILES:
        name = f"profile-cameraman-{canvas[1]}p-{round(fraction * 100)}"
        if wanted(name):
            path = media_recipes.moving_portrait(MEDIA_DIR, str(media_recipes.cameraman()), work / f"{name}.mp4",
                                                 canvas, fraction)
            out.append(Input(name, path, canvas, 0.5, 5.5, face_fraction=fraction, pose="profile"))
    for canvas, fraction, framing in TWO_SPEAKERS:
        name = f"two-{canvas[1]}p-{round(fraction * 100)}" + ("-split" if framing == "auto" else "")
        if wanted(name):
            path, timeline, _ = media_recipes.two_speakers(MEDIA_DIR, work, canvas=canvas, face_fraction=fraction)
            out.append(Input(name, path, canvas, timeline[0][0], timeline[-1][1], framing=framing,
                             face_fraction=fraction, layout="split" if framing == "auto" else "single"))
    if wanted("montage"):
        path, _ = media_recipes.grid_montage(MEDIA_DIR, work, clips=4)
        out.append(Input("montage", path, media_recipes.CANVAS, 0.0, 4 * media_recipes.GRID_SECONDS, close=True))
    return out


# Two small speakers trading 3 s turns: one crop that follows whoever speaks (``speaker``), and
# what ``auto`` makes of them, a split screen (one panel each).
TWO_SPEAKERS = (((1280, 720), 0.10, "speaker"), ((1280, 720), 0.10, "auto"), ((1920, 1080), 0.05, "auto"))
# Still portraits (real photographs, not GRID video) moving across the frame over a real voice.
PORTRAITS = (("images/fr_obama.jpg", (1920, 1080), 0.05), ("images/fr_biden.jpg", (1280, 720), 0.10))
# A face in profile (a real photograph: every face in ../shared/media looks at the camera).
PROFILES = (((1280, 720), 0.10), ((1920, 1080), 0.05))


# --- analysis -----------------------------------------------------------------------------------

async def plan_once(client: TritonClient, item: Input, sampling: SamplingOptions):
    source = Source(item.canvas[0], item.canvas[1], FPS)
    began = time.perf_counter()
    plans = await plan_clip(client, item.path, source, item.start, item.end, [ASPECT], framing=item.framing,
                            sampling=sampling)
    return plans[ASPECT], time.perf_counter() - began


async def analyse(client: TritonClient, item: Input, repeats: int, first: int) -> dict:
    """The new and the baseline plan of ``item``, each timed ``repeats`` times, alternating which
    goes first (``first`` picks the opener of the first round)."""
    sides = {"new": NEW, "baseline": BASELINE}
    order = ["new", "baseline"] if first % 2 == 0 else ["baseline", "new"]
    times: dict[str, list[float]] = {"new": [], "baseline": []}
    plans = {}
    for r in range(repeats):
        for side in order if r % 2 == 0 else order[::-1]:
            plan, seconds = await plan_once(client, item, sides[side])
            plans[side] = plan
            times[side].append(seconds)
    return {"plan": plans["new"], "baseline_plan": plans["baseline"], "times": times}


def speed_over_bound(plan) -> tuple[float | None, float]:
    bound = MAX_SPEED * plan.source.width
    speeds = list(speed_profile(plan, 0))
    if plan.layout == "split":
        speeds += list(speed_profile(plan, 1))
    return (max(speeds) / bound if speeds else None), bound


def plan_summary(plan) -> dict:
    return {"layout": plan.layout, "crop": [plan.crop_width, plan.crop_height],
            "framing": None if plan.framing is None else plan.framing.as_json(),
            "cuts": [round(c, 3) for c in plan.cuts],
            "speakers": [[round(s.start, 2), round(s.end, 2), s.track_id] for s in plan.speakers]}


# --- independent checks -------------------------------------------------------------------------

def haar_faces(cascade, gray, pose: str, **options):
    """The cascade's faces ``(x, y, w, h)`` in ``gray``; for a profile, also those it finds in the
    mirror image (the cascade knows faces turned one way only), mapped back."""
    found = [tuple(f) for f in cascade.detectMultiScale(gray, **options)]
    if pose == "profile":
        width = gray.shape[1]
        mirrored = cascade.detectMultiScale(cv2.flip(gray, 1), **options)
        found += [(width - x - w, y, w, h) for x, y, w, h in mirrored]
    return found


def haar_rendered(mp4: Path, middle: float, panels: int = 1, pose: str = "frontal") -> dict:
    """Every 2nd frame of the rendered clip: the share with a Haar face whose centre x is in the
    middle ``middle`` of the width, and the share with any Haar face (also: the share where the
    largest face found is the centred one, in case a stray detection does the centring). A split
    screen (``panels`` 2, stacked) counts as centred only with a centred face in each panel."""
    cascade = cv2.CascadeClassifier(HAAR[pose])
    centred = largest = anything = frames = 0
    with av.open(str(mp4)) as container:
        stream = container.streams.video[0]
        for i, frame in enumerate(container.decode(stream)):
            if i % 2:
                continue
            gray = frame.to_ndarray(format="gray")
            height, width = gray.shape
            scale = HAAR_WIDTH / width
            small = cv2.resize(gray, (HAAR_WIDTH, round(height * scale)), interpolation=cv2.INTER_AREA)
            found = haar_faces(cascade, small, pose, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
            frames += 1
            if len(found):
                anything += 1
                lo, hi = (1 - middle) / 2 * width, (1 + middle) / 2 * width
                band = height / panels
                if all(any(lo <= (x + w / 2) / scale <= hi and int((y + h / 2) / scale // band) == k
                           for x, y, w, h in found) for k in range(panels)):
                    centred += 1
                x, _, w, _ = max(found, key=lambda f: f[2] * f[3])
                largest += lo <= (x + w / 2) / scale <= hi
    return {"frames": frames, "centred_share": centred / frames if frames else 0.0,
            "largest_centred_share": largest / frames if frames else 0.0,
            "any_face_share": anything / frames if frames else 0.0}


def haar_source(item: Input) -> dict:
    """Sanity check of the cascade itself: every 5th source frame of the clip (a 1080p canvas
    shrunk to 1280x720), the share with any Haar face at all."""
    cascade = cv2.CascadeClassifier(HAAR[item.pose])
    anything = frames = 0
    width_cap = 1280  # a 1080p canvas is shrunk to 1280x720, a 720p one kept
    with av.open(str(item.path)) as container:
        stream = container.streams.video[0]
        for i, frame in enumerate(container.decode(stream)):
            t = float(frame.pts * stream.time_base) if frame.pts is not None else i / FPS
            if t < item.start - 1e-6 or i % HAAR_SOURCE_EVERY:
                continue
            if t >= item.end - 1e-6:
                break
            gray = frame.to_ndarray(format="gray")
            height, width = gray.shape
            if width > width_cap:
                gray = cv2.resize(gray, (width_cap, round(height * width_cap / width)), interpolation=cv2.INTER_AREA)
            found = haar_faces(cascade, gray, item.pose, scaleFactor=1.1, minNeighbors=5, minSize=(24, 24))
            frames += 1
            anything += bool(len(found))
    return {"frames": frames, "any_face_share": anything / frames if frames else 0.0}


SUMMARY_I = re.compile(r"Integrated loudness:\s*\n\s*I:\s*(-?[\d.]+|-inf)\s*LUFS")
SUMMARY_PEAK = re.compile(r"True peak:\s*\n\s*Peak:\s*(-?[\d.]+|-inf)\s*dBFS")


def audio_levels(mp4: Path) -> dict:
    log = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-nostats", "-i", str(mp4), "-filter_complex",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = log[log.rfind("Summary:"):]
    i, peak = SUMMARY_I.search(summary), SUMMARY_PEAK.search(summary)
    if not i or not peak:
        raise RuntimeError(f"no ebur128 summary for {mp4}:\n{log[-2000:]}")
    return {"integrated_lufs": float(i[1]), "true_peak_dbtp": float(peak[1])}


# --- the run ------------------------------------------------------------------------------------

async def measure(settings, items: list[Input], work: Path, repeats: int) -> dict[str, dict]:
    client = TritonClient(settings.triton_grpc_url)
    results: dict[str, dict] = {}
    try:
        await client.wait_ready(["face_detector", "face_landmarks"], timeout=180)
        warm = items[0]  # warm-up (not timed): both models, both ways
        await plan_once(client, warm, NEW)
        await plan_once(client, warm, BASELINE)
        for n, item in enumerate(items):
            print(f"  {item.name}: analysis ...", flush=True)
            analysed = await analyse(client, item, repeats if item.close else 1, n)
            plan = analysed["plan"]
            print(f"  {item.name}: render ({plan.layout}, crop {plan.crop_width}x{plan.crop_height}) ...", flush=True)
            spec = RenderSpec(item.path, item.start, item.end, aspect=ASPECT, plan=plan, faces=plan.faces,
                              preset=PRESET)
            began = time.perf_counter()
            clip = await render_clip(spec, work / "renders", stem=item.name)
            results[item.name] = {"item": item, **analysed, "clip": clip,
                                  "render_seconds": time.perf_counter() - began}
    finally:
        await client.close()
    return results


def evaluate(item: Input, r: dict) -> dict:
    plan, clip = r["plan"], r["clip"]
    seconds = item.end - item.start
    sampled = round(NEW.fps * seconds)
    best = {side: min(t) for side, t in r["times"].items()}
    ratio = best["new"] / best["baseline"]
    speed, bound = speed_over_bound(plan)
    print(f"  {item.name}: checking the render ...", flush=True)
    rendered = haar_rendered(clip.mp4, TARGETS["middle_share"], panels=2 if plan.layout == "split" else 1,
                             pose=item.pose)
    source = haar_source(item)
    levels = audio_levels(clip.mp4)
    checks = {
        "layout": (plan.layout == item.layout) if item.layout else None,
        "centred": rendered["centred_share"] >= TARGETS["centred_share_min"],
        "speed": speed is None or speed <= TARGETS["speed_over_bound_max"],
        "analysis_time": (ratio <= TARGETS["analysis_time_ratio_max"]) if item.close else None,
        "lufs": abs(levels["integrated_lufs"] - TARGETS["lufs"]) <= TARGETS["lufs_tolerance"],
        "true_peak": levels["true_peak_dbtp"] <= TARGETS["true_peak_max_dbtp"],
    }
    return {
        "input": {"canvas": list(item.canvas), "face_fraction": item.face_fraction, "start": item.start,
                  "end": item.end, "framing": item.framing, "close_shot": item.close, "pose": item.pose},
        "plan": plan_summary(plan),
        "baseline_plan": plan_summary(r["baseline_plan"]),
        "rendered": {"size": [clip.width, clip.height], "duration": round(clip.duration, 3),
                     "render_seconds": round(r["render_seconds"], 2), "gain_db": clip.gain_db},
        "haar_rendered": rendered,
        "haar_source": source,
        "speed": {"max_over_bound": None if speed is None else round(speed, 4), "bound_px_per_s": bound},
        "analysis": {"sampled_frames": sampled,
                     "wall_seconds": {k: [round(x, 3) for x in v] for k, v in r["times"].items()},
                     "fps_new": round(sampled / best["new"], 2), "fps_baseline": round(sampled / best["baseline"], 2),
                     "time_ratio": round(ratio, 3)},
        "audio": levels,
        "checks": checks,
        "met": all(v for v in checks.values() if v is not None),
    }


def table(rows: dict[str, dict]) -> list[tuple[str, ...]]:
    def ok(v: bool | None) -> str:
        return "-" if v is None else ("ok" if v else "FAIL")

    out = [("input", "layout", "base layout", "crop", "zoom/soft", "centred", "haar any", "src any", "speed/bound",
            "fps new", "fps base", "time x", "LUFS", "dBTP", "layout ok", "centre", "speed", "time", "lufs", "peak",
            "met")]
    for name, row in rows.items():
        framing, a, c = row["plan"]["framing"], row["analysis"], row["checks"]
        speed = row["speed"]["max_over_bound"]
        out.append((
            name, row["plan"]["layout"], row["baseline_plan"]["layout"], "x".join(map(str, row["plan"]["crop"])),
            f"{framing['zoom']:.2f}/{'soft' if framing['soft'] else 'sharp'}" if framing else "-",
            f"{row['haar_rendered']['centred_share']:.2f}", f"{row['haar_rendered']['any_face_share']:.2f}",
            f"{row['haar_source']['any_face_share']:.2f}", "-" if speed is None else f"{speed:.2f}",
            f"{a['fps_new']:.1f}", f"{a['fps_baseline']:.1f}", f"{a['time_ratio']:.2f}",
            f"{row['audio']['integrated_lufs']:.1f}", f"{row['audio']['true_peak_dbtp']:.1f}",
            ok(c["layout"]), ok(c["centred"]), ok(c["speed"]), ok(c["analysis_time"]), ok(c["lufs"]),
            ok(c["true_peak"]), "yes" if row["met"] else "NO",
        ))
    return out


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed analyses per side on the close shots")
    parser.add_argument("--only", default="", help="comma-separated input names (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.name})")
    args = parser.parse_args()
    only = {n.strip() for n in args.only.split(",") if n.strip()} or None
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-reframe-") as tmp:
        work = Path(tmp)
        print("building the inputs ...", flush=True)
        items = build_inputs(work, only)
        phases = {"build_inputs": time.perf_counter() - began}
        print("starting Triton ...", flush=True)
        clock = time.perf_counter()
        with private_stack(only=["triton"]) as settings:
            phases["triton_up"] = time.perf_counter() - clock
            clock = time.perf_counter()
            measured = asyncio.run(measure(settings, items, work, args.repeats))
            phases["analyse_and_render"] = time.perf_counter() - clock
        clock = time.perf_counter()
        rows = {item.name: evaluate(item, measured[item.name]) for item in items}
        phases["checks"] = time.perf_counter() - clock
    elapsed = time.perf_counter() - began
    phases = {k: round(v, 1) for k, v in phases.items()}

    lines = table(rows)
    widths = [max(len(r[i]) for r in lines) for i in range(len(lines[0]))]
    print(f"\n9:16 (1080x1920), libx264 {PRESET}; analysis fps = sampled frames (8/s of the clip) / wall s "
          f"(fastest of {args.repeats} on the close shots); time x = new / baseline (small_faces=False)")
    for r in lines:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    met = all(row["met"] for row in rows.values())
    print(f"targets: centred >= {TARGETS['centred_share_min']} (Haar, middle {TARGETS['middle_share']:.0%}), "
          f"speed/bound <= {TARGETS['speed_over_bound_max']}, time x <= {TARGETS['analysis_time_ratio_max']} "
          f"(close shots), {TARGETS['lufs']:g} +- {TARGETS['lufs_tolerance']:g} LUFS, "
          f"<= {TARGETS['true_peak_max_dbtp']:g} dBTP; all met: {'yes' if met else 'NO'}")
    print(f"{elapsed:.0f} s in all: " + ", ".join(f"{k} {v:.0f} s" for k, v in phases.items()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "reframe_quality", "issue": 18, "commit": commit(),
        "machine": machine(),
        "settings": {"aspect": ASPECT, "output": [1080, 1920], "preset": PRESET, "repeats": args.repeats,
                     "sampling_new": {"fps": NEW.fps, "detect_width": NEW.detect_width, "small_faces": NEW.small_faces},
                     "sampling_baseline": {"fps": BASELINE.fps, "detect_width": BASELINE.detect_width,
                                           "small_faces": BASELINE.small_faces},
                     "haar": {"cascade": {k: Path(v).name for k, v in HAAR.items()}, "rendered_every": 2,
                              "rendered_width": HAAR_WIDTH, "source_every": HAAR_SOURCE_EVERY}},
        "targets": TARGETS, "seconds": round(elapsed, 1), "phase_seconds": phases, "results": rows, "met": met,
    }, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
