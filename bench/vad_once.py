"""Benchmark: a chunk's speech found once, for naming its language and for decoding it.

With the language left to ``auto`` (the Triton ``whisper`` model's default), Silero VAD finds the
speech to probe for the language (``MultilingualRecognizer.identify``), and the decode that follows
used to run the VAD over the same audio again. It now reads the probabilities identification
computed (``chance``). This decodes the same pieces both ways, in the pipeline's chunk length, the
two ways taking turns on each piece so a busy machine slows both alike: *again* is the decode given
no probabilities (as before: it runs the VAD itself), *once* is today's. For each piece it checks
that both heard the same words and sentences, and counts the VAD's runs.

    nice .venv/bin/python bench/vad_once.py [--language de] [--max-pieces 3]

Prints a table and writes bench/results/vad_once.json.
"""

from __future__ import annotations

import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.language_cost import translated_talks  # noqa: E402
from bench.report import commit, table, write_results  # noqa: E402
from bench.transcribe_parts import arguments, pieces  # noqa: E402
from bench.whisper import config_options  # noqa: E402
from tests.conftest import MEDIA_DIR  # noqa: E402
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, build_talk  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "vad_once.json"
WAYS = ("again", "once")


def main() -> None:
    args = arguments(__doc__, RESULTS, 3)

    from streams.asr import spoken, whisper
    from streams.asr.vad import SileroVad

    recognizer = spoken.MultilingualRecognizer(config_options())
    decode = whisper.WhisperRecognizer.recognize
    runs = collections.Counter()
    probabilities = SileroVad.probabilities

    def counted(vad, audio):
        runs["vad"] += 1
        return probabilities(vad, audio)

    def again(self, audio, language=None, prompt=None, cancelled=None, chance=None):
        return decode(self, audio, language, prompt, cancelled)  # the probabilities left behind

    SileroVad.probabilities = counted  # type: ignore[method-assign]
    seconds = {lang: collections.Counter() for lang in ("en", args.language)}
    vad_runs = {lang: collections.Counter() for lang in seconds}
    differ = []
    for name, folder in translated_talks(args.language):
        for lang, labels in (("en", folder), (args.language, BENCH_HIGHLIGHTS_DIR / "translated" / args.language)):
            talk = pieces(build_talk(name, MEDIA_DIR, labels).video, args.piece_seconds)
            for i, pcm in enumerate(talk[: args.max_pieces or None]):
                heard = {}
                for way in WAYS if i % 2 == 0 else WAYS[::-1]:
                    chosen = again if way == "again" else decode
                    whisper.WhisperRecognizer.recognize = chosen  # type: ignore[method-assign]
                    runs.clear()
                    began = time.perf_counter()
                    heard[way] = recognizer.recognize(pcm)
                    seconds[lang][way] += time.perf_counter() - began
                    vad_runs[lang][way] += runs["vad"]
                seconds[lang]["audio"] += len(pcm) / 16000
                if (heard["once"].words, heard["once"].segments) != (heard["again"].words, heard["again"].segments):
                    differ.append(f"{lang} {name} #{i}")
                print(f"  {lang} {name} #{i}: " + ", ".join(f"{w} {seconds[lang][w]:.1f} s" for w in WAYS), flush=True)
    whisper.WhisperRecognizer.recognize = decode  # type: ignore[method-assign]
    rows = {
        lang: {
            "audio_seconds": round(seconds[lang]["audio"], 1),
            **{f"{w}_seconds": round(seconds[lang][w], 1) for w in WAYS},
            **{f"{w}_vad_runs": vad_runs[lang][w] for w in WAYS},
            "once_over_again": round(seconds[lang]["once"] / seconds[lang]["again"], 3),
        }
        for lang in seconds
    }
    print(table([("", "audio (s)", "again (s)", "once (s)", "once/again", "VAD runs again", "VAD runs once")] + [
        (lang, f"{r['audio_seconds']:.0f}", f"{r['again_seconds']:.1f}", f"{r['once_seconds']:.1f}",
         f"{r['once_over_again']:.3f}x", str(r["again_vad_runs"]), str(r["once_vad_runs"]))
        for lang, r in rows.items()
    ]))
    print("every piece heard the same both ways" if not differ else f"heard differently: {', '.join(differ)}")
    write_results(args.out, "vad_once", {"languages": rows, "heard_differently": differ}, commit=commit(),
                  language=args.language, piece_seconds=args.piece_seconds, pieces_per_talk=args.max_pieces)
    if differ:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
