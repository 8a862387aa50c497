"""The media sandbox with real child processes, real media and the kernel's real limits: it gives
the answers the in-process reader gives, and a file that hangs, exhausts or crashes its reader
costs that one call (a typed error), never the calling process."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from streams.errors import EmptyMedia, MediaTimeout, MediaUnreadable, NotMedia, SandboxUnavailable, TruncatedMedia
from streams.media.sandbox import confine
from streams.media.chunking import Chunker, iter_chunks
from streams.media.probe import MediaInfo, MediaLimits, probe
from streams.media.sandbox.limits import MIB, SandboxLimits
from streams.media.sandbox.reading import AudioChunks, probe_media
from tests.hostile_media import sparse_file, wav_header
from tests.media_recipes import short_talk
from tests.processes import state

LJSPEECH = "derived/ljspeech_LJ001-0001_to_0032_concat.wav"


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True, timeout=120)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("sandbox")


@pytest.fixture(scope="module")
def talk(media_dir, work) -> Path:
    return short_talk(media_dir, work)


@pytest.fixture(scope="module")
def stalling_wav(work) -> Path:
    """4 GiB of silence and 2 GiB of zeros after it, sparse: FFmpeg's WAV demuxer walks the zeros
    as empty chunks, 8 bytes at a time, for minutes before it even returns from opening the file."""
    data = 0xFFFFFFFF - 36
    return sparse_file(work / "stall.wav", 6 * 1024**3, wav_header(data))


def test_a_probe_in_the_sandbox_finds_what_an_in_process_probe_finds(talk, media_dir):
    for path in (talk, media_dir / LJSPEECH, media_dir / "speech/jfk.flac"):
        assert probe_media(path) == probe(path)


def test_chunks_decoded_in_the_sandbox_are_the_in_process_chunks(media_dir):
    path = media_dir / LJSPEECH
    info = probe(path)
    expected = list(iter_chunks(path, info, Chunker(min_seconds=40, max_seconds=60)))
    with AudioChunks(path, info, chunk_min_seconds=40, chunk_max_seconds=60) as chunks:
        got = list(chunks)
    assert [(c.index, c.start, c.end, c.is_last) for c in got] == [(c.index, c.start, c.end, c.is_last)
                                                                   for c in expected]
    assert len(got) == 5 and got[-1].is_last
    for a, b in zip(got, expected):
        assert np.array_equal(a.pcm, b.pcm)


def test_refusals_cross_with_their_type_and_message(tmp_path, talk):
    text = tmp_path / "notes.mp4"
    text.write_text("Meeting notes\n" * 100)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    half = tmp_path / "half.mp4"
    half.write_bytes(talk.read_bytes()[: talk.stat().st_size // 2])
    for path, error in ((text, NotMedia), (empty, EmptyMedia), (half, TruncatedMedia)):
        with pytest.raises(error) as inside:
            probe_media(path, display_name="Team\noffsite.mp4")
        with pytest.raises(error) as outside:
            probe(path, display_name="Team\noffsite.mp4")
        assert inside.value.message == outside.value.message
        assert inside.value.message.startswith("Team\\noffsite.mp4 ")


def test_a_reader_that_stalls_is_stopped_at_the_wall_clock_limit(stalling_wav, talk):
    started = time.monotonic()
    with pytest.raises(MediaTimeout, match=r"^call\.wav took longer than 3 s to read, so reading it was stopped"):
        probe_media(stalling_wav, display_name="call.wav", sandbox=SandboxLimits(probe_seconds=3))
    assert time.monotonic() - started < 60  # stopped, not waited out (in-process this takes minutes)
    assert probe_media(talk).has_video  # and the next file is read as usual


def test_a_reader_that_needs_too_much_memory_fails_its_file_only(work):
    """A 1.3 MB FLAC that decodes to two hours of sound, cut into one two-hour chunk: the child's
    buffers outgrow its address space (the same limit lets it probe the file)."""
    bomb = work / "silence.flac"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "7200", "-c:a", "flac", str(bomb))
    sandbox = SandboxLimits(memory_bytes=600 * MIB)
    info = probe_media(bomb, sandbox=sandbox)
    assert info.duration == pytest.approx(7200)
    with pytest.raises(MediaUnreadable, match=r"^silence\.flac needs more memory to read than one video may use"):
        with AudioChunks(bomb, info, chunk_min_seconds=7000, chunk_max_seconds=7300, sandbox=sandbox) as chunks:
            list(chunks)


@pytest.mark.parametrize("signum, shown", [(signal.SIGSEGV, "SIGSEGV"), (signal.SIGABRT, "SIGABRT")])
def test_a_reader_that_crashes_fails_its_file_only(media_dir, signum, shown):
    """The child dies of the signal a decoder bug raises (sent to it here, mid-decode)."""
    path = media_dir / LJSPEECH
    info = probe(path)
    with pytest.raises(MediaUnreadable) as err:
        with AudioChunks(path, info, chunk_min_seconds=3, chunk_max_seconds=5, display_name="talk.wav") as chunks:
            next(chunks)
            os.kill(chunks.pid, signum)
            list(chunks)
    assert err.value.message == f"talk.wav could not be read: the media reader crashed on it ({shown})"
    assert _reaped(chunks.pid)


def test_a_reader_over_its_cpu_time_fails_its_file_only(media_dir):
    """SIGXCPU is what the kernel sends at ``RLIMIT_CPU`` (sent to it here, mid-decode)."""
    path = media_dir / LJSPEECH
    with pytest.raises(MediaUnreadable, match=r"needs more than \d+ s of processor time to read"):
        with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5) as chunks:
            next(chunks)
            os.kill(chunks.pid, signal.SIGXCPU)
            list(chunks)


def test_stopping_a_decode_while_another_thread_waits_for_it(stalling_wav):
    """``close()`` from the event loop while a worker thread is blocked in ``next``: the child is
    killed and that ``next`` ends at once with a typed error."""
    info = MediaInfo(duration=134217.7, format_name="wav", size_bytes=6 * 1024**3, has_video=False, width=None,
                     height=None, fps=None, video_codec=None, audio_codec="pcm_s16le", sample_rate=16000,
                     channels=1, stream_count=1)
    chunks = AudioChunks(stalling_wav, info, chunk_min_seconds=60, chunk_max_seconds=120)
    outcome = []

    def consume():
        try:
            outcome.append(next(chunks))
        except SandboxUnavailable as exc:
            outcome.append(exc.message)

    reader = threading.Thread(target=consume)
    reader.start()
    time.sleep(1.0)  # the child is still inside FFmpeg's open of the file (for minutes)
    assert reader.is_alive()
    chunks.close()
    reader.join(timeout=30)
    assert outcome == ["the media sandbox was stopped before it finished"]
    assert _reaped(chunks.pid)


def test_stopping_a_decode_between_chunks(media_dir):
    path = media_dir / LJSPEECH
    chunks = AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5)
    assert next(chunks).index == 0
    chunks.close()
    assert _reaped(chunks.pid)
    assert next(chunks, None) is None


def test_a_child_that_cannot_start_is_the_machines_fault(talk):
    with pytest.raises(SandboxUnavailable, match="before it opened the file") as err:
        probe_media(talk, sandbox=SandboxLimits(memory_bytes=16 * MIB))  # too little to load Python
    assert err.value.retriable


def test_the_child_gets_none_of_the_workers_environment(media_dir, monkeypatch):
    monkeypatch.setenv("CLIPSTREAM_S3_SECRET_KEY", "secret-that-must-not-leak")
    path = media_dir / LJSPEECH
    with AudioChunks(path, probe(path), chunk_min_seconds=3, chunk_max_seconds=5) as chunks:
        next(chunks)
        environ = Path(f"/proc/{chunks.pid}/environ").read_bytes().split(b"\0")
        cwd = os.readlink(f"/proc/{chunks.pid}/cwd")
    names = {e.split(b"=", 1)[0].decode() for e in environ if e}
    assert names == {"PATH", "HOME", "LC_ALL", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MALLOC_ARENA_MAX",
                     "PYTHONDONTWRITEBYTECODE"}
    assert cwd == "/"


CONFINED = """
import json, os, socket, sys
from streams.media.sandbox import confine
path, port = sys.argv[1], int(sys.argv[2])
report = {"network": confine.leave_network()}
confine.limit_resources(1 << 31, 30)
report["files"] = confine.restrict_files(path)
report["capabilities"] = confine.drop_capabilities()
def attempt(action):
    try:
        action()
        return "allowed"
    except (OSError, ValueError) as exc:
        return exc.__class__.__name__
