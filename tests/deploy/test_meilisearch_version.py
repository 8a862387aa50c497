"""The Meilisearch release the deployments run is the one the tests run against."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.meilisearch_server import meilisearch_binary

REPO = Path(__file__).resolve().parents[2]
PINNED = ("deploy/compose/compose.yaml", "deploy/k8s/base/meilisearch.yaml", "deploy/compose/README.md")


def test_every_deployment_pins_the_meilisearch_release_the_tests_run():
    binary = meilisearch_binary()
    if binary is None:
        pytest.skip("no Meilisearch binary (CLIPSTREAM_MEILISEARCH_BIN or ../shared/tools/meilisearch) to compare with")
    answer = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=True).stdout
    tested = re.search(r"meilisearch (\d+\.\d+\.\d+)", answer).group(1)
    for name in PINNED:
        tags = re.findall(r"getmeili/meilisearch:v([\w.]+)", (REPO / name).read_text())
        assert tags and set(tags) == {tested}, (name, tags, tested)
