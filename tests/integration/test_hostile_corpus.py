"""The hostile-media corpus through the media sandbox, watched by strace: every file fails with its
reason (or, a real recording under a lying name, is read), and no process opens anything outside
its upload but the interpreter's own files, or makes a socket at all. A canary HTTP server that
the playlists name sees no connection, and a canary file's text appears in no result.

The controls show the corpus is not toothless: FFmpeg with only the protocol whitelist we used to
rely on decodes a local recording a playlist names, and FFmpeg allowed to use HTTP calls the canary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from collections import defaultdict
from pathlib import Path

import av
import pytest

from streams.settings import project_root
from tests.hostile_media import CANARY_TEXT, CanaryServer, HostileCase, build_corpus
from tests.media_recipes import short_talk

pytestmark = pytest.mark.integration

TRACED = "open,openat,openat2,creat,execve,socket,socketpair,connect,bind,sendto,sendmsg"
DRIVER = """
import json, sys
from pathlib import Path
from streams.media.sandbox.limits import SandboxLimits
from streams.media.sandbox.reading import AudioChunks, probe_media
path, name = Path(sys.argv[1]), json.loads(sys.argv[2])
sandbox = SandboxLimits(probe_seconds=10)
try:
    info = probe_media(path, display_name=name, sandbox=sandbox)
    with AudioChunks(path, info, chunk_min_seconds=60, chunk_max_seconds=120, display_name=name,
                     sandbox=sandbox) as chunks:
        seconds = sum(len(c.pcm) for c in chunks) / 16000
    print(json.dumps({"code": None, "message": "", "seconds": seconds, "format": info.format_name}))
except Exception as exc:
    print(json.dumps({"code": getattr(exc, "code", type(exc).__name__), "message": str(exc)}))
