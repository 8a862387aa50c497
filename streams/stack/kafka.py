"""Apache Kafka: one node in KRaft mode (broker + controller), run with the machine's JDK.

The jars come from Maven Central through the pinned descriptor ``deploy/local/kafka/pom.xml``
and are cached in ``<cache_dir>/kafka-<version>/libs``. Storage is formatted on the first start
only; later starts reuse the log directory, so messages survive `down`/`up`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import subprocess
import uuid
from base64 import urlsafe_b64encode
from pathlib import Path

from streams.errors import ComponentFailed, FetchFailed, MissingDependency
from streams.settings import project_root
from streams.stack.component import Component, Say, require_program
from streams.stack.process import ProcessSpec

DESCRIPTOR_DIR = project_root() / "deploy" / "local" / "kafka"
JRE_HINT = "apt-get install -y openjdk-17-jre-headless (or set CLIPSTREAM_JAVA to a java binary)"


def pinned_version() -> str:
    pom = (DESCRIPTOR_DIR / "pom.xml").read_text()
    match = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    if not match:
        raise ComponentFailed("kafka", f"no <kafka.version> in {DESCRIPTOR_DIR / 'pom.xml'}")
    return match.group(1)


def new_cluster_id() -> str:
    """A random KRaft cluster id: 16 bytes, URL-safe base64 without padding.

    Like Kafka's own ``Uuid.randomUuid``, it never starts with ``-``, which a
    command-line parser would read as an option (a 1-in-64 flake otherwise).
    """
    while True:
        cluster_id = urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class Kafka(Component):
    name = "kafka"
    stop_timeout = 60.0

    def ports(self) -> list[int]:
        return [self.settings.kafka_port, self.settings.kafka_controller_port]

    def port_setting(self) -> str:
        return "CLIPSTREAM_KAFKA_PORT / CLIPSTREAM_KAFKA_CONTROLLER_PORT"

    @property
    def libs_dir(self) -> Path:
        return self.settings.cache_dir / f"kafka-{pinned_version()}" / "libs"

    def java(self) -> str:
        if self.settings.java:
            if not os.access(self.settings.java, os.X_OK):
                raise MissingDependency(
                    self.name, f"CLIPSTREAM_JAVA={self.settings.java} is not executable; {JRE_HINT}"
                )
            return self.settings.java
        home = os.environ.get("JAVA_HOME")
        if home and os.access(Path(home) / "bin" / "java", os.X_OK):
            return str(Path(home) / "bin" / "java")
        return require_program(self.name, "java", JRE_HINT)

    def install(self, say: Say) -> None:
        self.java()
        done = self.libs_dir.parent / ".complete"
        if done.exists():
            return
        mvn = require_program(self.name, "mvn", "apt-get install -y maven")
        cache = self.settings.cache_dir
        cache.mkdir(parents=True, exist_ok=True)
        settings_xml = cache / "maven-settings.xml"
        # A repository named in the settings mirrors every other; none: Maven's own configuration
        # (~/.m2/settings.xml, its built-in default) decides, so a company mirror set there works.
        where = self.settings.maven_repo_url or "Maven's configured repository"
        if self.settings.maven_repo_url:
            settings_xml.write_text(
                "<settings><mirrors><mirror><id>clipstream-mirror</id><mirrorOf>*</mirrorOf>"
                f"<url>{self.settings.maven_repo_url}</url></mirror></mirrors></settings>\n"
            )
        else:
            settings_xml.unlink(missing_ok=True)
        tmp = self.libs_dir.with_name("libs.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        say(f"{self.name}: resolving Kafka {pinned_version()} jars from {where} (first run only)")
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                *(["-s", str(settings_xml)] if self.settings.maven_repo_url else []),
                f"-Dmaven.repo.local={cache / 'm2'}",
                "-f",
                str(DESCRIPTOR_DIR / "pom.xml"),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={tmp}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            output = (result.stdout + result.stderr).splitlines()
            lines = [line for line in output if "ERROR" in line] or ["(no output)"]
            raise FetchFailed(
                self.name,
                f"could not resolve Kafka's jars from {where}: {lines[0].strip()[:300]} "
                "- check that the Maven registry is reachable (or CLIPSTREAM_MAVEN_REPO_URL), then run `up` again",
            )
        shutil.rmtree(self.libs_dir, ignore_errors=True)
        tmp.rename(self.libs_dir)
        done.write_text(pinned_version())

    @property
    def config_path(self) -> Path:
        return self.data_dir / "server.properties"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "data"

    def _write_config(self) -> None:
        s = self.settings
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{s.kafka_controller_port}",
            "listeners": f"PLAINTEXT://127.0.0.1:{s.kafka_port},CONTROLLER://127.0.0.1:{s.kafka_controller_port}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{s.kafka_port}",
            "controller.listener.names": "CONTROLLER",
            "inter.broker.listener.name": "PLAINTEXT",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.log_dir),
            "num.partitions": str(s.kafka_partitions),
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "8",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "auto.create.topics.enable": "true",
            "log.retention.hours": "168",
            "message.max.bytes": str(8 * 1024 * 1024),
        }
        self.config_path.write_text("".join(f"{k}={v}\n" for k, v in props.items()))

    def prepare(self, say: Say) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._write_config()
        if (self.log_dir / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        say(f"{self.name}: formatting KRaft storage (cluster {cluster_id})")
        result = subprocess.run(
            [
                self.java(),
                "-Xmx256m",
                *self._log_flags(),
                "-cp",
                f"{self.libs_dir}/*",
                "kafka.tools.StorageTool",
                "format",
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.config_path),
            ],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise ComponentFailed(
                self.name, f"formatting storage failed: {(result.stderr or result.stdout).strip()[-400:]}"
            )

    def _log_flags(self) -> list[str]:
        logs = self.settings.data_dir / "logs" / "kafka"
        logs.mkdir(parents=True, exist_ok=True)
        return [f"-Dkafka.logs.dir={logs}", f"-Dlog4j.configuration=file:{DESCRIPTOR_DIR / 'log4j.properties'}"]

    def spec(self) -> ProcessSpec:
        argv = [
            self.java(),
            "-Xms256m",
            "-Xmx768m",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            *self._log_flags(),
            "-cp",
            f"{self.libs_dir}/*",
            "kafka.Kafka",
            str(self.config_path),
        ]
        return ProcessSpec(argv=argv, log_path=self.log_path, marker=str(self.config_path))

    def probe(self) -> bool:
        return asyncio.run(_metadata_ok(self.settings.kafka_bootstrap))

    def version(self) -> str:
        return pinned_version()


async def _metadata_ok(bootstrap: str) -> bool:
    """Ready means a metadata request from aiokafka succeeds and names a broker."""
    from aiokafka.client import AIOKafkaClient

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "connection refused" is expected while starting
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=3000, metadata_max_age_ms=1000)
    try:
        await client.bootstrap()
        metadata = await client.fetch_all_metadata()
        return bool(metadata.brokers())
    finally:
        await client.close()
