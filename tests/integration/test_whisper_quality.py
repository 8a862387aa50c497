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


# The batched pipeline (``batch_size`` > 1), in-process: what the Triton model runs for long chunks
# when it is configured on. Same reading, same chunks as the pipeline makes; words against the
# reference text and against the sequential decoder's words.
MAX_BATCHED_WER = 0.06
MAX_BATCHED_WER_OVER_SEQUENTIAL = 0.01
MAX_MEDIAN_START_DIFFERENCE = 0.05  # seconds, batched word starts against sequential ones


@pytest.fixture(scope="module")
def recognizer():
    from streams.asr.whisper import WhisperOptions, WhisperRecognizer

    return WhisperRecognizer(WhisperOptions(cpu_threads=2, batch_size=4, batch_min_seconds=60))


@pytest.fixture(scope="module")
def ljspeech_chunks(media_dir: Path):
    from streams.media.audio import iter_pcm
    from streams.media.chunking import Chunker

    chunker = Chunker(min_seconds=60, max_seconds=120)
    path = media_dir / "derived" / "ljspeech_LJ001-0001_to_0032_concat.wav"
    return [c for block in iter_pcm(path) for c in chunker.feed(block)] + chunker.finish()


def test_batched_decoding_keeps_the_words_their_times_and_sentence_segments(recognizer, ljspeech_chunks, media_dir):
    reference = (media_dir / "derived" / "ljspeech_LJ001-0001_to_0032_concat.txt").read_text()
    batched = [recognizer.recognize(c.pcm) for c in ljspeech_chunks]
    sequential = [recognizer.recognize_sequential(c.pcm) for c in ljspeech_chunks]
    assert any(len(c.pcm) >= 60 * 16000 for c in ljspeech_chunks)

    def text(rs):
        return " ".join(w.word for r in rs for w in r.words)

    wer_batched, wer_sequential = word_error_rate(reference, text(batched)), word_error_rate(reference, text(sequential))
    print(f"LJSpeech 222 s: WER batched {wer_batched:.2%}, sequential {wer_sequential:.2%}")
    assert wer_batched <= MAX_BATCHED_WER and wer_batched <= wer_sequential + MAX_BATCHED_WER_OVER_SEQUENTIAL

    differences = []
    for b, s, chunk in zip(batched, sequential, ljspeech_chunks):
        assert b.duration == s.duration == round(len(chunk.pcm) / 16000, 3)
        starts = [w.start for w in b.words]
        assert starts == sorted(starts) and 0 <= starts[0] and b.words[-1].end <= b.duration
        # segments: sentence-sized, in order, each the words it spans
        assert 1 < len(b.segments) and max(x.end - x.start for x in b.segments) <= 30
        assert "".join(x.text for x in b.segments).replace(" ", "") == "".join(w.word for w in b.words)
        differences += [abs(p.hypothesis.start - p.reference.start) for p in match_words(s.words, b.words)]
    segments = [x.end - x.start for r in batched for x in r.segments]
    median = sorted(differences)[len(differences) // 2]
    print(f"{len(segments)} segments, median {sorted(segments)[len(segments) // 2]:.1f} s; "
          f"{len(differences)} words matched, median start difference {median * 1000:.0f} ms")
    assert sorted(segments)[len(segments) // 2] <= 15
    assert len(differences) >= 0.9 * sum(len(r.words) for r in sequential) and median <= MAX_MEDIAN_START_DIFFERENCE


def test_short_audio_is_decoded_sequentially_even_with_batching_on(recognizer, media_dir):
    audio = decode_pcm(media_dir / "speech" / "jfk.wav")
    assert recognizer.recognize(audio) == recognizer.recognize_sequential(audio)


def test_a_cancelled_recognition_stops_before_decoding_on(recognizer, ljspeech_chunks):
    from streams.asr.recognition import RecognitionCancelled

    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 1  # withdrawn once the first piece is decoded

    for recognize in (recognizer.recognize, recognizer.recognize_sequential):
        asked.clear()
        with pytest.raises(RecognitionCancelled):
            recognize(ljspeech_chunks[0].pcm, cancelled=cancelled)
        assert len(asked) == 2


async def test_a_stretch_without_speech_is_in_no_language(stack):
    """Ten seconds of room tone (quiet noise, no voice) through the Triton model with the language
    left to ``auto``: no words and no language (``und``), not English with probability 0."""
    import numpy as np

    from streams.asr.languages import UNDETERMINED

    quiet = (np.random.default_rng(7).standard_normal(16000 * 10) * 0.001).astype(np.float32)
    client = TritonClient(stack.triton_grpc_url)
    try:
        heard = await client.transcribe(quiet)
    finally:
        await client.close()
    assert heard.words == []
    assert (heard.language, heard.language_probability, heard.languages) == (UNDETERMINED, None, [])


def test_the_speech_found_to_name_the_language_is_the_speech_decoded(ljspeech_chunks, media_dir, monkeypatch):
    """Language left to ``auto`` (what the Triton model does): the VAD's probabilities that found
    the speech to probe are the ones the decode reads, so the VAD runs once a chunk, batched or
    sequential, and the words are those of the decode that ran it again itself."""
    from streams.asr.languages import PROMPTS
    from streams.asr.spoken import MultilingualRecognizer
    from streams.asr.vad import SileroVad
    from streams.asr.whisper import WhisperOptions

    multilingual = MultilingualRecognizer(WhisperOptions(cpu_threads=2, batch_size=4, batch_min_seconds=60))
    real = SileroVad.probabilities
    heard_by_vad: list[int] = []

    def probabilities(vad, audio):
        heard_by_vad.append(len(audio))
        return real(vad, audio)

    monkeypatch.setattr(SileroVad, "probabilities", probabilities)
    batched = ljspeech_chunks[0].pcm
    assert len(batched) >= 60 * 16000
    for audio in (batched, decode_pcm(media_dir / "speech" / "jfk.wav")):
        heard_by_vad.clear()
        heard = multilingual.recognize(audio)
        assert heard_by_vad == [len(audio)] and heard.language == "en" and heard.words
        alone = multilingual.english.recognize(audio, "en", PROMPTS.get("en"))
        assert heard_by_vad == [len(audio)] * 2
        assert (heard.words, heard.segments) == (alone.words, alone.segments)


# Original German prose, spoken by eSpeak NG: a little over a minute, so a chunk of it is decoded
# batched.
GERMAN_STORY = (
    "Als meine Großmutter die Bäckerei übernahm, gab es im Dorf nur einen Ofen, und der gehörte ihr. "
    "Jeden Morgen um vier Uhr stand sie auf, heizte mit Buchenholz und knetete den Teig von Hand. "
    "Die Nachbarn brachten ihre eigenen Bleche, und sie schob alles gemeinsam hinein. Einmal, im "
    "kalten Winter neunzehnhundertzweiundsechzig, fror das Wasser in der Leitung. Sie holte Schnee "
    "vom Hof, schmolz ihn auf dem Herd und backte trotzdem. An diesem Tag kam der Bürgermeister "
    "selbst vorbei, um sich zu bedanken, denn nirgendwo sonst gab es frisches Brot. Später kaufte sie "
    "eine elektrische Knetmaschine, aber sie traute ihr nie ganz. Sie sagte immer, ein guter Teig "
    "brauche Zeit, Wärme und Geduld, und keine Maschine könne fühlen, wann er fertig sei. Heute steht "
    "die Maschine im Keller, und meine Mutter knetet wieder von Hand. Die Kunden merken den "
    "Unterschied, sagen sie, auch wenn niemand genau erklären kann, woran. Und jeden Sonntag, wenn "
    "die Bäckerei geschlossen ist, backt sie trotzdem ein einziges Brot, nur für die Familie."
)


def test_a_talk_in_another_language_is_encoded_once_for_naming_and_decoding(ljspeech_chunks, tmp_path):
    """Told the talk so far is German, a chunk long enough to be decoded batched is identified
    from the encoder output of each window, which the decode then takes over
    (``encodings.KeptEncodings``): every window is encoded once, and the words are those of the
    recognizer that probes pieces and encodes again to decode. English after the German in a chunk
    is still heard where it starts."""
    import numpy as np

    from streams.asr.spoken import MultilingualRecognizer
    from streams.asr.whisper import WhisperOptions
    from streams.media.demo import speak

    multilingual = MultilingualRecognizer(WhisperOptions(cpu_threads=2, batch_size=4, batch_min_seconds=60))
    kept = multilingual.kept
    assert kept is not None
    german = decode_pcm(speak(GERMAN_STORY, tmp_path / "de.wav", voice="de", words_per_minute=150))
    assert len(german) >= 60 * 16000
    shared = multilingual.recognize(german, before="de")
    assert kept.made >= 1 and kept.served == kept.made  # every window the decode encoded was kept
    multilingual.kept = None
    probed = multilingual.recognize(german, before="de")
    assert [(s.language, s.start, s.end) for s in shared.languages] == [("de", 0.0, round(len(german) / 16000, 3))]
    assert [(s.language, s.start, s.end) for s in probed.languages] == [(s.language, s.start, s.end) for s in shared.languages]
    assert (shared.words, shared.segments) == (probed.words, probed.segments)
    words = set(normalise(" ".join(w.word for w in shared.words)))
    assert {"bürgermeister", "maschine", "unterschied", "familie"} <= words, words

    multilingual.kept = kept
    english = ljspeech_chunks[0].pcm[: 30 * 16000]
    both = np.concatenate([german[: 40 * 16000], english])
    heard = multilingual.recognize(both, before="de")
    assert [s.language for s in heard.languages] == ["de", "en"], heard.languages
    assert abs(heard.languages[1].start - 40.0) < 3.0, heard.languages
