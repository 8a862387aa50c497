"""No project file spells a package registry's host (issue 55).

Where packages come from is each tool's own configuration: pip's index, apt's sources, Go's
GOPROXY, Maven's settings, npm's registry. A user behind a company mirror changes it there, once,
and every script of the project follows; a host written into a script would bypass the mirror.
"""

from __future__ import annotations

import re
import subprocess

from streams.settings import project_root

# The public registries' hosts (a mirror of one is the user's own business).
HOSTS = (
    "pypi.org", "pypi.python.org", "files.pythonhosted.org",
    "deb.debian.org", "security.debian.org", "ftp.debian.org", "snapshot.debian.org",
    "proxy.golang.org", "goproxy.io",
    "repo.maven.apache.org", "repo1.maven.org", "central.sonatype.com",
    "registry.npmjs.org", "registry.yarnpkg.com",
    "crates.io", "static.crates.io", "index.crates.io",
)
SPELLED = re.compile(r"(?<![\w.-])(" + "|".join(re.escape(h) for h in HOSTS) + r")(?![\w-])", re.IGNORECASE)


def tracked_files() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=project_root(), capture_output=True, check=True)
    return [name for name in listed.stdout.decode().split("\0") if name]


def test_no_tracked_file_spells_a_registry_host():
    root = project_root()
    found = []
    for name in tracked_files():
        path = root / name
        if not path.is_file() or name == "tests/unit/test_registry_hosts.py":
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for match in SPELLED.finditer(line):
                found.append(f"{name}:{number}: {match.group(0)}")
    assert not found, "registry hosts spelled in project files (take them from the tool's configuration):\n" + "\n".join(
        found
    )


def test_the_pattern_finds_a_host_and_spares_lookalikes():
    assert SPELLED.search("curl https://proxy.golang.org/x")
    assert SPELLED.search("debootstrap bookworm /tmp http://deb.debian.org/debian")
    assert not SPELLED.search("namespace http://maven.apache.org/POM/4.0.0")
    assert not SPELLED.search("see mycrates.io.example or crates.iox")
