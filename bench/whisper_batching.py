"""Benchmark: faster-whisper's ``BatchedInferencePipeline`` against plain ``WhisperModel.transcribe``.

Question: on this machine, does the batched pipeline raise Whisper's throughput over what the Triton
``whisper`` model does now (``WhisperRecognizer.recognize``: one ``WhisperModel.transcribe`` per
chunk), with the same options and no loss of accuracy?

Inputs are those of bench/whisper.py: the 222 s LJSpeech reading and the two 305 s TTS readings,
decoded once and cut into chunks of at most 120 s by the project's ``Chunker`` (not timed).

Variants, all on one ``WhisperModel`` loaded with the options of
models/triton_repo/whisper/config.pbtxt (tiny.en int8, beam 1, language en, word timestamps,
Silero VAD from the ``silero-vad`` package, 2 CPU threads):

  sequential   ``WhisperRecognizer.recognize_sequential`` per chunk: one ``WhisperModel.transcribe``
               over the chunk's speech, what the Triton model runs with batching off.
  batched B    ``WhisperRecognizer.recognize_batched(..., batch_size=B)`` per chunk: faster-whisper's
               ``BatchedInferencePipeline`` over the same VAD's windows, segments rebuilt from the
               words (``streams.asr.sentences``), what the Triton model runs for long chunks with
               ``batch_size`` B.

How the batched pipeline differs besides batching (faster_whisper/transcribe.py): the VAD runs with
``max_speech_duration_s=30, min_silence_duration_ms=160``, the speech is packed into windows of at
most 30 s and each window is decoded once, batch by batch, with the first temperature only (no
fallback) and never conditioned on earlier text; a window's unfinished last sentence is dropped
where the sequential path would seek back and decode it again. Each variant also runs
``unguarded``: without ``WhisperRecognizer.redecode``, which decodes again, alone and
sequentially, every speech span the decode left without words or looped in
(``streams.asr.faithfulness``). The reference's sentences are counted in each text
(``streams.asr.wer.sentence_occurrences``): a sentence found nowhere is dropped, one found twice
repeated.

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

(Until the adoption in the Triton model, this benchmark also measured ``+ts`` variants that decode
timestamp tokens for sentence-sized segments; rebuilding segments from the words replaced them.)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ctranslate2  # noqa: E402
import faster_whisper  # noqa: E402
import numpy as np  # noqa: E402
from faster_whisper.vad import collect_chunks  # noqa: E402

from bench.report import machine, table  # noqa: E402
from bench.whisper import REFERENCES, audio_seconds, config_options, load_chunks, reference_sentences  # noqa: E402
from streams.asr.wer import normalise, sentence_occurrences, word_error_rate  # noqa: E402
from streams.asr.vad import default_vad_model  # noqa: E402
from streams.asr.encodings import WINDOW_SECONDS  # noqa: E402
from streams.asr.whisper import BATCHED_VAD, WhisperRecognizer, default_model_dir  # noqa: E402
from streams.asr.recognition import Recognition
from streams.media.chunking import AudioChunk  # noqa: E402
from streams.settings import project_root  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "whisper_batching.json"
SAMPLE_RATE = 16000
SEQUENTIAL = "sequential"


def batched_windows(recognizer: WhisperRecognizer, audio: np.ndarray) -> int:
    """How many windows (of at most 30 s of speech) the batched pipeline decodes for ``audio``
    (not timed)."""
    spans = recognizer.vad.speech(audio, BATCHED_VAD)
    return len(collect_chunks(audio, spans, max_duration=WINDOW_SECONDS)[0]) if spans else 0


def text_of(recognitions: list[Recognition]) -> str:
    return " ".join(s.text for r in recognitions for s in r.segments)


def measure(recognizer: WhisperRecognizer, batch_sizes: list[int],
            chunks: dict[str, list[AudioChunk]], rounds: int) -> tuple[dict, dict, dict, dict, dict]:
    variants = {SEQUENTIAL: recognizer.recognize_sequential,
                f"{SEQUENTIAL} unguarded": lambda audio: recognizer.recognize_sequential(audio, guard=False)}
    for b in batch_sizes:
        variants[f"batched {b}"] = lambda audio, b=b: recognizer.recognize_batched(audio, batch_size=b)
        variants[f"batched {b} unguarded"] = lambda audio, b=b: recognizer.recognize_batched(audio, batch_size=b,
                                                                                            guard=False)

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
    parser.add_argument("--batch-sizes", default="4", help="comma-separated batch sizes for the batched pipeline")
    parser.add_argument("--device", default=None, help="cpu or cuda (default: as config.pbtxt)")
    parser.add_argument("--compute-type", default=None, help="e.g. int8, float16 (default: as config.pbtxt)")
    parser.add_argument("--max-chunk-seconds", type=float, default=120.0)
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",") if b.strip()]

    configured = config_options()
    overrides = {k: v for k, v in (("device", args.device), ("compute_type", args.compute_type)) if v}
    # batch_size only switches the batched pipeline on; each variant passes its own.
    options = dataclasses.replace(configured, **overrides, batch_size=max(batch_sizes + [2]), vad_filter=True)
    chunks = load_chunks(args.max_chunk_seconds)
    print(f"inputs: {', '.join(f'{n} ({audio_seconds(c):.0f} s, {len(c)} chunks)' for n, c in chunks.items())}")

    began = time.perf_counter()
    recognizer = WhisperRecognizer(options)
    load_seconds = time.perf_counter() - began
    windows = {name: [batched_windows(recognizer, c.pcm) for c in file_chunks] for name, file_chunks in chunks.items()}
    print(f"batched pipeline windows per chunk: {windows}")
    seconds, cpu, texts, segments, variants = measure(recognizer, batch_sizes, chunks, args.rounds)

    references = {name: REFERENCES[name].read_text() for name in chunks}
    sentences = {name: reference_sentences(name) for name in chunks}
    total_audio = sum(audio_seconds(c) for c in chunks.values())
    summary: dict[str, dict] = {}
    for variant in variants:
        wall = sum(statistics.median(seconds[variant][name]) for name in chunks)
        cpu_seconds = sum(statistics.median(cpu[variant][name]) for name in chunks)
        files = {}
        errors = words = 0.0
        dropped = repeated = 0
        for name in chunks:
            said = sentence_occurrences(sentences[name], texts[variant][name][-1])
            lost, again = [i for i, n in enumerate(said) if n == 0], [i for i, n in enumerate(said) if n > 1]
            dropped, repeated = dropped + len(lost), repeated + len(again)
            ref_words = len(normalise(references[name]))
            wer = word_error_rate(references[name], texts[variant][name][-1])
            errors, words = errors + wer * ref_words, words + ref_words
            files[name] = {"wall_seconds_median": round(statistics.median(seconds[variant][name]), 2),
                           "x_realtime": round(audio_seconds(chunks[name]) / statistics.median(seconds[variant][name]), 2),
                           "wer": round(wer, 4),
                           "sentences": len(said), "sentences_dropped": lost, "sentences_repeated": again,
                           "same_text_every_round": len(set(texts[variant][name])) == 1}
        summary[variant] = {"audio_seconds": round(total_audio, 2), "wall_seconds": round(wall, 2),
                            "x_realtime": round(total_audio / wall, 2), "cpu_seconds": round(cpu_seconds, 2),
                            "audio_per_cpu_second": round(total_audio / cpu_seconds, 2),
                            "segments": len(segments[variant]),
                            "segment_seconds_median": round(statistics.median(segments[variant]), 2),
                            "wer": round(errors / words, 4),
                            "sentences_dropped": dropped, "sentences_repeated": repeated,
                            "files": files}
    base = summary[SEQUENTIAL]["x_realtime"]
    for variant in summary:
        summary[variant]["ratio_vs_sequential"] = round(summary[variant]["x_realtime"] / base, 3)

    base_cpu = summary[SEQUENTIAL]["audio_per_cpu_second"]
    rows = [("variant", "audio (s)", "wall (s)", "x real time", "vs sequential", "cpu (s)", "audio s / cpu s",
             "vs sequential", "WER", "sentences dropped", "repeated", "segments (median s)")]
    for variant, s in summary.items():
        rows.append((variant, f"{s['audio_seconds']:.0f}", f"{s['wall_seconds']:.1f}", f"{s['x_realtime']:.1f}",
                     f"{s['ratio_vs_sequential']:.2f}", f"{s['cpu_seconds']:.1f}", f"{s['audio_per_cpu_second']:.1f}",
                     f"{s['audio_per_cpu_second'] / base_cpu:.2f}", f"{s['wer'] * 100:.2f}%",
                     str(s["sentences_dropped"]), str(s["sentences_repeated"]),
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
        "machine": machine(),
        "versions": {"faster_whisper": faster_whisper.__version__, "ctranslate2": ctranslate2.__version__,
                     "numpy": np.__version__},
        "args": vars(args), "options": dataclasses.asdict(options), "model_dir": str(default_model_dir()),
        "vad_model": str(options.vad_model or default_vad_model()),
        "batched_call": {"vad_parameters": "pipeline default: max_speech_duration_s=30, min_silence_duration_ms=160",
                         "without_timestamps": False, "temperature": 0.0, "condition_on_previous_text": False,
                         "segments": "rebuilt from the words (streams.asr.sentences)"},
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
