"""Voice activity detection: Silero VAD from the ``silero-vad`` package, run with onnxruntime.

The package ships ``silero_vad/data/silero_vad.onnx`` but its ``__init__`` imports torch, which is
not installed (setup installs the package ``--no-deps``): the file is found without importing the
package and run here. The model is streaming: one call per 512-sample window (32 ms at 16 kHz)
with the last 64 samples of the previous window as context and a recurrent state carried over,
exactly as the package's own ``OnnxWrapper`` feeds it.

``speech_spans`` turns the per-window probabilities into speech spans with the algorithm of
faster-whisper's ``get_speech_timestamps`` (itself Silero's), so the transcriber can cut speech
out of the audio the way faster-whisper's ``vad_filter`` does, with this model instead of the one
faster-whisper bundles. Spans are ``{"start": sample, "end": sample}`` dicts: the shape
faster-whisper's ``collect_chunks`` and ``restore_speech_timestamps`` take.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

SAMPLE_RATE = 16000
WINDOW = 512  # samples per probability at 16 kHz
CONTEXT = 64  # samples of the previous window the model sees before each window


def default_vad_model() -> Path:
    """``silero_vad.onnx`` from the installed ``silero-vad`` package (found without importing it)."""
    spec = importlib.util.find_spec("silero_vad")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the silero-vad package is not installed (scripts/setup.sh installs it --no-deps)")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise FileNotFoundError(f"silero-vad has no {path.name} at {path.parent}")
    return path


@dataclass(frozen=True)
class VadOptions:
    """The options of faster-whisper's ``VadOptions``, with its defaults.

    Attributes:
    threshold: a window with speech probability at or above this is speech.
    neg_threshold: below this, speech ends (default ``max(threshold - 0.15, 0.01)``); between the
        two, a window continues whatever it follows.
    min_speech_duration_ms: shorter speech spans are dropped.
    max_speech_duration_s: longer spans are cut, at the last silence over 98 ms if there is one.
    min_silence_duration_ms: silence must last this long to end a span.
    speech_pad_ms: spans are widened by this much on each side (less where two would overlap).
    """

    threshold: float = 0.5
    neg_threshold: float | None = None
    min_speech_duration_ms: int = 0
    max_speech_duration_s: float = float("inf")
    min_silence_duration_ms: int = 2000
    speech_pad_ms: int = 400


def speech_spans(
    probabilities: Sequence[float] | np.ndarray,
    num_samples: int,
    options: VadOptions = VadOptions(),
    sample_rate: int = SAMPLE_RATE,
    window: int = WINDOW,
) -> list[dict[str, int]]:
    """Speech spans (sample offsets) in audio of ``num_samples`` samples whose windows of ``window``
    samples have the given speech ``probabilities``. Pure: the port of ``get_speech_timestamps``."""
    threshold = options.threshold
    neg_threshold = options.neg_threshold if options.neg_threshold is not None else max(threshold - 0.15, 0.01)
    min_speech = sample_rate * options.min_speech_duration_ms / 1000
    pad = sample_rate * options.speech_pad_ms / 1000
    max_speech = sample_rate * options.max_speech_duration_s - window - 2 * pad
    min_silence = sample_rate * options.min_silence_duration_ms / 1000
    min_silence_at_max_speech = sample_rate * 98 / 1000

    triggered = False
    spans: list[dict[str, int]] = []
    current: dict[str, int] = {}
    temp_end = 0  # where the silence that may end the current span began
    prev_end = next_start = 0  # where to cut if the span grows past max_speech

    for i, p in enumerate(probabilities):
        at = window * i
        if p >= threshold and temp_end:
            temp_end = 0
            if next_start < prev_end:
                next_start = at
        if p >= threshold and not triggered:
            triggered = True
            current["start"] = at
            continue
        if triggered and at - current["start"] > max_speech:
            if prev_end:
                current["end"] = prev_end
                spans.append(current)
                current = {}
                if next_start < prev_end:  # still in the silence: not speech yet
                    triggered = False
                else:
                    current["start"] = next_start
                prev_end = next_start = temp_end = 0
            else:
                current["end"] = at
                spans.append(current)
                current = {}
                prev_end = next_start = temp_end = 0
                triggered = False
                continue
        if p < neg_threshold and triggered:
            if not temp_end:
                temp_end = at
            if at - temp_end > min_silence_at_max_speech:
                prev_end = temp_end
            if at - temp_end < min_silence:
                continue
            current["end"] = temp_end
            if current["end"] - current["start"] > min_speech:
                spans.append(current)
            current = {}
            prev_end = next_start = temp_end = 0
            triggered = False

    if current and num_samples - current["start"] > min_speech:
        current["end"] = num_samples
        spans.append(current)

    for i, span in enumerate(spans):
        if i == 0:
            span["start"] = int(max(0, span["start"] - pad))
        if i != len(spans) - 1:
            silence = spans[i + 1]["start"] - span["end"]
            if silence < 2 * pad:
                span["end"] += int(silence // 2)
                spans[i + 1]["start"] = int(max(0, spans[i + 1]["start"] - silence // 2))
            else:
                span["end"] = int(min(num_samples, span["end"] + pad))
                spans[i + 1]["start"] = int(max(0, spans[i + 1]["start"] - pad))
        else:
            span["end"] = int(min(num_samples, span["end"] + pad))
    return spans


def keep_short_edges(spans: list[dict[str, int]], num_samples: int, edge_samples: int) -> list[dict[str, int]]:
    """``spans`` with the audio before the first and after the last kept when that stretch is
    shorter than ``edge_samples``: cutting a moment of quiet off the edges saves nothing, and
    Whisper decodes the audio it was trained on (speech with its lead-in) differently from speech
    cut to its first sample, sometimes a word worse."""
    spans = [dict(s) for s in spans]
    if spans and spans[0]["start"] < edge_samples:
        spans[0]["start"] = 0
    if spans and num_samples - spans[-1]["end"] < edge_samples:
        spans[-1]["end"] = num_samples
    return spans


def windows_with_context(audio: np.ndarray) -> np.ndarray:
    """``audio`` zero-padded to whole windows, one row per window: the previous window's last
    ``CONTEXT`` samples (zeros for the first) then the window's ``WINDOW`` samples."""
    padded = np.pad(np.asarray(audio, dtype=np.float32), (0, -len(audio) % WINDOW)).reshape(-1, WINDOW)
    context = np.zeros((len(padded), CONTEXT), np.float32)
    context[1:] = padded[:-1, -CONTEXT:]
    return np.concatenate([context, padded], axis=1)


