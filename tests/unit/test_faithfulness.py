"""Finding where a Whisper decode skipped or looped (``streams.asr.faithfulness``)."""

from __future__ import annotations

from dataclasses import dataclass

from streams.asr.faithfulness import regions, repeated_runs, speech_gaps, word_reach


@dataclass
class W:
    word: str
    start: float
    end: float


def words_over(start: float, end: float, text: str, step: float = 0.4) -> list[W]:
    out, t = [], start
    for token in text.split():
        out.append(W(token, round(t, 3), round(min(end, t + step - 0.05), 3)))
        t += step
    return out


def test_a_span_fully_said_has_no_gap():
    spans = [(0.0, 5.0)]
    words = words_over(0.4, 4.6, "one two three four five six seven eight nine ten eleven")
    assert speech_gaps(spans, words) == []


def test_a_dropped_tail_is_a_gap_inside_its_span_padding_excluded():
    spans = [(0.0, 10.0)]
    words = words_over(0.4, 4.0, "the first sentence was said and then")
    gaps = speech_gaps(spans, words)
    assert len(gaps) == 1
    start, end = gaps[0]
    assert 3.0 < start < 3.5 and end == 9.6  # up to the span's end less its 400 ms of padding


def test_a_short_uncovered_stretch_is_not_a_gap():
    spans = [(0.0, 3.0)]
    words = [W("hello", 0.4, 0.9), W("there", 1.9, 2.6)]  # a 1 s pause, less the words' slack
    assert speech_gaps(spans, words) == []


def test_a_span_without_any_word_is_one_gap():
    assert speech_gaps([(2.0, 6.0)], []) == [(2.4, 5.6)]


def test_a_word_stretched_over_the_speech_it_skipped_hides_no_gap():
    # Whisper base on eSpeak's French: "C'est le" and then nothing for 17 s of speech, "le" given
    # all of it; its own time would cover the skip.
    spans = [(0.0, 30.0)]
    said = "burn qu'il y a mis et ce que fait le produit concrètement à la fin de la journée".split()
    words = [*words_over(1.6, 3.2, "Pas de réseau. C'est"), W("le", 3.2, 20.4), *words_over(20.4, 29.6, " ".join(said * 2))]
    gaps = speech_gaps(spans, words)
    assert len(gaps) == 1
    start, end = gaps[0]
    assert 3.2 + word_reach("le") < start < 4.0 and 20.0 < end <= 20.4 - 0.25 + 1e-9
    assert regions(spans, words) == spans


def test_words_said_slowly_are_not_skips():
    spans = [(0.0, 6.0)]
    for word, seconds in (("responsibilities", 1.6), ("1855", 2.0), ("人工知能", 1.6), ("well...", 1.2)):
        after = words_over(1.6 + seconds, 5.6, "and it went on from there to the end")
        words = [*words_over(0.8, 1.6, "and then"), W(word, 1.6, 1.6 + seconds), *after]
        assert speech_gaps(spans, words) == [], word
    assert word_reach("the") < word_reach("responsibilities") < word_reach("1855")
    assert word_reach("人工知能") > word_reach("ai")


def test_back_to_back_repeats_are_runs_but_ordinary_speech_is_not():
    looped = [W(t, i, i + 0.5) for i, t in enumerate("so we went to the shop to the shop to the shop and".split())]
    assert repeated_runs(looped) == [(3, 12)]
    stutter = [W(t, i, i + 0.5) for i, t in enumerate("it was very very good and that that is all".split())]
    assert repeated_runs(stutter) == []
    sentence = "and this is the part that matters most".split()
    twice = [W(t, i, i + 0.5) for i, t in enumerate(sentence + sentence)]
    assert repeated_runs(twice) == [(0, 16)]
    assert repeated_runs([W(t, i, i + 0.5) for i, t in enumerate("the the the the end".split())]) == [(0, 4)]


