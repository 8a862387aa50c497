"""Benchmark (issues 48, 49): a change to the ranking judged on every labelled reading at once.

Four picks a talk cannot tell two rules apart on one talk: a clip flips on a fraction of a point.
This replays the final ranking, in process, on every reading the other benchmarks keep: the
spoken talks' transcripts (``bench/moments_quality.py`` keeps them in ``EVAL_CACHE``: English,
translated and real) and the scripts read as perfect transcripts (``bench/moments_scripts.py``).
``--transcripts bench/data/transcripts/NAME`` ranks a set of spoken readings saved in the
repository instead (``bench/transcript_sets.py``); given more than once, every set's readings,
so that a change is judged on more than one transcription of each talk.
Each talk the editorial heads are trained on is scored with heads trained without it
(``bench/heads.py``). ``--offline`` also ranks each reading knowing the whole talk at once, as if
nothing had been picked while it streamed: what the streamed picks cost.

``--train-on SCRIPT`` is one more variant: every reading scored with editorial heads trained on
that labelled script too (``bench/heads.py``), to judge a script before the heads learn from it.
``--whole-words`` is one more: the spoken readings with their words joined as the recognizer now
joins them (``streams.asr.recognition.whole_words``; transcripts kept before it hold
faster-whisper's parts, "l" "'autre", and no longer the spaces it read: here a word that starts
with an apostrophe or a hyphen, or a lone "%", is taken to have had none), the scripts as they are.

Every ``--set`` is one variant: comma-separated ``module.NAME=value`` (a module under
``streams.moments``, a number), or ``module.NAME[key]=value`` for a dict's entry (the scoring
weights: ``scoring.WEIGHTS[numbers]=0``), or ``lexicon.LEXICON.field+=words`` (``-=``) for a lexicon's
word list (``lexicon.ENGLISH.number_words+=one``). The code as it is runs first, in the same run, on the
same transcripts, as the baseline. For each variant: hits among the top four of every reading,
readings that meet precision@4 0.75, and streamed picks the final choice dropped (*superseded*:
their clips were already rendered); then, for each kind and saved set of readings, each language's
mean precision@4 and recall over the talks read in every language (issue 49's "in every language").

    nice .venv/bin/python bench/ranking_sweep.py --set selection.SUPERSEDE_MARGIN=3 [--set ...]
        [--train-on SCRIPT ...] [--whole-words] [--only spoken|scripts] [--offline] [--transcripts DIR ...]

Prints a table and writes bench/results/ranking_sweep.json.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import moments_scripts  # noqa: E402
from bench.by_language import language_means  # noqa: E402
from bench.heads import loaded  # noqa: E402
from bench.moments_quality import TARGETS, options  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.transcript_sets import Reading, load, spoken_readings  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "ranking_sweep.json"
K = 4


def from_set(folder: Path) -> list[Reading]:
    """A saved set's readings (``bench/transcript_sets.py``), each tagged with the set's name."""
    if not (folder / "set.json").is_file():
        raise SystemExit(f"--transcripts {folder}: no saved set of transcripts (bench/transcript_sets.py save)")
    return [Reading(f"{r.tag} [{folder.name}]", r.name, r.chunks, r.duration, r.highlights) for r in load(folder)]


def keeps_voices(readings: list[Reading]) -> bool:
    """Whether any of a saved set's readings keeps the voices heard (``TranscriptChunk.voices``);
    a set transcribed before the pipeline diarized keeps none, and its two-voice talks are ranked
    without speaker turns, unlike today's pipeline's."""
    return any(c.voices is not None for r in readings for c in r.chunks)


def script_readings() -> list[Reading]:
    """The scripts ``bench/moments_scripts.py`` reads, and the tutorial's translations."""
    out = []
    for talk in (*moments_scripts.TALKS, "de/tutorial_sourdough", "es/tutorial_sourdough"):
        language, name = talk.split("/")
        english = moments_scripts.english_path(talk).read_text()
        chunks, durations, passages = moments_scripts.transcript_of(
            moments_scripts.script_path(talk).read_text(), language, english)
        from streams.moments.highlights import labelled_talk

        out.append(Reading(f"script {talk}", name, chunks, chunks[-1].end_s,
                           labelled_talk(passages, durations).highlights))
    return out


def parse_set(text: str) -> list[tuple[object, str, str | None, object]]:
    """``module.NAME=value`` or ``module.NAME[key]=value``, comma-separated, as (module, name, key,
    value); ``lexicon.LEXICON.field+=word word`` or ``-=`` adds words to (takes them from) one of a
    lexicon's word lists (``lexicon.ENGLISH.number_words+=one``), as (lexicon, field, "+" or "-",
    words)."""
    changes: list[tuple[object, str, str | None, object]] = []
    for item in text.split(","):
        if "+=" in item or "-=" in item:
            changes.append(_words_change(item))
            continue
        target, _, value = item.partition("=")
        where, _, name = target.partition("[")[0].rpartition(".")
        key = target.partition("[")[2].rstrip("]") or None
        module = importlib.import_module(f"streams.moments.{where}")
        if not hasattr(module, name):
            raise SystemExit(f"{target}: streams.moments.{where} has no {name}")
        container = getattr(module, name)
        if key is not None and key not in container:
            raise SystemExit(f"{target}: no {key!r} in {where}.{name}")
        current = container[key] if key is not None else container
        # an integer constant (a count of sentences) stays an integer
        number = int(value) if isinstance(current, int) and not isinstance(current, bool) else float(value)
        changes.append((module, name, key, number))
    return changes


