"""Benchmark (issue 49): what editors clip, read from Whisper's English translation of a talk
instead of from its transcript.

Issue 49 named three candidates for reading a talk in another language for what editors clip; the
ranking ships the first (multilingual-e5-small and an editorial head trained in its space). This
measures the second: the multilingual Whisper that transcribes the talk also translates it into
English (``task="translate"``), and the English is read as an English talk is (all-MiniLM-L6-v2
and the English head). Each translated talk's audio is decoded in the pipeline's 112-s pieces,
twice, by the same ``base`` model with the pipeline's settings, the two decodes taking turns on
each piece: *transcript*, in the talk's language (what the pipeline decodes) read by e5's head;
*translation*, into English, read by MiniLM's head. Both are read the same way
(``editorial.editorial_map``: the descriptions and the head, no rhetoric), and scored passage by
passage against the talk's labels: each passage's mean editorial score, then the AUC of
highlights against filler and how many of the four best passages are highlights. A talk among
``bench/highlights`` (the heads' training talks) is scored with heads trained without it.

The cost is the translation's decode seconds against the transcript's, on the same pieces.

    nice .venv/bin/python bench/editorial_translate.py [--talks de/tutorial_sourdough,...]

Prints a table and writes bench/results/editorial_translate.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from statistics import mean

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, table, write_results  # noqa: E402
from bench.transcribe_parts import pieces  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, build_talk, talk_names  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "editorial_translate.json"
PIECE_SECONDS = 112.0  # the pipeline's chunk
TALKS = ("de/tutorial_sourdough", "es/tutorial_sourdough", "de/podcast_sailing", "fr/podcast_sailing")
WAYS = ("transcript", "translation")


class Translating:
    """A ``WhisperModel`` or ``BatchedInferencePipeline`` that translates into English whatever it
    is asked to transcribe (``task="translate"``), and is otherwise the object it wraps."""

    def __init__(self, decoder) -> None:
        object.__setattr__(self, "decoder", decoder)

    def __getattr__(self, name):
        return getattr(self.decoder, name)

    def __setattr__(self, name, value):
        setattr(self.decoder, name, value)

    def transcribe(self, audio, *args, **kwargs):
        return self.decoder.transcribe(audio, *args, **{**kwargs, "task": "translate"})


def decoded(recognizer, audio: np.ndarray, language: str, way: str) -> tuple[list, float]:
    """The words of one piece decoded ``way`` as the pipeline decodes a chunk (the batched decode,
    then what it skipped or looped on decoded again), and the seconds it took."""
    from streams.asr.languages import PROMPTS

    model, pipeline = recognizer.model, recognizer.pipeline
    if way == "translation":
        recognizer.model, recognizer.pipeline = Translating(model), Translating(pipeline)
    began = time.perf_counter()
    try:
        # No prompt for the translation: the language's own prompt pulls the output into it.
        heard = recognizer.recognize_batched(audio, language, PROMPTS.get(language) if way == "transcript" else None)
    finally:
        recognizer.model, recognizer.pipeline = model, pipeline
    return list(heard.words), time.perf_counter() - began


def readers(name: str) -> dict[str, tuple]:
    """(encoder, head) of each way: the shipped heads, or heads trained without ``name``."""
    from bench.heads import loaded
    from streams.moments import editorial_head as eh

    heads = loaded(name)
    return {way: (eh.encoder_of(space), heads[space])
            for way, space in (("transcript", eh.MULTILINGUAL), ("translation", eh.ENGLISH))}


def passage_scores(words: list, talk, encoder, head) -> list[float]:
    """Each passage's mean editorial score (robust z over the talk) from ``words``."""
    from streams.moments.editorial import PICKS, SKIPS, editorial_map
    from streams.moments.sentences import build_sentences

    sentences = build_sentences(words)
    found = editorial_map(
        sentences,
        np.asarray(encoder.encode([s.text for s in sentences]), np.float32),
        np.asarray(encoder.encode(list(PICKS)), np.float32),
        np.asarray(encoder.encode(list(SKIPS)), np.float32),
        head=head,
    )
    out = []
    for span in talk.spans:
        # A sentence belongs to the passage it starts in (a recogniser may start it a little early).
        inside = [z for start, z in zip(found.starts, found.scores) if span.start - 0.3 <= start < span.end - 0.3]
        out.append(float(mean(inside)) if inside else float("nan"))
    return out


