"""Shared fixtures: the real local stack, brought up once per test session on free ports.

Set ``CLIPSTREAM_TEST_REUSE_STACK=1`` to run against an already running stack described by the
usual ``CLIPSTREAM_*`` environment (e.g. one started with `clipstream stack up`); it is then left
running. Otherwise the session starts its own stack in ``.local/test-<id>/`` and removes it after.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
import uuid
from pathlib import Path

import pytest

from streams.settings import Settings, project_root
from streams.stack import supervisor
from streams.stack.process import free_port
from tests.meilisearch_server import Meili, MeilisearchServer, meilisearch_binary
from tests.suite_time import pytest_runtest_logreport, pytest_terminal_summary  # noqa: F401 (pytest's hooks)

MEDIA_DIR = Path(os.environ.get("CLIPSTREAM_MEDIA_DIR", project_root().parent / "shared" / "media"))


def fresh_stack_settings(data_dir: Path, **overrides) -> Settings:
    """Settings for a private stack in ``data_dir`` with every port free right now. It runs the
    test Meilisearch binary (``tests.meilisearch_server.meilisearch_binary``) when there is one,
    so the API and the worker search with Meilisearch."""
    base = Settings.from_env()
    ports = {
        name: free_port()
        for name in (
            "kafka_port", "kafka_controller_port", "postgres_port", "minio_port", "minio_console_port",
            "triton_http_port", "triton_grpc_port", "triton_metrics_port", "api_port", "worker_port",
            "meilisearch_port", "hydra_public_port", "hydra_admin_port", "directory_port", "stripe_mock_port",
        )
    }
    binary = meilisearch_binary()
    search = {"meilisearch_bin": str(binary)} if binary else {}
    return base.with_overrides(data_dir=data_dir, clickhouse_path=None, **ports, **{**search, **overrides})


def _reporter(config):
    """Print straight to the terminal even while pytest captures output (start-up progress)."""
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(message: str) -> None:
        if capture is None:
            print(message, flush=True)
            return
        with capture.global_and_fixture_disabled():
            print(message, flush=True)

    return say


@pytest.fixture(scope="session")
def media_dir() -> Path:
    if not MEDIA_DIR.is_dir():
        pytest.fail(f"test media not found at {MEDIA_DIR}; set CLIPSTREAM_MEDIA_DIR")
    return MEDIA_DIR


@pytest.fixture(scope="session")
def stack(request) -> Settings:
    """A running stack (Kafka, PostgreSQL, MinIO, Triton, embedded ClickHouse)."""
    say = _reporter(request.config)
    if os.environ.get("CLIPSTREAM_TEST_REUSE_STACK") == "1":
        settings = Settings.from_env()
        down = [s.name for s in supervisor.status(settings) if not s.up and s.name not in ("api", "worker")]
        if down:
            pytest.fail(f"CLIPSTREAM_TEST_REUSE_STACK=1 but these components are down: {', '.join(down)}")
        say(f"stack: reusing the running stack in {settings.data_dir}")
        yield settings
        return
    data_dir = project_root() / ".local" / f"test-{uuid.uuid4().hex[:8]}"
    settings = fresh_stack_settings(data_dir)
    say(f"stack: starting a private stack in {data_dir}")
    try:
        supervisor.up(settings, say)
        yield settings
    finally:
        supervisor.down(settings, say)
        supervisor.purge(settings)


@pytest.fixture(scope="session")
def meilisearch(tmp_path_factory) -> Meili:
    """A Meilisearch server: the one ``CLIPSTREAM_MEILISEARCH_URL`` (and ``_KEY``) names, else a real
    one this session starts (``tests.meilisearch_server``: ``CLIPSTREAM_MEILISEARCH_BIN`` or
    ``../shared/tools/meilisearch/meilisearch``) on a free port with a random master key, stopped
    at the end. Skipped, saying why, only when there is neither a URL nor a binary."""
    url = os.environ.get("CLIPSTREAM_MEILISEARCH_URL", "")
    if url:
        yield Meili(url.rstrip("/"), os.environ.get("CLIPSTREAM_MEILISEARCH_KEY", ""), started=False)
        return
    binary = meilisearch_binary()
    if binary is None:
        pytest.skip("no Meilisearch server: CLIPSTREAM_MEILISEARCH_URL is empty and there is no binary "
                    "(CLIPSTREAM_MEILISEARCH_BIN, or ../shared/tools/meilisearch/meilisearch)")
    with MeilisearchServer(binary, tmp_path_factory.mktemp("meilisearch")) as server:
        yield server.meili()


class Pipeline:
    """The API and the worker running against the test stack, and a client for the API."""

    def __init__(self, settings: Settings, say) -> None:
        from streams.cli.client import Client
        from streams.stack.credentials import api_key_for, local_tenant_id
        from streams.stack.apps import Api, Worker

        self.settings = settings
        self.say = say
        self.api = Api(settings)
        self.worker = Worker(settings)
        self.client = Client(settings.api_url, api_key_for(settings), timeout=120)
        self.tenant_id = local_tenant_id(settings)

    def start(self) -> None:
        self.api.start(self.say)
        self.worker.start(self.say)

    def stop(self) -> None:
        self.client.close()
        self.worker.stop(self.say)
        self.api.stop(self.say)

    def restart(self, settings: Settings) -> None:
        """Stop the API and the worker and start them again with ``settings`` (same ports and
        stack, e.g. another search backend)."""
        from streams.stack.apps import Api, Worker

        self.worker.stop(self.say)
        self.api.stop(self.say)
        self.settings = settings
        self.api = Api(settings)
        self.worker = Worker(settings)
        self.start()
        # The new worker issues the analytics token when it has opened the engine, a moment after it
        # is ready; until then the API holds the old worker's token and the report is a 503.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if self.client.call("GET", "/v1/analytics") is not None:
                    break
            except Exception:
                time.sleep(0.5)

    @contextlib.contextmanager
    def swapped(self, part: str, settings: Settings):
        """The session's ``part`` (``"api"`` or ``"worker"``) stopped, and one with ``settings`` on
        the same port and stack running in its place inside the block (yielded); the session's own
        back after."""
        from streams.stack.apps import Api, Worker

        ours = getattr(self, part)
        other = {"api": Api, "worker": Worker}[part](settings)
        ours.stop(self.say)
        try:
            other.start(self.say)
            yield other
        finally:
            other.stop(self.say)
            ours.start(self.say)

    @contextlib.contextmanager
    def searching_with(self, backend: str, request):
        """The API and the worker on search ``backend`` (``embedded`` or ``meilisearch``: the
        stack's own when it runs one, else the session's test server) inside the block; back as
        they were after. Restarts them only when they are not on it already."""
        from streams.stack.meilisearch import connect

        original = self.settings
        on_meilisearch = bool(connect(original).meilisearch_url)
        if backend == "embedded":
            wanted = dataclasses.replace(original, search_backend="embedded") if on_meilisearch else original
        elif on_meilisearch:
            wanted = original
        else:
            server = request.getfixturevalue("meilisearch")
            wanted = dataclasses.replace(original, meilisearch_url=server.url, meilisearch_key=server.key)
        if wanted is not original:
            self.restart(wanted)
        try:
            yield self
        finally:
            if wanted is not original:
                self.restart(original)

    def process(self, path: Path, timeout: float = 900, **options) -> dict:
        """Submit ``path`` and wait until it completes or fails; the final video state."""
        video_id = self.client.submit(path, **options)["video_id"]
        return self.client.wait(video_id, timeout=timeout)

    def clip_file(self, clip: dict, kind: str) -> Path:
        """Where one of a clip's files lies in the stack's storage (a directory): the API's answers
        name no storage path, so a test finds the file as the CLI does."""
        from streams.adapters.storage import FileStorage, clip_file_key, open_storage
        from streams.domain.clip import CLIP_SUFFIXES

        storage = open_storage(self.settings)
        assert isinstance(storage, FileStorage), "the test stack keeps media on local disk"
        return storage.local_path(
            clip_file_key(self.tenant_id, clip["video_id"], clip["clip_id"], CLIP_SUFFIXES[kind]))

    def wait_for_clip(self, video_id: str, clip_id: str, timeout: float = 300) -> dict:
        """The clip once it joins the video's clips (a re-render, a clip made from a span)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            clips = {c["clip_id"]: c for c in self.client.clips(video_id)["clips"]}
            if clip_id in clips:
                return clips[clip_id]
            time.sleep(1)
        raise AssertionError(f"clip {clip_id} of video {video_id} never appeared")


