"""Entry point of the Faust worker process: ``python -m streams.worker [--web-port N]``."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    from streams.app import app, settings
    from streams.observability import init_sentry

    init_sentry(settings, "worker")
    argv = list(sys.argv[1:] if argv is None else argv)
    sys.argv = ["clipstream-worker", "worker", "--loglevel", "info", *argv]
    app.main()


if __name__ == "__main__":
    main()
