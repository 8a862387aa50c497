"""``failures.classify``: the exceptions of asyncpg, botocore, gRPC/tritonclient and aiokafka (built
as those libraries build them, or raised by them against a port nobody listens on) become the
error vocabulary, transient ones ``retriable``; anything unknown is a bug, never retried."""

from __future__ import annotations

import contextlib
import json

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError, RequestTimedOutError
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError
from tritonclient.utils import InferenceServerException

from streams.errors import (
    BrokerUnavailable,
    DatabaseUnavailable,
    InferenceError,
    InferenceUnavailable,
    InternalError,
    NotMedia,
    StorageError,
    StorageUnavailable,
)
from streams.failures import classify
from streams.stack.process import free_port


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status}},
                       "GetObject")


@pytest.mark.parametrize("exc, kind, retriable", [
    (asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
     DatabaseUnavailable, True),
    (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), DatabaseUnavailable, True),
    (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"),
     DatabaseUnavailable, True),
    (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), DatabaseUnavailable, True),
    (asyncpg.exceptions.SerializationError("could not serialize access"), DatabaseUnavailable, True),
    (asyncpg.exceptions.DeadlockDetectedError("deadlock detected"), DatabaseUnavailable, True),
    (asyncpg.exceptions.InterfaceError("connection is closed"), DatabaseUnavailable, True),
    (asyncpg.exceptions.UndefinedTableError('relation "nope" does not exist'), InternalError, False),
    (asyncpg.exceptions.InterfaceError("cannot perform operation: another operation is in progress"),
     InternalError, False),
    # what the pool's reset of a connection whose session the server ended mid-operation raises
    # (seen when the fault suite restarted PostgreSQL under the pipeline)
    (asyncpg.exceptions.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
     DatabaseUnavailable, True),
    (EndpointConnectionError(endpoint_url="http://127.0.0.1:9"), StorageUnavailable, True),
    (ConnectTimeoutError(endpoint_url="http://127.0.0.1:9"), StorageUnavailable, True),
    (ReadTimeoutError(endpoint_url="http://127.0.0.1:9"), StorageUnavailable, True),
    (_client_error("SlowDown", 503), StorageUnavailable, True),
    (_client_error("InternalError", 500), StorageUnavailable, True),
    (_client_error("AccessDenied", 403), StorageError, False),
    (InferenceServerException("failed to connect to all addresses", status="StatusCode.UNAVAILABLE"),
     InferenceUnavailable, True),
    (InferenceServerException("Deadline Exceeded", status="StatusCode.DEADLINE_EXCEEDED"), InferenceUnavailable, True),
    (InferenceServerException("expected 1 dimension", status="StatusCode.INVALID_ARGUMENT"), InferenceError, False),
    (KafkaConnectionError("Unable to bootstrap"), BrokerUnavailable, True),
    (KafkaTimeoutError(), BrokerUnavailable, True),
    (RequestTimedOutError(), BrokerUnavailable, True),
    (MessageSizeTooLargeError(), InternalError, False),
    (ValueError("a bug"), InternalError, False),
    (KeyError("video_id"), InternalError, False),
])
def test_library_exceptions_become_the_vocabulary(exc, kind, retriable):
    error = classify(exc)
    assert type(error) is kind
    assert error.retriable is retriable
    assert error.__cause__ is exc
    assert type(exc).__name__ in error.message


def test_our_own_errors_pass_through_unchanged():
    error = NotMedia("notes.mp4 is not a video")
    assert classify(error) is error


def test_a_socket_error_from_nowhere_known_may_be_retried_but_says_it_is_unexplained():
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as exc:
        error = classify(exc)
    assert type(error) is InternalError and error.retriable


async def test_postgres_that_is_not_there_is_unavailable():
    with pytest.raises(OSError) as info:
        await asyncpg.connect(f"postgresql://nobody@127.0.0.1:{free_port()}/none", timeout=5)
    error = classify(info.value)
    assert type(error) is DatabaseUnavailable and error.retriable


def test_s3_that_is_not_there_is_unavailable_and_exists_does_not_pretend_the_object_is_missing():
    from streams.adapters.storage import S3Storage
    from streams.settings import Settings

    settings = Settings.from_env({"CLIPSTREAM_S3_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}"})
    storage = S3Storage("bucket", "", settings)
    storage.client.meta.config.retries["max_attempts"] = 1
    with pytest.raises(StorageUnavailable) as info:
        storage.get_bytes("videos/a/source.mp4")
    assert info.value.retriable and "get videos/a/source.mp4" in info.value.message
    with pytest.raises(StorageUnavailable):
        storage.exists("videos/a/source.mp4")


async def test_triton_that_is_not_there_is_unavailable():
    import numpy as np

    from streams.adapters.triton import CallPolicy, TritonClient

    client = TritonClient(f"127.0.0.1:{free_port()}", CallPolicy(deadline_seconds=3, attempts=2, backoff_seconds=0.05))
    try:
        with pytest.raises(InferenceUnavailable) as info:
            await client.transcribe(np.zeros(1600, dtype=np.float32))
    finally:
        await client.close()
    assert info.value.retriable and "whisper on Triton at" in info.value.message


