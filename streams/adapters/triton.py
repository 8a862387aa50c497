"""Async gRPC client for the Triton models: a deadline on every call, retries with backoff when
the server is busy or unreachable, and Triton's errors turned into ``InferenceError``.

Bad input (``INVALID_ARG``) is never retried: the same audio would fail the same way.
"""

from __future__ import annotations

import asyncio
import json
import random
from dataclasses import dataclass

import numpy as np

from streams.asr.whisper import Recognition
from streams.errors import InferenceError

# gRPC status names Triton uses when trying again later can work.
_RETRIABLE = ("UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "ABORTED", "CANCELLED")


@dataclass(frozen=True)
class CallPolicy:
    """Attributes:
    deadline_seconds: the most one attempt may take before it is cancelled.
    attempts: tries in all, the first included.
    backoff_seconds: the first wait between tries; doubled each time, with jitter.
    """

    deadline_seconds: float = 120.0
    attempts: int = 4
    backoff_seconds: float = 0.5


def _status_name(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    value = status() if callable(status) else status
    return str(value or "").replace("StatusCode.", "")


class TritonClient:
    """One gRPC channel to a Triton server, shared by all calls of a process."""

    def __init__(self, url: str, policy: CallPolicy = CallPolicy()) -> None:
        import tritonclient.grpc.aio as grpcclient

        self._grpc = grpcclient
        self.url = url
        self.policy = policy
        self.client = grpcclient.InferenceServerClient(url=url)

    async def close(self) -> None:
        await self.client.close()

    async def ready(self, model: str) -> bool:
        try:
            return bool(await self.client.is_model_ready(model))
        except Exception:
            return False

    async def _infer(self, model: str, inputs, outputs):
        policy = self.policy
        delay = policy.backoff_seconds
        for attempt in range(1, policy.attempts + 1):
            try:
                return await self.client.infer(
                    model, inputs, outputs=outputs, client_timeout=policy.deadline_seconds
                )
            except Exception as exc:  # tritonclient raises InferenceServerException
                name = _status_name(exc)
                retriable = any(r in name for r in _RETRIABLE) or "timed out" in str(exc).lower()
                if not retriable or attempt == policy.attempts:
                    raise InferenceError(
                        f"{model} on {self.url}: {exc}", retriable=retriable
                    ) from exc
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay *= 2
        raise AssertionError("unreachable")

    async def transcribe(self, pcm: np.ndarray, language: str | None = None, prompt: str | None = None) -> Recognition:
        """Words and segments of 16 kHz mono float32 audio, times relative to its start."""
        g = self._grpc
        audio = g.InferInput("AUDIO", [int(pcm.shape[0])], "FP32")
        audio.set_data_from_numpy(np.ascontiguousarray(pcm, dtype=np.float32))
        inputs = [audio]
        for name, value in (("LANGUAGE", language), ("PROMPT", prompt)):
            if value:
                tensor = g.InferInput(name, [1], "BYTES")
                tensor.set_data_from_numpy(np.array([value.encode()], dtype=np.object_))
                inputs.append(tensor)
        result = await self._infer("whisper", inputs, [g.InferRequestedOutput("RESULT")])
        raw = result.as_numpy("RESULT").reshape(-1)[0]
        return Recognition.from_json(json.loads(raw))
