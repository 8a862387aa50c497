"""Reading settings from the environment: the ``CLIPSTREAM_`` prefix, the `.env` file and the
conversion of a variable's text to its field's type."""

from __future__ import annotations

from pathlib import Path

from streams.errors import ConfigError

PREFIX = "CLIPSTREAM_"


def project_root() -> Path:
    """The checkout this package lives in (where `.local/` goes by default)."""
    return Path(__file__).resolve().parents[2]


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: ``KEY=VALUE`` lines, ``#`` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def coerce(name: str, type_: object, raw: str) -> object:
    """``raw``, the text of ``CLIPSTREAM_<NAME>``, as the field's type (``int``, ``float``, ``bool``
    from ``true``/``false``, ``on``/``off``, ``yes``/``no`` or ``1``/``0``, a path or text); a
    :class:`ConfigError` naming the variable when it is not one."""
    type_name = str(type_)
    if type_name == "bool":
        word = raw.strip().lower()
        if word in ("true", "on", "yes", "1"):
            return True
        if word in ("false", "off", "no", "0"):
            return False
        raise ConfigError(f"{PREFIX}{name.upper()}={raw!r} is not true or false (on/off, yes/no, 1/0)")
    try:
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        if "Path" in type_name:
            return Path(raw).expanduser().resolve() if raw else None
    except ValueError:
        raise ConfigError(f"{PREFIX}{name.upper()}={raw!r} is not a valid {type_name}") from None
    return raw