def _words_change(item: str) -> tuple[object, str, str, frozenset[str]]:
    op = "+" if "+=" in item else "-"
    target, _, words = item.partition(f"{op}=")
    from streams.moments import lexicon

    _, name, field = (target.split(".") + ["", ""])[:3]
    found = getattr(lexicon, name, None)
    if not isinstance(found, lexicon.Lexicon) or not isinstance(getattr(found, field, None), frozenset):
        raise SystemExit(f"{target}: not a word list of a lexicon (lexicon.ENGLISH.number_words)")
    return found, field, op, frozenset(words.split())


def applied(changes, undo: dict | None = None) -> dict:
    """Set ``changes`` (or put back what ``undo`` saved, last change first); returns what to put
    back, by each change's place in ``changes``."""
    from streams.moments import signals

    saved = {}
    order = range(len(changes)) if undo is None else reversed(range(len(changes)))
    for i in order:
        target, name, key, value = changes[i]
        if key in ("+", "-"):  # a lexicon's word list: the dataclass is frozen, and read through caches
            saved[i] = getattr(target, name)
            object.__setattr__(target, name, (saved[i] | value if key == "+" else saved[i] - value)
                               if undo is None else undo[i])
            for cached in (signals.is_number, signals.hook, signals.payoff, signals.sentence_talk):
                cached.cache_clear()  # keyed by the lexicon's identity, which a changed list keeps
        elif key is None:
            saved[i] = getattr(target, name)
            setattr(target, name, value if undo is None else undo[i])
        else:
            container = getattr(target, name)
            saved[i] = container[key]
            container[key] = value if undo is None else undo[i]
    return saved


def ranked(readings: list[Reading], encoder, offline: bool = False, extra: Sequence[Path] = ()) -> list[dict]:
    """Each reading's final ranking scored against its highlights, with the heads ``bench/heads.py``
    gives its talk (trained on the scripts ``extra`` too); ``offline``: also the hits of the ranking
    made knowing the whole talk at once (no pick made while streaming), what the streamed picks cost."""
    from streams.agents.moments import moment_stream, replay
    from streams.moments.highlights import Span, score

    out = []
    for reading in readings:
        heads = loaded(reading.name, extra)
        step = replay("v", reading.chunks, options(K), reading.duration, True, encoder,
                      heads["english"], heads["multilingual"])
        result = score([Span(m.start, m.end) for m in step.final][:K], reading.highlights, K)
        final = {(round(m.start, 2), round(m.end, 2)) for m in step.final}
        out.append({
            "reading": reading.tag, "precision_at_k": round(result.precision, 3), "recall": round(result.recall, 3),
            "hits": round(result.precision * K), "min_coverage": round(min(result.coverages), 3) if result.coverages else None,
            "superseded": sum((round(p.start, 2), round(p.end, 2)) not in final for p in step.picks),
        })
        if offline:
            whole = moment_stream(options(K), encoder, heads["english"], heads["multilingual"]).finish(
                reading.chunks[-1], reading.duration, reading.chunks)
            at_once = score([Span(m.start, m.end) for m in whole.final][:K], reading.highlights, K)
            out[-1]["offline_hits"] = round(at_once.precision * K)
    return out


def whole_words(reading: Reading) -> Reading:
    """``reading`` with its words joined by the recognizer's own ``whole_words``, each kept word
    given back the leading space it must have had (none before a word that starts with an
    apostrophe or a hyphen, or a lone "%": the parts faster-whisper cuts off)."""
    import dataclasses
    from types import SimpleNamespace

    from streams.asr.recognition import whole_words as joined
    from streams.domain.words import Word

    def heard(w: Word) -> SimpleNamespace:
        t = w.word
        part = (t[:1] in ("'", "-") and len(t) > 1 and not t[1].isspace()) or t == "%"
        return SimpleNamespace(word=t if part else f" {t}", start=w.start, end=w.end, probability=w.probability)

    if not reading.tag.startswith("spoken"):
        return reading
    chunks = [dataclasses.replace(c, words=tuple(Word(text, start, end, round(p, 4)) for text, start, end, p
                                                 in joined(heard(w) for w in c.words))) for c in reading.chunks]
    return Reading(reading.tag, reading.name, chunks, reading.duration, reading.highlights)


def totals(rows: list[dict], kind: str) -> dict:
    chosen = [r for r in rows if r["reading"].startswith(kind)]
    return {"readings": len(chosen), "hits": sum(r["hits"] for r in chosen), "of": K * len(chosen),
            "meet_precision": sum(r["precision_at_k"] >= TARGETS["precision_at_k"] for r in chosen),
            "superseded": sum(r["superseded"] for r in chosen),
            **({"offline_hits": sum(r["offline_hits"] for r in chosen)} if chosen and "offline_hits" in chosen[0] else {})}