@pytest.fixture(scope="session")
def mailbox():
    """The session's SMTP server (aiosmtpd): where the API mails invitations."""
    from tests.mailbox import Mailbox

    with Mailbox() as box:
        yield box


@pytest.fixture(scope="session")
def pipeline(stack, mailbox, request) -> Pipeline:
    """The whole pipeline (API + Faust worker) on the session's stack. Clips are encoded with
    libx264's ``ultrafast`` preset to spare the test machine's two cores; 127.0.0.1 is exempt from
    the private-address guard so that tests can serve source URLs and receive webhooks locally
    (other loopback names and addresses are still refused); mail goes to the session's ``mailbox``;
    single sign-on goes through the stack's OpenID provider (``identity_provider``)."""
    from streams.stack import hydra, stripe_mock

    settings = stack.with_overrides(render_preset="ultrafast", webhook_allowed_hosts="127.0.0.1",
                                    smtp_url=mailbox.url)
    # single sign-on through the stack's OpenID provider, which `identity_provider` starts when a
    # test first needs it (the API reads the provider's discovery document on first use)
    settings = hydra.connect(dataclasses.replace(settings, identity_provider=True))
    # billing through the stack's stripe-mock, which `stripe_mock` starts when a test first needs
    # it (nothing reaches Stripe until a workspace has a customer, which only a checkout makes); the
    # worker's own reporting waits an hour between rounds, so the billing tests' rounds are theirs
    settings = stripe_mock.connect(dataclasses.replace(settings, stripe_mock=True, billing_report_seconds=3600.0))
    running = Pipeline(settings, _reporter(request.config))
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def identity_provider(pipeline, request):
    """The stack's OpenID provider: Ory Hydra, built from the Go module proxy on first use, and its
    people directory (``streams.stack.directory.add_person``), with the pipeline's API registered
    as a client. Started once, when a test first asks; stopped with the stack."""
    from streams.stack.directory import Directory
    from streams.stack.hydra import Hydra

    from concurrent.futures import ThreadPoolExecutor

    say = _reporter(request.config)
    # In a thread: starting runs asyncio.run, and a browser test's Playwright keeps a loop running here.
    with ThreadPoolExecutor(1) as thread:
        for part in (Hydra(pipeline.settings), Directory(pipeline.settings)):
            thread.submit(part.start, say).result()
    return pipeline.settings


