"""Benchmark: speech recognition in many languages through Triton's ``whisper`` model, against the
same weights run directly with faster-whisper, and its speed against tiny.en on the same audio.

Inputs, from ../shared/media (``--media``), each decoded to 16 kHz mono float32 by faster-whisper's
``decode_audio`` (not timed):

  - every clip in ``speech/multilingual/`` with a ``.txt`` reference beside it, named
    ``<lang>_<source>_<nnn>.(ogg|wav)``: the ISO code first is the clip's language;
  - the English FLEURS set, ``speech/fleurs_en/fleurs-en-NNN.ogg`` with its ``.txt`` (``en``).

For each clip:

  1. Triton, language auto (``TritonClient.transcribe``): the language it identifies, how sure it
     was, and its text's error rate against the reference (``streams.asr.wer.error_rate``: CER for
     languages written without spaces, WER for the rest). Wall seconds.
  2. Triton with ``language="en"`` on the same audio, which decodes on the English tiny.en weights:
     the speed baseline (auto seconds / tiny.en seconds). 1 and 2 alternate which goes first.
  3. The same weights directly, in this process: faster-whisper ``WhisperModel`` (CPU, int8,
     2 threads) on base, or on tiny.en for English, ``transcribe(language=<the true one>,
     beam_size=5)``, faster-whisper's defaults otherwise (no VAD, no prompt). English clips are
     also decoded directly on base, so which weights English should use is chosen by numbers.

The Triton side runs what ``models/triton_repo/whisper/config.pbtxt`` says (beam 5, Silero VAD,
Mandarin decoded after a prompt); the direct side does not, so a gap between them is expected and
reported, not hidden. A language's error rate is the mean of its clips' rates.

Goals: (a) every clip's language identified correctly; (b) per language, Triton's error rate <=
the direct one + 0.01 (1 point).

Triton: a private stack's (started here and torn down at the end), or ``--triton-url host:port``
(gRPC) of one already running. Prints a table and writes bench/results/asr_languages.json.

    .venv/bin/python bench/asr_languages.py [--triton-url 127.0.0.1:8001] [--media DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, stop_on_sigterm, table, write_results  # noqa: E402
from bench.stacks import private_stack  # noqa: E402
from streams.adapters.triton import CallPolicy, TritonClient  # noqa: E402
from streams.asr import weights  # noqa: E402
from streams.asr.wer import error_rate  # noqa: E402
from streams.settings import project_root  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "asr_languages.json"
MEDIA = Path(__file__).resolve().parents[1].parent / "shared" / "media"
CONFIG = project_root() / "models" / "triton_repo" / "whisper" / "config.pbtxt"
SAMPLE_RATE = 16000
AUDIO_SUFFIXES = (".ogg", ".wav")
BEAM_SIZE = 5  # the direct side's beam (faster-whisper's default)
CPU_THREADS = 2
TOLERANCE = 0.01  # goal (b): Triton's error rate may exceed the direct one by at most 1 point
# One try with a long deadline: a retry would hide a slow answer in the timing.
POLICY = CallPolicy(deadline_seconds=600.0, attempts=1)


@dataclass
class Clip:
    path: Path
    language: str
    reference: str
    pcm: np.ndarray

    @property
    def seconds(self) -> float:
        return len(self.pcm) / SAMPLE_RATE


def clip_paths(media: Path) -> list[tuple[Path, str]]:
    """(audio file, true language) of every clip with a reference beside it."""
    multilingual = sorted(p for p in (media / "speech" / "multilingual").iterdir()
                          if p.suffix in AUDIO_SUFFIXES and p.with_suffix(".txt").is_file())
    english = sorted(p for p in (media / "speech" / "fleurs_en").glob("fleurs-en-*.ogg")
                     if p.with_suffix(".txt").is_file())
    return [(p, p.name.split("_")[0]) for p in multilingual] + [(p, "en") for p in english]


def load_clips(media: Path) -> list[Clip]:
    from faster_whisper.audio import decode_audio

    return [Clip(path, language, path.with_suffix(".txt").read_text().strip(),
                 decode_audio(str(path), sampling_rate=SAMPLE_RATE))
            for path, language in clip_paths(media)]


def load_direct_models() -> dict[str, object]:
    from faster_whisper import WhisperModel

    return {name: WhisperModel(str(weights.installed(name)), device="cpu", compute_type="int8",
                               cpu_threads=CPU_THREADS)
            for name in (weights.ENGLISH, weights.MULTILINGUAL)}


def decode_direct(model, clip: Clip) -> tuple[str, float]:
    """Text and wall seconds of ``model`` on ``clip``, told the clip's true language."""
    began = time.perf_counter()
    segments, _ = model.transcribe(clip.pcm, language=clip.language, beam_size=BEAM_SIZE)
    text = " ".join(s.text.strip() for s in segments)  # the generator decodes: inside the timing
    return text, time.perf_counter() - began


