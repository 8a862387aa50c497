"""The agent groups: which agents a worker runs, its Kafka consumer group, and what it needs to start.

Kept apart from the Faust app (``streams.worker.app``) so that what only needs the names (``clipstream
wait agents``, the deployment tests) does not build an app from the environment on import."""

from __future__ import annotations

from streams.errors import ConfigError

AGENT_GROUPS = ("ingest", "transcribe", "moments", "render", "webhooks", "analytics", "search")

# What a worker of each group needs ready before it starts (``streams.services.readiness`` probes each):
# every group reads and writes Kafka topics, the catalog at its latest migration and the bucket;
# transcribe, moments and render call Triton; search writes Meilisearch; analytics ClickHouse.
_EVERY_GROUP = ("kafka", "topics", "schema", "bucket")
NEEDS: dict[str, tuple[str, ...]] = {
    "ingest": _EVERY_GROUP,
    "transcribe": (*_EVERY_GROUP, "triton"),
    "moments": (*_EVERY_GROUP, "triton"),
    "render": (*_EVERY_GROUP, "triton"),
    "webhooks": _EVERY_GROUP,
    "analytics": (*_EVERY_GROUP, "clickhouse"),
    "search": (*_EVERY_GROUP, "meilisearch"),
}


def agent_groups(names: str) -> list[str]:
    """The agent groups in ``names`` (comma-separated; empty means all), in pipeline order."""
    chosen = {n.strip() for n in names.split(",") if n.strip()} or set(AGENT_GROUPS)
    unknown = sorted(chosen - set(AGENT_GROUPS))
    if unknown:
        raise ConfigError(
            f"CLIPSTREAM_AGENTS names unknown agent groups {', '.join(unknown)}; known: {', '.join(AGENT_GROUPS)}"
        )
    return [g for g in AGENT_GROUPS if g in chosen]


# The modules of each group (its own name if not listed): the webhooks group does what goes out of
# the system, webhook deliveries, posts to the social platforms (streams.agents.publishing) and
# usage reported to Stripe (streams.agents.billing); the groups that keep a scratch directory
# (copies of sources, renders) sweep it (streams.agents.leftovers).
MODULES: dict[str, tuple[str, ...]] = {
    "ingest": ("ingest", "leftovers"),
    "transcribe": ("transcribe", "leftovers"),
    "render": ("render", "leftovers"),
    "webhooks": ("webhooks", "publishing", "billing"),
}


def agent_modules(names: str) -> list[str]:
    """The modules a worker running the groups in ``names`` imports, each once."""
    return list(dict.fromkeys(f"streams.agents.{m}" for g in agent_groups(names) for m in MODULES.get(g, (g,))))


def app_id(names: str) -> str:
    """The Faust app id, which is also the Kafka consumer group: ``clipstream`` for a worker that
    runs every group, ``clipstream-<group>[-<group>...]`` for one that runs some. Workers of one
    group share its partitions; workers of different groups each read every message of a topic
    they both consume (moments, search and analytics all read ``transcripts``)."""
    groups = agent_groups(names)
    return "clipstream" if len(groups) == len(AGENT_GROUPS) else "clipstream-" + "-".join(groups)


def needs(names: str) -> list[str]:
    """What a worker running the groups in ``names`` needs ready, each once, in a stable order."""
    return list(dict.fromkeys(need for group in agent_groups(names) for need in NEEDS[group]))
