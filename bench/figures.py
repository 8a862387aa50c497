"""The benchmark figures the READMEs quote, written from ``bench/results/*.json`` and never by hand.

A figure block in a README is marked ``<!-- figures:NAME -->`` ... ``<!-- /figures -->``; its text
is what ``BLOCKS[NAME]`` makes of the results. ``python bench/figures.py`` rewrites every block of
README.md and deploy/README.md from the JSON as it stands (run it after a benchmark);
``--check`` only reports the blocks that disagree and exits 1 (``tests/unit/test_figures.py``
runs the same check, so a README cannot drift from its JSON).

Blocks so far: ``e2e``, ``e2e_capacity``, ``search``, ``whisper``, ``moments_streaming``. Older
prose figures are still typed by hand and move here as their benchmarks are rerun."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DOCUMENTS = (ROOT / "README.md", ROOT / "deploy" / "README.md")
BLOCK = re.compile(r"(<!-- figures:(?P<name>[a-z_0-9]+) -->)(?P<body>.*?)(<!-- /figures -->)", re.S)


def result(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def e2e() -> str:
    r = result("e2e")
    stages, args = r["stages"], r["args"]
    transcribed = stages["transcribe"]["end"] - stages["transcribe"]["start"]
    return (f"Latest e2e run ({r['machine']['cpus']} cores, a {args['minutes']:g}-minute talk, "
            f"{args['preset']} preset, {r['clip_count']} clips): transcription {transcribed:.0f} s, first clip at "
            f"{r['time_to_first_clip_seconds']:.0f} s (a batch pipeline's first clip would come at "
            f"{r['batch_baseline_first_clip_seconds']:.0f} s), all {r['clip_count']} clips and the video completed "
            f"at {r['total_seconds']:.0f} s ({r['realtime_factor']:.1f}× real time).")


def e2e_capacity() -> str:
    """The whole-pipeline row of deploy/README.md's capacity table: measured, then derived."""
    r = result("e2e")
    talks_an_hour = 3600 / r["total_seconds"]
    return (f"{r['args']['minutes']:g}-minute talk → {r['clip_count']} clips in {r['total_seconds']:.0f} s "
            f"({r['realtime_factor']:.1f}× real time); first clip after {r['time_to_first_clip_seconds']:.0f} s | "
            f"about {talks_an_hour:.0f} {r['args']['minutes']:g}-minute talks an hour on one "
            f"{r['machine']['cpus']}-vCPU box running everything")


def search() -> str:
    r = result("search")
    fts, meili = r["backends"]["sqlite-fts5"], r["backends"]["meilisearch"]

    def speed(b: dict) -> str:
        return (f"{b['index_sentences_per_second']:.0f} sentences/s and answers in {b['search']['p50_ms']:.1f} ms "
                f"p50, {b['search']['p95_ms']:.1f} ms p95")

    queries = fts["search"]["queries"]
    return (f"`bench/search.py` compares the two on the same {r['documents']:,} sentences ({r['videos']} videos, "
            f"{r['tenants']} tenants; `bench/results/search.json`, {r['machine']['cpus']} cores): the embedded "
            f"index takes {speed(fts)}; Meilisearch {meili['version']} takes {speed(meili)} (batches of "
            f"{r['batch']}, each awaited until searchable) through its HTTP API. Of {queries} queries the embedded "
            f"index found something for {fts['queries_with_hits']} and Meilisearch for {meili['queries_with_hits']}.")


def whisper() -> str:
    r = result("whisper")
    inputs = r["inputs"]
    ratios = [i["triton_over_in_process"] for i in inputs.values()]
    lj = next(v for k, v in inputs.items() if k.startswith("ljspeech"))
    quality = lj["quality"]["triton"]
    lost = len(quality["sentences_dropped"]) + len(quality["sentences_repeated"])
    return (f"`bench/whisper.py` (Triton against the same model in-process over {len(inputs)} long readings on "
            f"{r['machine']['cpus']} cores: {r['overall']['triton_x_realtime']:.1f}× real time against "
            f"{r['overall']['in_process_x_realtime']:.1f}×, {min(ratios):.2f}–{max(ratios):.2f}× the in-process "
            f"speed per reading; WER {quality['wer'] * 100:.2f} % on the {lj['audio_seconds']:.0f} s LJSpeech "
            f"reading, {lost} of its {quality['sentences']} sentences dropped or repeated)")


def moments_streaming() -> str:
    r = result("moments_streaming")
    res, replayed = r["results"], r["results"]["replay_seconds"]
    last = max(replayed, key=int)
    stream_ms = 1000 * res["stream_seconds"][int(last)]
    return (f"`bench/moments_streaming.py`, a {r['chunks'] * r['chunk_seconds'] / 3600:.0f}-hour transcript in "
            f"{r['chunks']} chunks on {r['machine']['cpus']} cores: {res['median_ms_chunks_20_39']:.0f} ms a chunk "
            f"(median) at chunks 20–39 and {res['median_ms_last_20']:.0f} ms at the last 20, most of it embedding "
            f"the chunk's new sentences; replaying from the first chunk, as the agent did before, took "
            f"{replayed[last]:.1f} s at chunk {last} against {stream_ms:.0f} ms; the last chunk, which reads the "
            f"whole talk for the final ranking, {res['finish_seconds']:.1f} s")


BLOCKS: dict[str, Callable[[], str]] = {
    "e2e": e2e, "e2e_capacity": e2e_capacity, "search": search, "whisper": whisper,
    "moments_streaming": moments_streaming,
}


def refreshed(text: str) -> str:
    """``text`` with every figure block rewritten from the results. An unknown block name raises."""
    def one(match: re.Match) -> str:
        name = match["name"]
        if name not in BLOCKS:
            raise KeyError(f"no figure block {name!r}; known: {', '.join(BLOCKS)}")
        return f"{match[1]}{BLOCKS[name]()}{match[4]}"

    return BLOCK.sub(one, text)


def blocks(text: str) -> list[str]:
    return [m["name"] for m in BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report blocks that disagree; change nothing")
    args = parser.parse_args(argv)
    stale = []
    for path in DOCUMENTS:
        text = path.read_text()
        new = refreshed(text)
        if new != text:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(new)
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {path}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
