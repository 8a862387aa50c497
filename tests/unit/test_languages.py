"""The pure side of identifying languages: the upload option, probes settled into spans, where
the audio is cut between spans, and the chunk's dominant language."""

import pytest

from streams.asr.languages import (
    CODES, SWITCH_SURE, LanguageSpan, Probe, best_language, cuts, dominant, held, never_identified, parse_language, runs,
    settle, spoken_between,
)
from streams.asr.whisper import WhisperOptions
from streams.asr.spoken import covers_of, pieces_of, to_probe_again, windows_of
from streams.asr.recognition import Recognition
from streams.domain.transcript import TranscriptChunk
from streams.domain.words import Word
from streams.errors import UnknownLanguage


def test_auto_and_nothing_mean_identify():
    assert parse_language("auto") is None
    assert parse_language(None) is None
    assert parse_language("") is None
    assert parse_language(" AUTO ") is None


def test_codes_are_normalised_and_checked():
    assert parse_language("DE") == "de"
    assert parse_language("haw") == "haw"
    assert len(CODES) == 99 and "en" in CODES and "zh" in CODES
    for bad in ("english", "xx", "en-US", "yue"):  # yue is large-v3's, not base's
        with pytest.raises(UnknownLanguage) as info:
            parse_language(bad)
        assert info.value.code == "unknown_language" and not info.value.retriable


def test_probes_of_one_language_join_with_speech_weighted_probability():
    spans = runs([Probe(0, 30, "en", 0.9, speech=20), Probe(30, 60, "en", 0.6, speech=10)])
    assert spans == [LanguageSpan("en", 0, 60, 0.8)]


def test_a_change_of_language_makes_two_spans():
    spans = runs([Probe(0, 29.5, "en", 0.99), Probe(30.6, 59.9, "de", 0.98)])
    assert [(s.language, s.start, s.end) for s in spans] == [("en", 0, 29.5), ("de", 30.6, 59.9)]


def test_unsure_probes_take_the_language_around_them():
    probes = [Probe(0, 13, "en", 0.92), Probe(13.3, 14, "sk", 0.21), Probe(14, 14.7, "et", 0.37),
              Probe(14.8, 29.5, "en", 0.95)]
    assert [p.language for p in settle(probes)] == ["en", "en", "en", "en"]
    assert settle(probes)[1].probability == 0.21  # its own probability is kept
    assert [s.language for s in runs(probes)] == ["en"]


def test_an_unsure_probe_between_two_languages_goes_with_the_nearer():
    probes = [Probe(0, 10, "en", 0.9), Probe(10.2, 11, "nl", 0.3), Probe(20, 30, "de", 0.9)]
    assert [p.language for p in settle(probes)] == ["en", "en", "de"]


def test_sure_probes_are_never_overruled_and_all_unsure_stay():
    probes = [Probe(0, 10, "en", 0.9), Probe(10, 20, "de", 0.8), Probe(20, 30, "en", 0.9)]
    assert [p.language for p in settle(probes)] == ["en", "de", "en"]
    unsure = [Probe(0, 1, "sk", 0.2), Probe(1, 2, "et", 0.3)]
    assert settle(unsure) == unsure


def test_a_change_of_language_the_model_is_not_sure_of_is_undone():
    """eSpeak's German, heard as Latin or Thai for a few seconds at 0.6-0.9 in every chunk, stays
    German; a German sentence in an English talk, heard at 0.99 as real speech is, stays German."""
    probes = [Probe(0, 40, "de", 0.82, speech=38), Probe(40.5, 47, "la", 0.91, speech=6),
              Probe(47.2, 52, "th", 0.72, speech=4), Probe(52.3, 90, "de", 0.75, speech=36)]
    spans = runs(probes)
    assert [(s.language, s.start, s.end) for s in spans] == [("de", 0, 90)]
    assert 0.72 < spans[0].probability < 0.91  # its stretches' own probabilities, weighted by length
    switched = [Probe(0, 9.2, "en", 0.99), Probe(13.4, 20.9, "de", 0.994), Probe(24, 32, "en", 0.95)]
    assert [s.language for s in runs(switched)] == ["en", "de", "en"]


