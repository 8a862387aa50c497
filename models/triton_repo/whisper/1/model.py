"""Triton Python-backend model: Whisper speech recognition in any language (English on tiny.en,
the rest on the multilingual base; streams.asr.spoken). Thin: the work is in streams.asr."""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.asr.pcm import InvalidAudio, validate_pcm
from streams.asr.recognition import RecognitionCancelled
from streams.asr.spoken import MultilingualRecognizer
from streams.asr.whisper import WhisperOptions
from streams.errors import UnknownLanguage
from streams.serving.parameters import config_parameters


def _optional_string(request, name):
    tensor = pb_utils.get_input_tensor_by_name(request, name)
    if tensor is None:
        return None
    value = tensor.as_numpy().reshape(-1)
    if value.size == 0:
        return None
    item = value[0]
    return item.decode("utf-8", errors="replace") if isinstance(item, bytes) else str(item)


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config_parameters(config)
        self.options = WhisperOptions.from_parameters(params)
        self.recognizer = MultilingualRecognizer(self.options)  # ModelMissing: run scripts/setup.sh

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                if request.is_cancelled():
                    raise RecognitionCancelled()
                audio = validate_pcm(pb_utils.get_input_tensor_by_name(request, "AUDIO").as_numpy())
                result = self.recognizer.recognize(
                    audio,
                    language=_optional_string(request, "LANGUAGE"),
                    prompt=_optional_string(request, "PROMPT"),
                    cancelled=request.is_cancelled,  # asked between decoded pieces of a long chunk
                    before=_optional_string(request, "LANGUAGE_BEFORE"),
                )
            except RecognitionCancelled:
                responses.append(
                    pb_utils.InferenceResponse(error=pb_utils.TritonError("cancelled", pb_utils.TritonError.CANCELLED))
                )
                continue
            except (InvalidAudio, UnknownLanguage) as exc:
                responses.append(
                    pb_utils.InferenceResponse(error=pb_utils.TritonError(str(exc), pb_utils.TritonError.INVALID_ARG))
                )
                continue
            payload = np.array([json.dumps(result.as_json()).encode()], dtype=np.object_)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("RESULT", payload)]))
        return responses
