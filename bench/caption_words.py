"""Benchmark: do the words the captions draw read as Whisper wrote them, in every language?

faster-whisper starts a new word at every token that is punctuation alone, so French "l'autre"
came as "l" "'autre" and Chinese "2011" as "20" "11"; captions join words with a space (none
where a script is written without spaces), and drew "l 'autre" and "20 11年". The recognizer now
joins a word written without a leading space to the one before
(``streams.asr.recognition.whole_words``).

Each clip of ``speech/multilingual/`` and ``speech/fleurs_en/`` with a reference (as
``bench/asr_languages.py`` reads them) is decoded once in process by the recognizer Triton's
``whisper`` model is configured as (``bench/whisper.py``'s ``config_options``), told its language.
faster-whisper's words of each segment are kept, and the captions' text (``scripts.join`` of the
words) is made from them twice: as faster-whisper split them (the baseline, what the recognizer
kept before) and as ``whole_words`` joins them (this checkout). Per language:

- how many segments' captions read exactly as Whisper's own segment text (spaces included);
- the captions' error rate against the reference (``streams.asr.wer.error_rate``: WER, or CER
  for unspaced scripts) beside that of Whisper's own text.

Goal: every segment's captions read as Whisper's text, so the captions' error rate is Whisper's.

    .venv/bin/python bench/caption_words.py [--media DIR] [--out FILE]

Prints a table and writes bench/results/caption_words.json.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.asr_languages import MEDIA, load_clips  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr import recognition, spoken, whisper  # noqa: E402
from streams.asr.wer import error_rate  # noqa: E402
from streams.text.scripts import join  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "caption_words.json"
RULES = {
    "baseline": lambda heard: [w.word.strip() for w in heard if w.word.strip()],
    "current": lambda heard: [text for text, *_ in recognition.whole_words(heard)],
}


def decoded_segments(recognizer: spoken.MultilingualRecognizer, clip) -> list[tuple[str, list]]:
    """(Whisper's text, faster-whisper's words) of each segment of ``clip``, told its language."""
    seen: list[tuple[str, list]] = []
    keep = recognition.whole_words

    def spy(heard):
        heard = list(heard)
        seen.append(("".join(w.word for w in heard), heard))
        return keep(heard)

    whisper.whole_words = spy
    try:
        recognizer.recognize(clip.pcm, language=clip.language)
    finally:
        whisper.whole_words = keep
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", type=Path, default=MEDIA)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    recognizer = spoken.MultilingualRecognizer(config_options())
    rows = []
    for clip in load_clips(args.media):
        segments = decoded_segments(recognizer, clip)
        whisper_text = " ".join(text.strip() for text, _ in segments)
        row = {"clip": clip.path.name, "language": clip.language, "segments": len(segments),
               "whisper_rate": round(error_rate(clip.reference, whisper_text, clip.language)[1], 4)}
        for name, rule in RULES.items():
            captions = [join(rule(words)) for _, words in segments]
            row[f"{name}_words"] = sum(len(rule(words)) for _, words in segments)
            row[f"{name}_as_written"] = sum(c == text.strip() for c, (text, _) in zip(captions, segments))
            row[f"{name}_rate"] = round(error_rate(clip.reference, " ".join(captions), clip.language)[1], 4)
        rows.append(row)
        print(f"{clip.path.name}: {row}", flush=True)
    languages: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        languages[row["language"]].append(row)
    summary = {
        lang: {
            "clips": len(rs),
            "segments": sum(r["segments"] for r in rs),
            "whisper_rate": round(mean(r["whisper_rate"] for r in rs), 4),
            **{f"{n}_as_written": sum(r[f"{n}_as_written"] for r in rs) for n in RULES},
            **{f"{n}_rate": round(mean(r[f"{n}_rate"] for r in rs), 4) for n in RULES},
        }
        for lang, rs in sorted(languages.items())
    }
    segments = sum(s["segments"] for s in summary.values())
    totals = {f"{n}_as_written": sum(s[f"{n}_as_written"] for s in summary.values()) for n in RULES}
    met = totals["current_as_written"] == segments
    header = ("language", "clips", "segments", "as written (baseline)", "as written (now)",
              "Whisper's text rate", "captions' rate (baseline)", "captions' rate (now)")
    print(table([header, *[(lang, str(s["clips"]), str(s["segments"]), str(s["baseline_as_written"]),
                            str(s["current_as_written"]), f"{s['whisper_rate']:.3f}", f"{s['baseline_rate']:.3f}",
                            f"{s['current_rate']:.3f}") for lang, s in summary.items()]]))
    print(f"segments whose captions read as Whisper wrote them: {totals['baseline_as_written']} of {segments} "
          f"(baseline), {totals['current_as_written']} of {segments} now; goal all: {'met' if met else 'NOT met'}")
    write_results(args.out, "caption_words", {"languages": summary, "clips": rows, "segments": segments, **totals,
                                              "met": met}, current_commit=commit(),
                  baseline="faster-whisper's words as it splits them (the recognizer before whole_words)",
                  goal="every segment's captions read as Whisper's own text")


if __name__ == "__main__":
    main()
