"""Run the API server: ``python -m api [--host H] [--port P]``."""

from __future__ import annotations

import argparse

import uvicorn

from api.app import create_app
from streams.ops import logs
from streams.ops.error_reports import init_sentry
from streams.ops.tracing import init_tracing
from streams.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="python -m api")
    parser.add_argument("--host", default=settings.api_host)
    parser.add_argument("--port", type=int, default=settings.api_port)
    args = parser.parse_args()
    init_sentry(settings, "api")
    init_tracing("api", settings.environment)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        log_level="info",
        access_log=False,
        log_config=logs.dict_config(settings.log_format, "api"),
    )


if __name__ == "__main__":
    main()
