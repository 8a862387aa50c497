"""What an operator runs against a deployment: ``tenants`` and ``keys``, ``search reindex``, ``migrate``,
``wait`` and ``dlq``."""

from __future__ import annotations

import argparse
import json
import os
import sys

from streams.cli.console import say
from streams.errors import ClipstreamError
from streams.settings import Settings


def as_owner(settings: Settings, work):
    """``await work(pool)`` on a pool of PostgreSQL's owner role (an operator's command); a
    PostgreSQL that cannot be reached is an error that says to start it."""
    import asyncio

    from streams.adapters.db import create_pool

    async def run():
        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        try:
            return await work(pool)
        finally:
            await pool.close()

    try:
        return asyncio.run(run())
    except OSError as exc:
        raise ClipstreamError(f"postgres: cannot connect ({exc}); start it with: clipstream stack up") from None


def cmd_tenants(args: argparse.Namespace, settings: Settings) -> int:
    """Operator commands, straight on PostgreSQL (the owner role): no API key is needed."""
    from streams import tenancy

    async def work(pool):
        if args.command == "tenants":
            tenant, key = await tenancy.create_tenant(pool, args.name)
            return {**tenant.as_json(), "api_key": key.as_json()}
        return {"api_key": (await tenancy.create_key(pool, args.tenant, args.scope, args.name)).as_json()}

    result = as_owner(settings, work)
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
    from streams.services.migrate import PARTS, migrate

    results = migrate(
        settings,
        args.only or PARTS,
        args.kafka_replication or settings.kafka_replication,
        say=(lambda _: None) if args.json else say,
    )
    if args.json:
        print(json.dumps({r.part: r.changed for r in results}, indent=2))
    return 0


def cmd_wait(args: argparse.Namespace, settings: Settings) -> int:
    """Containers' start: wait until the needs are ready, then become the command (exec)."""
    import asyncio
    import logging

    from streams.services.readiness import wait_until_ready

    # aiokafka logs each refused connection; the wait says what it waits for itself.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    asyncio.run(wait_until_ready(settings, args.needs, args.timeout, say=say))
    if args.then:
        sys.stdout.flush()
        os.execvp(args.then[0], args.then)
    return 0


def cmd_dlq(args: argparse.Namespace, settings: Settings) -> int:
    """``dlq list`` and ``dlq replay``: dead letters on Kafka (``streams.adapters.dlq``)."""
    import asyncio

    from aiokafka.errors import KafkaError

    from streams.adapters import dlq
    from streams.domain.deadletters import table

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

    async def on_catalog(work):
        from streams.adapters.catalog import Catalog
        from streams.adapters.db import create_pool

        pool = await create_pool(settings.postgres_dsn, min_size=1, max_size=2)
        try:
            return await work(Catalog(pool))
        finally:
            await pool.close()

    async def revive(video_ids: list[str]) -> None:
        async def each(catalog) -> None:
            for video_id in video_ids:
                if await catalog.revive_video(video_id):
                    print(f"video {video_id}: failed → processing again", file=sys.stderr)

        await on_catalog(each)

    async def deleted(video_ids: list[str]) -> set[str]:
        return set(await on_catalog(lambda catalog: catalog.deleted_among(video_ids)))

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
            deleted=deleted,
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
