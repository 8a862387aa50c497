"""Benchmark (issue 49): which windows language identification probes again, and what that costs.

``streams.asr.spoken`` probes each window of speech in pieces of about 10 s and probes a window
again in smaller pieces where the language changes, so the change is placed at a pause. Which
disagreements count is ``spoken.to_probe_again``: today, the probes' languages once an unsure
probe has taken its neighbours' (``languages.settle``). The rule before it counted any two
neighbouring probes that disagreed (``raw`` here). This identifies every piece of the translated
talks and of their English originals with both rules, through the recognizer's own ``identify``
(the rule swapped in, in this process only), alternating which rule goes first, and counts the
probes, times them, and checks that both rules give the same languages over the same stretches.

    nice .venv/bin/python bench/probe_rule.py [--languages de,es,fr] [--piece-seconds 112]

Prints a table and writes bench/results/probe_rule.json.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_cost import translated_talks  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.transcribe_parts import pieces  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr import spoken  # noqa: E402
from streams.asr.languages import Probe  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, build_talk  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "probe_rule.json"
SETTLED = spoken.to_probe_again


def raw(covering: list[list[Probe]]) -> set[int]:
    """The rule before 7171f56: windows where any two neighbouring probes disagree."""
    window_of = [i for i, probes in enumerate(covering) for _ in probes]
    flat = [probe for probes in covering for probe in probes]
    return {w for k in range(len(flat) - 1) if flat[k].language != flat[k + 1].language
            for w in (window_of[k], window_of[k + 1])}


RULES = {"raw": raw, "settled": SETTLED}


def _stretches(spans) -> list[tuple[str, float, float]]:
    return [(s.language, s.start, s.end) for s in spans]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--languages", default="de,es,fr", help="translated talks' languages, comma-separated")
    parser.add_argument("--piece-seconds", type=float, default=112.0, help="the pipeline's chunk length")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    recognizer = spoken.MultilingualRecognizer(config_options())
    probes = collections.Counter()
    inner = recognizer._probe_spans

    def counted(*a, **kw):
        probes["calls"] += 1
        return inner(*a, **kw)

    recognizer._probe_spans = counted  # type: ignore[method-assign]
    inputs: dict[str, list] = {}
    for language in args.languages.split(","):
        for name, original in translated_talks(language):
            inputs.setdefault(f"{language}/{name}", pieces(
                build_talk(name, MEDIA_DIR, BENCH_HIGHLIGHTS_DIR / "translated" / language).video, args.piece_seconds))
            inputs.setdefault(f"en/{name}", pieces(build_talk(name, MEDIA_DIR, original).video, args.piece_seconds))
    totals = {lang: {rule: collections.Counter() for rule in RULES} for lang in ["en", *args.languages.split(",")]}
    rows = []
    for talk, audio in inputs.items():
        lang = talk.split("/")[0]
        before: str | None = None
        for i, pcm in enumerate(audio):
            spans, row = {}, {"talk": talk, "piece": i}
            for rule in (list(RULES) if i % 2 == 0 else list(RULES)[::-1]):
                spoken.to_probe_again = RULES[rule]
                probes.clear()
                began = time.perf_counter()
                spans[rule] = recognizer.identify(pcm, before=before)
                seconds = time.perf_counter() - began
                totals[lang][rule].update({"probes": probes["calls"], "seconds": seconds})
                row[rule] = {"probes": probes["calls"], "seconds": round(seconds, 3)}
            spoken.to_probe_again = SETTLED
            # the same languages over the same stretches (a span's probability, the mean of its
            # probes, moves with the smaller probes taken or not)
            row["same_spans"] = _stretches(spans["raw"]) == _stretches(spans["settled"])
            totals[lang]["settled"]["pieces_changed"] += not row["same_spans"]
            rows.append(row)
            heard = collections.Counter()
            for s in spans["settled"]:
                heard[s.language] += s.end - s.start
            before = heard.most_common(1)[0][0] if heard else before
            print(f"  {talk} #{i}: probes {row['raw']['probes']} -> {row['settled']['probes']}"
                  f"{'' if row['same_spans'] else ', spans differ'}", flush=True)
    summary = {lang: {rule: {k: round(v, 1) for k, v in c.items()} for rule, c in by.items()}
               for lang, by in totals.items()}
    lines = [("language", "probes raw", "probes settled", "seconds raw", "seconds settled", "pieces with other spans")]
    for lang, by in summary.items():
        lines.append((lang, f"{by['raw'].get('probes', 0):.0f}", f"{by['settled'].get('probes', 0):.0f}",
                      f"{by['raw'].get('seconds', 0):.1f}", f"{by['settled'].get('seconds', 0):.1f}",
                      f"{by['settled'].get('pieces_changed', 0):.0f} of {sum(1 for r in rows if r['talk'].startswith(lang + '/'))}"))
    print(table(lines), flush=True)
    write_results(args.out, "probe_rule", {"totals": summary, "rows": rows}, commit=commit(),
                  piece_seconds=args.piece_seconds)


if __name__ == "__main__":
    main()
