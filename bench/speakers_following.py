"""Benchmark: what a reader that follows a video chunk by chunk pays to label its speakers (issue 50).

The search sink labels each chunk's words with the speakers of the chunks so far. Before, it
labelled every chunk so far again for each new one (``speaker_turns(chunks[:k + 1], complete=False)``
at chunk k: quadratic in the video's length); now it keeps a ``StreamedTurns`` per video and labels
only the new chunk. Both are timed here in the same run on the same voices, and their turns are
checked equal at the end.

The voices are synthetic, shaped like stored ones: 60 minutes in 50 chunks of 72 s, two speakers
taking turns of 4 to 20 s with 0.5 s between, windows of 1.5 s every 0.75 s, each print a speaker's
unit vector plus noise (seeded). Only the labelling is timed, not the reads of the chunks' rows,
which the old way also repeated.

    .venv/bin/python bench/speakers_following.py [--minutes 60]

Writes bench/results/speakers_following.json.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, table, write_results  # noqa: E402
from streams.speakers.voices import StreamedTurns, Voices, speaker_turns  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "speakers_following.json"
CHUNK_SECONDS = 72.0


def voices(minutes: float, seed: int = 0) -> list[Voices]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2, 256))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    chunks = []
    for c in range(round(minutes * 60 / CHUNK_SECONDS)):
        start, end = c * CHUNK_SECONDS, (c + 1) * CHUNK_SECONDS
        speech, windows, prints = [], [], []
        t = start
        while t < end - 2:
            stop, who = min(t + rng.uniform(4, 20), end), int(rng.integers(2))
            speech.append((round(t, 3), round(stop, 3)))
            w = t
            while w + 1.5 <= stop:
                windows.append((round(w, 3), round(w + 1.5, 3)))
                v = centres[who] + rng.normal(scale=0.03, size=256)
                prints.append(v / np.linalg.norm(v))
                w += 0.75
            t = stop + 0.5
        chunks.append(Voices(tuple(speech), tuple(windows), np.asarray(prints, np.float16)))
    return chunks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    chunks = voices(args.minutes)
    began = time.perf_counter()
    for k in range(len(chunks)):
        again = speaker_turns(chunks[: k + 1], complete=False)
    every_chunk_again = time.perf_counter() - began
    followed = StreamedTurns()
    began = time.perf_counter()
    for chunk in chunks:
        followed.add(chunk)
    chunk_by_chunk = time.perf_counter() - began
    equal = list(followed.turns) == again
    print(table([("labelling", "seconds"), ("every chunk so far again (before)", f"{every_chunk_again:.2f}"),
                 ("chunk by chunk (StreamedTurns)", f"{chunk_by_chunk:.2f}")]))
    print(f"{len(chunks)} chunks, {sum(len(c.windows) for c in chunks)} windows; the turns are equal: {equal}")
    if not equal:
        raise SystemExit("the turns differ: StreamedTurns is not what labelling every chunk again gives")
    write_results(args.out, "speakers_following", {
        "every_chunk_again_seconds": round(every_chunk_again, 3), "chunk_by_chunk_seconds": round(chunk_by_chunk, 3),
        "equal": equal}, minutes=args.minutes, chunks=len(chunks), commit=commit())


if __name__ == "__main__":
    main()
