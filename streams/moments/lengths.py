"""How long a clip may be: a user's range or a named preset, and the part of it feeds favour
(pure)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LengthRange:
    """How long clips may be, and the part of that range feeds favour.

    Attributes:
        min_seconds: shortest clip.
        max_seconds: longest clip.
    """

    min_seconds: float
    max_seconds: float

    def __post_init__(self) -> None:
        if not 0 < self.min_seconds <= self.max_seconds:
            raise ValueError(f"need 0 < min_seconds <= max_seconds, got {self.min_seconds} and {self.max_seconds}")

    @property
    def limits(self) -> tuple[float, float]:
        return (self.min_seconds, self.max_seconds)

    @property
    def preferred(self) -> tuple[float, float]:
        """From an eighth to five eighths of the way through the range (25-45 s for 20-60 s):
        long enough to land a point, short enough that viewers finish it."""
        span = self.max_seconds - self.min_seconds
        return (self.min_seconds + span / 8, self.min_seconds + 5 * span / 8)


LENGTH_PRESETS: dict[str, LengthRange] = {
    "15-30": LengthRange(15.0, 30.0),
    "30-60": LengthRange(30.0, 60.0),
    "60-90": LengthRange(60.0, 90.0),
}
DEFAULT_LENGTH = LengthRange(20.0, 60.0)


def length_range(
    preset: str | None = None, min_seconds: float | None = None, max_seconds: float | None = None
) -> LengthRange:
    """A named preset (``"15-30"``, ``"30-60"``, ``"60-90"``), else a user range; a missing bound
    comes from the default 20-60 s. Raises ``ValueError`` for an unknown preset or a bad range."""
    if preset:
        if preset not in LENGTH_PRESETS:
            raise ValueError(f"unknown length {preset!r}; choose one of {', '.join(LENGTH_PRESETS)}")
        return LENGTH_PRESETS[preset]
    return LengthRange(
        float(DEFAULT_LENGTH.min_seconds if min_seconds is None else min_seconds),
        float(DEFAULT_LENGTH.max_seconds if max_seconds is None else max_seconds),
    )
