"""Benchmark: what running the picture "looks" in the media sandbox's child costs against decoding
in-process.

Each case runs in-process (``onscreen.Glance``, and for the reframer ``sampling.read_loudness``:
what the worker did before) and in the sandbox (``sandbox_look.Look``: a fresh interpreter, its
imports, the confinement, then the same decode with every picture sent over a pipe), alternating
so drift on a noisy machine hits both alike. Both decode with the same number of decoder threads
(``sandbox_look.DECODER_THREADS``), so the difference is the isolation alone. Cases:

- transcribe's look (``GlanceOptions()``: 1 fps, 640 px pictures, non-reference frames skipped)
  at a 120 s chunk of a 640x360 talking head;
- the reframer's look (``sampling.glance_options(SamplingOptions())``: 8 fps, every frame decoded
  and deblocked, full frames up to ``sampling.FULL_WIDTH`` wide for face crops, plus the loudness at 40 ms hops) at
  a 60 s clip of a 1280x720 and of a 1920x1080 talking head;
- the fixed cost: transcribe's look at 2 s of the 640x360 talking head (start-up, imports and
  confinement dominate).

Per case: median and p90 seconds of each, the seconds added and the ratio, the bytes of pictures
the sandbox moved over its pipe per second of video, the CPU seconds spent (this process and the
child together), how far this process's RSS (the worker's side) rose above where it started,
and the child's peak RSS. Media are built from ``../shared/media``. Prints tables and writes
bench/results/look_isolation.json.

    .venv/bin/python bench/look_isolation.py [--runs 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.report import percentile, table, write_results  # noqa: E402
from streams.media.sandbox import confine  # noqa: E402
from streams.media.demo import talking_head  # noqa: E402
from streams.media.onscreen import Glance, GlanceOptions  # noqa: E402
from streams.media.reframe.sampling import LOUDNESS_HOP, SamplingOptions, glance_options, read_loudness  # noqa: E402
from streams.media.sandbox.look import DECODER_THREADS, Look  # noqa: E402

MEDIA = Path(os.environ.get("CLIPSTREAM_MEDIA_DIR", Path(__file__).resolve().parents[2] / "shared" / "media"))
RESULTS = Path(__file__).parent / "results" / "look_isolation.json"
LJSPEECH = MEDIA / "derived/ljspeech_LJ001-0001_to_0032_concat.wav"  # 222 s of reading
PORTRAIT = MEDIA / "images/fr_biden.jpg"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    video: str
    start: float
    end: float
    options: GlanceOptions
    loudness: bool  # the reframer also reads the stretch's loudness
    runs: int


@dataclasses.dataclass
class Run:
    seconds: float
    cpu_seconds: float  # this process and the reaped child together
    pictures: int
    picture_bytes: int  # pixels handed out (in the sandbox: what crossed the pipe)
    worker_rss_rise: int  # bytes: this process's peak RSS during the run over its RSS at the start
    child_peak_rss: int | None  # bytes, the sandbox's child (None in-process)


def build(work: Path) -> dict[str, Path]:
    return {f"{w}x{h}": talking_head(PORTRAIT, LJSPEECH, work / f"talk_{w}x{h}.mp4", size=(w, h))
            for w, h in ((640, 360), (1280, 720), (1920, 1080))}


def vm_status(field: str, pid: int | str = "self") -> int | None:
    """``VmHWM`` (peak) or ``VmRSS`` (now) of a process in bytes, from /proc; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def vm_hwm(pid: int | str = "self") -> int | None:
    return vm_status("VmHWM", pid)


def reset_peak_rss() -> int:
    """Start this process's VmHWM again from its current RSS (Linux >= 4.0); that RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass
    return vm_status("VmRSS") or 0


class ChildPeak:
    """Polls the child's VmHWM (a peak, so polling misses only the growth after the last read)."""

    def __init__(self, pid: int, every: float = 0.05) -> None:
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while True:
            value = vm_hwm(self.pid)
            if value is None:
                return
            self.peak = max(self.peak, value)
            if self._stop.wait(self.every):
                return

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def cpu_now() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def size_of(picture) -> int:
    return picture.small.nbytes + (picture.full.nbytes if picture.full is not None else 0)


def in_process(case: Case, path: Path) -> Run:
    options = dataclasses.replace(case.options, threads=DECODER_THREADS)  # as the sandbox decodes
    rss = reset_peak_rss()
    cpu, started = cpu_now(), time.perf_counter()
    count = size = 0
    with Glance(path, case.start, case.end, options) as glance:
        while batch := glance.next_batch():
            count, size = count + len(batch), size + sum(size_of(p) for p in batch)
        glance.cut_times()
    if case.loudness:
        read_loudness(path, case.start, case.end, LOUDNESS_HOP)
    seconds = time.perf_counter() - started
    return Run(seconds, cpu_now() - cpu, count, size, (vm_hwm() or rss) - rss, None)


def sandboxed(case: Case, path: Path) -> Run:
    rss = reset_peak_rss()
    cpu, started = cpu_now(), time.perf_counter()
    count = size = 0
    loudness = (case.start, case.end, LOUDNESS_HOP) if case.loudness else None
    with Look(path, case.start, case.end, case.options, loudness=loudness) as look:
        watch = ChildPeak(look.pid)
        while batch := look.next_batch():  # the worker reads in batches of 8, as ``pictures`` does
            count, size = count + len(batch), size + sum(size_of(p) for p in batch)
        assert look.result is not None
    seconds = time.perf_counter() - started
    return Run(seconds, cpu_now() - cpu, count, size, (vm_hwm() or rss) - rss, watch.stop())


