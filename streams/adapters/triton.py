"""Async gRPC client for the Triton models.

Every call has a deadline that covers its retries too: a call never outlives it. A rejection
because the model's queue is full (Triton answers UNAVAILABLE at once) and a server that is busy
or briefly unreachable are retried with exponential backoff and full jitter. A circuit breaker
stops calling a server that keeps failing for reasons other than a full queue, so callers fail
fast instead of piling up; while open it checks the server's health once a second and lets a trial
call through as soon as the server is ready again. Bad input (``INVALID_ARG``) is never retried:
the same audio would fail the same way, as would any other failure of the model itself, except a
Python model's stub that was too slow to take the call (``triton_answers``). A model the server
says it does not know (``NOT_FOUND``) is a wrong name only when the server is ready; from a server
that is shutting down (it unloads every model first) it is a restart, and counts as unreachable.
Counters per model (calls, retries, rejections, calls served after a retry, errors, latency) feed
``stats()``.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from streams.adapters import triton_answers
from streams.asr.recognition import Recognition
from streams.asr.vad import SAMPLE_RATE
from streams.errors import InferenceError, InferenceUnavailable
from streams.judge.verdict import passage_request
from streams.judge.weights import identity as judge_identity
from streams.ops import metrics
from streams.serving.parameters import config_parameters
from streams.speakers.features import kept_band
from streams.speakers.voices import Voices
from streams.vision.face_models import Detections

JUDGE = "clip_judge"  # the Triton model that judges clips
SPEAKERS = "speaker_encoder"  # the Triton model that finds speech and prints each voice (streams.speakers)
DETECTOR, LANDMARKS = "face_detector", "face_landmarks"  # the face models (streams.vision.face_models)


@dataclass(frozen=True)
class CallPolicy:
    """Attributes:
    deadline_seconds: the most one call may take, all its tries and waits included.
    seconds_per_audio_second: a call that hears audio (Whisper, the speaker encoder) may take this
        long per second of it where that is more than ``deadline_seconds``. The multilingual
        Whisper (base, beam 5) takes 0.6 s a second of German speech on two cores with nothing
        else running, so a 120-s chunk beside the renders outlived a flat 120 s every try and a
        60-minute German talk failed; 3 leaves it the rest of the machine's work (0: flat).
    attempts: tries in all, the first included.
    backoff_seconds: the first wait between tries; doubled each time (full jitter), capped.
    max_backoff_seconds: the longest single wait between tries.
    breaker_failures: consecutive failures to reach the server (not a full queue, not a slow
        answer) that open the circuit.
    breaker_reset_seconds: how long an open circuit fails calls at once before one is let through.
    """

    deadline_seconds: float = 120.0
    seconds_per_audio_second: float = 3.0
    attempts: int = 8
    backoff_seconds: float = 0.2
    max_backoff_seconds: float = 5.0
    breaker_failures: int = 5
    breaker_reset_seconds: float = 10.0

    def deadline_for(self, audio_seconds: float) -> float:
        """The deadline of a call that hears ``audio_seconds`` of audio."""
        return max(self.deadline_seconds, self.seconds_per_audio_second * audio_seconds)


@dataclass
class ModelStats:
    calls: int = 0
    ok: int = 0
    retries: int = 0
    rejected: int = 0  # queue full
    recovered: int = 0  # served after at least one try was turned away or failed
    errors: dict[str, int] = field(default_factory=dict)
    latencies: deque = field(default_factory=lambda: deque(maxlen=2048))

    def as_json(self) -> dict:
        lat = sorted(self.latencies)

        def pct(p: float) -> float | None:
            return round(lat[min(len(lat) - 1, int(p * len(lat)))], 4) if lat else None

        return {
            "calls": self.calls,
            "ok": self.ok,
            "retries": self.retries,
            "rejected": self.rejected,
            "recovered": self.recovered,
            "errors": dict(self.errors),
            "p50_seconds": pct(0.5),
            "p95_seconds": pct(0.95),
        }


class CircuitBreaker:
    """Closed → open after ``failures`` in a row; half-open (one trial call) after ``reset_seconds``,
    or sooner when a health check made while open (at most one per ``probe_seconds``, the first
    ``probe_seconds`` after opening) finds the server ready again: a server back from a restart is
    used at once, not after the rest of the reset time (a replayed message would otherwise spend its
    whole retry budget failing fast on a circuit opened by the outage it was replayed after)."""

    def __init__(self, failures: int, reset_seconds: float, probe_seconds: float = 1.0) -> None:
        self.failures, self.reset_seconds, self.probe_seconds = failures, reset_seconds, probe_seconds
        self.consecutive = 0
        self.opened_at: float | None = None
        self._probed_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        if self._trial or time.monotonic() - self.opened_at >= self.reset_seconds:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        return self.state != "open"

    def probe_due(self) -> bool:
        """Whether an open circuit should check the server's health now; if so, the check is taken
        as made (one caller probes, the others keep failing fast)."""
        if self.opened_at is None or self.state != "open":
            return False
        now = time.monotonic()
        if now - (self._probed_at or self.opened_at) < self.probe_seconds:  # cleared when it opens
            return False
        self._probed_at = now
        return True

    def server_ready(self) -> None:
        """A health check found the server ready: let a trial call through."""
        if self.opened_at is not None:
            self._trial = True

    def success(self) -> None:
        self.consecutive, self.opened_at, self._probed_at, self._trial = 0, None, None, False

    def failure(self) -> None:
        self.consecutive += 1
        if self.consecutive >= self.failures or self.state == "half-open":
            self.opened_at, self._probed_at, self._trial = time.monotonic(), None, False


def _status_name(exc: Exception) -> str:
    status = getattr(exc, "status", None)
    value = status() if callable(status) else status
    return str(value or "").replace("StatusCode.", "")


# The first and the longest wait (ms) of the channel between attempts to reach a lost server.
# gRPC's own grow to two minutes, and the breaker's health checks go through the channel: after a
# 25-s outage a server back from a restart was seen 14 s later (0.6 s with these), and every message
# meanwhile spent its retry budget failing fast. Failing fast is the breaker's job, not the channel's.
RECONNECT_MS = (250, 1000)


def channel_options(grpcclient) -> list[tuple[str, int]]:
    """tritonclient's channel options (message size limits, keep-alive), with ``RECONNECT_MS``."""
    keep, size = grpcclient.KeepAliveOptions(), grpcclient.MAX_GRPC_MESSAGE_SIZE
    first, longest = RECONNECT_MS
    return [
        ("grpc.max_send_message_length", size),
        ("grpc.max_receive_message_length", size),
        ("grpc.keepalive_time_ms", keep.keepalive_time_ms),
        ("grpc.keepalive_timeout_ms", keep.keepalive_timeout_ms),
        ("grpc.keepalive_permit_without_calls", keep.keepalive_permit_without_calls),
        ("grpc.http2.max_pings_without_data", keep.http2_max_pings_without_data),
        ("grpc.initial_reconnect_backoff_ms", first),
        ("grpc.min_reconnect_backoff_ms", first),
        ("grpc.max_reconnect_backoff_ms", longest),
    ]


