"""Triton Python-backend model: BlazeFace face detection. Thin: the work is in streams.vision."""

import json

import numpy as np
import triton_python_backend_utils as pb_utils

from streams.vision.blazeface import NMS_IOU, SPECS, FaceDetector, pack
from streams.vision.frames import InvalidImages, validate_images


def _error(message, code):
    return pb_utils.InferenceResponse(error=pb_utils.TritonError(message, code))


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = {k: v["string_value"].strip() for k, v in config.get("parameters", {}).items()}
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
        responses = []
        for request in requests:
            if request.is_cancelled():
                responses.append(_error("cancelled", pb_utils.TritonError.CANCELLED))
                continue
            try:
                frames = validate_images(pb_utils.get_input_tensor_by_name(request, "FRAMES").as_numpy())
            except InvalidImages as exc:
                responses.append(_error(f"FRAMES: {exc}", pb_utils.TritonError.INVALID_ARG))
                continue
            packed = [pack(faces, self.max_faces) for faces in self.detector.detect_batch(frames)]
            boxes, scores, keypoints, counts = (np.stack(column) for column in zip(*packed))
            responses.append(pb_utils.InferenceResponse(output_tensors=[
                pb_utils.Tensor("BOXES", boxes.astype(np.float32)),
                pb_utils.Tensor("SCORES", scores.astype(np.float32)),
                pb_utils.Tensor("KEYPOINTS", keypoints.astype(np.float32)),
                pb_utils.Tensor("COUNT", counts.astype(np.int32).reshape(-1, 1)),
            ]))
        return responses
