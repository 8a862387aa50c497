"""The fault suite's one checker: pure functions from what was read back after a scenario
(PostgreSQL rows, stored objects, webhook requests the receiver accepted, ClickHouse) to the
scenario's row: videos submitted, completed, failed with a reason, duplicates found, effects lost,
and effects a video should not have caused at all (stray).

What every scenario must show:

- a normal video completes, with exactly one clip row per clip it asked for, exactly the clip's
  files in storage (``tests.checks.CLIP_FILES``) and nothing else beside them, its source and every
  audio chunk it was cut into, one accepted webhook per event (``video.processing``,
  ``transcript.ready``, ``moments.ready``, ``video.completed``, and ``clip.rendered`` per clip), and
  in ClickHouse each of its events once, each of its clips and its completion;
- a hostile input fails with a reason (a code, one of those its case allows, and a message), has
  no clip, no clip file and no webhook but one ``video.failed``, and touches nothing outside its
  own upload (no object outside its video's prefix);
- the tenant's ClickHouse report counts what PostgreSQL counts;
- the usage ledger (issue 54) holds one row of source seconds for each completed video, equal to
  its duration to the second, and none for a failed one (what a workspace is billed for).

A duplicate is a second copy of an effect (a row, an object, a delivery: a second webhook id for one
event and endpoint, an event row) or an effect beyond what was asked (a clip more than the count); a
lost effect is one a completed video lacks; a stray effect is one that belongs to no video of the
scenario, or that a failed input must not have.

A delivery accepted again under the same webhook id is counted apart, as re-sent, and does not turn
a row red: a worker killed after the receiver answered and before it recorded the answer leaves the
delivery claimed, and once the claim's lease runs out it is sent again. No sender can tell that
case from an answer that never came; Standard Webhooks makes the webhook id the receiver's key for
dropping the repeat, and every attempt of a delivery carries the same one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from tests.checks import CLIP_FILES

LIFECYCLE_WEBHOOKS = ("video.processing", "transcript.ready", "moments.ready", "video.completed")


@dataclass(frozen=True)
class Delivery:
    """One webhook request the receiver accepted (answered 2xx, signature valid), ``at`` seconds
    into the run."""

    webhook_id: str
    event_type: str
    video_id: str
    clip_id: str = ""
    at: float = field(default=0.0, compare=False)


@dataclass(frozen=True)
class ClickHouseVideo:
    """One video as ClickHouse holds it.

    Attributes:
        events: event ids of its rows in ``events FINAL``, one entry per row (a repeat is a duplicate).
        clip_ids: the clips ``clip_rollup`` knows for it.
        completed / failed: whether ``video_rollup`` recorded its completion / failure.
    """

    events: tuple[str, ...]
    clip_ids: frozenset[str]
    completed: bool
    failed: bool


@dataclass(frozen=True)
class VideoFacts:
    """One submitted video as read back.

    Attributes:
        video_id / name: its id and the file it was made from (for messages).
        hostile: it must fail (a hostile input); else it must complete.
        allowed_codes: the error codes a hostile input may fail with (empty: any code).
        status / error_code / error: its PostgreSQL row; ``refused`` with the API's error when the API
            turned the upload away (there is no video then).
        clips_wanted: clips it asked for (clip count times aspects).
        chunk_count: audio chunks ingest cut (None if ingest never finished).
        clip_rows: the clip id of each of its rows in ``clips``.
        objects: every stored object under its prefix, relative to it (``source.mp4``,
            ``audio/00000.wav`` until it completes, ``clips/<clip>.mp4``), hidden and temporary files
            included.
        deliveries: the webhook requests accepted for it.
        clickhouse: what ClickHouse holds for it; None when not read.
        duration: its duration as PostgreSQL holds it (None: never read).
        ledger: the quantity of each of its ledger rows of source seconds (``usage_records``);
            None when the ledger was not read.
    """

    video_id: str
    name: str
    hostile: bool
    status: str
    error_code: str | None = None
    error: str | None = None
    allowed_codes: frozenset[str] = frozenset()
    clips_wanted: int = 1
    chunk_count: int | None = None
    clip_rows: tuple[str, ...] = ()
    objects: tuple[str, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    clickhouse: ClickHouseVideo | None = None
    duration: float | None = None
    ledger: tuple[float, ...] | None = None


@dataclass(frozen=True)
class ScenarioFacts:
    """Everything read back after one scenario.

    Attributes:
        stray_objects: stored objects under the tenant that belong to none of its videos.
        stray_deliveries: accepted webhooks for the tenant that name none of its videos.
        postgres / clickhouse: the tenant's counts (``tests.checks.report_counts`` shape) in
            PostgreSQL and in the ClickHouse report; None when the report was not read.
    """

    scenario: str
    videos: tuple[VideoFacts, ...]
    stray_objects: tuple[str, ...] = ()
    stray_deliveries: tuple[Delivery, ...] = ()
    postgres: dict | None = None
    clickhouse: dict | None = None


@dataclass
class Verdict:
    """What one check found: counts and the sentences that explain them."""

    duplicates: int = 0
    lost: int = 0
    stray: int = 0
    resent: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # what is worth reading but breaks nothing

    def add(self, kind: str, count: int, message: str) -> None:
        if count <= 0:
            return
        setattr(self, kind, getattr(self, kind) + count)
        (self.notices if kind == "resent" else self.problems).append(f"{kind} {count}: {message}")

    def merge(self, other: Verdict) -> None:
        self.duplicates += other.duplicates
        self.lost += other.lost
        self.stray += other.stray
        self.resent += other.resent
        self.problems += other.problems
        self.notices += other.notices


@dataclass
class Row:
    """One line of the fault table. Green only when every normal video completed, every hostile
    one failed with a reason, and nothing was duplicated, lost or stray."""

    scenario: str
    submitted: int
    completed: int
    failed_with_reason: int
    duplicates: int
    lost: int
    stray: int
    expected_completed: int
    expected_failed: int
    resent: int = 0
    problems: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    notes: dict = field(default_factory=dict)

    @property
    def green(self) -> bool:
        return (not self.problems and self.completed == self.expected_completed
                and self.failed_with_reason == self.expected_failed
                and self.duplicates == self.lost == self.stray == 0)

    def as_json(self) -> dict:
        return {"scenario": self.scenario, "green": self.green, "submitted": self.submitted,
                "completed": self.completed, "failed_with_reason": self.failed_with_reason,
                "duplicates": self.duplicates, "lost": self.lost, "stray": self.stray, "resent": self.resent,
                "expected_completed": self.expected_completed, "expected_failed": self.expected_failed,
                "problems": self.problems, "notices": self.notices, "notes": self.notes}


def failed_with_reason(video: VideoFacts) -> bool:
    return video.status in ("failed", "refused") and bool(video.error_code) and bool((video.error or "").strip())


def check_video(video: VideoFacts) -> Verdict:
    verdict = Verdict()
    who = f"video {video.video_id} ({video.name})"
    _check_deliveries_once(video, verdict, who)
    if video.clickhouse is not None:
        repeats = sum(n - 1 for n in Counter(video.clickhouse.events).values())
        verdict.add("duplicates", repeats, f"{who}: event rows repeated in ClickHouse events after FINAL")
    if video.hostile:
        _check_hostile(video, verdict, who)
    else:
        _check_normal(video, verdict, who)
    _check_ledger(video, verdict, who)
    return verdict


def _check_ledger(video: VideoFacts, verdict: Verdict, who: str) -> None:
    """A completed video is billed once for its duration, to the second; anything else not at all."""
    if video.ledger is None:
        return
    if video.status != "completed":
        verdict.add("stray", len(video.ledger), f"{who}: {video.status}, but in the usage ledger")
        return
    verdict.add("lost", int(not video.ledger), f"{who}: completed, but not in the usage ledger")
    verdict.add("duplicates", len(video.ledger) - 1, f"{who}: {len(video.ledger)} usage ledger rows")
    if video.ledger and video.duration is not None and round(video.ledger[0]) != round(video.duration):
        verdict.problems.append(f"{who}: the ledger bills {video.ledger[0]:.1f} s of a {video.duration:.1f} s video")


def _check_deliveries_once(video: VideoFacts, verdict: Verdict, who: str) -> None:
    """Each occurrence (type, clip) under one webhook id; a webhook id accepted again is re-sent."""
    times: dict[str, list[float]] = {}
    for d in video.deliveries:
        times.setdefault(d.webhook_id, []).append(d.at)
    for webhook_id, at in sorted(times.items()):
        at = sorted(at)
        gaps = ", ".join(f"{b - a:.0f} s" for a, b in zip(at, at[1:]))
        verdict.add("resent", len(at) - 1, f"{who}: webhook {webhook_id} accepted {len(at)} times ({gaps} apart)")
    ids_per_occurrence: dict[tuple[str, str], set[str]] = {}
    for d in video.deliveries:
        ids_per_occurrence.setdefault((d.event_type, d.clip_id), set()).add(d.webhook_id)
    for (kind, clip), ids in sorted(ids_per_occurrence.items()):
        verdict.add("duplicates", len(ids) - 1, f"{who}: {kind} {clip} delivered under {len(ids)} webhook ids")


def _check_normal(video: VideoFacts, verdict: Verdict, who: str) -> None:
    if video.status != "completed":
        reason = f"{video.error_code}: {video.error}" if video.status == "failed" else "never finished"
        verdict.problems.append(f"{who}: a normal video ended {video.status} ({reason})")
    rows = Counter(video.clip_rows)
    clips = set(rows)
    verdict.add("duplicates", sum(n - 1 for n in rows.values()), f"{who}: clip rows repeated")
    verdict.add("duplicates", len(clips) - video.clips_wanted,
                f"{who}: {len(clips)} clips for the {video.clips_wanted} asked")
    if video.status == "completed":
        verdict.add("lost", video.clips_wanted - len(clips),
                    f"{who}: {len(clips)} clips of the {video.clips_wanted} asked")
    _check_objects(video, clips, verdict, who)
    if video.status == "completed":
        _check_webhooks_complete(video, clips, verdict, who)
        if video.clickhouse is not None:
            ch = video.clickhouse
            verdict.add("lost", len(clips - ch.clip_ids), f"{who}: clips missing from ClickHouse")
            verdict.add("duplicates", len(ch.clip_ids - clips), f"{who}: clips in ClickHouse with no row")
            verdict.add("lost", int(not ch.completed), f"{who}: completion missing from ClickHouse")


def _check_objects(video: VideoFacts, clips: set[str], verdict: Verdict, who: str) -> None:
    objects = set(video.objects)
    expected = {f"clips/{c}.{ext}" for c in clips for ext in CLIP_FILES}
    clip_objects = {o for o in objects if o.startswith("clips/")}
    verdict.add("duplicates", len(clip_objects - expected),
                f"{who}: clip objects beyond one per clip file: {sorted(clip_objects - expected)[:4]}")
    verdict.add("lost", len(expected - clip_objects), f"{who}: clip files missing: {sorted(expected - clip_objects)[:4]}")
    sources = {o for o in objects if "/" not in o and o.startswith("source")}
    verdict.add("lost", int(not sources), f"{who}: its upload is gone from storage")
    verdict.add("duplicates", len(sources) - 1, f"{who}: {len(sources)} source objects")
    audio = {o for o in objects if o.startswith("audio/")}
    if video.status == "completed":  # its chunks were for transcription alone: deleted on completion
        verdict.add("stray", len(audio), f"{who}: audio chunks kept after completion: {sorted(audio)[:4]}")
    elif video.chunk_count is not None:  # kept while it may still need them (a replay after a failure)
        want = {f"audio/{i:05d}.wav" for i in range(video.chunk_count)}
        verdict.add("lost", len(want - audio), f"{who}: audio chunks missing: {sorted(want - audio)[:4]}")
        verdict.add("duplicates", len(audio - want), f"{who}: audio objects beyond its chunks: {sorted(audio - want)[:4]}")
    other = objects - clip_objects - sources - audio
    verdict.add("stray", len(other), f"{who}: objects of no known kind under its prefix: {sorted(other)[:4]}")


def _check_webhooks_complete(video: VideoFacts, clips: set[str], verdict: Verdict, who: str) -> None:
    got = {(d.event_type, d.clip_id) for d in video.deliveries}
    want = {(kind, "") for kind in LIFECYCLE_WEBHOOKS} | {("clip.rendered", c) for c in clips}
    missing = sorted(want - got)
    verdict.add("lost", len(missing), f"{who}: webhooks never accepted: {missing[:4]}")
    unwanted = sorted(got - want)
    verdict.add("stray", len(unwanted), f"{who}: webhooks a completed video must not send: {unwanted[:4]}")


def _check_hostile(video: VideoFacts, verdict: Verdict, who: str) -> None:
    if not failed_with_reason(video):
        verdict.problems.append(f"{who}: a hostile input ended {video.status} "
                                f"(code {video.error_code!r}, error {video.error!r}), not failed with a reason")
    elif video.allowed_codes and video.error_code not in video.allowed_codes:
        verdict.problems.append(f"{who}: failed with {video.error_code}, expected one of {sorted(video.allowed_codes)}")
    if video.status == "refused":  # turned away by the API: no video, so nothing else to find
        return
    verdict.add("stray", len(set(video.clip_rows)), f"{who}: a hostile input has clip rows")
    kept = {o for o in video.objects if (("/" not in o and o.startswith("source")) or o.startswith("audio/"))}
    others = sorted(set(video.objects) - kept)
    verdict.add("stray", len(others), f"{who}: a hostile input left objects beyond its upload: {others[:4]}")
    kinds = Counter(d.event_type for d in video.deliveries)
    verdict.add("lost", int(kinds["video.failed"] == 0), f"{who}: no video.failed webhook")
    unwanted = sorted(k for k in kinds if k not in ("video.failed", "video.processing"))
    verdict.add("stray", sum(kinds[k] for k in unwanted), f"{who}: webhooks a failed input must not send: {unwanted}")
    if video.clickhouse is not None:
        verdict.add("lost", int(not video.clickhouse.failed), f"{who}: failure missing from ClickHouse")
        verdict.add("stray", len(video.clickhouse.clip_ids), f"{who}: a hostile input has clips in ClickHouse")


def compare_counts(postgres: dict, clickhouse: dict) -> Verdict:
    """The tenant's ClickHouse counts against PostgreSQL's: what ClickHouse lacks is lost, what it
    has beyond is duplicated."""
    verdict = Verdict()
    flat_pg, flat_ch = _flatten(postgres), _flatten(clickhouse)
    for key in sorted(set(flat_pg) | set(flat_ch)):
        pg, ch = flat_pg.get(key, 0), flat_ch.get(key, 0)
        if key == "usage_minutes":  # not a count of effects: any difference is a problem of its own
            if abs(pg - ch) > 0.01:
                verdict.problems.append(f"ClickHouse usage minutes {ch} != PostgreSQL's {pg}")
            continue
        verdict.add("lost", int(pg - ch), f"ClickHouse {key} {ch} < PostgreSQL's {pg}")
        verdict.add("duplicates", int(ch - pg), f"ClickHouse {key} {ch} > PostgreSQL's {pg}")
    return verdict


def _flatten(counts: dict) -> dict[str, float]:
    out = {k: v for k, v in counts.items() if k not in ("stages", "video_ids")}
    out.update({f"stage {s}": n for s, n in counts.get("stages", {}).items()})
    return out


def check(facts: ScenarioFacts, notes: dict | None = None) -> Row:
    """The row of one scenario."""
    verdict = Verdict()
    for video in facts.videos:
        verdict.merge(check_video(video))
    verdict.add("stray", len(facts.stray_objects), f"objects under the tenant outside every video: "
                f"{list(facts.stray_objects)[:4]}")
    verdict.add("stray", len(facts.stray_deliveries), f"webhooks for no video of the scenario: "
                f"{[d.event_type for d in facts.stray_deliveries][:4]}")
    if facts.postgres is None or facts.clickhouse is None:
        verdict.problems.append("the ClickHouse report was not compared with PostgreSQL")
    else:
        verdict.merge(compare_counts(facts.postgres, facts.clickhouse))
    normal = [v for v in facts.videos if not v.hostile]
    hostile = [v for v in facts.videos if v.hostile]
    return Row(
        scenario=facts.scenario, submitted=len(facts.videos),
        completed=sum(v.status == "completed" for v in facts.videos),
        failed_with_reason=sum(failed_with_reason(v) for v in facts.videos),
        duplicates=verdict.duplicates, lost=verdict.lost, stray=verdict.stray, resent=verdict.resent,
        expected_completed=len(normal), expected_failed=len(hostile),
        problems=verdict.problems, notices=verdict.notices, notes=dict(notes or {}),
    )
