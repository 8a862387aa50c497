"""The real Triton server: live, ready with every model in the repository, and transcribing."""

import json
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from streams.adapters.triton import TritonClient
from streams.asr.wer import normalise, sentence_occurrences
from streams.errors import InferenceError
from streams.media.audio import decode_pcm
from streams.media.chunking import Chunker
from streams.media.demo import speak
from streams.settings import project_root

pytestmark = pytest.mark.integration


def repository_models() -> set[str]:
    repo = project_root() / "models" / "triton_repo"
    return {p.name for p in repo.iterdir() if (p / "config.pbtxt").exists()}


@pytest.fixture(scope="module")
def client(stack):
    c = httpclient.InferenceServerClient(stack.triton_http_url.removeprefix("http://"), network_timeout=120)
    yield c
    c.close()


def test_server_is_live_and_every_repository_model_is_ready(client):
    assert client.is_server_live() and client.is_server_ready()
    models = repository_models()
    assert "whisper" in models
    for name in models:
        assert client.is_model_ready(name), name


def _infer(client, audio: np.ndarray):
    inp = httpclient.InferInput("AUDIO", list(audio.shape), "FP32")
    inp.set_data_from_numpy(audio)
    result = client.infer("whisper", [inp], outputs=[httpclient.InferRequestedOutput("RESULT")])
    return json.loads(result.as_numpy("RESULT")[0])


def test_whisper_transcribes_jfk(client, media_dir: Path):
    result = _infer(client, decode_pcm(media_dir / "speech" / "jfk.wav"))
    text = " ".join(w["word"] for w in result["words"]).lower()
    for phrase in ("fellow americans", "ask not what your country can do for you"):
        assert phrase in text.replace(",", ""), text
    assert result["language"] == "en"
    starts = [w["start"] for w in result["words"]]
    assert starts == sorted(starts) and all(0 <= w["probability"] <= 1 for w in result["words"])


# eSpeak NG's German (about 17 s), which Whisper base hears as English (0.47) and then Latin (0.50):
# decoded so, it came out as "a" and as "Wer hat am freitak ulau".
SYNTHETIC_GERMAN = (
    "Jeden Sonntagabend saß die Chefin am Küchentisch und schob kleine Zettel hin und her. Wer kann am "
    "Dienstag früh kommen? Wer hat am Freitag Urlaub? Und wer vertritt den Lehrling, wenn er krank ist? "
    "Drei Stunden jede Woche, nur für eine Tabelle."
)


async def test_a_chunk_of_a_german_talk_the_model_is_unsure_of_stays_german(stack, media_dir, tmp_path):
    """Told the talk so far was German (``before``), a chunk Whisper is unsure of is decoded in
    German; a change to English it is sure of still stands; an unknown code is refused."""
    german = decode_pcm(speak(SYNTHETIC_GERMAN, tmp_path / "de.wav", voice="de", words_per_minute=150))
    english = decode_pcm(media_dir / "speech" / "fleurs_en" / "fleurs-en-000.ogg")
    client = TritonClient(stack.triton_grpc_url)
    try:
        heard = await client.transcribe(german, before="de")
        switched = await client.transcribe(english, before="de")
        with pytest.raises(InferenceError) as refused:
            await client.transcribe(english[:16000], before="xx")
    finally:
        await client.close()
    assert heard.language == "de" and [s.language for s in heard.languages] == ["de"], heard.languages
    words = set(normalise(" ".join(w.word for w in heard.words)))
    assert {"dienstag", "freitag", "krank", "tabelle"} <= words, words
    assert switched.language == "en" and [s.language for s in switched.languages] == ["en"], switched.languages
    assert "not 'auto' or one of" in str(refused.value), refused.value


def test_whisper_refuses_nan_audio_with_invalid_arg(client):
    audio = np.zeros(16000, np.float32)
    audio[100] = np.nan
    with pytest.raises(InferenceServerException) as err:
        _infer(client, audio)
    assert "NaN" in err.value.message()
    assert client.is_model_ready("whisper")


def test_whisper_transcribes_a_long_chunk_into_sentences(client, media_dir: Path):
    """A chunk as long as the ingest stage makes (over batch_min_seconds, so batched when
    batch_size is on): LibriSpeech utterances one after another with pauses between them, read
    twice. Each utterance is in the transcript exactly twice: none dropped, none repeated."""
    folder = media_dir / "speech" / "librispeech"
    parts, pause, references = [], np.zeros(8000, np.float32), []
    for path in sorted(folder.glob("*.flac")):
        parts += [decode_pcm(path), pause]
        references.append(path.with_suffix(".txt").read_text())
    audio = np.concatenate(parts * 2)
    assert len(audio) >= 70 * 16000
    result = _infer(client, audio)
    words, segments = result["words"], result["segments"]
    text = " ".join(w["word"] for w in words)
    said = sentence_occurrences(references, text)
    assert said == [2] * len(references), list(zip(said, references))
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and words[-1]["end"] <= result["duration"] == round(len(audio) / 16000, 3)
    assert len(segments) >= 10 and max(s["end"] - s["start"] for s in segments) <= 30
    assert "".join(s["text"] for s in segments).replace(" ", "") == "".join(w["word"] for w in words)


def test_whisper_says_every_sentence_of_a_long_reading_once(client, media_dir: Path):
    """LJSpeech's 222 s reading cut into chunks as ingest cuts a talk (60 to 120 s, at the
    quietest point): the chunks' transcripts joined hold each of its 32 sentences exactly once."""
    sentences = [p.read_text() for p in sorted((media_dir / "speech" / "ljspeech").glob("LJ*.txt"))]
    audio = decode_pcm(media_dir / "derived" / "ljspeech_LJ001-0001_to_0032_concat.wav")
    chunker = Chunker(min_seconds=60, max_seconds=120)
    chunks = chunker.feed(audio) + chunker.finish()
    assert len(chunks) >= 2
    text = " ".join(w["word"] for c in chunks for w in _infer(client, c.pcm)["words"])
    said = sentence_occurrences(sentences, text)
    assert said == [1] * len(sentences), [(n, s) for n, s in zip(said, sentences) if n != 1]