class TritonClient:
    """One gRPC channel to a Triton server, shared by all calls of a process."""

    def __init__(self, url: str, policy: CallPolicy = CallPolicy()) -> None:
        import tritonclient.grpc.aio as grpcclient

        self._grpc = grpcclient
        self.url = url
        self.policy = policy
        self.client = grpcclient.InferenceServerClient(url=url, channel_args=channel_options(grpcclient))
        self.breaker = CircuitBreaker(policy.breaker_failures, policy.breaker_reset_seconds)
        self._probing = asyncio.Lock()
        self._stats: dict[str, ModelStats] = {}

    async def close(self) -> None:
        await self.client.close()

    async def ready(self, model: str) -> bool:
        try:
            return bool(await self.client.is_model_ready(model))
        except Exception:
            return False

    async def wait_ready(self, models: list[str], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            missing = [m for m in models if not await self.ready(m)]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise InferenceUnavailable(f"Triton at {self.url}: models not ready: {', '.join(missing)}")
            await asyncio.sleep(0.5)

    async def _serving(self) -> bool:
        """Whether the server says it is ready (Triton with ``--strict-readiness``: every model loaded,
        and not shutting down)."""
        try:
            return bool(await self.client.is_server_ready(client_timeout=2.0))
        except Exception:
            return False

    async def _admitted(self) -> bool:
        """Whether the breaker lets a call through now, checking the server's health when a probe
        is due. Calls made while another one probes wait for its answer instead of failing fast:
        the calls one message makes side by side (Whisper and the speaker encoder on one chunk)
        are all let through by one ready server, not one through and the rest failed."""
        if self.breaker.allow():
            return True
        async with self._probing:
            if not self.breaker.allow() and self.breaker.probe_due() and await self._serving():
                self.breaker.server_ready()
        return self.breaker.allow()

    def stats(self) -> dict:
        return {"breaker": self.breaker.state, "models": {m: s.as_json() for m, s in self._stats.items()}}

    async def infer(self, model: str, inputs, outputs, deadline_seconds: float | None = None):
        """One inference under the call policy (its deadline, or ``deadline_seconds``); raises
        ``InferenceError``."""
        policy = self.policy
        stats = self._stats.setdefault(model, ModelStats())
        stats.calls += 1
        began = time.monotonic()
        deadline = began + (policy.deadline_seconds if deadline_seconds is None else deadline_seconds)
        delay = policy.backoff_seconds
        for attempt in range(1, policy.attempts + 1):
            if not await self._admitted():
                self._count_error(model, stats, "circuit_open")
                raise InferenceUnavailable(
                    f"{model} on Triton at {self.url}: circuit open after repeated failures "
                    f"to reach it; retry in {policy.breaker_reset_seconds:.0f} s"
                )
            remaining = deadline - time.monotonic()
            error: Exception
            try:
                result = await asyncio.wait_for(
                    self.client.infer(model, inputs, outputs=outputs, client_timeout=max(0.05, remaining)),
                    timeout=max(0.05, remaining) + 0.5,
                )
            except TimeoutError as exc:
                error, name, message = exc, "DEADLINE_EXCEEDED", "deadline exceeded"
            except Exception as exc:  # tritonclient raises InferenceServerException
                error, name, message = exc, _status_name(exc), str(exc)
            else:
                self.breaker.success()
                stats.ok += 1
                stats.recovered += attempt > 1
                stats.latencies.append(time.monotonic() - began)
                metrics.TRITON_SECONDS.labels(model).observe(time.monotonic() - began)
                return result
            if name in ("NOT_FOUND", "CANCELLED") and not await self._serving():
                # A server shutting down unloads its models first and, until it stops listening,
                # answers that it knows none of them, or cancels the calls it was running:
                # a restart, not a wrong model name or a caller that gave up.
                name = "UNAVAILABLE"
            queue_full, retriable = triton_answers.read(name, message)
            if queue_full:
                stats.rejected += 1
            elif name == "UNAVAILABLE":  # unreachable or failing, not merely busy: count towards the breaker
                self.breaker.failure()
            wait = random.uniform(0, min(delay, policy.max_backoff_seconds))
            if not retriable or attempt == policy.attempts or time.monotonic() + wait >= deadline:
                self._count_error(model, stats, "queue_full" if queue_full else (name or "error"))
                kind = InferenceUnavailable if retriable else InferenceError  # busy, away or slow: may pass
                raise kind(f"{model} on Triton at {self.url}: {message}") from error
            stats.retries += 1
            await asyncio.sleep(wait)
            delay *= 2
        raise AssertionError("unreachable")

    @staticmethod
    def _count_error(model: str, stats: ModelStats, code: str) -> None:
        stats.errors[code] = stats.errors.get(code, 0) + 1
        metrics.TRITON_ERRORS.labels(model, code).inc()

    async def transcribe(
        self, pcm: np.ndarray, language: str | None = None, prompt: str | None = None, before: str | None = None
    ) -> Recognition:
        """Words and segments of 16 kHz mono float32 audio, times relative to its start. ``before``:
        the language heard before it (the talk's so far), which the audio is taken to go on in
        wherever the model is not sure it changes (``streams.asr.languages.held``)."""
        g = self._grpc
        audio = g.InferInput("AUDIO", [int(pcm.shape[0])], "FP32")
        audio.set_data_from_numpy(np.ascontiguousarray(pcm, dtype=np.float32))
        inputs = [audio]
        for name, value in (("LANGUAGE", language), ("PROMPT", prompt), ("LANGUAGE_BEFORE", before)):
            if value:
                tensor = g.InferInput(name, [1], "BYTES")
                tensor.set_data_from_numpy(np.array([value.encode()], dtype=np.object_))
                inputs.append(tensor)
        result = await self.infer(
            "whisper", inputs, [g.InferRequestedOutput("RESULT")], self.policy.deadline_for(len(pcm) / SAMPLE_RATE)
        )
        raw = result.as_numpy("RESULT").reshape(-1)[0]
        return Recognition.from_json(json.loads(raw))

    async def voices(self, pcm: np.ndarray) -> Voices:
        """The speech in 16 kHz mono float32 audio and a voice print for each window of it, times
        relative to its start (``streams.speakers.voices``)."""
        g = self._grpc
        audio = g.InferInput("AUDIO", [int(pcm.shape[0])], "FP32")
        audio.set_data_from_numpy(np.ascontiguousarray(pcm, dtype=np.float32))
        names = ("SPEECH", "WINDOWS", "PRINTS", "HIGH_BAND")
        result = await self.infer(
            SPEAKERS,
            [audio],
            [g.InferRequestedOutput(n) for n in names],
            self.policy.deadline_for(len(pcm) / SAMPLE_RATE),
        )
        speech, windows, prints, high = (result.as_numpy(n) for n in names)
        return Voices(
            tuple((round(float(a), 3), round(float(b), 3)) for a, b in speech.reshape(-1, 2)),
            tuple((round(float(a), 3), round(float(b), 3)) for a, b in windows.reshape(-1, 2)),
            prints.reshape(-1, 256).astype(np.float16),
            tuple(kept_band(float(x)) for x in high.reshape(-1)),
        )

    async def detect_faces(self, images: np.ndarray) -> Detections:
        """``face_detector``'s faces on each of ``images`` (``(n, h, w, 3)`` RGB uint8, n up to its
        ``max_batch_size``), in the images' pixels: ``streams.vision.face_models.FaceModels``."""
        g = self._grpc
        frames = g.InferInput("FRAMES", list(images.shape), "UINT8")
        frames.set_data_from_numpy(np.ascontiguousarray(images, dtype=np.uint8))
        names = ("BOXES", "SCORES", "KEYPOINTS", "COUNT")  # Detections' fields, in order
        result = await self.infer(DETECTOR, [frames], [g.InferRequestedOutput(n) for n in names])
        return Detections(*(result.as_numpy(n) for n in names))

    async def face_landmarks(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``face_landmarks``' 468 points and presence score for each of ``faces`` (square RGB uint8
        crops): ``streams.vision.face_models.FaceModels``."""
        g = self._grpc
        crops = g.InferInput("FACES", list(faces.shape), "UINT8")
        crops.set_data_from_numpy(np.ascontiguousarray(faces, dtype=np.uint8))
        result = await self.infer(
            LANDMARKS, [crops], [g.InferRequestedOutput("LANDMARKS"), g.InferRequestedOutput("PRESENCE")]
        )
        return result.as_numpy("LANDMARKS"), result.as_numpy("PRESENCE").reshape(-1)

    async def judge_model(self) -> str:
        """Which weights the server's clip judge runs (its config's ``model``, and ``model_dir``
        when one is set): what its verdicts are kept under, so a server that switches models (the
        GPU config serves a larger one) asks again instead of reusing another model's verdicts.
        Asked each time, not kept: a restarted server may run another config."""
        try:
            config = await self.client.get_model_config(JUDGE, as_json=True, client_timeout=10.0)
        except Exception as exc:  # tritonclient raises InferenceServerException
            raise InferenceUnavailable(f"{JUDGE} on Triton at {self.url}: its config could not be read: {exc}") from exc
        params = config_parameters(config.get("config", config))
        if not params.get("model"):
            raise InferenceError(f"{JUDGE} on Triton at {self.url}: its config names no model parameter")
        return judge_identity(params["model"], params.get("model_dir", ""))

    async def judge_answer(self, text: str, attempt: int = 0, language: str | None = None) -> dict:
        """The clip judge's raw answer for one passage spoken in ``language`` (None: English)
        (``{"model", "prompt_version", "text"}``), not yet checked:
        ``streams.judge.verdict.ask_until_valid`` checks it and asks again."""
        g = self._grpc
        passage = g.InferInput("PASSAGE", [1], "BYTES")
        passage.set_data_from_numpy(np.array([passage_request(text, language).encode()], dtype=np.object_))
        tries = g.InferInput("ATTEMPT", [1], "INT32")
        tries.set_data_from_numpy(np.array([attempt], dtype=np.int32))
        result = await self.infer(JUDGE, [passage, tries], [g.InferRequestedOutput("ANSWER")])
        return json.loads(result.as_numpy("ANSWER").reshape(-1)[0])
