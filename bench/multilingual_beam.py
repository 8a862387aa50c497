"""Benchmark: what the multilingual model's beam width buys and costs (issue 49's time goal).

Every language but English is decoded by Whisper ``base`` (``streams.asr.spoken``) with
``multilingual_beam_size``; English by ``tiny.en``. A 60-minute German talk took 1.50x the same
talk in English (``bench/language_cost.py``), most of it in transcription. This measures, for each
beam width asked for (the configured one first: the baseline, in the same run), the error rate and
the decoding seconds of the same audio, decoded the way the pipeline decodes it
(``WhisperRecognizer.recognize`` with the options of ``models/triton_repo/whisper/config.pbtxt``:
Silero VAD, the batched pipeline for 60 s and more, the language's prompt), told the true language
(identification does not depend on the beam):

  - short clips: every non-English clip of ``speech/multilingual`` with a ``.txt`` reference
    (FLEURS and others, 4-20 s of real speech: the sequential path); error rate by language
    (``streams.asr.wer.error_rate``: CER for languages written without spaces), mean of clips;
  - long form: the first ``--long-seconds`` of each translated talk already built by
    ``bench/moments_quality.py`` (eSpeak NG, in ``~/.cache/clipstream/eval``), cut into pieces of
    ``--piece-seconds`` as the pipeline's chunks are (the batched path); WER against the script's
    passages spoken in that time.

The widths take turns going first on each input, so a busy machine slows them alike. Prints a
table and writes bench/results/multilingual_beam.json.

    nice .venv/bin/python bench/multilingual_beam.py [--beams 5,3,2,1] [--media DIR] [--cache DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.asr_languages import clip_paths  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr import weights  # noqa: E402
from streams.asr.languages import PROMPTS  # noqa: E402
from streams.asr.wer import error_rate  # noqa: E402
from streams.asr.whisper import WhisperRecognizer  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, EVAL_CACHE, build_talk, talk_names  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "multilingual_beam.json"
TRANSLATED = BENCH_HIGHLIGHTS_DIR / "translated"
SAMPLE_RATE = 16000


@dataclasses.dataclass
class Audio:
    name: str
    language: str
    reference: str
    pieces: list[np.ndarray]  # decoded one after another, their words joined

    @property
    def seconds(self) -> float:
        return sum(len(p) for p in self.pieces) / SAMPLE_RATE


def clips(media: Path, english: bool = False) -> list[Audio]:
    """Every clip with a reference: the non-English ones (the English ones with ``english``)."""
    from faster_whisper.audio import decode_audio

    return [
        Audio(
            path.name,
            language,
            path.with_suffix(".txt").read_text().strip(),
            [decode_audio(str(path), sampling_rate=SAMPLE_RATE)],
        )
        for path, language in clip_paths(media)
        if (language == "en") == english
    ]


def talks(
    cache: Path, long_seconds: float, piece_seconds: float, languages: frozenset[str] = frozenset()
) -> list[Audio]:
    """The opening of every translated talk (in ``languages``; empty: any) whose video is built
    already (none is built here)."""
    from faster_whisper.audio import decode_audio

    out = []
    for folder in sorted(p for p in TRANSLATED.iterdir() if p.is_dir() and (not languages or p.name in languages)):
        for name in talk_names(folder):
            if not any(cache.glob(f"{folder.name}-{name}-*/talk.mp4")):
                continue
            built = build_talk(name, MEDIA_DIR, labels=folder, cache=cache)  # cached: found above
            kept = [(p, s) for p, s in zip(built.talk.passages, built.talk.spans) if s.end <= long_seconds]
            if not kept:
                continue
            end = kept[-1][1].end
            pcm = decode_audio(str(built.video), sampling_rate=SAMPLE_RATE)[: int(end * SAMPLE_RATE)]
            step = int(piece_seconds * SAMPLE_RATE)
            out.append(
                Audio(
                    f"{folder.name}/{name}",
                    folder.name,
                    " ".join(p.text for p, _ in kept),
                    [pcm[i : i + step] for i in range(0, len(pcm), step)],
                )
            )
    return out


def input_arguments(parser: argparse.ArgumentParser, long_seconds: float, piece_seconds: float) -> None:
    """The options that say which clips and talks are decoded (``clips``, ``talks``)."""
    parser.add_argument("--media", type=Path, default=MEDIA_DIR)
    parser.add_argument("--cache", type=Path, default=EVAL_CACHE, help="where built talk videos are kept")
    parser.add_argument("--long-seconds", type=float, default=long_seconds, help="how much of each talk is decoded")
    parser.add_argument("--piece-seconds", type=float, default=piece_seconds, help="the pipeline's chunk length")


def decode(recognizer: WhisperRecognizer, audio: Audio) -> tuple[str, float]:
    began = time.perf_counter()
    words = []
    for piece in audio.pieces:
        heard = recognizer.recognize(piece, audio.language, PROMPTS.get(audio.language))
        words += [w.word.strip() for w in heard.words]
    return " ".join(w for w in words if w), time.perf_counter() - began


def measure(recognizers: dict[str, WhisperRecognizer], inputs: list[Audio], key: str = "beams") -> list[dict]:
    """Each input decoded by every recognizer (keyed by what it tries), the first to go taking
    turns; a row per input with each one's error rate, seconds and text."""
    rows = []
    labels = list(recognizers)
    for i, audio in enumerate(inputs):
        turn = labels[i % len(labels) :] + labels[: i % len(labels)]
        runs = {}
        for label in turn:
            text, seconds = decode(recognizers[label], audio)
            metric, rate = error_rate(audio.reference, text, audio.language)
            runs[label] = {"rate": round(rate, 4), "seconds": round(seconds, 3), "text": text}
        rows.append(
            {
                "input": audio.name,
                "language": audio.language,
                "metric": metric,
                "audio_seconds": round(audio.seconds, 2),
                key: {label: runs[label] for label in labels},
            }
        )
        print(
            f"  {audio.name}: "
            + ", ".join(f"{label} {runs[label]['rate']:.3f} in {runs[label]['seconds']:.1f}s" for label in labels),
            flush=True,
        )
    return rows


