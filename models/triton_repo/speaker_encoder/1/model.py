"""Triton Python-backend model: who speaks in a chunk of audio (Silero VAD, then the GE2E speaker
encoder on onnxruntime over windows of the speech). Thin: the work is in streams.speakers."""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.asr.pcm import InvalidAudio, validate_pcm
from streams.serving.parameters import config_parameters
from streams.speakers.listener import Listener


class TritonPythonModel:
    def initialize(self, args):
        params = config_parameters(json.loads(args["model_config"]))
        providers = [p for p in (params.get("providers") or "CPUExecutionProvider").split(",") if p]
        # ModelMissing when setup has not written the encoder: run scripts/setup.sh
        self.listener = Listener(int(params.get("cpu_threads") or 0), providers, params.get("vad_model") or "")

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                audio = validate_pcm(pb_utils.get_input_tensor_by_name(request, "AUDIO").as_numpy())
            except InvalidAudio as exc:
                error = pb_utils.TritonError(str(exc), pb_utils.TritonError.INVALID_ARG)
                responses.append(pb_utils.InferenceResponse(error=error))
                continue
            voices = self.listener.voices(audio)
            speech = np.array(voices.speech, dtype=np.float32).reshape(-1, 2)
            windows = np.array(voices.windows, dtype=np.float32).reshape(-1, 2)
            outputs = [
                pb_utils.Tensor("SPEECH", speech),
                pb_utils.Tensor("WINDOWS", windows),
                pb_utils.Tensor("PRINTS", voices.prints.astype(np.float32).reshape(-1, 256)),
                pb_utils.Tensor("HIGH_BAND", np.array(voices.high_band, dtype=np.float32).reshape(-1)),
            ]
            responses.append(pb_utils.InferenceResponse(output_tensors=outputs))
        return responses
