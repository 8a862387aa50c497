"""Benchmark: speech Whisper skipped behind one stretched word, found by the faithfulness guard
and decoded again, against the guard as it was, on the same chunks in one run.

The guard (``streams.asr.faithfulness``) decodes again, sequentially, a speech span that a batched
decode left without words or looped in. A word can hide such a skip: Whisper base gave "le" 17 s
of a French talk's speech. Since the guard takes a word to cover no more than ``word_reach`` of
it, such a span is decoded again. This benchmark takes labelled talks whose kept transcripts
(``--transcripts``, a set ``bench/transcript_sets.py`` saved, as the pipeline stored them) hold such a
word, and their English originals beside them, builds each talk's video as the pipeline's
benchmarks do (``tests.highlight_talks.build_talk``), cuts its audio into chunks the way ingest
does (``AudioChunks``, the stack's chunk lengths) and decodes each chunk the way Triton's
``whisper`` model does (``MultilingualRecognizer.recognize`` with the options of its
config.pbtxt, told the language heard most before it). Two ways, taking turns chunk by chunk:

  before  the guard as it was (a word covers all of its own time);
  now     a word covers at most ``word_reach`` from its start.

Per talk: the word error rate against the script (characters for unspaced scripts), seconds of
decoding, seconds decoded again by the guard, and the words stretched past their reach by a
second or more (over speech or over a pause: the guard decodes again only where the voice
activity detector hears speech). The sequential decode samples at its fallback temperatures, and
the two ways share one process, so a stretch decoded that way can read differently each time.
Prints a table and writes bench/results/stretched_words.json.

    nice .venv/bin/python bench/stretched_words.py [--transcripts bench/data/transcripts/94fa80e]
        [--talks fr/keynote_bakery_software,en/keynote_bakery_software]
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import time
from collections.abc import Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, table, write_results  # noqa: E402
from bench.transcript_sets import Reading, load  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr import faithfulness  # noqa: E402
from streams.asr.languages import UNDETERMINED  # noqa: E402
from streams.asr.wer import error_rate  # noqa: E402
from streams.domain.words import Word  # noqa: E402
from streams.media.sandbox.reading import AudioChunks, probe_media  # noqa: E402
from streams.moments.highlights import parse_script  # noqa: E402
from streams.settings import Settings  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import build_talk  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "stretched_words.json"
TRANSCRIPTS = Path(__file__).parent / "data" / "transcripts" / "94fa80e"
WAYS = ("before", "now")
STRETCH_SECONDS = 1.0  # a word this much longer than its reach counts as stretched


def stretched(words: Iterable) -> list[tuple[float, str, float]]:
    """(start, word, seconds) of each word longer than its reach by ``STRETCH_SECONDS`` or more."""
    return [
        (round(w.start, 1), w.word.strip()[:24], round(w.end - w.start, 2))
        for w in words
        if w.end - w.start >= faithfulness.word_reach(w.word) + STRETCH_SECONDS
    ]


def flagged_talks(folder: Path) -> tuple[list[Reading], list[Reading]]:
    """The readings of a saved set (``transcript_sets.load``) holding a stretched word, and the
    English originals of those talks that hold none."""
    readings = load(folder)
    found = [r for r in readings if stretched(w for c in r.chunks for w in c.words)]
    names = {r.name for r in found}
    return found, [r for r in readings if r not in found and language(r) == "en" and r.name in names]


def tag_of(reading: Reading) -> str:
    """The reading's name in the results: ``fr-keynote_bakery_software``."""
    return f"{language(reading)}-{reading.name}"


def language(reading: Reading) -> str:
    """The language of a spoken reading (its tag: ``spoken fr/keynote_bakery_software``)."""
    return reading.tag.split()[1].split("/")[0]


def chunks_of(video: Path, settings: Settings) -> list:
    """The video's audio in the chunks ingest cuts (the stack's chunk lengths)."""
    info = probe_media(video)
    return list(
        AudioChunks(video, info, chunk_min_seconds=settings.chunk_min_seconds,
                    chunk_max_seconds=settings.chunk_max_seconds)
    )


