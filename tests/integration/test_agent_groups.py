"""Agent groups separate on the real stack: two workers, one running ``ingest`` and one running
``transcribe``, each join only their own consumer group, subscribe only to their own topics, and
do only their own work on an upload sent through the API. No worker runs the later stages, so
the video stops once it is transcribed.

While ``streams.worker.app`` named the package ``streams`` as its Faust ``origin``, Faust scanned the
whole package at start, so every worker registered every agent: both workers here would have
ingested and transcribed the upload."""

import asyncio
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.coordinator.protocol import ConsumerProtocolMemberAssignment, ConsumerProtocolMemberMetadata
from aiokafka.errors import KafkaError

from streams.cli.client import Client
from streams.stack.credentials import api_key_for
from streams.settings import Settings
from streams.stack.apps import Api, Worker
from streams.stack.process import free_port
from tests.media_recipes import short_talk
from tests.telemetry import json_lines, scrape

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# What each group's worker reads (``tests/unit/test_agent_groups.py`` checks every group).
READS = {"ingest": {"uploads"}, "transcribe": {"audio_chunks"}}


class GroupWorker(Worker):
    """A worker running only ``group``, with its own web port, pid file and log."""

    def __init__(self, settings: Settings, group: str) -> None:
        self.name = f"worker-{group}"  # before the base class names the pid file after it
        super().__init__(settings.with_overrides(agents=group, worker_port=free_port()))


async def _groups(bootstrap: str, group_ids: list[str]) -> dict[str, dict]:
    """Kafka's description of each consumer group: its state and, per member, the topics it
    subscribed to and the topics of the partitions it was assigned."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        # One group per request: aiokafka 0.14.0 reads DescribeGroups v3 answers with the v2 schema
        # (no authorized_operations), which comes out right only for the last group of a request.
        responses = [response for group_id in group_ids
                     for response in await admin.describe_consumer_groups([group_id])]
    finally:
        await admin.close()
    out = {}
    for response in responses:
        for group in response.to_object()["groups"]:
            members = []
            for member in group["members"]:
                # A member that is still joining (the group rebalancing) has no metadata or
                # assignment yet: empty bytes, which decode to nothing (not settled).
                metadata, assignment = member["member_metadata"], member["member_assignment"]
                subscribed = ConsumerProtocolMemberMetadata.decode(metadata).subscription if metadata else []
                assigned = ConsumerProtocolMemberAssignment.decode(assignment).assignment if assignment else []
                members.append({"subscribed": set(subscribed), "assigned": {topic for topic, _ in assigned}})
            out[group["group"]] = {"state": group["state"], "members": members}
    return out


def _own(topics: set[str]) -> set[str]:
    """``topics`` without Faust's own (its assignor's leader topic, one per app)."""
    return {t for t in topics if "__assignor" not in t}


def _stable_groups(bootstrap: str, group_ids: list[str], seconds: float = 90) -> dict[str, dict]:
    deadline = time.monotonic() + seconds
    while True:
        try:
            groups = asyncio.run(_groups(bootstrap, group_ids))
        except KafkaError as exc:  # a new broker has no group coordinator for its first seconds
            if not exc.retriable or time.monotonic() > deadline:
                raise
            time.sleep(1)
            continue
        if all(groups[g]["state"] == "Stable" and groups[g]["members"] and
               all(m["assigned"] for m in groups[g]["members"]) for g in group_ids):
            return groups
        if time.monotonic() > deadline:
            raise AssertionError(f"the consumer groups did not settle within {seconds:.0f} s: {groups}")
        time.sleep(1)


def _stages(worker: Worker) -> set[str]:
    """The stages a worker observed a message in (``clipstream_stage_seconds``, any outcome)."""
    samples = scrape(f"http://127.0.0.1:{worker.port()}/metrics")
    return {dict(labels)["stage"] for (name, labels), value in samples.items()
            if name == "clipstream_stage_seconds_count" and value > 0}


def _stages_of(worker: Worker, video_id: str) -> set[str]:
    """The stages named in the worker's log lines about ``video_id``."""
    return {line["stage"] for line in json_lines(worker.log_path) if line.get("video_id") == video_id and line.get("stage")}


def test_two_workers_of_different_groups_each_run_only_their_own_agents(stack, media_dir, built_media):
    say = print
    api = Api(stack)
    workers = {group: GroupWorker(stack, group) for group in READS}
    started = []
    try:
        for component in (api, *workers.values()):
            component.start(say)
            started.append(component)
        group_ids = [f"clipstream-{g}" for g in READS]
        groups = _stable_groups(stack.kafka_bootstrap, group_ids)
        # No worker of every group is running: whatever is done below is these two workers' work.
        assert asyncio.run(_groups(stack.kafka_bootstrap, ["clipstream"]))["clipstream"]["members"] == []
        for group, topics in READS.items():
            [member] = groups[f"clipstream-{group}"]["members"]
            assert _own(member["subscribed"]) == topics, (group, member)
            assert _own(member["assigned"]) == topics, (group, member)

        with Client(stack.api_url, api_key_for(stack), timeout=60) as client:
            video_id = client.submit(short_talk(media_dir, built_media))["video_id"]
            deadline = time.monotonic() + 300
            words = []
            while not words:
                assert time.monotonic() < deadline, f"no transcript within 300 s: {client.video(video_id)}"
                video = client.video(video_id)
                assert video["status"] != "failed", video
                words = client.transcript(video_id).get("words") or []
                time.sleep(1)
            assert "country" in " ".join(w["word"].lower() for w in words)
            time.sleep(3)  # anything a wrongly registered agent would do next, it would do now
            video = client.video(video_id)
            assert video["status"] != "completed", video  # no worker runs moments or render
            assert client.moments(video_id)["moments"] == []

        assert _stages_of(workers["ingest"], video_id) == {"ingest"}
        assert _stages_of(workers["transcribe"], video_id) == {"transcribe"}
        assert _stages(workers["ingest"]) == {"ingest"}
        assert _stages(workers["transcribe"]) == {"transcribe"}
    finally:
        for component in reversed(started):
            component.stop(say)
