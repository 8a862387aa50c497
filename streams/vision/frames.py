"""Checks on batches of RGB images before they reach a vision model (pure: numpy only).

The Triton models and in-process callers share these rules, so a bad request is refused with the
same words everywhere.
"""

from __future__ import annotations

import numpy as np

MAX_SIDE = 4096  # 4K frames fit; anything bigger is a mistake, not a video frame


class InvalidImages(ValueError):
    """The images cannot be given to the model; the message says why."""


def validate_images(images: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Return ``images`` as a contiguous ``(n, height, width, 3)`` uint8 array, or raise InvalidImages.

    Accepts one image ``(height, width, 3)`` or a batch ``(n, height, width, 3)`` of RGB pixels;
    refuses other dtypes and shapes, an empty batch, zero-sized images and sides over ``max_side``.
    """
    if not isinstance(images, np.ndarray):
        raise InvalidImages(f"images must be a numpy array, got {type(images).__name__}")
    if images.dtype != np.uint8:
        raise InvalidImages(f"images must be uint8 RGB, got dtype {images.dtype}")
    if images.ndim == 3:
        images = images[np.newaxis]
    if images.ndim != 4 or images.shape[-1] != 3:
        raise InvalidImages(f"images must have shape (n, height, width, 3), got {images.shape}")
    n, height, width, _ = images.shape
    if n == 0 or height == 0 or width == 0:
        raise InvalidImages(f"images must not be empty, got shape {images.shape}")
    if max(height, width) > max_side:
        raise InvalidImages(f"images must be at most {max_side} pixels on a side, got {width}x{height}")
    return np.ascontiguousarray(images)
