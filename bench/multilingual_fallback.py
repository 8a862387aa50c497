"""Benchmark: what the sequential decode's fallback costs on speech the model hears badly (issue 49).

A 60-minute German talk (eSpeak NG) took 1.41x the same talk in English. Profiled piece by piece
(``bench/transcribe_parts.py``), German decodes far more stretches again sequentially than English
(``redecode``: the batched decode looped or skipped there), and those decodes ran faster-whisper's
whole temperature ladder: eSpeak's German fails the mean log-probability test (-1.0) at every
temperature, and a sample that loops runs on to the length limit before it is thrown away
(``streams.asr.fallback``).

Each variant is the configured multilingual recognizer (``models/triton_repo/whisper/config.pbtxt``,
beam ``multilingual_beam_size``) with other fallback settings; the configured one is the baseline,
in the same run, and the variants take turns going first on each input:

  - short clips: every non-English clip of ``speech/multilingual`` with a reference (real speech,
    4-20 s, decoded sequentially: where the fallback runs most), and the English FLEURS clips,
    decoded by the English model with the same variants;
  - talks: the translated talks already built by ``bench/moments_quality.py`` (``--languages``),
    up to ``--long-seconds`` each, in pieces of ``--piece-seconds`` as the pipeline's chunks are.

Prints a table per set and writes bench/results/multilingual_fallback.json.

    nice .venv/bin/python bench/multilingual_fallback.py [--languages de] [--long-seconds 100000]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.multilingual_beam import clips, input_arguments, measure, print_summary, summary, talks  # noqa: E402
from bench.report import commit, write_results  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from streams.asr import weights  # noqa: E402
from streams.asr.fallback import parse_temperatures  # noqa: E402
from streams.asr.whisper import WhisperOptions, WhisperRecognizer  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "multilingual_fallback.json"

#: name: the temperature ladder
VARIANTS = {
    "ladder 6": "0.0,0.2,0.4,0.6,0.8,1.0",
    "ladder 3": "0.0,0.4,0.8",
    "no fallback": "0.0",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default="", help=f"names after the configured one, from {list(VARIANTS)}")
    parser.add_argument("--sets", default="clips,english clips,talks", help="which inputs, comma-separated")
    parser.add_argument("--languages", default="de", help="translated talks' languages, comma-separated")
    input_arguments(parser, long_seconds=100000.0, piece_seconds=112.0)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    options = config_options()
    model_dir = options.multilingual_model_dir or str(weights.installed(weights.MULTILINGUAL))
    base = dataclasses.replace(options, model_dir=model_dir, beam_size=options.multilingual_beam_size)
    english = dataclasses.replace(options, model_dir=options.model_dir or str(weights.installed(weights.ENGLISH)))
    configured = ",".join(str(t) for t in parse_temperatures(options.fallback_temperatures))
    chosen = [v for v in (args.variants.split(";") if args.variants else VARIANTS) if VARIANTS[v] != configured]
    settings = {"configured": configured, **{v: VARIANTS[v] for v in chosen}}

    def recognizers(model: WhisperOptions) -> dict[str, WhisperRecognizer]:
        return {
            label: WhisperRecognizer(dataclasses.replace(model, fallback_temperatures=ladder))
            for label, ladder in settings.items()
        }

    labels = list(settings)
    languages = frozenset(x for x in args.languages.split(",") if x)
    sets = {
        "clips": (base, clips(args.media)),
        "english clips": (english, clips(args.media, english=True)),
        "talks": (base, talks(args.cache, args.long_seconds, args.piece_seconds, languages)),
    }
    sets = {name: inputs for name, inputs in sets.items() if name in args.sets.split(",")}
    print(f"{ {name: len(inputs) for name, (_, inputs) in sets.items()} }; variants {settings}", flush=True)
    rows = {name: measure(recognizers(model), inputs, key="variants") for name, (model, inputs) in sets.items()}
    results: dict = {name: summary(r, labels, key="variants") if r else None for name, r in rows.items()}
    results["rows"] = rows
    for name, r in rows.items():
        if r:
            print_summary(name, results[name], labels, heading="variant")
    write_results(
        args.out,
        "multilingual_fallback",
        results,
        commit=commit(),
        variants=settings,
        beam=options.multilingual_beam_size,
    )


if __name__ == "__main__":
    main()
