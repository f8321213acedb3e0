"""The simulator's SSH server: paramiko ``ServerInterface``, one thread per session.

netmiko drives an interactive shell, so the server accepts a PTY and a
shell, echoes every character as a terminal would, takes ``\\r``, ``\\n`` and
``\\r\\n`` as line ends, ignores ``\\x00`` (netmiko's keepalive) and prints
the vendor prompt after each answer.

Start one from tests with :func:`start_simulator` (it runs in background
threads and returns a handle), or from a shell with ``python -m app.oltsim``
(see :func:`main`). Several simulated OLTs can run in one process, each on its
own port.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import re
import signal
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import paramiko

from app.oltsim.cli import CliSession
from app.oltsim.huawei import HuaweiCli
from app.oltsim.state import Faults, OltState, SessionLog, demo_seed
from app.oltsim.zte import ZteCli

logger = logging.getLogger(__name__)
# Clients that hang up (netmiko after "quit", tests dropping sessions) make
# paramiko's server side log "Socket exception: Connection reset" at ERROR;
# for a simulator that is the normal end of a session, not an error.
_TRANSPORT_LOG = f"{__name__}.transport"
logging.getLogger(_TRANSPORT_LOG).setLevel(logging.CRITICAL)

CLI_CLASSES: dict[str, type[CliSession]] = {"huawei": HuaweiCli, "zte": ZteCli}

_host_key_lock = threading.Lock()
_host_key: paramiko.PKey | None = None


def _default_host_key() -> paramiko.PKey:
    # One key per process: generating keys is the slowest part of a start,
    # and a test suite starts many simulators.
    global _host_key
    with _host_key_lock:
        if _host_key is None:
            _host_key = paramiko.ECDSAKey.generate()
        return _host_key


class _SshServer(paramiko.ServerInterface):
    """Password auth and one interactive shell per connection."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password
        self.login: str | None = None
        self.shell_ready = threading.Event()

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        user_ok = hmac.compare_digest(username.encode(), self._username.encode())
        pass_ok = hmac.compare_digest(password.encode(), self._password.encode())
        if user_ok and pass_ok:
            self.login = username
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel: Any, term: Any, width: int, height: int,
                                  pixelwidth: int, pixelheight: int, modes: Any) -> bool:
        return True

    def check_channel_window_change_request(self, channel: Any, width: int, height: int,
                                            pixelwidth: int, pixelheight: int) -> bool:
        return True

    def check_channel_shell_request(self, channel: Any) -> bool:
        self.shell_ready.set()
        return True


