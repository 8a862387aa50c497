"""The real Triton server: live, ready with every model in the repository, and transcribing."""

import json
from pathlib import Path

import numpy as np
import pytest
import tritonclient.http as httpclient
from tritonclient.utils import InferenceServerException

from streams.media.audio import decode_pcm
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


def test_whisper_refuses_nan_audio_with_invalid_arg(client):
    audio = np.zeros(16000, np.float32)
    audio[100] = np.nan
    with pytest.raises(InferenceServerException) as err:
        _infer(client, audio)
    assert "NaN" in err.value.message()
    assert client.is_model_ready("whisper")


def test_whisper_transcribes_a_long_chunk_into_sentences(client, media_dir: Path):
    """A chunk as long as the ingest stage makes (over batch_min_seconds, so batched when
    batch_size is on): LibriSpeech utterances one after another with pauses between them."""
    folder = media_dir / "speech" / "librispeech"
    parts, pause = [], np.zeros(8000, np.float32)
    for path in sorted(folder.glob("*.flac")):
        parts += [decode_pcm(path), pause]
    audio = np.concatenate(parts * 2)
    assert len(audio) >= 70 * 16000
    result = _infer(client, audio)
    words, segments = result["words"], result["segments"]
    text = " ".join(w["word"] for w in words).lower()
    assert "the two stray kittens gradually make themselves at home" in text.replace(".", ""), text
    starts = [w["start"] for w in words]
    assert starts == sorted(starts) and words[-1]["end"] <= result["duration"] == round(len(audio) / 16000, 3)
    assert len(segments) >= 10 and max(s["end"] - s["start"] for s in segments) <= 30
    assert "".join(s["text"] for s in segments).replace(" ", "") == "".join(w["word"] for w in words)
