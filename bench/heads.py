"""The editorial heads a benchmark scores a labelled talk with (issues 48, 49).

The shipped heads (``streams.moments.editorial_head``) are trained on our own talks
(``bench/highlights``), so a benchmark scores each of those with heads trained without it, never
with one that learned its labels; any other talk (the shared ones, the real speeches, the
translations of the shared talks) with the heads as shipped. A left-out head is trained once and
kept in ``EVAL_CACHE/heads`` under the digest of what it was trained on, so a change to a script,
the settings or the features trains it again and nothing else does.
"""

from __future__ import annotations

from pathlib import Path

from streams.moments import editorial_head as eh
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, EVAL_CACHE, talk_names

# The variable that names each space's head file to a process.
VARIABLES = {space: variable for space, (variable, _file) in eh.SPACES.items()}


def left_out(name: str) -> dict[str, Path]:
    """Each space's head file trained without the talk ``name``; empty where the heads never
    trained on it (score it with the shipped ones)."""
    if name not in talk_names(BENCH_HIGHLIGHTS_DIR):
        return {}
    scripts = eh.scripts_of(eh.default_labels(), [name])
    out = {}
    for space in VARIABLES:
        path = EVAL_CACHE / "heads" / f"{space}-{eh.digest(scripts, space)}.npz"
        if not path.is_file():
            eh.train(scripts, eh.encoder_of(space), space).save(path)
        out[space] = path
    return out


def environment(name: str) -> dict[str, str]:
    """``left_out(name)`` as the variables a replaying process reads."""
    return {VARIABLES[space]: str(path) for space, path in left_out(name).items()}


def loaded(name: str) -> dict[str, object]:
    """Each space's head (``editorial_head.Head``) to score the talk ``name`` with: left out, or
    the shipped one."""
    files = left_out(name)
    return {space: eh.load(files.get(space), space) for space in VARIABLES}
