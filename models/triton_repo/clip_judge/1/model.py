"""Triton Python-backend model: the clip judge. Thin: the work is in streams.judge.

It answers with the model's raw text and does not judge it: the caller checks the answer
(``streams.judge.verdict.parse_verdict``) and asks again with a new ``ATTEMPT`` when it is malformed,
so what the model says is never trusted on the server's word.
"""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.judge import weights
from streams.judge.engine import EngineOptions, JudgeEngine
from streams.judge.verdict import PROMPT_VERSION, InvalidPassage, read_request
from streams.serving.parameters import config_parameters


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config_parameters(config)
        self.options = EngineOptions.from_parameters(params)
        self.engine = JudgeEngine(self.options)  # ModelMissing says to run scripts/setup.sh

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                raw = pb_utils.get_input_tensor_by_name(request, "PASSAGE").as_numpy().reshape(-1)
                if raw.size != 1:
                    raise InvalidPassage(f"PASSAGE must hold one passage, got {raw.size}")
                passage = read_request(raw[0])
                attempt = pb_utils.get_input_tensor_by_name(request, "ATTEMPT")
                attempt = int(attempt.as_numpy().reshape(-1)[0]) if attempt is not None else 0
                if attempt < 0:
                    raise InvalidPassage(f"ATTEMPT must be 0 or more, got {attempt}")
            except InvalidPassage as exc:
                responses.append(
                    pb_utils.InferenceResponse(error=pb_utils.TritonError(str(exc), pb_utils.TritonError.INVALID_ARG))
                )
                continue
            answer = {"model": weights.identity(self.options.model, self.options.model_dir),
                      "prompt_version": PROMPT_VERSION,
                      "text": self.engine.answer(passage.text, attempt, passage.language)}
            payload = np.array([json.dumps(answer).encode()], dtype=np.object_)
            responses.append(pb_utils.InferenceResponse(output_tensors=[pb_utils.Tensor("ANSWER", payload)]))
        return responses
