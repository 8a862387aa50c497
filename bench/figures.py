"""The benchmark figures the READMEs quote, written from ``bench/results/*.json`` and never by hand.

A figure block in a README is marked ``<!-- figures:NAME -->`` ... ``<!-- /figures -->``; its text
is what ``BLOCKS[NAME]`` makes of the results. ``python bench/figures.py`` rewrites every block of
README.md and deploy/README.md from the JSON as it stands (run it after a benchmark);
``--check`` only reports the blocks that disagree and exits 1 (``tests/unit/test_figures.py``
runs the same check, so a README cannot drift from its JSON).

Blocks so far: ``e2e``, ``search``, ``whisper``. Older prose figures are still typed by hand
and move here as their benchmarks are rerun."""

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


BLOCKS: dict[str, Callable[[], str]] = {"e2e": e2e, "search": search, "whisper": whisper}


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
