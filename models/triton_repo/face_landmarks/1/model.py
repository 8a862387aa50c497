"""Triton Python-backend model: Face Mesh landmarks on face crops. Thin: the work is in streams.vision."""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.vision.landmarks import FaceLandmarker
from streams.vision.serving import answer_image_requests
from streams.model_parameters import config_parameters


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config_parameters(config)
        self.landmarker = FaceLandmarker(threads=int(params.get("cpu_threads") or 0))

    def execute(self, requests):
        return answer_image_requests(requests, pb_utils, "FACES", self._landmarks)

    def _landmarks(self, faces):
        meshes = [self.landmarker.mesh(face) for face in faces]
        return [
            ("LANDMARKS", np.stack([m.landmarks for m in meshes]).astype(np.float32)),
            ("PRESENCE", np.array([[m.presence] for m in meshes], dtype=np.float32)),
        ]
