"""The request loop the Triton vision models share: one response per request, in order; a
cancelled request answers CANCELLED, a bad image batch INVALID_ARG (the instance keeps serving),
a good one the model's output tensors. ``pb_utils`` is Triton's backend module, passed in because it
exists only inside the Python backend's stub."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np

from streams.vision.frames import InvalidImages, validate_images

Outputs = Callable[[np.ndarray], Sequence[tuple[str, np.ndarray]]]


def answer_image_requests(requests: Iterable, pb_utils, input_name: str, outputs: Outputs) -> list:
    """Responses to ``requests`` whose ``input_name`` is a batch of RGB images; ``outputs`` turns a
    validated batch into ``(tensor name, array)`` pairs."""
    responses = []
    for request in requests:
        if request.is_cancelled():
            responses.append(_error(pb_utils, "cancelled", pb_utils.TritonError.CANCELLED))
            continue
        try:
            images = validate_images(pb_utils.get_input_tensor_by_name(request, input_name).as_numpy())
        except InvalidImages as exc:
            responses.append(_error(pb_utils, f"{input_name}: {exc}", pb_utils.TritonError.INVALID_ARG))
            continue
        tensors = [pb_utils.Tensor(name, array) for name, array in outputs(images)]
        responses.append(pb_utils.InferenceResponse(output_tensors=tensors))
    return responses


def _error(pb_utils, message: str, code):
    return pb_utils.InferenceResponse(error=pb_utils.TritonError(message, code))
