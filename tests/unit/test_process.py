import signal
import socket
import subprocess
import sys
import time

from streams.stack.process import (
    PidFile,
    PidRecord,
    free_port,
    is_running,
    owns,
    port_is_free,
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
