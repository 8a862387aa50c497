"""The search documents of a transcript chunk: one per sentence, each tagged with the language it
was spoken in, so the language filter finds a German question asked in an English talk."""

from streams.search.documents import sentence_docs
from tests.unit.moments_text import timed_words


def test_each_sentence_carries_the_language_heard_over_it():
    words = timed_words("This is the plan for today. Warum scheitern die meisten Startups? Good question.")
    german_start = next(w.start for w in words if w.word == "Warum")
    german_end = next(w.end for w in words if w.word == "Startups?")
    spans = [{"language": "en", "start": 0.0, "end": german_start - 0.3, "probability": 0.99},
             {"language": "de", "start": german_start - 0.1, "end": german_end + 0.1, "probability": 0.97},
             {"language": "en", "start": german_end + 0.3, "end": 60.0, "probability": 0.98}]
    docs = sentence_docs("t1", "v1", "talk.mp4", 3, "en", words, spans)
    assert [(d.text, d.language) for d in docs] == [("This is the plan for today.", "en"),
                                                    ("Warum scheitern die meisten Startups?", "de"),
                                                    ("Good question.", "en")]
    assert [d.id for d in docs] == ["v1-00003-0000", "v1-00003-0001", "v1-00003-0002"]


def test_without_spans_every_sentence_is_in_the_chunks_language():
    docs = sentence_docs("t1", "v1", "talk.mp4", 0, "ja", timed_words("Hello there. Good morning."))
    assert {d.language for d in docs} == {"ja"}


def test_a_hit_points_at_a_word_joined_by_an_apostrophe_or_a_hyphen():
    from streams.search.documents import matching_word

    words = [["Il", 0.0, 0.2], ["rappelle", 0.3, 0.8], ["l'autre", 0.9, 1.4], ["steam-powered", 1.5, 2.3]]
    assert matching_word(words, ["autre"]) == (0.9, 1.4)
    assert matching_word(words, ["l'autre"]) == (0.9, 1.4)
    assert matching_word(words, ["powered"]) == (1.5, 2.3)
    assert matching_word(words, ["steampowered"]) == (1.5, 2.3)
    assert matching_word(words, ["rappel"]) == (0.3, 0.8)
    assert matching_word(words, ["train"]) is None
