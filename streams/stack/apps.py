"""The application processes: the API server and the Faust worker, started by `up --app`."""

from __future__ import annotations

import sys
import urllib.request

from streams.settings import project_root
from streams.stack.component import Component
from streams.stack.process import ProcessSpec


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


class Api(Component):
    name = "api"
    ready_timeout = 60.0

    def ports(self) -> list[int]:
        return [self.settings.api_port]

    def spec(self) -> ProcessSpec:
        s = self.settings
        argv = [sys.executable, "-m", "api", "--host", s.api_host, "--port", str(s.api_port)]
        return ProcessSpec(argv=argv, log_path=self.log_path, env=s.as_env(), cwd=project_root(),
                           marker=f"--port {s.api_port}")

    def probe(self) -> bool:
        return _http_ok(f"{self.settings.api_url}/healthz")

    def url(self) -> str | None:
        return self.settings.api_url

    def version(self) -> str:
        from streams import __version__

        return __version__


class Worker(Component):
    name = "worker"
    ready_timeout = 120.0

    def ports(self) -> list[int]:
        return [self.settings.worker_port]

    def spec(self) -> ProcessSpec:
        s = self.settings
        argv = [sys.executable, "-m", "streams.worker", "--web-port", str(s.worker_port)]
        return ProcessSpec(argv=argv, log_path=self.log_path, env=s.as_env(), cwd=project_root(),
                           marker=f"--web-port {s.worker_port}")

    def probe(self) -> bool:
        return _http_ok(f"http://127.0.0.1:{self.settings.worker_port}/healthz")

    def version(self) -> str:
        from streams import __version__

        return __version__
