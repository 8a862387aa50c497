"""Dead letters on Kafka, for operators: read them back and replay them (``clipstream dlq``).

``list_letters`` reads the newest dead letters of one stage or all (``<stage>.dlq``), each marked
with whether it was replayed. ``replay`` sends the chosen ones back to the topics they came from,
with their original key (so a video's messages keep their partition and order) and value, marked
``replay_of``/``replay_count``/``replayed_at`` (``streams.domain.deadletters``).

Replays are recorded on the ``dlq.replays`` topic (key: the dead letter's name; value: JSON saying
where its copy went and when) in the same Kafka transaction as the copies, so either both happen or
neither. A dead letter already in that log is not sent again unless forced: running the same
replay twice sends nothing the second time. The transactional id is per stage, so two replays of
one stage at once fence each other instead of both sending. (Faust's consumers read uncommitted,
so the copies of a replay that dies before committing may still be processed once; every stage is
idempotent, so that is harmless.)

A dead letter whose video failed names a video that its stages now skip, so before sending,
``replay`` sets each such video back to processing (``Catalog.revive_video``). One whose video was
deleted is not sent: its stages would skip it, and sending it would put the deleted talk's words
back on a topic for another retention period (``Catalog.deleted_among``).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from streams.adapters.kafka_admin import ensure_topics
from streams.domain.deadletters import DeadLetter, as_dict, select
from streams.domain.pipeline import CONSUMING_STAGES, dead_letter_topic
from streams.errors import DeadLetterError

REPLAY_LOG = "dlq.replays"
READ_TIMEOUT = 30.0


@dataclass(frozen=True)
class Outcome:
    """What ``replay`` did (or, in a dry run, would do) with one dead letter."""

    letter: DeadLetter
    action: str  # "replayed", "would replay", "skipped"
    detail: str = ""
    sent_to: str = ""

    def as_json(self) -> dict:
        return {
            "id": self.letter.id,
            "video_id": self.letter.video,
            "source_topic": self.letter.source_topic,
            "action": self.action,
            "detail": self.detail,
            "sent_to": self.sent_to or None,
        }


def _check_stage(stage: str) -> None:
    if stage not in CONSUMING_STAGES:
        raise DeadLetterError(f"no stage {stage!r}; choose one of {', '.join(CONSUMING_STAGES)}")


async def read_topic(
    bootstrap: str, topic: str, *, newest: int | None = None, committed_only: bool = False
) -> list[tuple[str, int, int, int, bytes | None, bytes, dict]]:
    """Every record of ``topic`` up to its current end (or the ``newest`` of each partition):
    (topic, partition, offset, timestamp ms, key, value, headers). Empty if the topic does not exist."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        isolation_level="read_committed" if committed_only else "read_uncommitted",
        max_partition_fetch_bytes=16 * 1024 * 1024,
    )
    try:
        await consumer.start()
        if topic not in await consumer.topics():
            return []
        consumer.subscribe([topic])  # without a group: every partition, once metadata has it
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT
        while not consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise DeadLetterError(f"no partitions of {topic} were assigned within {READ_TIMEOUT:.0f} s")
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        begins = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            start = begins[tp] if newest is None else max(begins[tp], ends[tp] - newest)
            consumer.seek(tp, start)
        records = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            if asyncio.get_running_loop().time() > deadline:
                raise DeadLetterError(f"reading {topic} did not reach its end within {READ_TIMEOUT:.0f} s")
            batch = await consumer.getmany(timeout_ms=1000)
            for tp, rows in batch.items():
                records += [
                    (r.topic, r.partition, r.offset, r.timestamp, r.key, r.value or b"", as_dict(r.headers))
                    for r in rows
                    if r.offset < ends[tp]
                ]
        return records
    finally:
        await consumer.stop()


async def read_letters(bootstrap: str, stage: str, newest: int | None = None) -> list[DeadLetter]:
    rows = await read_topic(bootstrap, dead_letter_topic(stage), newest=newest)
    return [DeadLetter(stage, p, o, ts, k, v, h) for _, p, o, ts, k, v, h in rows]


async def replay_log(bootstrap: str) -> dict[str, dict]:
    """What was replayed: dead letter name -> its log entry (committed replays only)."""
    log: dict[str, dict] = {}
    for *_, key, value, _ in await read_topic(bootstrap, REPLAY_LOG, committed_only=True):
        try:
            log[(key or b"").decode()] = json.loads(value)
        except (UnicodeDecodeError, ValueError):
            continue
    return log


