"""Benchmark (issue 55): how far a reader walks to follow one upload from the API route to a
rendered clip, counted the same way on any checkout.

The walk is read from the code, not from a run. It starts at the route that takes an upload
(``api.submissions.create_video``) and then, since the pipeline hands each video on through Kafka,
at each stage's handler in pipeline order (``ENTRIES``). From each function it follows the
project functions its body calls (not its decorators' arguments nor its parameters' defaults,
which run when the module is imported), in the order they appear, depth first, each function
once (a reader who has read a function does not read it again). A call is resolved when it names:

- a function or class of its own module, or one it imports (``from m import f``, ``import m``);
- ``self.method`` in a class;
- a method name that only one class of the project defines (``rt.catalog.stage`` is
  ``Catalog.stage`` when no other class has a ``stage``; a class's constructor is its
  ``__init__``), unless the standard library's containers or processes have a method of that
  name too (``current.update(...)`` on a dict is not ``FaceFinder.update``), or the object is a
  module it imports (``np.clip`` and ``subprocess.run`` are the libraries').

Anything else (a library, a method several classes share) is not followed. Every time the walk
moves into a function of another module than the one it is in, that module is *entered*; an entry
into a module the walk has entered before is a *return*. Returning from a call is not counted
(the reader only looks back). The JSON lists every return as ``caller module -> function``;
*return pairs* counts the distinct (caller module, module returned to) among them: the returns
left if each caller made one call into each module it returns to. *Across stages* counts the
returns into a module that an earlier entry's walk entered first, and the *stage floor* the
distinct (entry, module) among them: the returns left if each stage made one call into each module
an earlier stage used, whatever the order of its own calls.

    .venv/bin/python bench/walk.py [--baseline COMMIT]

Prints the walk's modules and counts for this checkout and for the baseline commit (a ``git
worktree``), and writes bench/results/walk.json.
"""

from __future__ import annotations

import ast
import asyncio
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, static_comparison, table, write_results  # noqa: E402
from tests.imports import imports_of  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "walk.json"
BASELINE = "43b8585"  # the code issue 55 was filed against
ENTRIES = (
    "api.submissions.create_video",
    "streams.agents.ingest._ingest",
    "streams.agents.transcribe._transcribe",
    "streams.agents.moments._find",
    "streams.agents.render._render",
)
# Methods the standard library's own objects have (a dict's ``update``, a list's ``remove``, a
# process's ``wait``, an array's ``clip``): a call to one on an object of unknown type is not
# taken for the one project class that happens to share the name.
BUILTIN_METHODS = frozenset(
    name for kind in (dict, list, set, str, bytes, subprocess.Popen, asyncio.Queue, asyncio.Event, Path)
    for name in dir(kind) if not name.startswith("_")
) | {"clip", "copy", "run", "infer", "close", "read", "write", "send", "get", "put"}
Move = tuple[str | None, str, str, str]  # (from module, into module, function, entry) of one entry
RUNTIME = ("streams.worker.runtime", "streams.worker.resources", "streams.worker.messages", "streams.worker.reporting")


