"""Every import statement of a module, read from its source (those inside functions and under
``TYPE_CHECKING`` too), with relative imports resolved: what the layer tests
(``tests/unit/test_layers.py``) and the walk benchmark (``bench/walk.py``) read the house with."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, NamedTuple


class Imported(NamedTuple):
    """One import statement: its line; ``base``, the module ``from`` names (for ``import a.b``,
    ``a.b`` itself); and each name it binds with what that name is (``(local, "base.name")`` for
    ``from base import name``, ``(local, "a.b")`` for ``import a.b``)."""

    line: int
    base: str
    names: tuple[tuple[str, str], ...]
    is_from: bool


def imports_of(path: Path, module: str) -> Iterator[Imported]:
    """The import statements of ``path``, the source of ``module`` (a dotted name)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.split(".")[0]
                target = alias.name if alias.asname else alias.name.split(".")[0]
                yield Imported(node.lineno, alias.name, ((local, target),), False)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = tuple((a.asname or a.name, f"{base}.{a.name}") for a in node.names)
            yield Imported(node.lineno, base, names, True)