class SimulatorHandle:
    """A running simulated OLT.

    Attributes:
        vendor: "huawei" or "zte".
        host, port: where it listens (``port`` is the real one when 0 was asked).
        state: the OLT's data (``OltState``); read or change it between sessions.
        log: the per-session command log (``SessionLog``).
        faults: injected faults (``Faults``); change them at any time.
        username, password: the accepted login.
    """

    def __init__(self, vendor: str, host: str, port: int, state: OltState, faults: Faults,
                 username: str, password: str, hostname: str,
                 host_key: paramiko.PKey) -> None:
        if vendor not in CLI_CLASSES:
            raise ValueError(f"unknown vendor {vendor!r}; use one of {sorted(CLI_CLASSES)}")
        self.vendor = vendor
        self.state = state
        self.faults = faults
        self.log = SessionLog()
        self.username = username
        self.password = password
        self.hostname = hostname
        self._host_key = host_key
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: set[paramiko.Transport] = set()
        self._lock = threading.Lock()
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(0.05)
        self.host, self.port = self._listener.getsockname()[:2]
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"oltsim-{vendor}-{self.port}", daemon=True)
        self._accept_thread.start()

    def __repr__(self) -> str:
        return f"<SimulatorHandle {self.vendor} {self.host}:{self.port}>"

    def __enter__(self) -> SimulatorHandle:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening, close every session and wait for the threads."""
        self._stop.set()
        self._accept_thread.join(timeout)
        self._listener.close()
        with self._lock:
            transports = list(self._transports)
            threads = list(self._threads)
        for transport in transports:
            transport.close()
        for thread in threads:
            thread.join(timeout)

    def drop_sessions(self) -> None:
        """Hang up every open session, as an OLT's idle logout does; keep listening."""
        with self._lock:
            transports = list(self._transports)
        for transport in transports:
            transport.close()

    # ----------------------------------------------------------------- serving

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, address = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._serve, args=(client, address), daemon=True,
                                      name=f"oltsim-{self.vendor}-{self.port}-session")
            with self._lock:
                self._threads = [t for t in self._threads if t.is_alive()]
                self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket, address: tuple[Any, ...]) -> None:
        # An echo and its answer are two small writes; with Nagle's algorithm
        # the second waits for the client's delayed ACK (~40 ms per command).
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(client)
        transport.set_log_channel(_TRANSPORT_LOG)
        with self._lock:
            self._transports.add(transport)
        try:
            transport.add_server_key(self._host_key)
            server = _SshServer(self.username, self.password)
            transport.start_server(server=server)
            channel = self._wait(lambda: transport.accept(timeout=0.1), transport)
            if channel is None or not self._wait(
                    lambda: server.shell_ready.wait(0.1) or None, transport):
                return
            if self._run_shell(channel, server.login or "", f"{address[0]}:{address[1]}"):
                # A logout: let the client hang up first, as a device does. Closing
                # the socket with the client's last keepalives unread would
                # reset the connection and make the client log a socket error.
                deadline = time.monotonic() + 2
                while transport.is_active() and time.monotonic() < deadline:
                    time.sleep(0.01)
        except (paramiko.SSHException, EOFError, OSError):
            logger.debug("session from %s ended abruptly", address, exc_info=True)
        finally:
            transport.close()
            with self._lock:
                self._transports.discard(transport)

    def _wait(self, attempt: Any, transport: paramiko.Transport, limit: float = 10.0) -> Any:
        """Retry a short blocking ``attempt`` until it returns something.

        Gives up when the client hangs up, the simulator stops or ``limit``
        passes, so ``stop()`` never waits on a half-open login.
        """
        deadline = time.monotonic() + limit
        while transport.is_active() and not self._stop.is_set() and time.monotonic() < deadline:
            result = attempt()
            if result is not None:
                return result
        return None

    def _run_shell(self, channel: paramiko.Channel, login: str, peer: str) -> bool:
        """Serve one shell; True when it ended with a logout, False on a drop or hang-up."""
        session_id = self.log.open_session(login, peer)
        cli = CLI_CLASSES[self.vendor](self.state, self.hostname)
        answered = 0
        try:
            _send(channel, cli.banner() + cli.prompt())
            channel.settimeout(0.2)
            for line in _read_lines(channel, self._stop):
                if not line.strip():
                    _send(channel, cli.prompt())
                    continue
                faults = self.faults
                if faults.drop_on_command and re.search(faults.drop_on_command, line):
                    self.log.record(session_id, line, time.monotonic(), time.monotonic())
                    return False
                started = time.monotonic()
                delay = faults.delay_for(line)
                if delay and self._stop.wait(delay):
                    return False  # stopping: do not hold stop() up for the latency
                injected = faults.error_for(line)
                reply = cli.handle(line) if injected is None else None
                self.log.record(session_id, line, started, time.monotonic())
                if faults.drop_after_command and re.search(faults.drop_after_command, line):
                    return False
                if reply is None:
                    _send(channel, f"{injected}\n{cli.prompt()}")
                    continue
                if reply.prompt:
                    text = f"{reply.text}\n" if reply.text else ""
                    _send(channel, text + cli.prompt())
                else:  # a question: the cursor stays after it
                    _send(channel, reply.text)
                if reply.close:
                    return True
                answered += 1
                if faults.drop_after_commands is not None and answered >= (
                        faults.drop_after_commands):
                    return False
            return False
        finally:
            self.log.close_session(session_id)
            channel.close()


def _send(channel: paramiko.Channel, text: str) -> None:
    # Terminals end lines with CRLF; the CLI modules write plain "\n".
    channel.sendall(text.replace("\r\n", "\n").replace("\n", "\r\n").encode())


