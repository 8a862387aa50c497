"""A Triton server restarted under a caller: while it shuts down (it unloads its models first and
still answers, that it knows none of them), while it is gone and while it starts again, every call
fails as retriable, so the stage that made it tries again instead of failing its video; once the
server is back, calls succeed. A server of its own (own ports and data), not the session's."""

from __future__ import annotations

import asyncio
import shutil
import threading
import uuid

import pytest

from streams.adapters.triton import CallPolicy, TritonClient
from streams.errors import InferenceError
from streams.media.audio import decode_pcm
from streams.settings import project_root
from streams.stack.triton import Triton
from tests.conftest import fresh_stack_settings

pytestmark = [pytest.mark.integration, pytest.mark.slow]

# each call reaches the server, and waits 2 s whatever the audio
EVERY_CALL = CallPolicy(deadline_seconds=2, seconds_per_audio_second=0, attempts=1, breaker_failures=10**6)


async def _first_answer(client: TritonClient, audio, failures: list, within: float = 60.0):
    """The first transcription the client gets; its channel to the server that went away may
    wait out gRPC's reconnect backoff before it tries the new one (the failures are kept)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await client.transcribe(audio)
        except InferenceError as exc:
            failures.append(exc)
            if asyncio.get_running_loop().time() > deadline:
                raise
        await asyncio.sleep(0.2)


async def test_every_failure_while_triton_restarts_is_retriable(media_dir):
    settings = fresh_stack_settings(project_root() / ".local" / f"test-triton-{uuid.uuid4().hex[:8]}")
    triton = Triton(settings)
    said: list[str] = []
    audio = decode_pcm(media_dir / "speech/jfk.wav")[: 16000 * 2]
    restarted = threading.Event()
    broken: list[BaseException] = []

    def restart() -> None:
        try:
            triton.stop(said.append)
            triton.start(said.append)
        except BaseException as exc:
            broken.append(exc)
        finally:
            restarted.set()

    failures: list[InferenceError] = []
    try:
        triton.start(said.append)
        client = TritonClient(settings.triton_grpc_url, EVERY_CALL)
        try:
            assert (await client.transcribe(audio)).words
            thread = threading.Thread(target=restart)
            thread.start()
            while not restarted.is_set():
                try:
                    await client.transcribe(audio)
                except InferenceError as exc:
                    failures.append(exc)
                await asyncio.sleep(0.02)
            thread.join()
            assert broken == [], said
            after = await _first_answer(client, audio, failures)
        finally:
            await client.close()
    finally:
        triton.stop(said.append)
        shutil.rmtree(settings.data_dir, ignore_errors=True)

    assert any("NOT_FOUND" in str(exc) for exc in failures), "no call landed while the server unloaded its models"
    assert [str(exc) for exc in failures if not exc.retriable] == []
    assert "fellow" in " ".join(w.word.lower() for w in after.words)
