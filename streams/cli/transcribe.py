"""``clipstream transcribe``: a file's transcript from the running Triton, without the pipeline."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

from streams.settings import Settings


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Speech to text through the stack's Triton, chunk by chunk, so memory stays bounded."""
    import asyncio
    from pathlib import Path

    from streams.asr.languages import parse_language
    from streams.cli.console import clock
    from streams.errors import UnknownLanguage
    from streams.media.chunking import Chunker, iter_chunks
    from streams.media.probe import MediaLimits, probe

    path = Path(args.path)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    try:
        language = parse_language(args.language)
    except UnknownLanguage as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    info = probe(
        path, MediaLimits(max_bytes=settings.max_upload_bytes, max_duration_seconds=settings.max_duration_seconds)
    )
    # A file up to chunk_max_seconds long comes out as one chunk.
    chunks = iter_chunks(
        path, info, Chunker(min_seconds=settings.chunk_min_seconds, max_seconds=settings.chunk_max_seconds)
    )
    transcript = asyncio.run(_transcribe_chunks(settings.triton_grpc_url, chunks, info.duration, language))
    if args.json:
        print(json.dumps(transcript))
    else:
        print(_language_line(transcript))
        for segment in transcript["segments"]:
            print(f"[{clock(segment['start'])} → {clock(segment['end'])}] {segment['text']}")
    return 0


def _language_line(transcript: dict) -> str:
    """``language: de (0.99)``, and every language heard when it changes."""
    probability = transcript["language_probability"]
    line = f"language: {transcript['language']}" + ("" if probability is None else f" ({probability:.2f})")
    spans = transcript["languages"]
    if len({s["language"] for s in spans}) > 1:
        from streams.cli.console import clock

        line += "; " + ", ".join(f"{s['language']} {clock(s['start'])}-{clock(s['end'])}" for s in spans)
    return line


async def _transcribe_chunks(url: str, chunks, duration: float, language: str | None = None) -> dict:
    """One transcript (``Recognition.as_json`` shape, times from the start of the file) of ``chunks``
    sent one after another to Triton's ``whisper`` model. Its language is the first speech's."""
    from streams.adapters.triton import TritonClient
    from streams.asr.languages import LanguageSpan, most_heard

    client = TritonClient(url)
    first = None
    spans: list[LanguageSpan] = []
    words: list[dict] = []
    segments: list[dict] = []
    try:
        for chunk in chunks:
            before = None if language else most_heard(spans)  # the language heard so far
            recognition = (await client.transcribe(chunk.pcm, language=language, before=before)).shift(chunk.start)
            if first is None and recognition.words:
                first = recognition
            for span in recognition.languages:  # a language going on across chunks is one span
                if spans and spans[-1].language == span.language:
                    last = spans[-1]
                    spans[-1] = LanguageSpan(last.language, last.start, span.end, last.probability)
                else:
                    spans.append(span)
            words += [w.as_json() for w in recognition.words]
            segments += [dataclasses.asdict(s) for s in recognition.segments]
    finally:
        await client.close()
    return {
        "language": first.language if first else language or None,
        "language_probability": first.language_probability if first else None,
        "languages": [s.as_json() for s in spans],
        "duration": round(duration, 3),
        "words": words,
        "segments": segments,
    }
