"""What editors clip, read in every language (issue 49): sentences in other languages than English
are embedded with multilingual-e5-small and scored by its own editorial head."""

from __future__ import annotations

import numpy as np
import pytest

from streams.domain.transcript import TranscriptChunk
from streams.moments.descriptions import PICKS_IN, SKIPS_IN, described_in
from streams.moments.editorial import PICK_KIND_OF, PICKS, SKIP_KINDS, SKIPS, Space, editorial_map_of
from streams.moments.scoring import NEUTRAL, signal_values
from streams.moments.windows import Window
from streams.moments.sentences import build_sentences
from streams.moments.stored import evidence_of
from streams.moments.streaming import Reader, from_words
from tests.unit.moments_text import timed_words

GERMAN = (
    "Guten Morgen und herzlich willkommen. Bevor wir anfangen, ein paar organisatorische Hinweise. "
    "Die Folien stehen nach dem Vortrag online. Das Mittagessen gibt es im großen Saal. "
    "In meiner ersten Woche als Krankenschwester bat mich eine Patientin, ihren Sohn anzurufen. "
    "Ein Kind nahm ab und sagte, sein Vater sei vor zwei Jahren gestorben. "
    "Sie hatte jede Nacht eine andere Schwester gebeten, ihn anzurufen, und niemand hatte es ihr gesagt. "
    "In dieser Nacht habe ich gelernt, dass die Wahrheit das Freundlichste sein kann, was man jemandem gibt. "
    "Als Nächstes die Tagesordnung für die Workshops am Nachmittag. Die Räume stehen im Programmheft. "
    "Vielen Dank an das Organisationsteam."
)


def test_a_sentence_lies_near_its_translation_in_the_multilingual_space():
    from streams.text.multilingual import default_multilingual_encoder

    rows = default_multilingual_encoder().encode([
        "In my first week as a nurse, a patient asked me to call her son.",
        "In meiner ersten Woche als Krankenschwester bat mich eine Patientin, ihren Sohn anzurufen.",
        "Lunch is served in the main hall.",
    ])
    assert rows.shape == (3, 384) and np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert rows[0] @ rows[1] > rows[0] @ rows[2] + 0.05


def test_german_is_read_for_what_editors_clip_and_the_story_stands_out():
    from streams.moments.readers import editorial_head, multilingual_reader, sentence_encoder

    words = timed_words(GERMAN)
    chunk = TranscriptChunk(chunk_index=0, start_s=0.0, end_s=words[-1].end + 1, language="de", words=tuple(words),
                            languages=({"language": "de", "start": 0.0, "end": words[-1].end + 1},))
    sentences = build_sentences(words)
    found = from_words(sentences, sentence_encoder(), [chunk], editorial_head(), multilingual_reader())
    evidence = evidence_of([chunk], **found)
    assert found["editorial"].multilingual
    story = next(i for i, s in enumerate(sentences) if s.text.startswith("In meiner ersten Woche"))
    told = Window(tuple(sentences[story : story + 4]))
    housekeeping = Window(tuple(sentences[1:4]))
    values = signal_values(told, evidence)
    assert values["editorial"] != NEUTRAL
    assert values["editorial"] > signal_values(housekeeping, evidence)["editorial"]
    # Without the reader, German is not measured at all: neutral, never an English guess.
    unread = evidence_of([chunk], **from_words(sentences, sentence_encoder(), [chunk], editorial_head()))
    assert signal_values(told, unread)["editorial"] == NEUTRAL


def test_each_sentence_is_read_in_exactly_one_space():
    sentences = build_sentences(timed_words("One sentence here. Another one there. A third."))
    rows = np.eye(3, 4, dtype=np.float32)
    picks, skips = np.eye(1, 4, dtype=np.float32), np.eye(1, 4, 1, dtype=np.float32)
    with pytest.raises(ValueError, match="exactly one space"):
        editorial_map_of(sentences, [Space((0, 1), rows[:2], picks, skips)])
    with pytest.raises(ValueError, match="exactly one space"):
        editorial_map_of(sentences, [Space((0, 1, 2), rows, picks, skips), Space((2,), rows[2:], picks, skips)])
    two = editorial_map_of(sentences, [Space((0, 2), rows[[0, 2]], picks, skips), Space((1,), rows[1:2], picks, skips)])
    assert len(two.scores) == 3 and not two.multilingual


def test_the_reader_is_what_the_agent_loads_beside_the_english_head():
    from streams.moments.readers import multilingual_reader

    reader = multilingual_reader()
    assert isinstance(reader, Reader) and reader.head is not None and reader.head.weights.shape == (384,)


