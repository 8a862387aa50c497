"""The local stack's settings (``clipstream stack``, the tests): where it keeps its data, the ports
its servers listen on, and the tools it builds or finds them with. A deployment that points every
client at its own services (``streams.settings.services``) needs none of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from streams.settings.env import project_root


@dataclass(frozen=True)
class StackSettings:
    """Attributes:
    data_dir: where every local component keeps its data, logs and pid files.
    kafka_port / kafka_controller_port: the local broker's client and KRaft controller ports.
    triton_http_port / triton_grpc_port / triton_metrics_port: the local Triton's ports.
    postgres_port: the local PostgreSQL's port.
    minio_port / minio_console_port: the local MinIO's ports.
    meilisearch_bin: the Meilisearch server binary the local stack runs (empty: ``meilisearch``
        on PATH; none found and no ``meilisearch_url``: the stack runs none).
    meilisearch_port: where the local stack's Meilisearch listens.
    identity_provider: run an OpenID provider in the local stack (Ory Hydra, built from the Go
        module proxy, with the people directory it signs in against; ``streams.stack.hydra``) and
        point the API's single sign-on at it.
    hydra_public_port / hydra_admin_port: the local Hydra's public (OpenID) and admin ports.
    directory_port: where the local provider's login and consent app listens.
    stripe_mock: run stripe-mock, Stripe's own test server, in the local stack and point billing at
        it (``streams.stack.stripe_mock``).
    stripe_mock_port: where the local stripe-mock listens.
    cache_dir: downloaded jars and built binaries, shared by every checkout on the machine.
    pg_bindir: PostgreSQL server binaries; empty means find them (/usr/lib/postgresql/*/bin).
    java: the Java runtime for Kafka; empty means ``java`` on PATH (or $JAVA_HOME/bin/java).
    maven_repo_url: a Maven repository Kafka's jars come from, mirroring every other; empty means
        Maven's own configuration (``~/.m2/settings.xml``, else its default repository).
    """

    data_dir: Path = field(default_factory=lambda: project_root() / ".local")
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    triton_http_port: int = 18000
    triton_grpc_port: int = 18001
    triton_metrics_port: int = 18002
    postgres_port: int = 15432
    minio_port: int = 19000
    minio_console_port: int = 19001
    meilisearch_bin: str = ""
    meilisearch_port: int = 17700
    identity_provider: bool = False
    hydra_public_port: int = 14444
    hydra_admin_port: int = 14445
    directory_port: int = 14446
    stripe_mock: bool = False
    stripe_mock_port: int = 12111
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "clipstream")
    pg_bindir: str = ""
    java: str = ""
    maven_repo_url: str = ""
