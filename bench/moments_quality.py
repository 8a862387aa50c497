"""Benchmark: do the top-ranked clips land on what an editor would pick? (issue 17)

Builds each labelled talk of ``../shared/eval/highlights`` into a video (eSpeak NG over a portrait,
``tests/highlight_talks.py``; cached in ``~/.cache/clipstream/eval``), runs it through the real
pipeline (API, Faust worker, Triton) on a private stack with free ports, reads back the final
ranking of moments with their start and end, and scores the first K by the labels' rule
(``streams/moments/highlights.py``): precision@K, recall, how much of each hit highlight its clip
covers, and chance, K random non-overlapping windows scored the same way: of the ranking's own
clip lengths, and of the highlights' mean length (a random pick of the ideal length), beside the
README's share of talk time that highlights cover.

Variants: ``rules`` is the ranking the pipeline ships today (what the passage is, from sentence
embeddings; pauses, lexicon, prosody, topics, faces).
It is the only variant there is so far: ``model`` (the clip judge alone) and ``shipped`` (judge and
rules combined) are named in issue 17 and will be accepted once the judge exists.

    nice -n 19 .venv/bin/python bench/moments_quality.py [--talks podcast_sailing,...] [--k 4]
        [--variant rules] [--labels DIR] [--media DIR] [--cache DIR] [--reuse-stack]

``--reuse-stack`` submits to the API of an already running stack (``clipstream stack up --app``,
described by the usual ``CLIPSTREAM_*`` environment) instead of starting a private one.
``--rescore FILE`` scores the rankings recorded in an earlier results file again, without a stack.
Writes bench/results/moments_quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, table, write_results  # noqa: E402
from streams.cli.client import Client  # noqa: E402
from streams.cli.credentials import api_key_for  # noqa: E402
from streams.moments.highlights import HighlightScore, LabelledTalk, Span, chance, score  # noqa: E402
from streams.settings import Settings, project_root  # noqa: E402
from streams.stack import supervisor  # noqa: E402
from tests.conftest import MEDIA_DIR, fresh_stack_settings  # noqa: E402
from tests.highlight_talks import EVAL_CACHE, HIGHLIGHTS_DIR, build_talk, espeak_version, talk_names  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "moments_quality.json"
VARIANTS = ("rules",)  # "model" and "shipped" arrive with the clip judge (issue 17)


def ranking(client: Client, video_id: str) -> list[dict]:
    """The video's final moments, best first."""
    moments = [m for m in client.moments(video_id)["moments"] if m["final"] and m["rank"] is not None]
    return sorted(moments, key=lambda m: m["rank"])


def passages_in(clip: Span, talk: LabelledTalk) -> str:
    """Which passages a clip spans, e.g. ``p5 8s + p6=H2 34s`` (H: the n-th highlight)."""
    numbers = {id(h): n for n, h in enumerate(talk.highlights, start=1)}
    parts = []
    for i, (p, span) in enumerate(zip(talk.passages, talk.spans)):
        inside = clip.overlap(span)
        if inside >= 1.0:
            label = f"p{i}=H{numbers[id(span)]}" if p.kind == "highlight" else f"p{i}"
            parts.append(f"{label} {inside:.0f}s")
    return " + ".join(parts) or "-"


def run_talk(client: Client, name: str, args) -> dict:
    built = build_talk(name, args.media, args.labels, args.cache)
    began = time.monotonic()
    video_id = client.submit(built.video, clip_count=args.k)["video_id"]
    video = client.wait(video_id, timeout=args.timeout, poll=1.0)
    wall = time.monotonic() - began
    if video["status"] != "completed":  # recorded, and the other talks still run
        return {"talk": name, "variant": args.variant, "video_id": video_id, "k": args.k,
                "wall_seconds": round(wall, 1), "error": video.get("error")}
    return {"talk": name, "variant": args.variant, "video_id": video_id, "k": args.k, "wall_seconds": round(wall, 1),
            **scored(built.talk, ranking(client, video_id), args)}


def scored(talk: LabelledTalk, moments: list[dict], args) -> dict:
    """The score of a ranking (moments best first, each with start and end) and chance beside it:
    random windows of the ranking's own lengths, and of the highlights' mean length (what a random
    pick of the ideal length would get)."""
    clips = [Span(m["start"], m["end"]) for m in moments]
    result: HighlightScore = score(clips, talk.highlights, args.k)
    lengths = [c.length for c in clips[: args.k]]
    lengths += [mean(lengths) if lengths else 40.0] * (args.k - len(lengths))
    luck = chance(lengths, talk.highlights, talk.duration, args.k, trials=args.trials)
    ideal = chance([mean(h.length for h in talk.highlights)] * args.k, talk.highlights, talk.duration, args.k,
                   trials=args.trials)
    return {
        "talk_seconds": round(talk.duration, 2),
        "highlights": [[round(h.start, 2), round(h.end, 2)] for h in talk.highlights],
        "precision_at_k": result.precision, "recall": result.recall,
        "coverage_of_hits": [round(c, 3) for c in result.coverages],
        "chance_precision_at_k": round(luck.precision, 3), "chance_recall": round(luck.recall, 3),
        "chance_at_highlight_length_precision_at_k": round(ideal.precision, 3),
        "chance_at_highlight_length_recall": round(ideal.recall, 3),
        "chance_trials": luck.trials, "highlight_share": round(talk.highlight_share, 3),
        "clips": [
            {"rank": m["rank"], "start": m["start"], "end": m["end"], "score": m["score"], "title": m["title"],
             "reason": m["reason"], "signals": m["signals"],
             "passages": passages_in(Span(m["start"], m["end"]), talk),
             "highlight": None if v.highlight is None else v.highlight + 1, "coverage": v.coverage}
            for m, v in zip(moments, result.verdicts)
        ] + [{"rank": None, "missing": True} for v in result.verdicts[len(moments):]],
    }


