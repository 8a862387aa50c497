"""The `clipstream` command line.

    clipstream stack up [--app] [--only NAME ...]
    clipstream stack down [--only NAME ...]
    clipstream stack status [--json]
    clipstream stack logs COMPONENT [-n LINES]
    clipstream process [PATH|URL] [--wait] [--json] [--clips N] [--aspect 9:16,1:1]
    clipstream export VIDEO_ID [--clip CLIP_ID] [--format otio|fcp7|fcpxml|edl|kdenlive] [--out DIR] [--json]
    clipstream transcribe PATH [--json]
    clipstream tenants create NAME [--json]
    clipstream keys create --tenant ID --scope read|write|admin [--name NAME] [--json]
    clipstream users create EMAIL --tenant ID [--role owner] [--name NAME] [--password-stdin] [--json]
    clipstream users reset-link EMAIL [--hours H] [--json]
    clipstream plans set|show|clear --tenant ID [--minutes N] [--concurrent N] [--max-source-minutes N] [--json]
    clipstream billing reconcile [--days D] [--json]
    clipstream search reindex [--video ID]
    clipstream dlq list [--stage S] [--limit N] [--video ID] [--json]
    clipstream dlq replay --stage S (--offset PARTITION:OFFSET | --video ID | --all) [--dry-run] [--force] [--json]
    clipstream migrate [--only PART ...] [--kafka-replication N] [--json]

Errors a user can fix print one line, ``error: <component>: <what and how to fix>``, and exit 2.

This module is the parser and the dispatch; the commands are ``stack_commands`` (the local stack),
``videos`` (process, export), ``transcribe`` and ``operations`` (tenants, keys, search, dlq, migrate,
wait).
"""

from __future__ import annotations

import argparse
import sys

