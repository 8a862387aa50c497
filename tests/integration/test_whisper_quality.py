"""Accuracy of the Triton ``whisper`` model on real speech with ground truth: word error rate on
LibriSpeech and JFK, and word start times against GRID's forced alignment."""

from __future__ import annotations

from pathlib import Path

import pytest

from streams.adapters.triton import TritonClient
from streams.asr.alignment import match_words, median_abs_start_error, parse_grid_align
from streams.asr.wer import edit_distance, normalise, word_error_rate
from streams.media.audio import decode_pcm

pytestmark = [pytest.mark.integration, pytest.mark.slow]

MAX_LIBRISPEECH_WER = 0.08
MIN_JFK_ACCURACY = 0.95
MAX_MEDIAN_START_ERROR = 0.080  # seconds
LIBRISPEECH_UTTERANCES = 13


async def _recognise(stack, path: Path):
    client = TritonClient(stack.triton_grpc_url)
    try:
        return await client.transcribe(decode_pcm(path))
    finally:
        await client.close()


def _text(recognition) -> str:
    return " ".join(w.word for w in recognition.words)


async def test_librispeech_word_error_rate(stack, media_dir: Path):
    folder = media_dir / "speech" / "librispeech"
    audio = sorted(p for p in folder.iterdir() if p.suffix in (".flac", ".wav") and p.with_suffix(".txt").is_file())
    assert len(audio) == LIBRISPEECH_UTTERANCES, [p.name for p in audio]
    edits = words = 0
    client = TritonClient(stack.triton_grpc_url)
    try:
        for path in audio:
            reference = path.with_suffix(".txt").read_text()
            hypothesis = _text(await client.transcribe(decode_pcm(path)))
            ref = normalise(reference)
            e = edit_distance(ref, normalise(hypothesis))
            edits, words = edits + e, words + len(ref)
            print(f"{path.name:48} WER {e / len(ref):6.1%}  ({e}/{len(ref)})  {hypothesis}")
    finally:
        await client.close()
    overall = edits / words
    print(f"{'LibriSpeech, all ' + str(len(audio)):48} WER {overall:6.1%}  ({edits}/{words})")
    assert overall <= MAX_LIBRISPEECH_WER


async def test_jfk_words_are_right(stack, media_dir: Path):
    speech = media_dir / "speech"
    hypothesis = _text(await _recognise(stack, speech / "jfk.wav"))
    wer = word_error_rate((speech / "jfk.txt").read_text(), hypothesis)
    print(f"jfk.wav WER {wer:.1%}: {hypothesis}")
    assert 1 - wer >= MIN_JFK_ACCURACY
    assert "ask not what your country can do for you" in " ".join(normalise(hypothesis))


async def test_word_starts_match_grid_alignment(stack, media_dir: Path):
    grid = media_dir / "video" / "grid"
    reference = parse_grid_align((grid / "id2_vcd_swwp2s.align").read_text())
    recognition = await _recognise(stack, grid / "id2_vcd_swwp2s.mpg")
    pairs = match_words(reference, recognition.words)
    for p in pairs:
        print(f"{p.reference.word:8} reference {p.reference.start:5.2f}s  whisper {p.hypothesis.start:5.2f}s  "
              f"error {p.start_error * 1000:+5.0f} ms")
    median = median_abs_start_error(pairs)
    print(f"matched {len(pairs)}/{len(reference)} words ({_text(recognition)!r}); "
          f"median |start error| {median * 1000:.0f} ms")
    assert len(pairs) >= len(reference) // 2, "too few words recognised to judge timing"
    assert median <= MAX_MEDIAN_START_ERROR