def separation(scores: list[float], talk) -> dict:
    """AUC of highlights against filler, and highlights among the four best passages."""
    marks = [(s, p.kind == "highlight") for s, p in zip(scores, talk.passages) if not np.isnan(s)]
    highs = [s for s, h in marks if h]
    fills = [s for s, h in marks if not h]
    pairs = [1.0 if h > f else 0.5 if h == f else 0.0 for h in highs for f in fills]
    auc = mean(pairs) if pairs else float("nan")
    best = sorted(marks, key=lambda m: -m[0])[:4]
    return {"auc": round(auc, 3), "highlights_in_best_4": sum(h for _, h in best), "scores": [round(s, 3) for s in scores]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talks", default=",".join(TALKS), help="language/name of translated talks")
    parser.add_argument("--max-pieces", type=int, default=0, help="at most this many pieces a talk (0: all)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    from streams.asr import spoken

    recognizer = spoken.MultilingualRecognizer(config_options()).multilingual
    results = []
    for item in args.talks.split(","):
        language, name = item.split("/")
        built = build_talk(name, MEDIA_DIR, BENCH_HIGHLIGHTS_DIR / "translated" / language)
        words = {way: [] for way in WAYS}
        seconds = {way: 0.0 for way in WAYS}
        for i, audio in enumerate(pieces(built.video, PIECE_SECONDS)[: args.max_pieces or None]):
            offset = i * PIECE_SECONDS
            for way in WAYS if i % 2 == 0 else WAYS[::-1]:  # turns, so a busy machine slows both alike
                heard, took = decoded(recognizer, audio, language, way)
                words[way] += [dataclasses.replace(w, start=w.start + offset, end=w.end + offset) for w in heard]
                seconds[way] += took
            print(f"{item}: piece {i} decoded both ways", flush=True)
        read = readers(name)
        row = {"talk": item, "language": language, "audio_seconds": round(built.talk.duration, 1),
               "head": "left out" if name in talk_names(BENCH_HIGHLIGHTS_DIR) else "as shipped",
               "passages": [p.kind for p in built.talk.passages]}
        for way in WAYS:
            row[way] = {"seconds": round(seconds[way], 1), "words": len(words[way]),
                        **separation(passage_scores(words[way], built.talk, *read[way]), built.talk),
                        "sample": " ".join(w.word.strip() for w in words[way][:40])}
        row["cost"] = round(seconds["translation"] / seconds["transcript"], 3)
        results.append(row)
        print(f"{item}: AUC transcript {row['transcript']['auc']:.2f}, translation {row['translation']['auc']:.2f}",
              flush=True)

    rows = [("talk", "head", "AUC (transcript, e5)", "AUC (translation, MiniLM)", "highlights in best 4",
             "decode s (transcript / translation)")]
    for r in results:
        t, e = r["transcript"], r["translation"]
        rows.append((r["talk"], r["head"], f"{t['auc']:.2f}", f"{e['auc']:.2f}",
                     f"{t['highlights_in_best_4']} / {e['highlights_in_best_4']}",
                     f"{t['seconds']:.0f} / {e['seconds']:.0f} ({r['cost']:.2f}x)"))
    rows.append(("mean", "", f"{mean(r['transcript']['auc'] for r in results):.2f}",
                 f"{mean(r['translation']['auc'] for r in results):.2f}",
                 f"{sum(r['transcript']['highlights_in_best_4'] for r in results)} / "
                 f"{sum(r['translation']['highlights_in_best_4'] for r in results)}",
                 f"{mean(r['cost'] for r in results):.2f}x"))
    print(table(rows), flush=True)
    write_results(args.out, "editorial_translate", {"talks": results}, commit=commit(),
                  piece_seconds=PIECE_SECONDS)



if __name__ == "__main__":
    main()
