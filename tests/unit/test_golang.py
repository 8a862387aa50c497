"""Go builds leave only the binary and the module downloads behind (streams.stack.golang)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from streams.errors import FetchFailed
from streams.stack import golang


def _module_cache_as_a_build_leaves_it(cache_dir: Path) -> Path:
    root = golang.module_cache(cache_dir)
    download = root / "cache" / "download" / "github.com" / "minio" / "minio" / "@v"
    download.mkdir(parents=True)
    (download / "v1.zip").write_bytes(b"zip")
    source = root / "github.com" / "minio" / "minio@v1" / "cmd"
    source.mkdir(parents=True)
    (source / "main.go").write_text("package main\n")
    for folder in (source, source.parent, root / "github.com"):  # as Go leaves them without -modcacherw
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return root


def test_prune_keeps_the_downloads_and_removes_unpacked_read_only_sources(tmp_path):
    root = _module_cache_as_a_build_leaves_it(tmp_path)
    golang.prune_sources(tmp_path)
    assert sorted(p.name for p in root.iterdir()) == ["cache"]
    assert (root / "cache" / "download" / "github.com" / "minio" / "minio" / "@v" / "v1.zip").read_bytes() == b"zip"


def test_prune_of_a_cache_with_no_module_cache_does_nothing(tmp_path):
    golang.prune_sources(tmp_path / "never-built")
    assert not (tmp_path / "never-built").exists()


def test_a_build_compiles_into_a_scratch_cache_removed_after_with_the_sources(tmp_path):
    root = _module_cache_as_a_build_leaves_it(tmp_path)
    with golang.build_env(tmp_path, gobin=tmp_path / "bin") as env:
        scratch = Path(env["GOCACHE"])
        assert scratch.is_dir() and scratch.parent == tmp_path
        (scratch / "00").mkdir()
        (scratch / "00" / "object-d").write_bytes(b"compiled")
        assert env["GOMODCACHE"] == str(root) and env["GOBIN"] == str(tmp_path / "bin")
        assert env["GOFLAGS"] == "-modcacherw" and env["CGO_ENABLED"] == "0"
    assert not scratch.exists()
    assert sorted(p.name for p in root.iterdir()) == ["cache"]


def test_a_failed_build_is_cleaned_up_too(tmp_path):
    root = _module_cache_as_a_build_leaves_it(tmp_path)
    with pytest.raises(RuntimeError), golang.build_env(tmp_path) as env:
        scratch = Path(env["GOCACHE"])
        assert "GOBIN" not in env
        raise RuntimeError("go install failed")
    assert not scratch.exists() and sorted(p.name for p in root.iterdir()) == ["cache"]


def test_a_build_is_skipped_when_the_binary_is_there(tmp_path):
    binary = tmp_path / "bin" / "tool"
    binary.parent.mkdir()
    binary.write_text("built before")
    said: list[str] = []
    golang.build("tool", binary, ["bogus-command"], cache_dir=tmp_path, say=said.append, what="Tool", took="no time")
    assert said == [] and binary.read_text() == "built before"


def test_a_failed_build_says_what_go_said(tmp_path):
    said: list[str] = []
    with pytest.raises(FetchFailed) as failed:
        golang.build("tool", tmp_path / "bin" / "tool", ["bogus-command"], cache_dir=tmp_path, say=said.append,
                     what="Tool", took="no time")
    assert said == ["tool: building Tool from the Go module proxy (first run only, no time)"]
    assert "could not build Tool from the Go module proxy: Run 'go help' for usage." in str(failed.value)  # go's last line
    assert not (tmp_path / "go-build-").exists() and not list(tmp_path.glob("go-build-*"))
