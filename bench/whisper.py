"""Benchmark: Whisper through Triton against the same model run in-process, and Triton under load.

Inputs: the 222 s LJSpeech reading and the two 305 s TTS readings from ../shared/media, each decoded
once and cut into chunks of at most 120 s by the project's ``Chunker`` (decoding is not timed).

  1. Speed: audio seconds per wall second, every chunk sent one after another, through Triton
     (async gRPC, ``TritonClient``) and through ``WhisperRecognizer`` in this process with the
     options parsed from ``models/triton_repo/whisper/config.pbtxt``. The two alternate per file,
     for ``--rounds`` rounds, so a noisy machine slows both alike.
  2. Concurrency: 4 different chunks sent to Triton at once against the same 4 one at a time:
     total throughput, and p50/p95 latency of a request (sent to answered).
  3. Faithfulness, on the last round's texts of each side: the word error rate against the
     reference, and the reference's sentences dropped (said nowhere) or repeated (said twice or
     more; ``streams.asr.wer.sentence_occurrences``).

Prints a table and writes bench/results/whisper.json.

    .venv/bin/python bench/whisper.py [--rounds 2]
    # on a GPU machine (in-process side on CUDA; Triton side as configured in its config.pbtxt,
    # or left out with --no-triton where no Triton server can run):
    .venv/bin/python bench/whisper.py --device cuda --compute-type float16 [--no-triton]

``--device``/``--compute-type`` change only the in-process side; the Triton side always runs what
its config.pbtxt says (use configs/gpu.pbtxt on the server for GPU). ``--batch-size`` and
``--batch-min-seconds`` change both: Triton then serves a copy of the ``whisper`` model whose
config.pbtxt has those parameters, so batching on and off can be compared through Triton:

    .venv/bin/python bench/whisper.py --batch-size 0 --out bench/results/whisper_sequential.json
    .venv/bin/python bench/whisper.py --batch-size 4

Both sides are reported with the options they actually ran with.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import re
import shutil
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import machine, percentile, stop_on_sigterm, table  # noqa: E402
from streams.adapters.triton import CallPolicy, TritonClient  # noqa: E402
from streams.asr.wer import sentence_occurrences, word_error_rate  # noqa: E402
from streams.asr.whisper import WhisperOptions, WhisperRecognizer  # noqa: E402
from streams.errors import StackError  # noqa: E402
from streams.media.audio import iter_pcm  # noqa: E402
from streams.media.chunking import AudioChunk, Chunker  # noqa: E402
from streams.settings import project_root  # noqa: E402
from streams.stack import supervisor  # noqa: E402
from tests.conftest import MEDIA_DIR, fresh_stack_settings  # noqa: E402
from tests.media_recipes import LJSPEECH, TTS_LONGFORM  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "whisper.json"
CONFIG = project_root() / "models" / "triton_repo" / "whisper" / "config.pbtxt"
INPUTS = (f"{LJSPEECH}.wav", *TTS_LONGFORM)
CONCURRENT = 4
# One attempt with a deadline long enough for a queue of 4 chunks: a retry would hide the queueing.
POLICY = CallPolicy(deadline_seconds=600.0, attempts=1)
TTS_TEXT = MEDIA_DIR / Path(TTS_LONGFORM[0]).parent / "en-sample.txt"
REFERENCES = {
    Path(f"{LJSPEECH}.wav").name: MEDIA_DIR / f"{LJSPEECH}.txt",
    **{Path(name).name: TTS_TEXT for name in TTS_LONGFORM},
}


def reference_sentences(name: str) -> list[str]:
    """The reference's sentences: LJSpeech's one per source file, the TTS text's cut at full stops."""
    if name == Path(f"{LJSPEECH}.wav").name:
        return [p.read_text().strip() for p in sorted((MEDIA_DIR / "speech" / "ljspeech").glob("LJ*.txt"))]
    return [s for s in re.split(r"(?<=[.!?])\s+", REFERENCES[name].read_text()) if s.strip()]


