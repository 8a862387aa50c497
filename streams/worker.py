"""Entry point of the Faust worker process: ``python -m streams.worker [--web-port N]``."""

from __future__ import annotations

import asyncio
import sys


def main(argv: list[str] | None = None) -> None:
    from streams import topics
    from streams.adapters.kafka_admin import ensure_topics
    from streams.app import app, settings
    from streams.observability import init_sentry
    from streams.tracing import init_tracing

    init_sentry(settings, "worker")
    init_tracing("worker", settings.environment)
    asyncio.run(ensure_topics(settings.kafka_bootstrap, [t.get_topic_name() for t in topics.ALL],
                              settings.kafka_partitions, settings.kafka_replication))
    argv = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["clipstream-worker", "worker", "--loglevel", "info", *argv]
    app.main()


if __name__ == "__main__":
    main()
