"""Where the suite's time goes: each test file's setup, call and teardown seconds summed (a
module's shared stack or upload counts in the file that starts it), the heaviest listed at the end
of a run. pytest's ``--durations`` lists single phases, which hides a file of many short tests.
The hooks are pytest's; ``tests/conftest.py`` imports them."""

from __future__ import annotations

from collections import defaultdict

SHOWN = 20  # files listed
_spent: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report) -> None:
    _spent[report.nodeid.split("::")[0]] += report.duration


def pytest_terminal_summary(terminalreporter) -> None:
    total = sum(_spent.values())
    if total <= 0:
        return
    terminalreporter.write_sep("=", f"time by test file (the {min(SHOWN, len(_spent))} heaviest of {len(_spent)})")
    for path, seconds in sorted(_spent.items(), key=lambda kv: -kv[1])[:SHOWN]:
        terminalreporter.write_line(f"{seconds:8.1f}s {100 * seconds / total:5.1f} %  {path}")
