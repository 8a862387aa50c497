"""Words as a reader splits them: faster-whisper's parts of one word joined where Whisper wrote no
space between them (``streams.asr.recognition.whole_words``). The word lists are faster-whisper's
own, as `base` heard ../shared/media/speech/multilingual's French and Italian recordings."""

import json
from types import SimpleNamespace

import numpy as np
import pytest

from streams.asr.recognition import rejoined, whole_words
from streams.domain.words import Word
from streams.asr.whisper import WhisperOptions, recognition_from


def heard(*texts: str) -> list[SimpleNamespace]:
    return [SimpleNamespace(word=t, start=i * 0.5, end=i * 0.5 + 0.4, probability=0.5 + i / 100) for i, t in enumerate(texts)]


def texts(words) -> list[str]:
    return [w[0] for w in words]


def test_elisions_and_hyphenated_names_are_one_word():
    french = heard(" Justement", " du", " tingue", " n", "'en", " ressemblent", " pas", " d", "'il", " y", "'en", " a.")
    assert texts(whole_words(french)) == ["Justement", "du", "tingue", "n'en", "ressemblent", "pas", "d'il", "y'en", "a."]
    assert texts(whole_words(heard(" Jean", "-Carlos", " Fittiela"))) == ["Jean-Carlos", "Fittiela"]
    assert texts(whole_words(heard(" rispetto", " all", "'anno", " precedente,"))) == ["rispetto", "all'anno", "precedente,"]
    assert texts(whole_words(heard(" a", " steam", "-powered", " loom", " at", " 50", "%"))) == [
        "a", "steam-powered", "loom", "at", "50%"]


def test_a_joined_word_spans_its_parts_with_their_mean_probability_over_characters():
    (word,) = whole_words(heard(" l", "'autre"))
    assert word[:3] == ("l'autre", 0.0, 0.9)
    assert word[3] == pytest.approx((0.5 * 1 + 0.51 * 6) / 7)


def test_spaced_words_quotes_and_french_question_marks_stay_apart():
    assert texts(whole_words(heard(" He", " said", " 'hello'", " twice."))) == ["He", "said", "'hello'", "twice."]
    assert texts(whole_words(heard(" Est", "-ce", " bien", " ?"))) == ["Est-ce", "bien", "?"]


def test_the_first_word_and_words_of_unspaced_scripts_are_never_joined():
    assert texts(whole_words(heard("dal", " passo"))) == ["dal", "passo"]
    japanese = heard("私", "は", "Python", "が", "好き")
    assert texts(whole_words(japanese)) == ["私", "は", "Python", "が", "好き"]
    assert texts(whole_words(heard("广州市", "房地产", " 4035", "公交"))) == ["广州市", "房地产", "4035", "公交"]
    assert whole_words(heard(" ", "")) == []


def test_recognition_carries_whole_words():
    parts = heard(" c", "'est", " fini.")
    segment = SimpleNamespace(text=" c'est fini.", start=0.0, end=1.4, avg_logprob=-0.3, no_speech_prob=0.02, words=parts)
    r = recognition_from([segment], "fr", np.zeros(32_000, np.float32), WhisperOptions(refine_word_starts=False))
    assert [(w.word, w.start, w.end) for w in r.words] == [("c'est", 0.0, 0.9), ("fini.", 1.0, 1.4)]


def stored(*parts: tuple[str, float], speaker: str | None = None) -> list[Word]:
    return [Word(t, i * 0.5, i * 0.5 + 0.4, p, speaker) for i, (t, p) in enumerate(parts)]


def test_words_stored_as_faster_whisper_parts_are_joined_by_their_segments_text():
    """A transcript stored before ``whole_words`` kept "l" "'autre" without the spaces; its
    segments' text still says where Whisper wrote none."""
    words = stored(("C", 0.9), ("'est", 0.6), ("l", 0.9), ("'ordre.", 0.7), ("T", 0.8), ("-Rex", 0.5), ("a", 0.9),
                   ("50", 0.9), ("%", 0.3), speaker="S1")
    joined = rejoined(words, [" C'est l'ordre.", " T-Rex a 50%"])
    assert [w.word for w in joined] == ["C'est", "l'ordre.", "T-Rex", "a", "50%"]
    assert (joined[0].start, joined[0].end, joined[0].speaker) == (0.0, 0.9, "S1")
    assert joined[1].probability == pytest.approx((0.9 * 1 + 0.7 * 7) / 8, abs=1e-4)
    # Already whole words come back as they were, and two segments never join.
    assert rejoined(joined, [" C'est l'ordre.", " T-Rex a 50%"]) == joined
    assert [w.word for w in rejoined(stored(("fin.", 1.0), ("-Non", 1.0)), ["fin.", "-Non"])] == ["fin.", "-Non"]


def test_stored_words_the_text_does_not_hold_and_unspaced_scripts_are_left_as_they_are():
    words = stored(("l", 0.9), ("'autre", 0.9), ("fois", 0.9), ("d", 0.9), ("'un", 0.9))
    # The text stops matching at "fois": from there on nothing is joined.
    assert [w.word for w in rejoined(words, [" l'autre chose d'un"])] == ["l'autre", "fois", "d", "'un"]
    assert rejoined(words, []) == tuple(words)
    chinese = stored(("广州市", 0.9), ("4035", 0.9), ("公交", 0.9), ("S", 0.5), ("co", 0.5), ("oter", 0.5))
    assert [w.word for w in rejoined(chinese, ["广州市4035公交Scooter"])] == ["广州市", "4035", "公交", "Scooter"]


def test_a_chunk_stored_with_split_words_is_read_back_with_whole_ones():
    from streams.adapters.catalog.transcripts import _chunk

    words = [w.as_json() for w in stored(("J", 0.9), ("'ai", 0.8), ("dit", 0.9), ("au", 0.9), ("-revoir.", 0.7))]
    row = {"chunk_index": 0, "start_s": 0.0, "end_s": 3.0, "language": "fr", "language_probability": 0.9,
           "words": json.dumps(words), "segments": json.dumps([{"text": " J'ai dit au-revoir.", "start": 0.0, "end": 2.4}]),
           "languages": "[]", "energy": [], "pitch": [], "face_times": None, "face_counts": None, "scene_cuts": None,
           "voices": None, "event_id": "e", "created_at": None}
    assert [w.word for w in _chunk(row).words] == ["J'ai", "dit", "au-revoir."]
