"""Pipeline events (topics ``events`` and ``renders``) as webhook events. Pure.

| webhook type       | from                                                   |
| ------------------ | ------------------------------------------------------ |
| video.processing   | lifecycle ``ingest`` ``started``                       |
| transcript.ready   | lifecycle ``transcribe`` ``finished``                  |
| transcript.corrected | a person corrected words (``PATCH .../transcript``)  |
| moments.ready      | the final ``MomentsFound`` on ``moments`` (the ranking) |
| clip.rendered      | each ``ClipRendered`` on ``renders``                   |
| clip.deleted       | a person deleted a clip (``DELETE /v1/clips/{id}``)    |
| video.completed    | lifecycle ``video`` ``finished``                       |
| video.failed       | any lifecycle ``failed`` (the stage's comes first)     |
| video.deleted      | a person deleted a video (``DELETE /v1/videos/{id}``)  |
| post.published     | a post the publisher put on its platform               |
| post.failed        | a post that failed for good (``account_reconnect_required``: its account must be connected again; ``post_refused``: the platform refused it after the upload) |
| usage.threshold    | a completed video took the workspace past 80 % or 100 % of its monthly source minutes |

Everything else (``started`` of later stages, ``progress``) is not a webhook.

Each webhook event has a ``key`` naming the occurrence, not the Kafka message: ``video.completed``
of video v is ``video.completed:v`` however many times the pipeline reports it (a redelivered
message, a stage re-run after a crash, each with a fresh ``event_id``), and a clip's is its
deterministic ``clip_id`` with the time its row was stored (a clip deleted and drawn again is
announced again). The delivery's ``webhook-id`` is derived from (endpoint, key), so an
endpoint gets each occurrence once, and ``video.failed`` once per video.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from streams.domain.clip import CLIP_FILES
from streams.domain.envelope import iso_z
from streams.domain.posts import Post

EVENT_TYPES = (
    "video.processing",
    "transcript.ready",
    "transcript.corrected",
    "moments.ready",
    "clip.rendered",
    "clip.deleted",
    "video.completed",
    "video.failed",
    "video.deleted",
    "post.published",
    "post.failed",
    "usage.threshold",
)
TEST_EVENT = "webhook.test"  # sent by the API's test route only; no subscription needed

_LIFECYCLE = {
    ("ingest", "started"): "video.processing",
    ("transcribe", "finished"): "transcript.ready",
    ("video", "finished"): "video.completed",
}


@dataclass(frozen=True)
class WebhookEvent:
    """Attributes:
    type: one of EVENT_TYPES (or TEST_EVENT).
    key: the occurrence's identity; the same key is never delivered twice to one endpoint.
    tenant_id: whose endpoints receive it.
    payload: ``{"type", "timestamp", "data"}``, the JSON body.
    """

    type: str
    key: str
    tenant_id: str
    payload: dict


def from_lifecycle(event: Mapping[str, Any]) -> WebhookEvent | None:
    """The webhook for a lifecycle event (``records.to_payload(Lifecycle)``), or None."""
    video_id, stage, status = event["video_id"], event["stage"], event["status"]
    data: dict[str, Any] = {"video_id": video_id, "tenant_id": event["tenant_id"], "links": _links(video_id)}
    kind: str | None
    if status == "failed":
        kind = "video.failed"
        data["stage"] = stage
        data["error"] = {"code": event.get("error_code"), "message": event.get("reason")}
    else:
        kind = _LIFECYCLE.get((stage, status))
        if kind is None:
            return None
        if kind == "transcript.ready":
            data["links"]["transcript"] = f"/v1/videos/{video_id}/transcript"
            if event.get("speakers") is not None:  # who speaks, for how long (names: GET .../speakers)
                data["speakers"] = [dict(s) for s in event["speakers"]]
                data["links"]["speakers"] = f"/v1/videos/{video_id}/speakers"
        if kind == "video.completed":
            data["links"]["clips"] = f"/v1/videos/{video_id}/clips"
    # A video completes once, but may fail again after an operator revives it: each failure, told
    # apart by when it was recorded (every announcement of one carries that time), is an occurrence.
    key = f"{kind}:{video_id}:{event['produced_at']}" if status == "failed" else f"{kind}:{video_id}"
    return _event(kind, key, event, data)


def from_ranking(found: Mapping[str, Any]) -> WebhookEvent | None:
    """The ``moments.ready`` webhook for the final ``MomentsFound`` (``records.to_payload``): the
    final ranking, best first, and the streamed picks it superseded (their clips, already
    announced by ``clip.rendered``, are not in it); None for a provisional one."""
    if not found["is_final"]:
        return None
    video_id = found["video_id"]
    data = {
        "video_id": video_id,
        "tenant_id": found["tenant_id"],
        "moments": [
            {k: m[k] for k in ("moment_id", "rank", "start", "end", "score", "title", "reason")}
            for m in sorted(found["moments"], key=lambda m: m["rank"])
        ],
        "superseded": list(found.get("superseded") or []),
        "links": {
            **_links(video_id),
            "moments": f"/v1/videos/{video_id}/moments",
            "clips": f"/v1/videos/{video_id}/clips",
        },
    }
    return _event("moments.ready", f"moments.ready:{video_id}", found, data)


def from_clip(clip: Mapping[str, Any]) -> WebhookEvent:
    """The ``clip.rendered`` webhook for a ``ClipRendered`` event (``records.to_payload``)."""
    video_id = clip["video_id"]
    data = {
        "video_id": video_id,
        "tenant_id": clip["tenant_id"],
        "clip_id": clip["clip_id"],
        "moment_id": clip["moment_id"],
        "rank": clip["rank"],
        "aspect": clip["aspect"],
        "start": clip["start"],
        "end": clip["end"],
        "duration": clip["duration"],
        # the API's links to the files (storage paths stay inside: issue 47)
        **{kind: f"/v1/clips/{clip['clip_id']}/download?file={kind}" for kind in CLIP_FILES},
        **({"cover": f"/v1/clips/{clip['clip_id']}/download?file=cover"} if clip.get("cover_uri") else {}),
        "links": {**_links(video_id), "clips": f"/v1/videos/{video_id}/clips"},
    }
    return _event("clip.rendered", f"clip.rendered:{clip['clip_id']}:{clip['produced_at']}", clip, data)


def from_deleted_video(tenant_id: str, video_id: str, clips: Sequence[str], timestamp: str) -> WebhookEvent:
    """``video.deleted``: a person deleted a video, its clips (``clips``: their ids) and every stored
    file. Once per video: a deleted video's id is never used again."""
    data = {"video_id": video_id, "tenant_id": tenant_id, "clips": list(clips)}
    payload = {"type": "video.deleted", "timestamp": timestamp, "data": data}
    return WebhookEvent("video.deleted", f"video.deleted:{video_id}", tenant_id, payload)


