import numpy as np
import pytest

from streams.moments import signals
from streams.moments.sentences import build_sentences
from streams.moments.topics import (
    TopicMap,
    boundaries,
    depth_scores,
    gap_similarities,
    segment,
)
from streams.text import default_encoder
from tests.unit.moments_text import timed_words

COOKING = (
    "Preheat the oven to two hundred degrees before you start.",
    "Mix the flour with the butter until it crumbles.",
    "Add a pinch of salt and a spoon of sugar to the dough.",
    "Roll the dough out thin on a floured board.",
    "Bake the tart for twenty minutes until the crust is golden.",
    "Let it cool before you slice it and serve it with cream.",
)
FOOTBALL = (
    "The striker scored twice in the second half of the match.",
    "Our goalkeeper saved a penalty in the final minute.",
    "The coach changed the formation at half time.",
    "Fans sang in the stadium long after the final whistle.",
    "The team now leads the league by four points.",
    "Next week they play the champions away from home.",
)
SPACE = (
    "The telescope captured light from a galaxy billions of years old.",
    "Astronomers measured how fast the galaxy is moving away.",
    "Dark matter holds these clusters of stars together.",
    "The rocket will carry a new space probe to Jupiter next year.",
    "Its cameras will photograph the icy moons up close.",
    "Scientists hope to find oceans under the ice.",
)


def topic_vectors(sizes, dim=16, noise=0.05, seed=0):
    """Unit vectors around one random direction per topic."""
    rng = np.random.default_rng(seed)
    rows = []
    for size in sizes:
        centre = rng.standard_normal(dim)
        for _ in range(size):
            v = centre + noise * np.linalg.norm(centre) * rng.standard_normal(dim)
            rows.append(v / np.linalg.norm(v))
    return np.array(rows)


def test_boundaries_fall_where_the_vectors_change_direction():
    found = boundaries(topic_vectors([6, 8, 5]))
    assert [at for at, _ in found] == [6, 14]
    assert all(depth > 0.15 for _, depth in found)


def test_one_topic_has_no_boundary_and_tiny_inputs_are_fine():
    assert boundaries(topic_vectors([20])) == []
    assert boundaries(np.zeros((0, 4))) == [] and boundaries(np.ones((1, 4))) == []
    assert gap_similarities(np.ones((1, 4))).size == 0


def test_topics_shorter_than_the_minimum_are_not_split_off():
    found = boundaries(topic_vectors([2, 10, 8]), min_sentences=3)
    assert [at for at, _ in found] == [12]


def test_depth_is_the_climb_to_the_peaks_on_both_sides():
    depths = depth_scores(np.array([0.9, 0.5, 0.8, 0.8, 0.2, 0.7]))
    assert depths[1] == pytest.approx(0.4 + 0.3)
    assert depths[4] == pytest.approx(0.6 + 0.5)
    assert depths[0] == 0.0


def test_segment_maps_topics_to_sentence_times():
    text = " ".join(f"Sentence number {i} here." for i in range(12))
    sentences = build_sentences(timed_words(text))
    topics = segment(sentences, topic_vectors([5, 7]))
    assert topics.starts == (sentences[0].start, sentences[5].start)
    assert topics.ends == (sentences[4].end, sentences[11].end)
    assert len(topics.depths) == 1
    assert topics.boundaries_inside(sentences[3:7]) == 1 and topics.boundaries_inside(sentences[5:12]) == 0
    assert topics.starts_topic(sentences[5]) and topics.ends_topic(sentences[4])
    with pytest.raises(ValueError):
        segment(sentences, topic_vectors([3]))
    assert segment([], np.zeros((0, 4))) == TopicMap()


def test_real_sentence_embeddings_find_the_changes_of_subject():
    texts = COOKING + FOOTBALL + SPACE
    sentences = build_sentences(timed_words(" ".join(texts)))
    assert [s.text for s in sentences] == list(texts)
    topics = segment(sentences, default_encoder().encode(texts))
    assert topics.starts == (sentences[0].start, sentences[6].start, sentences[12].start)


def test_coherence_rewards_one_topic_and_penalises_crossing():
    sentences = build_sentences(timed_words(" ".join(f"Line {i} is here." for i in range(12))))
    topics = segment(sentences, topic_vectors([6, 6]))
    whole = signals.coherence(sentences[:6], topics)
    inside = signals.coherence(sentences[1:5], topics)
    crossing = signals.coherence(sentences[3:9], topics)
    assert whole == 1.0 and inside == 0.7 and crossing == pytest.approx(0.3)
    assert signals.coherence(sentences, None) == 0.5
    three = segment(sentences, topic_vectors([4, 4, 4]))
    assert signals.coherence(sentences, three) == 0.0