def _read_lines(channel: paramiko.Channel, stop: threading.Event) -> Any:
    """Yield command lines, echoing characters back as a terminal does."""
    buffer: list[str] = []
    after_cr = False
    while not stop.is_set():
        try:
            data = channel.recv(4096)
        except TimeoutError:
            continue
        if not data:
            return
        echo: list[str] = []
        for char in data.decode("utf-8", errors="replace"):
            if char == "\x00":
                continue
            if char == "\n" and after_cr:
                # second half of a \r\n: the line was already taken at \r
                after_cr = False
                continue
            after_cr = char == "\r"
            if char in "\r\n":
                echo.append("\r\n")
                _send(channel, "".join(echo))
                echo.clear()
                yield "".join(buffer)
                buffer.clear()
            elif char in "\x08\x7f":
                if buffer:
                    buffer.pop()
                    echo.append("\b \b")
            elif char >= " " or char == "\t":
                buffer.append(char)
                echo.append(char)
        if echo:
            _send(channel, "".join(echo))


def start_simulator(
    vendor: str = "huawei",
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    username: str = "admin",
    password: str = "admin",  # noqa: S107 - a local test double's documented default login
    seed: dict[str, Any] | str | Path | None = None,
    state: OltState | None = None,
    faults: Faults | None = None,
    hostname: str = "OLT",
    host_key: paramiko.PKey | None = None,
) -> SimulatorHandle:
    """Start a simulated OLT in background threads and return its handle.

    Args:
        vendor: "huawei" or "zte".
        port: 0 picks a free port (read it from ``handle.port``).
        seed: a seed dict or the path of a JSON seed file (see ``OltState.from_seed``);
            ignored when ``state`` is given.
        faults: faults to inject from the first session on.

    Raises:
        ValueError: unknown vendor or malformed seed.
        OSError: the port is taken.
    """
    if state is None:
        state = (OltState.from_json(seed) if isinstance(seed, str | Path)
                 else OltState.from_seed(seed))
    return SimulatorHandle(vendor, host, port, state, faults or Faults(), username, password,
                           hostname, host_key or _default_host_key())


def _parse_olt_spec(spec: str) -> tuple[str, int, str | None]:
    parts = spec.split(":", 2)
    if len(parts) < 2 or parts[0] not in CLI_CLASSES or not parts[1].isdigit():
        raise argparse.ArgumentTypeError("use VENDOR:PORT[:SEED.json], e.g. zte:2223")
    return parts[0], int(parts[1]), parts[2] if len(parts) == 3 else None


def build_arg_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m app.oltsim``."""
    parser = argparse.ArgumentParser(
        prog="python -m app.oltsim",
        description="Simulated Huawei/ZTE OLTs over SSH, for development and tests.")
    parser.add_argument("--vendor", choices=sorted(CLI_CLASSES), default="huawei")
    parser.add_argument("--port", type=int, default=2222)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", help="JSON seed file (autofind list, ONUs, profiles)")
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--hostname", default="OLT", help="prompt name")
    parser.add_argument("--demo-onus", type=int, default=0, metavar="N",
                        help="without --seed: start with N unprovisioned ONUs to discover")
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds to wait before every answer")
    parser.add_argument("--olt", action="append", default=[], type=_parse_olt_spec,
                        metavar="VENDOR:PORT[:SEED]",
                        help="run another simulated OLT in this process (repeatable)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run simulated OLTs until SIGINT/SIGTERM; returns the exit status.

    This is what ``python -m app.oltsim`` and a ``flask olt-sim`` command call.
    """
    args = build_arg_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    specs = [(args.vendor, args.port, args.seed), *args.olt]
    handles = []
    try:
        for vendor, port, seed_file in specs:
            seed = seed_file or demo_seed(vendor, args.demo_onus)
            handle = start_simulator(vendor, host=args.host, port=port, username=args.username,
                                     password=args.password, seed=seed, hostname=args.hostname,
                                     faults=Faults(latency_s=args.latency))
            handles.append(handle)
            logger.info("OLT simulada %s ouvindo em %s:%s", vendor, handle.host, handle.port)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
    finally:
        for handle in handles:
            handle.stop()
    return 0
