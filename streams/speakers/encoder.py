"""The GE2E speaker encoder: mel windows in, unit-length 256-number voice prints out.

:class:`SpeakerEncoder` runs the ONNX file ``streams.speakers.weights`` writes with onnxruntime;
it is what the Triton model ``speaker_encoder`` serves, and what benchmarks call directly.
:func:`reference_embeddings` is the same network written out in numpy from the checkpoint's
tensors (torch's LSTM: gates input, forget, cell, output; both biases added), kept as the
test's oracle for the exported graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from streams.errors import ConfigError
from streams.speakers import weights

DIMENSIONS = weights.HIDDEN


class SpeakerEncoder:
    """onnxruntime on the exported encoder. ``threads`` 0 lets onnxruntime choose."""

    def __init__(self, path: Path | None = None, threads: int = 0, providers: Sequence[str] | None = None) -> None:
        import onnxruntime

        wanted = list(providers or ["CPUExecutionProvider"])
        missing = [p for p in wanted if p not in onnxruntime.get_available_providers()]
        if missing:
            raise ConfigError(
                f"onnxruntime here has no {', '.join(missing)} for the speaker encoder (it has "
                f"{', '.join(onnxruntime.get_available_providers())}): install onnxruntime-gpu for CUDA, or "
                "set the model's providers parameter to CPUExecutionProvider"
            )
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(str(path or weights.installed()), options, providers=wanted)

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """``[batch, frames, 40]`` float32 mel power to ``[batch, 256]`` voice prints."""
        if mels.ndim != 3 or mels.shape[2] != weights.MELS:
            raise ValueError(f"mels must be [batch, frames, {weights.MELS}], not {list(mels.shape)}")
        if len(mels) == 0:
            return np.zeros((0, DIMENSIONS), np.float32)
        return self._session.run(["embeddings"], {"mels": mels.astype(np.float32, copy=False)})[0]

    def embed_windows(self, mels: Sequence[np.ndarray], batch: int = 64) -> np.ndarray:
        """Voice prints of windows of any lengths, run in batches of equal length."""
        return embed_grouped(mels, self.embed, batch)


def embed_grouped(mels: Sequence[np.ndarray], embed, batch: int = 64) -> np.ndarray:
    """``embed`` over windows grouped by length (a batch must be one length); in input order."""
    out = np.zeros((len(mels), DIMENSIONS), np.float32)
    lengths = np.array([len(m) for m in mels])
    for length in np.unique(lengths):
        index = np.flatnonzero(lengths == length)
        for k in range(0, len(index), batch):
            part = index[k : k + batch]
            out[part] = embed(np.stack([mels[i] for i in part]))
    return out


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def reference_embeddings(state: dict[str, np.ndarray], mels: np.ndarray) -> np.ndarray:
    """The encoder in numpy from the checkpoint's tensors: ``[batch, frames, 40]`` to ``[batch, 256]``."""
    x = np.asarray(mels, dtype=np.float32)
    batch, frames, _ = x.shape
    h = np.zeros((batch, weights.HIDDEN), np.float32)
    for layer in range(weights.LAYERS):
        w_ih, w_hh = state[f"lstm.weight_ih_l{layer}"], state[f"lstm.weight_hh_l{layer}"]
        bias = state[f"lstm.bias_ih_l{layer}"] + state[f"lstm.bias_hh_l{layer}"]
        projected = x @ w_ih.T + bias
        h = np.zeros((batch, weights.HIDDEN), np.float32)
        c = np.zeros_like(h)
        out = np.empty((batch, frames, weights.HIDDEN), np.float32)
        for t in range(frames):
            i, f, g, o = np.split(projected[:, t] + h @ w_hh.T, 4, axis=1)
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            out[:, t] = h
        x = out
    e = np.maximum(h @ state["linear.weight"].T + state["linear.bias"], 0.0)
    return e / np.maximum(np.linalg.norm(e, axis=1, keepdims=True), 1e-12)
