"""The Triton client under stress, against the real server: an overloaded queue sheds load at
once, the client retries with backoff inside each call's deadline, the server stays healthy; and
a server that is not there trips the circuit breaker so callers fail fast."""

from __future__ import annotations

import asyncio
import time

import pytest

from streams.adapters.triton import CallPolicy, CircuitBreaker, TritonClient
from streams.errors import InferenceError
from streams.media.audio import decode_pcm
from streams.stack.process import free_port

pytestmark = pytest.mark.integration


async def test_fifty_concurrent_calls_against_a_queue_of_eight(stack, media_dir):
    audio = decode_pcm(media_dir / "speech/jfk.wav")[: 16000 * 3]
    # One instance and a queue of 8: at most 9 calls get in at first, and a call turned away can
    # only be served once those are done. The deadline is a number of service times, measured
    # here, so that what is asserted is behaviour, not how fast this machine is (on a loaded
    # 2-core machine one call takes seconds).
    probe = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=60, attempts=1))
    try:
        began = time.monotonic()
        assert (await probe.transcribe(audio)).words
        service = time.monotonic() - began
    finally:
        await probe.close()
    deadline = max(20.0, 15 * service)
    client = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=deadline, attempts=50,
                                                           backoff_seconds=0.1, max_backoff_seconds=2.0))

    async def one():
        began = time.monotonic()
        try:
            result = await client.transcribe(audio)
            return time.monotonic() - began, result, None
        except InferenceError as exc:
            return time.monotonic() - began, None, exc

    try:
        outcomes = await asyncio.gather(*(one() for _ in range(50)))
        stats = client.stats()["models"]["whisper"]
        healthy = await client.ready("whisper")
        after = await client.transcribe(audio)  # still serving
    finally:
        await client.close()

    print(f"overload: one call {service:.2f} s, deadline {deadline:.0f} s; "
          f"{sum(r is not None for _, r, _ in outcomes)}/50 succeeded; {stats}")
    assert max(elapsed for elapsed, _, _ in outcomes) <= deadline + 1.0  # no call outlives its deadline
    assert stats["rejected"] > 0 and stats["retries"] > 0  # the queue shed load; the client came back
    succeeded = [r for _, r, e in outcomes if r is not None]
    # Calls that were turned away came back and were served: counted per call by the client, and
    # seen in the total, which is more than the 9 that could get in at first.
    assert stats["recovered"] > 0
    assert len(succeeded) > 9
    assert all("fellow" in " ".join(w.word.lower() for w in r.words) for r in succeeded)
    assert all(e.retriable for _, _, e in outcomes if e is not None)
    assert healthy and after.words


async def test_a_call_that_hears_audio_may_take_in_proportion_to_it(stack, media_dir):
    """The deadline of a call that hears audio grows with the audio: a flat one that suits a short
    call failed a long chunk on every try (a 60-minute German talk, whose 120-s chunks take the
    multilingual Whisper longer than 120 s beside the renders)."""
    audio = decode_pcm(media_dir / "speech/jfk.wav")  # 11 s
    assert CallPolicy(deadline_seconds=120, seconds_per_audio_second=3).deadline_for(120) == 360
    assert CallPolicy(deadline_seconds=120, seconds_per_audio_second=3).deadline_for(11) == 120
    flat = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=0.05, seconds_per_audio_second=0,
                                                          attempts=1))
    scaled = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=0.05, seconds_per_audio_second=10,
                                                            attempts=1))
    try:
        with pytest.raises(InferenceError, match="(?i)deadline") as info:
            await flat.transcribe(audio)
        assert info.value.retriable
        heard = await scaled.transcribe(audio)
        voices = await scaled.voices(audio)
    finally:
        await flat.close()
        await scaled.close()
    assert "fellow" in " ".join(w.word.lower() for w in heard.words)
    assert len(voices.prints) > 0
    # each window's band comes back with it (JFK's 1961 broadcast: its band ends near 4 kHz)
    assert len(voices.high_band) == len(voices.windows) and all(0 <= x < 0.05 for x in voices.high_band)


async def test_an_absent_server_opens_the_circuit_and_calls_then_fail_fast(media_dir):
    audio = decode_pcm(media_dir / "speech/jfk.wav")[:16000]
    client = TritonClient(f"127.0.0.1:{free_port()}", CallPolicy(deadline_seconds=5, attempts=2, backoff_seconds=0.01,
                                                                 breaker_failures=3, breaker_reset_seconds=30))
    try:
        for _ in range(2):
            with pytest.raises(InferenceError) as info:
                await client.transcribe(audio)
            assert info.value.retriable
        assert client.breaker.state == "open"
        began = time.monotonic()
        with pytest.raises(InferenceError, match="circuit open"):
            await client.transcribe(audio)
        assert time.monotonic() - began < 0.05
    finally:
        await client.close()


