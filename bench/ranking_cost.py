"""Benchmark: what ranking a 60-minute talk costs, against today's ranking, in the same run (issue 48).

The moments agent's whole work on one talk, as a worker does it: every chunk stepped in order and
the last one finished (``streams.agents.moments.replay``), with the real sentence encoder. The
transcript is ``bench/moments_streaming.py``'s: the labelled talk scripts read again and again at
2.7 words a second, 50 chunks of 72 s (60 minutes), with a loudness envelope, a pitch track and a
face a second. It is replayed by the baseline commit (``--baseline``: today's ranking, a ``git
worktree``) and by this checkout, in turns (``--rounds``; each round one fresh process for each,
so the encoder's cache starts cold both times), and the medians are compared. Target: this
checkout takes at most 10 % longer than the baseline.

    nice -n 19 .venv/bin/python bench/ranking_cost.py [--minutes 60] [--rounds 3] [--baseline COMMIT]
        [--language de]

``--language`` also times the same scripts translated (``bench/highlights/translated/<language>``)
and stored as a transcript in that language, with the baseline and this checkout: its sentences
are read for what editors clip with the multilingual encoder as well (issue 49).

Writes bench/results/ranking_cost.json. Timings are wall seconds on this machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import RANKING_BASELINE, checkout, replayed  # noqa: E402
from bench.moments_streaming import long_transcript, script_sentences  # noqa: E402
from bench.ranking_replay import chunk_json  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "ranking_cost.json"
CHUNK_SECONDS = 72.0
TARGET = 1.10  # this checkout's median over the baseline's, at most
LANGUAGE_TARGET = 1.25  # a talk in another language over the same in English (issue 49), at most


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--baseline", default=RANKING_BASELINE)
    parser.add_argument("--language", help="also time the talks translated into this language (de, es, fr, ja)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    count = round(args.minutes * 60 / CHUNK_SECONDS)
    chunks = long_transcript(script_sentences(HIGHLIGHTS_DIR), count, CHUNK_SECONDS)
    video = {"key": "talk", "options": {"clip_count": args.clips}, "duration": chunks[-1].end_s,
             "chunks": [chunk_json(c) for c in chunks]}
    baseline = checkout(args.baseline)
    runs = [("baseline", baseline, video), ("current", None, video)]
    if args.language:
        # The same talks translated, stored as a transcript in that language: this checkout only.
        spoken = long_transcript(script_sentences(BENCH_HIGHLIGHTS_DIR / "translated" / args.language), count,
                                 CHUNK_SECONDS)
        spoken = [dataclasses.replace(c, language=args.language, languages=(
            {"language": args.language, "start": c.start_s, "end": c.end_s},)) for c in spoken]
        translated = {**video, "chunks": [chunk_json(c) for c in spoken]}
        runs += [(f"baseline, {args.language}", baseline, translated), (f"current, {args.language}", None, translated)]
    seconds: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    commits = {}
    for round_ in range(args.rounds):
        for variant, code, talk in runs if round_ % 2 == 0 else runs[::-1]:
            result = replayed([talk], code)
            seconds[variant].append(result["videos"][0]["seconds"][0])
            commits[variant] = result["commit"]
            print(f"round {round_ + 1}: {variant} ({result['commit']}) {seconds[variant][-1]:.2f} s", flush=True)
    medians = {v: statistics.median(s) for v, s in seconds.items()}
    ratio = medians["current"] / medians["baseline"]
    rows = [("variant", "commit", "seconds per round", "median s")]
    rows += [(v, commits[v], ", ".join(f"{x:.2f}" for x in seconds[v]), f"{medians[v]:.2f}") for v in seconds]
    print(table(rows))
    verdict = "meets" if ratio <= TARGET else "misses"
    print(f"{len(chunks)} chunks ({chunks[-1].end_s / 60:.0f} min): this checkout takes {ratio:.2f}x the baseline's "
          f"time ({verdict} the target of at most {TARGET:.2f}x)")
    language_ratio = language_against_baseline = None
    if args.language:
        language_ratio = medians[f"current, {args.language}"] / medians["current"]
        language_against_baseline = medians[f"current, {args.language}"] / medians[f"baseline, {args.language}"]
        print(f"the same talks in {args.language}: {language_ratio:.2f}x this checkout's time in English "
              f"(issue 49: at most {LANGUAGE_TARGET:.2f}x for the whole pipeline), "
              f"{language_against_baseline:.2f}x the baseline's in {args.language}")
    write_results(args.out, "ranking_cost", [{"variant": v, "commit": commits[v], "seconds": seconds[v],
                                              "median_seconds": round(medians[v], 3)} for v in seconds],
                  minutes=round(chunks[-1].end_s / 60, 1), chunks=len(chunks), clips=args.clips,
                  ratio=round(ratio, 3), target=TARGET, meets=ratio <= TARGET, language=args.language,
                  language_ratio=None if language_ratio is None else round(language_ratio, 3),
                  language_against_baseline=None if language_against_baseline is None else round(
                      language_against_baseline, 3), commit=commit())


if __name__ == "__main__":
    main()