def test_the_language_heard_before_holds_a_chunk_the_model_is_unsure_of():
    """A chunk of a German talk heard mostly as Latin (0.55-0.63) is German when German came before
    it; without that, the chunk's own most heard language decides. A sure change still stands."""
    spans = [LanguageSpan("la", 0, 23, 0.57), LanguageSpan("de", 23.5, 62, 0.65), LanguageSpan("la", 62.5, 115, 0.63)]
    assert [s.language for s in held(spans, before="de")] == ["de"]
    assert [s.language for s in held(spans)] == ["la"]
    new = [LanguageSpan("fr", 0, 60, SWITCH_SURE + 0.01)]
    assert held(new, before="de") == new
    assert held([], before="de") == []


def test_cuts_fall_in_the_middle_of_the_pauses():
    spans = [LanguageSpan("en", 1, 29.5, 0.9), LanguageSpan("de", 30.5, 58, 0.9)]
    assert cuts(spans, 60.0) == [(0.0, 30.0), (30.0, 60.0)]
    assert cuts(spans[:1], 60.0) == [(0.0, 60.0)]


def test_dominant_is_the_language_with_most_speech():
    spans = [LanguageSpan("en", 0, 10, 0.9), LanguageSpan("de", 10, 40, 0.8), LanguageSpan("en", 40, 45, 0.7)]
    assert dominant(spans) == ("de", 0.8)
    assert dominant([]) is None
    assert dominant([LanguageSpan("fr", 0, 5, None)]) == ("fr", None)


