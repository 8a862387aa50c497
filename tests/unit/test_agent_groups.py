"""A worker registers exactly the agents of the groups ``CLIPSTREAM_AGENTS`` names, and so reads
only their topics. Each worker is a fresh interpreter (the Faust app is built from the
environment at import), which discovers its agents as ``clipstream-worker`` does at start."""

import json
import os
import subprocess
import sys

from streams.services.agent_groups import AGENT_GROUPS
from streams.settings import project_root

# As ``clipstream-worker worker`` prepares the app (faust.cli.base: the origin it guesses from
# argv when the app names none, then discovery).
DISCOVER = """
import json
from faust.cli.base import prepare_app
from streams.worker.app import app
prepare_app(app, "clipstream-worker")
print(json.dumps({name: sorted(agent.get_topic_names()) for name, agent in app.agents.items()}))
"""

# What each group reads; the analytics sink reads every topic the pipeline writes.
WRITTEN = ["audio_chunks", "events", "moments", "post_stats", "render_requests", "renders", "transcripts", "uploads",
           "ingest.dlq", "moments.dlq", "render.dlq", "search.dlq", "transcribe.dlq", "webhooks.dlq"]
READS = {
    "ingest": {"streams.agents.ingest.ingest": ["uploads"]},
    "transcribe": {"streams.agents.transcribe.transcribe": ["audio_chunks"]},
    "moments": {"streams.agents.moments.find_moments": ["transcripts"]},
    "render": {"streams.agents.render.render": ["moments"], "streams.agents.render.rerender": ["render_requests"]},
    "webhooks": {"streams.agents.webhooks.lifecycle_webhooks": ["events"],
                 "streams.agents.webhooks.clip_webhooks": ["renders"],
                 "streams.agents.webhooks.ranking_webhooks": ["moments"]},
    "analytics": {"streams.agents.analytics.analytics_sink": sorted(WRITTEN)},
    "search": {"streams.agents.search.index_transcripts": ["transcripts"]},
}


def _registered(groups: list[str]) -> dict[str, dict[str, list[str]]]:
    """The agents (and the topics each reads) a worker of each of ``groups`` registers, all
    discovered at once in parallel interpreters."""
    running = {}
    for group in groups:
        env = {**os.environ, "CLIPSTREAM_AGENTS": group}
        running[group] = subprocess.Popen([sys.executable, "-c", DISCOVER], env=env, cwd=project_root(),
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out = {}
    for group, proc in running.items():
        stdout, stderr = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"discovering {group!r} failed:\n{stderr[-3000:]}"
        out[group] = json.loads(stdout.strip().splitlines()[-1])
    return out


def test_each_group_registers_only_its_own_agents_and_topics():
    assert set(READS) == set(AGENT_GROUPS)
    registered = _registered(list(AGENT_GROUPS) + ["ingest,webhooks", ""])
    for group in AGENT_GROUPS:
        assert registered[group] == READS[group], group
    assert registered["ingest,webhooks"] == {**READS["ingest"], **READS["webhooks"]}
    everything = {name: topics for group in AGENT_GROUPS for name, topics in READS[group].items()}
    assert registered[""] == everything  # no CLIPSTREAM_AGENTS: every group
