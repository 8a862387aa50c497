"""The benchmark figures the READMEs quote, written from ``bench/results/*.json`` and never by hand.

A figure block in a README is marked ``<!-- figures:NAME -->`` ... ``<!-- /figures -->``; its text
is what ``BLOCKS[NAME]`` makes of the results. ``python bench/figures.py`` rewrites every block of
README.md and deploy/README.md from the JSON as it stands (run it after a benchmark);
``--check`` only reports the blocks that disagree and exits 1 (``tests/unit/test_figures.py``
runs the same check, so a README cannot drift from its JSON).

Blocks so far: in README.md ``e2e``, ``search``, ``whisper``, ``moments_streaming``,
``moments_quality``, ``ranking_cost``, ``moments_languages``, ``moments_languages_it_pt``, ``moments_languages_pt_told``, ``moments_languages_untrained``, ``moments_languages_untrained_podcast``, ``moments_languages_fresh``, ``language_cost``, ``long_talk``, ``long_talk_first_pick``, ``ranking_sweep_first_pick``, ``shared_encoding``, ``asr_languages``, ``caption_words``, ``reframe_quality``, ``render``, ``audiogram``, ``stillness``, ``stretched_words``, ``face_detector``, ``glance``,
``analytics``, ``diarization``, ``diarization_cost``; in deploy/README.md's capacity table ``e2e_capacity``, ``whisper_capacity``,
``glance_capacity``, ``face_detector_capacity``, ``render_capacity``, ``analytics_capacity``,
``search_capacity``, ``api_capacity`` and the sizing example under it, ``capacity_sizing`` (its
assumptions, the ``SIZING_*`` constants, are stated there, not measured). A figure no JSON holds
stays outside the blocks, labelled as an earlier run's."""

from __future__ import annotations

import argparse
import json
import math
import re
import statistics
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.by_language import common_talks, language_means  # noqa: E402  (standard library only)

RESULTS = ROOT / "bench" / "results"
DOCUMENTS = (ROOT / "README.md", ROOT / "deploy" / "README.md")
BLOCK = re.compile(r"(<!-- figures:(?P<name>[a-z_0-9]+) -->)(?P<body>.*?)(<!-- /figures -->)", re.S)


