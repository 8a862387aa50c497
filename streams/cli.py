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
    clipstream search reindex [--video ID]
    clipstream dlq list [--stage S] [--limit N] [--video ID] [--json]
    clipstream dlq replay --stage S (--offset PARTITION:OFFSET | --video ID | --all) [--dry-run] [--force] [--json]
    clipstream migrate [--only PART ...] [--kafka-replication N] [--json]

Errors a user can fix print one line, ``error: <component>: <what and how to fix>``, and exit 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from streams.errors import ClipstreamError
from streams.settings import Settings


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from streams.stack import supervisor
    from streams.stack.process import tail

    if args.action == "install":
        for comp in supervisor.infra(settings):
            comp.install(_say)
        _say("stack: everything the stack needs is installed")
        return 0
    if args.action == "up":
        supervisor.up(settings, _say, with_apps=args.app, only=args.only)
        return 0
    if args.action == "down":
        supervisor.down(settings, _say, only=args.only)
        return 0
    if args.action == "status":
        statuses = supervisor.status(settings)
        if args.json:
            print(
                json.dumps(
                    {"data_dir": str(settings.data_dir), "components": {s.name: s.as_json() for s in statuses}},
                    indent=2,
                )
            )
        else:
            print(render_status(statuses))
        return 0 if all(s.up for s in statuses if s.name not in ("api", "worker")) else 1
    if args.action == "logs":
        comp = supervisor.component(settings, args.component)
        if not comp.log_path.exists():
            print(f"{comp.name}: no log yet at {comp.log_path}", file=sys.stderr)
            return 1
        print(tail(comp.log_path, args.lines))
        return 0
    raise AssertionError(args.action)


