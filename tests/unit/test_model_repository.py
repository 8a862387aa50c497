"""Every config in models/triton_repo parses as a Triton ModelConfig (so a typo fails here, not
at server start), names its folder, bounds its queue, and has a GPU variant in configs/gpu.pbtxt."""

from __future__ import annotations

import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from streams.settings import project_root

REPO = project_root() / "models" / "triton_repo"
MODELS = sorted(p.parent.name for p in REPO.glob("*/config.pbtxt"))


def _load(path) -> model_config_pb2.ModelConfig:
    return text_format.Parse(path.read_text(), model_config_pb2.ModelConfig())


@pytest.mark.parametrize("model", MODELS)
def test_cpu_config_parses_names_its_folder_and_bounds_its_queue(model):
    config = _load(REPO / model / "config.pbtxt")
    assert config.name == model
    assert (REPO / model / "1" / "model.py").is_file()
    assert [g.kind for g in config.instance_group] == [model_config_pb2.ModelInstanceGroup.KIND_CPU]
    policy = config.dynamic_batching.default_queue_policy
    assert 0 < policy.max_queue_size <= 64 and policy.default_timeout_microseconds > 0


@pytest.mark.parametrize("model", MODELS)
def test_gpu_variant_differs_only_where_the_gpu_needs_it(model):
    cpu = _load(REPO / model / "config.pbtxt")
    gpu = _load(REPO / model / "configs" / "gpu.pbtxt")
    assert gpu.name == cpu.name and list(gpu.input) == list(cpu.input) and list(gpu.output) == list(cpu.output)
    assert {g.kind for g in gpu.instance_group} == {model_config_pb2.ModelInstanceGroup.KIND_GPU}
    assert gpu.dynamic_batching.default_queue_policy.max_queue_size > 0


def test_whisper_gpu_variant_runs_float16_on_cuda():
    gpu = _load(REPO / "whisper" / "configs" / "gpu.pbtxt")
    params = {k: v.string_value for k, v in gpu.parameters.items()}
    assert params["device"] == "cuda" and params["compute_type"] == "float16"


@pytest.mark.parametrize("config", ["config.pbtxt", "configs/gpu.pbtxt"])
def test_whisper_parameters_are_whisper_options(config):
    from dataclasses import fields

    from streams.asr.whisper import WhisperOptions

    params = {k: v.string_value for k, v in _load(REPO / "whisper" / config).parameters.items()}
    assert set(params) <= {f.name for f in fields(WhisperOptions)}, "a parameter the model would ignore"
    WhisperOptions.from_parameters(params)  # parses


@pytest.mark.parametrize("config", ["config.pbtxt", "configs/gpu.pbtxt"])
def test_the_face_detector_answers_down_to_the_bar_a_followed_face_is_kept_at(config):
    """The finder keeps a followed face at a lower confidence than it takes a new one on; the
    server must answer that low, and the in-process models answer alike."""
    from streams.media.reframe.finder import ACQUIRE_SCORE, KEEP_SCORE
    from streams.vision.face_models import ANSWERED_SCORE, InProcessFaceModels

    params = {k: v.string_value for k, v in _load(REPO / "face_detector" / config).parameters.items()}
    assert float(params["score_threshold"]) == ANSWERED_SCORE <= KEEP_SCORE < ACQUIRE_SCORE
    assert InProcessFaceModels().detector.min_score == ANSWERED_SCORE
