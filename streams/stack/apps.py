"""The application processes: the API server and the Faust worker, started by `up --app`.

Both are this project's own Python modules run with the venv's interpreter, configured by the
same settings passed down as environment variables (pointed at the stack's Meilisearch and its
OpenID provider and stripe-mock when it runs them), and ready when ``/healthz`` answers.
"""

from __future__ import annotations

import sys
import urllib.request

from streams import __version__
from streams.settings import Settings, project_root
from streams.stack import hydra, meilisearch, stripe_mock
from streams.stack.component import Component
from streams.stack.process import ProcessSpec


class AppProcess(Component):
    """A ``python -m <module> <port flag> <port>`` process of this project."""

    module = ""
    port_flag = ""
    ready_timeout = 120.0

    def port(self) -> int:
        raise NotImplementedError

    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port()}"

    def ports(self) -> list[int]:
        return [self.port()]

    def extra_args(self) -> list[str]:
        return []

    def spec(self) -> ProcessSpec:
        argv = [sys.executable, "-m", self.module, *self.extra_args(), self.port_flag, str(self.port())]
        return ProcessSpec(
            argv=argv,
            log_path=self.log_path,
            env=stripe_mock.connect(hydra.connect(meilisearch.connect(self.settings))).as_env(),
            cwd=project_root(),
            marker=" ".join(argv[1:]),
        )

    def probe(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.base_url()}/healthz", timeout=2) as resp:
                return resp.status == 200
        except OSError:
            return False

    def version(self) -> str:
        return __version__


class Api(AppProcess):
    name = "api"
    module = "api"
    port_flag = "--port"
    ready_timeout = 60.0

    def port(self) -> int:
        return self.settings.api_port

    def extra_args(self) -> list[str]:
        return ["--host", self.settings.api_host]

    def base_url(self) -> str:
        return self.settings.api_url

    def url(self) -> str | None:
        return self.settings.api_url


class Worker(AppProcess):
    """The Faust worker. Stopped with SIGTERM to its process group (only the worker: its children
    run in groups of their own), it lets the work in hand finish for its grace period
    (``worker_stop_grace_seconds``) and then leaves its consumer groups, so SIGKILL waits that
    long and ``STOP_MARGIN_SECONDS`` more."""

    name = "worker"
    module = "streams.worker"
    port_flag = "--web-port"

    STOP_MARGIN_SECONDS = 25.0

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.stop_timeout = max(Component.stop_timeout, settings.worker_stop_grace_seconds + self.STOP_MARGIN_SECONDS)

    def port(self) -> int:
        return self.settings.worker_port
