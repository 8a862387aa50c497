"""The OpenAPI schemas of what is made of a video: its moments, its clips (their files, cover art and
editor timelines) and the requests that render one again or cut a new one
(``api.openapi.video_schemas`` places them among the video's)."""

from __future__ import annotations

from api.openapi.blocks import BOOLEAN, INTEGER, NUMBER, SCORE, STRING, array, nullable, obj, ref
from streams.domain.clip import CLIP_FILES
from streams.domain.options import ASPECTS, clip_seconds
from streams.domain.video import VIDEO_STATUSES
from streams.timeline.formats import FORMATS

TIMELINE_LINKS = {
    "type": "object",
    "properties": {f: {"type": "string"} for f in FORMATS},
    "description": "Signed links to the timeline bundle (`bundle=zip`) in each editor format.",
}

CAPTIONS_CURRENT = (
    "Whether the clip's captions and hook title read as the transcript does now: `false` once a word spoken in it "
    "was corrected, or put back, after it was rendered (render it again to draw it as it reads); `null`: not known."
)

COVER = "An audio-only upload's clip's cover art (PNG); `null` for a clip without or rendered before it was kept."


def clip_schemas() -> dict:
    from streams.media.captions import CAPTION_STYLES
    from streams.moments import LENGTH_PRESETS
    from streams.moments.signal_meanings import JUDGED, MEANINGS, UNMEASURED

    shortest, longest = clip_seconds()
    clip_seconds_schema = {"type": "number", "minimum": shortest, "maximum": longest}
    timed = {"start": NUMBER, "end": NUMBER}
    status = {"enum": list(VIDEO_STATUSES)}
    # the API's own link to each file (never where storage keeps it); ``urls`` has signed ones
    clip_files = {f: {**STRING, "description": f"`/v1/clips/{{clip_id}}/download?file={f}`"} for f in CLIP_FILES}
    cover = {**STRING, "description": "Present only for a clip with cover art (`cover`)."}
    return {
        "Moment": obj(
            {
                "moment_id": STRING,
                "rank": nullable(INTEGER),
                "final": BOOLEAN,
                "superseded": BOOLEAN,
                **timed,
                "score": SCORE,
                "title": STRING,
                "reason": STRING,
                "signals": ref("Signals"),
                "speakers": array(ref("HeardSpeaker")),
            }
        ),
        "Signals": {
            "type": "object",
            "description": "Why the clip ranks where it does: each signal from 0 to 100, which the ranking's score "
            f"weighs (`editorial` most). {UNMEASURED}",
            "properties": {name: {**SCORE, "description": meaning} for name, meaning in {**MEANINGS, **JUDGED}.items()},
            "additionalProperties": SCORE,
        },
        "MomentList": obj({"video_id": STRING, "status": status, "moments": array(ref("Moment"))}),
        "Clip": obj(
            {
                "clip_id": STRING,
                "video_id": STRING,
                "moment_id": STRING,
                "rank": nullable(INTEGER),
                "score": SCORE,
                "final": BOOLEAN,
                "superseded": BOOLEAN,
                **timed,
                "duration": NUMBER,
                "trimmed_seconds": {
                    "type": "number",
                    "minimum": 0,
                    "description": "Seconds of long pauses and hesitations cut out inside the clip (`trim`): "
                    "`duration` is `end - start` less these.",
                },
                "aspect": STRING,
                "width": INTEGER,
                "height": INTEGER,
                "title": STRING,
                "reason": STRING,
                "signals": ref("Signals"),
                "speakers": array(ref("HeardSpeaker")),
                **clip_files,
                "cover": {**nullable(STRING), "description": COVER},
                "caption_style": nullable(STRING),
                "variant": nullable(STRING),
                "captions_current": {**nullable(BOOLEAN), "description": CAPTIONS_CURRENT},
                "links": obj({"self": STRING, **clip_files}, {"cover": cover}),
                "urls": obj(
                    clip_files,
                    {"cover": cover, "timeline": TIMELINE_LINKS},
                    description="Signed download links, valid for an hour.",
                ),
            }
        ),
        "RerenderClip": obj(
            {},
            {
                "caption_style": {"enum": list(CAPTION_STYLES)},
                "aspect": {"enum": list(ASPECTS)},
                "length": {"enum": list(LENGTH_PRESETS), "description": "Re-cut to a length preset (seconds)."},
                "trim": {
                    "enum": ["off", "pauses", "pauses+fillers"],
                    "description": "What is cut out inside the clip (default: the video's `trim` option).",
                },
                "hook_title": {"type": "boolean", "description": "Draw the title over the first seconds."},
                "emphasis": {"type": "boolean", "description": "Emphasise the words that carry the clip."},
                "emoji": {"type": "boolean", "description": "A symbol after emphasised words that name one."},
                "min_seconds": clip_seconds_schema,
                "max_seconds": clip_seconds_schema,
            },
        ),
        "CreateClip": obj(
            {"video_id": STRING, "start": {"type": "number", "minimum": 0}, "end": {"type": "number", "minimum": 0}},
            {"caption_style": {"enum": list(CAPTION_STYLES)}, "aspect": {"enum": list(ASPECTS)}},
        ),
        "RenderExists": obj({"clip_id": STRING, "status": {"const": "rendered"}, "links": obj({"self": STRING})}),
        "RenderQueued": obj(
            {
                "clip_id": STRING,
                "status": {"const": "queued"},
                "video_id": STRING,
                "moment_id": STRING,
                "caption_style": STRING,
                "aspect": STRING,
                "start": NUMBER,
                "end": NUMBER,
                "duration": NUMBER,
                "links": obj({"self": STRING, "clips": STRING}),
            },
            {"score": SCORE, "title": STRING, "reason": STRING},
        ),
        "ClipList": obj({"video_id": STRING, "status": status, "clips": array(ref("Clip"))}),
    }
