"""The OLT simulator itself: terminal behaviour, concurrency, several OLTs, entry point."""

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

import paramiko
import pytest

from app.drivers.olt import get_driver
from app.oltsim import Faults, start_simulator

ROOT = Path(__file__).resolve().parents[3]
FAST = {"conn_timeout": 5.0, "command_timeout": 3.0}


class Terminal:
    """A raw interactive shell on the simulator, for checking bytes on the wire."""

    def __init__(self, port: int, password: str = "admin") -> None:
        self.client = paramiko.SSHClient()
        self.client.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # noqa: S507
        self.client.connect("127.0.0.1", port, "admin", password, look_for_keys=False,
                            allow_agent=False, timeout=5)
        self.channel = self.client.invoke_shell()
        self.channel.settimeout(5)

    def read_until(self, marker: str, timeout: float = 3.0) -> str:
        data = ""
        deadline = time.monotonic() + timeout
        while marker not in data:
            assert time.monotonic() < deadline, f"no {marker!r} in {data!r}"
            if self.channel.recv_ready():
                data += self.channel.recv(65536).decode()
            elif self.channel.closed or self.channel.eof_received:
                break
            else:
                time.sleep(0.01)
        return data

    def send(self, raw: str) -> None:
        self.channel.sendall(raw.encode())

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def huawei():
    with start_simulator("huawei", seed={"autofind": [
            {"frame": 0, "slot": 1, "port": 0, "serial": "HWTC0A1B2C3D"}]}) as handle:
        yield handle


def test_terminal_echoes_and_accepts_every_line_ending(huawei):
    term = Terminal(huawei.port)
    try:
        assert term.read_until("OLT>").endswith("OLT>")
        term.send("enable\r")
        assert term.read_until("OLT#").startswith("enable\r\n")
        term.send("config\r\n")
        assert "OLT(config)#" in term.read_until("OLT(config)#")
        term.send("interface gpon 0/1\n")
        assert term.read_until("OLT(config-if-gpon-0/1)#")
        # netmiko's keepalive NUL bytes are ignored, not parsed as a command.
        term.send("\x00\x00quit\n")
        assert term.read_until("OLT(config)#")
        term.send("bogus command\r\n")
        assert "% Unknown command, the error locates at '^'" in term.read_until("OLT(config)#")
    finally:
        term.close()
    assert huawei.log.commands() == [
        "enable", "config", "interface gpon 0/1", "quit", "bogus command"]


def test_huawei_logout_asks_and_then_closes(huawei):
    term = Terminal(huawei.port)
    try:
        term.read_until("OLT>")
        term.send("quit\n")
        assert term.read_until("(y/n)[n]:").endswith("Are you sure to log out? (y/n)[n]:")
        term.send("n\n")
        term.read_until("OLT>")
        term.send("quit\n")
        term.read_until("(y/n)[n]:")
        term.send("y\n")
        assert "Configuration console exit, please retry to log on" in term.read_until(
            "retry to log on")
        deadline = time.monotonic() + 3
        while not (term.channel.closed or term.channel.eof_received):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        term.close()


def test_zte_exit_closes_the_session():
    with start_simulator("zte") as zte:
        term = Terminal(zte.port)
        try:
            term.read_until("OLT#")
            term.send("configure terminal\n")
            term.read_until("OLT(config)#")
            term.send("interface gpon-onu_1/1/1:9\n")
            assert "%Code 32303: The ONU does not exist." in term.read_until("OLT(config)#")
            term.send("show gpon onu uncfg\n")
            assert "No related information" in term.read_until("OLT(config)#")
            term.send("end\n")
            term.read_until("OLT#")
            term.send("exit\n")
            deadline = time.monotonic() + 3
            while not (term.channel.closed or term.channel.eof_received):
                assert time.monotonic() < deadline
                time.sleep(0.01)
        finally:
            term.close()


def test_wrong_password_is_refused(huawei):
    with pytest.raises(paramiko.AuthenticationException):
        Terminal(huawei.port, password="errada")
    assert huawei.log.sessions == {}


