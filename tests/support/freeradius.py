"""A real FreeRADIUS 3.2 server for tests, reading its users from PostgreSQL.

:func:`start_freeradius` copies the system configuration
(``/etc/freeradius/3.0``) into a private directory, keeps only what a PPPoE
ISP needs (``pap``, ``chap``, ``sql``, no EAP/LDAP/files), points the ``sql``
module at the given database with the panel's own renderer
(:func:`app.drivers.radius.freeradius.render_sql_module`), listens on free
high ports of 127.0.0.1 and runs ``freeradius -X`` until stopped. Its
replies carry a Message-Authenticator (FreeRADIUS 3.2.1 only adds one when
told to), so the panel's strict client can talk to it.

It needs the Debian packages ``freeradius`` and ``freeradius-postgresql``
(CI installs them with apt as root) and a PostgreSQL database the caller
owns: :func:`temporary_database` creates and drops one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import textwrap
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from pyrad import packet
from pyrad.client import Client, Timeout
from sqlalchemy.engine import URL, make_url

from app.drivers.radius.client import load_dictionary
from app.drivers.radius.freeradius import render_sql_module

SYSTEM_CONFIG_DIR = Path("/etc/freeradius/3.0")
SQL_DRIVER = Path("/usr/lib/freeradius/rlm_sql_postgresql.so")
POSTGRESQL_SCHEMA = SYSTEM_CONFIG_DIR / "mods-config/sql/main/postgresql/schema.sql"
# Modules the test site uses; always = the "ok"/"reject" keywords, expr = the
# %{md5:...} used by acct_unique, attr_filter = no plan attributes in a reject.
ENABLED_MODULES = ("always", "attr_filter", "expr", "pap", "chap")


def freeradius_binary() -> str | None:
    """Return the path of the FreeRADIUS daemon, or None if it is not installed.

    Debian calls it ``freeradius``, other systems ``radiusd``; /usr/sbin is
    often missing from a normal user's PATH.
    """
    path = f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin"
    return shutil.which("freeradius", path=path) or shutil.which("radiusd", path=path)


def freeradius_unavailable_reason() -> str | None:
    """Say why a real FreeRADIUS cannot run here, or return None if it can.

    Returns:
        A sentence for ``pytest.skip``, or None.
    """
    if freeradius_binary() is None:
        return "FreeRADIUS is not installed (apt-get install freeradius freeradius-postgresql)"
    if not SQL_DRIVER.exists():
        return f"{SQL_DRIVER} is missing (apt-get install freeradius-postgresql)"
    if not os.access(POSTGRESQL_SCHEMA, os.R_OK):
        return (
            f"{POSTGRESQL_SCHEMA} is not readable by this user "
            "(FreeRADIUS keeps its configuration private to root and freerad)"
        )
    return None


def libpq_url(database_url: str) -> str:
    """Turn a SQLAlchemy URL (postgresql+psycopg://...) into a libpq URI."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


@contextlib.contextmanager
def temporary_database(admin_url: str, prefix: str = "radius_test") -> Iterator[str]:
    """Create a PostgreSQL database for one test run and drop it afterwards.

    Args:
        admin_url: URL of an existing database on the server, as a role that
            may create databases (e.g. ``postgresql://postgres@127.0.0.1/test``).
        prefix: start of the new database's name; a random suffix follows.

    Yields:
        The SQLAlchemy URL (``postgresql+psycopg://``) of the new, empty database.

    Raises:
        psycopg.OperationalError: PostgreSQL cannot be reached.
    """
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield (
            make_url(admin_url)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(hide_password=False)
        )
    finally:
        with psycopg.connect(libpq_url(admin_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def ensure_radius_schema(database_url: str) -> bool:
    """Load FreeRADIUS's PostgreSQL schema unless its tables already exist.

    Args:
        database_url: SQLAlchemy or libpq URL of the database.

    Returns:
        True if the schema was loaded now, False if ``radcheck`` already existed.
    """
    with psycopg.connect(libpq_url(database_url), autocommit=True) as connection:
        exists = connection.execute("SELECT to_regclass('radcheck') IS NOT NULL").fetchone()
        if exists and exists[0]:
            return False
        connection.execute(POSTGRESQL_SCHEMA.read_text())
        return True


def free_udp_port(host: str = "127.0.0.1") -> int:
    """Return a UDP port nothing listens on right now (the OS's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _radiusd_conf(config_dir: Path) -> str:
    return textwrap.dedent(
        f"""\
        # radiusd.conf for tests: everything under {config_dir}, no privilege drop.
        prefix = /usr
        exec_prefix = /usr
        sysconfdir = /etc
        localstatedir = /var
        sbindir = ${{exec_prefix}}/sbin
        raddbdir = {config_dir}
        logdir = {config_dir}/log
        radacctdir = ${{logdir}}/radacct
        name = freeradius
        confdir = ${{raddbdir}}
        modconfdir = ${{confdir}}/mods-config
        certdir = ${{confdir}}/certs
        cadir = ${{confdir}}/certs
        run_dir = {config_dir}/run
        db_dir = ${{raddbdir}}
        libdir = /usr/lib/freeradius
        pidfile = ${{run_dir}}/${{name}}.pid
        max_request_time = 30
        cleanup_delay = 5
        max_requests = 1024
        hostname_lookups = no

        log {{
        \tdestination = stdout
        \tcolourise = no
        \tauth = yes
        \tauth_badpass = no
        \tauth_goodpass = no
        }}

        security {{
        \tallow_core_dumps = no
        \tmax_attributes = 200
        \treject_delay = 0
        \tstatus_server = yes
        }}

        proxy_requests = no
        $INCLUDE clients.conf

        thread pool {{
        \tstart_servers = 2
        \tmax_servers = 4
        \tmin_spare_servers = 1
        \tmax_spare_servers = 2
        \tmax_requests_per_server = 0
        \tauto_limit_acct = no
        }}

        modules {{
        \t$INCLUDE mods-enabled/
        }}

        instantiate {{
        }}

        policy {{
        \t$INCLUDE policy.d/
        }}

        $INCLUDE sites-enabled/
        """
    )


def _clients_conf(host: str, secret: str) -> str:
    return textwrap.dedent(
        f"""\
        client tests {{
        \tipaddr = {host}
        \tsecret = '{secret}'
        \tshortname = tests
        \tnas_type = other
        }}
        """
    )


def _default_site(host: str, auth_port: int, acct_port: int, sign_replies: bool = True) -> str:
    # A PPPoE concentrator's site: the user and its reply come from SQL,
    # the password is checked with PAP or CHAP, sessions go to radacct.
    # FreeRADIUS before 3.2.5 (Debian 12 ships 3.2.1) does not sign its
    # replies; a Message-Authenticator in the reply list makes it compute
    # one, as the BlastRADIUS advisory tells old servers to do. Without
    # sign_replies its Access-Accept/Reject go out as 3.2.1 sends them by default.
    # FreeRADIUS refuses an empty update section: leave the whole section out.
    sign = "update reply {\n\t\tMessage-Authenticator := 0x00\n\t}" if sign_replies else "ok"
    site = textwrap.dedent(
        f"""\
        server default {{
        listen {{
        \ttype = auth
        \tipaddr = {host}
        \tport = {auth_port}
        }}
        listen {{
        \ttype = acct
        \tipaddr = {host}
        \tport = {acct_port}
        }}

        authorize {{
        \tchap
        \tsql
        \tpap
        \tAutz-Type Status-Server {{
        \t\tupdate reply {{
        \t\t\tMessage-Authenticator := 0x00
        \t\t}}
        \t\tok
        \t}}
        }}

        authenticate {{
        \tAuth-Type PAP {{
        \t\tpap
        \t}}
        \tAuth-Type CHAP {{
        \t\tchap
        \t}}
        }}

        preacct {{
        \tacct_unique
        }}

        accounting {{
        \tsql
        }}

        post-auth {{
        \tsql
        \t@SIGN@
        \tPost-Auth-Type REJECT {{
        \t\tsql
        \t\tattr_filter.access_reject
        \t\t@SIGN@
        \t}}
        }}
        }}
        """
    )
    return site.replace("@SIGN@", sign)


def build_config_dir(
    config_dir: Path,
    database_url: str | URL,
    *,
    host: str,
    auth_port: int,
    acct_port: int,
    secret: str,
    sign_replies: bool = True,
) -> None:
    """Write a private FreeRADIUS configuration into ``config_dir``.

    Args:
        config_dir: an empty or missing directory.
        database_url: the database the ``sql`` module reads.
        host: address FreeRADIUS listens on and accepts as its one client.
        auth_port: authentication port.
        acct_port: accounting port.
        secret: shared secret of the client ``host``.
        sign_replies: add a Message-Authenticator to every Access-Accept and
            Access-Reject (FreeRADIUS 3.2.1 does not by itself).
    """
    shutil.copytree(SYSTEM_CONFIG_DIR, config_dir, symlinks=True, dirs_exist_ok=True)
    for folder in ("mods-enabled", "sites-enabled"):
        shutil.rmtree(config_dir / folder)
        (config_dir / folder).mkdir()
    for folder in ("log", "run"):
        (config_dir / folder).mkdir(exist_ok=True)
    for module in ENABLED_MODULES:
        (config_dir / "mods-enabled" / module).symlink_to(f"../mods-available/{module}")
    (config_dir / "mods-enabled" / "sql").write_text(render_sql_module(database_url))
    (config_dir / "sites-enabled" / "default").write_text(
        _default_site(host, auth_port, acct_port, sign_replies)
    )
    (config_dir / "clients.conf").write_text(_clients_conf(host, secret))
    (config_dir / "radiusd.conf").write_text(_radiusd_conf(config_dir))


def check_config(config_dir: Path, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ``freeradius -XC``: parse the configuration and instantiate its modules.

    With ``read_clients = yes`` the sql module connects to the database and
    reads the ``nas`` table, so a wrong login, password or database fails.

    Returns:
        The finished process; ``returncode`` is 0 when the configuration works,
        ``stdout`` holds the debug output.
    """
    return subprocess.run(
        [str(freeradius_binary()), "-XC", "-d", str(config_dir)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class FreeRadiusServer:
    """A running FreeRADIUS and what a test needs to talk to it."""

    host: str
    auth_port: int
    acct_port: int
    secret: str
    config_dir: Path
    log_path: Path
    process: subprocess.Popen[bytes] = field(repr=False)

    def log(self) -> str:
        """Return what FreeRADIUS printed so far (its -X debug output)."""
        return self.log_path.read_text(errors="replace")

    def is_answering(self, timeout: float = 0.5) -> bool:
        """Send a Status-Server to the auth port; True if a valid reply came back."""
        client = Client(
            server=self.host,
            authport=self.auth_port,
            secret=self.secret.encode(),
            dict=load_dictionary(),
            retries=1,
            timeout=timeout,
            enforce_ma=True,
        )
        request = client.CreateAuthPacket(code=packet.StatusServer)
        try:
            reply = client.SendPacket(request)
        except Timeout:
            return False
        finally:
            client._CloseSocket()
        return reply.code == packet.AccessAccept

    def stop(self, timeout: float = 10.0) -> None:
        """Stop FreeRADIUS (SIGTERM, then SIGKILL) and wait for it to exit."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def start_freeradius(
    database_url: str,
    *,
    secret: str = "testing123",
    host: str = "127.0.0.1",
    work_dir: Path | None = None,
    startup_timeout: float = 20.0,
    sign_replies: bool = True,
) -> FreeRadiusServer:
    """Start a real FreeRADIUS that reads users from ``database_url``.

    The FreeRADIUS tables are created in the database first if ``radcheck``
    is missing. Stop the server with :meth:`FreeRadiusServer.stop`, or use
    :func:`running_freeradius`.

    Args:
        database_url: PostgreSQL URL (SQLAlchemy form) the ``sql`` module reads.
        secret: shared secret of the client ``host``.
        host: loopback address to listen on; also the only client.
        work_dir: where the configuration and log go (a new temporary
            directory if None; it is not removed, so a failed run can be read).
        startup_timeout: seconds to wait for the first Status-Server answer.
        sign_replies: sign Access-Accept/Reject with a Message-Authenticator
            (False: as Debian's FreeRADIUS 3.2.1 answers out of the box).

    Returns:
        The running server, answering on its auth and acct ports.

    Raises:
        RuntimeError: FreeRADIUS is not installed, exited, or did not answer
            in time; the message ends with its log.
    """
    reason = freeradius_unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    ensure_radius_schema(database_url)

    config_dir = Path(work_dir or tempfile.mkdtemp(prefix="freeradius-")) / "raddb"
    auth_port = free_udp_port(host)
    acct_port = free_udp_port(host)
    while acct_port == auth_port:
        acct_port = free_udp_port(host)
    build_config_dir(
        config_dir,
        database_url,
        host=host,
        auth_port=auth_port,
        acct_port=acct_port,
        secret=secret,
        sign_replies=sign_replies,
    )
    log_path = config_dir / "log" / "radiusd.out"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [str(freeradius_binary()), "-X", "-d", str(config_dir)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = FreeRadiusServer(
        host=host,
        auth_port=auth_port,
        acct_port=acct_port,
        secret=secret,
        config_dir=config_dir,
        log_path=log_path,
        process=process,
    )
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"FreeRADIUS exited with status {process.returncode}:\n{_tail(server.log())}"
            )
        if server.is_answering():
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(
        f"FreeRADIUS did not answer within {startup_timeout}s:\n{_tail(server.log())}"
    )


@contextlib.contextmanager
def running_freeradius(database_url: str, **options: object) -> Iterator[FreeRadiusServer]:
    """Run :func:`start_freeradius` for the duration of a ``with`` block."""
    server = start_freeradius(database_url, **options)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])
