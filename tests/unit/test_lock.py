"""deploy/python/*.lock (scripts/lock.py): every requirement of pyproject.toml pinned to a version
it allows, every pin hash-checked, the runtime lock closed under its packages' own requirements
(read from the installed metadata, markers evaluated for this interpreter) except the
weights-only packages', whose declared torch/TensorFlow stay out, and .venv holding exactly the
locked versions (scripts/setup.sh installs them)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name as norm

REPO = Path(__file__).resolve().parents[2]
LOCKS = REPO / "deploy" / "python"
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
WEIGHTS_ONLY = {Requirement(r).name for r in PROJECT["tool"]["clipstream"]["weights-only"]}


def pins(name: str) -> dict[str, str]:
    found = {}
    for line in (LOCKS / name).read_text().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==(\S+) --hash=sha256:([0-9a-f]{64})", line)
        assert match, f"{name}: not `name==version --hash=sha256:...`: {line}"
        found[norm(match.group(1))] = match.group(2)
    return found


RUNTIME, TEST, CUDA = pins("requirements.lock"), pins("requirements-test.lock"), pins("requirements-cuda.lock")


@pytest.mark.parametrize("requirements, lock", [
    (PROJECT["project"]["dependencies"], RUNTIME),
    (PROJECT["tool"]["clipstream"]["weights-only"] + PROJECT["build-system"]["requires"], RUNTIME),
    (PROJECT["project"]["optional-dependencies"]["test"], {**RUNTIME, **TEST}),
    (PROJECT["project"]["optional-dependencies"]["cuda"], {**RUNTIME, **CUDA}),
], ids=["dependencies", "weights-only and build", "test", "cuda"])
def test_every_requirement_is_pinned_to_a_version_it_allows(requirements, lock):
    for text in requirements:
        requirement = Requirement(text)
        assert norm(requirement.name) in lock, f"{requirement.name} is not in the lock: run scripts/lock.py"
        assert requirement.specifier.contains(lock[norm(requirement.name)], prereleases=True), text


def test_the_runtime_lock_is_closed_and_leaves_out_what_weights_only_packages_declare():
    for name in RUNTIME:
        if name in WEIGHTS_ONLY:
            continue
        requires = metadata.requires(name) or []
        for text in requires:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": ""}):
                continue
            assert norm(requirement.name) in RUNTIME, f"{name} requires {requirement.name}, which is not locked"
    assert not {"torch", "tensorflow", "sentence-transformers", "opencv-python"} & set(RUNTIME)


def test_the_extra_locks_add_only_what_the_runtime_lacks():
    assert not set(TEST) & set(RUNTIME) and not set(CUDA) & set(RUNTIME)
    assert {"pytest", "hypothesis"} <= set(TEST) and set(CUDA) == {"nvidia-cublas-cu12", "nvidia-cudnn-cu12"}


def test_the_virtualenv_holds_exactly_the_locked_versions():
    for name, version in {**RUNTIME, **TEST}.items():
        assert metadata.version(name) == version, f"{name}: .venv has {metadata.version(name)}; run scripts/setup.sh"
