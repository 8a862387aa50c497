"""deploy/k8s: each overlay rendered by kustomize, every document valid against its schema, and
the manifests consistent with the code (agent groups, topics, settings) and with each other
(references, selectors, network policies, disruption budgets)."""

from __future__ import annotations

import copy
import importlib
from functools import lru_cache

import pytest

from streams.services.agent_groups import AGENT_GROUPS
from tests.deploy import kube

WORKLOADS = ("Deployment", "StatefulSet", "Job")


def docs_of(rendered, overlay: str, kind: str) -> list[dict]:
    return [d for d in rendered[overlay] if d["kind"] == kind]


def one(rendered, overlay: str, kind: str, name: str) -> dict:
    found = [d for d in docs_of(rendered, overlay, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"{overlay}: expected one {kind}/{name}, found {len(found)}"
    return found[0]


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def env_of(container: dict) -> dict[str, str]:
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def config(rendered, overlay: str) -> dict[str, str]:
    return one(rendered, overlay, "ConfigMap", "clipstream-config")["data"]


def matches(selector: dict, labels: dict) -> bool:
    """A Kubernetes label selector (matchLabels and matchExpressions In/NotIn/Exists) on labels."""
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expr in selector.get("matchExpressions", []):
        key, op, values = expr["key"], expr["operator"], expr.get("values", [])
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
    return True


@lru_cache(maxsize=1)
def agent_inputs() -> dict[str, frozenset[str]]:
    """The topics each agent group's agents read, from the code (as the worker discovers them)."""
    from streams.worker.app import app

    for group in AGENT_GROUPS:
        importlib.import_module(f"streams.agents.{group}")
    inputs: dict[str, set[str]] = {group: set() for group in AGENT_GROUPS}
    for agent in app.agents.values():
        group = agent.fun.__module__.rpartition(".")[2]
        inputs[group] |= set(agent.channel.topics)
    return {group: frozenset(names) for group, names in inputs.items()}


@pytest.mark.parametrize("version", kube.K8S_VERSIONS)
@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_every_document_is_valid_against_its_schema(rendered, overlay, version):
    problems = [e for doc in rendered[overlay] for e in kube.errors(doc, version)]
    assert problems == [], "\n".join(problems)


def test_the_validation_refuses_unknown_fields_kinds_and_versions(rendered):
    """The check above can fail: a misspelt field in a built-in kind and in each custom resource,
    a kind nobody defines, and a version the cluster does not serve are each reported."""
    def broken(kind, change):
        doc = copy.deepcopy(docs_of(rendered, "gpu", kind)[0])
        change(doc)
        return kube.errors(doc, kube.K8S_VERSIONS[0])

    assert broken("Deployment", lambda d: d["spec"].update(replica=2))
    assert broken("Service", lambda d: d["spec"]["ports"][0].update(port="80"))
    assert broken("KafkaTopic", lambda d: d["spec"].update(replication=3))
    assert broken("Kafka", lambda d: d["spec"]["kafka"].update(replicas=3))  # moved to node pools in v1
    assert broken("ScaledObject", lambda d: d["spec"]["triggers"][0].update(metdata={}))
    assert broken("HorizontalPodAutoscaler", lambda d: d.update(apiVersion="autoscaling/v2beta1"))
    assert kube.errors({"apiVersion": "v1", "kind": "Widget", "metadata": {"name": "w"}}, "1.30")


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_each_agent_group_runs_alone_and_scales_on_its_own_consumer_lag(rendered, overlay):
    inputs = agent_inputs()
    topics = {t["spec"]["topicName"]: t for t in docs_of(rendered, overlay, "KafkaTopic")}
    bootstrap = config(rendered, overlay)["CLIPSTREAM_KAFKA_BOOTSTRAP"]
    for group in AGENT_GROUPS:
        deployment = one(rendered, overlay, "Deployment", group)
        (container,) = pod_spec(deployment)["containers"]
        assert container["command"] == ["clipstream", "wait", "agents", "--then", "python", "-m", "streams.worker"]
        assert env_of(container)["CLIPSTREAM_AGENTS"] == group
        scaled = one(rendered, overlay, "ScaledObject", group)
        assert scaled["spec"]["scaleTargetRef"]["name"] == group
        triggers = scaled["spec"]["triggers"]
        assert triggers and {t["type"] for t in triggers} == {"kafka"}
        for trigger in triggers:
            meta = trigger["metadata"]
            assert meta["consumerGroup"] == f"clipstream-{group}"
            assert meta["bootstrapServers"] == bootstrap
            assert meta["topic"] in inputs[group], f"{group} scales on {meta['topic']}, which it does not read"
        if len(inputs[group]) <= 2:
            assert {t["metadata"]["topic"] for t in triggers} == inputs[group]
        # A replica beyond the partitions of what it reads would get no partition.
        assert scaled["spec"]["maxReplicaCount"] <= max(topics[t]["spec"]["partitions"] for t in inputs[group])


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_kafka_topics_cover_every_topic_of_the_code(rendered, overlay):
    from streams.worker import topics as code_topics
    from streams.adapters.dlq import REPLAY_LOG

    (kafka,) = docs_of(rendered, overlay, "Kafka")
    (pool,) = docs_of(rendered, overlay, "KafkaNodePool")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
    declared = {t["spec"]["topicName"]: t for t in docs_of(rendered, overlay, "KafkaTopic")}
    partitions = int(config(rendered, overlay)["CLIPSTREAM_KAFKA_PARTITIONS"])
    leaders = {f"clipstream-{g}-__assignor-__leader" for g in AGENT_GROUPS}
    code_names = {t.get_topic_name() for t in code_topics.ALL} | {REPLAY_LOG}
    for name in sorted(code_names):
        assert name in declared, f"{overlay}: topic {name} has no KafkaTopic"
        if not name.endswith(".dlq") and name != REPLAY_LOG:
            assert declared[name]["spec"]["partitions"] == partitions, name
    for name in leaders:
        assert declared[name]["spec"]["partitions"] == 1
    for name, topic in declared.items():
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == kafka["metadata"]["name"]
        assert name.endswith(".dlq") or name in leaders or name in code_names, \
            f"{overlay}: KafkaTopic {name} is not a topic of the code"
        assert topic["spec"]["replicas"] <= pool["spec"]["replicas"]
        assert int(topic["spec"]["config"]["min.insync.replicas"]) <= topic["spec"]["replicas"]


def test_production_kafka_keeps_three_replicas_with_two_in_sync(rendered):
    (kafka,) = docs_of(rendered, "gpu", "Kafka")
    (pool,) = docs_of(rendered, "gpu", "KafkaNodePool")
    assert pool["spec"]["replicas"] >= 3 and set(pool["spec"]["roles"]) == {"broker", "controller"}
    assert kafka["spec"]["kafka"]["config"]["min.insync.replicas"] == 2
    assert kafka["spec"]["kafka"]["config"]["default.replication.factor"] == 3
    for topic in docs_of(rendered, "gpu", "KafkaTopic"):
        assert topic["spec"]["replicas"] == 3, topic["metadata"]["name"]
        assert topic["spec"]["config"]["min.insync.replicas"] == 2, topic["metadata"]["name"]


def test_triton_gets_a_gpu_and_the_gpu_model_configs_in_the_gpu_overlay(rendered):
    from streams.settings import project_root

    triton = one(rendered, "gpu", "Deployment", "triton")
    (container,) = pod_spec(triton)["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] >= 1
    assert "--model-config-name=gpu" in container["args"]
    repo = project_root() / "models" / "triton_repo"
    models = [p for p in repo.iterdir() if (p / "config.pbtxt").exists()]
    assert models and all((m / "configs" / "gpu.pbtxt").exists() for m in models)
    for overlay in kube.OVERLAYS:
        (container,) = pod_spec(one(rendered, overlay, "Deployment", "triton"))["containers"]
        assert container["readinessProbe"]["httpGet"]["path"] == "/v2/health/ready"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert config(rendered, overlay)["CLIPSTREAM_TRITON_GRPC_URL"] == f"triton:{ports['grpc']}"
    (dev,) = pod_spec(one(rendered, "dev", "Deployment", "triton"))["containers"]
    assert "nvidia.com/gpu" not in dev["resources"].get("limits", {}) and not dev.get("args")


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_the_api_scales_on_cpu_and_the_stores_are_stateful_sets(rendered, overlay):
    hpa = one(rendered, overlay, "HorizontalPodAutoscaler", "api")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "api"}
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    for name in ("clickhouse", "meilisearch"):
        store = one(rendered, overlay, "StatefulSet", name)
        mounts = {m["name"] for c in pod_spec(store)["containers"] for m in c["volumeMounts"]}
        assert {t["metadata"]["name"] for t in store["spec"]["volumeClaimTemplates"]} <= mounts


def waited(container: dict) -> tuple[list[str], list[str]]:
    """What a container's `clipstream wait NEED... --then PROGRAM` waits for, and the program."""
    command = container["command"]
    assert command[:2] == ["clipstream", "wait"] and "--then" in command, command
    cut = command.index("--then")
    return command[2:cut], command[cut + 1:]


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_every_app_process_starts_once_what_it_needs_is_ready(rendered, overlay):
    """The API, each agent group and the migrate job start through `clipstream wait` (no start order
    in Kubernetes otherwise), with needs the command knows; the long-running ones have a startup
    probe that outlasts the wait, so liveness cannot kill a pod that is still waiting."""
    from streams.services.readiness import AGENTS, NEEDS

    apps = [one(rendered, overlay, "Deployment", name) for name in ("api", *AGENT_GROUPS)]
    for workload in apps:
        (container,) = pod_spec(workload)["containers"]
        needs, _ = waited(container)
        assert set(needs) <= {*NEEDS, AGENTS}, workload["metadata"]["name"]
        startup = container["startupProbe"]
        assert startup["periodSeconds"] * startup["failureThreshold"] > 300  # the wait's default timeout
        assert "initialDelaySeconds" not in container["livenessProbe"]
    assert waited(pod_spec(one(rendered, overlay, "Deployment", "api"))["containers"][0]) == \
        (["kafka", "topics", "schema", "bucket", "meilisearch"], ["python", "-m", "api"])
    # The job waits for the servers it migrates, never for what it makes (schema, bucket).
    needs, program = waited(pod_spec(one(rendered, overlay, "Job", "migrate"))["containers"][0])
    assert set(needs) == {"postgres", "storage", "clickhouse"}
    assert program[:2] == ["clipstream", "migrate"]


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_every_workload_has_a_disruption_budget_and_runs_unprivileged(rendered, overlay):
    budgets = docs_of(rendered, overlay, "PodDisruptionBudget")
    for workload in [d for d in rendered[overlay] if d["kind"] in WORKLOADS]:
        name = f"{workload['kind']}/{workload['metadata']['name']}"
        labels = workload["spec"]["template"]["metadata"]["labels"]
        spec = pod_spec(workload)
        if workload["kind"] != "Job":
            assert any(matches(b["spec"]["selector"], labels) for b in budgets), f"{name} has no PodDisruptionBudget"
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec.get("automountServiceAccountToken") is False, name
        for container in spec["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
            assert container["resources"]["limits"]["memory"], name


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_references_between_documents_resolve(rendered, overlay):
    docs = rendered[overlay]
    secrets = {d["metadata"]["name"]: {**d.get("data", {}), **d.get("stringData", {})}
               for d in docs if d["kind"] == "Secret"}
    configmaps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    workloads = [d for d in docs if d["kind"] in WORKLOADS]
    for workload in workloads:
        for container in pod_spec(workload)["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in configmaps
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in secrets
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["key"] in secrets.get(ref["name"], {}), f"{workload['metadata']['name']}: {ref}"
    for service in docs_of(rendered, overlay, "Service"):
        selected = [w for w in workloads if matches({"matchLabels": service["spec"]["selector"]},
                                                    w["spec"]["template"]["metadata"]["labels"])]
        assert selected, f"Service/{service['metadata']['name']} selects no pods"
        names = {p["name"] for w in selected for c in pod_spec(w)["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert not isinstance(port["targetPort"], str) or port["targetPort"] in names
    for target in [d["spec"]["scaleTargetRef"]["name"] for d in docs if d["kind"] in ("ScaledObject",
                                                                                      "HorizontalPodAutoscaler")]:
        assert any(w["kind"] == "Deployment" and w["metadata"]["name"] == target for w in workloads)


@pytest.mark.parametrize("overlay", kube.OVERLAYS)
def test_network_policies_deny_by_default_and_open_every_service_port(rendered, overlay):
    policies = docs_of(rendered, overlay, "NetworkPolicy")
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"]
               and not p["spec"].get("ingress") for p in policies), "no default-deny ingress policy"
    workloads = [d for d in rendered[overlay] if d["kind"] in WORKLOADS]
    for service in docs_of(rendered, overlay, "Service"):
        pods = [w for w in workloads if matches({"matchLabels": service["spec"]["selector"]},
                                                w["spec"]["template"]["metadata"]["labels"])]
        labels = pods[0]["spec"]["template"]["metadata"]["labels"]
        by_name = {p["name"]: p["containerPort"] for c in pod_spec(pods[0])["containers"] for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            number = by_name.get(port["targetPort"], port["targetPort"])
            opened = [p for p in policies if matches(p["spec"]["podSelector"], labels)
                      for rule in p["spec"].get("ingress", []) for allowed in rule.get("ports", [])
                      if allowed["port"] == number]
            assert opened, f"{overlay}: no policy lets traffic reach Service/{service['metadata']['name']} port {number}"