@contextlib.asynccontextmanager
async def triton_stand_in(servicer, policy):
    """A ``TritonClient`` with ``policy`` talking to a real gRPC server on a free port that answers
    Triton's protocol as ``servicer`` does (a stand-in for a moment a real server reaches rarely)."""
    import grpc
    import tritonclient.grpc.service_pb2_grpc as service

    from streams.adapters.triton import TritonClient

    server = grpc.aio.server()
    service.add_GRPCInferenceServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    client = TritonClient(f"127.0.0.1:{port}", policy)
    try:
        yield client
    finally:
        await client.close()
        await server.stop(None)


async def test_a_call_the_server_cancels_while_it_shuts_down_is_unavailable():
    """A Triton server going down cancels the calls it is running and no longer says it is ready.
    A real gRPC server speaking Triton's protocol stands in for that moment (a stand-in: the real
    Triton's shutdown window is a race the integration test ``test_triton_restart`` hits only
    sometimes)."""
    import grpc
    import numpy as np
    import tritonclient.grpc.service_pb2 as pb
    import tritonclient.grpc.service_pb2_grpc as service

    from streams.adapters.triton import CallPolicy

    class ShuttingDownTriton(service.GRPCInferenceServiceServicer):
        async def ServerReady(self, request, context):
            return pb.ServerReadyResponse(ready=False)

        async def ModelInfer(self, request, context):
            await context.abort(grpc.StatusCode.CANCELLED, "CANCELLED")

    async with triton_stand_in(ShuttingDownTriton(), CallPolicy(deadline_seconds=3, attempts=1)) as client:
        with pytest.raises(InferenceUnavailable) as info:
            await client.transcribe(np.zeros(1600, dtype=np.float32))
    assert info.value.retriable and "CANCELLED" in info.value.message


def test_a_full_triton_queue_is_told_from_a_server_that_is_down_only_among_unavailable_answers():
    """Triton answers both with UNAVAILABLE (its message tells them apart: ``shed_load``); the same
    words in any other answer, an invalid input echoed back say, are not load being shed.
    ``tests/integration/test_triton_client.py`` fills a real server's queue."""
    from streams.adapters.triton_answers import shed_load

    assert shed_load("UNAVAILABLE", "[StatusCode.UNAVAILABLE] Exceeds maximum queue size")
    assert not shed_load("UNAVAILABLE", "failed to connect to all addresses; last error: connection refused")
    assert not shed_load("INVALID_ARGUMENT", "text 'the queue is full' is longer than the limit")


async def test_a_python_stub_too_slow_to_answer_is_retried_and_the_models_own_failure_is_not():
    """Triton's Python backend fails a call with INTERNAL when the model's stub did not take it
    within a second (a stub starved of CPU: ``triton_answers.stub_unanswered``); the next try
    reaches it. INTERNAL is also the model's own error, which another try would only repeat. A real
    gRPC server speaking Triton's protocol stands in (a stand-in: a real stub starves only when the
    machine is saturated for seconds, DEVELOPERS.md "Triton's priority")."""
    import struct

    import grpc
    import numpy as np
    import tritonclient.grpc.service_pb2 as pb
    import tritonclient.grpc.service_pb2_grpc as service

    from streams.adapters.triton import CallPolicy
    from streams.adapters.triton_answers import read

    heard = json.dumps({"language": "en", "duration": 0.1, "words": [], "segments": []}).encode()

    class SlowStubTriton(service.GRPCInferenceServiceServicer):
        def __init__(self, failure: str, failures: int) -> None:
            self.failure, self.failures, self.calls = failure, failures, 0

        async def ModelInfer(self, request, context):
            self.calls += 1
            if self.calls <= self.failures:
                await context.abort(grpc.StatusCode.INTERNAL, self.failure)
            return pb.ModelInferResponse(
                model_name=request.model_name, id=request.id,
                outputs=[pb.ModelInferResponse.InferOutputTensor(name="RESULT", datatype="BYTES", shape=[1])],
                raw_output_contents=[struct.pack("<I", len(heard)) + heard])

    async def transcribe_from(servicer):
        async with triton_stand_in(servicer, CallPolicy(deadline_seconds=5, attempts=3, backoff_seconds=0.05)) as client:
            return await client.transcribe(np.zeros(1600, dtype=np.float32))

    for failure in ("Stub process 'whisper_0_0' is not healthy.", "Failed to obtain the health mutex."):
        slow = SlowStubTriton(failure, failures=2)
        assert (await transcribe_from(slow)).language == "en" and slow.calls == 3
        assert read("INTERNAL", failure).may_pass and not read("INTERNAL", failure).busy
    dead = SlowStubTriton("Stub process 'whisper_0_0' is not healthy.", failures=3)
    with pytest.raises(InferenceUnavailable, match="is not healthy") as info:
        await transcribe_from(dead)
    assert info.value.retriable and dead.calls == 3  # every try, and the error says why
    broken = SlowStubTriton("Failed to process the request(s) for model instance 'whisper_0_0', "
                            "message: RuntimeError: stub process output is not healthy", failures=1)
    with pytest.raises(InferenceError) as info:
        await transcribe_from(broken)
    assert not info.value.retriable and broken.calls == 1