def cmd_process(args: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from streams.client import Client
    from streams.console import ProgressView, clips_table, result_json

    if args.path is None:
        from streams.media.demo import build_demo_video

        if not args.json:
            print("process: no file given; building the demo talking-head video", file=sys.stderr)
        path = build_demo_video(settings.data_dir / "demo")
    elif args.path.lower().startswith(("http://", "https://")):
        path = None
    else:
        path = Path(args.path)
        if not path.is_file():
            print(f"error: {path}: no such file", file=sys.stderr)
            return 2
    options = {
        "clip_count": args.clips,
        "aspect_ratios": args.aspect,
        "caption_style": args.captions,
        "length": args.length,
        "framing": args.framing,
    }
    from streams.credentials import api_key_for

    with Client(settings.api_url, api_key_for(settings)) as client:
        accepted = client.submit(path, **options) if path else client.submit_url(args.path, **options)
        video_id = accepted["video_id"]
        name = path.name if path else args.path
        if not args.wait:
            print(
                json.dumps({"video_id": video_id, "status": accepted["status"]})
                if args.json
                else f"submitted {name}: video {video_id} (follow it with --wait, or GET /v1/videos/{video_id})"
            )
            return 0
        if not args.json:
            print(f"process: {name} → video {video_id}", file=sys.stderr)
        video = client.wait(video_id, timeout=args.timeout, on_progress=None if args.json else ProgressView())
        clips = client.clips(video_id)["clips"]
    if args.json:
        print(json.dumps(result_json(video, clips), indent=2))
    elif video["status"] == "failed":
        print(f"failed: {video['error']['message']} ({video['error']['code']})", file=sys.stderr)
    else:
        print(clips_table(clips))
    return 0 if video["status"] == "completed" else 1


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    """Download a video's (or one clip's) timeline bundle and unpack it into ``--out``: the timeline
    references the source under ``media/`` there by absolute path, so the editor opens it as is."""
    import tempfile
    from pathlib import Path

    from streams.client import Client
    from streams.credentials import api_key_for
    from streams.timeline.bundle import unpack

    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    path = f"/v1/clips/{args.clip}/timeline" if args.clip else f"/v1/videos/{args.video_id}/timeline"
    with (
        Client(settings.api_url, api_key_for(settings), timeout=600) as client,
        tempfile.TemporaryDirectory(dir=out, prefix=".export-") as tmp,
    ):
        archive = client.download_timeline(path, Path(tmp) / "bundle.zip", args.format, media_root=str(out))
        files = unpack(archive, out)
    timeline = out / files[0]
    if args.json:
        print(json.dumps({"timeline": str(timeline), "files": [str(out / f) for f in files]}, indent=2))
    else:
        print(f"exported {len(files)} files to {out}; open {timeline.name} in your editor")
    return 0


def cmd_tenants(args: argparse.Namespace, settings: Settings) -> int:
    """Operator commands, straight on PostgreSQL (the owner role): no API key is needed."""
    import asyncio

    from streams import tenancy
    from streams.adapters.db import create_pool

    async def run():
        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        try:
            if args.command == "tenants":
                tenant, key = await tenancy.create_tenant(pool, args.name)
                return {**tenant, "api_key": key.as_json()}
            return {"api_key": (await tenancy.create_key(pool, args.tenant, args.scope, args.name)).as_json()}
        finally:
            await pool.close()

    try:
        result = asyncio.run(run())
    except OSError as exc:
        raise ClipstreamError(f"postgres: cannot connect ({exc}); start it with: clipstream stack up") from None
    key = result["api_key"]
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        if "tenant_id" in result:
            print(f"tenant  {result['tenant_id']}  ({result['name']})")
        print(f"key     {key['key']}")
        print(
            f"        scope {key['scope']}, prefix {key['prefix']}; shown once: store it now "
            "(use it with CLIPSTREAM_API_KEY=...)"
        )
    return 0


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    """``search reindex``: rebuild the search index from PostgreSQL (the owner role): the index the
    API and the worker use, the local stack's Meilisearch included."""
    import asyncio

    from streams.adapters.db import create_pool
    from streams.search import open_index
    from streams.search.reindex import reindex
    from streams.stack.meilisearch import connect

    settings = connect(settings)

    async def run():
        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        index = open_index(settings)
        try:
            return index.backend, await reindex(pool, index, args.video, say=print)
        finally:
            index.close()
            await pool.close()

    try:
        backend, (videos, documents) = asyncio.run(run())
    except OSError as exc:
        raise ClipstreamError(f"postgres: cannot connect ({exc}); start it with: clipstream stack up") from None
    print(f"reindexed {videos} video(s), {documents} sentence(s) into the {backend} index")
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Deployments' one-shot job: PostgreSQL role and schema, ClickHouse schema, topics, bucket."""
    from streams.migrate import PARTS, migrate

    results = migrate(
        settings,
        args.only or PARTS,
        args.kafka_replication or settings.kafka_replication,
        say=(lambda _: None) if args.json else _say,
    )
    if args.json:
        print(json.dumps({r.part: r.changed for r in results}, indent=2))
    return 0


def cmd_wait(args: argparse.Namespace, settings: Settings) -> int:
    """Containers' start: wait until the needs are ready, then become the command (exec)."""
    import asyncio
    import logging

    from streams.readiness import wait_until_ready

    # aiokafka logs each refused connection; the wait says what it waits for itself.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    asyncio.run(wait_until_ready(settings, args.needs, args.timeout, say=_say))
    if args.then:
        sys.stdout.flush()
        os.execvp(args.then[0], args.then)
    return 0


def cmd_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Speech to text through the stack's Triton, chunk by chunk, so memory stays bounded."""
    import asyncio
    from pathlib import Path

    from streams.asr.languages import parse_language
    from streams.console import clock
    from streams.errors import UnknownLanguage
    from streams.media.chunking import Chunker, iter_chunks
    from streams.media.probe import MediaLimits, probe

    path = Path(args.path)
    if not path.is_file():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    try:
        language = parse_language(args.language)
    except UnknownLanguage as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    info = probe(
        path, MediaLimits(max_bytes=settings.max_upload_bytes, max_duration_seconds=settings.max_duration_seconds)
    )
    # A file up to chunk_max_seconds long comes out as one chunk.
    chunks = iter_chunks(
        path, info, Chunker(min_seconds=settings.chunk_min_seconds, max_seconds=settings.chunk_max_seconds)
    )
    transcript = asyncio.run(_transcribe_chunks(settings.triton_grpc_url, chunks, info.duration, language))
    if args.json:
        print(json.dumps(transcript))
    else:
        print(_language_line(transcript))
        for segment in transcript["segments"]:
            print(f"[{clock(segment['start'])} → {clock(segment['end'])}] {segment['text']}")
    return 0


def _language_line(transcript: dict) -> str:
    """``language: de (0.99)``, and every language heard when it changes."""
    probability = transcript["language_probability"]
    line = f"language: {transcript['language']}" + ("" if probability is None else f" ({probability:.2f})")
    spans = transcript["languages"]
    if len({s["language"] for s in spans}) > 1:
        from streams.console import clock

        line += "; " + ", ".join(f"{s['language']} {clock(s['start'])}-{clock(s['end'])}" for s in spans)
    return line


async def _transcribe_chunks(url: str, chunks, duration: float, language: str | None = None) -> dict:
    """One transcript (``Recognition.as_json`` shape, times from the start of the file) of ``chunks``
    sent one after another to Triton's ``whisper`` model. Its language is the first speech's."""
    from streams.adapters.triton import TritonClient
    from streams.asr.languages import LanguageSpan

    client = TritonClient(url)
    first = None
    spans: list[LanguageSpan] = []
    words: list[dict] = []
    segments: list[dict] = []
    try:
        for chunk in chunks:
            recognition = (await client.transcribe(chunk.pcm, language=language)).shift(chunk.start)
            if first is None and recognition.words:
                first = recognition
            for span in recognition.languages:  # a language going on across chunks is one span
                if spans and spans[-1].language == span.language:
                    last = spans[-1]
                    spans[-1] = LanguageSpan(last.language, last.start, span.end, last.probability)
                else:
                    spans.append(span)
            words += [dataclasses.asdict(w) for w in recognition.words]
            segments += [dataclasses.asdict(s) for s in recognition.segments]
    finally:
        await client.close()
    return {
        "language": first.language if first else language or None,
        "language_probability": first.language_probability if first else None,
        "languages": [s.as_json() for s in spans],
        "duration": round(duration, 3),
        "words": words,
        "segments": segments,
    }


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    """``dlq list`` and ``dlq replay``: dead letters on Kafka (``streams.adapters.dlq``)."""
    import asyncio

    from aiokafka.errors import KafkaError

    from streams.adapters import dlq
    from streams.deadletters import table

    def run(coroutine):
        try:
            return asyncio.run(coroutine)
        except KafkaError as exc:
            raise ClipstreamError(
                f"kafka: cannot read or write at {settings.kafka_bootstrap} ({exc}); start it with: clipstream stack up"
            ) from None

    if args.action == "list":
        rows = run(dlq.list_letters(settings.kafka_bootstrap, args.stage, args.limit, args.video))
        if args.json:
            print(json.dumps([d.as_json(replayed) for d, replayed in rows], indent=2))
        else:
            print(table(rows) if rows else "no dead letters")
        return 0

    async def revive(video_ids: list[str]) -> None:
        from streams.adapters.catalog import Catalog
        from streams.adapters.db import create_pool

        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        try:
            for video_id in video_ids:
                if await Catalog(pool).revive_video(video_id):
                    print(f"video {video_id}: failed → processing again", file=sys.stderr)
        finally:
            await pool.close()

    outcomes = run(
        dlq.replay(
            settings.kafka_bootstrap,
            args.stage,
            offset=args.offset,
            video=args.video,
            everything=args.all,
            dry_run=args.dry_run,
            force=args.force,
            revive=revive,
            replication=settings.kafka_replication,
        )
    )
    if args.json:
        print(json.dumps([o.as_json() for o in outcomes], indent=2))
    else:
        for o in outcomes:
            arrow = f" → {o.sent_to}" if o.sent_to else ""
            detail = f": {o.detail}" if o.detail else ""
            print(f"{o.action} {o.letter.id} ({o.letter.video or 'no key'}){arrow}{detail}")
        if not outcomes:
            print("no dead letters matched")
    return 0


def render_status(statuses) -> str:
    rows = [("component", "state", "pid", "port", "version", "start", "where")]
    for s in statuses:
        rows.append(
            (
                s.name,
                "up" if s.up else "down",
                str(s.pid or "-"),
                str(s.port or "-"),
                s.version or "-",
                f"{s.start_seconds:.1f}s" if s.start_seconds is not None else "-",
                s.url or s.data_dir or "-",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in rows)


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
    process.add_argument("--clips", type=int, default=None, help="how many clips (default 5)")
    process.add_argument("--aspect", type=lambda v: v.split(","), default=None, help="aspect ratios, e.g. 9:16,1:1")
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
        choices=("auto", "speaker", "center"),
        help="auto: crop, split screen or blurred fit as the shot needs (default); "
        "speaker: always one crop on the active speaker; center: fixed centre crop",
    )
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

    from streams.readiness import AGENTS, NEEDS

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


if __name__ == "__main__":
    sys.exit(main())