def faithfulness(name: str, text: str) -> dict:
    """The word error rate of ``text`` (a whole file's transcript) against the file's reference,
    and the reference's sentences it drops (found nowhere) or repeats (found twice or more)."""
    said = sentence_occurrences(reference_sentences(name), text)
    return {"wer": round(word_error_rate(REFERENCES[name].read_text(), text), 4), "sentences": len(said),
            "sentences_dropped": [i for i, n in enumerate(said) if n == 0],
            "sentences_repeated": [i for i, n in enumerate(said) if n > 1]}

_PARAMETER = re.compile(r'parameters\s*\{\s*key:\s*"([^"]+)"\s*value:\s*\{\s*string_value:\s*"([^"]*)"\s*\}\s*\}')


def config_options(path: Path = CONFIG) -> WhisperOptions:
    """The ``WhisperOptions`` Triton's ``whisper`` model is configured with (its ``parameters``)."""
    return WhisperOptions.from_parameters(dict(_PARAMETER.findall(path.read_text())))


def whisper_repository(dest: Path, parameters: dict[str, str]) -> Path:
    """A model repository in ``dest`` holding only the ``whisper`` model, with ``parameters`` set
    in its config.pbtxt (each must be there already)."""
    shutil.copytree(CONFIG.parent, dest / "whisper", ignore=shutil.ignore_patterns("__pycache__"))
    config = dest / "whisper" / "config.pbtxt"
    text = config.read_text()
    for key, value in parameters.items():
        text, found = re.subn(rf'(key:\s*"{key}"\s*value:\s*\{{\s*string_value:\s*")[^"]*(")', rf"\g<1>{value}\g<2>",
                              text)
        if found != 1:
            raise SystemExit(f"{CONFIG} has no parameter {key!r}")
    config.write_text(text)
    return dest


def load_chunks(max_seconds: float) -> dict[str, list[AudioChunk]]:
    chunks = {}
    for name in INPUTS:
        chunker = Chunker(min_seconds=max_seconds / 2, max_seconds=max_seconds)
        cut = [c for block in iter_pcm(MEDIA_DIR / name) for c in chunker.feed(block)]
        chunks[Path(name).name] = cut + chunker.finish()
    return chunks


def audio_seconds(chunks: list[AudioChunk]) -> float:
    return sum(c.end - c.start for c in chunks)


async def timed_request(client: TritonClient, chunk: AudioChunk, texts: list[str] | None = None) -> float:
    began = time.perf_counter()
    recognition = await client.transcribe(chunk.pcm)
    if texts is not None:
        texts.append(" ".join(s.text for s in recognition.segments))
    return time.perf_counter() - began


async def triton_sequential(client: TritonClient, chunks: list[AudioChunk], texts: list[str] | None = None) -> list[float]:
    return [await timed_request(client, c, texts) for c in chunks]


def in_process_sequential(recognizer: WhisperRecognizer, chunks: list[AudioChunk],
                          texts: list[str] | None = None) -> list[float]:
    seconds = []
    for c in chunks:
        began = time.perf_counter()
        recognition = recognizer.recognize(c.pcm)
        seconds.append(time.perf_counter() - began)
        if texts is not None:
            texts.append(" ".join(s.text for s in recognition.segments))
    return seconds


async def speed(client: TritonClient | None, recognizer: WhisperRecognizer, chunks, rounds: int) -> dict:
    runs: dict[str, dict[str, list[float]]] = {"triton": {}, "in_process": {}}
    texts: dict[str, dict[str, str]] = {"triton": {}, "in_process": {}}  # the last round's, per file
    for r in range(rounds):
        for name, file_chunks in chunks.items():
            # Alternate which side goes first, so neither always runs on a warmer machine.
            order = ["triton", "in_process"] if r % 2 == 0 else ["in_process", "triton"]
            for side in order:
                if side == "triton" and client is None:
                    continue
                began, said = time.perf_counter(), []
                if side == "triton":
                    await triton_sequential(client, file_chunks, said)
                else:
                    in_process_sequential(recognizer, file_chunks, said)
                runs[side].setdefault(name, []).append(time.perf_counter() - began)
                texts[side][name] = " ".join(said)
                print(f"  round {r + 1} {name:40} {side:10} {runs[side][name][-1]:6.1f} s", flush=True)
    return runs, texts


