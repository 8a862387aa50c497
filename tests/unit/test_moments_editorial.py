"""The editorial signal (what editors clip against what they skip) and the pauses signal."""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from streams.asr.recognition import whole_words
from streams.domain.words import Word
from streams.moments.editorial import (
    JUDGED_FROM,
    LEARNED,
    OUT_OF_DOMAIN,
    PICK_KIND_OF,
    PICKS,
    RHETORIC,
    SKIPS,
    SPEECH_RHETORIC,
    SURE,
    UNSURE,
    UNSURE_SHARE,
    EditorialMap,
    device_weight,
    editorial_map,
    head_share,
    heard_share,
)
from streams.moments.editorial_head import Head
from streams.moments.evidence import Evidence
from streams.moments.pauses import Pauses
from streams.moments.rhetoric import Device
from streams.moments.scoring import score_window
from streams.moments.windows import Window
from streams.moments.sentences import Sentence, build_sentences
from streams.text import default_encoder
from tests.unit.moments_text import timed_words

PICK, SKIP, OTHER = np.eye(3, dtype=np.float32)


def sentences_of(count: int, gaps: dict[int, float] | None = None):
    """``count`` one-sentence-each stretches; ``gaps`` adds a pause before sentence i."""
    text = " ".join(f"<{gaps[i]}> Sentence number {i} is here." if gaps and i in gaps else f"Sentence number {i} is here."
                    for i in range(count))
    sentences = build_sentences(timed_words(text))
    assert len(sentences) == count
    return sentences


def story_map(kinds: str, context: int = 0):
    """A map over one sentence per letter: P reads like a pick, S like a skip, O like neither."""
    sentences = sentences_of(len(kinds))
    rows = {"P": PICK * 0.9 + OTHER * 0.44, "S": SKIP * 0.9 + OTHER * 0.44, "O": OTHER}
    embeddings = np.array([rows[k] / np.linalg.norm(rows[k]) for k in kinds])
    return sentences, editorial_map(sentences, embeddings, PICK[None, :], SKIP[None, :], context=context)


def test_scores_are_measured_against_the_talk_and_name_the_nearest_pick():
    sentences, found = story_map("SSOPPPOSS")
    assert found.starts == tuple(s.start for s in sentences)
    scores = found.scores
    assert min(scores[3:6]) > max(scores[:3] + scores[6:])
    assert np.median(scores) == pytest.approx(0.0, abs=1e-6)
    assert found.nearest == (0,) * 9  # one pick description here


def test_the_whole_story_beats_a_piece_of_it_and_a_window_that_runs_into_filler():
    sentences, found = story_map("SSOPPPOSS")
    whole = found.value(sentences[3:6])
    piece = found.value(sentences[3:5])
    spill = found.value(sentences[2:8])
    filler = found.value(sentences[0:3])
    assert whole > piece and whole > spill > filler
    assert all(0.0 <= v <= 1.0 for v in (whole, piece, spill, filler))


def test_context_smooths_a_lone_sentence_into_its_neighbours():
    _, alone = story_map("SSSPSSS", context=0)
    _, smoothed = story_map("SSSPSSS", context=1)
    assert smoothed.scores[2] > alone.scores[2] and smoothed.scores[3] < alone.scores[3]


def test_covers_only_the_sentences_it_was_made_from():
    sentences, found = story_map("SPS")
    later = build_sentences(timed_words("A later sentence.", start=100.0))
    assert found.covers(sentences) and not found.covers(later) and not found.covers([])