class SileroVad:
    """The Silero ONNX model on onnxruntime, one thread (as faster-whisper runs its own). Not
    thread-safe: use one instance per thread."""

    def __init__(self, path: str | Path | None = None) -> None:
        import onnxruntime

        self.path = Path(path) if path else default_vad_model()
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.enable_cpu_mem_arena = False
        opts.log_severity_level = 4
        self.session = onnxruntime.InferenceSession(
            str(self.path), providers=["CPUExecutionProvider"], sess_options=opts
        )
        names = {i.name for i in self.session.get_inputs()}
        if not {"input", "state"} <= names:
            raise ValueError(f"{self.path} is not a streaming Silero VAD model (inputs {sorted(names)})")
        self._takes_rate = "sr" in names

    def probabilities(self, audio: np.ndarray) -> np.ndarray:
        """Speech probability of each 512-sample window of 16 kHz ``audio`` (the last one zero-padded)."""
        if len(audio) == 0:
            return np.zeros(0, np.float32)
        rows = windows_with_context(audio)
        state = np.zeros((2, 1, 128), np.float32)
        feed: dict[str, np.ndarray] = {"sr": np.array(SAMPLE_RATE, dtype=np.int64)} if self._takes_rate else {}
        out = np.empty(len(rows), np.float32)
        run = self.session.run
        for i in range(len(rows)):
            feed["input"], feed["state"] = rows[i : i + 1], state
            probability, state = run(None, feed)
            out[i] = probability[0, 0]
        return out

    def speech(self, audio: np.ndarray, options: VadOptions = VadOptions()) -> list[dict[str, int]]:
        """Speech spans of 16 kHz ``audio`` (see ``speech_spans``)."""
        return speech_spans(self.probabilities(audio), len(audio), options)
