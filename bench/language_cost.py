"""Benchmark: what a talk in another language costs against the same talk in English (issue 49).

The same talks in two languages: the labelled talks that have a translation in
``bench/highlights/translated/<language>`` (faithful translations, spoken by eSpeak NG's voice for
the language) and their English originals (``tests/highlight_talks.py``; built videos cached in
``~/.cache/clipstream/eval``). Each language's talks are joined into one recording, read again from
the start until it lasts ``--minutes``, and put under a still portrait. Both videos then go through
one private stack (API, Faust worker, Triton, storage on free ports), one after the other, with
the language left for the pipeline to identify, as a user's upload would. The stage times and the
clips' arrival come from PostgreSQL, as in ``bench/e2e.py``.

The goal (issue 49): the talk in the other language takes at most 25 % longer than in English,
from upload to the video completed. The talks differ in length a little (German says the same in
more syllables), so the table also gives the time per minute of the video.

    nice -n 19 .venv/bin/python bench/language_cost.py [--language de] [--minutes 60] [--clips 10]
        [--order en,de | --order en,de,de,en]

The order moves each language's time by 15-25 % (the first video on a fresh stack pays its
warming up, the second meets the first's leftovers; DEVELOPERS.md), so ``--order en,de,de,en``
puts each language through twice, once early and once late, and compares their means: the
figure to trust over a single pair's.

Writes bench/results/language_cost.json.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from bench.e2e import looped_talk, timings  # noqa: E402
from bench.report import commit, stop_on_sigterm, table, write_results  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.adapters.db import from_jsonb  # noqa: E402
from streams.cli.client import Client  # noqa: E402
from streams.stack.credentials import api_key_for  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR, build_talk, talk_names  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "language_cost.json"
GOAL = 1.25  # issue 49: another language at most 25 % slower than English


def translated_talks(language: str) -> list[tuple[str, Path]]:
    """(name, folder of its English original) of each talk translated into ``language``."""
    folder = BENCH_HIGHLIGHTS_DIR / "translated" / language
    names = talk_names(folder)
    if not names:
        raise SystemExit(f"no talk is translated into {language!r} ({folder})")
    originals = {n: HIGHLIGHTS_DIR for n in talk_names(HIGHLIGHTS_DIR)}
    originals.update({n: BENCH_HIGHLIGHTS_DIR for n in talk_names(BENCH_HIGHLIGHTS_DIR)})
    missing = [n for n in names if n not in originals]
    if missing:
        raise SystemExit(f"no English original of {', '.join(missing)}")
    return [(n, originals[n]) for n in names]


async def languages_heard(dsn: str, video_id: str) -> tuple[dict[str, int], dict[str, float]]:
    """How many of the video's transcript chunks were labelled with each language (their most heard
    one), and how many seconds of speech each language's spans hold: a chunk labelled German may
    still have had stretches decoded as Latin, which only the spans show."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT language, languages FROM transcript_chunks WHERE video_id = $1", video_id)
    finally:
        await conn.close()
    chunks = Counter(row["language"] or "?" for row in rows)
    return dict(chunks.most_common()), speech_seconds(from_jsonb(row["languages"]) for row in rows)


def speech_seconds(chunk_spans) -> dict[str, float]:
    """Seconds of speech in each language, most first, over chunks' language spans (one list,
    or None, a chunk)."""
    seconds: Counter[str] = Counter()
    for spans in chunk_spans:
        for span in spans or ():
            seconds[span["language"]] += span["end"] - span["start"]
    return {k: round(v, 1) for k, v in seconds.most_common()}


def summary(language: str, t: dict, heard: tuple[dict, dict], wall: float) -> dict:
    stages = t["stages"]
    return {
        "language": language, "video_seconds": t["video_seconds"], "total_seconds": t["total"],
        "seconds_per_video_minute": t["total"] / (t["video_seconds"] / 60),
        "stages": {k: round(v["end"] - v["start"], 1) for k, v in stages.items()},
        "first_clip_seconds": t["clips_at"][0] if t["clips_at"] else None,
        "clip_count": len(t["clips_at"]), "chunk_languages": heard[0],
        "speech_seconds_by_language": heard[1], "client_wall_seconds": round(wall, 1),
    }