def rescore(path: Path, args) -> list[dict]:
    """The rankings recorded in an earlier results file, scored again (no stack): for a change to
    the scoring or to chance. The talks are rebuilt from the cache, so their spans are this
    machine's."""
    results = []
    for r in json.loads(path.read_text())["results"]:
        if "error" in r:
            results.append(r)
            continue
        talk = build_talk(r["talk"], args.media, args.labels, args.cache).talk
        moments = [c for c in r["clips"] if not c.get("missing")]
        kept = {k: r[k] for k in ("talk", "variant", "video_id", "k", "wall_seconds")}
        results.append({**kept, **scored(talk, moments, args)})
    return results


def print_talk(r: dict) -> None:
    if "error" in r:
        print(f"\n{r['talk']}: the video failed: {r['error']}")
        return
    print(f"\n{r['talk']} ({r['talk_seconds'] / 60:.1f} min, {len(r['highlights'])} highlights), "
          f"variant {r['variant']}, top {r['k']}:")
    rows = [("rank", "start", "end", "len", "hit", "covers", "passages", "reason")]
    for c in r["clips"]:
        if c.get("missing"):
            rows.append(("-", "", "", "", "miss", "", "(no clip)", ""))
            continue
        rows.append((str(c["rank"]), f"{c['start']:.1f}", f"{c['end']:.1f}", f"{c['end'] - c['start']:.0f}",
                     f"H{c['highlight']}" if c["highlight"] else "miss",
                     f"{c['coverage']:.0%}" if c["coverage"] is not None else "", c["passages"],
                     (c["reason"] or "")[:70]))
    print(table(rows), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talks", help="comma-separated talk names (default: every .tsv in --labels)")
    parser.add_argument("--k", type=int, default=4, help="clips asked for and scored")
    parser.add_argument("--variant", choices=VARIANTS, default="rules",
                        help="the ranking to score; only 'rules' exists until the clip judge lands")
    parser.add_argument("--labels", type=Path, default=HIGHLIGHTS_DIR)
    parser.add_argument("--media", type=Path, default=MEDIA_DIR)
    parser.add_argument("--cache", type=Path, default=EVAL_CACHE, help="where built talk videos are kept")
    parser.add_argument("--preset", default="ultrafast", help="libx264 preset for the clips")
    parser.add_argument("--trials", type=int, default=20000, help="random rankings drawn for chance")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for each talk")
    parser.add_argument("--reuse-stack", action="store_true", help="use the running stack's API")
    parser.add_argument("--rescore", type=Path, metavar="RESULTS_JSON",
                        help="score the rankings recorded in a results file again instead of running the stack")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    names = args.talks.split(",") if args.talks else talk_names(args.labels)
    if args.rescore:
        earlier = json.loads(args.rescore.read_text())
        args.k, args.variant = earlier["k"], earlier["variant"]
        results = rescore(args.rescore, args)
        for r in results:
            print_talk(r)
        summarise(results, args, rescored_from={"file": args.rescore.name, "commit": earlier.get("commit"),
                                                "machine": earlier.get("machine")})
        return

    for name in names:  # build (or find cached) before any service starts
        build_talk(name, args.media, args.labels, args.cache)
    if args.reuse_stack:
        settings, started = Settings.from_env(), False
    else:
        settings = fresh_stack_settings(project_root() / ".local" / f"bench-{uuid.uuid4().hex[:8]}",
                                        render_preset=args.preset)
        started = True
    results = []
    try:
        if started:
            supervisor.up(settings, lambda m: print(m, flush=True), with_apps=True)
        with Client(settings.api_url, api_key_for(settings), timeout=120) as client:
            for name in names:
                results.append(run_talk(client, name, args))
                print_talk(results[-1])
    finally:
        if started:
            supervisor.down(settings, lambda _m: None)
            supervisor.purge(settings)

    summarise(results, args)


def summarise(results: list[dict], args, **fields) -> None:
    """Print the table of every talk and the means; write the JSON."""
    rows = [("talk", "variant", f"P@{args.k}", "recall", "hit coverage (min)", f"chance P@{args.k}",
             "chance recall", f"chance P@{args.k} at highlight length", "highlight share")]
    failed = [r["talk"] for r in results if "error" in r]
    results_ok = [r for r in results if "error" not in r]
    for r in results_ok:
        cov = r["coverage_of_hits"]
        rows.append((r["talk"], r["variant"], f"{r['precision_at_k']:.2f}", f"{r['recall']:.2f}",
                     f"{mean(cov):.0%} ({min(cov):.0%})" if cov else "-", f"{r['chance_precision_at_k']:.2f}",
                     f"{r['chance_recall']:.2f}", f"{r['chance_at_highlight_length_precision_at_k']:.2f}",
                     f"{r['highlight_share']:.2f}"))
    if results_ok:
        rows.append(("mean", args.variant, f"{mean(r['precision_at_k'] for r in results_ok):.2f}",
                     f"{mean(r['recall'] for r in results_ok):.2f}", "",
                     f"{mean(r['chance_precision_at_k'] for r in results_ok):.2f}",
                     f"{mean(r['chance_recall'] for r in results_ok):.2f}",
                     f"{mean(r['chance_at_highlight_length_precision_at_k'] for r in results_ok):.2f}",
                     f"{mean(r['highlight_share'] for r in results_ok):.2f}"))
    print()
    print(table(rows), flush=True)
    if failed:
        print(f"failed (left out of the means): {', '.join(failed)}")
    write_results(args.out, "moments_quality", results, k=args.k, variant=args.variant, commit=commit(),
                  espeak=espeak_version(), niceness=os.nice(0), **fields)
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
