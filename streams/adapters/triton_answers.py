"""What a failed Triton call's answer means: whether another try may pass, and whether the server
turned the call away because it is busy rather than down.

Triton's gRPC status says it for most answers. Two it gives cannot be told from others by status
alone, so for those two, and only there, the message is read: a full queue (``UNAVAILABLE``,
which is also a server that cannot be reached) and a Python model's stub slow to answer
(``INTERNAL``, which is also the model's own failure).
"""

from __future__ import annotations

import re
from typing import NamedTuple

# gRPC status names Triton uses when trying again later can work.
RETRIABLE = ("UNAVAILABLE", "RESOURCE_EXHAUSTED", "DEADLINE_EXCEEDED", "ABORTED")
_QUEUE_FULL = ("exceeds maximum queue size", "queue is full")
# How python_backend's message for a stub that did not answer in time begins and ends (any case);
# a model's own failure begins "Failed to process the request(s) for model instance".
_STUB_UNANSWERED = (("stub process ", "is not healthy."), ("failed to obtain the health mutex.", ""))


class Answer(NamedTuple):
    """What a failed call's status and message say."""

    busy: bool  # Triton turned it away with its queue full: no sign the server is failing
    may_pass: bool  # another try can succeed: a server busy, away or slow, or a stub late to answer


def read(status: str, message: str) -> Answer:
    """What the gRPC ``status`` name (``UNAVAILABLE``) and ``message`` of a failed call say."""
    return Answer(shed_load(status, message), status in RETRIABLE or stub_unanswered(status, message))


def shed_load(status: str, message: str) -> bool:
    """Whether a failed call was Triton turning it away because the model's queue is full (busy:
    retry, and no sign the server is failing), as against a server that is down or failing.

    The status cannot say: Triton answers a full queue with gRPC ``UNAVAILABLE``, the status of a
    server that cannot be reached (its scheduler's "Exceeds maximum queue size"; asked to be
    ``RESOURCE_EXHAUSTED`` in triton-inference-server/server#6110, still open). So among
    ``UNAVAILABLE`` answers, and only there, the message tells them apart."""
    return status == "UNAVAILABLE" and any(q in message.lower() for q in _QUEUE_FULL)


def stub_unanswered(status: str, message: str) -> bool:
    """Whether a failed call was Triton's Python backend giving up on a model's stub (the process
    of its own that runs each instance of a Python model) for not answering within a second.

    The backend hands a request to the stub through a queue in shared memory, and fails it with
    ``INTERNAL`` "Stub process '<instance>' is not healthy." when the stub has neither taken it nor
    run its health thread within that second, or "Failed to obtain the health mutex." when that
    thread held its lock as long (python_backend's ``SendMessageToStub``). A stub starved of CPU
    does that: a 60-minute talk failed so on two cores, its Triton run at a lower priority than the
    renders beside it (DEVELOPERS.md, "Triton's priority"). The stub lives on and takes the next
    try, so the call is retried as a busy server's is; a stub that has died fails every try, and
    the last error says so. ``INTERNAL`` is also a model's own failure, never retried: only these
    words under that status are taken for a stub that was slow."""
    text = re.sub(r"^\[statuscode\.\w+\]\s*", "", message.strip().lower())  # tritonclient's prefix
    return status == "INTERNAL" and any(text.startswith(a) and text.endswith(b) for a, b in _STUB_UNANSWERED)