from streams.cli import billing, library, people, plans
from streams.cli.operations import cmd_dlq, cmd_migrate, cmd_search, cmd_tenants, cmd_wait
from streams.cli.stack_commands import cmd_stack
from streams.cli.transcribe import cmd_transcribe
from streams.cli.videos import cmd_export, cmd_process
from streams.domain.options import ASPECTS, defaults
from streams.errors import ClipstreamError
from streams.settings import Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clipstream", description="Long videos in, short clips out.")
    sub = parser.add_subparsers(dest="command", required=True)

    stack = sub.add_parser(
        "stack",
        help="run the local stack (Kafka, PostgreSQL, MinIO, Triton, ClickHouse; Meilisearch when given a binary)",
    )
    stack_sub = stack.add_subparsers(dest="action", required=True)
    stack_sub.add_parser("install", help="fetch jars and build binaries the stack needs (cached)")
    p_up = stack_sub.add_parser("up", help="start what is not running (idempotent)")
    p_up.add_argument("--app", action="store_true", help="also start the API server and the worker")
    p_up.add_argument("--only", nargs="+", metavar="NAME", help="start only these components")
    p_down = stack_sub.add_parser("down", help="stop what this stack started; data stays")
    p_down.add_argument("--only", nargs="+", metavar="NAME", help="stop only these components")
    p_status = stack_sub.add_parser("status", help="each component: up/down, pid, port, version, start time")
    p_status.add_argument("--json", action="store_true", help="one JSON object with a `components` map")
    p_logs = stack_sub.add_parser("logs", help="the tail of a component's log")
    p_logs.add_argument("component")
    p_logs.add_argument("-n", "--lines", type=int, default=50)
    stack.set_defaults(handler=cmd_stack)

    process = sub.add_parser("process", help="submit a video through the API and (with --wait) show its clips")
    process.add_argument(
        "path",
        nargs="?",
        help="the video or audio file, or an http(s) URL the worker downloads (default: build a demo talk)",
    )
    process.add_argument("--wait", action="store_true", help="follow progress and print the clips when done")
    process.add_argument("--json", action="store_true", help="print one JSON object (video_id, status, clips)")
    process.add_argument("--clips", type=int, default=None, help=f"how many clips (default {defaults()['clip_count']})")
    process.add_argument(
        "--aspect", type=lambda v: v.split(","), default=None, help=f"aspect ratios ({', '.join(ASPECTS)})"
    )
    process.add_argument("--captions", default=None, help="caption style: bold, clean, minimal, karaoke")
    process.add_argument(
        "--length",
        default=None,
        choices=("15-30", "30-60", "60-90"),
        help="clip length preset in seconds (default: 20-60)",
    )
    process.add_argument(
        "--framing",
        default=None,
        choices=("auto", "speaker", "center", "still"),
        help="auto: crop, split screen or blurred fit as the shot needs (default); "
        "speaker: always one crop on the active speaker; center: fixed centre crop; "
        "still: the picture drawn whole as an audiogram's cover (a video podcast of one picture)",
    )
    process.add_argument(
        "--trim",
        default=None,
        choices=("off", "pauses", "pauses+fillers"),
        help="inside each clip: shorten long pauses, and also take out hesitations (um, uh) (default: "
        "pauses+fillers); off keeps each clip as spoken",
    )
    for flag, what in (
        ("hook-title", "the clip's title on screen over its first three seconds (default: on)"),
        ("emphasis", "numbers, names and key words drawn larger in the emphasis colour (default: on)"),
        ("emoji", "a symbol after an emphasised word that names one (default: off)"),
    ):
        process.add_argument(f"--{flag}", default=None, action=argparse.BooleanOptionalAction, help=what)
    process.add_argument("--timeout", type=float, default=3600.0, help="seconds --wait waits at most")
    process.set_defaults(handler=cmd_process)

    export = sub.add_parser("export", help="a video's clips (or one clip) as an editor timeline, with its media")
    export.add_argument("video_id", help="the video (with --clip: the clip's video, for the record)")
    export.add_argument("--clip", help="export this clip alone")
    from streams.timeline.formats import FORMATS

    export.add_argument(
        "--format",
        default="fcp7",
        choices=list(FORMATS),
        help="; ".join(f"{f.name}: {f.label}" for f in FORMATS.values()) + " (default: fcp7)",
    )
    export.add_argument("--out", default=".", help="the folder to unpack into (default: here)")
    export.add_argument("--json", action="store_true", help="print the files written as JSON")
    export.set_defaults(handler=cmd_export)
    from streams.cli import publish as publish_command

    publish_command.add_parser(sub)
    transcribe = sub.add_parser("transcribe", help="print what is said in a video or audio file (uses Triton)")
    transcribe.add_argument("path", help="the video or audio file")
    transcribe.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object (language, language_probability, languages, duration, words, segments)",
    )
    transcribe.add_argument(
        "--language",
        default="auto",
        help="auto: identify the language spoken, per window of speech (default); "
        "or a Whisper language code (en, de, ja, ...)",
    )
    transcribe.set_defaults(handler=cmd_transcribe)

    search = sub.add_parser("search", help="operator: the transcript search index")
    search_sub = search.add_subparsers(dest="action", required=True)
    p_reindex = search_sub.add_parser("reindex", help="rebuild the index from PostgreSQL")
    p_reindex.add_argument("--video", default=None, help="only this video id")
    search.set_defaults(handler=cmd_search)

    dlq = sub.add_parser("dlq", help="operator: messages the stages set aside (dead letters)")
    dlq_sub = dlq.add_subparsers(dest="action", required=True)
    p_list = dlq_sub.add_parser("list", help="the newest dead letters: stage, time, video, code, source, reason")
    p_list.add_argument(
        "--stage",
        default=None,
        help="one stage's (ingest, transcribe, moments, render, search, webhooks); default: all",
    )
    p_list.add_argument("--limit", type=int, default=50, help="at most this many, the newest (default 50)")
    p_list.add_argument("--video", default=None, help="only this video's")
    p_list.add_argument("--json", action="store_true", help="print a JSON list")
    p_replay = dlq_sub.add_parser("replay", help="send dead letters back to the topics they came from (once each)")
    p_replay.add_argument("--stage", required=True)
    chosen = p_replay.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--offset", help="one dead letter, PARTITION:OFFSET as `dlq list` shows it")
    chosen.add_argument("--video", help="every dead letter of this video")
    chosen.add_argument("--all", action="store_true", help="every dead letter of the stage")
    p_replay.add_argument("--dry-run", action="store_true", help="say what would be sent, send nothing")
    p_replay.add_argument("--force", action="store_true", help="send again what was already replayed")
    p_replay.add_argument("--json", action="store_true", help="print a JSON list of outcomes")
    dlq.set_defaults(handler=cmd_dlq)

    migrate = sub.add_parser(
        "migrate",
        help="operator: prepare PostgreSQL, ClickHouse, Kafka topics and the bucket "
        "(idempotent; deployments run it before the app)",
    )
    migrate.add_argument(
        "--only",
        nargs="+",
        metavar="PART",
        choices=("postgres", "clickhouse", "kafka", "storage"),
        help="only these parts (default: all)",
    )
    migrate.add_argument(
        "--kafka-replication",
        type=int,
        default=None,
        help="replication factor of created topics (default: CLIPSTREAM_KAFKA_REPLICATION, 1)",
    )
    migrate.add_argument("--json", action="store_true", help="print one JSON object: part to what changed")
    migrate.set_defaults(handler=cmd_migrate)

    from streams.services.readiness import AGENTS, NEEDS

    wait = sub.add_parser(
        "wait",
        help="operator: wait until the services a process needs are ready, then run it (containers start with it)",
    )
    wait.add_argument(
        "needs",
        nargs="+",
        choices=[*NEEDS, AGENTS],
        metavar="NEED",
        help=f"what to wait for: {', '.join(NEEDS)}; or {AGENTS}, what the agent groups in CLIPSTREAM_AGENTS need",
    )
    wait.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        help="seconds to wait at most (default 300); then exit 2 naming what is not ready",
    )
    wait.add_argument(
        "--then",
        nargs=argparse.REMAINDER,
        default=[],
        metavar="COMMAND",
        help="the command to become once ready (the rest of the line)",
    )
    wait.set_defaults(handler=cmd_wait)

    tenants = sub.add_parser("tenants", help="operator: make tenants")
    tenants_sub = tenants.add_subparsers(dest="action", required=True)
    p_tenant = tenants_sub.add_parser("create", help="a new tenant and its first admin key (shown once)")
    p_tenant.add_argument("name")
    p_tenant.add_argument("--json", action="store_true", help="print one JSON object (tenant_id, api_key)")
    tenants.set_defaults(handler=cmd_tenants)

    keys = sub.add_parser("keys", help="operator: make API keys")
    keys_sub = keys.add_subparsers(dest="action", required=True)
    p_key = keys_sub.add_parser("create", help="a new key for a tenant (shown once)")
    p_key.add_argument("--tenant", required=True, help="the tenant id (ten_...)")
    p_key.add_argument("--scope", required=True, choices=("read", "write", "admin"))
    p_key.add_argument("--name", default="", help="a label for the key")
    p_key.add_argument("--json", action="store_true", help="print one JSON object (api_key)")
    keys.set_defaults(handler=cmd_tenants)
    library.add_parser(sub)
    people.add_parser(sub)
    plans.add_parser(sub)
    billing.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.handler(args, settings)
    except ClipstreamError as exc:
        first, _, rest = str(exc).partition("\n")
        print(f"error: {first}", file=sys.stderr)
        if rest:
            print(rest, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
