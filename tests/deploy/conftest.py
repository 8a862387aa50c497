"""tests/deploy: the deployment files checked offline (no Docker engine, no cluster): the
validators are fetched by scripts/setup.sh (tests/deploy/tools.py)."""

from __future__ import annotations

import pytest

from tests.deploy import kube, tools


@pytest.fixture(scope="session")
def deploy_tools() -> None:
    missing = tools.missing()
    if missing:
        pytest.fail(f"deploy validators missing: {', '.join(missing)}; run scripts/setup.sh")


@pytest.fixture(scope="session")
def rendered(deploy_tools) -> dict[str, list[dict]]:
    """Each overlay's documents, as `kustomize build` renders them."""
    return {name: kube.build(kube.K8S_DIR / "overlays" / name) for name in kube.OVERLAYS}
