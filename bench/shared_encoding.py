"""Benchmark (issue 49): a talk in another language encoded once for naming its language and for
decoding it (``streams.asr.encodings``), against probing pieces and encoding again.

The translated talks (``bench/highlights/translated/<language>``, spoken by eSpeak NG) are cut in
pieces of ``--piece-seconds`` as the pipeline's chunks are, and each piece after a talk's first
(the first has no language heard before it) is recognized twice by the same
``MultilingualRecognizer`` (the options of Triton's ``whisper`` model), told the language heard
before it as the pipeline does: once as shipped (identification reads the window encodings the
decode then takes over) and once as before (``kept`` off: every piece probed, every window encoded
again by the decode). The two take turns going first. For each: seconds, and whether both gave
the same words and the same language spans; for the shared way, the pieces whose reading was kept
or probed again, and the decode's batches served from identification.

    nice .venv/bin/python bench/shared_encoding.py [--language de] [--piece-seconds 112] [--max-pieces 0]

Prints a table and writes bench/results/shared_encoding.json.
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_cost import translated_talks  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.transcribe_parts import arguments, pieces  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr.languages import UNDETERMINED  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, build_talk  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "shared_encoding.json"
WAYS = ("as before", "shared")


def counted(recognizer, counts: collections.Counter, way: list[str]) -> None:
    """Count the readings and the pieces probed by the way named in ``way`` (its one item; none
    while a talk's first piece is recognized, which is not compared)."""
    read, probe = recognizer._read_spans, recognizer._probe_spans

    def reading(*args):
        counts["read"] += bool(way)
        return read(*args)

    def probing(*args):
        if way:
            counts["probed" if way[0] == "shared" else "probed as before"] += 1
        return probe(*args)

    recognizer._read_spans, recognizer._probe_spans = reading, probing


def main() -> None:
    args = arguments(__doc__, RESULTS, 0)
    from streams.asr.spoken import MultilingualRecognizer

    recognizer = MultilingualRecognizer(config_options())
    kept = recognizer.kept
    if kept is None:
        raise SystemExit("the whisper model's options share no encodings (batching off, or not on CPU)")
    counts: collections.Counter = collections.Counter()
    way_now: list[str] = []
    counted(recognizer, counts, way_now)
    seconds = collections.Counter()
    same = collections.Counter()
    rows = []
    for name, _ in translated_talks(args.language):
        video = build_talk(name, MEDIA_DIR, BENCH_HIGHLIGHTS_DIR / "translated" / args.language).video
        audio = pieces(video, args.piece_seconds)
        before = recognizer.recognize(audio[0]).language
        for i, pcm in enumerate(audio[: args.max_pieces or len(audio)][1:], start=1):
            heard = {}
            for way in WAYS if i % 2 else WAYS[::-1]:
                recognizer.kept = kept if way == "shared" else None
                way_now[:] = [way]
                began = time.perf_counter()
                heard[way] = recognizer.recognize(pcm, before=before)
                seconds[way] += time.perf_counter() - began
                way_now.clear()
            old, new = heard["as before"], heard["shared"]
            same["pieces"] += 1
            same["words"] += (old.words, old.segments) == (new.words, new.segments)
            same["spans"] += [(s.language, s.start, s.end) for s in old.languages] == [
                (s.language, s.start, s.end) for s in new.languages
            ]
            before = old.language if old.language != UNDETERMINED else before
            print(f"  {name} #{i}: {dict(same)} {({k: round(v, 1) for k, v in seconds.items()})}", flush=True)
        rows.append(name)
    served = {"batches_kept": kept.made, "batches_served": kept.served}
    ratio = round(seconds["shared"] / seconds["as before"], 3)
    print(
        table(
            [
                ("way", "seconds", "pieces", "same words", "same spans", "readings kept", "pieces probed"),
                ("as before", f"{seconds['as before']:.1f}", str(same["pieces"]), "", "", "", str(counts["probed as before"])),
                (
                    "shared",
                    f"{seconds['shared']:.1f} ({ratio:.3f}x)",
                    str(same["pieces"]),
                    str(same["words"]),
                    str(same["spans"]),
                    str(counts["read"] - counts["probed"]),
                    str(counts["probed"]),
                ),
            ]
        )
    )
    write_results(
        args.out,
        "shared_encoding",
        {
            "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "ratio": ratio,
            "same": dict(same),
            "readings_kept": counts["read"] - counts["probed"],
            "pieces_probed": counts["probed"],
            "pieces_probed_as_before": counts["probed as before"],
            **served,
        },
        commit=commit(),
        language=args.language,
        talks=rows,
        piece_seconds=args.piece_seconds,
    )


if __name__ == "__main__":
    main()