def test_a_stream_reads_with_the_heads_it_is_given_else_the_trained_ones():
    # A benchmark scores a talk the trained heads learned from with heads trained without it.
    from streams.agents.moments import moment_stream
    from streams.moments.editorial_head import Head
    from streams.moments.readers import editorial_head, multilingual_reader, sentence_encoder

    english, other = Head(np.zeros(384, np.float32), 0.0, "en"), Head(np.ones(384, np.float32), 1.0, "ml")
    given = moment_stream({}, sentence_encoder(), english, other)
    assert given.head is english and given.multilingual.head is other
    assert given.multilingual.encoder is multilingual_reader().encoder
    trained = moment_stream({}, sentence_encoder())
    assert trained.head is editorial_head() and trained.multilingual is multilingual_reader()
    assert moment_stream({}).head is None and moment_stream({}).multilingual is None


class _Seen:
    """An encoder that notes every text it is asked to embed, and asks ``inner``."""

    def __init__(self, inner) -> None:
        self.inner, self.texts = inner, []

    def encode(self, texts):
        self.texts += list(texts)
        return self.inner.encode(texts)


def test_a_talk_in_another_language_finds_its_topics_where_its_reader_embeds_it():
    # MiniLM cannot tell a German talk's topics apart as well as multilingual-e5, which reads the
    # talk anyway: the topics come from e5's space, and MiniLM is not run on German at all.
    from streams.moments import topics
    from streams.moments.readers import editorial_head, multilingual_reader, sentence_encoder

    words = timed_words(GERMAN)
    chunk = TranscriptChunk(chunk_index=0, start_s=0.0, end_s=words[-1].end + 1, language="de", words=tuple(words),
                            languages=({"language": "de", "start": 0.0, "end": words[-1].end + 1},))
    sentences = build_sentences(words)
    english, reader = _Seen(sentence_encoder()), multilingual_reader()
    other = _Seen(reader.encoder)
    found = from_words(sentences, english, [chunk], editorial_head(), Reader(other, reader.head))
    texts = [s.text for s in sentences]
    assert not set(english.texts) & set(texts) and set(texts) <= set(other.texts)
    e5_topics = topics.segment(sentences, reader.encoder.encode(texts), min_depth=topics.MULTILINGUAL_MIN_DEPTH)
    assert found["topics"] == e5_topics != topics.segment(sentences, sentence_encoder().encode(texts))
    # What editors clip is described to it in German as well as in English.
    assert set(PICKS_IN["de"]) | set(SKIPS_IN["de"]) | set(PICKS) <= set(other.texts)
    assert not set(PICKS_IN["fr"]) & set(other.texts)
    # An English talk is embedded by MiniLM alone, as it always was.
    words = timed_words("The weather stayed grey. We met on the left. " * 3 + "Then the roof came down on us.")
    chunk = TranscriptChunk(chunk_index=0, start_s=0.0, end_s=words[-1].end + 1, language="en", words=tuple(words),
                            languages=({"language": "en", "start": 0.0, "end": words[-1].end + 1},))
    sentences = build_sentences(words)
    english, other = _Seen(sentence_encoder()), _Seen(reader.encoder)
    from_words(sentences, english, [chunk], editorial_head(), Reader(other, reader.head))
    assert {s.text for s in sentences} <= set(english.texts) and not other.texts


def test_each_language_describes_the_same_kinds_in_the_same_order():
    # The n-th description of any language must name the kind of the n-th English one: in e5's
    # space each translation lies nearest an English description of its own kind.
    from streams.text.multilingual import default_multilingual_encoder

    encoder = default_multilingual_encoder()
    skip_kind = [k.name for k in SKIP_KINDS for _ in k.descriptions]
    assert set(PICKS_IN) == set(SKIPS_IN) == {"de", "es", "fr", "it", "pt", "ru", "ja", "zh", "ko"}
    for english, table, kinds in ((PICKS, PICKS_IN, PICK_KIND_OF), (SKIPS, SKIPS_IN, skip_kind)):
        originals = encoder.encode(list(english))
        for language, translated in table.items():
            assert len(translated) == len(english), language
            nearest = (encoder.encode(list(translated)) @ originals.T).argmax(axis=1)
            assert [kinds[i] for i in nearest] == list(kinds), language


def test_a_sentence_near_a_translated_pick_is_named_by_its_kind():
    picks, skips = described_in("de")
    assert picks[: len(PICKS)] == PICKS and skips[len(SKIPS) :] == SKIPS_IN["de"]
    assert described_in("xx") == (PICKS, SKIPS) == described_in(None)
    tip = len(PICKS) + PICKS.index("a practical tip that fixes a common mistake")
    rows = np.eye(len(picks) + len(skips), dtype=np.float32)
    sentences = build_sentences(timed_words("Kaufen Sie kein Boot. Leihen Sie eins."))
    found = editorial_map_of(sentences, [Space((0, 1), rows[[tip, tip]], rows[: len(picks)], rows[len(picks) :])])
    assert found.strongest_pick(sentences) == "a practical tip"