class Code:
    """The project's functions, by qualified name (``module.func``, ``module.Class.method``), and
    how each module names what it imports."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.functions: dict[str, ast.AST] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.imports: dict[str, dict[str, str]] = defaultdict(dict)  # module -> local name -> target
        self.methods: dict[str, list[str]] = defaultdict(list)  # method name -> qualified names
        self.modules: set[str] = set()
        for path in [*(root / "streams").rglob("*.py"), *(root / "api").rglob("*.py")]:
            module = ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")
            self.modules.add(module)
            self._read(module, path)

    def _read(self, module: str, path: Path) -> None:
        tree = ast.parse(path.read_text(), str(path))
        for imported in imports_of(path, module):
            self.imports[module].update(imported.names)
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions[f"{module}.{node.name}"] = node
            elif isinstance(node, ast.ClassDef):
                self.classes[f"{module}.{node.name}"] = node
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        name = f"{module}.{node.name}.{item.name}"
                        self.functions[name] = item
                        self.methods[item.name].append(name)

    def module_of(self, qualified: str) -> str:
        parts = qualified.split(".")
        for i in range(len(parts), 0, -1):  # the longest prefix that is a module
            if ".".join(parts[:i]) in self.modules:
                return ".".join(parts[:i])
        return parts[0]

    def resolve_name(self, module: str, name: str) -> str | None:
        """What ``name`` means in ``module``: a function or class of the project, or None."""
        for target in (f"{module}.{name}", self.imports.get(module, {}).get(name)):
            found = self._follow(target, 0)
            if found is not None:
                return found
        return None

    def _follow(self, target: str | None, depth: int) -> str | None:
        """``target`` or what it is re-exported as (``from a import f`` in a package's ``__init__``)."""
        if target is None or depth > 5:
            return None
        if target in self.functions:
            return target
        if target in self.classes:
            init = f"{target}.__init__"  # a class without one (a dataclass) has nothing to read
            return init if init in self.functions else None
        module, _, name = target.rpartition(".")
        if name in self.imports.get(module, {}):
            return self._follow(self.imports[module][name], depth + 1)
        return None

    def calls(self, qualified: str) -> list[str]:
        """The project functions ``qualified`` calls, in source order."""
        node = self.functions[qualified]
        module = self.module_of(qualified)
        owner = qualified.rpartition(".")[0] if qualified.rpartition(".")[0] in self.classes else None
        found: list[str] = []
        # The body only: a decorator's arguments and a parameter's default run when the module is
        # imported, not when the function is called (``@post(... error("BadRequest") ...)``).
        body = [n for statement in node.body for n in ast.walk(statement) if isinstance(n, ast.Call)]
        for call in sorted(body, key=lambda n: (n.lineno, n.col_offset)):
            target = self._callee(call.func, module, owner)
            if target is not None and target != qualified and target not in found:
                found.append(target)
        return found

    def _callee(self, func: ast.expr, module: str, owner: str | None) -> str | None:
        if isinstance(func, ast.Name):
            return self.resolve_name(module, func.id)
        if not isinstance(func, ast.Attribute):
            return None
        value = func.value
        if isinstance(value, ast.Name):
            if value.id == "self" and owner is not None:
                method = f"{owner}.{func.attr}"
                if method in self.functions:
                    return method
            imported = self.imports.get(module, {}).get(value.id)
            if imported is not None:  # a module or class it imports: what that names, or nothing
                return self._follow(f"{imported}.{func.attr}", 0)
        if func.attr in BUILTIN_METHODS:  # as likely a dict's, a list's or a process's as ours
            return None
        defined = self.methods.get(func.attr, [])
        return defined[0] if len(defined) == 1 else None


def walk(root: Path) -> dict:
    code = Code(root)
    seen_functions: set[str] = set()
    moves: list[Move] = []

    def visit(function: str, here: str | None, entry: str) -> None:
        if function in seen_functions:
            return
        seen_functions.add(function)
        module = code.module_of(function)
        if module != here:
            moves.append((here, module, function, entry))
        for callee in code.calls(function):
            visit(callee, module, entry)

    for entry in ENTRIES:
        if entry in code.functions:
            visit(entry, None, entry)
    return tally(moves, len(seen_functions))


def tally(moves: list[Move], functions: int) -> dict:
    """The counts of a walk from its ``moves`` (from module, into module, function, entry), in order."""
    first: dict[str, str] = {}  # module -> the entry whose walk entered it first
    returns: list[str] = []  # "caller -> function" of each return, in walk order
    pairs: set[tuple[str | None, str]] = set()
    across: list[tuple[str, str]] = []  # (entry, module) of each return into a module an earlier entry entered
    for here, module, function, entry in moves:
        if module in first:
            returns.append(f"{here} -> {function}")
            pairs.add((here, module))
            if first[module] != entry:
                across.append((entry, module))
        first.setdefault(module, entry)
    counts = Counter(move[1] for move in moves)
    return {
        "functions": functions,
        "modules": len(counts),
        "entries": len(moves),
        "returns": len(returns),
        # Returns if every caller made a single call into each module it returns to: the least
        # this module graph allows without moving a caller's steps into the module it calls.
        "return_pairs": len(pairs),
        # Returns into a module a stage before this one entered (the catalog, the envelope's ids):
        # each stage's first call into such a module is one that no order of the stage's own calls
        # removes, only a module graph in which the stages share fewer modules.
        "returns_across_stages": len(across),
        "stage_floor": len(set(across)),
        "runtime_entries": sum(n for m, n in counts.items() if m in RUNTIME),
        "most_entered": counts.most_common(8),
        "returns_walked": returns,
    }


def main() -> None:
    args, results = static_comparison(__doc__.split("\n\n")[0], BASELINE, RESULTS, walk)
    rows = [("variant", "functions", "modules", "entries", "returns", "return pairs", "across stages",
             "stage floor", "runtime entries", "most entered")]
    for variant, r in results.items():
        rows.append((f"{variant} ({args.baseline if variant == 'baseline' else commit()})", str(r["functions"]),
                     str(r["modules"]), str(r["entries"]), str(r["returns"]), str(r["return_pairs"]),
                     str(r["returns_across_stages"]), str(r["stage_floor"]), str(r["runtime_entries"]),
                     ", ".join(f"{m.split('.', 1)[-1]} {n}" for m, n in r["most_entered"][:4])))
    print(table(rows))
    write_results(args.out, "walk", results, entries_from=list(ENTRIES), baseline_commit=args.baseline,
                  current_commit=commit(), targets={"returns": 50, "runtime_entries": 6})


if __name__ == "__main__":
    main()