"""


@pytest.fixture(scope="module")
def canary():
    with CanaryServer() as server:
        yield server


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, media_dir, canary) -> tuple[Path, list[HostileCase]]:
    dest = tmp_path_factory.mktemp("hostile")
    good = short_talk(media_dir, tmp_path_factory.mktemp("good"))
    return dest, build_corpus(dest, good, canary_url=canary.url)


def _allowed_prefixes() -> tuple[str, ...]:
    """What a fresh interpreter with numpy and PyAV opens before it touches the upload."""
    arch = sysconfig.get_config_var("MULTIARCH") or ""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    return (
        f"{sys.prefix}/",  # the virtual environment: its packages, PyAV's bundled FFmpeg, pyvenv.cfg
        f"{sys.base_prefix}/lib/{version}",  # the standard library (the directory and what is in it)
        sys._base_executable,  # its ._pth probe
        f"{Path(sys._base_executable).parent}/pybuilddir.txt",
        f"{project_root() / 'streams'}/",  # this package (installed editable)
        f"{project_root() / 'streams'}",
        "/etc/ld.so.cache", f"/lib/{arch}/", f"/usr/lib/{arch}/",  # shared libraries
        "/etc/localtime", "/usr/lib/locale/", "/usr/share/locale/locale.alias", "/usr/lib/ssl/openssl.cnf",
        "/sys/devices/system/cpu/",
    )


def _trace(case: HostileCase, log: Path) -> dict:
    out = subprocess.run(
        ["strace", "-f", "--seccomp-bpf", "-qq", "-o", str(log), "-e", f"trace={TRACED}",
         sys.executable, "-I", "-c", DRIVER, str(case.path), json.dumps(case.upload_name)],
        capture_output=True, text=True, timeout=300, cwd="/",
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


SYSCALL = re.compile(r"^(\d+) +(?:<\.\.\. )?(\w+)\((.*)")
PATH_ARG = re.compile(r'^(?:AT_FDCWD, |-?\d+, )?"((?:[^"\\]|\\.)*)"')


def _syscalls(log: Path) -> dict[str, list[tuple[str, str]]]:
    """``{pid: [(syscall, its arguments as strace wrote them)]}``."""
    calls: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in log.read_text(errors="replace").splitlines():
        m = SYSCALL.match(line)
        if m and not line.startswith(f"{m.group(1)} <... "):
            calls[m.group(1)].append((m.group(2), m.group(3)))
    return calls


def _path_of(args: str) -> str:
    """The path an open call names, normalized (FFmpeg opens ``file:///x`` as ``///x``)."""
    m = PATH_ARG.match(args)
    return os.path.normpath(re.sub(r"^/+", "/", m.group(1))) if m else args[:120]


def _problems(case: HostileCase, result: dict, calls: dict, dest: Path) -> list[str]:
    problems = []
    if case.succeeds:
        if result["code"] is not None:
            problems.append(f"should be read, failed: {result}")
    elif result["code"] not in case.codes:
        problems.append(f"failed with {result['code']}, expected one of {sorted(case.codes)}: {result['message']}")
    if CANARY_TEXT in json.dumps(result):
        problems.append("the canary file's text is in the result")
    children = {pid for pid, cs in calls.items()
                if any(c == "execve" and "streams.media.sandbox.entry" in a for c, a in cs)}
    if not children:
        problems.append("no sandbox child ran")
    allowed, upload = _allowed_prefixes(), str(case.path)
    for pid, cs in calls.items():
        if pid in children and case.path.stat().st_size and not any(upload in a for c, a in cs if "open" in c):
            problems.append(f"sandbox child {pid} never opened its upload: is the trace complete?")
        seen_upload = False
        for call, args in cs:
            if call in ("socket", "socketpair", "connect", "bind", "sendto", "sendmsg"):
                problems.append(f"pid {pid}: {call}({args[:120]}")
                continue
            if call not in ("open", "openat", "openat2", "creat"):
                continue
            path = _path_of(args)
            if pid not in children:
                if path.startswith(str(dest)):
                    problems.append(f"the calling process opened {path}")
            elif path == upload:
                seen_upload = True
            elif seen_upload:
                problems.append(f"sandbox child opened {path} after the upload")
            elif not path.startswith(allowed):
                problems.append(f"sandbox child opened {path}")
    return problems


def test_every_hostile_file_fails_alone_and_reads_nothing_else(corpus, canary, tmp_path):
    if shutil.which("strace") is None:
        pytest.fail("strace is not installed; scripts/setup.sh installs it")
    dest, cases = corpus
    before = canary.connections
    report = {}
    for case in cases:
        log = tmp_path / f"{case.name}.strace"
        result = _trace(case, log)
        problems = _problems(case, result, _syscalls(log), dest)
        if problems:
            report[case.name] = problems
    assert report == {}
    assert canary.connections == before


def test_the_corpus_covers_every_class_of_hostile_input(corpus):
    _, cases = corpus
    names = {c.name for c in cases}
    assert {"hls_local_file", "hls_metadata_service", "hls_canary_server", "hls_concat_protocol",
            "hls_subfile_protocol", "gab2_avi_playlist", "huge_picture", "claims_ten_hours", "truncated_mp4",
            "wav_named_mp4", "zero_bytes", "sparse_over_limit", "name_traversal", "name_newlines",
            "name_very_long", "name_unicode", "name_shell"} <= names
    sparse = [c for c in cases if c.huge]
    assert sparse and all(c.path.stat().st_size >= 4 * 1024**3 for c in sparse)
    assert all(c.path.stat().st_blocks * 512 < 1024**2 for c in sparse)  # holes, not gigabytes on disk
    assert all(c.codes for c in cases if not c.succeeds) and all(not c.codes for c in cases if c.succeeds)


UNGUARDED = """
import av, sys
with av.open(sys.argv[1], options={"protocol_whitelist": "file"}) as container:
    audio = container.streams.audio[0]
    print(container.format.name, sum(frame.samples for frame in container.decode(audio)) / audio.sample_rate)
"""


def test_control_ffmpeg_with_only_a_protocol_whitelist_decodes_a_file_a_playlist_names(corpus, tmp_path):
    """What the sandbox's whitelists stop, and proof the trace would show it."""
    dest, cases = corpus
    playlist = next(c for c in cases if c.name == "hls_local_recording").path
    log = tmp_path / "unguarded.strace"
    out = subprocess.run(["strace", "-f", "--seccomp-bpf", "-qq", "-o", str(log), "-e", f"trace={TRACED}",
                          sys.executable, "-I", "-c", UNGUARDED, str(playlist)],
                         capture_output=True, text=True, timeout=120, check=True)
    demuxer, seconds = out.stdout.split()
    assert demuxer == "hls" and float(seconds) > 10  # the recording outside the upload, all of it
    opened = {_path_of(a) for cs in _syscalls(log).values() for c, a in cs if c.startswith("open")}
    assert str(dest / "outside" / "canary.ts") in opened


def test_control_ffmpeg_allowed_http_calls_the_canary(corpus, canary):
    _, cases = corpus
    playlist = next(c for c in cases if c.name == "hls_canary_server").path
    before = canary.connections
    with pytest.raises(av.error.FFmpegError):
        av.open(str(playlist), options={"protocol_whitelist": "file,http,tcp"}).close()
    assert canary.connections > before
