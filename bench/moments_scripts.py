"""Benchmark: the ranking of labelled talks read as perfect transcripts, without speech (issue 49).

``bench/moments_quality.py`` speaks each labelled talk with eSpeak NG and transcribes it with
Whisper, which is the honest test where both work. For Japanese, Chinese, Russian and Korean they
do not: eSpeak NG's Japanese voice reads every kanji as the English words "Chinese letter"
(Whisper hears "Chinese later, Chinese later"), Whisper base names its Mandarin voice Thai and
writes gibberish, hears its Russian voice as Latvian (and, told it is Russian, writes words that
are not the ones said), and names its Korean voice Thai and writes nothing. So this benchmark
leaves speech out: each script becomes the transcript a perfect
recogniser would give (words by spaces; text written without spaces in tokens of up to two
characters, as Whisper's Japanese and Chinese tokens come; each passage said in the time its
English original takes at 2.7 words a second, its tokens timed by their length; a pause after each
sentence and between passages), cut into stored chunks in the
talk's language, and the final ranking is replayed from them by today's code and this
checkout's, as ``moments_quality`` replays its transcripts. The talks in English, German, Spanish
and French, which ``moments_quality`` also speaks, calibrate what a perfect transcript is worth
against the spoken runs: what the spoken run loses and the script keeps is recognition's, what both
lose is the ranking's.
No loudness, pitch or faces: those signals are neutral for every candidate.

    nice -n 19 .venv/bin/python bench/moments_scripts.py [--talks en/lecture_refrigeration,ja/...]
        [--labels DIR ...] [--originals DIR ...] [--k 4] [--baseline COMMIT]

``--labels`` scores other translations (a held-out talk): folders named by the language of their
scripts (``heldout/ja``), or folders of them (``heldout``), every script in them unless ``--talks``
names some; each translation is read at the pace of its English original, found in ``--originals``
(the shared talks' and ours by default).

Writes bench/results/moments_quality_scripts.json.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from statistics import mean
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.baseline import RANKING_BASELINE, checkout, replayed  # noqa: E402
from bench.moments_quality import meets, options, print_talk, scored  # noqa: E402
from bench.ranking_replay import chunk_json  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from streams.asr.languages import UNSPACED  # noqa: E402
from streams.domain.transcript import TranscriptChunk  # noqa: E402
from streams.domain.words import Word  # noqa: E402
from streams.moments.highlights import PASSAGE_GAP_SECONDS, labelled_talk, parse_script  # noqa: E402
from streams.moments.sentences import TERMINAL  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, HIGHLIGHTS_DIR, script_folders, talk_names  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "moments_quality_scripts.json"
# The shared talks in every language they are translated into: the lecture in eight, the keynote and
# the podcast in four. Read from their scripts, the spoken talks' recognition errors are out of the
# figures, so what is left is the ranking's own reading of the language.
TALKS = (
    *(f"{language}/lecture_refrigeration" for language in ("en", "de", "es", "fr", "ja", "zh", "ru", "ko")),
    *(f"{language}/{name}" for name in ("keynote_bakery_software", "podcast_sailing")
      for language in ("en", "de", "es", "fr")),
)
WORD_SECONDS = 1 / 2.7  # a word of a spaced language
SENTENCE_PAUSE = 0.35  # after a sentence's last word
CHUNK_SECONDS = 72.0
_PUNCTUATION = set("、，,；：:「」『』“”\"'（）()・…") | set(TERMINAL)


def tokens_of(text: str, language: str) -> list[str]:
    """The words a perfect recogniser would give for ``text``: by spaces, or for a language
    written without them, tokens of up to two characters with their punctuation attached."""
    if language not in UNSPACED:
        return text.split()
    tokens: list[str] = []
    current = ""
    for ch in text.replace(" ", ""):
        if ch in _PUNCTUATION:
            if current:
                current += ch
            elif tokens:
                tokens[-1] += ch
            continue
        if current and (len(current) >= 2 or current[-1] in _PUNCTUATION):  # punctuation closes a token
            tokens.append(current)
            current = ""
        current += ch
    if current:
        tokens.append(current)
    return tokens


def _weight(token: str, language: str) -> int:
    return 1 if language not in UNSPACED else max(1, sum(ch not in _PUNCTUATION for ch in token))


def transcript_of(script: str, language: str, english: str) -> tuple[list[TranscriptChunk], list[float], list]:
    """The stored chunks of ``script`` read perfectly at the pace of its ``english`` original
    (row by row), the passages' durations and the passages."""
    passages, originals = parse_script(script), parse_script(english)
    if len(passages) != len(originals):
        raise SystemExit(f"{len(passages)} passages but {len(originals)} in the English original")
    words: list[Word] = []
    durations: list[float] = []
    t = 0.0
    for passage, original in zip(passages, originals):
        start = t
        tokens = tokens_of(passage.text, language)
        per_weight = len(original.text.split()) * WORD_SECONDS / sum(_weight(w, language) for w in tokens)
        for token in tokens:
            length = per_weight * _weight(token, language)
            words.append(Word(token, round(t, 3), round(t + length * 0.9, 3), 0.95))
            t += length
            if token[-1] in TERMINAL:
                t += SENTENCE_PAUSE
        durations.append(words[-1].end - start)
        t = words[-1].end + PASSAGE_GAP_SECONDS
    end = words[-1].end
    chunks, i = [], 0
    while i * CHUNK_SECONDS < end:
        lo, hi = i * CHUNK_SECONDS, min((i + 1) * CHUNK_SECONDS, end)
        chunks.append(TranscriptChunk(
            chunk_index=i, start_s=lo, end_s=hi, language=language,
            words=tuple(w for w in words if lo <= w.start < hi),  # every word starts before the end
            languages=({"language": language, "start": lo, "end": hi},),
        ))
        i += 1
    return chunks, durations, passages


