"""`clipstream stack` runs Meilisearch when it is given a binary: data under the data directory, a
generated master key kept with the stack's credentials (never on the command line), an
admin-scoped API key for the application that the API and the worker are handed, the same keys
and documents after a restart, and no Meilisearch at all (the embedded index) without a binary.

The real CLI in subprocesses, against a private data directory and a free port, with the test
binary (``tests.meilisearch_server``); it fails, never skips, when that binary is missing.
"""

from __future__ import annotations

import dataclasses
import json
import os
import stat
import uuid

import httpx
import pytest

from streams.stack.credentials import credentials_path
from streams.search import open_index
from streams.search.documents import SentenceDoc
from streams.search.meili import MeiliIndex
from streams.settings import project_root
from streams.stack import supervisor
from streams.stack.apps import Api, Worker
from streams.stack.meilisearch import APP_KEY_UID, connect
from streams.stack.process import cmdline, is_running
from tests.conftest import fresh_stack_settings
from tests.integration.test_stack_cli import run_cli
from tests.meilisearch_server import meilisearch_binary

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def binary():
    found = meilisearch_binary()
    if found is None:
        pytest.fail("no Meilisearch binary: set CLIPSTREAM_MEILISEARCH_BIN (or provide "
                    "../shared/tools/meilisearch/meilisearch)")
    return found


@pytest.fixture(scope="module")
def meili_stack(binary):
    data_dir = project_root() / ".local" / f"test-meili-{uuid.uuid4().hex[:8]}"
    settings = fresh_stack_settings(data_dir, meilisearch_bin=str(binary), search_backend="auto", meilisearch_url="",
                                    meilisearch_key="")
    yield settings
    run_cli(settings, "stack", "down")
    supervisor.purge(settings)


def _saved(settings) -> dict:
    return json.loads(credentials_path(settings).read_text())


def _doc(n: int) -> SentenceDoc:
    return SentenceDoc(id=f"v-stack-0-{n}", tenant_id="t-stack", video_id="v-stack", filename="talk.mp4",
                       chunk_index=0, position=n, start=float(n), end=n + 1.0, language="en",
                       text=f"the lighthouse keeper counted {n} ships")


def test_the_stack_runs_meilisearch_with_its_own_keys_and_hands_them_to_the_apps(meili_stack, binary):
    s = meili_stack
    up = run_cli(s, "stack", "up", "--only", "meilisearch")
    assert up.returncode == 0, up.stderr
    assert "meilisearch: generated a master key" in up.stdout and "meilisearch: ready" in up.stdout
    assert f"made the application's API key (uid {APP_KEY_UID})" in up.stdout

    saved = _saved(s)
    master, app_key = saved["meilisearch_master_key"], saved["meilisearch_key"]
    assert len(master) >= 32 and app_key and app_key != master
    assert stat.S_IMODE(credentials_path(s).stat().st_mode) == 0o600
    status = json.loads(run_cli(s, "stack", "status", "--json").stdout)["components"]["meilisearch"]
    version = os.popen(f"{binary} --version").read().split()[-1]
    assert status["up"] and status["version"] == version and status["port"] == s.meilisearch_port
    assert status["data_dir"] == str(s.data_dir / "meilisearch") and (s.data_dir / "meilisearch" / "data.ms").is_dir()
    assert master not in cmdline(status["pid"])  # it travels in the environment

    url = status["url"]
    assert httpx.get(f"{url}/keys", timeout=5).status_code == 401  # production mode: a key is required
    app = httpx.get(f"{url}/keys/{APP_KEY_UID}", headers={"Authorization": f"Bearer {master}"}, timeout=5).json()
    assert app["key"] == app_key and app["actions"] == ["*"] and app["indexes"] == ["*"] and app["expiresAt"] is None

    # The API and the worker are handed the stack's Meilisearch and the application key...
    for component in (Api(s), Worker(s)):
        env = component.spec().env
        assert (env["CLIPSTREAM_MEILISEARCH_URL"], env["CLIPSTREAM_MEILISEARCH_KEY"]) == (url, app_key)
    # Handed over without touching anything else a caller set (an S3 store, another Triton).
    custom = dataclasses.replace(s, storage_url="s3://clips/here", triton_grpc_url="127.0.0.1:9")
    handed = connect(custom)
    assert (handed.storage_url, handed.triton_grpc_url, handed.meilisearch_key) == ("s3://clips/here", "127.0.0.1:9",
                                                                                    app_key)
    # ...which can do what the application does: index, search, and sign tenant tokens.
    index = open_index(connect(s))
    try:
        assert isinstance(index, MeiliIndex)
        assert index.upsert([_doc(n) for n in range(3)]) == 3
        assert [h.video_id for h in index.search("t-stack", "lighthouse keeper")][:1] == ["v-stack"]
        assert index.tenant_token("t-stack")["token"]
    finally:
        index.close()
    # Asked for the embedded index, the apps get no Meilisearch even though the stack runs one.
    embedded = s.with_overrides(search_backend="embedded")
    assert "CLIPSTREAM_MEILISEARCH_KEY" not in {k for k, v in Api(embedded).spec().env.items() if v}
    assert open_index(connect(embedded)).backend == "sqlite"


def test_a_restart_keeps_the_keys_and_the_documents(meili_stack):
    s = meili_stack
    assert run_cli(s, "stack", "up", "--only", "meilisearch").returncode == 0
    before = _saved(s)
    pid = json.loads(run_cli(s, "stack", "status", "--json").stdout)["components"]["meilisearch"]["pid"]
    down = run_cli(s, "stack", "down", "--only", "meilisearch")
    assert down.returncode == 0 and not is_running(pid), down.stderr
    assert connect(s).meilisearch_url == ""  # not running: nothing to hand out

    again = run_cli(s, "stack", "up", "--only", "meilisearch")
    assert again.returncode == 0, again.stderr
    assert "generated" not in again.stdout and "made the application's API key" not in again.stdout
    assert _saved(s) == before
    index = open_index(connect(s))
    try:
        assert index.count("t-stack") == 3
    finally:
        index.close()


def test_without_a_binary_there_is_no_meilisearch_and_search_is_embedded(tmp_path):
    s = fresh_stack_settings(tmp_path / "stack", meilisearch_bin="", meilisearch_url="", search_backend="auto")
    no_meili_on_path = {"PATH": "/usr/bin:/bin"}
    status = run_cli(s, "stack", "status", "--json", extra_env=no_meili_on_path)
    assert "meilisearch" not in json.loads(status.stdout)["components"]
    assert connect(s) is s and open_index(s).backend == "sqlite"
    # Asking for Meilisearch without one is an error that says what to set.
    insisted = run_cli(s.with_overrides(search_backend="meilisearch"), "stack", "up", "--only", "meilisearch",
                       extra_env=no_meili_on_path)
    assert insisted.returncode == 2
    assert "meilisearch: no Meilisearch server binary" in insisted.stderr
    assert "CLIPSTREAM_MEILISEARCH_BIN" in insisted.stderr


def test_a_binary_that_is_not_there_is_named(tmp_path):
    s = fresh_stack_settings(tmp_path / "stack", meilisearch_bin=str(tmp_path / "nope"), meilisearch_url="")
    result = run_cli(s, "stack", "up", "--only", "meilisearch")
    assert result.returncode == 2
    assert f"CLIPSTREAM_MEILISEARCH_BIN='{tmp_path / 'nope'}' is not an executable file" in result.stderr