def test_concurrent_sessions_are_served_and_the_log_shows_the_overlap(huawei):
    both_open = threading.Barrier(2, timeout=10)
    results: list[int] = []

    def worker() -> None:
        with get_driver("huawei", "127.0.0.1", huawei.port, "admin", "admin", **FAST) as olt:
            both_open.wait()
            results.append(len(olt.discover_unprovisioned()))
            both_open.wait()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert results == [1, 1]
    assert huawei.log.overlapping_sessions() == [(1, 2)]


def test_sequential_sessions_do_not_overlap(huawei):
    for _ in range(2):
        with get_driver("huawei", "127.0.0.1", huawei.port, "admin", "admin", **FAST) as olt:
            olt.discover_unprovisioned()
        # The simulator closes its side right after the logout.
        deadline = time.monotonic() + 3
        while any(s.closed_at is None for s in huawei.log.sessions.values()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
    assert len(huawei.log.sessions) == 2
    assert huawei.log.overlapping_sessions() == []


def test_several_olts_in_one_process_keep_their_own_state(tmp_path):
    seed_file = tmp_path / "zte.json"
    seed_file.write_text(json.dumps({"autofind": [
        {"frame": 1, "slot": 2, "port": 3, "serial": "ZTEGC0654321"}]}))
    with start_simulator("huawei") as first, start_simulator("zte", seed=seed_file) as second:
        assert first.port != second.port
        with get_driver("huawei", "127.0.0.1", first.port, "admin", "admin", **FAST) as olt:
            assert olt.discover_unprovisioned() == []
        with get_driver("zte", "127.0.0.1", second.port, "admin", "admin", **FAST) as olt:
            assert [o.serial for o in olt.discover_unprovisioned()] == ["ZTEGC0654321"]
        assert first.log.sessions and second.log.sessions


def test_latency_is_visible_in_the_command_timestamps():
    with start_simulator("zte", faults=Faults(latency_by_command={"uncfg": 0.3})) as zte:
        with get_driver("zte", "127.0.0.1", zte.port, "admin", "admin", **FAST) as olt:
            olt.discover_unprovisioned()
        record = next(c for s in zte.log.sessions.values() for c in s.commands
                      if c.command == "show gpon onu uncfg")
        assert record.finished_at - record.started_at >= 0.3


def test_seed_with_a_bad_serial_is_refused():
    with pytest.raises(ValueError, match="invalid serial"):
        start_simulator("huawei", seed={"autofind": [
            {"frame": 0, "slot": 1, "port": 0, "serial": "nope"}]})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_command_line_entry_point_runs_two_olts_and_stops_on_sigterm(tmp_path):
    """``python -m app.oltsim``: what ``flask olt-sim`` will run."""
    seed_file = tmp_path / "huawei.json"
    seed_file.write_text(json.dumps({"autofind": [
        {"frame": 0, "slot": 1, "port": 0, "serial": "HWTC0A1B2C3D"}]}))
    huawei_port, zte_port = _free_port(), _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.oltsim", "--vendor", "huawei", "--port", str(huawei_port),
         "--seed", str(seed_file), "--olt", f"zte:{zte_port}", "--demo-onus", "2"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(("127.0.0.1", zte_port), timeout=0.2):
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.monotonic() < deadline, "simulator did not start"
                time.sleep(0.05)
        with get_driver("huawei", "127.0.0.1", huawei_port, "admin", "admin", **FAST) as olt:
            assert [o.serial for o in olt.discover_unprovisioned()] == ["HWTC0A1B2C3D"]
        # No seed file for this one: --demo-onus made up its unprovisioned ONUs.
        with get_driver("zte", "127.0.0.1", zte_port, "admin", "admin", **FAST) as olt:
            assert [o.serial for o in olt.discover_unprovisioned()] == [
                "ZTEG00000001", "ZTEG00000002"]
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert f"ouvindo em 127.0.0.1:{zte_port}" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
