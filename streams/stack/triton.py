"""Triton Inference Server from the ``nvidia-pytriton`` wheel, serving models/triton_repo/.

The wheel ships ``tritonserver``, the Python backend and one backend stub per Python version. We
lay out a backend directory with the stub for this interpreter (as pytriton itself does), put the
venv's ``bin`` first on PATH so the stub (linked against Debian's libpython3.11) finds the venv's
packages, and point LD_LIBRARY_PATH at the wheel's bundled libraries.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import urllib.request
from importlib import metadata
from pathlib import Path

from streams.errors import MissingDependency
from streams.services.triton_stubs import instances, loaded_configs, processes, without_stub
from streams.settings import project_root
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec


def _pytriton_dir() -> Path:
    try:
        import pytriton
    except ImportError:
        raise MissingDependency(
            "triton", "the nvidia-pytriton package is not installed; run: .venv/bin/pip install -e ."
        ) from None
    return Path(pytriton.__file__).parent


def http_get_json(url: str, method: str = "GET", timeout: float = 2.0):
    req = urllib.request.Request(url, method=method, data=b"{}" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        body = resp.read()
        return resp.status, (json.loads(body) if body else None)


class Triton(Component):
    name = "triton"
    ready_timeout = 180.0

    def ports(self) -> list[int]:
        s = self.settings
        return [s.triton_grpc_port, s.triton_http_port, s.triton_metrics_port]

    def port_setting(self) -> str:
        return "CLIPSTREAM_TRITON_GRPC_PORT / _HTTP_PORT / _METRICS_PORT"

    @property
    def server_dir(self) -> Path:
        return self.data_dir / "server"

    def install(self, say: Say) -> None:
        dist = _pytriton_dir() / "tritonserver"
        version = f"{sys.version_info[0]}.{sys.version_info[1]}"
        stub = dist / "python_backend_stubs" / version / "triton_python_backend_stub"
        if not stub.exists():
            raise MissingDependency("triton", f"nvidia-pytriton has no Python backend stub for Python {version}")
        backends = self.server_dir / "backends"
        if not (backends / "python" / "triton_python_backend_stub").exists():
            shutil.rmtree(self.server_dir, ignore_errors=True)
            shutil.copytree(dist / "backends", backends)
            shutil.copy(stub, backends / "python" / "triton_python_backend_stub")
        if not Path("/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0").exists():
            raise MissingDependency(
                "triton",
                "Debian's libpython3.11 is missing (the backend stub links it); apt-get install -y libpython3.11",
            )

    def spec(self) -> ProcessSpec:
        s = self.settings
        pytriton_dir = _pytriton_dir()
        libs = pytriton_dir.parent / "nvidia_pytriton.libs"
        venv_bin = Path(sys.executable).parent
        binary = pytriton_dir / "tritonserver" / "bin" / "tritonserver"
        argv = [
            str(binary),
            f"--model-repository={s.triton_model_repo}",
            f"--backend-directory={self.server_dir / 'backends'}",
            f"--cache-directory={self.server_dir / 'caches'}",
            f"--http-port={s.triton_http_port}",
            f"--grpc-port={s.triton_grpc_port}",
            f"--metrics-port={s.triton_metrics_port}",
            "--http-address=127.0.0.1",
            "--grpc-address=127.0.0.1",
            "--allow-cpu-metrics=true",
            "--exit-on-error=true",
            "--strict-readiness=true",
            "--log-verbose=0",
        ]
        env = {
            "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "LD_LIBRARY_PATH": ":".join(p for p in (str(libs), os.environ.get("LD_LIBRARY_PATH", "")) if p),
            "PYTHONPATH": str(project_root()),
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
        }
        return ProcessSpec(argv=argv, log_path=self.log_path, env=env, marker=f"--http-port={s.triton_http_port}")

    def models(self) -> list[dict]:
        _, index = http_get_json(f"{self.settings.triton_http_url}/v2/repository/index", method="POST")
        return index or []

    def probe(self) -> bool:
        status, _ = http_get_json(f"{self.settings.triton_http_url}/v2/health/ready")
        if status != 200:
            return False
        ready = {m["name"] for m in self.models() if m.get("state") == "READY"}
        return self._expected() <= ready

    def health(self, pid: int) -> tuple[bool, str]:
        """Up only when every model of the repository is loaded and every Python-backend model
        instance has its stub too: Triton does not start one that died and still answers ready
        (``streams.services.triton_stubs``). One read of the server's index serves both."""
        try:
            configs = loaded_configs(self.settings.triton_http_url)
        except (OSError, ValueError):  # not answering, or not ready yet
            return False, ""
        if not self._expected() <= configs.keys():
            return False, ""
        dead = without_stub(instances(configs), processes(), pid)
        if dead:
            return False, f"no live stub for {', '.join(dead)}: clipstream stack down --only triton, then up"
        return True, ""

    def _expected(self) -> set[str]:
        """The models of the repository (a folder with a ``config.pbtxt``)."""
        return {p.name for p in Path(self.settings.triton_model_repo).iterdir() if (p / "config.pbtxt").exists()}

    def version(self) -> str:
        try:
            _, meta = http_get_json(f"{self.settings.triton_http_url}/v2", timeout=1.0)
            return f"{meta['version']}"
        except Exception:
            try:
                return f"nvidia-pytriton {metadata.version('nvidia-pytriton')}"
            except metadata.PackageNotFoundError:
                return ""

    def url(self) -> str | None:
        return self.settings.triton_http_url