class Guard:
    """Switches the guard's word reach between the two ways and counts what it decodes again."""

    def __init__(self) -> None:
        self.reach = faithfulness.word_reach
        self.regions = faithfulness.regions
        self.again = 0.0
        faithfulness.regions = self._regions

    def way(self, name: str) -> None:
        faithfulness.word_reach = self.reach if name == "now" else (lambda _word: math.inf)

    def _regions(self, *args, **kwargs):
        chosen = self.regions(*args, **kwargs)
        self.again += sum(b - a for a, b in chosen)
        return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=Path, default=TRANSCRIPTS)
    parser.add_argument("--talks", default="", help="language/name,... of the set (default: those it flags)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    from streams.asr import spoken

    if args.talks:
        asked = {f"spoken {t}" for t in args.talks.split(",")}
        flagged, originals = [r for r in load(args.transcripts) if r.tag in asked], []
    else:
        flagged, originals = flagged_talks(args.transcripts)
    readings = flagged + originals
    print(f"talks: {', '.join(tag_of(r) for r in readings)}", flush=True)
    settings = Settings.from_env()
    recognizer = spoken.MultilingualRecognizer(config_options())
    guard = Guard()
    results: dict[str, dict] = {}
    for reading in readings:
        tag, folder = tag_of(reading), reading.labels
        video = build_talk(reading.name, MEDIA_DIR, folder).video
        script = " ".join(p.text for p in parse_script((folder / f"{reading.name}.tsv").read_text()))
        heard: dict[str, list] = {way: [] for way in WAYS}
        seconds = collections.Counter()
        again = collections.Counter()
        languages: dict[str, collections.Counter] = {way: collections.Counter() for way in WAYS}
        for chunk in chunks_of(video, settings):
            for way in WAYS if chunk.index % 2 == 0 else WAYS[::-1]:
                guard.way(way)
                before = languages[way].most_common(1)[0][0] if languages[way] else None
                guard.again, began = 0.0, time.perf_counter()
                result = recognizer.recognize(chunk.pcm, before=before)
                seconds[way] += time.perf_counter() - began
                again[way] += guard.again
                if result.language != UNDETERMINED:
                    languages[way][result.language] += 1
                heard[way] += [Word(w.word, chunk.start + w.start, chunk.start + w.end) for w in result.words]
        guard.way("now")
        results[tag] = {
            way: {
                "error_rate": error_rate(script, " ".join(w.word.strip() for w in heard[way]), language(reading)),
                "seconds": round(seconds[way], 1),
                "decoded_again_seconds": round(again[way], 1),
                "stretched": stretched(heard[way]),
            }
            for way in WAYS
        }
        r = results[tag]
        print(f"{tag}: error {r['before']['error_rate'][1]:.3f} -> {r['now']['error_rate'][1]:.3f}, "
              f"{r['before']['seconds']} -> {r['now']['seconds']} s, stretched {len(r['before']['stretched'])} -> "
              f"{len(r['now']['stretched'])}", flush=True)
    rows = [("talk", "metric", "error before", "error now", "s before", "s now", "again before", "again now",
             "stretched before", "stretched now")]
    for tag, r in results.items():
        b, n = r["before"], r["now"]
        rows.append((tag, b["error_rate"][0], f"{b['error_rate'][1]:.3f}", f"{n['error_rate'][1]:.3f}",
                     f"{b['seconds']:.1f}", f"{n['seconds']:.1f}", f"{b['decoded_again_seconds']:.1f}",
                     f"{n['decoded_again_seconds']:.1f}", str(len(b["stretched"])), str(len(n["stretched"]))))
    print(table(rows))
    totals = {way: round(sum(r[way]["seconds"] for r in results.values()), 1) for way in WAYS}
    write_results(args.out, "stretched_words", results, commit=commit(), transcripts=str(args.transcripts),
                  flagged=[tag_of(r) for r in flagged], originals=[tag_of(r) for r in originals], seconds=totals, now_over_before=round(totals["now"] / totals["before"], 3))


if __name__ == "__main__":
    main()
