"""Reading deploy/compose as Docker Compose does: the YAML, then variable interpolation from the
`.env` file (``${VAR}``, ``${VAR:-default}``, ``${VAR-default}``, ``${VAR:?error}``,
``${VAR?error}``, ``${VAR:+replacement}``, ``$VAR``, ``$$`` for a literal ``$``), applied to every
string value."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

COMPOSE_DIR = Path(__file__).resolve().parents[2] / "deploy" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "compose.yaml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"

_REFERENCE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}"
                        r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


class MissingVariable(Exception):
    """A ``${VAR:?message}`` whose variable is not set."""


@dataclass(frozen=True)
class Reference:
    """Attributes:
    name: the variable.
    op: ``""`` (plain), ``"-"``/``":-"`` (default), ``"?"``/``":?"`` (required), ``"+"``/``":+"``.
    arg: the default, error message or replacement.
    """

    name: str
    op: str
    arg: str


def references(text: str) -> list[Reference]:
    found = []
    for m in _REFERENCE.finditer(text):
        if m.group("escaped"):
            continue
        found.append(Reference(m.group("braced") or m.group("bare"), m.group("op") or "", m.group("arg") or ""))
    return found


def interpolate_text(text: str, env: dict[str, str]) -> str:
    def substitute(m: re.Match) -> str:
        if m.group("escaped"):
            return "$"
        name = m.group("braced") or m.group("bare")
        op, arg = m.group("op") or "", m.group("arg") or ""
        value = env.get(name)
        empty = value is None or (op.startswith(":") and value == "")
        if op in ("-", ":-"):
            return arg if empty else value
        if op in ("?", ":?"):
            if empty:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in ("+", ":+"):
            return "" if empty else arg
        return value or ""

    return _REFERENCE.sub(substitute, text)


def interpolate(node, env: dict[str, str]):
    if isinstance(node, str):
        return interpolate_text(node, env)
    if isinstance(node, list):
        return [interpolate(n, env) for n in node]
    if isinstance(node, dict):
        return {k: interpolate(v, env) for k, v in node.items()}
    return node


def strings(node):
    """Every string value in a parsed document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for n in node:
            yield from strings(n)
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)


def raw() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def env_example() -> dict[str, str]:
    from streams.settings import read_env_file

    return read_env_file(ENV_EXAMPLE)


def loaded(env: dict[str, str] | None = None) -> dict:
    """The compose file as Compose would see it with ``env`` as its `.env` (default: the example
    with a stand-in value for every secret left empty there)."""
    if env is None:
        env = {k: v or f"test-{k.lower().replace('_', '-')}" for k, v in env_example().items()}
    return interpolate(raw(), env)