def mean_summary(runs: list[dict]) -> dict:
    """One language's ``summary`` over its runs: the mean of each time (the stages', the first
    clip's) and of the clips rendered, and the chunks and seconds of speech heard in each language
    over all of them; one run as it is."""
    if len(runs) == 1:
        return runs[0]

    def mean(values) -> float | None:
        values = [v for v in values if v is not None]
        return sum(values) / len(values) if values else None

    def summed(key: str) -> dict:
        total: Counter = Counter()
        for r in runs:
            total.update(r[key])
        return {k: round(v, 1) for k, v in total.most_common()}

    out = dict(runs[0])
    for key in ("total_seconds", "seconds_per_video_minute", "first_clip_seconds", "client_wall_seconds", "clip_count"):
        out[key] = mean(r[key] for r in runs)
    out["stages"] = {s: round(mean(r["stages"].get(s) for r in runs), 1) for s in runs[0]["stages"]}
    out["chunk_languages"] = summed("chunk_languages")
    out["speech_seconds_by_language"] = summed("speech_seconds_by_language")
    out["runs"] = len(runs)
    return out


def pair_ratios(runs: list[dict], other: str) -> list[float]:
    """Each of ``other``'s runs over English's run of the same rank, upload to completed: the order
    en,de,de,en gives the pair with English first, then the pair with it second."""
    english = [r for r in runs if r["language"] == "en"]
    theirs = [r for r in runs if r["language"] == other]
    return [round(b["total_seconds"] / a["total_seconds"], 3) for a, b in zip(english, theirs)]


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--language", default="de", help="the other language (a folder of bench/highlights/translated)")
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--preset", default="veryfast", help="libx264 preset for the clips")
    parser.add_argument(
        "--order",
        default=None,
        help="the order the two go through the stack, each as often as the other (default en,LANG; en,LANG,LANG,en "
        "balances it)",
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    other = args.language
    order = (args.order or f"en,{other}").split(",")
    if set(order) != {"en", other} or order.count("en") != order.count(other):
        raise SystemExit(f"--order names en and {other}, each as often as the other")

    talks = translated_talks(other)
    folders = {"en": [f for _, f in talks], other: [BENCH_HIGHLIGHTS_DIR / "translated" / other] * len(talks)}
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = {}
        for language in dict.fromkeys(order):
            built = [build_talk(name, MEDIA_DIR, folder).video for (name, _), folder in zip(talks, folders[language])]
            where = Path(tmp) / language
            where.mkdir()
            sources[language] = looped_talk(built, args.minutes, where)
        with private_stack(with_apps=True, render_preset=args.preset) as settings:
            with Client(settings.api_url, api_key_for(settings)) as client:
                for language in order:
                    began = time.monotonic()
                    video_id = client.submit(sources[language], clip_count=args.clips)["video_id"]
                    video = client.wait(video_id, timeout=4 * 3600, poll=0.5)
                    wall = time.monotonic() - began
                    if video["status"] != "completed":
                        raise SystemExit(f"the {language} talk failed: {video['error']}")
                    t = asyncio.run(timings(settings.postgres_dsn, video_id))
                    heard = asyncio.run(languages_heard(settings.postgres_dsn, video_id))
                    runs.append(summary(language, t, heard, wall))
                    print(f"{language}: {t['total']:.0f} s for {t['video_seconds'] / 60:.1f} minutes", flush=True)

    measured = {language: mean_summary([r for r in runs if r["language"] == language]) for language in ("en", other)}
    en, them = measured["en"], measured[other]
    ratio = them["total_seconds"] / en["total_seconds"]
    per_minute = them["seconds_per_video_minute"] / en["seconds_per_video_minute"]
    stage_names = [s for s in ("ingest", "transcribe", "moments", "render") if s in en["stages"]]
    rows = [("", "en", other, f"{other} / en")]
    for key, label in (("video_seconds", "video (s)"), ("total_seconds", "upload to completed (s)"),
                       ("seconds_per_video_minute", "per minute of video (s)"), ("first_clip_seconds", "first clip (s)")):
        rows.append((label, f"{en[key]:.1f}", f"{them[key]:.1f}", f"{them[key] / en[key]:.2f}"))
    for stage in stage_names:
        a, b = en["stages"][stage], them["stages"].get(stage, float("nan"))
        rows.append((f"stage {stage} (s)", f"{a:.1f}", f"{b:.1f}", f"{b / a:.2f}" if a else "-"))
    print(table(rows))
    met = ratio <= GOAL
    pairs = pair_ratios(runs, other)
    if len(pairs) > 1:
        print(f"each pair: {', '.join(f'{x:.2f}x' for x in pairs)}")
    print(f"goal: {other} at most {GOAL:.2f}x English upload to completed: {ratio:.2f}x, "
          f"{'met' if met else 'NOT met'} (per minute of video {per_minute:.2f}x)")
    goal = {"at_most": GOAL, "ratio": round(ratio, 3), "per_minute_ratio": round(per_minute, 3), "met": met}
    write_results(args.out, "language_cost", measured, commit=commit(), args={**vars(args), "out": str(args.out)},
                  talks=[n for n, _ in talks], order=order, runs=runs if len(runs) > 2 else None,
                  goal={**goal, "pairs": pairs})


if __name__ == "__main__":
    main()
