"""deploy/images: every Dockerfile passes hadolint at its strictest threshold, builds in stages and
runs as a non-root user, copies only what exists and what .dockerignore lets into the context,
and installs the same pinned extras as scripts/setup.sh."""

from __future__ import annotations

import fnmatch
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy import tools

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((REPO / "deploy" / "images").glob("*.Dockerfile"))


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n(\s*#[^\n]*\n)*", " ", path.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def stages(path: Path) -> list[list[tuple[str, str]]]:
    found: list[list[tuple[str, str]]] = []
    for instruction in instructions(path):
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


def hadolint(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(tools.hadolint_binary()), "--no-color", "--failure-threshold", "style", str(path)],
                          capture_output=True, text=True)


def test_there_are_images_for_the_app_triton_and_minio():
    assert {p.name for p in DOCKERFILES} == {"app.Dockerfile", "triton.Dockerfile", "minio.Dockerfile"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_finds_nothing(deploy_tools, dockerfile):
    result = hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_reports_a_bad_dockerfile(deploy_tools, tmp_path):
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM debian:latest\nRUN apt-get update && apt-get install -y curl\nRUN cd /tmp\n")
    result = hadolint(bad)
    assert result.returncode != 0
    assert {"DL3007", "DL3015", "DL3003"} <= set(re.findall(r"DL\d{4}", result.stdout))


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_base_image_is_a_build_argument(dockerfile):
    """An offline build (no registry) names local base images: every FROM is an earlier stage or
    an ARG declared before the first FROM, with the registry image as its default."""
    defaults, stage_names, seen_from = {}, set(), False
    for word, args in instructions(dockerfile):
        if word == "ARG" and not seen_from:
            name, _, default = args.partition("=")
            defaults[name] = default
        if word == "FROM":
            seen_from = True
            image, *rest = args.split()
            if image not in stage_names:
                named = re.fullmatch(r"\$\{(\w+)\}", image)
                assert named, f"{dockerfile.name}: FROM {image}: not a build argument"
                assert defaults.get(named.group(1)), f"{dockerfile.name}: {image}: no default before the first FROM"
            if len(rest) == 2 and rest[0].upper() == "AS":
                stage_names.add(rest[1])


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_images_build_in_stages_and_run_as_a_non_root_user(dockerfile):
    built = stages(dockerfile)
    assert len(built) >= 2, "multi-stage: the build tools stay out of the image"
    names = [args.split()[-1] for (_, args), *_ in built if " AS " in args.upper()]
    for stage in built:
        for word, args in stage:
            source = re.search(r"--from=(\S+)", args) if word == "COPY" else None
            if source:
                assert source.group(1) in names, f"COPY --from={source.group(1)}: no such stage"
    users = [args for word, args in built[-1] if word == "USER"]
    assert users, "the final stage sets a USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0") and (not user.isdigit() or int(user) >= 1000)


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(path: str) -> bool:
    """As the builder reads .dockerignore: the last pattern that matches decides, and a pattern
    that starts with ``!`` lets a path back in."""
    ignored = False
    for pattern in _dockerignore():
        keep = pattern.startswith("!")
        bare = pattern[1:] if keep else pattern
        if fnmatch.fnmatch(path, bare) or path.startswith(bare.rstrip("/") + "/"):
            ignored = not keep
    return ignored


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_every_copied_path_exists_and_is_in_the_build_context(dockerfile):
    for word, args in instructions(dockerfile):
        if word != "COPY" or "--from=" in args:
            continue
        *sources, _ = [a for a in args.split() if not a.startswith("--")]
        for source in sources:
            assert (REPO / source).exists(), f"{dockerfile.name}: COPY {source}: not in the repository"
            assert not _ignored(source), f"{dockerfile.name}: COPY {source}: excluded by .dockerignore"


def test_the_build_context_leaves_out_local_state():
    for path in (".git", ".venv", ".local", "api/docs_assets/node_modules", "tests", "bench/results"):
        assert _ignored(path), path
    # The labelled talks go in: the app image trains the editorial head on them.
    for path in ("streams", "api", "schemas", "models", "pyproject.toml", "README.md", "bench/highlights"):
        assert not _ignored(path), path


def test_python_images_install_the_locked_wheels_with_no_index():
    """The images and scripts/setup.sh install the same lock, file for file (hashes required, no
    resolution); the builds take the wheels from the prepared wheelhouse and reach no index."""
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert "--no-deps --require-hashes" in setup and "deploy/python/requirements.lock" in setup
    for name in ("app.Dockerfile", "triton.Dockerfile"):
        steps = instructions(REPO / "deploy" / "images" / name)
        env = " ".join(args for word, args in steps if word == "ENV")
        assert "PIP_NO_INDEX=1" in env and "PIP_FIND_LINKS=/wheels" in env, name
        assert ("COPY", "deploy/python/requirements.lock /tmp/requirements.lock") in steps, name
        installs = [args for word, args in steps if word == "RUN" and "pip install" in args]
        locked = [a for a in installs if "-r /tmp/requirements.lock" in a]
        assert locked and all("--no-deps --require-hashes" in a for a in locked), name
        assert all("--mount=type=bind,source=deploy/prepared/wheels,target=/wheels" in a
                   for a in installs if "-r /tmp/" in a), name
        assert all(re.search(r"pip install [^&]*(-r /tmp/|--no-build-isolation -e \.)", a) for a in installs), \
            f"{name}: every pip install is the lock or the project itself"


def test_triton_image_serves_the_repository_with_the_backend_stub_of_its_python():
    text = (REPO / "deploy" / "images" / "triton.Dockerfile").read_text()
    assert "/usr/bin/python3.11 -m venv" in text and "libpython3.11" in text
    assert "python_backend_stubs/3.11/triton_python_backend_stub" in text
    assert "--model-repository=/app/models/triton_repo" in text and "COPY models ./models" in text


def test_minio_image_builds_the_version_the_local_stack_pins():
    from streams.stack import minio

    text = (REPO / "deploy" / "images" / "minio.Dockerfile").read_text()
    assert f"ARG MINIO_VERSION={minio.VERSION}" in text and minio.MODULE in text
    assert f"ARG MINIO_SUM={minio.SUM}" in text


def test_minio_image_builds_offline_from_the_prepared_module_proxy():
    """No network in the build: modules from deploy/prepared/goproxy (scripts/wheelhouse.sh), no
    checksum database, no toolchain download; the module's own hash checked before the build."""
    (build,) = [args for word, args in instructions(REPO / "deploy" / "images" / "minio.Dockerfile")
                if word == "RUN" and "go install" in args]
    assert "--mount=type=bind,source=deploy/prepared/goproxy,target=/goproxy" in build
    assert build.index('"$sum" != "$MINIO_SUM"') < build.index("go install")
    env = dict(pair.split("=", 1) for word, args in instructions(REPO / "deploy" / "images" / "minio.Dockerfile")
               if word == "ENV" and "GOPROXY" in args for pair in args.split())
    assert env["GOPROXY"] == "file:///goproxy" and env["GOSUMDB"] == "off" and env["GOTOOLCHAIN"] == "local"
    assert "-mod=readonly" in env["GOFLAGS"]
