import math

import numpy as np
import pytest

from streams.text.embeddings import SentenceEncoder, default_encoder, erf, model_path

# sentence-transformers' own output for all-MiniLM-L6-v2 (first six dimensions), as published in
# the test suite of an independent R port; the token ids are the model tokenizer's.
REFERENCE = {
    "This is an example sentence": (
        [101, 2023, 2003, 2019, 2742, 6251, 102],
        [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273],
    ),
    "Each sentence is converted.": (
        [101, 2169, 6251, 2003, 4991, 1012, 102],
        [0.07853645, 0.08856265, -0.00209270, -0.00717247, -0.01252624, 0.01881747],
    ),
    "": ([101, 102], [-0.11883835, 0.04829856, -0.00254805, -0.01101118, 0.05195070, 0.01029179]),
    "Café déjà vu — 東京": (
        [101, 7668, 2139, 3900, 24728, 1517, 1879, 1755, 102],
        [0.05083271, 0.00967685, 0.09635572, -0.00997369, -0.01987603, 0.01692343],
    ),
}


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return default_encoder()


def cosine(encoder: SentenceEncoder, a: str, b: str) -> float:
    x, y = encoder.encode([a, b])
    return float(x @ y)


def test_matches_the_published_reference_embeddings(encoder):
    texts = list(REFERENCE)
    assert encoder.tokenize(texts) == [ids for ids, _ in REFERENCE.values()]
    got = encoder.encode(texts)
    assert got.shape == (4, 384) and got.dtype == np.float32
    expected = np.array([prefix for _, prefix in REFERENCE.values()])
    np.testing.assert_allclose(got[:, :6], expected, atol=2e-6)


def test_similar_meaning_is_closer_than_a_different_one(encoder):
    food = "A man is eating food."
    bread = "A man is eating a piece of bread."
    horse = "A man is riding a horse."
    assert cosine(encoder, food, bread) > cosine(encoder, food, horse) + 0.3
    assert cosine(encoder, "How do I bake bread?", "What is a recipe for a loaf?") > cosine(
        encoder, "How do I bake bread?", "The striker scored in the final minute."
    )


def test_identical_text_gives_cosine_one_and_every_embedding_has_unit_length(encoder):
    vectors = encoder.encode(["The same sentence.", "The same sentence.", "Another one entirely!"])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_deterministic_and_independent_of_batch_and_padding():
    short, long = "Short.", "A much longer sentence that needs padding in its batch to match the others."
    one = SentenceEncoder(batch_size=1).encode([short, long])
    batched = SentenceEncoder(batch_size=8).encode([long, short])
    np.testing.assert_allclose(one, batched[::-1], atol=1e-6)
    again = SentenceEncoder(batch_size=1).encode([short, long])
    assert np.array_equal(one, again)


def test_cache_returns_the_same_rows_and_keeps_the_order(encoder):
    first = encoder.encode(["alpha beta", "gamma delta"])
    second = encoder.encode(["gamma delta", "alpha beta", "gamma delta"])
    assert np.array_equal(second[0], first[1]) and np.array_equal(second[1], first[0])
    assert np.array_equal(second[2], first[1])
    assert encoder.encode([]).shape == (0, 384)


def test_long_text_is_truncated_to_max_tokens(encoder):
    text = " ".join(["word"] * 400)
    assert len(encoder.tokenize([text])[0]) == 128
    (vector,) = encoder.encode([text])
    assert np.isfinite(vector).all() and np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        SentenceEncoder(tmp_path)
    assert (model_path() / "model.safetensors").is_file()


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        SentenceEncoder(max_tokens=1)
    with pytest.raises(ValueError):
        SentenceEncoder(batch_size=0)


def test_erf_is_accurate_for_float32():
    xs = np.linspace(-6, 6, 2001).astype(np.float32)
    expected = np.array([math.erf(float(x)) for x in xs])
    assert np.abs(erf(xs) - expected).max() < 1e-6
    assert erf(np.zeros(1, np.float32))[0] == 0.0