def summary(rows: list[dict], labels: list[str], key: str = "beams") -> dict:
    """Per recognizer: mean error rate by language and over languages, and seconds against the
    first's (the configured one) on the same inputs."""
    languages = sorted({r["language"] for r in rows})
    out = {}
    base_seconds = sum(r[key][labels[0]]["seconds"] for r in rows)
    for label in labels:
        by_language = {
            lang: round(statistics.mean(r[key][label]["rate"] for r in rows if r["language"] == lang), 4)
            for lang in languages
        }
        seconds = sum(r[key][label]["seconds"] for r in rows)
        out[label] = {
            "rate_by_language": by_language,
            "mean_rate": round(statistics.mean(by_language.values()), 4),
            "seconds": round(seconds, 2),
            "seconds_vs_configured": round(seconds / base_seconds, 3),
        }
    return out


def print_summary(title: str, result: dict, labels: list[str], heading: str = "beam") -> None:
    languages = list(result[labels[0]]["rate_by_language"])
    rows = [(heading, *languages, "mean", "seconds", "vs configured")]
    for label in labels:
        r = result[label]
        rows.append(
            (
                label,
                *(f"{r['rate_by_language'][lang]:.3f}" for lang in languages),
                f"{r['mean_rate']:.3f}",
                f"{r['seconds']:.1f}",
                f"{r['seconds_vs_configured']:.2f}x",
            )
        )
    print(f"\n{title}:\n{table(rows)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--beams", default="", help="beam widths after the configured one, comma-separated (default 3,2,1)"
    )
    input_arguments(parser, long_seconds=240.0, piece_seconds=120.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    options = config_options()
    configured = options.multilingual_beam_size
    others = [int(b) for b in (args.beams or "3,2,1").split(",") if int(b) != configured]
    beams = [configured, *others]
    model_dir = options.multilingual_model_dir or str(weights.installed(weights.MULTILINGUAL))
    labels = [str(b) for b in beams]
    recognizers = {
        str(b): WhisperRecognizer(dataclasses.replace(options, model_dir=model_dir, beam_size=b)) for b in beams
    }

    short, long = clips(args.media), talks(args.cache, args.long_seconds, args.piece_seconds)
    print(f"{len(short)} clips, {len(long)} talk openings; beams {beams} (configured: {configured})", flush=True)
    short_rows = measure(recognizers, short)
    long_rows = measure(recognizers, long)
    results = {
        "clips": summary(short_rows, labels),
        "talks": summary(long_rows, labels) if long_rows else None,
        "rows": {"clips": short_rows, "talks": long_rows},
    }
    print_summary("clips (sequential decoding)", results["clips"], labels)
    if long_rows:
        print_summary(
            f"talk openings ({args.long_seconds:.0f} s each, batched in pieces of {args.piece_seconds:.0f} s)",
            results["talks"],
            labels,
        )
    write_results(
        args.out,
        "multilingual_beam",
        results,
        commit=commit(),
        configured_beam=configured,
        beams=beams,
        options={
            "batch_size": options.batch_size,
            "batch_min_seconds": options.batch_min_seconds,
            "cpu_threads": options.cpu_threads,
            "compute_type": options.compute_type,
        },
    )


if __name__ == "__main__":
    main()
