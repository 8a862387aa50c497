"""bench/ranking_sweep.py's variants: what ``--set`` names is set for the variant's run and put
back after it."""

import pytest

from bench.ranking_sweep import applied, parse_set
from streams.moments import scoring, selection


def test_a_variant_sets_constants_and_weights_and_puts_them_back():
    margin, numbers = selection.SUPERSEDE_MARGIN, scoring.WEIGHTS["numbers"]
    changes = parse_set("selection.SUPERSEDE_MARGIN=3,scoring.WEIGHTS[numbers]=0")
    undo = applied(changes)
    try:
        assert selection.SUPERSEDE_MARGIN == 3.0 and scoring.WEIGHTS["numbers"] == 0.0
    finally:
        applied(changes, undo)
    assert selection.SUPERSEDE_MARGIN == margin and scoring.WEIGHTS["numbers"] == numbers


def test_a_name_the_ranking_does_not_have_is_refused():
    with pytest.raises(SystemExit, match="no 'loudness'"):
        parse_set("scoring.WEIGHTS[loudness]=0")
    with pytest.raises(SystemExit, match="has no SUPERSEDE_MARGN"):
        parse_set("selection.SUPERSEDE_MARGN=3")
