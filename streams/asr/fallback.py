"""How hard a sequential decode tries again when a window fails Whisper's own tests.

faster-whisper decodes a window at temperature 0 (beam search) and, when the result repeats
itself (compression ratio over 2.4) or is unsure (mean log-probability under -1.0), samples it
again at each higher temperature of a ladder, five candidates at a time. Speech the model hears
badly (eSpeak NG's German, a noisy room) fails the log-probability test at every temperature, so
the whole ladder runs, and a sample that falls into a loop runs on to the length limit: one 19 s
stretch of a German talk cost 21 s of decoding, most of it in loops that were then thrown away.
Half the ladder (0, 0.4, 0.8: the CPU config's) decoded the German talks in 0.90x the time at the
same error rate, and real clips the same; none at all left a Chinese clip looping. A cap on the
tokens a window may decode to was tried and dropped: a loop cut short passes the compression test
(``bench/multilingual_fallback.py``).

The samples repeat across processes only as ``streams.serving.sampling`` says. Pure: no model here.
"""

from __future__ import annotations

#: faster-whisper's own ladder (OpenAI Whisper's).
LADDER = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def parse_temperatures(text: str) -> tuple[float, ...]:
    """A ladder from ``"0,0.4,0.8"``: starting at 0, rising, at most 1. ``ValueError`` otherwise."""
    try:
        ladder = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError as exc:
        raise ValueError(f"fallback_temperatures must be numbers separated by commas, got {text!r}") from exc
    if not ladder or ladder[0] != 0.0 or any(b <= a for a, b in zip(ladder, ladder[1:])) or ladder[-1] > 1.0:
        raise ValueError(f"fallback_temperatures must start at 0 and rise to at most 1, got {text!r}")
    return ladder
