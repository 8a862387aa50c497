"""Headless Debian Chromium driven by Playwright (the PyPI package, which brings its driver but no
browser: Playwright's own browser download cannot run here, so it launches ``/usr/bin/chromium``
from Debian's ``chromium`` package, installed by ``scripts/setup.sh``).

Screenshots go to ``$CLIPSTREAM_TEST_ARTIFACTS/browser/<test>/`` (default ``.local/artifacts``);
the session's summary names the folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from streams.settings import project_root

CHROMIUM = Path(os.environ.get("CLIPSTREAM_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps dialling Google's hosts, which a closed
# network refuses; a fresh profile comes from Playwright (a temporary --user-data-dir per launch).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]
_written: list[Path] = []


def artifacts_root() -> Path:
    return Path(os.environ.get("CLIPSTREAM_TEST_ARTIFACTS") or project_root() / ".local" / "artifacts")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium for one test module; fails (never skips) when it or Playwright is missing.

    Module scope, not session: Playwright's sync API keeps an asyncio loop marked running in the
    main thread while it is open, which would break every later test that runs a loop."""
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/setup.sh (installs Debian's chromium) "
                    f"or set CLIPSTREAM_CHROMIUM")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: run scripts/setup.sh (installs the test extra)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def artifacts(request) -> Path:
    """An empty folder for this test's screenshots and browser console log."""
    folder = artifacts_root() / "browser" / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    _written.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter) -> None:
    if _written:
        terminalreporter.write_sep("-", "browser screenshots")
        for folder in _written:
            terminalreporter.write_line(str(folder))