def test_a_loop_of_whole_sentences_is_a_run():
    # Whisper base on eSpeak's Portuguese: two sentences (18 words) said again, then the first once
    # more; a list of quantities has no back-to-back repeat of that length.
    block = ("Trezento de setenta e cinquenta dramas de água, um polco moda. "
             "Cinquenta dramas de fade da Jipa e cinquenta grau.").split()
    said = "Entra a que está tudo o que você precisa.".split()
    looped = said + block + block + block[:10] + "E aqui uma balança.".split()
    timed = [W(t, i, i + 0.5) for i, t in enumerate(looped)]
    assert repeated_runs(timed) == [(len(said), len(said) + 2 * len(block))]  # the whole copies
    listed = ("Four hundred and fifty grams of bread flour and fifty grams of whole wheat flour. Three hundred "
              "and seventy-five grams of water, a little warm. One hundred grams of active starter, and ten "
              "grams of fine sea salt.").split()
    assert repeated_runs([W(t, i, i + 0.5) for i, t in enumerate(listed)]) == []


def test_regions_are_whole_spans_holding_a_gap_or_a_loop():
    spans = [(0.0, 8.0), (9.0, 15.0), (16.0, 20.0)]
    said = words_over(0.4, 7.6, "a b c d e f g h i j k l m n o p q r")
    looped = [W(t, 9.5 + i * 0.5, 9.9 + i * 0.5) for i, t in enumerate("go on go on go on go on".split())]
    words = said + looped + words_over(16.4, 18.0, "x y z w")  # the last span's tail is not said
    assert regions(spans, words) == [(9.0, 15.0), (16.0, 20.0)]


def test_overlapping_regions_merge():
    assert regions([(0.0, 5.0), (4.0, 9.0)], []) == [(0.0, 9.0)]


def test_what_was_decoded_alone_is_not_decoded_again_whole():
    """A region holding every span of a recording decoded as one would be decoded the same way
    again; a part of it is still worth a decode of its own."""
    spans = [(0.0, 8.0), (9.0, 15.0)]
    looped = [W(t, 0.5 + i * 0.5, 0.9 + i * 0.5) for i, t in enumerate("go on go on go on go on".split())]
    nothing_said: list[W] = []
    whole = [(0.0, 8.0), (8.0, 15.0)]  # one region: the whole recording
    assert regions(whole, nothing_said) == [(0.0, 15.0)]
    assert regions(whole, nothing_said, decoded_alone=True) == []
    # two regions apart are each decoded alone, which the recording decoded as one was not
    assert regions(spans, nothing_said, decoded_alone=True) == [(0.0, 8.0), (9.0, 15.0)]
    said_after = looped + words_over(9.4, 14.6, "a b c d e f g h i j k l m n")
    assert regions(spans, said_after, decoded_alone=True) == [(0.0, 8.0)]
    assert regions([(0.0, 5.0), (4.0, 9.0)], [], decoded_alone=True) == []


def test_a_short_skip_under_a_stretched_word_is_a_gap_but_a_short_pause_is_not():
    # tiny.en on a FLEURS sentence decoded alone: "... even in the", "the" given the 3 s that held
    # "middle of a sentence", of which 0.67 s lay past the word's reach inside the speech.
    spans = [(0.0, 9.9)]
    said = words_over(0.4, 8.04, "all nouns alongside the word for you always begin with a capital letter even in",
                      step=0.509)
    stretched = [*said, W("the", 8.04, 11.03)]
    [(start, end)] = speech_gaps(spans, stretched)
    assert start == round(8.04 + word_reach("the") + 0.25, 3) and end == 9.5
    paused = [*said, W("the", 8.04, 8.5)]  # the same 0.67 s uncovered after a word of its own length
    assert speech_gaps(spans, paused) == []


def test_a_recording_decoded_alone_is_decoded_again_from_a_lead_in_before_its_gap():
    said = words_over(0.4, 8.04, "all nouns alongside the word for you always begin with a capital letter even in",
                      step=0.509)
    words = [*said, W("the", 8.04, 11.03)]
    assert regions([(0.0, 4.0), (4.0, 9.9)], words) == [(4.0, 9.9)]  # decoded in a batch: its span again
    assert regions([(0.0, 9.9)], words) == [(0.0, 9.9)]
    lead = max(w.start for w in said if w.start <= 8.04 - 1.0)  # a word a second or more before
    assert regions([(0.0, 9.9)], words, decoded_alone=True) == [(lead - 0.25, 9.9)]
    # a gap right after the recording's first word has no lead-in to start from: the same decode
    assert regions([(0.0, 4.0)], [W("hello", 0.4, 3.9)], decoded_alone=True) == []
