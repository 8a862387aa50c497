"""How hard a sequential decode tries again when a window fails Whisper's own tests.

faster-whisper decodes a window at temperature 0 (beam search) and, when the result repeats
itself (compression ratio over 2.4) or is unsure (mean log-probability under -1.0), samples it
again at each higher temperature of a ladder, five candidates at a time. Speech the model hears
badly (eSpeak NG's German, a noisy room) fails the log-probability test at every temperature, so
the whole ladder runs, and a sample that falls into a loop runs on to the length limit: one 19 s
stretch of a German talk cost 21 s of decoding, most of it in loops that were then thrown away
(``bench/multilingual_fallback.py``). Pure: no model here.
"""

from __future__ import annotations

import math

#: faster-whisper's own ladder (OpenAI Whisper's).
LADDER = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
#: Whisper decodes at most this many tokens, prompt included.
MODEL_MAX_TOKENS = 448
#: faster-whisper keeps an initial prompt's last 223 tokens; with the start, language and task
#: tokens a prompt is at most this long.
MAX_PROMPT_TOKENS = 227
#: A window holds at most this much audio.
WINDOW_SECONDS = 30.0
#: Tokens allowed on top of the rate (a window's closing timestamp and end of text).
SLACK_TOKENS = 8


def parse_temperatures(text: str) -> tuple[float, ...]:
    """A ladder from ``"0,0.4,0.8"``: starting at 0, rising, at most 1. ``ValueError`` otherwise."""
    try:
        ladder = tuple(float(t) for t in text.split(",") if t.strip())
    except ValueError as exc:
        raise ValueError(f"fallback_temperatures must be numbers separated by commas, got {text!r}") from exc
    if not ladder or ladder[0] != 0.0 or any(b <= a for a, b in zip(ladder, ladder[1:])) or ladder[-1] > 1.0:
        raise ValueError(f"fallback_temperatures must start at 0 and rise to at most 1, got {text!r}")
    return ladder


def token_cap(speech_seconds: float, per_second: float) -> int | None:
    """The most tokens a window of ``speech_seconds`` (at most a whole window) may decode to, at
    ``per_second`` tokens a second of audio; None (the model's own limit) when ``per_second`` is 0
    or the cap would leave a longest prompt no room."""
    if per_second <= 0:
        return None
    cap = math.ceil(min(speech_seconds, WINDOW_SECONDS) * per_second) + SLACK_TOKENS
    return cap if cap <= MODEL_MAX_TOKENS - MAX_PROMPT_TOKENS else None
