"""Writes the Python lock files in deploy/python/ from pyproject.toml, with pip's own resolver.

    .venv/bin/python scripts/lock.py            # pin what .venv has now (what the tests ran on;
                                                # setuptools excepted: .venv keeps ensurepip's, too
                                                # old for the build, so it resolves the newest)
    .venv/bin/python scripts/lock.py --upgrade  # the newest releases pyproject.toml allows

requirements.lock       the runtime closure: pyproject's dependencies, the weights-only packages of
                        [tool.clipstream] weights-only (their declared torch/TensorFlow is never
                        imported, so their own requirements stay out), and setuptools, the build
                        backend, so the project itself installs with --no-build-isolation offline.
requirements-test.lock  what the test extra adds to that.
requirements-cuda.lock  what the cuda extra adds (the GPU Triton image's CUDA libraries).

Every line is `name==version --hash=sha256:...` of the wheel pip picked for this platform (Linux
x86_64, CPython 3.11), so `pip install --no-deps --require-hashes -r` installs exactly these files and
nothing else: scripts/setup.sh does so into .venv, scripts/wheelhouse.sh downloads them for the
images, whose builds then install with --no-index.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "deploy" / "python"
HEADER = "# Written by scripts/lock.py from pyproject.toml; do not edit. Install: pip install --no-deps --require-hashes -r {name}\n"


def resolve(requirements: list[str], constraints: Path | None, no_deps: bool = False) -> dict[str, tuple[str, str]]:
    """{name: (version, sha256)} of what `pip install` would install for these requirements."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                   "--only-binary=:all:", "--report", str(report), *requirements]
        if constraints:
            command += ["-c", str(constraints)]
        if no_deps:
            command.append("--no-deps")
        subprocess.run(command, check=True, cwd=REPO)
        found = {}
        for item in json.loads(report.read_text())["install"]:
            name = canonicalize_name(item["metadata"]["name"])
            if name == "clipstream":
                continue
            hashes = item["download_info"].get("archive_info", {}).get("hashes", {})
            if "sha256" not in hashes:
                raise SystemExit(f"lock: {name}: no sha256 from the index ({item['download_info']['url']})")
            found[name] = (item["metadata"]["version"], hashes["sha256"])
        return found


def write(path: Path, pins: dict[str, tuple[str, str]]) -> None:
    lines = [HEADER.format(name=f"deploy/python/{path.name}")]
    lines += [f"{name}=={version} --hash=sha256:{sha}\n" for name, (version, sha) in sorted(pins.items())]
    path.write_text("".join(lines))
    print(f"lock: {path.relative_to(REPO)}: {len(pins)} packages")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--upgrade", action="store_true", help="resolve the newest allowed releases, not what .venv has")
    args = parser.parse_args()
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    weights_only = project["tool"]["clipstream"]["weights-only"]
    build_backend = project["build-system"]["requires"]
    with tempfile.TemporaryDirectory() as tmp:
        constraints = None
        if not args.upgrade:
            constraints = Path(tmp) / "installed.txt"
            frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable", "--all"],
                                    check=True, capture_output=True, text=True).stdout
            constraints.write_text("\n".join(line for line in frozen.splitlines() if "==" in line and not line.startswith(("pip==", "setuptools=="))))
        runtime = resolve(["."], constraints)
        runtime |= resolve(weights_only + build_backend, constraints, no_deps=True)
        extras = {extra: resolve([f".[{extra}]"], constraints) for extra in ("test", "cuda")}
    write(OUT / "requirements.lock", runtime)
    for extra, pins in extras.items():
        write(OUT / f"requirements-{extra}.lock", {name: pin for name, pin in pins.items() if name not in runtime})


if __name__ == "__main__":
    main()