async def decode_triton(client: TritonClient, clip: Clip, language: str | None):
    began = time.perf_counter()
    recognition = await client.transcribe(clip.pcm, language=language)
    return recognition, time.perf_counter() - began


async def triton_pair(client: TritonClient, clip: Clip, auto_first: bool):
    """Triton on ``clip`` with language auto and with ``en`` (tiny.en), in the order given."""
    if auto_first:
        auto, auto_s = await decode_triton(client, clip, None)
        _, english_s = await decode_triton(client, clip, "en")
    else:
        _, english_s = await decode_triton(client, clip, "en")
        auto, auto_s = await decode_triton(client, clip, None)
    return auto, auto_s, english_s


def direct_runs(direct: dict, clip: Clip, index: int) -> dict[str, tuple[str, float]]:
    """{weights: (text, seconds)}: base for every clip, tiny.en too for English (alternating)."""
    names = [weights.MULTILINGUAL]
    if clip.language == "en":
        names = [weights.ENGLISH, weights.MULTILINGUAL][:: 1 if index % 2 == 0 else -1]
    return {name: decode_direct(direct[name], clip) for name in names}


def rate(clip: Clip, text: str) -> tuple[str, float]:
    return error_rate(clip.reference, text, clip.language)


def clip_row(clip: Clip, recognition, auto_s: float, english_s: float, runs: dict) -> dict:
    """One clip's results. Its direct rate is on the weights Triton decodes it with: tiny.en for
    English, base for the rest."""
    text = " ".join(s.text.strip() for s in recognition.segments)
    metric, triton_rate = rate(clip, text)
    same = weights.ENGLISH if clip.language == "en" else weights.MULTILINGUAL
    direct = {name: {"rate": round(rate(clip, t)[1], 4), "seconds": round(s, 3), "text": t}
              for name, (t, s) in runs.items()}
    probability = recognition.language_probability
    return {
        "file": str(clip.path.relative_to(clip.path.parents[2])), "language": clip.language,
        "identified": recognition.language, "identified_correctly": recognition.language == clip.language,
        "probability": None if probability is None else round(probability, 4),
        "spans": [[s.language, s.start, s.end] for s in recognition.languages],
        "metric": metric, "triton_rate": round(triton_rate, 4), "direct_weights": same,
        "direct_rate": direct[same]["rate"], "triton_seconds": round(auto_s, 3),
        "tiny_en_seconds": round(english_s, 3), "audio_seconds": round(clip.seconds, 3),
        "triton_text": text, "direct": direct,
    }


async def measure(url: str, clips: list[Clip], direct: dict) -> list[dict]:
    client = TritonClient(url, POLICY)
    try:
        warm = clips[0].pcm[: SAMPLE_RATE * 5]  # first-call allocations, untimed
        for language in (None, "en"):
            await client.transcribe(warm, language=language)
        rows = []
        for i, clip in enumerate(clips):
            recognition, auto_s, english_s = await triton_pair(client, clip, auto_first=i % 2 == 0)
            rows.append(clip_row(clip, recognition, auto_s, english_s, direct_runs(direct, clip, i)))
            r = rows[-1]
            print(f"  {r['file']:42} {r['identified']:>3} ({r['probability'] or 0:.2f})  {r['metric']} "
                  f"triton {r['triton_rate']:.3f} direct {r['direct_rate']:.3f}  auto {auto_s:5.1f} s "
                  f"tiny.en {english_s:5.1f} s", flush=True)
        return rows
    finally:
        await client.close()


def aggregate(rows: list[dict]) -> dict:
    """Means of the clips' rates and probabilities; time ratio of the summed seconds."""
    probabilities = [r["probability"] for r in rows if r["probability"] is not None]
    triton = statistics.mean(r["triton_rate"] for r in rows)
    direct = statistics.mean(r["direct_rate"] for r in rows)
    return {
        "clips": len(rows), "identified_correctly": sum(r["identified_correctly"] for r in rows),
        "mean_probability": round(statistics.mean(probabilities), 4) if probabilities else None,
        "metric": "/".join(sorted({r["metric"] for r in rows})), "triton_rate": round(triton, 4),
        "direct_rate": round(direct, 4), "difference_points": round((triton - direct) * 100, 2),
        "auto_over_tiny_en": round(sum(r["triton_seconds"] for r in rows) / sum(r["tiny_en_seconds"] for r in rows), 3),
        "audio_seconds": round(sum(r["audio_seconds"] for r in rows), 2),
    }


def by_language(rows: list[dict]) -> dict[str, dict]:
    languages = sorted({r["language"] for r in rows})
    return {lang: aggregate([r for r in rows if r["language"] == lang]) for lang in languages}


