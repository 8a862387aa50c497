"""deploy/compose: valid against the Compose specification's JSON schema (as shipped in the
compose-go module), every variable defined, and the system the issue describes: every
component, Triton with a GPU or in the cpu profile, health checks, one-shot migrations before the
app, named volumes for state, and each agent group a scalable service of its own."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from streams.services import agent_groups
from streams.services.agent_groups import AGENT_GROUPS
from tests.deploy import compose, tools

REPO = Path(__file__).resolve().parents[2]
STORES = ("kafka", "postgres", "minio", "clickhouse", "meilisearch")


@pytest.fixture(scope="module")
def spec(deploy_tools) -> jsonschema.Validator:
    schema = json.loads(tools.compose_schema_path().read_text())
    return jsonschema.validators.validator_for(schema)(schema)


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return compose.loaded()["services"]


def _problems(validator, document) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in validator.iter_errors(document)]


def test_the_compose_file_is_valid_against_the_compose_specification(spec):
    assert _problems(spec, compose.raw()) == []
    assert _problems(spec, compose.loaded()) == []


def test_the_specification_check_can_fail(spec):
    broken = compose.loaded()
    broken["services"]["api"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["kafka"]["restart"] = ["always"]
    problems = "\n".join(_problems(spec, broken))
    assert "'intervall'" in problems and "services.kafka.restart" in problems


def test_every_variable_is_defined_in_the_env_example():
    example = compose.env_example()
    refs = [r for text in compose.strings(compose.raw()) for r in compose.references(text)]
    assert refs
    undefined = sorted({r.name for r in refs if r.name not in example and r.op not in ("-", ":-")})
    assert undefined == [], "set these in .env.example (or give them a default)"
    required = {r.name for r in refs if r.op in ("?", ":?")}
    assert required and all(example[name] == "" for name in required), "secrets are left for the user to set"
    unused = sorted(set(example) - {r.name for r in refs} - {"COMPOSE_PROFILES"})
    assert unused == []
    assert example["COMPOSE_PROFILES"] in ("gpu", "cpu")
    with pytest.raises(compose.MissingVariable, match="POSTGRES_PASSWORD"):
        compose.loaded({**example, "POSTGRES_PASSWORD": ""})


def start(service: dict) -> tuple[set[str], list[str]]:
    """What an app service's `clipstream wait NEED... --then PROGRAM` waits for, and the program."""
    command = service["command"]
    assert command[:2] == ["clipstream", "wait"] and "--then" in command, command
    cut = command.index("--then")
    return set(command[2:cut]), command[cut + 1:]


# What the API needs ready before it starts (streams.services.readiness); migrate makes the rest.
APP_NEEDS = {"kafka", "topics", "schema", "bucket"}
# The needs that are services of this file (the rest are made by migrate).
SERVICE_NEEDS = {"triton", "meilisearch", "clickhouse"}


def test_every_component_and_agent_group_is_a_service(services):
    assert {*STORES, "triton", "triton-cpu", "migrate", "api", *AGENT_GROUPS} == set(services)
    for group in AGENT_GROUPS:
        agent = services[group]
        # Every group starts the same way: `agents` is what its CLIPSTREAM_AGENTS needs.
        assert start(agent) == ({"agents"}, ["python", "-m", "streams.worker"])
        assert agent["environment"]["CLIPSTREAM_AGENTS"] == group
        # Docker Compose also orders the start on the service each need names.
        served = set(agent_groups.NEEDS[group]) & SERVICE_NEEDS
        assert served <= set(agent["depends_on"]), group
        # Scalable with --scale: no fixed container name, no host port to collide on.
        assert "container_name" not in agent and "ports" not in agent
    assert start(services["api"]) == (APP_NEEDS | {"meilisearch"}, ["python", "-m", "api"])
    kafka = services["kafka"]["environment"]
    assert set(kafka["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft, no ZooKeeper
    assert services["kafka"]["image"].startswith("apache/kafka:")


def test_triton_reserves_a_gpu_and_the_cpu_profile_serves_the_same_name(services):
    gpu, cpu = services["triton"], services["triton-cpu"]
    assert gpu["profiles"] == ["gpu"] and cpu["profiles"] == ["cpu"]
    (device,) = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "--model-config-name=gpu" in gpu["command"]
    assert "deploy" not in cpu and not cpu.get("command")
    assert cpu["networks"]["default"]["aliases"] == ["triton"]
    assert gpu["build"]["args"]["CUDA"] == "true" and cpu["build"]["args"]["CUDA"] == "false"
    assert services["api"]["environment"]["CLIPSTREAM_TRITON_GRPC_URL"].startswith("triton:")
    # The agents wait for whichever Triton the profile started.
    for group in AGENT_GROUPS:
        needs = services[group]["depends_on"]
        assert needs["triton"]["required"] is False and needs["triton-cpu"]["required"] is False


def test_every_wait_is_a_need_the_command_knows():
    from streams.services.readiness import AGENTS, NEEDS

    for name, service in compose.loaded()["services"].items():
        if service.get("command", [""])[0] == "clipstream" and service["command"][1] == "wait":
            assert start(service)[0] <= {*NEEDS, AGENTS}, name


def test_health_checks_gate_the_start_order(services):
    for name, service in services.items():
        if name != "migrate":
            assert service["healthcheck"]["test"], f"{name} has no health check"
        for needed, how in service.get("depends_on", {}).items():
            assert needed in services, f"{name} depends on unknown service {needed}"
            if how["condition"] == "service_healthy":
                assert "healthcheck" in services[needed]
    migrate = services["migrate"]
    # It waits for the servers, never for what it makes itself (topics, schema, bucket).
    assert start(migrate) == ({"kafka", "postgres", "storage", "clickhouse"}, ["clipstream", "migrate"])
    assert migrate["restart"] == "no"
    assert {n for n, how in migrate["depends_on"].items() if how["condition"] == "service_healthy"} >= \
        {"kafka", "postgres", "minio", "clickhouse"}
    for name in ("api", *AGENT_GROUPS):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_state_lives_in_named_volumes():
    loaded = compose.loaded()
    declared = set(loaded["volumes"])
    for name in STORES:
        mounts = [m.split(":")[0] for m in loaded["services"][name]["volumes"]]
        assert mounts and set(mounts) <= declared, name
    assert declared == {m.split(":")[0] for s in loaded["services"].values() for m in s.get("volumes", [])}


def test_images_build_from_the_repository_dockerfiles(services):
    for name, service in services.items():
        if "build" not in service:
            continue
        context = (compose.COMPOSE_DIR / service["build"]["context"]).resolve()
        assert context == REPO, name
        assert (context / service["build"]["dockerfile"]).is_file(), name


def test_clickhouse_open_file_limit_can_be_lowered_to_what_the_host_allows():
    """262144 by default (ClickHouse's ask); a host that allows fewer sets CLICKHOUSE_NOFILE."""
    env = {k: v or "x" for k, v in compose.env_example().items()}
    assert compose.loaded(env)["services"]["clickhouse"]["ulimits"]["nofile"] == {"soft": "262144", "hard": "262144"}
    lowered = compose.loaded({**env, "CLICKHOUSE_NOFILE": "65536"})["services"]["clickhouse"]["ulimits"]["nofile"]
    assert lowered == {"soft": "65536", "hard": "65536"}
