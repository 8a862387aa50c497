"""Whether every Python-backend model instance Triton serves still has its stub process: the
liveness Triton's own endpoints do not tell.

Triton's Python backend runs each model instance in a process of its own
(``triton_python_backend_stub``, its arguments naming the instance: ``whisper_0_0``). When one dies
(killed for memory, a crash in a native library), Triton 2.51 does not start it again, and
``/v2/health/ready``, ``/v2/health/live`` and the model's ``ready`` keep answering 200 with the model
``READY`` (measured on the local stack: a stub killed with SIGKILL stays a zombie; upstream,
triton-inference-server/server#7230 and #8604), while every request to that model fails ("Stub
process 'whisper_0_0' is not healthy"). The workers retry those, then fail the videos one after
the other, until someone restarts Triton.

``python -m streams.services.triton_stubs [--url URL] [--pid PID]`` says which instances have no
live stub and exits 1 if any, or if the server does not answer or is not ready (0 when each has
one; 2 when the server's process cannot be told): the Triton container's liveness check
(deploy/k8s, deploy/compose), so that the orchestrator restarts it. It runs beside the server, in
its process namespace: the loaded models and their instances come from the server's HTTP API
(``URL``, by default ``http://127.0.0.1:8000``), the stubs from ``/proc``, as the children of the
server (``PID``; by default the one ``tritonserver`` process there is).
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from streams.errors import ConfigError

STUB = "triton_python_backend_stub"
SERVER = "tritonserver"


@dataclass(frozen=True)
class Process:
    pid: int
    ppid: int
    state: str  # /proc's one letter: ``Z`` for a zombie, a process that died and was not reaped
    argv: tuple[str, ...]  # empty for a zombie


def instances(configs: Mapping[str, Mapping]) -> list[str]:
    """The names Triton gives the instances of each Python-backend model (``<group>_<n>``, the
    group named ``<model>_<index>`` unless its config names it), from each loaded model's config."""
    names = []
    for model, config in configs.items():
        if config.get("backend") != "python":
            continue
        for index, group in enumerate(config.get("instance_group") or [{}]):
            prefix = group.get("name") or f"{model}_{index}"
            names += [f"{prefix}_{n}" for n in range(int(group.get("count", 1)))]
    return names


def without_stub(expected: Iterable[str], processes: Iterable[Process], server: int) -> list[str]:
    """The instances among ``expected`` that no live stub started by ``server`` (a pid) serves."""
    served = {
        arg
        for p in processes
        if p.ppid == server and p.state != "Z" and p.argv and Path(p.argv[0]).name == STUB
        for arg in p.argv[1:]
    }
    return [name for name in expected if name not in served]


def processes(proc: Path = Path("/proc")) -> list[Process]:
    """Every process ``/proc`` shows (one that ends while it is read is left out)."""
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            argv = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # ``pid (comm) state ppid ...``: the name may hold spaces and parentheses, so read from the last ")".
        state, ppid = stat[stat.rindex(")") + 2 :].split()[:2]
        found.append(Process(int(entry.name), int(ppid), state, tuple(a.decode() for a in argv.split(b"\0") if a)))
    return found


def server_pid(found: Iterable[Process]) -> int:
    """The pid of the one ``tritonserver`` process; ConfigError when there is none or several."""
    servers = [p.pid for p in found if p.argv and Path(p.argv[0]).name == SERVER]
    if len(servers) != 1:
        raise ConfigError(f"{len(servers)} {SERVER} processes here ({servers}): name the server with --pid")
    return servers[0]


def dead_stubs(url: str, pid: int) -> list[str]:
    """The instances the server at ``url`` (process ``pid``) has loaded that have no live stub;
    OSError or ValueError when it does not answer or is not ready."""
    return without_stub(instances(loaded_configs(url)), processes(), pid)


def loaded_configs(url: str, timeout: float = 5.0) -> dict[str, dict]:
    """Each model the server has loaded (``READY``), with its config; OSError when the server does
    not answer or is not ready."""

    def get(path: str, method: str = "GET") -> Any:
        data = b"{}" if method == "POST" else None
        request = urllib.request.Request(url.rstrip("/") + path, method=method, data=data)
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return json.loads(answer.read() or b"null")

    get("/v2/health/ready")  # 400 until every model is loaded (--strict-readiness): HTTPError, an OSError
    index = get("/v2/repository/index", "POST") or []
    ready = [m["name"] for m in index if isinstance(m, dict) and m.get("state") == "READY"]
    return {name: get(f"/v2/models/{name}/config") for name in ready}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m streams.services.triton_stubs", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server's HTTP API")
    parser.add_argument("--pid", type=int, help="the server's pid (default: the one tritonserver process)")
    args = parser.parse_args(argv)
    # Run once the server has started (a startup probe gates it): one that does not answer is not live.
    try:
        expected = instances(loaded_configs(args.url))
    except (OSError, ValueError) as exc:
        print(f"triton at {args.url} does not answer, or is not ready ({exc})", file=sys.stderr)
        return 1
    found = processes()
    try:
        server = args.pid or server_pid(found)
    except ConfigError as exc:
        print(exc.message, file=sys.stderr)
        return 2
    dead = without_stub(expected, found, server)
    if dead:
        print(f"no live stub for {', '.join(dead)}: Triton does not start one again; restart it", file=sys.stderr)
        return 1
    print(f"{len(expected)} model instances, each with a live stub")
    return 0


if __name__ == "__main__":
    sys.exit(main())