report["read upload"] = attempt(lambda: open(path, "rb").read(4))
report["read /etc/hostname"] = attempt(lambda: open("/etc/hostname").read())
report["list /tmp"] = attempt(lambda: os.listdir("/tmp"))
report["write /tmp"] = attempt(lambda: open("/tmp/sandbox-escape", "w").write("x"))
report["connect 127.0.0.1"] = attempt(lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
report["raise limits"] = attempt(lambda: __import__("resource").setrlimit(
    __import__("resource").RLIMIT_CPU, (10**6, 10**6)))
print(json.dumps(report))
"""


def test_the_kernel_confines_the_child(talk):
    """What ``confine`` leaves a process: the upload, and nothing else on disk or on the network.
    Every layer this kernel offers must hold; a layer it lacks is reported as ``none``."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    server.settimeout(0.5)
    threading.Thread(target=lambda: _accept(server, accepted), daemon=True).start()
    out = subprocess.run([sys.executable, "-I", "-c", CONFINED, str(talk), str(server.getsockname()[1])],
                         capture_output=True, text=True, timeout=60, cwd="/",
                         env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "OPENBLAS_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    server.close()
    assert report["read upload"] == "allowed"
    abi = confine.landlock_abi()
    if abi >= 1:
        assert report["files"] == ("landlock+tcp" if abi >= 4 else "landlock")
        assert report["read /etc/hostname"] == "PermissionError"
        assert report["list /tmp"] == "PermissionError"
        assert report["write /tmp"] == "PermissionError"
    if report["network"] == "namespace" or abi >= 4:
        assert report["connect 127.0.0.1"] in ("ConnectionRefusedError", "OSError", "PermissionError", "TimeoutError")
    assert accepted == []
    if os.geteuid() == 0:
        assert report["network"] == "namespace"  # root may always make one
        assert report["capabilities"] is True and report["raise limits"] == "ValueError"
    assert not Path("/tmp/sandbox-escape").exists()


def _accept(server: socket.socket, accepted: list) -> None:
    while True:
        try:
            accepted.append(server.accept())
        except TimeoutError:
            continue
        except OSError:
            return


def _reaped(pid: int) -> bool:
    """The child is gone (no zombie left behind)."""
    return not Path(f"/proc/{pid}").exists()


def test_limits_from_settings():
    from streams.settings import Settings

    limits = SandboxLimits.from_settings(Settings(media_sandbox_memory_mb=1024, media_sandbox_probe_seconds=30,
                                                  media_sandbox_decode_speed=20,
                                                  media_sandbox_video_decode_speed=2))
    assert limits == SandboxLimits(memory_bytes=1024 * MIB, probe_seconds=30.0, decode_speed=20.0,
                                   video_decode_speed=2.0)
    assert limits.decode_seconds(3600) == 30 + 180
    assert limits.video_seconds(60) == 30 + 30


def test_media_limits_are_applied_in_the_child(talk):
    with pytest.raises(Exception) as err:
        probe_media(talk, MediaLimits(max_duration_seconds=5), display_name="talk.mp4")
    assert err.value.code == "media_limit_exceeded" and "the longest we accept is 5.0 s" in err.value.message


ORPHANING = """
import sys
from pathlib import Path
from streams.media.probe import MediaInfo
from streams.media.sandbox.reading import AudioChunks
info = MediaInfo(duration=134217.7, format_name="wav", size_bytes=6 * 1024**3, has_video=False, width=None,
                 height=None, fps=None, video_codec=None, audio_codec="pcm_s16le", sample_rate=16000, channels=1,
                 stream_count=1)
chunks = AudioChunks(Path(sys.argv[1]), info, chunk_min_seconds=60, chunk_max_seconds=120)
print(chunks.pid, flush=True)
sys.stdin.read()
"""


def test_a_killed_worker_takes_its_readers_with_it(stalling_wav):
    worker = subprocess.Popen([sys.executable, "-c", ORPHANING, str(stalling_wav)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    child = int(worker.stdout.readline())
    time.sleep(1.0)
    assert Path(f"/proc/{child}").exists()  # still inside FFmpeg's open of the file
    worker.kill()
    worker.wait()
    deadline = time.monotonic() + 10
    while Path(f"/proc/{child}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{child}").exists()


def test_a_job_stopped_after_its_child_ended_on_its_own_reaps_it_without_error(talk):
    """A job closed early (its caller failed, as when Triton goes down mid-look) may find its child
    already exited. Killing it must not reap it behind the sandbox's back: ``Popen.kill`` polls
    first, and its reap made the sandbox's own one fail with ChildProcessError, which failed the
    video as an internal error instead of the caller's error."""
    from dataclasses import asdict

    from streams.media.sandbox.handle import Child

    child = Child(talk, "talk.mp4", {"op": "probe", "limits": asdict(MediaLimits())}, SandboxLimits(), 30.0,
                   max_chunk_bytes=0)
    kind, _ = child.next_frame()  # the answer; the child ends after it
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and state(child.proc.pid) != "Z":
        time.sleep(0.01)
    assert state(child.proc.pid) == "Z", "the child did not end after answering"
    child.kill()
    child.cleanup()
    assert _reaped(child.proc.pid)
