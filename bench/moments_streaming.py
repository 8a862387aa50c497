"""Benchmark: does the moments agent's work per chunk stay flat over a long video? (issue 22)

A four-hour transcript (200 chunks of 72 s by default) is made from the labelled talk scripts of
``../shared/eval/highlights``, read again and again, at 2.7 words a second with pauses between
sentences, each reading's sentences marked apart so that none is an embedding already cached. Each
chunk carries what the transcribe agent stores beside its words: a loudness envelope, a pitch
track, faces once a second. The real sentence encoder (all-MiniLM-L6-v2 in numpy) is used.

Two ways of finding the moments after each chunk, in the same run:
- ``stream``: what the agent does now, ``streams.moments.streaming.MomentStream`` stepped once per
  chunk (the last chunk, which reads the whole talk for the final ranking, is timed apart);
- ``replay``: what it did before, the selector replayed from the first chunk for every chunk,
  each step cutting every word heard so far into sentences and measuring the evidence again (the
  loop is kept, as it was, in ``tests/moments_replay.py``). Its cost grows with the square of the
  chunk index, so it is timed at a few chunks only.
While the talk is shorter than the stream's horizon the two must make the same picks; the run
checks that and fails otherwise.

    nice -n 19 .venv/bin/python bench/moments_streaming.py [--chunks 200] [--chunk-seconds 72]
        [--replay-at 1,10,16,50,100,198] [--clips 5]

Writes bench/results/moments_streaming.json. Timings are wall seconds on this machine, one run.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import table, write_results  # noqa: E402
from streams.domain.transcript import TranscriptChunk  # noqa: E402
from streams.domain.words import Word  # noqa: E402
from streams.moments import LengthRange  # noqa: E402
from streams.moments.streaming import HORIZON_SECONDS, MomentStream  # noqa: E402
from streams.text import default_encoder  # noqa: E402
from tests.highlight_talks import HIGHLIGHTS_DIR  # noqa: E402
from tests.moments_replay import read_again_from_the_start  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "moments_streaming.json"
LENGTH = LengthRange(20.0, 60.0)
WORD_SECONDS, WORD_GAP = 0.30, 0.07  # about 2.7 words a second
FLAT_TOLERANCE = 1.25  # the last 20 chunks may cost at most this much more than chunks 20-39


def script_sentences(labels: Path) -> list[str]:
    """Every sentence of every labelled talk script, in order."""
    out: list[str] = []
    for path in sorted(labels.glob("*.tsv")):
        with path.open(newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t"):
                out.extend(s for s in re.split(r"(?<=[.?!])\s+", row["text"].strip()) if s)
    return out


def long_transcript(sentences: list[str], chunks: int, chunk_seconds: float, seed: int = 7) -> list[TranscriptChunk]:
    """``chunks`` stored chunks (the catalog's) of the scripts read again and again."""
    rng = random.Random(seed)
    end = chunks * chunk_seconds
    words: list[Word] = []
    t, reading = 0.5, 0
    while t < end:
        for sentence in sentences:
            tokens = sentence.split()
            if reading:  # a later reading's sentences are new to the encoder's cache
                tokens = [f"({reading})", *tokens]
            for token in tokens:
                words.append(Word(token, round(t, 3), round(t + WORD_SECONDS, 3), 0.9))
                t += WORD_SECONDS + WORD_GAP
            t += rng.uniform(0.3, 1.4)
            if t >= end:
                break
        reading += 1
    out = []
    for i in range(chunks):
        start, stop = i * chunk_seconds, (i + 1) * chunk_seconds
        out.append(TranscriptChunk(
            chunk_index=i, start_s=start, end_s=stop, language="en",
            words=tuple(w for w in words if start <= w.start < stop),
            energy=tuple(round(rng.lognormvariate(-3, 0.6), 5) for _ in range(int(chunk_seconds / 0.5))),
            pitch=tuple(round(rng.uniform(90, 220), 1) if rng.random() < 0.6 else 0.0
                        for _ in range(int(chunk_seconds / 0.04))),
            faces=tuple((float(s), 1) for s in range(int(start), int(stop))), cuts=(),
        ))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--chunk-seconds", type=float, default=72.0)
    parser.add_argument("--replay-at", default="1,10,16,50,100,198")
    parser.add_argument("--clips", type=int, default=5)
    parser.add_argument("--labels", type=Path, default=HIGHLIGHTS_DIR)
    args = parser.parse_args()
    replay_at = sorted({int(i) for i in args.replay_at.split(",") if int(i) < args.chunks - 1})

    chunks = long_transcript(script_sentences(args.labels), args.chunks, args.chunk_seconds)
    encoder = default_encoder()
    duration = chunks[-1].end_s
    print(f"{args.chunks} chunks of {args.chunk_seconds:.0f} s ({duration / 3600:.1f} h), "
          f"{sum(len(c.words) for c in chunks)} words; horizon {HORIZON_SECONDS / 60:.0f} min")

    stream = MomentStream(count=args.clips, length=LENGTH, encoder=encoder)
    stream_seconds, held = [], []
    picks_at: dict[int, list] = {}
    for chunk in chunks[:-1]:
        began = time.perf_counter()
        stream.step(chunk, duration)
        stream_seconds.append(time.perf_counter() - began)
        held.append(stream.sentences_held)
        picks_at[chunk.chunk_index] = [(p.start, p.end) for p in stream.picks]
    began = time.perf_counter()
    last = stream.finish(chunks[-1], duration, chunks)
    finish_seconds = time.perf_counter() - began

    # The old loop at each sampled chunk, with the process's encoder, which has every sentence
    # cached by now (as a long-running worker's had), and the same picks while the talk is inside
    # the horizon.
    replay_seconds, same = {}, {}
    for index in replay_at:
        began = time.perf_counter()
        picks = read_again_from_the_start(chunks, args.clips, LENGTH, encoder, through=index)[-1]
        replay_seconds[index] = time.perf_counter() - began
        if chunks[index].end_s <= HORIZON_SECONDS:
            same[index] = [(p.start, p.end) for p in picks] == picks_at[index]

    def median_ms(lo: int, hi: int) -> float:
        return 1000 * statistics.median(stream_seconds[lo:hi])

    early, late = median_ms(20, 40), median_ms(len(stream_seconds) - 20, len(stream_seconds))
    rows = [("chunk", "talk so far", "stream ms", "replay ms", "sentences held")]
    for index in sorted({0, 1, 10, 25, 50, 100, 150, len(stream_seconds) - 1, *replay_at}):
        if index >= len(stream_seconds):
            continue
        rows.append((str(index), f"{chunks[index].end_s / 60:.0f} min", f"{1000 * stream_seconds[index]:.0f}",
                     f"{1000 * replay_seconds[index]:.0f}" if index in replay_seconds else "-", str(held[index])))
    print(table(rows))
    flat = late <= FLAT_TOLERANCE * early
    print(f"stream: median {early:.0f} ms a chunk at chunks 20-39, {late:.0f} ms at the last 20 "
          f"({late / early:.2f}x; flat means at most {FLAT_TOLERANCE}x): {'flat' if flat else 'NOT FLAT'}")
    print(f"last chunk (the whole talk read once for the final ranking): {finish_seconds:.1f} s; "
          f"{len(last.final)} clips ranked")
    print(f"same picks as the replay inside the horizon: {same}")
    write_results(RESULTS, "moments_streaming", {
        "stream_seconds": [round(s, 4) for s in stream_seconds], "finish_seconds": round(finish_seconds, 3),
        "replay_seconds": {str(k): round(v, 3) for k, v in replay_seconds.items()},
        "sentences_held": held, "median_ms_chunks_20_39": round(early, 1), "median_ms_last_20": round(late, 1),
        "flat": flat, "same_picks_inside_horizon": {str(k): v for k, v in same.items()},
    }, chunks=args.chunks, chunk_seconds=args.chunk_seconds, clips=args.clips, horizon_seconds=HORIZON_SECONDS)
    return 0 if flat and all(same.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
