"""Triton Python-backend model: BlazeFace face detection. Thin: the work is in streams.vision."""

import json

import triton_python_backend_utils as pb_utils

from streams.vision.blazeface import NMS_IOU, SPECS, FaceDetector
from streams.vision.face_models import detections
from streams.vision.serving import answer_image_requests
from streams.serving.parameters import config_parameters


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = config_parameters(config)
        range_name = params.get("range") or "full"
        if range_name not in SPECS:
            raise ValueError(f"face_detector: parameter range must be one of {sorted(SPECS)}, got {range_name!r}")
        self.detector = FaceDetector(
            SPECS[range_name],
            min_score=float(params["score_threshold"]) if params.get("score_threshold") else None,
            iou_threshold=float(params.get("iou_threshold") or NMS_IOU),
            threads=int(params.get("cpu_threads") or 0),
        )
        # The padded face count is declared once, in the output dims of config.pbtxt.
        boxes = next(o for o in config["output"] if o["name"] == "BOXES")
        self.max_faces = int(boxes["dims"][0])

    def execute(self, requests):
        return answer_image_requests(requests, pb_utils, "FRAMES", self._detect)

    def _detect(self, frames):
        found = detections(self.detector, frames, self.max_faces)
        return [("BOXES", found.boxes), ("SCORES", found.scores), ("KEYPOINTS", found.keypoints),
                ("COUNT", found.counts)]
