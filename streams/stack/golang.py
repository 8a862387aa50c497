"""Go builds from the module proxy that leave only what is used again on disk.

MinIO (``streams.stack.minio``) and kustomize (``tests.deploy.tools``) are built once with
``go install`` into ``<cache_dir>``. A build fills Go's compile cache (about 1.1 GB for MinIO) and
unpacks every module's source next to its zip (about 830 MB); neither is read again: the binary
is kept, and ``scripts/wheelhouse.sh`` reads only the zips (``<module cache>/cache/download``, a
module proxy's layout). So each build compiles into a scratch cache, removed after, and
``prune_sources`` drops the unpacked sources, which Go unpacks again from the zips if a later
build needs them. On a machine whose disk is nearly full that is about 2 GB left for the data.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from streams.errors import FetchFailed
from streams.stack.component import Say, require_program


def module_cache(cache_dir: Path) -> Path:
    """The module cache every build from ``cache_dir`` shares."""
    return cache_dir / "go" / "mod"


def go_env(cache_dir: Path, gobin: Path | None = None) -> dict[str, str]:
    """The environment of a Go command over ``cache_dir``'s module cache; ``gobin``: where
    ``go install`` puts the binary."""
    env = {
        **os.environ,
        "GOPATH": str(cache_dir / "go" / "path"),
        "GOMODCACHE": str(module_cache(cache_dir)),
        "GOFLAGS": "-modcacherw",
        "CGO_ENABLED": "0",
        "PATH": f"{os.environ.get('PATH', '')}:/usr/local/go/bin",
    }
    if gobin is not None:
        env["GOBIN"] = str(gobin)
    return env


@contextmanager
def build_env(cache_dir: Path, gobin: Path | None = None) -> Iterator[dict[str, str]]:
    """``go_env`` with a compile cache of its own (``GOCACHE``), removed on leaving, as are the
    module sources the build unpacked."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache_dir, prefix="go-build-") as scratch:
        try:
            yield {**go_env(cache_dir, gobin), "GOCACHE": scratch}
        finally:
            prune_sources(cache_dir)


def prune_sources(cache_dir: Path) -> None:
    """Remove the unpacked module sources of ``cache_dir``'s module cache, keeping the downloads
    (``cache/``) they were unpacked from."""
    root = module_cache(cache_dir)
    if not root.is_dir():
        return
    for entry in root.iterdir():
        if entry.name == "cache":
            continue
        if entry.is_dir() and not entry.is_symlink():
            _writable(entry)
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _writable(path: Path) -> None:
    """Make the folders under ``path`` writable, so their files can be removed (Go leaves module
    sources read-only unless told ``-modcacherw``, as an older build may not have been)."""
    path.chmod(path.stat().st_mode | stat.S_IRWXU)
    for folder, dirs, _files in os.walk(path):
        for name in dirs:
            sub = Path(folder) / name
            if not sub.is_symlink():
                sub.chmod(sub.stat().st_mode | stat.S_IRWXU)


def build(
    component: str,
    binary: Path,
    args: list[str],
    *,
    cache_dir: Path,
    say: Say,
    what: str,
    took: str,
    cwd: Path | None = None,
    gobin: Path | None = None,
) -> None:
    """Make ``binary`` with ``go <args>`` (``install`` with ``gobin``, or ``build -o``), unless it is
    there; ``what`` names the software in what is said ("MinIO"), ``took`` how long a first build
    takes. A failed build is a ``FetchFailed`` quoting go's last line."""
    if binary.exists():
        return
    go = require_program(
        component,
        "go",
        "run scripts/setup.sh (it installs a Go toolchain)",
        path=f"{os.environ.get('PATH', '')}:/usr/local/go/bin",
    )
    say(f"{component}: building {what} from the Go module proxy (first run only, {took})")
    binary.parent.mkdir(parents=True, exist_ok=True)
    with build_env(cache_dir, gobin) as env:
        result = subprocess.run([go, *args], env=env, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0 or not binary.exists():
        err = (result.stderr or result.stdout).strip().splitlines()
        raise FetchFailed(
            component,
            f"could not build {what} from the Go module proxy: {(err[-1] if err else 'no output')[:300]} "
            "- check that the Go module proxy (GOPROXY) is reachable, then run `up` again",
        )
