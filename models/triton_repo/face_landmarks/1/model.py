"""Triton Python-backend model: Face Mesh landmarks on face crops. Thin: the work is in streams.vision."""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.vision.frames import InvalidImages, validate_images
from streams.vision.landmarks import FaceLandmarker


def _error(message, code):
    return pb_utils.InferenceResponse(error=pb_utils.TritonError(message, code))


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = {k: v["string_value"].strip() for k, v in config.get("parameters", {}).items()}
        self.landmarker = FaceLandmarker(threads=int(params.get("cpu_threads") or 0))

    def execute(self, requests):
        responses = []
        for request in requests:
            if request.is_cancelled():
                responses.append(_error("cancelled", pb_utils.TritonError.CANCELLED))
                continue
            try:
                faces = validate_images(pb_utils.get_input_tensor_by_name(request, "FACES").as_numpy())
            except InvalidImages as exc:
                responses.append(_error(f"FACES: {exc}", pb_utils.TritonError.INVALID_ARG))
                continue
            meshes = [self.landmarker.mesh(face) for face in faces]
            landmarks = np.stack([m.landmarks for m in meshes]).astype(np.float32)
            presence = np.array([[m.presence] for m in meshes], dtype=np.float32)
            responses.append(pb_utils.InferenceResponse(output_tensors=[
                pb_utils.Tensor("LANDMARKS", landmarks),
                pb_utils.Tensor("PRESENCE", presence),
            ]))
        return responses
