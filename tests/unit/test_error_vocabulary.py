"""One error vocabulary: every ``ClipstreamError`` is declared in the ``streams/errors/`` package and
drawn in its tree (the package's docstring), each with its own stable code."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from streams import errors

ROOT = Path(__file__).resolve().parents[2]


def _vocabulary() -> list[type]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, errors.ClipstreamError) and c.__module__.startswith(errors.__name__ + ".")]


def test_no_module_declares_an_error_of_the_vocabulary_but_the_errors_package():
    names = {c.__name__ for c in _vocabulary()}
    outside = []
    for path in [*(ROOT / "streams").rglob("*.py"), *(ROOT / "api").rglob("*.py")]:
        if path.is_relative_to(ROOT / "streams" / "errors"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = {b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                         for b in node.bases}
                if bases & names:
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}({', '.join(sorted(bases))})")
    assert outside == []


def test_the_tree_draws_every_error_under_its_parent_with_a_code_of_its_own():
    tree = errors.__doc__.split("ClipstreamError\n", 1)[1].split("\n\n", 1)[0]
    parent_of, path = {}, ["ClipstreamError"]  # the names drawn, each with the one it hangs under
    for line in tree.splitlines():
        marker = max(line.find("├── "), line.find("└── "))
        depth, name = marker // 4 + 1, line[marker + 4:].split()[0]
        path[depth:] = [name]
        parent_of[name] = path[depth - 1]
    vocabulary = [c for c in _vocabulary() if c is not errors.ClipstreamError]
    assert parent_of == {c.__name__: c.__bases__[0].__name__ for c in vocabulary}
    codes = [c.code for c in _vocabulary()]
    assert len(codes) == len(set(codes)), sorted(codes)