def from_deleted_clip(
    tenant_id: str, video_id: str, clip_id: str, moment_id: str, aspect: str, deletion_id: str, timestamp: str
) -> WebhookEvent:
    """``clip.deleted``: a person deleted a clip and its files. Each deletion is an occurrence of
    its own (``deletion_id``): a clip drawn again and deleted again is announced again."""
    data = {
        "video_id": video_id,
        "tenant_id": tenant_id,
        "clip_id": clip_id,
        "moment_id": moment_id,
        "aspect": aspect,
        "links": {**_links(video_id), "clips": f"/v1/videos/{video_id}/clips"},
    }
    payload = {"type": "clip.deleted", "timestamp": timestamp, "data": data}
    return WebhookEvent("clip.deleted", f"clip.deleted:{clip_id}:{deletion_id}", tenant_id, payload)


def from_correction(
    tenant_id: str,
    video_id: str,
    words: Sequence[Mapping[str, Any]],
    clips: Sequence[str],
    correction_id: str,
    timestamp: str,
) -> WebhookEvent:
    """``transcript.corrected``: a person corrected words of a video's transcript. ``words``: each
    as it reads now (``word``, ``start``, ``end``, and ``heard`` where it differs from what was
    heard); ``clips``: those whose captions still show the words as they read before. Each
    correction is an occurrence of its own (``correction_id``)."""
    data = {
        "video_id": video_id,
        "tenant_id": tenant_id,
        "words": [dict(w) for w in words],
        "clips": list(clips),
        "links": {**_links(video_id), "transcript": f"/v1/videos/{video_id}/transcript"},
    }
    payload = {"type": "transcript.corrected", "timestamp": timestamp, "data": data}
    return WebhookEvent("transcript.corrected", f"transcript.corrected:{video_id}:{correction_id}", tenant_id, payload)


