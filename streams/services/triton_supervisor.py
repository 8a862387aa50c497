"""Runs tritonserver and stops it when a model instance has lost its stub process, so that the
container ends and its restart policy starts it again.

Triton does not start a Python-backend stub that died, and its health endpoints keep answering 200
(``triton_stubs``). Kubernetes restarts the container on the liveness probe that module is; Docker
Compose only marks it unhealthy and leaves it so, and every video then fails until someone restarts
it. This supervisor is the Triton image's entry point, so both get the restart:

    python -m streams.services.triton_supervisor [--url URL] [--every S] [--misses N] -- tritonserver ARGS...

It starts the command, asks every ``S`` seconds (default 10) which instances have no live stub
(once the server has answered ready: loading the models takes minutes, and a server that does
not answer is not taken as proof of anything), and after ``N`` checks in a row (default 2) that
find one it stops the server (SIGTERM, SIGKILL after ``--grace`` seconds) and exits 1. SIGTERM
and SIGINT are passed on to the server; otherwise it exits with the server's own status.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from types import FrameType

from streams.services.triton_stubs import dead_stubs

Check = Callable[[int], list[str] | None]  # server pid -> instances without a stub; None: no answer


def checking(url: str) -> Check:
    """The check against the server at ``url``: the instances without a live stub, or None while
    the server does not answer or is not ready."""

    def check(pid: int) -> list[str] | None:
        try:
            return dead_stubs(url, pid)
        except (OSError, ValueError):
            return None

    return check


def supervise(command: Sequence[str], check: Check, every: float = 10.0, misses: int = 2, grace: float = 30.0) -> int:
    """Run ``command`` until it exits (its status) or ``misses`` checks in a row find an instance
    without a stub (1, once the server is stopped)."""
    received: list[int] = []  # a signal that came before the server was started
    server: subprocess.Popen | None = None

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        if server is None:
            received.append(signum)
        else:
            server.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, pass_on)
    server = subprocess.Popen(list(command))
    for early in received:
        server.send_signal(early)
    found = 0
    while True:
        try:
            status = server.wait(timeout=every)
            return 128 - status if status < 0 else status  # killed by a signal: as a shell says it
        except subprocess.TimeoutExpired:
            pass
        dead = check(server.pid)
        found = found + 1 if dead else 0
        if found >= misses and dead:
            print(
                f"triton_supervisor: no live stub for {', '.join(dead)} in {found} checks {every:g} s apart; "
                "stopping Triton so that it is started again",
                file=sys.stderr,
                flush=True,
            )
            server.terminate()
            try:
                server.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streams.services.triton_supervisor", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's HTTP API")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between checks")
    parser.add_argument("--misses", type=int, default=2, help="checks in a row that find a dead stub")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds the server has to stop")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- tritonserver and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or args.every <= 0 or args.misses < 1:
        parser.error("give the server's command after --, a positive --every and --misses of 1 or more")
    return supervise(command, checking(args.url), args.every, args.misses, args.grace)


if __name__ == "__main__":
    sys.exit(main())