def test_speech_is_grouped_into_windows_and_pieces():
    second = 16000
    spans = [{"start": i * 10 * second, "end": (i * 10 + 8) * second} for i in range(5)]  # 8 s each
    assert [len(w) for w in windows_of(spans, 30)] == [3, 2]  # 24 s, then 16 s
    short = [{"start": i * second, "end": i * second + second // 2} for i in range(10)]  # 0.5 s each
    assert [len(p) for p in pieces_of(short, 3.0)] == [6, 4]
    assert pieces_of([], 3.0) == [] and windows_of([], 30) == []


def test_all_of_a_windows_speech_is_covered_by_probes():
    second = 16000
    spans = [{"start": i * 4 * second, "end": (i * 4 + 3) * second} for i in range(8)]  # 3 s each, 24 s
    covers = covers_of(spans, 5.0)
    assert [len(c) for c in covers] == [2, 2, 2, 2]  # 6 s each: every span is in one
    assert [s for c in covers for s in c] == spans
    # A rest too short to tell a language by joins the piece before it.
    word = {"start": 40 * second, "end": 41 * second}  # 1 s
    assert [len(c) for c in covers_of(spans[:4] + [word], 5.0)] == [2, 3]
    assert [len(c) for c in covers_of(spans[:5], 5.0)] == [2, 2, 1]  # 3 s is enough
    assert covers_of(spans[:1], 5.0) == [spans[:1]]


def test_windows_are_probed_again_where_a_sure_probe_says_another_language():
    german = [[Probe(0, 10, "de", 0.9), Probe(10, 20, "de", 0.8)], [Probe(21, 31, "de", 0.9)]]
    assert to_probe_again(german) == set()
    # eSpeak's German heard as Thai by a probe too unsure to name it: no change to place
    unsure = [[Probe(0, 10, "de", 0.9), Probe(10, 20, "th", 0.3)], [Probe(21, 31, "de", 0.9)], [Probe(32, 40, "de", 0.9)]]
    assert to_probe_again(unsure) == set()
    # a sure probe of another language inside a window, and across a window's edge
    inside = [[Probe(0, 10, "de", 0.9), Probe(10, 20, "th", 0.7)], [Probe(21, 31, "de", 0.9)], [Probe(32, 40, "de", 0.9)]]
    assert to_probe_again(inside) == {0, 1}
    edge = [[Probe(0, 10, "en", 0.9)], [Probe(11, 20, "de", 0.95)], [Probe(21, 30, "de", 0.9)]]
    assert to_probe_again(edge) == {0, 1}
    # an unsure probe that straddles a change takes the nearer side's language (here the one
    # before), which the sure probe after it disagrees with: its window is probed again
    straddle = [[Probe(0, 10, "en", 0.9)], [Probe(11, 20, "de", 0.4)], [Probe(21, 30, "de", 0.95)]]
    assert to_probe_again(straddle) == {1, 2}
    # with no sure probe at all, any disagreement is looked at again
    assert to_probe_again([[Probe(0, 10, "en", 0.3)], [Probe(11, 20, "de", 0.4)]]) == {0, 1}
    assert to_probe_again([]) == set()


def test_a_recognition_keeps_its_languages_through_json_and_shift():
    heard = Recognition("de", 60.0, [Word("Jeder", 31.0, 31.4, 0.9)], [], 0.97,
                        [LanguageSpan("en", 0, 29.5, 0.99), LanguageSpan("de", 30.6, 59.9, 0.97)])
    again = Recognition.from_json(heard.as_json())
    assert again == heard
    moved = heard.shift(120.0)
    assert moved.language_probability == 0.97
    assert [(s.start, s.end) for s in moved.languages] == [(120.0, 149.5), (150.6, 179.9)]
    old = Recognition.from_json({"language": "en", "duration": 1.0, "words": [], "segments": []})
    assert old.language_probability is None and old.languages == []


def _chunk(start, end, language, spans):
    return TranscriptChunk(chunk_index=0, start_s=start, end_s=end, language=language, words=(),
                           languages=tuple({"language": l, "start": a, "end": b, "probability": 0.9} for l, a, b in spans))


def test_a_clip_speaks_the_language_most_heard_inside_it():
    talk = [_chunk(0.0, 60.0, "en", [("en", 1.0, 58.0)]),
            _chunk(60.0, 120.0, "en", [("en", 60.5, 95.0), ("de", 96.0, 119.0)])]
    assert spoken_between(talk, 10.0, 40.0) == "en"
    assert spoken_between(talk, 90.0, 118.0) == "de"  # 5 s of English, 22 of German
    assert spoken_between(talk, 50.0, 80.0) == "en"  # across two chunks
    assert spoken_between(talk, 200.0, 230.0) is None  # after the talk


def test_chunks_without_spans_give_their_own_language():
    older = [_chunk(0.0, 60.0, "fr", []), _chunk(60.0, 120.0, "es", [])]
    assert spoken_between(older, 50.0, 75.0) == "es"
    assert spoken_between([], 0.0, 10.0) is None


def test_identification_never_names_latin_unless_told_to():
    # what Whisper base said of the first 10 s of an eSpeak German lecture, resampled by FFmpeg
    ranked = [("la", 0.40), ("de", 0.35), ("nn", 0.10), ("en", 0.05), ("yi", 0.10)]
    code, probability = best_language(ranked, never_identified("la"))
    assert code == "de" and probability == pytest.approx(0.35 / 0.60)
    assert best_language(ranked, never_identified("none")) == ("la", 0.40)
    # codes in any case, with spaces; on a tie the model's order decides
    assert best_language(ranked, never_identified("la, DE")) == ("nn", pytest.approx(0.10 / 0.25))
    with pytest.raises(UnknownLanguage, match="xx"):
        never_identified("la,xx")
    with pytest.raises(ValueError):
        best_language([("la", 1.0)], never_identified("la"))


def test_the_whisper_model_leaves_latin_out_by_default_and_refuses_an_unknown_code():
    assert never_identified(WhisperOptions.from_parameters({}).never_identified) == {"la"}
    assert never_identified(WhisperOptions.from_parameters({"never_identified": "none"}).never_identified) == frozenset()
    with pytest.raises(UnknownLanguage):
        WhisperOptions.from_parameters({"never_identified": "latin"})
