"""GGUF (Qwen2 architecture) to a CTranslate2 int8 model and a ``tokenizer.json``, without torch.

CTranslate2's own converter reads Hugging Face checkpoints through transformers and torch; the
judge's weights come as GGUF. This reads the GGUF with the ``gguf`` package, dequantizes each
tensor to float32 and fills CTranslate2's decoder spec the way its Qwen2 loader does (fused QKV
weight and bias, SwiGLU, RMS norms, non-interleaved rotary embeddings, grouped KV heads), then
quantizes to int8. Through float32, not float16: the int8 rounding of already quantized weights
is a second rounding, and through float16 the 0.5B's greedy answers changed and got worse
(``models/clip_judge_notes.md``; through float32 they matched llama.cpp's on the GGUF).

The tokenizer is rebuilt from the GGUF's vocabulary and merges: byte-level BPE with Qwen2's
pre-tokenizer, the control tokens (``<|im_start|>`` ...) kept whole.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

QWEN2_SPLIT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
    r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def convert(source: Path, target: Path, quantization: str = "int8") -> None:
    import gguf
    from ctranslate2.specs import common_spec, transformer_spec

    reader = gguf.GGUFReader(str(source))

    def field(name: str):
        f = reader.fields[name]
        if f.types[0] == gguf.GGUFValueType.ARRAY:
            if f.types[-1] == gguf.GGUFValueType.STRING:
                return [bytes(f.parts[i]).decode("utf-8") for i in f.data]
            return [f.parts[i][0] for i in f.data]
        if f.types[0] == gguf.GGUFValueType.STRING:
            return bytes(f.parts[f.data[0]]).decode("utf-8")
        return f.parts[f.data[0]][0]

    if field("general.architecture") != "qwen2":
        raise ValueError(f"{source} is a {field('general.architecture')} model; only qwen2 converts")
    tensors = {t.name: t for t in reader.tensors}

    def weight(name: str) -> np.ndarray:  # [out, in], like torch's Linear.weight
        t = tensors[name]
        return np.ascontiguousarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32)

    spec = transformer_spec.TransformerDecoderModelSpec.from_config(
        int(field("qwen2.block_count")),
        int(field("qwen2.attention.head_count")),
        activation=common_spec.Activation.SWISH,
        pre_norm=True,
        ffn_glu=True,
        rms_norm=True,
        rotary_dim=0,
        rotary_interleave=False,
        rotary_base=float(field("qwen2.rope.freq_base")),
        num_heads_kv=int(field("qwen2.attention.head_count_kv")),
    )
    decoder = spec.decoder
    decoder.scale_embeddings = False
    decoder.embeddings.weight = weight("token_embd.weight")
    decoder.layer_norm.gamma = weight("output_norm.weight")
    for i, layer in enumerate(decoder.layer):
        p = f"blk.{i}."
        layer.self_attention.layer_norm.gamma = weight(p + "attn_norm.weight")
        layer.ffn.layer_norm.gamma = weight(p + "ffn_norm.weight")
        layer.self_attention.linear[0].weight = np.concatenate([weight(p + f"attn_{x}.weight") for x in "qkv"])
        layer.self_attention.linear[0].bias = np.concatenate([weight(p + f"attn_{x}.bias") for x in "qkv"])
        layer.self_attention.linear[1].weight = weight(p + "attn_output.weight")
        layer.ffn.linear_0.weight = weight(p + "ffn_gate.weight")
        layer.ffn.linear_0_noact.weight = weight(p + "ffn_up.weight")
        layer.ffn.linear_1.weight = weight(p + "ffn_down.weight")
    decoder.projection.weight = weight("output.weight") if "output.weight" in tensors else decoder.embeddings.weight
    tokens = field("tokenizer.ggml.tokens")
    spec.register_vocabulary(tokens)
    spec.config.bos_token = tokens[int(field("tokenizer.ggml.bos_token_id"))]
    spec.config.eos_token = tokens[int(field("tokenizer.ggml.eos_token_id"))]
    spec.config.unk_token = ""
    spec.config.layer_norm_epsilon = float(field("qwen2.attention.layer_norm_rms_epsilon"))
    target.mkdir(parents=True, exist_ok=True)
    spec.validate()
    spec.optimize(quantization=quantization)
    spec.save(str(target))
    _tokenizer(tokens, field("tokenizer.ggml.merges"), field("tokenizer.ggml.token_type")).save(
        str(target / "tokenizer.json")
    )


def _tokenizer(tokens: list[str], merges: list[str], types: list[int]):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, pre_tokenizers

    tok = Tokenizer(
        models.BPE(
            vocab={t: i for i, t in enumerate(tokens)},
            merges=[(a, b) for a, b in (m.split(" ", 1) for m in merges)],  # each merge is "left right"
        )
    )
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    control = 3  # GGUF token type CONTROL
    tok.add_special_tokens(
        [AddedToken(t, special=True, normalized=False) for t, kind in zip(tokens, types) if kind == control]
    )
    return tok
