"""Triton Python-backend model: Face Mesh landmarks on face crops. Thin: the work is in streams.vision."""

import json

import triton_python_backend_utils as pb_utils

from streams.vision.landmarks import FaceLandmarker
from streams.vision.face_models import landmarks
from streams.vision.serving import answer_image_requests
from streams.serving.parameters import config_parameters


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config_parameters(config)
        self.landmarker = FaceLandmarker(threads=int(params.get("cpu_threads") or 0))

    def execute(self, requests):
        return answer_image_requests(requests, pb_utils, "FACES", self._landmarks)

    def _landmarks(self, faces):
        points, presence = landmarks(self.landmarker, faces)
        return [("LANDMARKS", points), ("PRESENCE", presence.reshape(-1, 1))]
