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


def test_a_variant_changes_a_lexicons_word_list_and_puts_it_back():
    """The signals cache what they read per lexicon, by its identity, which a changed list keeps:
    a variant is read afresh, and so is the lexicon put back."""
    from streams.moments.lexicon import ENGLISH
    from streams.moments.signals import is_number, sentence_talk
    from tests.unit.test_moments_lexicon import sentence

    said = sentence("One of them paid half.")
    before, counted = ENGLISH.number_words, sentence_talk(said, ENGLISH).numbers
    changes = parse_set("lexicon.ENGLISH.number_words-=one,lexicon.ENGLISH.number_words-=half")
    undo = applied(changes)
    try:
        assert not is_number("one", ENGLISH) and not is_number("half", ENGLISH)
        assert sentence_talk(said, ENGLISH).numbers == 0
    finally:
        applied(changes, undo)
    assert ENGLISH.number_words == before and is_number("one", ENGLISH) and is_number("half", ENGLISH)
    assert sentence_talk(said, ENGLISH).numbers == counted == 2
    with pytest.raises(SystemExit, match="not a word list"):
        parse_set("lexicon.ENGLISH.language+=xx")


def test_a_name_the_ranking_does_not_have_is_refused():
    with pytest.raises(SystemExit, match="no 'loudness'"):
        parse_set("scoring.WEIGHTS[loudness]=0")
    with pytest.raises(SystemExit, match="has no SUPERSEDE_MARGN"):
        parse_set("selection.SUPERSEDE_MARGN=3")


@pytest.mark.parametrize("name", ["794beb9", "94fa80e"])
def test_a_saved_set_of_transcripts_reads_back_as_labelled_readings(name):
    """The transcripts kept in the repository (bench/transcript_sets.py) are what ranking_sweep
    --transcripts ranks: each talk's chunks, with its highlights placed by its passages' durations.
    Since 94fa80e a conversation's voices are kept, and diarization tells its speakers apart."""
    import json

    from bench.ranking_sweep import from_set, keeps_voices
    from bench.transcript_sets import SETS
    from streams.speakers.video import turns_of_chunks

    folder = SETS / name
    readings = from_set(folder)
    listed = json.loads((folder / "set.json").read_text())["readings"]
    assert [r.tag for r in readings] == [f"spoken {tag} [{name}]" for tag in listed]
    podcast = next(r for r in readings if r.tag.startswith("spoken de/podcast_sailing"))
    heard = {t.speaker for t in turns_of_chunks(podcast.chunks, complete=True)}
    assert len(heard) == (2 if name == "94fa80e" else 0)  # 794beb9 was kept without voices
    assert keeps_voices(readings) == (name == "94fa80e")  # and the sweep says so
    for reading in readings:
        assert reading.chunks and reading.chunks[-1].end_s <= reading.duration + 1
        assert len(reading.highlights) >= 4
        assert all(0 <= h.start < h.end <= reading.duration + 1 for h in reading.highlights)
    with pytest.raises(SystemExit, match="no saved set"):
        from_set(SETS / "no-such-set")


def test_a_kept_chunk_keeps_who_speaks():
    """The replays rank kept chunks as the pipeline ranked the stored ones: with diarization's
    voices, which tell a podcast's host from its guest (``moments.conversation``)."""
    from bench.ranking_replay import chunk_json, chunk_of

    voices = {"spans": [[0.0, 4.0]], "prints": [[0.6, 0.8]]}
    kept = chunk_json(chunk_of({"chunk_index": 0, "start_s": 0.0, "end_s": 4.0, "language": "en",
                                "words": [{"word": " Hi", "start": 0.1, "end": 0.4}], "voices": voices}))
    assert kept["voices"] == voices
    assert chunk_of(kept).voices == voices
    assert chunk_of({**kept, "voices": None}).voices is None
