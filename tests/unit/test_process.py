import os
import signal
import socket
import subprocess
import sys
import time

from streams.stack.process import (
    PidFile,
    PidRecord,
    ProcessSpec,
    free_port,
    is_running,
    owns,
    port_is_free,
    spawn,
    terminate,
)


def test_port_checks():
    port = free_port()
    assert port_is_free(port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        assert not port_is_free(port)


def test_free_ports_are_distinct_and_outside_the_ephemeral_range():
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(1024 <= p < low for p in ports)


def test_owns_checks_pid_and_command_marker(tmp_path):
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "--marker-xyz"],
                            start_new_session=True)
    try:
        # Popen returns once the child exec'd, but under load this sandbox's /proc can show the
        # child's command line a moment later (a CI run beside it failed here once): give it 5 s.
        deadline = time.monotonic() + 5
        while not owns(PidRecord(pid=proc.pid, ports=[], marker="--marker-xyz")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert owns(PidRecord(pid=proc.pid, ports=[], marker="--marker-xyz"))
        assert not owns(PidRecord(pid=proc.pid, ports=[], marker="--someone-else"))
        pidfile = PidFile(tmp_path / "run" / "x.json")
        pidfile.write(PidRecord(pid=proc.pid, ports=[1], marker="m", start_seconds=1.5))
        assert pidfile.read().start_seconds == 1.5
    finally:
        assert terminate(proc.pid, signal.SIGTERM, timeout=5)
    assert not is_running(proc.pid)


def test_terminate_escalates_to_sigkill():
    proc = subprocess.Popen([sys.executable, "-c",
                             "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"],
                            start_new_session=True)
    time.sleep(0.3)
    assert terminate(proc.pid, signal.SIGTERM, timeout=0.5)
    assert not is_running(proc.pid)


def _nice_of(stat_path: str) -> int:
    """The nice value in a /proc/<pid>/stat (or task stat) file: the 19th field."""
    text = open(stat_path).read()
    return int(text.rsplit(")", 1)[1].split()[16])


def test_a_process_started_at_a_niceness_runs_with_every_thread_and_its_session_lowered(tmp_path):
    script = "import threading, time; threading.Thread(target=time.sleep, args=(30,)).start(); time.sleep(30)"
    spec = ProcessSpec(argv=[sys.executable, "-c", script, "--niced-xyz"], log_path=tmp_path / "x.log", niceness=7)
    proc = spawn(spec)
    try:
        deadline = time.monotonic() + 5
        while not owns(PidRecord(pid=proc.pid, ports=[], marker="--niced-xyz")) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert owns(PidRecord(pid=proc.pid, ports=[], marker="--niced-xyz")), "nice(1) ran the program itself"
        while len(os.listdir(f"/proc/{proc.pid}/task")) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        threads = os.listdir(f"/proc/{proc.pid}/task")
        assert len(threads) == 2
        expected = min(19, os.nice(0) + 7)
        assert [_nice_of(f"/proc/{proc.pid}/task/{t}/stat") for t in threads] == [expected, expected]
        autogroup = f"/proc/{proc.pid}/autogroup"
        if os.path.exists(autogroup):  # the kernel groups by session: the session is lowered too
            assert open(autogroup).read().split()[-2:] == ["nice", "7"]
            assert open(f"/proc/{os.getpid()}/autogroup").read() != open(autogroup).read()
    finally:
        assert terminate(proc.pid, signal.SIGTERM, timeout=5)