@pytest.fixture(scope="session")
def stripe_mock(pipeline, request):
    """Stripe's own test server (stripe-mock, built from the Go module proxy on first use), which
    the pipeline's billing is pointed at. Started once, when a test first asks; stopped with the stack."""
    from concurrent.futures import ThreadPoolExecutor

    from streams.stack.stripe_mock import StripeMock

    with ThreadPoolExecutor(1) as thread:
        thread.submit(StripeMock(pipeline.settings).start, _reporter(request.config)).result()
    return pipeline.settings


@pytest.fixture(scope="session")
def built_media(tmp_path_factory) -> Path:
    """Where test inputs built from ``../shared/media`` are written, once per session."""
    return tmp_path_factory.mktemp("built_media")


def pytest_collection_modifyitems(config, items):
    """Tests that use the whole pipeline live in tests/pipeline (or tests/security, tests/web), which run after tests/integration:
    tests/integration/test_app_processes starts and stops the API and worker itself, so a pipeline
    started earlier (by a test sorted before it) would be taken away from every later test."""
    misplaced = sorted({item.nodeid.split("::")[0] for item in items
                        if "pipeline" in getattr(item, "fixturenames", ()) and "/pipeline/" not in item.nodeid
                        and "/web/" not in item.nodeid and "/security/" not in item.nodeid})
    if misplaced:
        raise pytest.UsageError("these use the `pipeline` fixture; move them to tests/pipeline: " + ", ".join(misplaced))


@pytest.fixture(scope="session")
def tenant_a(pipeline, media_dir) -> dict:
    """The local tenant with one processed video (a clip rendered) and a brand asset: what the
    tenancy and security tests try to reach as someone else. Made once per session."""
    from tests.security.assets import png_bytes

    video = pipeline.process(media_dir / "speech" / "jfk.wav", clip_count=1, min_seconds=5, max_seconds=15)
    assert video["status"] == "completed", video.get("error")
    clip = pipeline.client.clips(video["video_id"])["clips"][0]
    asset = pipeline.client.call("POST", "/v1/brand/assets", files={"file": ("logo.png", png_bytes(), "image/png")})
    return {"video_id": video["video_id"], "clip_id": clip["clip_id"], "video": pipeline.client.video(video["video_id"]),
            "clip": clip, "asset_id": asset["asset_id"]}


@pytest.fixture(scope="session")
def tenant_b(pipeline) -> dict:
    """A second tenant and its first (admin) key."""
    from tests.owner import new_tenant

    tenant_id, key = new_tenant(pipeline.settings, "tenant b")
    return {"tenant_id": tenant_id, "key": key}