async def concurrency(client: TritonClient, chunks: list[AudioChunk], rounds: int) -> dict:
    result: dict[str, dict[str, list[float]]] = {"sequential": {"wall": [], "latency": []},
                                                 "concurrent": {"wall": [], "latency": []}}
    for _ in range(rounds):
        began = time.perf_counter()
        result["sequential"]["latency"] += await triton_sequential(client, chunks)
        result["sequential"]["wall"].append(time.perf_counter() - began)
        began = time.perf_counter()
        result["concurrent"]["latency"] += await asyncio.gather(*(timed_request(client, c) for c in chunks))
        result["concurrent"]["wall"].append(time.perf_counter() - began)
    return result


async def measure(args, options: WhisperOptions, url: str | None) -> dict:
    chunks = load_chunks(args.max_chunk_seconds)
    print(f"inputs: {', '.join(f'{n} ({audio_seconds(c):.0f} s, {len(c)} chunks)' for n, c in chunks.items())}")
    began = time.perf_counter()
    recognizer = WhisperRecognizer(options)
    load_seconds = time.perf_counter() - began
    client = TritonClient(url, POLICY) if url else None
    try:
        if client is not None:  # warm both sides once (first-call allocations), untimed
            await client.transcribe(chunks[Path(INPUTS[0]).name][0].pcm[: 16000 * 5])
        recognizer.recognize(chunks[Path(INPUTS[0]).name][0].pcm[: 16000 * 5])
        runs, texts = await speed(client, recognizer, chunks, args.rounds)
        burst = [c for file_chunks in chunks.values() for c in file_chunks][:CONCURRENT]
        load = await concurrency(client, burst, args.rounds) if client is not None else None
    finally:
        if client is not None:
            await client.close()
    return {"chunks": chunks, "runs": runs, "texts": texts, "load": load, "burst": burst, "model_load_seconds": load_seconds}


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--device", default=None, help="in-process side: cpu or cuda (default: as config.pbtxt)")
    parser.add_argument("--compute-type", default=None, help="in-process side: e.g. int8, float16")
    parser.add_argument("--no-triton", action="store_true", help="in-process side only (no Triton server here)")
    parser.add_argument("--max-chunk-seconds", type=float, default=120.0)
    parser.add_argument("--batch-size", default=None, help="both sides: the batch_size parameter")
    parser.add_argument("--batch-min-seconds", default=None, help="both sides: the batch_min_seconds parameter")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.name})")
    args = parser.parse_args()

    data_dir = project_root() / ".local" / f"bench-{uuid.uuid4().hex[:8]}"
    parameters = {k: v for k, v in (("batch_size", args.batch_size), ("batch_min_seconds", args.batch_min_seconds))
                  if v is not None}
    config, stack = CONFIG, {}
    if parameters:
        repository = whisper_repository(data_dir / "triton_repo", parameters)
        config, stack = repository / "whisper" / "config.pbtxt", {"triton_model_repo": repository}
    configured = config_options(config)
    overrides = {k: v for k, v in (("device", args.device), ("compute_type", args.compute_type)) if v}
    options = dataclasses.replace(configured, **overrides)
    settings = fresh_stack_settings(data_dir, **stack)
    url = None
    try:
        if not args.no_triton:
            try:
                supervisor.up(settings, lambda _m: None, only=["triton"])
                url = settings.triton_grpc_url
            except StackError as exc:
                print(f"triton could not start ({exc.message.splitlines()[0]}); measuring in-process only")
        m = asyncio.run(measure(args, options, url))
    finally:
        supervisor.down(settings, lambda _m: None, only=["triton"])
        supervisor.purge(settings)

    chunks, runs, load = m["chunks"], m["runs"], m["load"]
    rows = [("input", "audio (s)", "triton (x real time)", "in-process (x real time)", "triton / in-process",
             "WER triton", "WER in-process", "sentences dropped", "repeated")]
    summary = {}
    for name, file_chunks in chunks.items():
        quality = {side: faithfulness(name, m["texts"][side][name]) for side in runs if name in m["texts"][side]}
        audio = audio_seconds(file_chunks)
        triton = audio / statistics.median(runs["triton"][name]) if name in runs["triton"] else None
        local = audio / statistics.median(runs["in_process"][name])
        summary[name] = {"audio_seconds": round(audio, 2), "chunks": len(file_chunks),
                         "triton_x_realtime": triton and round(triton, 2), "in_process_x_realtime": round(local, 2),
                         "triton_over_in_process": triton and round(triton / local, 3), "quality": quality}
        q = quality.get("triton", quality["in_process"])  # what the pipeline gets
        rows.append((name, f"{audio:.0f}", f"{triton:.1f}" if triton else "-", f"{local:.1f}",
                     f"{triton / local:.2f}" if triton else "-",
                     f"{quality['triton']['wer'] * 100:.2f}%" if "triton" in quality else "-",
                     f"{quality['in_process']['wer'] * 100:.2f}%",
                     f"{len(q['sentences_dropped'])} of {q['sentences']}", f"{len(q['sentences_repeated'])}"))
    total_audio = sum(audio_seconds(c) for c in chunks.values())
    overall = {side: total_audio / sum(statistics.median(v) for v in runs[side].values())
               for side in runs if runs[side]}
    rows.append(("all", f"{total_audio:.0f}", f"{overall['triton']:.1f}" if "triton" in overall else "-",
                 f"{overall['in_process']:.1f}",
                 f"{overall['triton'] / overall['in_process']:.2f}" if "triton" in overall else "-", "", "", "", ""))
    batching = (f"batch_size {options.batch_size} from {options.batch_min_seconds:g} s" if options.batched
                else "sequential")
    print(f"\nWhisper {options.model_dir or 'tiny.en'} beam {options.beam_size}, {batching}, in-process "
          f"{options.device}/{options.compute_type}, {options.cpu_threads} threads; {os.cpu_count()} CPUs; "
          f"median of {args.rounds}")
    print(table(rows))

    concurrency_json = None
    if load is not None:
        burst_audio = audio_seconds(m["burst"])
        rows = [("Triton, 4 chunks", "throughput (x real time)", "p50 latency (s)", "p95 latency (s)")]
        concurrency_json = {"chunks": CONCURRENT, "audio_seconds": round(burst_audio, 2)}
        for mode in ("sequential", "concurrent"):
            lat, wall = load[mode]["latency"], statistics.median(load[mode]["wall"])
            concurrency_json[mode] = {"x_realtime": round(burst_audio / wall, 2), "wall_seconds": load[mode]["wall"],
                                      "latency_p50": round(percentile(lat, 50), 2),
                                      "latency_p95": round(percentile(lat, 95), 2), "latencies": lat}
            rows.append(("one at a time" if mode == "sequential" else f"{CONCURRENT} at once",
                         f"{burst_audio / wall:.1f}", f"{percentile(lat, 50):.1f}", f"{percentile(lat, 95):.1f}"))
        print()
        print(table(rows))

    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps({
        "benchmark": "whisper", "machine": machine(),
        "args": {**vars(args), "out": str(args.out)}, "triton_options": dataclasses.asdict(configured),
        "in_process_options": dataclasses.asdict(options), "model_load_seconds": round(m["model_load_seconds"], 2),
        "inputs": summary,
        "overall": {"triton_x_realtime": overall.get("triton") and round(overall["triton"], 2),
                    "in_process_x_realtime": round(overall["in_process"], 2)},
        "runs_seconds": runs, "texts": m["texts"], "concurrency": concurrency_json,
    }, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