def test_breaker_half_opens_after_the_reset_time_and_closes_on_success():
    breaker = CircuitBreaker(failures=2, reset_seconds=0.05)
    breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    time.sleep(0.06)
    assert breaker.state == "half-open" and breaker.allow()
    breaker.failure()  # the trial call failed: open again at once
    assert breaker.state == "open"
    time.sleep(0.06)
    breaker.success()
    assert breaker.state == "closed"


def test_an_open_breaker_checks_the_server_at_most_once_a_probe_interval_and_a_ready_one_gets_a_trial():
    breaker = CircuitBreaker(failures=1, reset_seconds=60, probe_seconds=0.05)
    breaker.failure()
    assert breaker.state == "open" and not breaker.probe_due()  # not straight after opening
    time.sleep(0.06)
    assert breaker.probe_due() and not breaker.probe_due()  # one caller checks; the rest fail fast
    assert breaker.state == "open"  # the check found nothing yet
    time.sleep(0.06)
    assert breaker.probe_due()
    breaker.server_ready()
    assert breaker.state == "half-open" and breaker.allow() and not breaker.probe_due()
    breaker.failure()  # the trial failed after all: open again, the reset time anew
    assert breaker.state == "open" and not breaker.allow() and not breaker.probe_due()
    breaker.server_ready()
    breaker.success()
    assert breaker.state == "closed"


async def test_a_server_back_from_a_restart_is_called_before_the_breaker_s_reset_time(stack, media_dir):
    """The circuit opened while nothing answered; the server is ready again: the next call after a
    probe interval checks its health and goes through, instead of failing fast for the reset time."""
    audio = decode_pcm(media_dir / "speech/jfk.wav")[:16000]
    client = TritonClient(stack.triton_grpc_url, CallPolicy(deadline_seconds=30, attempts=1))
    client.breaker = CircuitBreaker(failures=1, reset_seconds=600, probe_seconds=0.2)  # the policy has no probe
    try:
        client.breaker.failure()  # as if the server had just been unreachable
        with pytest.raises(InferenceError, match="circuit open"):
            await client.transcribe(audio)  # within the probe interval: fails fast, no check
        await asyncio.sleep(0.25)
        # Two calls side by side, as one chunk's Whisper and speaker encoder are made: one checks
        # the server's health, the other waits for that answer rather than failing fast.
        heard, voices = await asyncio.gather(client.transcribe(audio), client.voices(audio))
        assert heard.words and voices is not None  # checked, ready, tried, served
        assert client.breaker.state == "closed"
    finally:
        await client.close()


async def test_a_server_back_after_a_long_outage_is_seen_within_a_second_or_two():
    """gRPC's channel waits longer and longer between attempts to reach a server it lost (up to two
    minutes by default), and the breaker's health checks go through that channel: after a 25-s
    outage a server back from a restart went unseen for 14 s, while every message spent its retry
    budget failing fast. With ``RECONNECT_MS`` the channel tries again at least once a second."""
    import grpc
    from tritonclient.grpc import service_pb2, service_pb2_grpc

    class ReadyOnlyTriton(service_pb2_grpc.GRPCInferenceServiceServicer):
        """A stand-in that answers Triton's readiness calls only (the real server's restart under a
        caller is ``test_triton_restart``); it starts in milliseconds, so the time measured is the
        client's alone."""

        async def ServerReady(self, request, context):
            return service_pb2.ServerReadyResponse(ready=True)

        async def ModelReady(self, request, context):
            return service_pb2.ModelReadyResponse(ready=True)

    url = f"127.0.0.1:{free_port()}"
    client = TritonClient(url)
    server = grpc.aio.server()
    try:
        outage_ends = time.monotonic() + 20
        while time.monotonic() < outage_ends:  # callers keep asking while nothing answers
            assert not await client.ready("whisper")
            await asyncio.sleep(0.5)
        service_pb2_grpc.add_GRPCInferenceServiceServicer_to_server(ReadyOnlyTriton(), server)
        server.add_insecure_port(url)
        await server.start()
        back = time.monotonic()
        while not await client.ready("whisper") and time.monotonic() - back < 30:
            await asyncio.sleep(0.1)
        assert await client.ready("whisper")
        assert time.monotonic() - back < 2.5, f"the server was seen {time.monotonic() - back:.1f} s after it was back"
    finally:
        await server.stop(0)
        await client.close()
