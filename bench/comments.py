"""Benchmark (issue 55, point 6): how much of streams/ and api/ is comment, docstring and code,
counted the same way on any checkout.

Every ``.py`` file under streams/ and api/ is read with ``tokenize``; a physical line counts as:

- a *comment* line when it holds a ``#`` comment, inline or on its own line, other than one made of
  tool markers only (``# noqa``, ``# noqa: E402``, ``# type: ignore[...]``, ``# pragma: no cover``,
  ``# fmt: off``); a marker followed by words of its own (``# noqa: B018 - resolving it is the
  check``) is a comment;
- a *docstring* line when a module's, class's or function's docstring spans it (the first
  statement of its body being a string, as ``ast`` finds it);
- a *code* line when any other token (a name, an operator, a string that is not a docstring) is
  on it; a multi-line string counts each line it spans. Blank lines count as nothing.

A line with code and an inline comment counts as both. The ratios are comment lines per code line
and (comment + docstring lines) per code line.

    .venv/bin/python bench/comments.py [--baseline COMMIT]

Prints the counts for the baseline commit (a ``git worktree``) and for this checkout's working
tree side by side, and writes bench/results/comments.json.
"""

from __future__ import annotations

import ast
import io
import re
import subprocess
import sys
import tokenize
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.report import commit, static_comparison, table, write_results  # noqa: E402

RESULTS = Path(__file__).parent / "results" / "comments.json"
BASELINE = "43b8585"  # the code issue 55 was filed against
TREES = ("streams", "api")
CODE = r"[A-Z]+[0-9]+"
# What a marker comment may hold after its "#": the tool's word and its codes, nothing else.
MARKER = re.compile(
    rf"\s*(noqa(:\s*{CODE}(\s*,\s*{CODE})*)?|type:\s*ignore(\[[^\]]*\])?|pragma:\s*no\s+(cover|branch)"
    r"|fmt:\s*(off|on|skip))\s*"
)
SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
           tokenize.ENDMARKER, tokenize.ENCODING}


def marker_only(comment: str) -> bool:
    """Whether every ``#`` part of ``comment`` (``# type: ignore  # noqa`` is one token) is a marker."""
    parts = [p for p in comment.split("#") if p.strip()]
    return bool(parts) and all(MARKER.fullmatch(p) for p in parts)


def docstring_spans(tree: ast.Module) -> set[tuple[int, int]]:
    """(first line, last line) of every docstring in ``tree``."""
    spans = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
                assert first.end_lineno is not None
                spans.add((first.lineno, first.end_lineno))
    return spans


def count_file(path: Path) -> dict[str, int]:
    source = path.read_text(encoding="utf-8")
    spans = docstring_spans(ast.parse(source, str(path)))
    comments: set[int] = set()
    markers: set[int] = set()
    docstrings: set[int] = set()
    code: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        first, last = tok.start[0], tok.end[0]
        if tok.type == tokenize.COMMENT:
            (markers if marker_only(tok.string) else comments).add(first)
        elif tok.type == tokenize.STRING and (first, last) in spans:
            docstrings.update(range(first, last + 1))
        elif tok.type not in SKIPPED:
            code.update(range(first, last + 1))
    return {"comment_lines": len(comments), "marker_lines": len(markers - comments),
            "docstring_lines": len(docstrings), "code_lines": len(code)}


def count(root: Path) -> dict:
    totals = {"files": 0, "comment_lines": 0, "marker_lines": 0, "docstring_lines": 0, "code_lines": 0}
    for tree in TREES:
        for path in sorted((root / tree).rglob("*.py")):
            totals["files"] += 1
            for key, n in count_file(path).items():
                totals[key] += n
    code = totals["code_lines"] or 1
    totals["comments_per_code"] = round(totals["comment_lines"] / code, 4)
    totals["comments_and_docstrings_per_code"] = round((totals["comment_lines"] + totals["docstring_lines"]) / code, 4)
    return totals


def dirty(root: Path) -> bool:
    """Whether the checkout's streams/ or api/ differ from its HEAD (the count is of the files)."""
    status = subprocess.run(["git", "status", "--porcelain", "--", *TREES], capture_output=True, text=True, cwd=root)
    return bool(status.stdout.strip())


def main() -> None:
    args, results = static_comparison(__doc__.split("\n\n")[0], BASELINE, RESULTS, count)
    here = Path(__file__).resolve().parent.parent
    current = commit() + (" + working tree" if dirty(here) else "")
    labels = (("files", "files"), ("comment lines", "comment_lines"),
              ("marker-only lines (not counted)", "marker_lines"), ("docstring lines", "docstring_lines"),
              ("code lines", "code_lines"), ("comments / code", "comments_per_code"),
              ("(comments + docstrings) / code", "comments_and_docstrings_per_code"))
    rows = [("", f"baseline ({args.baseline})", f"current ({current})")]
    for label, key in labels:
        rows.append((label, str(results["baseline"][key]), str(results["current"][key])))
    print(table(rows))
    write_results(args.out, "comments", results, trees=list(TREES), baseline_commit=args.baseline,
                  current_commit=current)


if __name__ == "__main__":
    main()