async def list_letters(
    bootstrap: str, stage: str | None = None, limit: int = 50, video: str | None = None
) -> list[tuple[DeadLetter, bool]]:
    """The newest ``limit`` dead letters (of ``stage``, else of every stage; of ``video`` if
    given), oldest first, each with whether it was replayed."""
    stages = [stage] if stage else list(CONSUMING_STAGES)
    for s in stages:
        _check_stage(s)
    newest = None if video else limit  # a video's letters may be anywhere in the topic
    letters = [d for s in stages for d in await read_letters(bootstrap, s, newest)]
    letters = select(letters, video=video)[-limit:] if limit > 0 else []
    replayed = await replay_log(bootstrap)
    return [(d, d.id in replayed) for d in letters]


async def replay(
    bootstrap: str,
    stage: str,
    *,
    offset: str | None = None,
    video: str | None = None,
    everything: bool = False,
    dry_run: bool = False,
    force: bool = False,
    revive: Callable[[list[str]], Awaitable[object]] | None = None,
    deleted: Callable[[list[str]], Awaitable[set[str]]] | None = None,
    replication: int = 1,
) -> list[Outcome]:
    """Send the chosen dead letters of ``stage`` back to their source topics (see the module doc).
    Exactly one of ``offset`` (``PARTITION:OFFSET``), ``video`` or ``everything`` chooses them.
    ``revive(video_ids)`` (awaited) sets failed videos back to processing before anything is sent;
    ``deleted(video_ids)`` (awaited) says which of them were deleted, whose letters are skipped.
    ``replication``: of the replay log topic, if this replay creates it."""
    _check_stage(stage)
    if sum((offset is not None, video is not None, everything)) != 1:
        raise DeadLetterError("choose the dead letters to replay: --offset PARTITION:OFFSET, --video ID or --all")
    every = await read_letters(bootstrap, stage)
    letters = select(every, offset=offset, video=video)
    done = await replay_log(bootstrap)
    gone = await deleted(sorted({d.video for d in letters if d.video})) if deleted is not None else set()
    # A message can be dead-lettered twice (redelivered after its first dead letter was written):
    # it is sent once, and its twins are logged as covered by that send.
    sent_as = {d.source: d.id for d in select(every) if d.id in done and d.source[1] is not None}
    outcomes: list[Outcome] = []
    chosen: list[DeadLetter] = []
    covered: list[tuple[DeadLetter, str]] = []
    for d in letters:
        if d.id in done and not force:
            outcomes.append(
                Outcome(
                    d, "skipped", f"already replayed at {done[d.id].get('replayed_at')} as {done[d.id].get('sent_to')}"
                )
            )
            continue
        if d.video in gone:
            outcomes.append(Outcome(d, "skipped", "its video was deleted, so its messages are not sent again"))
            continue
        try:
            d.check_replayable()
        except DeadLetterError as exc:
            outcomes.append(Outcome(d, "skipped", exc.message))
            continue
        twin = sent_as.get(d.source) if d.source[1] is not None else None
        if twin is not None and twin != d.id:
            outcomes.append(Outcome(d, "skipped", f"the same message as {twin}, replayed with it"))
            covered.append((d, twin))
            continue
        sent_as[d.source] = d.id
        chosen.append(d)
    if dry_run:
        return outcomes + [Outcome(d, "would replay", sent_to=d.source_topic) for d in chosen]
    if not chosen and not covered:
        return outcomes
    if revive is not None and chosen:
        await revive(sorted({d.video for d in chosen if d.video}))
    await ensure_topics(bootstrap, [REPLAY_LOG], partitions=1, replication=replication)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        transactional_id=f"clipstream-dlq-replay-{stage}",
        enable_idempotence=True,
        acks="all",
    )
    await producer.start()
    sent: list[Outcome] = []
    try:
        async with producer.transaction():
            for d in chosen:
                meta = await (await producer.send(d.source_topic, d.value, key=d.key, headers=d.replay_headers()))
                where = f"{meta.topic}:{meta.partition}:{meta.offset}"
                entry = {
                    "dead_letter": d.id,
                    "stage": stage,
                    "video_id": d.video,
                    "sent_to": where,
                    "replayed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                await producer.send(REPLAY_LOG, json.dumps(entry).encode(), key=d.id.encode())
                sent.append(Outcome(d, "replayed", sent_to=where))
            for d, twin in covered:
                entry = {
                    "dead_letter": d.id,
                    "stage": stage,
                    "video_id": d.video,
                    "covered_by": twin,
                    "sent_to": f"with {twin}",
                    "replayed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
                await producer.send(REPLAY_LOG, json.dumps(entry).encode(), key=d.id.encode())
    finally:
        await producer.stop()
    return outcomes + sent
