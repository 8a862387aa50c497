"""The editorial heads a benchmark scores a labelled talk with (issues 48, 49).

The shipped heads (``streams.moments.editorial_head``) are trained on our own talks
(``bench/highlights``), so a benchmark scores each of those with heads trained without it, never
with one that learned its labels; any other talk (the shared ones, the real speeches, the
translations of the shared talks) with the heads as shipped. A left-out head is trained once and
kept in ``EVAL_CACHE/heads`` under the digest of what it was trained on, so a change to a script,
the settings or the features trains it again and nothing else does.

``extra`` (``ranking_sweep --train-on``) adds scripts the shipped heads do not train on: every talk
is then scored with heads trained on them too (and without the talk itself, if it is ours), so a
candidate training script is judged on every reading before it joins ``bench/highlights``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from streams.moments import editorial_head as eh
from tests.highlight_talks import BENCH_HIGHLIGHTS_DIR, EVAL_CACHE, talk_names

# The variable that names each space's head file to a process.
VARIABLES = {space: variable for space, (variable, _file) in eh.SPACES.items()}


def left_out(name: str, extra: Sequence[Path] = ()) -> dict[str, Path]:
    """Each space's head file trained without the talk ``name`` (and on ``extra`` too); empty where
    the heads never trained on it and there is no ``extra`` (score it with the shipped ones)."""
    ours = name in talk_names(BENCH_HIGHLIGHTS_DIR)
    if not ours and not extra:
        return {}
    scripts = eh.scripts_of(eh.default_labels(), [name] if ours else []) + [Path(p) for p in extra]
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


def loaded(name: str, extra: Sequence[Path] = ()) -> dict[str, object]:
    """Each space's head (``editorial_head.Head``) to score the talk ``name`` with: left out (and
    trained on ``extra`` too), or the shipped one."""
    files = left_out(name, extra)
    return {space: eh.load(files.get(space), space) for space in VARIABLES}
