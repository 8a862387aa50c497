"""Words as a reader splits them: faster-whisper's parts of one word joined where Whisper wrote no
space between them (``streams.asr.recognition.whole_words``). The word lists are faster-whisper's
own, as `base` heard ../shared/media/speech/multilingual's French and Italian recordings."""

from types import SimpleNamespace

import numpy as np
import pytest

from streams.asr.recognition import whole_words
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
