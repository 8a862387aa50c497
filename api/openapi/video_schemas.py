"""The OpenAPI schemas of a video: its upload, stages, transcript, speakers, search and analytics,
and the answers that list them, with what is made of it (``api.openapi.clip_schemas``) in their
place (``api.openapi.components``)."""

from __future__ import annotations

from functools import lru_cache

from api.openapi.blocks import BOOLEAN, INTEGER, NUMBER, SHARE, STRING, TIMESTAMP, array, nullable, obj, ref
from api.openapi.clip_schemas import TIMELINE_LINKS, clip_schemas
from streams.domain import contracts
from streams.domain.pipeline import VIDEO_STAGES
from streams.domain.video import VIDEO_STATUSES


@lru_cache(maxsize=1)
def options_schema() -> dict:
    """The upload options: the ``upload_received`` event's."""
    return contracts.schema("upload_received")["properties"]["options"]


def video_schemas() -> dict:
    from streams.domain.corrections import MAX_FIXES, MAX_WORD

    timed = {"start": NUMBER, "end": NUMBER}
    word = {"type": "string", "minLength": 1, "maxLength": MAX_WORD}
    fix = obj({"start": NUMBER, "word": nullable(word)}, {"was": STRING}, additionalProperties=False)
    fixed = obj({"word": STRING, **timed}, {"heard": STRING}, description="`heard`: what was heard, while corrected.")
    status = {"enum": list(VIDEO_STATUSES)}
    return {
        "VideoOptions": options_schema(),
        "VideoLinks": obj({k: STRING for k in ("self", "transcript", "moments", "clips", "events")}),
        "VideoAccepted": obj(
            {
                "video_id": STRING,
                "status": {"const": "queued"},
                "filename": STRING,
                "size_bytes": INTEGER,
                "options": ref("VideoOptions"),
                "links": ref("VideoLinks"),
            },
            {"source_url": STRING},
        ),
        "VideoFromUrl": obj(
            {"source_url": {"type": "string", "maxLength": 2048, "examples": ["https://example.com/talk.mp4"]}},
            {
                "filename": {
                    "type": "string",
                    "maxLength": 255,
                    "description": "Default: the URL's last path segment.",
                },
                "options": ref("VideoOptions"),
            },
        ),
        "CreateUpload": obj(
            {"filename": {"type": "string", "minLength": 1, "maxLength": 255}},
            {
                "size_bytes": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "The file's size: the most the form accepts (default: the upload limit).",
                },
                "options": ref("VideoOptions"),
            },
        ),
        "UploadForm": obj(
            {
                "upload_id": STRING,
                "method": {"const": "POST"},
                "url": STRING,
                "fields": {"type": "object", "additionalProperties": STRING},
                "max_bytes": INTEGER,
                "expires_at": TIMESTAMP,
                "links": obj({"confirm": STRING}),
            }
        ),
        "VideoSummary": obj(
            {
                "video_id": STRING,
                "filename": STRING,
                "status": status,
                "error": nullable(ref("ErrorStatus")),
                "duration": nullable(NUMBER),
                "size_bytes": INTEGER,
                "options": ref("VideoOptions"),
                "created_at": TIMESTAMP,
                "updated_at": TIMESTAMP,
                "finished_at": nullable(TIMESTAMP),
                "links": ref("VideoLinks"),
            }
        ),
        "VideoDetail": {
            "allOf": [
                ref("VideoSummary"),
                obj(
                    {
                        "progress": SHARE,
                        "stages": array(ref("Stage")),
                        "ranking": nullable(
                            obj(
                                {"judge": {"enum": ["on", "off"]}, "model": nullable(STRING), "note": STRING},
                                description="How the moments are ranked: by rules and the clip judge, or by "
                                "rules alone (CLIPSTREAM_MOMENT_JUDGE=off). Null until the "
                                "moments stage starts.",
                            )
                        ),
                        "urls": obj(
                            {"events": STRING, "source": STRING},
                            {"timeline": TIMELINE_LINKS},
                            description="Signed links, valid for an hour.",
                        ),
                    }
                ),
            ]
        },
        "Stage": obj(
            {
                "stage": STRING,
                "status": {"enum": ["pending", "running", "completed", "failed"]},
                "progress": SHARE,
                "error": nullable(obj({"code": nullable(STRING), "message": STRING})),
                "started_at": nullable(TIMESTAMP),
                "finished_at": nullable(TIMESTAMP),
            }
        ),
        "VideoList": obj({"videos": array(ref("VideoSummary")), "next_cursor": nullable(STRING), "has_more": BOOLEAN}),
        "Transcript": obj(
            {
                "video_id": STRING,
                "language": nullable(STRING),
                "language_probability": nullable(SHARE),
                "languages": array(STRING),
                "complete": BOOLEAN,
                "text": STRING,
                "words": array(
                    obj({"word": STRING, **timed, "probability": NUMBER}, {"speaker": STRING, "heard": STRING})
                ),
                "sentences": array(obj({"text": STRING, **timed}, {"speaker": STRING, "speaker_name": STRING})),
                "segments": array(obj({"text": STRING, **timed})),
                "speakers": array(ref("Speaker")),
            }
        ),
        "Speaker": obj(
            {"speaker": STRING, "name": STRING, "talk_seconds": NUMBER, "first_heard": NUMBER},
            description="`speaker` is the label diarization gave (S1, S2, ... first heard first); `name` "
            "is what exports show: the name given with PATCH, else `Speaker N`.",
        ),
        "SpeakerList": obj({"video_id": STRING, "complete": BOOLEAN, "speakers": array(ref("Speaker"))}),
        "HeardSpeaker": obj(
            {"speaker": STRING, "name": STRING},
            description="A voice heard in a moment or clip: its label and the name shown for it (given with PATCH, "
            "else `Speaker N`). Listed only where the video has more than one voice.",
        ),
        "RenameSpeaker": obj({"name": {"type": "string", "minLength": 1, "maxLength": 80}}, additionalProperties=False),
        "CorrectTranscript": obj(
            {"words": {**array(fix), "minItems": 1, "maxItems": MAX_FIXES}},
            {"render": {**BOOLEAN, "default": False, "description": "Also render again every stale clip."}},
            additionalProperties=False,
        ),
        "TranscriptCorrected": obj(
            {"video_id": STRING, "clips": array(STRING), "corrected": array(fixed)},
            {"renders": array(obj({"from": STRING, "clip_id": STRING, "status": {"enum": ["queued", "rendered"]}}))},
        ),
        **clip_schemas(),
        "SearchResults": obj(
            {
                "query": STRING,
                "hits": array(
                    obj(
                        {
                            "video_id": STRING,
                            "filename": STRING,
                            "start": {"type": "number", "description": "When the first matching word is said (s)."},
                            "end": NUMBER,
                            "segment_start": {"type": "number", "description": "The sentence's start (s)."},
                            "segment_end": NUMBER,
                            "text": {"type": "string", "description": "The whole sentence."},
                            "snippet": {"type": "string", "description": "HTML-escaped, matches in `<mark>`."},
                            "score": {
                                "type": "number",
                                "description": "Relevance (higher is better; backend-specific scale).",
                            },
                            "language": {
                                "type": "string",
                                "description": "The language the sentence was spoken in (ISO 639-1).",
                            },
                        }
                    )
                ),
            }
        ),
        "SearchToken": obj(
            {"token": STRING, "index": STRING, "url": STRING, "expires_at": {"type": "string", "format": "date-time"}}
        ),
        "Analytics": obj(
            {
                "videos": INTEGER,
                "completed": INTEGER,
                "failed": INTEGER,
                "usage_minutes": NUMBER,
                "clips": INTEGER,
                "stages": obj(
                    {
                        s: obj(
                            {"count": INTEGER, "p50_seconds": nullable(NUMBER), "p95_seconds": nullable(NUMBER)},
                            {"p99_seconds": nullable(NUMBER)},
                        )
                        for s in VIDEO_STAGES
                    }
                ),
                "daily": array(
                    obj(
                        {
                            "day": {"type": "string", "format": "date"},
                            "videos": INTEGER,
                            "minutes": NUMBER,
                            "clips": INTEGER,
                        }
                    )
                ),
            },
            {
                "source": {"enum": ["clickhouse"], "description": "Where the numbers were read."},
                "processing": INTEGER,
                "end_to_end": obj(
                    latency := {
                        "count": INTEGER,
                        "p50_seconds": nullable(NUMBER),
                        "p95_seconds": nullable(NUMBER),
                        "p99_seconds": nullable(NUMBER),
                    },
                    description="Upload to the video's completion.",
                ),
                "first_clip": obj(latency, description="Upload to the first rendered clip."),
                "asr": obj(
                    {
                        "chunks": INTEGER,
                        "audio_minutes": NUMBER,
                        "realtime_factor_p50": nullable(NUMBER),
                        "realtime_factor_p95": nullable(NUMBER),
                    },
                    description="Per audio chunk: seconds from cut to transcript per second of audio.",
                ),
                "languages": {
                    **array(obj({"language": STRING, "videos": INTEGER, "minutes": NUMBER})),
                    "description": "Speech transcribed per language, most first: a chunk's minutes count "
                    "for the language with the most speech in it.",
                },
                "failures": array(
                    obj(
                        {
                            "stage": STRING,
                            "kind": {"enum": ["failed", "dead_lettered"]},
                            "error_code": STRING,
                            "videos": INTEGER,
                            "events": INTEGER,
                            "reason": STRING,
                        }
                    )
                ),
                "posts": {
                    **array(
                        obj(
                            {
                                "post_id": STRING,
                                "clip_id": STRING,
                                "video_id": STRING,
                                "platform": {"enum": ["youtube", "tiktok"]},
                                "views": nullable(INTEGER),
                                "likes": nullable(INTEGER),
                                "comments": nullable(INTEGER),
                                "fetched_at": TIMESTAMP,
                                "samples": INTEGER,
                            }
                        )
                    ),
                    "description": "Each published post's latest statistics from its platform (fetched every "
                    "CLIPSTREAM_POST_STATS_SECONDS), most viewed first; null: a count the platform does not give.",
                },
            },
        ),
    }
