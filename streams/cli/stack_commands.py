"""``clipstream stack``: install, start, stop and inspect the local stack (``streams.stack``)."""

from __future__ import annotations

import argparse
import json
import sys

from streams.cli.console import say
from streams.settings import Settings


def cmd_stack(args: argparse.Namespace, settings: Settings) -> int:
    from streams.stack import supervisor
    from streams.stack.process import tail

    if args.action == "install":
        for comp in supervisor.infra(settings):
            comp.install(say)
        say("stack: everything the stack needs is installed")
        return 0
    if args.action == "up":
        supervisor.up(settings, say, with_apps=args.app, only=args.only)
        return 0
    if args.action == "down":
        supervisor.down(settings, say, only=args.only)
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
            for s in statuses:
                if s.detail and not s.up:
                    print(f"{s.name}: {s.detail}")
        return 0 if all(s.up for s in statuses if s.name not in ("api", "worker")) else 1
    if args.action == "logs":
        comp = supervisor.component(settings, args.component)
        if not comp.log_path.exists():
            print(f"{comp.name}: no log yet at {comp.log_path}", file=sys.stderr)
            return 1
        print(tail(comp.log_path, args.lines))
        return 0
    raise AssertionError(args.action)


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
