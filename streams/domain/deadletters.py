"""The dead-letter record: what a stage writes to its ``<stage>.dlq`` topic when it gives up on a
message, and what an operator reads back and replays (``clipstream dlq``). Pure: no Kafka here
(that is ``streams.adapters.dlq``).

A dead letter keeps the message as it came: its key (bytes, even when not UTF-8, or none) and its
value, except that a value over the size limit keeps only its first ``SAMPLE_BYTES`` (and says so,
``value_truncated``), because the dead-letter topic must take what it is given. The failure travels
in text headers:

==================  =========================================================================
``error_code``      the error's stable code (``streams.errors``), e.g. ``inference_unavailable``
``error``           the reason, for a person (at most 2000 characters)
``stage``           the stage that gave up
``source_topic``    where the message came from, and its ``source_partition``/``source_offset``
``attempts``        how many times the stage tried it
``dead_lettered_at`` when (RFC 3339)
``value_bytes``     the original value's size; ``value_truncated: 1`` when only a sample is kept
``replay_of``       on a replayed copy that failed again: the dead letter it was replayed from
``replay_count``    how many replays deep that copy was
==================  =========================================================================

A dead letter is named ``<stage>:<partition>:<offset>`` (its place on the dead-letter topic). A
replayed copy carries ``replay_of`` (that name), ``replay_count`` and ``replayed_at``, so a copy
that fails again is traceable to the first failure however many replays deep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Iterable, Mapping, Sequence

from streams.errors import DeadLetterError

SAMPLE_BYTES = 64 * 1024
REASON_CHARS = 2000
CARRIED = ("replay_of", "replay_count")  # headers a failing replayed copy passes on to its dead letter

Headers = Mapping[str, bytes] | Sequence[tuple[str, bytes]] | None


@dataclass(frozen=True)
class Origin:
    """Where a consumed message came from, and what it was."""

    topic: str
    partition: int | None = None
    offset: int | None = None
    key: bytes | None = None
    value: bytes = b""
    headers: Mapping[str, bytes] = field(default_factory=dict)


def as_dict(headers: Headers) -> dict[str, bytes]:
    """Kafka headers (a list of pairs, or a mapping) as a dict of bytes; the last of a name wins."""
    if not headers:
        return {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return {str(k): (v if isinstance(v, bytes) else str(v).encode()) for k, v in pairs if v is not None}


def letter(
    stage: str,
    origin: Origin,
    code: str,
    reason: str,
    *,
    attempts: int,
    max_value_bytes: int,
    now: datetime | None = None,
) -> tuple[bytes | None, bytes, dict[str, bytes]]:
    """(key, value, headers) of the dead letter for ``origin``."""
    value = origin.value or b""
    headers = {
        "error_code": code,
        "error": reason[:REASON_CHARS],
        "stage": stage,
        "source_topic": origin.topic,
        "attempts": str(attempts),
        "dead_lettered_at": _iso(now or datetime.now(UTC)),
        "value_bytes": str(len(value)),
    }
    if origin.partition is not None and origin.offset is not None:
        headers.update(source_partition=str(origin.partition), source_offset=str(origin.offset))
    if len(value) > max_value_bytes:
        value = value[:SAMPLE_BYTES]
        headers["value_truncated"] = "1"
    for name in CARRIED:
        if name in origin.headers:
            headers[name] = origin.headers[name].decode("utf-8", "replace")
    return origin.key, value, {k: v.encode() for k, v in headers.items()}


@dataclass(frozen=True)
class DeadLetter:
    """One record read back from a dead-letter topic."""

    stage: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: dict[str, bytes]

    @property
    def id(self) -> str:
        return f"{self.stage}:{self.partition}:{self.offset}"

    def header(self, name: str, default: str = "") -> str:
        value = self.headers.get(name)
        return default if value is None else value.decode("utf-8", "replace")

    @property
    def code(self) -> str:
        return self.header("error_code")

    @property
    def reason(self) -> str:
        return self.header("error")

    @property
    def source_topic(self) -> str:
        return self.header("source_topic")

    @property
    def source(self) -> tuple[str, int | None, int | None]:
        return self.source_topic, _int(self.header("source_partition")), _int(self.header("source_offset"))

    @property
    def size(self) -> int:
        return _int(self.header("value_bytes")) or len(self.value)

    @property
    def truncated(self) -> bool:
        return self.header("value_truncated") == "1"

    @property
    def video(self) -> str:
        """The key as text (the video id of a well-formed message); bytes that are not UTF-8 shown escaped."""
        if self.key is None:
            return ""
        try:
            return self.key.decode("utf-8")
        except UnicodeDecodeError:
            return repr(self.key)

    @property
    def time(self) -> str:
        return self.header("dead_lettered_at") or _iso(datetime.fromtimestamp(self.timestamp_ms / 1000, UTC))

    def replay_headers(self, now: datetime | None = None) -> list[tuple[str, bytes]]:
        """The headers of a replayed copy: where it comes from and how many replays deep it is."""
        depth = (_int(self.header("replay_count")) or 0) + 1
        return [
            ("replay_of", self.id.encode()),
            ("replay_count", str(depth).encode()),
            ("replayed_at", _iso(now or datetime.now(UTC)).encode()),
        ]

    def check_replayable(self) -> None:
        if self.truncated:
            raise DeadLetterError(
                f"dead letter {self.id} keeps only the first {len(self.value):,} of "
                f"{self.size:,} bytes of its message, so it cannot be replayed"
            )
        if not self.source_topic:
            raise DeadLetterError(f"dead letter {self.id} does not say which topic it came from")

    def as_json(self, replayed: bool = False) -> dict:
        topic, partition, offset = self.source
        return {
            "id": self.id,
            "stage": self.stage,
            "partition": self.partition,
            "offset": self.offset,
            "time": self.time,
            "video_id": self.video,
            "error_code": self.code,
            "reason": self.reason,
            "source_topic": topic,
            "source_partition": partition,
            "source_offset": offset,
            "size": self.size,
            "truncated": self.truncated,
            "attempts": _int(self.header("attempts")),
            "replay_of": self.header("replay_of") or None,
            "replayed": replayed,
        }


def select(letters: Iterable[DeadLetter], *, offset: str | None = None, video: str | None = None) -> list[DeadLetter]:
    """The dead letters an operator named: one ``PARTITION:OFFSET`` (or a bare ``OFFSET`` when only
    one partition has it), those of one video, or (neither) all of them; oldest first."""
    letters = sorted(letters, key=lambda d: (d.timestamp_ms, d.partition, d.offset))
    if video is not None:
        letters = [d for d in letters if d.video == video]
    if offset is None:
        return letters
    part, sep, off = offset.rpartition(":")
    try:
        wanted_offset, wanted_part = int(off), (int(part) if sep else None)
    except ValueError:
        raise DeadLetterError(f"--offset {offset!r}: give PARTITION:OFFSET as `clipstream dlq list` shows it") from None
    found = [d for d in letters if d.offset == wanted_offset and wanted_part in (None, d.partition)]
    if not found:
        raise DeadLetterError(f"no dead letter at {offset} (see `clipstream dlq list`)")
    if len(found) > 1:
        raise DeadLetterError(
            f"offset {wanted_offset} is in partitions "
            f"{', '.join(str(d.partition) for d in found)}; name one as PARTITION:OFFSET"
        )
    return found


def table(rows: list[tuple[DeadLetter, bool]], reason_width: int = 70) -> str:
    """The dead letters as a text table, one line each."""
    head = ("id", "time", "video", "code", "source", "size", "replayed", "reason")
    lines = [head]
    for d, replayed in rows:
        topic, partition, offset = d.source
        where = topic if partition is None else f"{topic}:{partition}:{offset}"
        reason = d.reason.replace("\n", " ")
        if len(reason) > reason_width:
            reason = reason[: reason_width - 1] + "…"
        size = f"{d.size:,}" + (" (cut)" if d.truncated else "")
        lines.append(
            (d.id, d.time[:19].replace("T", " "), d.video[:40], d.code, where, size, "yes" if replayed else "", reason)
        )
    widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in lines)


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text not in (None, "") else None
    except ValueError:
        return None
