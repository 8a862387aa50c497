"""The speaker encoder's weights: where they come from, how they are checked, and the ONNX file
the Triton model serves.

The encoder is GE2E (Wan et al., 2018, arXiv 1710.10467) as trained by Resemblyzer 0.1.4
(Apache-2.0): a 3-layer LSTM over 40 mel bands, a linear layer, ReLU and unit length, giving a
256-number voice print for 1.6 s of speech. The registry package ``Resemblyzer==0.1.4`` ships
its weights as ``resemblyzer/pretrained.pt`` (17,090,379 bytes with the optimiser's state); its
code needs torch, librosa and webrtcvad, so setup installs it ``--no-deps`` and it is never
imported: the file is found on disk, its sha256 checked against the one recorded here, its
tensors read by :mod:`streams.speakers.checkpoint` (no pickled code runs), and written once as a
standard ONNX graph (three ``LSTM`` nodes, ``MatMul``, ``Relu``, ``LpNormalization``) with the
``onnx`` package. onnxruntime runs that file on CPU or CUDA.

    python -m streams.speakers.weights install    # what scripts/setup.sh runs; a second run only checks
    python -m streams.speakers.weights path
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import tempfile
from pathlib import Path

import numpy as np

from streams.errors import ModelMissing
from streams.serving.weights import MANIFEST, command_line, models_dir, read_manifest
from streams.speakers import checkpoint

NAME = "ge2e"
PACKAGE = "resemblyzer"  # Resemblyzer==0.1.4, installed --no-deps
CHECKPOINT = "pretrained.pt"
CHECKPOINT_SIZE = 17_090_379
CHECKPOINT_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
HIDDEN = 256
LAYERS = 3
MELS = 40
FORMAT = 1  # bump when the exported graph changes, so setup rebuilds it
INSTALL = ".venv/bin/python -m streams.speakers.weights install"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def checkpoint_path() -> Path:
    """``pretrained.pt`` of the installed Resemblyzer package, found without importing it (its
    ``__init__`` imports torch)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissing("the speaker encoder's weights (Resemblyzer==0.1.4) are not installed; run scripts/setup.sh")
    path = Path(next(iter(spec.submodule_search_locations))) / CHECKPOINT
    if not path.is_file():
        raise ModelMissing(f"Resemblyzer has no {CHECKPOINT} at {path.parent}; reinstall Resemblyzer==0.1.4")
    return path


def checked_state(path: Path) -> dict[str, np.ndarray]:
    """The encoder's tensors from ``path``, which must be the recorded file."""
    if path.stat().st_size != CHECKPOINT_SIZE or _sha256(path) != CHECKPOINT_SHA256:
        raise ModelMissing(
            f"{path} is not Resemblyzer 0.1.4's {CHECKPOINT} (sha256 {CHECKPOINT_SHA256}); reinstall the package"
        )
    state = checkpoint.load(path).get("model_state")
    if not isinstance(state, dict):
        raise ModelMissing(f"{path} holds no model_state")
    return dict(state)


def _onnx_gates(w: np.ndarray) -> np.ndarray:
    """torch orders an LSTM's gates (input, forget, cell, output); ONNX (input, output, forget, cell)."""
    i, f, g, o = np.split(w, 4, axis=0)
    return np.concatenate([i, o, f, g], axis=0)


def export_onnx(state: dict[str, np.ndarray], target: Path) -> None:
    """Write the encoder as ONNX: ``mels`` [batch, frames, 40] float32 to ``embeddings`` [batch, 256]."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    weights, nodes = [], [helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2])]

    def constant(name: str, value: np.ndarray) -> str:
        weights.append(numpy_helper.from_array(value, name))
        return name

    x = "x0"
    for layer in range(LAYERS):
        w = _onnx_gates(state[f"lstm.weight_ih_l{layer}"])[None]
        r = _onnx_gates(state[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate(
            [_onnx_gates(state[f"lstm.bias_ih_l{layer}"]), _onnx_gates(state[f"lstm.bias_hh_l{layer}"])]
        )[None]
        inputs = [x] + [constant(f"{k}{layer}", v.astype(np.float32)) for k, v in (("W", w), ("R", r), ("B", b))]
        nodes.append(helper.make_node("LSTM", inputs, [f"y{layer}", f"h{layer}"], hidden_size=HIDDEN))
        if layer < LAYERS - 1:  # Y is [frames, directions, batch, hidden]
            nodes.append(
                helper.make_node("Squeeze", [f"y{layer}", constant(f"axis{layer}", np.array([1]))], [f"x{layer + 1}"])
            )
            x = f"x{layer + 1}"
    nodes += [
        helper.make_node("Squeeze", [f"h{LAYERS - 1}", constant("axis_last", np.array([0]))], ["last"]),
        helper.make_node(
            "MatMul", ["last", constant("linear_w", state["linear.weight"].T.astype(np.float32))], ["lin"]
        ),
        helper.make_node("Add", ["lin", constant("linear_b", state["linear.bias"].astype(np.float32))], ["pre"]),
        helper.make_node("Relu", ["pre"], ["relu"]),
        helper.make_node("LpNormalization", ["relu"], ["embeddings"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "ge2e_speaker_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", MELS])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", HIDDEN])],
        weights,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="clipstream")
    model.ir_version = 8  # loadable by the onnxruntime of older Triton images too
    onnx.checker.check_model(model)
    onnx.save(model, str(target))


def target_dir() -> Path:
    return models_dir() / f"speaker-{NAME}"


def installed(name: str = NAME) -> Path:
    """The ONNX file of the encoder; ``ModelMissing`` when setup has not written it from the
    recorded checkpoint."""
    path = target_dir()
    manifest = read_manifest(path / MANIFEST, "the speaker encoder", INSTALL)
    onnx_file = path / f"{NAME}.onnx"
    if manifest.get("checkpoint_sha256") != CHECKPOINT_SHA256 or manifest.get("format") != FORMAT:
        raise ModelMissing(f"{path} was written from other weights or by an older setup; run scripts/setup.sh")
    if not onnx_file.is_file() or _sha256(onnx_file) != manifest.get("sha256"):
        raise ModelMissing(f"{onnx_file} is missing or changed since setup wrote it; run scripts/setup.sh")
    return onnx_file


def install(name: str = NAME) -> Path:
    """Check Resemblyzer's checkpoint and write the ONNX file unless it is already there."""
    try:
        return installed()
    except ModelMissing:
        pass
    state = checked_state(checkpoint_path())
    target = target_dir()
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target, prefix=".export-") as work:
        staged = Path(work) / f"{NAME}.onnx"
        export_onnx(state, staged)
        manifest = {
            "name": NAME,
            "source": "Resemblyzer==0.1.4 resemblyzer/pretrained.pt (Apache-2.0)",
            "checkpoint_sha256": CHECKPOINT_SHA256,
            "format": FORMAT,
            "sha256": _sha256(staged),
        }
        staged.rename(target / f"{NAME}.onnx")
        (target / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return installed()


def main(argv: list[str] | None = None) -> int:
    return command_line(argv, "streams.speakers.weights", __doc__.split("\n")[0], (NAME,), NAME, install, installed)


if __name__ == "__main__":
    raise SystemExit(main())