def summarize(case: Case, plain: list[Run], boxed: list[Run]) -> dict:
    video = case.end - case.start
    t_in, t_box = [r.seconds for r in plain], [r.seconds for r in boxed]
    added = [b - p for p, b in zip(t_in, t_box)]
    return {
        "case": case.name, "video": case.video, "start_s": case.start, "end_s": case.end,
        "options": dataclasses.asdict(case.options), "loudness": case.loudness, "runs": case.runs,
        "in_process_p50_s": percentile(t_in, 50), "in_process_p90_s": percentile(t_in, 90),
        "sandboxed_p50_s": percentile(t_box, 50), "sandboxed_p90_s": percentile(t_box, 90),
        "added_p50_s": percentile(added, 50), "added_p90_s": percentile(added, 90),
        "ratio_p50": percentile(t_box, 50) / percentile(t_in, 50),
        "pictures": boxed[0].pictures,
        "pipe_bytes_per_video_second": boxed[0].picture_bytes / video,
        "pipe_bytes_per_second": percentile([r.picture_bytes / r.seconds for r in boxed], 50),
        "in_process_cpu_p50_s": percentile([r.cpu_seconds for r in plain], 50),
        "sandboxed_cpu_p50_s": percentile([r.cpu_seconds for r in boxed], 50),
        "in_process_worker_rss_rise_bytes": max(r.worker_rss_rise for r in plain),
        "sandboxed_worker_rss_rise_bytes": max(r.worker_rss_rise for r in boxed),
        "sandboxed_child_peak_rss_bytes": max(r.child_peak_rss or 0 for r in boxed),
        "in_process_s": t_in, "sandboxed_s": t_box,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    transcribe, reframe = GlanceOptions(), glance_options(SamplingOptions())
    cases = [
        Case("fixed cost: transcribe look, 2 s of 640x360", "640x360", 10.0, 12.0, transcribe, False, 3 * args.runs),
        Case("transcribe look, 120 s chunk of 640x360", "640x360", 0.0, 120.0, transcribe, False, args.runs),
        Case("reframe look + loudness, 60 s of 1280x720", "1280x720", 30.0, 90.0, reframe, True, args.runs),
        Case("reframe look + loudness, 60 s of 1920x1080", "1920x1080", 30.0, 90.0, reframe, True, args.runs),
    ]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        videos = build(Path(tmp))
        for case in cases:
            path = videos[case.video]
            in_process(case, path), sandboxed(case, path)  # warm the page cache and imports
            plain, boxed = [], []
            for _ in range(case.runs):
                plain.append(in_process(case, path))
                boxed.append(sandboxed(case, path))
            results.append(summarize(case, plain, boxed))
            print(f"{case.name}: {results[-1]['in_process_p50_s']:.2f} s in-process, "
                  f"{results[-1]['sandboxed_p50_s']:.2f} s sandboxed", flush=True)

    mb = 1 << 20
    timing = [("case", "runs", "in-process p50/p90", "sandboxed p50/p90", "added p50/p90", "ratio p50")]
    cost = [("case", "pictures", "pipe MB/s of video", "pipe MB/s", "CPU s in/box",
             "worker RSS rise in/box MB", "child peak RSS MB")]
    for r in results:
        timing.append((r["case"], str(r["runs"]), f"{r['in_process_p50_s']:.2f} / {r['in_process_p90_s']:.2f} s",
                       f"{r['sandboxed_p50_s']:.2f} / {r['sandboxed_p90_s']:.2f} s",
                       f"{r['added_p50_s']:.2f} / {r['added_p90_s']:.2f} s", f"{r['ratio_p50']:.2f}x"))
        cost.append((r["case"], str(r["pictures"]), f"{r['pipe_bytes_per_video_second'] / mb:.1f}",
                     f"{r['pipe_bytes_per_second'] / mb:.0f}",
                     f"{r['in_process_cpu_p50_s']:.1f} / {r['sandboxed_cpu_p50_s']:.1f}",
                     f"{r['in_process_worker_rss_rise_bytes'] / mb:.0f} / {r['sandboxed_worker_rss_rise_bytes'] / mb:.0f}",
                     f"{r['sandboxed_child_peak_rss_bytes'] / mb:.0f}"))
    print(table(timing))
    print()
    print(table(cost))
    write_results(
        RESULTS, "look_isolation", results,
        note="in-process Glance (+ read_loudness) vs sandbox_look.Look (child process, confined), "
             "alternating, same run; both decode with the sandbox's decoder threads; pipe bytes are "
             "the pictures' pixels; CPU is this process plus the reaped child; the worker's RSS rise is its "
             "VmHWM (reset before each run) over its RSS at the start, the largest of the runs; the child's "
             "peak is its VmHWM polled every 50 ms",
        decoder_threads=DECODER_THREADS,
        confinement={"landlock_abi": confine.landlock_abi(), "root": os.geteuid() == 0},
    )


if __name__ == "__main__":
    main()