def english_choice(rows: list[dict]) -> dict:
    """tiny.en against base on the English clips, both decoded directly: mean WER and in-process
    seconds per audio second."""
    english = [r for r in rows if r["language"] == "en"]
    audio = sum(r["audio_seconds"] for r in english)
    return {name: {"wer": round(statistics.mean(r["direct"][name]["rate"] for r in english), 4),
                   "seconds_per_audio_second": round(sum(r["direct"][name]["seconds"] for r in english) / audio, 4)}
            for name in (weights.ENGLISH, weights.MULTILINGUAL)}


def goals(rows: list[dict], languages: dict[str, dict]) -> dict:
    misidentified = [{"file": r["file"], "language": r["language"], "identified": r["identified"],
                      "probability": r["probability"]} for r in rows if not r["identified_correctly"]]
    over = {lang: {"triton_rate": a["triton_rate"], "direct_rate": a["direct_rate"],
                   "points_over_target": round((a["triton_rate"] - a["direct_rate"] - TOLERANCE) * 100, 2)}
            for lang, a in languages.items() if a["triton_rate"] > a["direct_rate"] + TOLERANCE}
    return {
        "languages_identified": {"target": "every clip's language identified correctly",
                                 "passed": not misidentified, "failures": misidentified},
        "triton_vs_direct": {"target": f"per language, Triton error rate <= direct + {TOLERANCE}",
                             "passed": not over, "failures": over},
    }


def language_table(languages: dict[str, dict], overall: dict) -> list[tuple[str, ...]]:
    out = [("language", "clips", "identified", "mean p", "metric", "triton", "direct", "diff (pts)",
            "auto/tiny.en")]
    for lang, a in [*languages.items(), ("all", overall)]:
        out.append((lang, str(a["clips"]), f"{a['identified_correctly']}/{a['clips']}",
                    "-" if a["mean_probability"] is None else f"{a['mean_probability']:.2f}", a["metric"],
                    f"{a['triton_rate']:.3f}", f"{a['direct_rate']:.3f}", f"{a['difference_points']:+.1f}",
                    f"{a['auto_over_tiny_en']:.2f}"))
    return out


def english_table(choice: dict) -> list[tuple[str, ...]]:
    out = [("English, direct", "WER", "in-process s per audio s")]
    for name, c in choice.items():
        out.append((name, f"{c['wer']:.3f}", f"{c['seconds_per_audio_second']:.3f}"))
    return out


def with_triton(url: str | None, run):
    """``run(url)`` against ``url``, or against a private stack's Triton, torn down afterwards."""
    if url:
        return run(url)
    print("starting Triton ...", flush=True)
    with private_stack(only=["triton"]) as settings:
        return run(settings.triton_grpc_url)


def main() -> None:
    stop_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triton-url", default=None, help="gRPC host:port of a running Triton (default: start one)")
    parser.add_argument("--media", type=Path, default=MEDIA, help=f"the shared media (default {MEDIA})")
    parser.add_argument("--out", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.name})")
    args = parser.parse_args()

    began = time.perf_counter()
    clips = load_clips(args.media)
    print(f"{len(clips)} clips, {len({c.language for c in clips})} languages, "
          f"{sum(c.seconds for c in clips):.0f} s of audio", flush=True)
    direct = load_direct_models()
    rows = with_triton(args.triton_url, lambda url: asyncio.run(measure(url, clips, direct)))

    languages, overall = by_language(rows), aggregate(rows)
    choice, checked = english_choice(rows), goals(rows, languages)
    print(f"\nTriton ({CONFIG.relative_to(project_root())}: language auto) against the same weights directly "
          f"(beam {BEAM_SIZE}, int8, {CPU_THREADS} threads, true language given); rates are means of clips")
    print(table(language_table(languages, overall)))
    print()
    print(table(english_table(choice)))
    for name, goal in checked.items():
        print(f"goal {name}: {'pass' if goal['passed'] else 'FAIL'} ({goal['target']})"
              + (f"; failures: {goal['failures']}" if goal["failures"] else ""))
    write_results(
        args.out, "asr_languages",
        {"clips": rows, "languages": languages, "all": overall, "english_choice": choice},
        commit=commit(), triton=args.triton_url or "private stack", triton_config=str(CONFIG.relative_to(project_root())),
        direct={"device": "cpu", "compute_type": "int8", "cpu_threads": CPU_THREADS, "beam_size": BEAM_SIZE,
                "language": "the clip's true language", "weights": {"en": weights.ENGLISH, "other": weights.MULTILINGUAL}},
        aggregation="mean of clips (error rate and probability); auto_over_tiny_en: summed seconds / summed seconds",
        goals=checked, seconds=round(time.perf_counter() - began, 1),
    )


if __name__ == "__main__":
    main()