TRANSLATED_DIR = BENCH_HIGHLIGHTS_DIR / "translated"
ORIGINALS = (HIGHLIGHTS_DIR, BENCH_HIGHLIGHTS_DIR)
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z]{2,4})?")  # ja, zh, pt-BR: how a translation's folder is named


def script_path(talk: str, labels: Sequence[Path] = (TRANSLATED_DIR,), originals: Sequence[Path] = ORIGINALS) -> Path:
    """The script of ``talk`` (``language/name``): an English one among ``originals``, a translation
    in a folder of ``labels`` named by its language (``ja/``) or in such a folder inside one."""
    language, name = talk.split("/")
    places = ([o / f"{name}.tsv" for o in originals] if language == "en" else
              [p for folder in labels for p in (folder / f"{name}.tsv", folder / language / f"{name}.tsv")
               if p.parent.name == language])
    found = next((p for p in places if p.is_file()), None)
    if found is None:
        where = ", ".join(map(str, originals if language == "en" else labels))
        raise SystemExit(f"no script {talk}: looked for {name}.tsv in {where} (a translation's folder is named "
                         "by its language; an English original's is given by --originals)")
    return found


def english_path(talk: str, originals: Sequence[Path] = ORIGINALS) -> Path:
    return script_path(f"en/{talk.split('/')[1]}", originals=originals)


def talks_in(labels: Sequence[Path]) -> list[str]:
    """Every translated script in ``labels`` (``script_folders``: folders named by their language,
    or folders of them), as ``language/name``."""
    try:
        folders = script_folders(list(labels))
    except ValueError as exc:
        raise SystemExit(f"--labels {exc}") from None
    found = [f"{f.name}/{name}" for f in folders if LANGUAGE_CODE.fullmatch(f.name) and f.name != "en"
             for name in talk_names(f)]
    if not found:
        raise SystemExit(f"--labels {', '.join(map(str, labels))}: no translated scripts (*.tsv) in a folder "
                         "named by its language (ja, zh, de ...)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--talks", help="language/name, comma-separated (default: the shared talks' "
                        "translations, or every script in --labels)")
    parser.add_argument("--labels", type=Path, nargs="+",
                        help=f"folders of translated scripts named by language, or folders of them (default {TRANSLATED_DIR})")
    parser.add_argument("--originals", type=Path, nargs="+", default=list(ORIGINALS),
                        help="folders of the English originals, whose pace each translation is read at")
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--baseline", default=RANKING_BASELINE)
    parser.add_argument("--trials", type=int, default=20000)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    labels = args.labels or [TRANSLATED_DIR]
    args.talks = args.talks or ",".join(talks_in(labels) if args.labels else TALKS)
    names = args.talks.split(",")
    trained_on = {p.stem for p in BENCH_HIGHLIGHTS_DIR.glob("*.tsv")}
    if any(n.split("/")[1] in trained_on for n in names):
        raise SystemExit("score talks the editorial head was not trained on (bench/highlights trains it)")
    built = {}
    for name in names:
        chunks, durations, passages = transcript_of(
            script_path(name, labels, args.originals).read_text(encoding="utf-8"), name.split("/")[0],
            english_path(name, args.originals).read_text(encoding="utf-8"))
        built[name] = (chunks, labelled_talk(passages, durations))
    videos = [{"key": n, "options": options(args.k), "duration": c[-1].end_s, "chunks": [chunk_json(x) for x in c]}
              for n, (c, _) in built.items()]
    base, now = replayed(videos, checkout(args.baseline)), replayed(videos)
    results = []
    for name, b, n in zip(names, base["videos"], now["videos"]):
        talk = built[name][1]
        result = {"talk": name, "language": name.split("/")[0], "k": args.k, "talk_seconds": round(talk.duration, 1),
                  "highlights": [[round(h.start, 2), round(h.end, 2)] for h in talk.highlights]}
        for variant, replay in (("baseline", b), ("current", n)):
            result[variant] = scored(talk, replay["moments"], args.k, args.trials)
            result[variant]["meets"] = meets(result[variant])
            print_talk(name, f"{variant} ({base['commit'] if variant == 'baseline' else now['commit']})",
                       result[variant], args.k)
        results.append(result)
    rows = [("talk", "variant", f"P@{args.k}", "recall", "hit covers (min)", f"chance P@{args.k}", "meets")]
    for r in results:
        for variant in ("baseline", "current"):
            v = r[variant]
            failed = [k for k, ok in v["meets"].items() if not ok]
            rows.append((r["talk"], variant, f"{v['precision_at_k']:.2f}", f"{v['recall']:.2f}",
                         f"{min(v['coverage_of_hits']):.0%}" if v["coverage_of_hits"] else "-",
                         f"{v['chance_precision_at_k']:.2f}", "yes" if not failed else "no: " + ", ".join(failed)))
    for variant in ("baseline", "current"):
        rows.append(("mean", variant, f"{mean(r[variant]['precision_at_k'] for r in results):.2f}",
                     f"{mean(r[variant]['recall'] for r in results):.2f}", "", "", ""))
    print()
    print(table(rows), flush=True)
    write_results(args.out, "moments_quality_scripts", results, k=args.k, baseline_commit=base["commit"],
                  current_commit=now["commit"], commit=commit(), niceness=os.nice(0),
                  recipe={"english_word_seconds": round(WORD_SECONDS, 3),
                          "sentence_pause": SENTENCE_PAUSE, "passage_gap": PASSAGE_GAP_SECONDS,
                          "chunk_seconds": CHUNK_SECONDS})


if __name__ == "__main__":
    main()
