"""The editorial head: a linear classifier on sentence embeddings, trained on labelled talks, that
says how much a sentence (with its neighbours) reads like a passage an editor picked.

Descriptions of what editors clip (``editorial.PICK_KINDS``) know the kinds of moments but not how
a talk of a genre sounds around them; measured passage by passage on the labelled talks, a head
trained on other talks (never on the one scored) tells highlights from filler better than the
descriptions do, also on talks written by someone else (DEVELOPERS.md, "What editors clip").

There are two heads, one per embedding space: English sentences are read with all-MiniLM-L6-v2,
sentences in other languages with multilingual-e5-small (``streams.text.multilingual``), which puts a
sentence near its translation, so the head trained on English talks carries over to them.

Training data: the labelled talk scripts of ``bench/highlights`` (written for this project,
CC0 1.0), each sentence labelled by its passage. A sentence is embedded with its neighbours
(``neighbours.in_context``), as it is scored. The head is logistic regression with an L2 penalty,
fitted by gradient descent in numpy: about 900 sentences (six talks), 384 weights and a bias.

It is trained once at setup (``python -m streams.moments.train_head``, run by
``scripts/setup.sh`` and the app image's build) into ``.local/models/editorial_head.npz`` and
``editorial_head_multilingual.npz`` (or ``CLIPSTREAM_EDITORIAL_HEAD``, ``..._MULTILINGUAL``), keyed by the scripts it was trained on, and loaded by every process
that ranks moments. A missing head is ``ModelMissing``, never a silent fallback.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from streams.errors import ModelMissing
from streams.moments.neighbours import CONTEXT, in_context

L2 = 10.0  # the penalty: chosen by leaving one talk out at a time (1, 10 and 50 scored alike)
STEPS = 500
RATE = 0.5
ENGLISH, MULTILINGUAL = "english", "multilingual"
# Each space's head: the variable that may name its file, and the file's name in .local/models.
SPACES = {
    ENGLISH: ("CLIPSTREAM_EDITORIAL_HEAD", "editorial_head.npz"),
    MULTILINGUAL: ("CLIPSTREAM_EDITORIAL_HEAD_MULTILINGUAL", "editorial_head_multilingual.npz"),
}
FORMAT = 1  # bump when the file's layout or the features change: an older head is retrained


@dataclass(frozen=True)
class Head:
    """Attributes:
    weights: one per embedding dimension.
    bias: the intercept.
    trained_on: a digest of the scripts and settings it was trained from (``digest``).
    """

    weights: np.ndarray
    bias: float
    trained_on: str

    def logits(self, in_context: np.ndarray) -> np.ndarray:
        """The log-odds that each row (a sentence embedded with its neighbours) is in a highlight."""
        return np.asarray(in_context, np.float32) @ self.weights + self.bias

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez(
            partial,
            weights=self.weights,
            bias=np.float32(self.bias),
            trained_on=np.str_(self.trained_on),
            format=np.int32(FORMAT),
        )
        partial.replace(path)


def fit(in_context: np.ndarray, labels: Sequence[bool], trained_on: str = "", l2: float = L2) -> Head:
    """Logistic regression of ``labels`` (True: the sentence is in a highlight) on the rows of
    ``in_context``; positives and negatives weigh the same in all (highlights are the fewer)."""
    x = np.asarray(in_context, np.float64)
    y = np.asarray(labels, np.float64)
    if len(x) != len(y) or not len(y) or y.min() == y.max():
        raise ValueError("training needs as many labels as rows, and both highlights and filler among them")
    balance = np.where(y > 0, 0.5 / y.mean(), 0.5 / (1 - y.mean()))
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(STEPS):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        g = (p - y) * balance
        w -= RATE * (x.T @ g / len(y) + l2 * w / len(y))
        b -= RATE * float(g.mean())
    return Head(w.astype(np.float32), float(b), trained_on)


def load(path: Path | None = None, space: str = ENGLISH) -> Head:
    """The trained head of ``space``; ``ModelMissing`` (with what to run) when there is none or it
    is unreadable."""
    path = path or default_path(space)
    try:
        with np.load(path) as stored:
            if int(stored["format"]) != FORMAT:
                raise ValueError(f"format {int(stored['format'])}, this code reads {FORMAT}")
            return Head(stored["weights"].astype(np.float32), float(stored["bias"]), str(stored["trained_on"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ModelMissing(
            f"the editorial head that ranks moments is not at {path} ({exc}); scripts/setup.sh trains it "
            "(python -m streams.moments.train_head)"
        ) from exc


def default_path(space: str = ENGLISH) -> Path:
    """Where the head of ``space`` is kept: ``CLIPSTREAM_EDITORIAL_HEAD`` (the English one) or
    ``CLIPSTREAM_EDITORIAL_HEAD_MULTILINGUAL``, else ``.local/models/editorial_head.npz`` and
    ``editorial_head_multilingual.npz`` in the checkout."""
    from streams.settings import project_root

    if space not in SPACES:
        raise ValueError(f"no editorial head space {space!r}; choose one of {', '.join(SPACES)}")
    variable, name = SPACES[space]
    configured = os.environ.get(variable)
    return Path(configured) if configured else project_root() / ".local" / "models" / name


def default_labels() -> list[Path]:
    from streams.settings import project_root

    return [project_root() / "bench" / "highlights"]


def scripts_of(folders: Sequence[Path], leave_out: Sequence[str] = ()) -> list[Path]:
    """The labelled talk scripts in ``folders``, but those named in ``leave_out``."""
    found = sorted(p for folder in folders for p in folder.glob("*.tsv") if p.stem not in leave_out)
    if not found:
        raise ValueError(f"no labelled talk scripts (*.tsv) in {', '.join(map(str, folders))}")
    return found


def digest(scripts: Sequence[Path], space: str = ENGLISH) -> str:
    """What a head trained on ``scripts`` in ``space`` is keyed by: their names and texts, the
    space, the settings and the format."""

    h = hashlib.sha256(f"{FORMAT}:{L2}:{STEPS}:{RATE}:{CONTEXT}:{space}".encode())
    for path in scripts:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def examples(scripts: Sequence[Path], encoder) -> tuple[np.ndarray, list[bool]]:
    """Every sentence of the scripts embedded with its neighbours (within its talk), and whether it
    is in a highlight. Sentences are cut as a transcript's are (``sentences.build_sentences``)."""
    from streams.domain.words import Word
    from streams.moments.highlights import parse_script
    from streams.moments.sentences import build_sentences

    rows, labels = [], []
    for path in scripts:
        texts, kinds = [], []
        for passage in parse_script(path.read_text()):
            words = [Word(w, i * 0.3, i * 0.3 + 0.25) for i, w in enumerate(_words_of(passage.text))]
            for sentence in build_sentences(words):
                texts.append(sentence.text)
                kinds.append(passage.kind == "highlight")
        rows.append(in_context(np.asarray(encoder.encode(texts), np.float32)))
        labels += kinds
    return np.vstack(rows), labels


# A script's "words": spaced text by its spaces; text written without them (Japanese, Chinese) up
# to each full stop or question mark, so its sentences are cut where a transcript's would be.
_WORD = re.compile(r"\S+?[。！？]|\S+")


def _words_of(text: str) -> list[str]:
    return _WORD.findall(text)


def train(scripts: Sequence[Path], encoder, space: str = ENGLISH) -> Head:
    """A head for ``space`` trained on ``scripts`` embedded by ``encoder`` (that space's)."""
    x, y = examples(scripts, encoder)
    return fit(x, y, digest(scripts, space))


def encoder_of(space: str):
    """The sentence encoder of ``space``: all-MiniLM-L6-v2 for English, multilingual-e5-small for
    the other languages."""
    if space == ENGLISH:
        from streams.text import default_encoder

        return default_encoder()
    from streams.text.multilingual import default_multilingual_encoder

    return default_multilingual_encoder()
