"""Benchmark: faster-whisper's ``BatchedInferencePipeline`` against plain ``WhisperModel.transcribe``.

Question: on this machine, does the batched pipeline raise Whisper's throughput over what the Triton
``whisper`` model does now (``WhisperRecognizer.recognize``: one ``WhisperModel.transcribe`` per
chunk), with the same options and no loss of accuracy?

Inputs are those of bench/whisper.py: the 222 s LJSpeech reading and the two 305 s TTS readings,
decoded once and cut into chunks of at most 120 s by the project's ``Chunker`` (not timed).

Variants, all on one ``WhisperModel`` loaded with the options of
models/triton_repo/whisper/config.pbtxt (tiny.en int8, beam 1, language en, word timestamps, VAD
filter, 2 CPU threads):

  sequential   ``WhisperRecognizer.recognize`` per chunk, exactly what the Triton model runs.
  batched B    ``BatchedInferencePipeline(model).transcribe(chunk, batch_size=B, ...)`` per chunk,
               with the same beam, language, word timestamps and VAD filter, and the same
               post-processing (``refine_word_starts``) so both sides produce a ``Recognition``.

How the batched pipeline differs besides batching (faster_whisper/transcribe.py): it runs Silero
VAD with ``max_speech_duration_s=30, min_silence_duration_ms=160``, packs the speech into windows
of at most 30 s and decodes each window once, batch by batch, without timestamp tokens, with the
first temperature only (no fallback) and never conditioned on earlier text. The sequential path
seeks through the speech 30 s at a time by timestamp tokens, with temperature fallback. Batch size
1 is therefore measured too, to tell the pipeline's segmentation apart from batching itself.
Without timestamp tokens a segment is a whole window (up to 30 s) instead of a sentence, which
changes the ``segments`` the transcribe agent stores; the ``+ts`` variants
(``without_timestamps=False``) measure what sentence-sized segments cost.
Batches never span chunks (one ``transcribe`` call per chunk), so a 120 s chunk gives at most
about 5 windows: the table shows how many windows the chunks make.

Speed is audio seconds per wall second over every chunk of a file; the variants alternate per
file, in an order that rotates every round, for ``--rounds`` rounds (median taken), so a noisy
machine slows them alike. The process's CPU time (``time.process_time``: every thread of this
process) is reported beside it, as audio seconds per CPU second: on a shared machine it shows the
work each variant needs, which wall time alone mixes with other people's load. Accuracy is the word error rate (``streams.asr.wer``) of each variant's
text for a whole file, its chunks' segments joined, against the reference text.

Prints a table and writes bench/results/whisper_batching.json.

    .venv/bin/python bench/whisper_batching.py [--rounds 2] [--batch-sizes 1,4,8]
    # on a GPU machine (CPU time is then not the measure to read):
    .venv/bin/python bench/whisper_batching.py --device cuda --compute-type float16 --batch-sizes 1,4,8,16
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402
import numpy as np  # noqa: E402
from faster_whisper import BatchedInferencePipeline  # noqa: E402
from faster_whisper.vad import VadOptions, collect_chunks, get_speech_timestamps  # noqa: E402

from bench.whisper import audio_seconds, config_options, load_chunks, table  # noqa: E402
from streams.asr.wer import normalise, word_error_rate  # noqa: E402
from streams.asr.whisper import (  # noqa: E402
    Recognition,
    WhisperOptions,
    WhisperRecognizer,
    default_model_dir,
    recognition_from,
)
from streams.media.chunking import AudioChunk  # noqa: E402
from streams.settings import project_root  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.media_recipes import LJSPEECH, TTS_LONGFORM  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "whisper_batching.json"
SAMPLE_RATE = 16000
TTS_TEXT = MEDIA_DIR / Path(TTS_LONGFORM[0]).parent / "en-sample.txt"
REFERENCES = {
    Path(f"{LJSPEECH}.wav").name: MEDIA_DIR / f"{LJSPEECH}.txt",
    **{Path(name).name: TTS_TEXT for name in TTS_LONGFORM},
}
SEQUENTIAL = "sequential"


def batched_recognize(
    pipeline: BatchedInferencePipeline, options: WhisperOptions, batch_size: int, audio: np.ndarray,
    timestamps: bool = False,
) -> Recognition:
    """``WhisperRecognizer.recognize`` with the batched pipeline in place of ``WhisperModel.transcribe``;
    ``timestamps`` decodes timestamp tokens too, so that segments are sentence-sized rather than one
    per window."""
    segments, info = pipeline.transcribe(
        audio,
        language=options.language or None,
        beam_size=options.beam_size,
        word_timestamps=options.word_timestamps,
        vad_filter=options.vad_filter,
        batch_size=batch_size,
        without_timestamps=not timestamps,
    )
    return recognition_from(segments, info, audio, options)


def batched_windows(audio: np.ndarray) -> int:
    """How many windows (of at most 30 s of speech) the batched pipeline decodes for ``audio``:
    its own VAD settings and packing, repeated here (not timed)."""
    vad = VadOptions(max_speech_duration_s=30, min_silence_duration_ms=160)
    clips = get_speech_timestamps(audio, vad)
    return len(collect_chunks(audio, clips, max_duration=30)[0]) if clips else 0


def text_of(recognitions: list[Recognition]) -> str:
    return " ".join(s.text for r in recognitions for s in r.segments)


def measure(recognizer: WhisperRecognizer, batch_sizes: list[int], timestamp_batch_sizes: list[int],
            chunks: dict[str, list[AudioChunk]], rounds: int) -> tuple[dict, dict, dict, dict, dict]:
    pipeline = BatchedInferencePipeline(recognizer.model)
    variants = {SEQUENTIAL: recognizer.recognize}
    for b in batch_sizes:
        variants[f"batched {b}"] = lambda audio, b=b: batched_recognize(pipeline, recognizer.options, b, audio)
    for b in timestamp_batch_sizes:
        variants[f"batched {b} +ts"] = lambda audio, b=b: batched_recognize(
            pipeline, recognizer.options, b, audio, timestamps=True)

    warm = next(iter(chunks.values()))[0].pcm[: SAMPLE_RATE * 10]
    for run in variants.values():  # first-call allocations, untimed
        run(warm)

    seconds: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    cpu: dict[str, dict[str, list[float]]] = {v: {} for v in variants}
    texts: dict[str, dict[str, list[str]]] = {v: {} for v in variants}
    segments: dict[str, list[float]] = {}  # variant: segment durations (last round)
    names = list(variants)
    for r in range(rounds):
        order = names[r % len(names):] + names[: r % len(names)]
        for name, file_chunks in chunks.items():
            for variant in order:
                began, began_cpu = time.perf_counter(), time.process_time()
                recognitions = [variants[variant](c.pcm) for c in file_chunks]
                seconds[variant].setdefault(name, []).append(time.perf_counter() - began)
                cpu[variant].setdefault(name, []).append(time.process_time() - began_cpu)
                texts[variant].setdefault(name, []).append(text_of(recognitions))
                if r == rounds - 1:
                    segments.setdefault(variant, []).extend(s.end - s.start for x in recognitions for s in x.segments)
                print(f"  round {r + 1} {name:40} {variant:12} {seconds[variant][name][-1]:6.1f} s"
                      f" (cpu {cpu[variant][name][-1]:6.1f} s)", flush=True)
    return seconds, cpu, texts, segments, variants


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch-sizes", default="1,4,8", help="comma-separated batch sizes for the batched pipeline")
    parser.add_argument("--timestamp-batch-sizes", default="4",
                        help="batch sizes to measure also with timestamp tokens decoded (empty: none)")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: as config.pbtxt)")
    parser.add_argument("--compute-type", default=None, help="e.g. int8, float16 (default: as config.pbtxt)")
    parser.add_argument("--max-chunk-seconds", type=float, default=120.0)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]
    timestamp_batch_sizes = [int(b) for b in args.timestamp_batch_sizes.split(",") if b.strip()]

    configured = config_options()
    overrides = {k: v for k, v in (("device", args.device), ("compute_type", args.compute_type)) if v}
    options = dataclasses.replace(configured, **overrides)
    chunks = load_chunks(args.max_chunk_seconds)
    print(f"inputs: {', '.join(f'{n} ({audio_seconds(c):.0f} s, {len(c)} chunks)' for n, c in chunks.items())}")
    windows = {name: [batched_windows(c.pcm) for c in file_chunks] for name, file_chunks in chunks.items()}
    print(f"batched pipeline windows per chunk: {windows}")

    began = time.perf_counter()
    recognizer = WhisperRecognizer(options)
    load_seconds = time.perf_counter() - began
    seconds, cpu, texts, segments, variants = measure(
        recognizer, batch_sizes, timestamp_batch_sizes, chunks, args.rounds)

    references = {name: REFERENCES[name].read_text() for name in chunks}
    total_audio = sum(audio_seconds(c) for c in chunks.values())
    summary: dict[str, dict] = {}
    for variant in variants:
        wall = sum(statistics.median(seconds[variant][name]) for name in chunks)
        cpu_seconds = sum(statistics.median(cpu[variant][name]) for name in chunks)
        files = {}
        errors = words = 0.0
        for name in chunks:
            ref_words = len(normalise(references[name]))
            wer = word_error_rate(references[name], texts[variant][name][-1])
            errors, words = errors + wer * ref_words, words + ref_words
            files[name] = {"wall_seconds_median": round(statistics.median(seconds[variant][name]), 2),
                           "x_realtime": round(audio_seconds(chunks[name]) / statistics.median(seconds[variant][name]), 2),
                           "wer": round(wer, 4),
                           "same_text_every_round": len(set(texts[variant][name])) == 1}
        summary[variant] = {"audio_seconds": round(total_audio, 2), "wall_seconds": round(wall, 2),
                            "x_realtime": round(total_audio / wall, 2), "cpu_seconds": round(cpu_seconds, 2),
                            "audio_per_cpu_second": round(total_audio / cpu_seconds, 2),
                            "segments": len(segments[variant]),
                            "segment_seconds_median": round(statistics.median(segments[variant]), 2),
                            "wer": round(errors / words, 4),
                            "files": files}
    base = summary[SEQUENTIAL]["x_realtime"]
    for variant in summary:
        summary[variant]["ratio_vs_sequential"] = round(summary[variant]["x_realtime"] / base, 3)

    base_cpu = summary[SEQUENTIAL]["audio_per_cpu_second"]
    rows = [("variant", "audio (s)", "wall (s)", "x real time", "vs sequential", "cpu (s)", "audio s / cpu s",
             "vs sequential", "WER", "segments (median s)")]
    for variant, s in summary.items():
        rows.append((variant, f"{s['audio_seconds']:.0f}", f"{s['wall_seconds']:.1f}", f"{s['x_realtime']:.1f}",
                     f"{s['ratio_vs_sequential']:.2f}", f"{s['cpu_seconds']:.1f}", f"{s['audio_per_cpu_second']:.1f}",
                     f"{s['audio_per_cpu_second'] / base_cpu:.2f}", f"{s['wer'] * 100:.2f}%",
                     f"{s['segments']} ({s['segment_seconds_median']:.1f})"))
    print(f"\nWhisper tiny.en {options.device}/{options.compute_type} beam {options.beam_size}, "
          f"{options.cpu_threads} threads; {os.cpu_count()} CPUs; median of {args.rounds} rounds; "
          f"WER over all three files (word-weighted)")
    print(table(rows))
    rows = [("file", *summary)]
    for name in chunks:
        rows.append((name, *(f"{summary[v]['files'][name]['x_realtime']:.1f}x / "
                             f"{summary[v]['files'][name]['wer'] * 100:.2f}%" for v in summary)))
    print()
    print(table(rows))

    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "whisper_batching",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version()},
        "versions": {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__,
                     "numpy": np.__version__},
        "args": vars(args), "options": dataclasses.asdict(options), "model_dir": str(default_model_dir()),
        "batched_call": {"vad_parameters": "pipeline default: max_speech_duration_s=30, min_silence_duration_ms=160",
                         "without_timestamps": "True, except the '+ts' variants", "temperature": 0.0,
                         "condition_on_previous_text": False},
        "model_load_seconds": round(load_seconds, 2),
        "inputs": {name: {"audio_seconds": round(audio_seconds(c), 2), "chunks": len(c),
                          "chunk_seconds": [round(x.end - x.start, 2) for x in c],
                          "batched_windows_per_chunk": windows[name]} for name, c in chunks.items()},
        "variants": summary, "runs_seconds": seconds, "runs_cpu_seconds": cpu,
        "texts": {v: {name: t[-1] for name, t in texts[v].items()} for v in texts},
    }, indent=2) + "\n")
    print(f"wrote {RESULTS.relative_to(project_root())}")


if __name__ == "__main__":
    main()