def result(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def machine_of(r: dict) -> dict:
    """A run's machine as ``bench.report.machine`` writes it; a result written before its bench
    used that (``machine`` the host's name, cores and load beside it) read the same way."""
    if isinstance(r.get("machine"), dict):
        return r["machine"]
    return {k: r[k] for k in ("cpus", "load_average") if k in r}


def e2e() -> str:
    r = result("e2e")
    stages, args = r["stages"], r["args"]
    transcribed = stages["transcribe"]["end"] - stages["transcribe"]["start"]
    made = machine_of(r)
    batch = (f"a batch pipeline's first clip, its ranking done when the transcript is and then one clip "
             f"rendered alone ({r['top_clip_rendered_alone_seconds']:.0f} s, measured), would come at "
             f"{r['batch_baseline_first_clip_seconds']:.0f} s")
    asked, made_clips = args["clips"], r["clip_count"]
    clips = (f"{asked} clips" if made_clips == asked else
             f"{asked} clips asked for, {made_clips} rendered: a streamed pick the final ranking superseded stays")
    return (f"Latest e2e run ({made['cpus']} cores, commit {r['commit']}, {made['processor']}, a "
            f"{args['minutes']:g}-minute talk, {args['preset']} preset, {clips}): transcription {transcribed:.0f} s, "
            f"first clip at {r['time_to_first_clip_seconds']:.0f} s ({batch}), all {made_clips} clips and the video completed "
            f"at {r['total_seconds']:.0f} s ({r['realtime_factor']:.1f}× real time).")


def e2e_capacity() -> str:
    """The whole-pipeline row of deploy/README.md's capacity table: measured, then derived."""
    r = result("e2e")
    talks_an_hour = 3600 / r["total_seconds"]
    return (f"{r['args']['minutes']:g}-minute talk → {r['clip_count']} clips in {r['total_seconds']:.0f} s "
            f"({r['realtime_factor']:.1f}× real time); first clip after {r['time_to_first_clip_seconds']:.0f} s | "
            f"about {talks_an_hour:.0f} {r['args']['minutes']:g}-minute talks an hour on one "
            f"{machine_of(r)['cpus']}-vCPU box running everything")


def fault_suite() -> str:
    r = result("fault_suite")
    ran = [t for t in r["results"] if t["row"] is not None]
    red = [t["row"]["scenario"] for t in ran if not t["row"]["green"]]
    verdict = (f"every one of the {len(ran)} scenarios green" if r["all_green"] else
               f"{len(red)} of {len(ran)} scenarios red ({', '.join(red) or 'a test failed'})")
    slowest = ", ".join(f"{t['row']['scenario']}: {t['seconds']:.0f} s"
                        for t in sorted(ran, key=lambda t: -t["seconds"])[:3])
    return (f"Latest run (`bench/fault_suite.py`, `bench/results/fault_suite.json`, commit {r['commit']}, "
            f"{r['machine']['cpus']} cores, seed {r['seed']}): {verdict}; the suite took {r['wall_seconds']:.0f} s "
            f"(the slowest: {slowest}).")

def search() -> str:
    r = result("search")
    fts, meili = r["backends"]["sqlite-fts5"], r["backends"]["meilisearch"]

    def speed(b: dict) -> str:
        return (f"{b['index_sentences_per_second']:.0f} sentences/s and answers in {b['search']['p50_ms']:.1f} ms "
                f"p50, {b['search']['p95_ms']:.1f} ms p95")

    queries = fts["search"]["queries"]
    return (f"`bench/search.py` compares the two on the same {r['documents']:,} sentences ({r['videos']} videos, "
            f"{r['tenants']} tenants; `bench/results/search.json`, {r['machine']['cpus']} cores): the embedded "
            f"index takes {speed(fts)}; Meilisearch {meili['version']} takes {speed(meili)} (batches of "
            f"{r['batch']}, each awaited until searchable) through its HTTP API. Of {queries} queries the embedded "
            f"index found something for {fts['queries_with_hits']} and Meilisearch for {meili['queries_with_hits']}.")


def whisper() -> str:
    r = result("whisper")
    inputs = r["inputs"]
    ratios = [i["triton_over_in_process"] for i in inputs.values()]
    lj = next(v for k, v in inputs.items() if k.startswith("ljspeech"))
    quality = lj["quality"]["triton"]
    lost = len(quality["sentences_dropped"]) + len(quality["sentences_repeated"])
    return (f"`bench/whisper.py` (Triton against the same model in-process over {len(inputs)} long readings on "
            f"{r['machine']['cpus']} cores: {r['overall']['triton_x_realtime']:.1f}× real time against "
            f"{r['overall']['in_process_x_realtime']:.1f}×, {min(ratios):.2f}–{max(ratios):.2f}× the in-process "
            f"speed per reading; WER {quality['wer'] * 100:.2f} % on the {lj['audio_seconds']:.0f} s LJSpeech "
            f"reading, {lost} of its {quality['sentences']} sentences dropped or repeated)")


def moments_streaming() -> str:
    r = result("moments_streaming")
    res, replayed = r["results"], r["results"]["replay_seconds"]
    last = max(replayed, key=int)
    stream_ms = 1000 * res["stream_seconds"][int(last)]
    return (f"`bench/moments_streaming.py`, a {r['chunks'] * r['chunk_seconds'] / 3600:.0f}-hour transcript in "
            f"{r['chunks']} chunks on {r['machine']['cpus']} cores: {res['median_ms_chunks_20_39']:.0f} ms a chunk "
            f"(median) at chunks 20–39 and {res['median_ms_last_20']:.0f} ms at the last 20, most of it embedding "
            f"the chunk's new sentences; replaying from the first chunk, as the agent did before, took "
            f"{replayed[last]:.1f} s at chunk {last} against {stream_ms:.0f} ms; the last chunk, which reads the "
            f"whole talk for the final ranking, {res['finish_seconds']:.1f} s")


# Helpers for the blocks below: how the prose writes a run of numbers.

def span(values, spec: str = ".2f") -> str:
    """``lo–hi`` of ``values`` as ``spec`` writes them, or one number when both ends read the same."""
    lo, hi = format(min(values), spec), format(max(values), spec)
    return lo if lo == hi else f"{lo}–{hi}"


def listed(items, last: str = "and") -> str:
    """``a``, ``a and b``, ``a, b and c`` (``last``: the word before the last item, "or" say)."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {last} {items[-1]}"


def each(values, spec: str = ".2f") -> str:
    """``0.75`` for one value, ``0.75 on each`` when every value reads the same, else ``0.75, 0.50 and 0.50``."""
    written = [format(v, spec) for v in values]
    if len(written) == 1:
        return written[0]
    return f"{written[0]} on each" if len(set(written)) == 1 else listed(written)


def words(n: int) -> str:
    """Small counts as the prose writes them."""
    spelled = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return spelled[n] if n <= 10 else str(n)


def times(label: str) -> str:
    """``1280x720`` → ``1280×720`` (the benchmarks' JSON keys use an ASCII x)."""
    return re.sub(r"(\d)x(\d)", r"\1×\2", label)


def dims(sizes) -> str:
    """``[1280, 720]`` → ``1280×720``."""
    return "×".join(map(str, sizes))


def moments_quality() -> str:
    r = result("moments_quality")
    talks = r["results"]
    now, base = [t["current"] for t in talks], [t["baseline"] for t in talks]
    coverage = [c for v in now for c in v["coverage_of_hits"]]
    inside = [c for v in now for c in v["clip_inside_of_hits"]]
    chance = [v["chance_at_highlight_length_precision_at_k"] for v in now]
    met = [_talk_name(t["talk"]) for t, v in zip(talks, now) if all(v["meets"].values())]
    missed = [f"{_talk_name(t['talk'])} ({', '.join(k for k, ok in v['meets'].items() if not ok)})"
              for t, v in zip(talks, now) if not all(v["meets"].values())]
    return (f"On the {len(talks)} labelled talks ({', '.join(_talk_name(t['talk']) for t in talks)}; "
            f"`bench/results/moments_quality.json`, commit {r['current_commit']} against today's ranking at "
            f"{r['baseline_commit']} in the same run, on the same transcripts; each of our own talks scored with an "
            f"editorial head trained without it): precision@{r['k']} is {each([v['precision_at_k'] for v in now])} "
            f"(today's: {each([v['precision_at_k'] for v in base])}), recall {each([v['recall'] for v in now])} "
            f"(today's: {each([v['recall'] for v in base])}); a clip that hits covers "
            f"{span([100 * c for c in coverage], '.0f')} % of its highlight, with {span([100 * c for c in inside], '.0f')} "
            f"% of the clip inside it; random windows of a highlight's length score {span(chance)}. "
            f"{len(met)} of {len(talks)} talks meet every target of issue 48 (today's ranking: "
            f"{sum(all(t['baseline']['meets'].values()) for t in talks)})"
            + (f"; short of them: {listed(missed)}." if missed else "."))


def _talk_heard_as(talk: dict, language: str) -> str:
    """`` heard as es for 100 % of its speech`` where most of a talk's speech was identified as
    another language than its labels' (results written before the bench recorded it say nothing)."""
    heard = talk.get("heard") or {}
    top = next(iter(heard), language)
    return "" if top == language else f" heard as {top} for {100 * heard[top] / sum(heard.values()):.0f} % of its speech"


def _transcribed_on(r: dict) -> str:
    """Where a run's transcripts were made, when its JSON says (``bench.report.processor``; the
    eval cache is local, so the run's machine made them): Whisper's words depend on it."""
    processor = r.get("machine", {}).get("processor")
    return f", made on an {processor}" if processor and processor != "unknown" else ""


def moments_languages(name: str = "moments_quality_languages") -> str:
    r = result(name)
    translated = {t["talk"].split("/")[1] for t in r["results"] if "/" in t["talk"]}
    by: dict[str, list[dict]] = {}
    for t in r["results"]:
        if "/" in t["talk"] or t["talk"] in translated:  # English only beside its translations
            by.setdefault(t.get("language", "en"), []).append(t)
    parts = []
    for language, talks in by.items():
        now = [t["current"] for t in talks]
        base = [t["baseline"] for t in talks]
        names = ", ".join(_short_name(t["talk"], talks) + _talk_heard_as(t, language) for t in talks)
        parts.append(f"{language} ({names}): precision@{r['k']} {each([v['precision_at_k'] for v in now])} "
                     f"(today's: {each([v['precision_at_k'] for v in base])}), recall "
                     f"{each([v['recall'] for v in now])} (today's: {each([v['recall'] for v in base])})")
    scored = [t for talks in by.values() for t in talks]
    met = sum(all(t["current"]["meets"].values()) for t in scored)
    told = "; each translated talk uploaded with its language given" if any(
        t.get("language_told") for t in r["results"]) else ""
    held = "; ".join(note for note, shown in (
        ("the sourdough tutorial scored with heads trained without it",
         any(t["talk"].endswith("tutorial_sourdough") for t in scored)),
        ("the puncture tutorial, a talk no editorial head was trained on, with the heads as shipped",
         any(t["talk"].endswith("tutorial_puncture") for t in scored)),
        ("the advice podcast, a two-voice talk no editorial head was trained on, with the heads as shipped",
         any(t["talk"].endswith("podcast_money") for t in scored))) if shown)
    text = (f"`bench/results/{name}.json`, commit {r['current_commit']} against today's ranking "
            f"at {r['baseline_commit']} in the same run, on the same transcripts{_transcribed_on(r)}"
            + (f" ({(held + told).removeprefix('; ')})" if held or told else "") + ": " + "; ".join(parts)
            + f". {met} of {len(scored)} talks meet every target (today's ranking: "
            f"{sum(all(t['baseline']['meets'].values()) for t in scored)})")
    missed = [f"{t['talk'].replace('_', ' ')} ({', '.join(k for k, ok in t['current']['meets'].items() if not ok)})"
              for t in scored if not all(t["current"]["meets"].values())]
    if missed and len(scored) > 3:
        text += f"; short of them: {listed(missed)}"
    common = common_talks(scored)
    if len(by) > 1 and len(common) > 1:  # a mean over one talk is that talk's figure
        text += ". " + _language_means(scored, common, r)
    foreign = [t for t in scored if "/" in t["talk"]]
    without = [v.removeprefix("without ") for v in foreign[0] if v.startswith("without ")] if foreign else []
    if without:
        mean_now = sum(t["current"]["precision_at_k"] for t in foreign) / len(foreign)
        checks = [f"without the {part} {sum(t[f'without {part}']['precision_at_k'] for t in foreign) / len(foreign):.2f}"
                  for part in without]
        on = "the translated talk" if len(foreign) == 1 else f"the {len(foreign)} translated talks"
        text += (f". Parts taken out, on {on} (mean precision@{r['k']} "
                 f"{mean_now:.2f} with everything): " + ", ".join(checks))
    if name == "moments_quality_languages" and (RESULTS / "moments_quality_scripts.json").is_file():
        text += ". " + _read_from_scripts(result("moments_quality_scripts"))
    return text


def _language_means(scored: list[dict], common: list[str], r: dict) -> str:
    """Issue 49's reading: each language's mean precision@k and recall over ``common``, the talks
    read in every language of the run (``bench/by_language.py``), today's beside it."""
    now, base = (language_means(scored, variant, r["targets"]) for variant in ("current", "baseline"))
    names = [_short_name(name, [{"talk": n} for n in common]) for name in common]
    means = listed(f"{language} {m['precision_at_k']:.2f} / {m['recall']:.2f} (today's "
                   f"{base[language]['precision_at_k']:.2f} / {base[language]['recall']:.2f})"
                   for language, m in now.items())
    short = [f"{language} ({', '.join(k for k, ok in m['meets'].items() if not ok)})"
             for language, m in now.items() if not all(m["meets"].values())]
    target = f"{r['targets']['precision_at_k']:.2f} / {r['targets']['recall']:.2f}"
    return (f"Each language's mean precision@{r['k']} / recall over the {len(names)} talks read in every "
            f"language ({listed(names)}): {means}; "
            + (f"short of issue 49's {target}: {listed(short)}" if short
               else f"every language at issue 49's {target}"))


def _short_name(talk: str, among: list[dict]) -> str:
    """A talk's kind ("keynote"), or its whole name ("tutorial puncture") where another of
    ``among`` is of the same kind."""
    name = talk.split("/")[-1]
    kind = name.split("_")[0]
    same = sum(t["talk"].split("/")[-1].split("_")[0] == kind for t in among)
    return kind if same == 1 else name.replace("_", " ")


def _read_from_scripts(sc: dict) -> str:
    """The sentence on ``moments_quality_scripts.json``: each talk's precision@k in each language
    it was read in, and which fall short."""
    talks: dict[str, list[dict]] = {}
    for t in sc["results"]:
        talks.setdefault(_talk_name(t["talk"]), []).append(t)
    read = [f"the {talk} " + ", ".join(f"{t['language']} {t['current']['precision_at_k']:.2f} "
                                       f"(today's {t['baseline']['precision_at_k']:.2f})" for t in runs)
            for talk, runs in talks.items()]
    unspoken = [LANGUAGE_NAMES[lang] for lang in dict.fromkeys(t["language"] for t in sc["results"])
                if lang in UNSPOKEN]
    short = [f"{t['language']} {_talk_name(t['talk'])}" for t in sc["results"]
             if not all(t["current"]["meets"].values())]
    return (f"Read as perfect transcripts instead of speech (`bench/moments_scripts.py`, "
            f"`moments_quality_scripts.json`, commit {sc['current_commit']}; eSpeak NG cannot speak "
            f"{listed(unspoken, 'or')} to Whisper), precision@{sc['k']} is " + "; ".join(read)
            + (f"; short of the targets: {listed(short)}" if short else "; every one meets the targets"))


def ranking_cost() -> str:
    r = result("ranking_cost")
    medians = {v["variant"]: v["median_seconds"] for v in r["results"]}
    return (f"Ranking a {r['minutes']:.0f}-minute talk ({r['chunks']} chunks, {r['clips']} clips, every chunk stepped "
            f"and the last finished; `bench/results/ranking_cost.json`, commit {r['commit']}) takes "
            f"{medians['current']:.1f} s against today's {medians['baseline']:.1f} s in the same run "
            f"({r['ratio']:.2f}×; the target is at most {r['target']:.2f}×)"
            + (f"; the same talks in {r['language']}, read for what editors clip with multilingual-e5 too, take "
               f"{medians['current, ' + r['language']]:.1f} s ({r['language_ratio']:.2f}× the English ranking, "
               f"{medians['current, ' + r['language']] - medians['current']:.0f} s more)" if r.get("language") else ""))


def language_cost() -> str:
    r = result("language_cost")
    other = r["order"][1] if r["order"][0] == "en" else r["order"][0]
    en, them, goal = r["results"]["en"], r["results"][other], r["goal"]
    stages = [(s, them["stages"][s] / en["stages"][s]) for s in ("transcribe", "moments") if en["stages"].get(s)]
    pairs = goal.get("pairs") or []
    order = (f"in the order {', '.join(r['order'])} on one private stack, each language's mean of its "
             f"{len(pairs)} runs" if len(pairs) > 1 else "one after the other on one private stack")
    each = f"; pair by pair {' and '.join(f'{x:.2f}×' for x in pairs)}" if len(pairs) > 1 else ""
    return (f"A {en['video_seconds'] / 60:.0f}-minute talk in {other} (our labelled talks translated, "
            f"{', '.join(r['talks'])}, read in a loop) against the same talks in English, {order} "
            f"(`bench/results/language_cost.json`, commit {r['commit']}, the language left to "
            f"the pipeline): {them['total_seconds']:.0f} s against {en['total_seconds']:.0f} s from upload to "
            f"completed ({goal['ratio']:.3f}×, {goal['per_minute_ratio']:.3f}× per minute of video{each}; "
            f"the goal is at most {goal['at_most']:.2f}× for a 60-minute talk, {'met' if goal['met'] else 'not met'}"
            f"{_shorter(en['video_seconds'])}); "
            + ", ".join(f"its {s} stage {x:.2f}×" for s, x in stages) + _heard_as(them, other))


def long_talk(name: str = "long_talk") -> str:
    r = result(name)
    base, cur = r["results"]["baseline"], r["results"]["current"]

    def median(runs: list[dict], key: str) -> float:
        return statistics.median(run[key] for run in runs)

    ratio = r["current_over_baseline"]
    return (f"The same English talk through the pipeline of commit {r['baseline_commit']} and of this one, in turns "
            f"on one machine (`bench/long_talk.py`, `bench/results/{name}.json`, commit {r['commit']}, "
            f"{r['args']['clips']} clips asked for, "
            f"{len(cur)} run{'s' if len(cur) > 1 else ''} each): {median(base, 'total_seconds'):.0f} s against "
            f"{median(cur, 'total_seconds'):.0f} s from upload to completed ({ratio['total_seconds']:.2f}×), "
            f"the first clip at {median(base, 'first_clip_seconds'):.0f} s against "
            f"{median(cur, 'first_clip_seconds'):.0f} s ({ratio['first_clip_seconds']:.2f}×)")


def ranking_sweep_first_pick() -> str:
    r = result("ranking_sweep_first_pick")
    summary, readings = r["results"]["summary"], r["results"]["readings"]
    earned = next(name for name in summary if name != "as is")  # the first pick at its share alone
    same = sum(1 for a, b in zip(readings["as is"], readings[earned]) if a == b)

    def told(variant: str) -> str:
        spoken, script = summary[variant]["spoken"], summary[variant]["script"]
        return (f"{spoken['hits']} of {spoken['of']} hits and {spoken['superseded']} superseded picks spoken, "
                f"{script['hits']} of {script['of']} and {script['superseded']} read as scripts")

    return (f"`bench/results/ranking_sweep_first_pick.json`, commit {r['commit']}: {same} of {len(readings['as is'])} "
            f"readings scored the same (precision, recall, coverage, superseded picks); {told('as is')} with the first pick at three minutes, {told(earned)} "
            f"with it at its share alone (`{earned}`)")


def shared_encoding() -> str:
    return "; ".join(_shared_encoding(name) for name in ("shared_encoding", "shared_encoding_es"))


def _shared_encoding(name: str) -> str:
    r = result(name)
    m = r["results"]
    same = m["same"]
    return (f"transcribing the {len(r['talks'])} talks in {r['language']} piece by piece (`bench/results/{name}.json`, "
            f"commit {r['commit']}; {same['pieces']} pieces of {r['piece_seconds']:.0f} s, each told the language heard "
            f"before it, the two ways taking turns) took {m['seconds']['shared']:.1f} s with each window encoded once "
            f"against {m['seconds']['as before']:.1f} s as before ({m['ratio']:.3f}×), with the same words in "
            f"{same['words']} and the same language spans in {same['spans']} of {same['pieces']} pieces; "
            f"{m['readings_kept']} readings were kept and {m['pieces_probed']} pieces probed on their own "
            f"(against {m['pieces_probed_as_before']} probes before)")


def _talk_name(talk: str) -> str:
    """A labelled talk's short name: its first word, and its year where it ends on one (the real
    speeches: ``inaugural_1961`` and ``inaugural_1933`` are both inaugurals)."""
    words = talk.split("/")[-1].split("_")
    return f"{words[0]} {words[-1]}" if len(words) > 1 and words[-1].isdigit() else words[0]


def _shorter(video_seconds: float) -> str:
    """The caveat of a run on a talk shorter than the goal's hour."""
    if video_seconds >= 59 * 60:
        return ""
    return (" on this shorter talk, where the renders, which cost the same in both languages, carry more of the "
            "total than they do over an hour")


def _heard_as(measured: dict, language: str) -> str:
    """How much of a talk's speech its language spans gave to its own language (runs from before
    the spans were counted have none)."""
    seconds = measured.get("speech_seconds_by_language")
    if not seconds:
        return ""
    total = sum(seconds.values())
    others = ", ".join(f"{k} {v:.0f} s" for k, v in seconds.items() if k != language)
    return (f"; {seconds.get(language, 0.0) / total:.1%} of its speech was heard as {language}"
            + (f" (the rest as {others})" if others else ""))


LANGUAGE_NAMES = {"zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ru": "Russian"}
# Languages eSpeak NG speaks so that Whisper base does not hear them (bench/moments_scripts.py)
UNSPOKEN = ("ja", "zh", "ru", "ko")


def asr_languages() -> str:
    r = result("asr_languages")
    res = r["results"]
    langs, every, en = res["languages"], res["all"], res["languages"]["en"]
    within = [c for c, v in langs.items() if abs(v["difference_points"]) <= 1]
    lower = [c for c, v in langs.items() if v["difference_points"] < -1]
    misses = r["goals"]["triton_vs_direct"]["failures"]
    cer = [LANGUAGE_NAMES.get(c, c) for c, v in langs.items() if v["metric"] == "cer"]
    tiny, base = res["english_choice"]["tiny.en"], res["english_choice"]["base"]
    speed = base["seconds_per_audio_second"] / tiny["seconds_per_audio_second"]

    def pct(rate: float) -> str:
        return f"{rate * 100:.1f} %"

    missed = [f"{c} ({pct(m['triton_rate'])} against {pct(m['direct_rate'])})" for c, m in misses.items()]
    missed = (f", and misses the 1-point goal for {listed(missed)}" if missed
              else "; every language meets the 1-point goal")
    return (f"{every['clips']} read-speech clips in {len(langs)} languages, {every['audio_seconds']:.0f} s in all "
            f"(`bench/results/asr_languages.json`, commit {r['commit']}; the direct run with beam "
            f"{r['direct']['beam_size']}, told the true language): Triton named the language of "
            f"{every['identified_correctly']} of {every['clips']} clips (mean probability "
            f"{every['mean_probability']:.2f}). Word error rate (character error rate for {listed(cer)}) through "
            f"Triton equals the direct run within a point for {', '.join(within)}, is lower for "
            f"{', '.join(lower) or 'none'}{missed}. English, the FLEURS set of {en['clips']} clips, is at "
            f"{pct(en['triton_rate'])} through Triton and {pct(en['direct_rate'])} directly. Run directly, `tiny.en` "
            f"has a {'lower' if tiny['wer'] < base['wer'] else 'higher'} WER than `base` on the English set "
            f"({pct(tiny['wer'])} against {pct(base['wer'])}) and is {speed:.1f}× "
            f"{'faster' if speed >= 1 else 'slower'}. Identifying the language first costs "
            f"{en['auto_over_tiny_en']:.2f}× the time of decoding English on `tiny.en` alone, on these clips of "
            f"{en['audio_seconds'] / en['clips']:.1f} s on average")


def caption_words() -> str:
    r = result("caption_words")
    res = r["results"]
    langs = res["languages"]
    better = {c: v for c, v in langs.items() if v["current_rate"] < v["baseline_rate"]}
    moved = [f"{LANGUAGE_NAMES.get(c, c)} {v['baseline_rate'] * 100:.1f} % to {v['current_rate'] * 100:.1f} %"
             for c, v in better.items()]
    short = [c for c, v in langs.items() if v["current_as_written"] < v["segments"]]
    return (f"Of the same clips' {res['segments']} segments (`bench/caption_words.py`, "
            f"`bench/results/caption_words.json`, commit {r['current_commit']}), the captions draw "
            f"{res['current_as_written']} as Whisper wrote them against {res['baseline_as_written']} with "
            f"faster-whisper's words as it splits them, in the same run; the captions' error rate fell for "
            f"{listed(moved) or 'no language'}"
            + (f"; still apart from Whisper's text in {', '.join(short)}" if short else ""))


def reframe_quality() -> str:
    r = result("reframe_quality")
    res, middle = r["results"], r["targets"]["middle_share"]

    def height(item: dict) -> int:
        return item["input"]["canvas"][1]

    def label(h: int) -> str:
        return "4K" if h == 2160 else f"{h}p"

    def faces(items) -> str:
        return listed(sorted({round(100 * i["input"]["face_fraction"]) for i in items}))

    moving = {k: v for k, v in res.items() if k.startswith("moving-")}
    by_height: dict[int, list] = {}
    for item in moving.values():
        by_height.setdefault(height(item), []).append(item)
    groups: dict[str, list[int]] = {}
    for h, items in sorted(by_height.items()):
        groups.setdefault(faces(items), []).append(h)
    (first, first_heights), *rest = groups.items()
    inputs = (f"{listed(label(h) for h in first_heights)} frames at face heights of {first} % (moving across the "
              f"frame)" + "".join(f", the same at {f} % of a {listed(label(h) for h in hs)} frame" for f, hs in rest))
    portraits = sum(k.startswith("portrait-") for k in res)
    profiles = [v for k, v in res.items() if k.startswith("profile-")]
    turned = (f", a face in profile (a photograph) moving the same way at "
              f"{listed(sorted(f'{faces([v])} % of {label(height(v))}' for v in profiles))}" if profiles else "")
    cascades = "OpenCV's Haar cascades (its profile cascade for the face in profile)" if profiles else (
        "OpenCV's Haar cascade")
    centred = min(v["haar_rendered"]["centred_share"] for v in res.values())
    fits = [v for v in res.values() if v["baseline_plan"]["layout"] == "fit"]
    frontal_fits = [v for k, v in res.items() if v["baseline_plan"]["layout"] == "fit" and not k.startswith("profile-")]
    turned_fits = [v for v in profiles if v["baseline_plan"]["layout"] == "fit"]
    missed = f"with {faces(frontal_fits)} % faces" + (
        f" and the face in profile at {listed(sorted(f'{faces([v])} % of {label(height(v))}' for v in turned_fits))}"
        if turned_fits else "")
    zoomed, four_k = res["moving-1080p-10"], res["moving-2160p-5"]
    soft_by_height: dict[int, list] = {}
    for item in res.values():
        if item["plan"]["framing"] and item["plan"]["framing"]["soft"]:
            soft_by_height.setdefault(height(item), []).append(item)
    soft = sorted(soft_by_height.items(), reverse=True)

    def held(h: int, items: list) -> str:
        upscale = max(i["plan"]["framing"]["upscale"] for i in items)
        if all(i["plan"]["framing"]["zoom"] == 1 for i in items):
            return f"at the whole frame height ({upscale:.2f}× upscaling) at {label(h)}"
        return f"at {upscale:g}× upscaling at {label(h)}"

    close = [v["analysis"]["time_ratio"] for v in res.values() if v["input"]["close_shot"]]
    two = [v["analysis"]["time_ratio"] for k, v in res.items() if k.startswith("two-")]
    one = [v["analysis"]["time_ratio"] for k, v in res.items() if not v["input"]["close_shot"]
           and not k.startswith("two-")]
    lufs = [v["audio"]["integrated_lufs"] for v in res.values()]
    peak = [v["audio"]["true_peak_dbtp"] for v in res.values()]
    splits = [v for v in res.values() if v["plan"]["layout"] == "split"]
    panels = (f" (in each panel of the {words(len(splits))} split screens that two small speakers taking turns get "
              f"from `framing=auto`, at {listed(sorted(f'{faces([v])} % of {label(height(v))}' for v in splits))})"
              if splits else "")
    return (f"plans and renders GRID talking faces composited into {inputs}, {words(portraits)} still portraits moving "
            f"over a real voice{turned}, two small speakers filmed wide and the cut montage, then checks the rendered "
            f"{r['settings']['aspect']} clips with an independent detector, {cascades}. The face is in "
            f"the middle {100 * middle:.0f} % of the crop's width{panels} on {100 * centred:.0f} % of checked frames "
            f"of all {len(res)} inputs; the old whole-frame look found no face at all on the {len(fits)} inputs "
            f"{missed}, which fell back to the blurred fit. A {label(height(zoomed))} source zooms to "
            f"head and upper body (face {100 * zoomed['input']['face_fraction']:.0f} %: crop "
            f"{dims(zoomed['plan']['crop'])}, the face "
            f"{100 * zoomed['plan']['framing']['face_share']:.0f} % of it) and a {label(height(four_k))} one further "
            f"({dims(four_k['plan']['crop'])} for a {100 * four_k['input']['face_fraction']:.0f} % "
            f"face); where the source has too few pixels for that "
            f"({'; '.join(f'{faces(items)} % faces at {label(h)}' for h, items in soft)}) the crop stops "
            f"{' and '.join(held(h, items) for h, items in soft)}, and the hand-off says `soft`. Analysis time "
            f"against the old whole-frame look in the same run: {span(close)}× on the close shots, {span(one)}× "
            f"with one face in a wider shot, {span(two)}× with two; every clip measures {min(lufs):.1f} to "
            f"{max(lufs):.1f} "
            f"LUFS and {min(peak):.1f} to {max(peak):.1f} dBTP true peak.")


def render() -> str:
    r = result("render")
    clip = r["clip"]
    return (f"full render with a moving crop, captions and two-pass loudness at "
            f"{r['speed_ratio_wall']['plain']:.2f}× a plain crop+scale+encode, "
            f"{r['frames_per_second']['full']:.1f} frames/s at {times(clip['output'])} {clip['preset']} "
            f"on {clip['threads']} threads")


def stillness() -> str:
    r = result("stillness")
    q, m = r["results"], r["results"]["medians"]
    portraits = sum(c["still"] and c["faces"] == 1 for c in q["quality"])
    covers = sum(c["still"] and c["faces"] > 1 for c in q["quality"])
    missed = [f"missed: {c['case']}, {c['change']:.2%} of its blocks changed, its faces moved "
              f"{', '.join(f'{x:.1%}' for x in c['faces_moved']) or 'none'}, planned {c['layout']}"
              for c in q["quality"] if (c["still"] and c["faces"] != 1) != (c["layout"] == "still")]
    return (f"`bench/stillness.py` (`bench/results/stillness.json`, commit {r['commit']}, "
            f"{machine_of(r)['processor']}): of {q['cases']} cases (stills coded as such uploads are, {covers} of "
            f"them a podcast's cover with its two hosts, GRID talking faces, one or two GRID faces small on a wide "
            f"still, street scenes, an animation) the planner drew {q['right']} as meant, the stills without a face "
            f"or with the hosts' still faces as a cover and the {portraits} with one face cropped on it "
            f"({'; '.join(missed) or 'none missed'}), and {q['frozen']} moving pictures still (the rule before, a "
            f"cover only without any face: {q['right_before']} as meant, {q['frozen_before']} moving still); "
            f"the measure costs the reframer's look {q['ratio']:.2f}× (60 s of 1280×720: "
            f"{m['with the measure']:.2f} s against {m['without it']:.2f} s without it, median of "
            f"{len(q['timings']['without it'])})")


def audiogram() -> str:
    r = result("audiogram")
    clip, medians, over = r["clip"], r["results"]["medians"], r["results"]["audiogram_over_baseline"]
    return (f"`bench/audiogram.py` (`bench/results/audiogram.json`, commit {r['current_commit']} against "
            f"{r['baseline_commit']} in the same run, {machine_of(r)['processor']}): a {clip['seconds']:g} s clip "
            f"of {clip['source']} renders in {medians['audiogram']['wall']:.1f} s with the bars against "
            f"{medians['baseline']['wall']:.1f} s over the plain background ({over['wall']:.2f}× the wall time, "
            f"{over['cpu']:.2f}× the CPU; {times(clip['output'])}, {clip['preset']}, {clip['threads']} threads, median of "
            f"{clip['rounds']} rounds), and in {medians['cover']['wall']:.1f} s with the file's cover art drawn as well "
            f"({r['results']['cover_over_audiogram']['wall']:.2f}× the bars alone)")


def render_threads() -> str:
    r = result("render_threads")
    clip, (before, now) = r["clip"], list(r["threads"])
    return (f"a {clip['seconds']:g} s clip, the only one of its message, in {r['median_wall_seconds'][now]:.1f} s on "
            f"{r['threads'][now]} threads against {r['median_wall_seconds'][before]:.1f} s on one, "
            f"{100 * r['extra_cpu']:+.0f} % CPU; commit {r['commit']}, {machine_of(r)['processor']}")


def stretched_words() -> str:
    r = result("stretched_words")
    talks = r["results"]

    def named(tag: str) -> str:
        language, name = tag.split("-", 1)
        return f"{language} {_talk_name(name)}"

    def rate(way: dict) -> str:
        return f"{100 * way['error_rate'][1]:.1f} %"

    fixed = [t for t, w in talks.items() if len(w["now"]["stretched"]) < len(w["before"]["stretched"])]
    moved = [t for t, w in talks.items() if t not in fixed and w["now"]["error_rate"] != w["before"]["error_rate"]]
    same = len(talks) - len(fixed) - len(moved)
    def changed(tag: str) -> str:
        return f"{named(tag)} {rate(talks[tag]['before'])} → {rate(talks[tag]['now'])}"

    said, noise = [changed(t) for t in fixed], [changed(t) for t in moved]
    kept = sum(len(w["now"]["stretched"]) for w in talks.values())
    return (f"{len(r['flagged'])} labelled talks whose kept transcripts (`{Path(r['transcripts']).name}`) hold a "
            f"word stretched past its reach and {len(r['originals'])} English originals of them "
            f"(`bench/results/stretched_words.json`, commit {r['commit']}, {machine_of(r)['processor']}): a "
            f"stretch came back and was decoded again in {len(fixed)} ({listed(said)}, word error rate against "
            f"the script); {same} read the same, {kept} word{'s' if kept != 1 else ''} stretched over a pause the "
            f"voice activity detector does not call speech left as {'they were' if kept != 1 else 'it was'}"
            + (f", and {listed(noise)} moved where the sequential decode's fallback sampled" if noise else "")
            + f"; decoding took {r['now_over_before']:.2f}× the time")


def face_detector() -> str:
    r = result("face_detector")
    fps, batches = r["frames_per_second"], sorted(r["frames_per_second"]["triton_http"], key=int)
    return (f"{span(fps['triton_http'].values(), '.0f')} frames/s through Triton at {dims(r['frame_size'])}"
            f" in batches of {batches[0]} to {batches[-1]}, against {span(fps['in_process'].values(), '.0f')} "
            f"in process")


def glance() -> str:
    r = result("glance")
    res, ran = r["results"], machine_of(r)
    looks = listed(f"{v['look_seconds_per_video_minute']:.1f} s for the {times(k)}" for k, v in res.items())
    all_frames = [v["look_all_frames"] / v["look"] for v in res.values()]
    slowdown = listed(f"{v['transcribe_slowdown']:.2f}×" for v in res.values())
    return (f"per minute of video, in {r['chunk_seconds']:.0f} s chunks, looked at alone: {looks}, decoding every "
            f"frame instead costing {span(all_frames, '.1f')}× that; run beside Whisper as the agent runs it, "
            f"transcription took {slowdown} as long, in one run on {ran['cpus']} cores while other work shared "
            f"them (load average {ran['load_average'][0]:.1f})")


SINK_BATCH = "1000"  # the analytics sink's batch (streams/agents/analytics.py BATCH_SIZE)


def analytics() -> str:
    r = result("analytics")
    row, batched, report = r["row_at_a_time"], r["batched"], r["report"]

    def size(n: str) -> str:
        return f"{int(n):,}" + (" (the sink's size)" if n == SINK_BATCH else "")

    rates = "; ".join(f"{'batches of' if i == 0 else 'of'} {size(n)}: {b['events_per_second']:,}/s"
                      + (f" ({b['events_per_second'] / row['events_per_second']:.0f}×)" if n == SINK_BATCH else "")
                      for i, (n, b) in enumerate(batched.items()))
    costs = [(1, 1000 * row["seconds"] / row["events"])]
    costs += [(int(n), 1000 * b["seconds"] / (b["events"] / int(n))) for n, b in batched.items()]
    cost = listed(f"{ms:.0f} ms with {'one row' if n == 1 else f'{n:,} rows'}" for n, ms in costs)
    return (f"Latest run ({r['engine']}, {r['machine']['cpus']} cores): one row per insert "
            f"{row['events_per_second']:,} events/s; {rates}. An insert took {cost}: the cost is per insert far more "
            f"than per row, which is why the sink batches. The tenant report over {report['events_stored']:,} events "
            f"({report['tenants']} tenants, {report['queries']} queries): p50 {report['p50_ms']:.0f} ms, p95 "
            f"{report['p95_ms']:.0f} ms.")


def analytics_capacity() -> str:
    r = result("analytics")
    engine = r["engine"].replace("embedded chdb", "embedded ClickHouse, chdb")
    return (f"{r['batched'][SINK_BATCH]['events_per_second']:,} events/s in batches of {int(SINK_BATCH):,} ({engine}; "
            f"one row per insert: {r['row_at_a_time']['events_per_second']:,}/s)")


# deploy/README.md's capacity table: the measured column from the JSON, and the derived column as arithmetic on
# it. The derived column's sizing assumptions are not measurements; they are written here once:
SIZING_VIDEOS_A_DAY = 100  # one-hour videos
SIZING_CLIPS = 5  # clips a video
SIZING_CLIP_RANGE = (20, 60)  # a clip's length in seconds, the default range (streams/moments/scoring.py)
SIZING_CLIP_SECONDS = sum(SIZING_CLIP_RANGE) / 2  # taken as the mean clip
SIZING_RENDER_REPLICAS = 2
SIZING_SENTENCES_AN_HOUR = 1000  # sentences in an hour of talk, about


def _whisper_runs() -> tuple[dict, dict, dict]:
    """The latest whisper.py run (batched, its default) and the earlier batched and sequential runs."""
    return result("whisper"), result("whisper_batched"), result("whisper_sequential")


def _batched_speeds() -> tuple[float, float]:
    """The slowest and fastest real-time factor of the batched runs (the latest and the earlier one)."""
    latest, batched, _ = _whisper_runs()
    speeds = [run["overall"]["triton_x_realtime"] for run in (latest, batched)]
    return min(speeds), max(speeds)


def whisper_capacity() -> str:
    """Every committed whisper.py run: the batched default measured far apart in different runs, so the derived
    column spans both batched runs rather than picking one."""
    latest, batched, sequential = _whisper_runs()
    ratios = [i["triton_over_in_process"] for run in (latest, batched, sequential) for i in run["inputs"].values()]
    slow, fast = _batched_speeds()
    return (f"{batched['overall']['triton_x_realtime']:.1f}× real time batched (batch "
            f"{batched['triton_options']['batch_size']}) and {sequential['overall']['triton_x_realtime']:.1f}× "
            f"sequential in earlier runs (`whisper_batched.json`, `whisper_sequential.json`); "
            f"{latest['overall']['triton_x_realtime']:.1f}× batched in the latest, with the same settings "
            f"(`whisper.json`); Triton within {span(ratios)}× of in-process | one {latest['machine']['cpus']}-vCPU "
            f"Triton instance: {slow:.0f}–{fast:.0f} hours of speech an hour; a one-hour video's audio in "
            f"{round(3600 / fast, -1):.0f}–{round(3600 / slow, -1):.0f} s")


def glance_capacity() -> str:
    res = result("glance")["results"]
    per_minute = {k: v["look_seconds_per_video_minute"] for k, v in res.items()}
    lo, hi = min(per_minute, key=per_minute.get), max(per_minute, key=per_minute.get)
    slowdown = [v["transcribe_slowdown"] for v in res.values()]
    return (f"{per_minute[lo]:.1f} s ({times(lo.split()[-1])}) to {per_minute[hi]:.1f} s ({times(hi.split()[-1])}) "
            f"per video minute; transcription {span(slowdown)}× as long beside it | "
            f"{round(60 * per_minute[lo], -1):.0f}–{round(60 * per_minute[hi], -1):.0f} s per hour of video on the "
            f"transcribe replica")


def face_detector_capacity() -> str:
    r = result("face_detector")
    triton = r["frames_per_second"]["triton_http"].values()
    sampled = result("reframe_quality")["settings"]["sampling_new"]["fps"]
    # clip-seconds a second rounded down, as a capacity should be
    return (f"{span(triton, '.0f')} frames/s at {dims(r['frame_size'])} | the render group's "
            f"reframing samples {sampled:.0f} frames/s of each clip: {int(min(triton) / sampled)}–"
            f"{int(max(triton) / sampled)} clip-seconds a second")


def _render_seconds_a_video() -> float:
    r = result("render")
    return SIZING_CLIPS * SIZING_CLIP_SECONDS * r["median_wall_seconds"]["full"] / r["clip"]["seconds"]


def render_capacity() -> str:
    r = result("render")
    clip, wall = r["clip"], r["median_wall_seconds"]["full"]
    video = _render_seconds_a_video()
    return (f"{times(clip['output'])}, libx264 {clip['preset']}, moving crop, captions, two-pass "
            f"loudness: {r['frames_per_second']['full']:.1f} frames/s on {clip['threads']} threads "
            f"({clip['seconds']:.0f} s clip in {wall:.0f} s) | ~{round(3600 / wall, -1):.0f} clips of "
            f"{clip['seconds']:.0f} s an hour; {SIZING_CLIPS} clips × 1 aspect of {SIZING_CLIP_RANGE[0]}–"
            f"{SIZING_CLIP_RANGE[1]} s ({SIZING_CLIP_SECONDS:.0f} s on average) ≈ {video / 60:.0f} min a video, "
            f"so ~{3600 / video:.0f} videos an hour (4 aspects: ~{3600 / (4 * video):.0f})")


def search_capacity() -> str:
    r = result("search")
    fts, meili = r["backends"]["sqlite-fts5"], r["backends"]["meilisearch"]
    return (f"over {r['documents']:,} sentences: Meilisearch {meili['version']} indexes "
            f"{meili['index_sentences_per_second']:.0f} sentences/s and answers in {meili['search']['p95_ms']:.1f} ms "
            f"p95 over HTTP; the embedded SQLite FTS5 index {fts['index_sentences_per_second']:.0f} sentences/s, "
            f"{fts['search']['p95_ms']:.1f} ms p95 | not a bottleneck: a one-hour video is about "
            f"{SIZING_SENTENCES_AN_HOUR:,} sentences, under "
            f"{math.ceil(SIZING_SENTENCES_AN_HOUR / meili['index_sentences_per_second']):.0f} s of Meilisearch "
            "indexing")


def api_capacity() -> str:
    r = result("api")
    video = r["latency"]["GET /v1/videos/{id}"]
    uploads = r["uploads"]
    sizes = [f"{u['size_mb']:,} MB" for u in uploads]
    return (f"`GET /v1/videos/{{id}}` p95 {video['p95_ms']:.1f} ms at {video['achieved_per_second']:.0f} req/s; "
            f"uploads {span([u['upload_mb_s'] for u in uploads], '.0f')} MB/s "
            f"({listed(sizes)})")


def capacity_sizing() -> str:
    """The sizing example under the capacity table: arithmetic on the rows above."""
    slow, fast = _batched_speeds()
    look = [v["look_seconds_per_video_minute"] for v in result("glance")["results"].values()]
    video, n = _render_seconds_a_video(), SIZING_VIDEOS_A_DAY
    whisper = [3600 / fast, 3600 / slow]
    picture = [60 * min(look), 60 * max(look)]
    return (f"{n} one-hour videos a day, {SIZING_CLIPS} clips each, one aspect. Render: {n} × ~{video / 60:.0f} min "
            f"≈ {n * video / 3600:.1f} replica-hours of 2 vCPUs a day, so {SIZING_RENDER_REPLICAS} render "
            f"replicas of 2 vCPUs keep up with bursts of ~{SIZING_RENDER_REPLICAS * 3600 / video:.0f} videos an hour. "
            f"Transcription on CPU: {n} × ({round(whisper[0], -1):.0f}–{round(whisper[1], -1):.0f} s Whisper + "
            f"{round(picture[0], -1):.0f}–{round(picture[1], -1):.0f} s picture look) ≈ "
            f"{n * (whisper[0] + picture[0]) / 3600:.0f}–{n * (whisper[1] + picture[1]) / 3600:.0f} replica-hours a "
            f"day of a 2-vCPU Triton plus the transcribe agents")


def diarization() -> str:
    """Who speaks when: DER and speaker counts at the library's default against the MFCC baseline."""
    r = result("diarization")
    by_input = {row["input"]: row for row in r["results"]["default"]}
    baseline = {row["input"]: row for row in r["results"]["baseline"]}
    scored = r["goals"]["scored_inputs"]
    two = [i for i in scored if by_input[i]["reference_speakers"] == 2]
    more = [i for i in scored if by_input[i]["reference_speakers"] > 2]

    def der(rows, names):
        return span([100 * rows[i]["der"] for i in names], ".1f")

    right = [i for i in scored if by_input[i]["found_speakers"] == by_input[i]["reference_speakers"]]
    wrong = [f"{i} ({by_input[i]['found_speakers']} for {by_input[i]['reference_speakers']})"
             for i in scored if i not in right]
    good_two = [i for i in two if by_input[i]["der"] <= 0.10]
    bad_two = [f"{i} ({100 * by_input[i]['der']:.1f} %)" for i in two if i not in good_two]
    beaten = [i for i in scored if by_input[i]["der"] < baseline[i]["der"]]
    steady = [s for s in r["stability"] if s["options"] == "default"]
    encoder = max(r["cost"]["encoder"], key=lambda e: e["total_s_per_min"])
    share = r["cost"]["pipeline_share"]
    default = r["chosen"]["default"]
    return (
        f"`bench/results/diarization.json`, commit {r['commit']}, threshold {default['threshold']:g} "
        + (f"({default['narrowband_threshold']:g} on a telephone line; " if "narrowband_threshold" in default else "(")
        + f"min_speaker_windows {default['min_speaker_windows']}"
        + (f", min_speaker_share {100 * default['min_speaker_share']:g} %" if "min_speaker_share" in default else "")
        + f"), on {words(len(scored))} inputs (the phone call, "
        f"TEST and HELD_OUT conversations of real voices"
        + (", the same on the telephone" if any(i.startswith(("test-phone", "test-caller")) for i in scored) else "")
        + f", the podcast): DER {der(by_input, good_two)} % on "
        f"{words(len(good_two))} of {words(len(two))} two-speaker inputs"
        + (f" ({listed(bad_two)} misses the 10 % goal)" if bad_two else "")
        + f", {der(by_input, more)} % with three to five speakers (the MFCC baseline: "
        f"{der(baseline, two)} % and {der(baseline, more)} %); the speaker count right on {words(len(right))} of "
        f"{words(len(scored))}" + (f" (wrong: {listed(wrong)})" if wrong else "")
        + f"; DER below the baseline's on {words(len(beaten))} of {words(len(scored))}. No speaker split into two "
        f"labels over {listed([str(round(s['minutes'])) + ' minutes' for s in steady if s['never_splits']])} of "
        f"two voices. Cost: {encoder['total_s_per_min']:.2f} s of CPU per audio minute (VAD "
        f"{encoder['vad_s_per_min']:.2f} s, encoder {encoder['encoder_s_per_min']:.2f} s), clustering a 60-minute "
        f"video {r['cost']['clustering']['final_s']:.2f} s; estimated {100 * share['share_of_pipeline']:.1f} % of "
        f"a 60-minute talk's pipeline time (scaled from a 10-minute e2e run made before diarization, not measured)"
    )


def diarization_cost() -> str:
    """The whole pipeline with diarization on and off, measured in one run."""
    r = result("diarization_cost")
    minutes = r["results"][0]["video_seconds"] / 60
    rounds = r["args"]["rounds"]
    return (
        f"`bench/diarization_cost.py` (`bench/results/diarization_cost.json`, commit {r['commit']}, "
        f"{r['machine']['cpus']} cores): a {minutes:.0f}-minute talk through the whole pipeline took "
        f"{r['total_ratio']:.3f}× the time with diarization as without (its transcribe stage "
        f"{r['transcribe_ratio']:.3f}×; the goal is at most {r['goal_total_ratio']:.2f}×), "
        + ("one run each, without first" if rounds == 1 else f"{words(rounds)} runs each, in alternating order")
    )


def trim() -> str:
    """Trimming inside clips, on readings with planted pauses and hesitations."""
    r = result("trim")
    rows, goals = r["results"], r["goals"]
    removed = [row["removed_s"] for row in rows]
    missed = [name.replace("_", " ") for name, goal in goals.items() if not goal["met"]]
    return (
        f"`bench/trim.py` (`bench/results/trim.json`, commit {r['commit']}): {len(rows)} clips of real readings "
        f"with planted pauses and espeak-ng hesitations lose {min(removed):.1f}-{max(removed):.1f} s each "
        f"(mean {r['removed_seconds_mean']:.1f} s); hesitations planted and removed: recall "
        f"{goals['filler_recall']['value']:.2f}, precision {goals['filler_precision']['value']:.2f}; kept words whose "
        f"sound is intact in the clip {goals['kept_words_intact']['value']}; cuts at least "
        f"{1000 * goals['min_cut_to_word_s']['value']:.0f} ms from a kept word; no join louder than the clip's own "
        f"sample steps on {goals['no_click']['value']} clips; picture and sound within "
        f"{1000 * goals['sync_within_a_frame']['value']:.0f} ms at every frame; loudness in -14 ± 1 LUFS on "
        f"{goals['loudness']['value']}; render time {goals['render_ratio']['value']:.2f}× the untrimmed clip's; the "
        f"clip whose re-transcription lost most has a WER {goals['wer_points_over_whole']['value']:.1f} points above "
        f"its untrimmed clip's (goal 2). Goals missed: {', '.join(missed) if missed else 'none'}"
    )


def editorial_translate() -> str:
    """Issue 49's second candidate against the shipped reading, on the same decodes."""
    r = result("editorial_translate")
    talks = r["results"]["talks"]
    commits = sorted({t.get("commit", r["commit"]) for t in talks})
    auc = {way: sum(t[way]["auc"] for t in talks) / len(talks) for way in ("transcript", "translation")}
    better = [t["talk"] for t in talks if t["translation"]["auc"] > t["transcript"]["auc"]]
    best = {way: sum(t[way]["highlights_in_best_4"] for t in talks) for way in ("transcript", "translation")}
    seconds = sum(t["translation"]["seconds"] for t in talks) / sum(t["transcript"]["seconds"] for t in talks)
    return (f"On {words(len(talks))} translated talks (`bench/results/editorial_translate.json`, "
            f"commit{'s' if len(commits) > 1 else ''} {listed(commits)}), each decoded twice by Whisper base in the "
            f"pipeline's pieces, highlights stand apart from filler passage by passage at a mean AUC of "
            f"{auc['transcript']:.2f} read from the transcript by multilingual-e5's head, as shipped, and "
            f"{auc['translation']:.2f} read from Whisper's English translation by MiniLM's head "
            f"(the translation reads better on {words(len(better))}: {listed(better) if better else 'none'})"
            f"; the four best passages of each talk held {best['transcript']} highlights by the transcript's reading "
            f"and {best['translation']} by the translation's; translating took {seconds:.2f}× the seconds of "
            f"transcribing the same pieces ({span([t['cost'] for t in talks])}× talk by talk)")


BLOCKS: dict[str, Callable[[], str]] = {
    "e2e": e2e, "e2e_capacity": e2e_capacity, "fault_suite": fault_suite, "search": search, "whisper": whisper,
    "moments_streaming": moments_streaming, "moments_quality": moments_quality, "ranking_cost": ranking_cost,
    "moments_languages": moments_languages, "language_cost": language_cost, "long_talk": long_talk,
    "long_talk_first_pick": lambda: long_talk("long_talk_first_pick"), "shared_encoding": shared_encoding,
    "ranking_sweep_first_pick": ranking_sweep_first_pick,
    "moments_languages_it_pt": lambda: moments_languages("moments_quality_it_pt"),
    "moments_languages_pt_told": lambda: moments_languages("moments_quality_pt_told"),
    "moments_languages_untrained": lambda: moments_languages("moments_quality_untrained"),
    "moments_languages_untrained_podcast": lambda: moments_languages("moments_quality_untrained_podcast"),
    "moments_languages_fresh": lambda: moments_languages("moments_quality_languages_fresh"),
    "asr_languages": asr_languages,
    "caption_words": caption_words,
    "reframe_quality": reframe_quality, "render": render, "audiogram": audiogram, "stillness": stillness, "render_threads": render_threads, "stretched_words": stretched_words, "face_detector": face_detector, "glance": glance,
    "analytics": analytics, "analytics_capacity": analytics_capacity, "whisper_capacity": whisper_capacity,
    "glance_capacity": glance_capacity, "face_detector_capacity": face_detector_capacity,
    "render_capacity": render_capacity, "search_capacity": search_capacity, "api_capacity": api_capacity,
    "capacity_sizing": capacity_sizing, "diarization": diarization,
    "diarization_cost": diarization_cost, "trim": trim, "editorial_translate": editorial_translate,
}


def refreshed(text: str) -> str:
    """``text`` with every figure block rewritten from the results. An unknown block name raises."""
    def one(match: re.Match) -> str:
        name = match["name"]
        if name not in BLOCKS:
            raise KeyError(f"no figure block {name!r}; known: {', '.join(BLOCKS)}")
        return f"{match[1]}{BLOCKS[name]()}{match[4]}"

    return BLOCK.sub(one, text)


def blocks(text: str) -> list[str]:
    return [m["name"] for m in BLOCK.finditer(text)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report blocks that disagree; change nothing")
    args = parser.parse_args(argv)
    stale = []
    for path in DOCUMENTS:
        text = path.read_text()
        new = refreshed(text)
        if new != text:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(new)
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {path}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
