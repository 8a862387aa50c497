"""MinIO: the S3-compatible server, built from the Go module proxy at a pinned version.

MinIO's release tags (RELEASE.*) are not Go semantic versions, so the module proxy serves them as
pseudo-versions; we pin one. The binary is built once with ``go install`` into the cache
(``<cache_dir>/minio-<version>/minio``, ``streams.stack.golang``: nothing of the build but the
binary and the module downloads stays) and reused by every checkout. On start the server runs
offline (no update checks, no call-home) and the bucket named by the storage URL is created.
"""

from __future__ import annotations

import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from streams.stack import golang
from streams.stack.component import Component, Say
from streams.stack.process import ProcessSpec

MODULE = "github.com/minio/minio"
# RELEASE.2026-02-12 on the module proxy (newest that `go install` builds cleanly with Go 1.26).
VERSION = "v0.0.0-20260212201848-7aac2a2c5b7c"
# The module's hash as sum.golang.org records it (the h1: of its zip). The image build checks it:
# it runs offline, with no checksum database to ask (deploy/images/minio.Dockerfile).
SUM = "h1:/qdoYujxF5MBLDMVLeiYJ/7fBa1HikX39Dvzb9Ji8pA="
DEFAULT_BUCKET = "clipstream"


class MinIO(Component):
    name = "minio"

    def ports(self) -> list[int]:
        return [self.settings.minio_port, self.settings.minio_console_port]

    def port_setting(self) -> str:
        return "CLIPSTREAM_MINIO_PORT / CLIPSTREAM_MINIO_CONSOLE_PORT"

    @property
    def binary(self) -> Path:
        return self.settings.cache_dir / f"minio-{VERSION}" / "minio"

    @property
    def module_cache(self) -> Path:
        """Go's module cache for the build; its ``cache/download`` tree is a module proxy's layout,
        which scripts/wheelhouse.sh asks first when it prepares the image build's modules."""
        return golang.module_cache(self.settings.cache_dir)

    def install(self, say: Say) -> None:
        golang.build(
            self.name,
            self.binary,
            ["install", "-trimpath", "-ldflags", "-s -w", f"{MODULE}@{VERSION}"],
            cache_dir=self.settings.cache_dir,
            say=say,
            what=f"MinIO ({MODULE}@{VERSION})",
            took="a few minutes",
            gobin=self.binary.parent,
        )

    def bucket(self) -> str:
        parsed = urlparse(self.settings.storage_url)
        return parsed.netloc if parsed.scheme == "s3" and parsed.netloc else DEFAULT_BUCKET

    def spec(self) -> ProcessSpec:
        s = self.settings
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            str(self.binary),
            "server",
            str(self.data_dir / "data"),
            "--address",
            f"127.0.0.1:{s.minio_port}",
            "--console-address",
            f"127.0.0.1:{s.minio_console_port}",
            "--quiet",
        ]
        env = {
            "MINIO_ROOT_USER": s.s3_access_key,
            "MINIO_ROOT_PASSWORD": s.s3_secret_key,
            "MINIO_UPDATE": "off",
            "MINIO_CALLHOME_ENABLE": "off",
            "MINIO_BROWSER": "off",
            "MINIO_CI_CD": "1",
            "HOME": str(self.data_dir),
        }
        return ProcessSpec(argv=argv, log_path=self.log_path, env=env, marker=f"127.0.0.1:{s.minio_port}")

    def probe(self) -> bool:
        url = f"{self.settings.s3_endpoint_url}/minio/health/ready"
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200

    def after_ready(self, say: Say) -> None:
        from streams.adapters.storage import S3Storage

        S3Storage(self.bucket(), "", self.settings).ensure_bucket()

    def version(self) -> str:
        return VERSION

    def url(self) -> str | None:
        return self.settings.s3_endpoint_url