def disagreeing_head():
    """``JUDGED_FROM`` sentences alternating pick-like and skip-like (P, S, P, ...), and a head that
    disagrees with the descriptions: it scores the skip-like ones up."""
    rows = {"P": PICK * 0.9 + OTHER * 0.44, "S": SKIP * 0.9 + OTHER * 0.44}
    embeddings = np.array([rows[k] / np.linalg.norm(rows[k]) for k in "PS" * (JUDGED_FROM // 2)])
    return embeddings, Head(weights=SKIP * 10.0, bias=0.0, trained_on="test")


def test_the_head_ranks_ordinary_talks_but_not_speeches_built_of_rhetoric():
    """The head learnt from talks with few built lines: in a speech where most sentences carry a
    device it has no say, and the descriptions rank the sentences."""
    line = Device("a contrast", 0.1, "not ... but")
    assert head_share(()) == head_share([None] * 10) == LEARNED
    low, high = OUT_OF_DOMAIN
    assert head_share([line] * int(low * 100) + [None] * (100 - int(low * 100))) == pytest.approx(LEARNED)
    assert head_share([line] * int(high * 100) + [None] * (100 - int(high * 100))) == 0.0
    assert 0.0 < head_share([line] * 20 + [None] * 80) < LEARNED
    sentences = sentences_of(JUDGED_FROM)
    embeddings, head = disagreeing_head()
    def scores(devices):
        found = editorial_map(sentences, embeddings, PICK[None, :], SKIP[None, :], context=0, devices=devices, head=head)
        return np.asarray(found.scores)
    ordinary = scores([None] * JUDGED_FROM)
    assert ordinary[1::2].min() > ordinary[0::2].max()  # the head carries an ordinary talk
    speech = scores([line] * JUDGED_FROM)
    assert speech[0::2].min() > speech[1::2].max()  # the descriptions carry a speech
    # ... and the devices weigh more there: the built lines are what a speech is quoted for.
    assert device_weight(LEARNED) == RHETORIC < device_weight(LEARNED / 2) < device_weight(0.0) == SPEECH_RHETORIC
    strong = Device("a reversed pair", 1.0, "ask not ... ask")
    built = scores([line, strong] + [line] * (JUDGED_FROM - 2))
    assert built[1] == max(built)  # a plain-sounding line, strongly built, tops the speech


def heard_at(sentences, probability: float):
    """``sentences`` as the recogniser would give them were it ``probability`` sure of each word."""
    return [Sentence(tuple(replace(w, probability=probability) for w in s.words)) for s in sentences]


def test_how_sure_the_words_were_heard_does_not_change_when_they_are_joined():
    """faster-whisper's parts of a word ("l" "'autre") and the whole word the recognizer joins
    them into weigh the same in ``heard_share``: it is a mean over characters."""
    texts = (" C", "'est", " l", "'autre", " fois", " Jean", "-Carlos")
    parts = [SimpleNamespace(word=t, start=i * 0.3, end=i * 0.3 + 0.2, probability=p)
             for i, (t, p) in enumerate(zip(texts, (0.99, 0.8, 0.98, 0.75, 0.8, 0.9, 0.7)))]
    split = Sentence(tuple(Word(w.word.strip(), w.start, w.end, w.probability) for w in parts))
    joined = Sentence(tuple(Word(*w) for w in whole_words(parts)))
    assert len(joined.words) == 4 < len(split.words)
    assert UNSURE_SHARE < heard_share([split]) < 1.0
    assert heard_share([joined]) == pytest.approx(heard_share([split]))


def test_a_transcript_the_recogniser_was_unsure_of_leans_on_the_descriptions():
    """The head learnt from clean text: where the words were heard unsurely it keeps
    ``UNSURE_SHARE`` of its share, in proportion between ``UNSURE`` and ``SURE``, and the
    descriptions then carry a talk the head alone would have ranked the other way."""
    sentences = sentences_of(JUDGED_FROM)
    assert heard_share(heard_at(sentences, 1.0)) == 1.0
    assert heard_share(heard_at(sentences, SURE)) == pytest.approx(1.0)
    assert heard_share(heard_at(sentences, UNSURE)) == pytest.approx(UNSURE_SHARE)
    assert heard_share(heard_at(sentences, 0.1)) == pytest.approx(UNSURE_SHARE)
    assert UNSURE_SHARE < heard_share(heard_at(sentences, (SURE + UNSURE) / 2)) < 1.0
    embeddings, head = disagreeing_head()

    def scores(heard):
        found = editorial_map(heard, embeddings, PICK[None, :], SKIP[None, :], context=0, head=head)
        return np.asarray(found.scores)

    sure = scores(heard_at(sentences, 0.95))
    assert sure[1::2].min() > sure[0::2].max()  # the head carries a clean transcript
    unsure = scores(heard_at(sentences, 0.5))
    assert unsure[0::2].min() > unsure[1::2].max()  # the descriptions carry an unsure one


def test_a_talk_opening_on_a_flourish_keeps_the_heads_share_until_more_is_heard():
    """Early in a stream a talk is judged as if it had ``JUDGED_FROM`` sentences, the rest plain:
    one built opening line in five sentences does not take the head's say from the first picks,
    while a speech whose every sentence is built loses it as soon as there are enough of them."""
    line = Device("a contrast", 0.1, "not ... but")
    assert head_share([line] + [None] * 4) == LEARNED
    assert head_share([line] * 5) > 0.0
    assert head_share([line] * JUDGED_FROM) == 0.0


def test_a_window_at_the_talks_start_gets_no_lift_from_the_edge():
    """What lies before the talk counts as an ordinary stretch of it: an opening that stands out
    no more than a stretch inside does not rise above it (an opening greeting had, in stand-up)."""
    sentences = sentences_of(8)
    starts = tuple(s.start for s in sentences)

    def value_of(scores, first):
        found = EditorialMap(starts, tuple(scores), (0,) * len(scores))
        return found.value(sentences[first : first + 2])

    at_start = value_of([1.0, 1.0, -1.0, -1.0, 0.0, 0.0, 0.0, 0.0], 0)
    inside = value_of([0.0, 0.0, 1.0, 1.0, -1.0, -1.0, 0.0, 0.0], 2)
    assert at_start == pytest.approx(inside)


def test_bad_inputs_are_refused():
    sentences = sentences_of(2)
    with pytest.raises(ValueError, match="2 sentences but 1 embeddings"):
        editorial_map(sentences, np.ones((1, 3)), PICK[None, :], SKIP[None, :])
    with pytest.raises(ValueError, match="at least one pick"):
        editorial_map(sentences, np.ones((2, 3)), np.empty((0, 3)), SKIP[None, :])
    assert editorial_map([], np.empty((0, 3)), PICK[None, :], SKIP[None, :]).starts == ()


def test_the_real_encoder_puts_a_story_above_housekeeping():
    """all-MiniLM-L6-v2 with the shipped descriptions: a passage that tells a story with a turn
    stands out above announcements and an agenda (all written for this test, none taken from
    the labelled talks)."""
    encoder = default_encoder()
    text = (
        "Before we start, a few announcements. The slides will be online after the session. "
        "Please keep your questions for the end. Here is the plan for the next hour. "
        "In my first week as a nurse, a patient asked me to call her son. "
        "I dialled, and a child answered and said her dad had died two years ago. "
        "She had been asking every nurse to call him, every night, and nobody had told her. "
        "That night I learned that the truth can be the kindest thing you give someone. "
        "Next, the agenda for the afternoon sessions. Lunch is served in the main hall. "
        "The afternoon workshops start at two, and the rooms are listed in the programme."
    )
    sentences = build_sentences(timed_words(text))
    found = editorial_map(sentences, encoder.encode([s.text for s in sentences]), encoder.encode(list(PICKS)),
                          encoder.encode(list(SKIPS)))
    story = next(i for i, s in enumerate(sentences) if s.text.startswith("In my first week"))
    stories = found.value(sentences[story : story + 4])
    assert stories > 0.6
    assert stories > found.value(sentences[:story]) and stories > found.value(sentences[story + 4 :])


def test_pauses_reward_a_window_set_off_by_silence():
    sentences = sentences_of(6, gaps={2: 2.0, 5: 2.0})
    pauses = Pauses.of(sentences)
    assert pauses.before[sentences[0].start] == 0.0 and pauses.after[sentences[-1].end] == 0.0
    set_off = pauses.breaks(sentences[2:5])
    run_on = pauses.breaks(sentences[1:4])
    assert set_off == 1.0 and run_on < set_off
    assert 0.0 <= run_on <= 1.0
    # The talk's own start and end are no pause: the opening is not set off by them.
    assert pauses.breaks(sentences[0:2]) < set_off and pauses.breaks(sentences[3:6]) < set_off


def test_scores_carry_editorial_and_breaks_and_say_why():
    sentences, found = story_map("SSOPPPOSS")
    evidence = Evidence(editorial=found, pauses=Pauses.of(sentences))
    moment = score_window(Window(tuple(sentences[3:6])), evidence)
    assert moment.signals["editorial"] == round(found.value(sentences[3:6]), 3)
    assert moment.signals["breaks"] == round(Pauses.of(sentences).breaks(sentences[3:6]), 3)
    assert f"reads like {PICK_KIND_OF[0]}" in moment.reason.lower()
    neutral = score_window(Window(tuple(sentences[3:6])))
    assert neutral.signals["editorial"] == 0.5 and neutral.signals["breaks"] == 0.5
