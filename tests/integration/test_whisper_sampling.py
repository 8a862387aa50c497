"""Whisper's temperature fallback samples; the same audio must come out in the same words in every
process that loads the recognizer (streams.serving.sampling)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from streams.settings import project_root

pytestmark = [pytest.mark.integration]

# Loads the recognizer as the Triton model does, then samples four readings of the audio's first
# 30 s at a temperature high enough that, unseeded, no two processes draw the same tokens.
SAMPLE = """
import json, sys
import ctranslate2
import numpy as np
from faster_whisper.tokenizer import Tokenizer
from streams.asr.whisper import WhisperOptions, WhisperRecognizer
from streams.media.audio import decode_pcm

model = WhisperRecognizer(WhisperOptions(vad_filter=False)).model
mel = model.feature_extractor(decode_pcm(sys.argv[1])[: 30 * 16000])
mel = np.pad(mel, ((0, 0), (0, max(0, 3000 - mel.shape[1]))))[:, :3000]
tokenizer = Tokenizer(model.hf_tokenizer, False, task="transcribe", language="en")
features = ctranslate2.StorageView.from_array(np.ascontiguousarray(mel[None], dtype=np.float32))
result = model.model.generate(features, [tokenizer.sot_sequence + [tokenizer.no_timestamps]], beam_size=1,
                              num_hypotheses=4, sampling_topk=0, sampling_temperature=1.5)
print(json.dumps(result[0].sequences_ids))
"""


def _sampled(audio: Path) -> list[list[int]]:
    run = subprocess.run([sys.executable, "-c", SAMPLE, str(audio)], cwd=project_root(), capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_two_processes_sample_the_same_readings_of_the_same_audio(media_dir: Path):
    first, second = (_sampled(media_dir / "speech" / "jfk.wav") for _ in range(2))
    assert len(first) == 4 and all(first), first
    assert first == second
