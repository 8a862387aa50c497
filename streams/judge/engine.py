"""The clip judge's language model, run with CTranslate2: one passage in, the model's raw answer out.

The fixed part of the prompt (``verdict.fixed_prompt``) goes to CTranslate2 as its static prompt,
whose state it computes once and keeps, so a request costs the passage's tokens and the answer's.
The first attempt decodes greedily; a retry (``attempt`` 1, 2, ...) samples, so a malformed answer
is not simply given again; the samples repeat across processes as ``streams.serving.sampling``
says (given the process's answers before them, not each on its own).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from streams.errors import ModelMissing
from streams.judge import verdict, weights
from streams.serving.parameters import options_from
from streams.serving.sampling import seed_samples


@dataclass(frozen=True)
class EngineOptions:
    model: str = weights.DEFAULT_MODEL
    model_dir: str = ""  # empty: the installed conversion of ``model``
    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 2
    max_new_tokens: int = 160
    temperature: float = 0.8  # retries only

    @classmethod
    def from_parameters(cls, params: Mapping[str, str]) -> EngineOptions:
        """Build from the string parameters of ``clip_judge``'s ``config.pbtxt``."""
        return options_from(cls, params)


class JudgeEngine:
    def __init__(self, options: EngineOptions = EngineOptions()) -> None:
        import ctranslate2
        import tokenizers

        path = Path(options.model_dir) if options.model_dir else weights.installed(options.model)
        if not (path / "model.bin").exists() or not (path / "tokenizer.json").exists():
            raise ModelMissing(
                f"{path} holds no converted clip judge model (model.bin, tokenizer.json); run scripts/setup.sh"
            )
        self.options = options
        seed_samples()  # before the generator's first sample
        self.tokenizer = tokenizers.Tokenizer.from_file(str(path / "tokenizer.json"))
        self.generator = ctranslate2.Generator(
            str(path),
            device=options.device,
            compute_type=options.compute_type,
            intra_threads=options.cpu_threads if options.device == "cpu" else 0,
        )
        self._fixed = self._tokens(verdict.fixed_prompt())

    def _tokens(self, text: str) -> list[str]:
        return self.tokenizer.encode(text).tokens

    def answer(self, text: str, attempt: int = 0, language: str | None = None) -> str:
        """The model's continuation of the judge prompt for ``text``, spoken in ``language`` (None:
        English), after ``ANSWER_OPENING``."""
        sampling: dict[str, float] = {"sampling_topk": 1}
        if attempt > 0:
            sampling = {"sampling_topk": 40, "sampling_temperature": self.options.temperature}
        result = self.generator.generate_batch(
            [self._tokens(verdict.passage_prompt(text, language))],
            static_prompt=self._fixed,
            max_length=self.options.max_new_tokens,
            include_prompt_in_result=False,
            end_token="<|im_end|>",
            **sampling,
        )
        return self.tokenizer.decode(result[0].sequences_ids[0])