def from_post(post: Post, timestamp: str, error_code: str | None = None, error: str | None = None) -> WebhookEvent:
    """``post.published`` for a published post, ``post.failed`` (with its error) for a failed one:
    one occurrence each per post (a retried post that fails again is not announced twice)."""
    kind = "post.failed" if error_code else "post.published"
    data = {
        "post_id": post.post_id,
        "clip_id": post.clip_id,
        "account_id": post.account_id,
        "title": post.title,
        "publish_at": iso_z(post.publish_at),
        "platform_id": post.platform_id,
        "url": post.url,
        **({"error_code": error_code, "error": error} if error_code else {}),
        "links": {"post": f"/v1/posts/{post.post_id}", "clip": f"/v1/clips/{post.clip_id}"},
    }
    payload = {"type": kind, "timestamp": timestamp, "data": data}
    return WebhookEvent(kind, f"{kind}:{post.post_id}", post.tenant_id, payload)


def from_usage(tenant_id: str, threshold: int, month: str, usage: Mapping[str, Any], timestamp: str) -> WebhookEvent:
    """``usage.threshold``: the workspace has used ``threshold`` percent (80 or 100) of its monthly
    source minutes; one occurrence per workspace, month and threshold."""
    data = {
        "tenant_id": tenant_id,
        "threshold_percent": threshold,
        "month": month,
        **usage,
        "links": {"usage": "/v1/usage"},
    }
    payload = {"type": "usage.threshold", "timestamp": timestamp, "data": data}
    return WebhookEvent("usage.threshold", f"usage.threshold:{month}:{threshold}", tenant_id, payload)


def ping(tenant_id: str, endpoint_id: str, nonce: str, timestamp: str) -> WebhookEvent:
    """A ``webhook.test`` event for the API's test route (each call a new occurrence)."""
    payload = {"type": TEST_EVENT, "timestamp": timestamp, "data": {"tenant_id": tenant_id, "endpoint_id": endpoint_id}}
    return WebhookEvent(TEST_EVENT, f"{TEST_EVENT}:{nonce}", tenant_id, payload)


def message_id(endpoint_id: str, key: str) -> str:
    """The ``webhook-id`` of an occurrence at an endpoint: the same on every attempt and every
    redelivery, different between endpoints."""
    return "msg_" + hashlib.sha256(f"{endpoint_id}\n{key}".encode()).hexdigest()[:32]


def body(payload: Mapping[str, Any]) -> bytes:
    """The bytes sent: compact JSON with sorted keys, so a stored payload always gives the same
    bytes (the signature covers them)."""
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def _event(kind: str, key: str, source: Mapping[str, Any], data: dict) -> WebhookEvent:
    payload = {"type": kind, "timestamp": source["produced_at"], "data": data}
    return WebhookEvent(kind, key, source["tenant_id"], payload)


def _links(video_id: str) -> dict[str, str]:
    return {"video": f"/v1/videos/{video_id}"}