def languages(rows: list[dict]) -> dict[str, dict]:
    """Issue 49's reading of each kind and saved set of readings (``spoken [94fa80e]``): each
    language's mean precision@4 and recall over the talks read in every language
    (``bench/by_language.py``)."""
    groups: dict[str, list[dict]] = {}
    for r in rows:
        kind, _, rest = r["reading"].partition(" ")
        name, _, saved = rest.partition(" [")
        language = name.split("/")[0] if "/" in name else "en"
        groups.setdefault(f"{kind} [{saved}" if saved else kind, []).append(
            {"talk": name, "language": language, "current": r})
    return {group: language_means(talks, "current", TARGETS) for group, talks in groups.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", action="append", default=[], help="one variant: module.NAME=value,...")
    parser.add_argument("--train-on", type=Path, action="append", default=[],
                        help="one variant: heads trained on this labelled script too")
    parser.add_argument("--whole-words", action="store_true",
                        help="one variant: the spoken readings' words joined as whole_words joins them")
    parser.add_argument("--only", choices=("spoken", "scripts"), help="one kind of reading")
    parser.add_argument("--transcripts", type=Path, action="append", default=[],
                        help="a saved set of spoken readings (bench/data/transcripts/NAME), instead of "
                             "those kept here; give it again to rank several sets")
    parser.add_argument("--offline", action="store_true",
                        help="also rank each reading knowing the whole talk at once (what streaming costs)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    variants = {text: parse_set(text) for text in args.set}
    for script in args.train_on:
        if not script.is_file():
            raise SystemExit(f"--train-on {script}: no such labelled script")

    from streams.text import default_encoder

    voiceless: list[str] = []  # the saved sets that keep no voices
    if args.only == "scripts":
        spoken, missing = [], []
    elif args.transcripts:
        sets = {folder.name: from_set(folder) for folder in args.transcripts}
        spoken, missing = [r for readings in sets.values() for r in readings], []
        voiceless = [name for name, readings in sets.items() if not keeps_voices(readings)]
    else:
        spoken, missing = spoken_readings()
    if missing:
        print(f"no kept transcript of {', '.join(missing)} (bench/moments_quality.py keeps them)", flush=True)
    for name in voiceless:
        print(f"set {name}: no reading keeps the voices heard (transcribed before diarization): its two-voice "
              "talks are ranked without speaker turns, so the rules on exchanges and questions say nothing there",
              flush=True)
    readings = spoken + (script_readings() if args.only != "spoken" else [])
    encoder = default_encoder()
    results = {"as is": ranked(readings, encoder, args.offline)}
    for text, changes in variants.items():
        undo = applied(changes)
        try:
            results[text] = ranked(readings, encoder, args.offline)
        finally:
            applied(changes, undo)
        print(f"{text}: done", flush=True)
    if args.whole_words:
        results["whole words"] = ranked([whole_words(r) for r in readings], encoder, args.offline)
        print("whole words: done", flush=True)
    for script in args.train_on:
        results[f"heads trained on {script.name} too"] = ranked(readings, encoder, args.offline, [script])
        print(f"{script.name}: done", flush=True)

    names = list(results)
    rows = [("reading", *names)]
    for i, reading in enumerate(readings):
        cells = [f"{results[n][i]['precision_at_k']:.2f}" + (f" ({results[n][i]['superseded']} sup.)"
                 if results[n][i]["superseded"] else "")
                 + (f" [at once {results[n][i]['offline_hits']}]" if args.offline else "") for n in names]
        rows.append((reading.tag, *cells))
    summary = {n: {kind: totals(results[n], kind) for kind in ("spoken", "script")} for n in names}
    for kind in [k for k in ("spoken", "script") if summary["as is"][k]["readings"]]:
        rows.append((f"{kind}: hits / meet P@4 / superseded" + (" [hits at once]" if args.offline else ""),
                     *(f"{summary[n][kind]['hits']} of {summary[n][kind]['of']} / {summary[n][kind]['meet_precision']}"
                       f" of {summary[n][kind]['readings']} / {summary[n][kind]['superseded']}"
                       + (f" [{summary[n][kind]['offline_hits']}]" if args.offline else "") for n in names)))
    print(table(rows), flush=True)
    for n in names:
        summary[n]["languages"] = languages(results[n])
        for group, means in summary[n]["languages"].items():
            met = sum(all(m["meets"].values()) for m in means.values())
            print(f"{n}, {group}, each language's mean P@{K} / recall: "
                  + ", ".join(f"{lang} {m['precision_at_k']:.2f} / {m['recall']:.2f}" for lang, m in means.items())
                  + f" ({met} of {len(means)} at the targets)", flush=True)
    write_results(args.out, "ranking_sweep", {"summary": summary, "readings": results}, commit=commit(),
                  k=K, variants=list(results)[1:], without_kept_transcript=missing,
                  sets_without_voices=voiceless,
                  transcripts=[str(f) for f in args.transcripts] or "kept here")


if __name__ == "__main__":
    main()
