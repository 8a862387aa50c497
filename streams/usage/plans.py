"""A workspace's plan and the admission of a video against it (pure: no I/O).

A plan limits source minutes processed in a calendar month (UTC), videos in flight at once and
the longest source; ``None`` is no limit. A video is admitted when it fits all three, counting what
is used this month (completed videos, from the ledger) and what videos in flight hold (their read
duration, or what they reserved at submission). A video already admitted is never stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from streams.errors import PlanQuotaExceeded

GB = 1_000_000_000


@dataclass(frozen=True)
class Plan:
    name: str = "default"
    source_minutes_per_month: float | None = None
    concurrent_videos: int | None = None
    max_source_minutes: float | None = None
    storage_gb: float | None = None

    @classmethod
    def from_settings(cls, settings) -> Plan:
        """The server's plan (``CLIPSTREAM_PLAN_*``; 0: no limit)."""
        return cls(
            "default",
            settings.plan_source_minutes_per_month or None,
            settings.plan_concurrent_videos or None,
            settings.plan_max_source_minutes or None,
            settings.plan_storage_gb or None,
        )

    @property
    def limits_minutes(self) -> bool:
        return self.source_minutes_per_month is not None or self.max_source_minutes is not None

    @property
    def limits_anything(self) -> bool:
        return self.limits_minutes or self.concurrent_videos is not None or self.storage_gb is not None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "source_minutes_per_month": self.source_minutes_per_month,
            "concurrent_videos": self.concurrent_videos,
            "max_source_minutes": self.max_source_minutes,
            "storage_gb": self.storage_gb,
        }


@dataclass(frozen=True)
class Standing:
    """What a workspace has used and holds now, in its month."""

    used_seconds: float
    in_flight_seconds: float
    in_flight_videos: int
    storage_bytes: int = 0
    storage_measured_at: datetime | None = None  # None: never measured yet


def month_of(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month (UTC) ``now`` falls in: its start and the next month's."""
    now = now.astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    following = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return start, following


def left_seconds(plan: Plan, standing: Standing) -> float | None:
    if plan.source_minutes_per_month is None:
        return None
    return max(0.0, plan.source_minutes_per_month * 60 - standing.used_seconds - standing.in_flight_seconds)


def admit(plan: Plan, standing: Standing, seconds: float | None, now: datetime, size_bytes: int = 0) -> None:
    """Raise ``PlanQuotaExceeded`` unless a video of ``seconds`` (None: not known yet) and
    ``size_bytes`` (0: not known yet) fits the plan."""
    _, resets = month_of(now)
    details = {
        "plan": plan.as_json(),
        "used_source_minutes": round(standing.used_seconds / 60, 2),
        "in_flight_source_minutes": round(standing.in_flight_seconds / 60, 2),
        "in_flight_videos": standing.in_flight_videos,
        "resets_at": resets.isoformat().replace("+00:00", "Z"),
    }
    if plan.concurrent_videos is not None and standing.in_flight_videos >= plan.concurrent_videos:
        raise PlanQuotaExceeded(
            f"this workspace's plan allows {plan.concurrent_videos} videos in progress at once and "
            f"{standing.in_flight_videos} are: submit this one when one of them is done",
            details,
        )
    if plan.storage_gb is not None and standing.storage_bytes + size_bytes > plan.storage_gb * GB:
        held = standing.storage_bytes / GB
        raise PlanQuotaExceeded(
            f"this workspace holds {held:.2f} GB of its plan's {plan.storage_gb:g} GB of storage"
            + (f" and this upload is {size_bytes / GB:.2f} GB" if size_bytes else "")
            + ": delete videos it no longer needs",
            {**details, "storage_gb": round(held, 3)},
        )
    if seconds is not None and plan.max_source_minutes is not None and seconds > plan.max_source_minutes * 60:
        raise PlanQuotaExceeded(
            f"this video is {seconds / 60:.1f} minutes long and this workspace's plan takes sources of "
            f"at most {plan.max_source_minutes:g} minutes",
            details,
        )
    left = left_seconds(plan, standing)
    if left is None:
        return
    details["left_source_minutes"] = round(left / 60, 2)
    if left <= 0 or (seconds is not None and seconds > left):
        asked = f"this video is {seconds / 60:.1f} minutes long and " if seconds is not None else ""
        raise PlanQuotaExceeded(
            f"{asked}this workspace has {left / 60:.1f} of its {plan.source_minutes_per_month:g} source "
            f"minutes left this month; the minutes reset at {details['resets_at']}",
            details,
        )


THRESHOLDS = (80, 100)


def thresholds_passed(plan: Plan, used_seconds: float) -> list[int]:
    """The alert thresholds (percent of the monthly source minutes) ``used_seconds`` has reached."""
    if not plan.source_minutes_per_month:
        return []
    share = used_seconds / (plan.source_minutes_per_month * 60) * 100
    return [t for t in THRESHOLDS if share >= t - 1e-9]
