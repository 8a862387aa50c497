"""Weights joined from registry pieces: the recorded size and sha256 decide, and a missing
multilingual model is an error that says to run the setup."""

import hashlib

import pytest

from streams.asr import weights
from streams.errors import ModelMissing
from streams.serving.weights import join_checked


def test_pieces_join_in_order_when_they_match_the_record(tmp_path):
    pieces = [tmp_path / "a", tmp_path / "b"]
    pieces[0].write_bytes(b"model-")
    pieces[1].write_bytes(b"bytes")
    target = tmp_path / "model.bin"
    join_checked(pieces, target, 11, hashlib.sha256(b"model-bytes").hexdigest(), "test")
    assert target.read_bytes() == b"model-bytes"


def test_a_damaged_piece_is_refused_and_nothing_is_left(tmp_path):
    pieces = [tmp_path / "a", tmp_path / "b"]
    pieces[0].write_bytes(b"model-")
    pieces[1].write_bytes(b"bytez")
    target = tmp_path / "model.bin"
    with pytest.raises(ModelMissing, match="a piece is damaged or of another version"):
        join_checked(pieces, target, 11, hashlib.sha256(b"model-bytes").hexdigest(), "test")
    assert not target.exists()


def test_a_multilingual_model_that_is_not_installed_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPSTREAM_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelMissing, match="run scripts/setup.sh"):
        weights.installed(weights.MULTILINGUAL)
    with pytest.raises(ModelMissing, match="no Whisper model is called 'large'"):
        weights.installed("large")


def test_the_installed_base_model_is_the_recorded_one():
    path = weights.installed(weights.MULTILINGUAL)  # scripts/setup.sh joined it
    assert (path / "model.bin").stat().st_size == weights.BASE.size
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {p.name for p in path.iterdir()}
