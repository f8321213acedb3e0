"""The vendor-neutral OLT driver interface, its result types and its errors.

An ``OltDriver`` talks to one OLT over SSH (netmiko) and knows nothing of the
database. It is used as a context manager::

    with get_driver("huawei", host, 22, user, password) as olt:
        lines = olt.plan_provision(request)      # dry run: the exact CLI lines
        result = olt.apply(lines)                # send them, stop at the first refusal
        assert olt.verify_provision(request)     # read back what the OLT holds

Every ``plan_*`` method returns the exact lines that the matching action would
send, so a view can show them before anything changes. Values are checked by
:mod:`app.drivers.olt.validation` when a request is built, before any
connection exists.

Errors: ``OltConnectionError`` is transient (connect, timeout, dropped session)
and jobs retry it; ``DeviceCommandError`` means the OLT refused a command and
carries its message; ``UnsafeValueError`` means a value failed validation.
"""

from __future__ import annotations

import enum
import logging
import re
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, ClassVar

import paramiko
from netmiko import ConnectHandler
from netmiko.channel import SSHChannel
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadException,
)

logger = logging.getLogger(__name__)

REDACTED = "******"


# --------------------------------------------------------------------------- errors


class OltError(Exception):
    """Base class of every error raised by an OLT driver."""


class OltConnectionError(OltError):
    """Transient failure: connect refused or timed out, session dropped, answer late.

    Jobs retry these. The command that was being sent may or may not have run,
    which is why a rerun starts with :meth:`OltDriver.find_onu`.
    """


class OltAuthenticationError(OltError):
    """The OLT refused the login. Not transient: retrying will not fix credentials."""


class UnsafeValueError(OltError, ValueError):
    """A value failed the allowlist checks and was not sent to any device.

    The message is in Portuguese and is safe to show to the user.
    """


class OnuConflictError(OltError):
    """The serial is already provisioned on this OLT at another position."""


class DeviceCommandError(OltError):
    """The OLT answered a command with an error.

    Attributes:
        command: the refused line (secrets masked).
        device_message: the device's own error text (secrets masked).
        result: what was sent and answered before and including the refusal.
    """

    def __init__(self, command: str, device_message: str, result: ApplyResult | None = None):
        self.command = command
        self.device_message = device_message
        self.result = result
        super().__init__(f"A OLT recusou o comando '{command}': {device_message}")


# --------------------------------------------------------------------------- data


class ConnectionType(enum.StrEnum):
    """How the ONU's WAN reaches the network."""

    PPPOE = "pppoe"
    BRIDGE = "bridge"
    DHCP = "dhcp"
    STATIC = "static"


@dataclass(frozen=True)
class DiscoveredOnu:
    """An ONU seen by the OLT but not provisioned (Huawei autofind, ZTE uncfg)."""

    serial: str
    frame: int
    slot: int
    port: int
    model: str | None = None


@dataclass(frozen=True)
class OnuLocation:
    """Where a provisioned ONU sits: frame/slot/PON port and ONU id on that port."""

    frame: int
    slot: int
    port: int
    onu_id: int


@dataclass(frozen=True)
class ProvisionedOnu:
    """An ONU the OLT already knows, as found by serial."""

    serial: str
    location: OnuLocation
    description: str | None = None


@dataclass(frozen=True)
class OnuStatus:
    """What the OLT CLI says about one ONU.

    ``run_state`` is the device's own word (Huawei ``online``/``offline``, ZTE
    ``working``/``LOS``/``DyingGasp`` ...); ``online`` is its reading as a bool.
    ``details`` keeps every ``key: value`` field the CLI printed.
    """

    location: OnuLocation
    serial: str | None
    run_state: str
    online: bool
    last_down_cause: str | None = None
    description: str | None = None
    distance_m: int | None = None
    details: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CommandExchange:
    """One line sent and the device's answer to it (secrets masked)."""

    command: str
    output: str


@dataclass
class ApplyResult:
    """What ``apply`` sent and what the device answered, line by line (secrets masked)."""

    exchanges: list[CommandExchange] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def lines_sent(self) -> list[str]:
        """The lines sent, in order."""
        return [exchange.command for exchange in self.exchanges]

    @property
    def output(self) -> str:
        """The whole conversation as text, for a job log."""
        return "\n".join(f"> {e.command}\n{e.output}".rstrip() for e in self.exchanges)


@dataclass(frozen=True)
class VerifyResult:
    """The read-back of a provisioning; truthy when everything is in place.

    ``problems`` lists, in Portuguese, what is missing or different.
    """

    onu_present: bool
    serial_matches: bool
    service_port_present: bool
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the ONU and its service-port are there with the right serial."""
        return self.onu_present and self.serial_matches and self.service_port_present

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class ProvisionRequest:
    """Everything needed to provision one ONU; validated when built.

    Common fields apply to both vendors. ``line_profile_id``/``service_profile_id``
    and a global ``service_port_id`` are Huawei's; ``onu_type``, ``tcont_profile``,
    ``vlan_profile`` and ``ip_profile`` are ZTE's (there the service-port index is
    local to the ONU and defaults to 1). Each driver checks the fields it needs.

    Raises:
        UnsafeValueError: a value failed validation (no connection is involved).
    """

    serial: str
    frame: int
    slot: int
    port: int
    onu_id: int
    description: str
    connection_type: ConnectionType | str
    vlan: int
    pppoe_username: str | None = None
    pppoe_password: str | None = field(default=None, repr=False)
    static_ip: str | None = None
    static_mask: str | None = None
    static_gateway: str | None = None
    line_profile_id: int | None = None
    service_profile_id: int | None = None
    onu_type: str | None = None
    tcont_profile: str | None = None
    vlan_profile: str | None = None
    ip_profile: str | None = None
    gemport: int = 1
    service_port_id: int | None = None

    def __post_init__(self) -> None:
        # Imported here: validation needs this module's exception classes.
        from app.drivers.olt import validation as v

        def put(name: str, value: object) -> None:
            object.__setattr__(self, name, value)

        put("serial", v.normalize_serial(self.serial))
        v.check_int("Frame", self.frame, 0, 255)
        v.check_int("Slot", self.slot, 0, 255)
        v.check_int("Porta PON", self.port, 0, 255)
        v.check_int("ID da ONU", self.onu_id, 0, 255)
        v.check_description(self.description)
        try:
            put("connection_type", ConnectionType(self.connection_type))
        except ValueError:
            raise UnsafeValueError("Tipo de conexão inválido") from None
        v.check_vlan(self.vlan)
        v.check_int("GEM port", self.gemport, 0, 4095)
        if self.service_port_id is not None:
            v.check_int("ID do service-port", self.service_port_id, 0, 65535)
        for name, label in (("line_profile_id", "Perfil de linha"),
                            ("service_profile_id", "Perfil de serviço")):
            value = getattr(self, name)
            if value is not None:
                v.check_int(label, value, 0, 65535)
        for name, label in (("onu_type", "Tipo de ONU"), ("tcont_profile", "Perfil de T-CONT"),
                            ("vlan_profile", "Perfil de VLAN"), ("ip_profile", "Perfil de IP")):
            value = getattr(self, name)
            if value is not None:
                v.check_token(label, value)
        if self.connection_type is ConnectionType.PPPOE:
            v.check_login(self.pppoe_username)
            v.check_pppoe_password(self.pppoe_password)
        elif self.pppoe_username is not None or self.pppoe_password is not None:
            raise UnsafeValueError("Login PPPoE só vale para conexões PPPoE")
        if self.connection_type is ConnectionType.STATIC:
            ip, mask, gateway = v.check_static_ip(
                self.static_ip, self.static_mask, self.static_gateway
            )
            put("static_ip", ip)
            put("static_mask", mask)
            put("static_gateway", gateway)

    @property
    def location(self) -> OnuLocation:
        """Where the ONU is to be provisioned."""
        return OnuLocation(self.frame, self.slot, self.port, self.onu_id)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to mask in logs and results."""
        return (self.pppoe_password,) if self.pppoe_password else ()


@dataclass(frozen=True)
class WifiSettings:
    """SSIDs and WPA2 keys of the 2.4 GHz and 5 GHz radios; validated when built.

    The ISP decides which band is used: either band or both, each with its SSID and key
    together. A band left out is not touched on the ONU.

    Raises:
        UnsafeValueError: an SSID or key failed validation, a band has only one of the
            two, or no band is given.
    """

    ssid_24: str | None
    key_24: str | None = field(default=None, repr=False)
    ssid_5: str | None = None
    key_5: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Imported here: validation needs this module's exception classes.
        from app.drivers.olt import validation as v

        for band, ssid, key in (("2.4 GHz", self.ssid_24, self.key_24),
                                ("5 GHz", self.ssid_5, self.key_5)):
            if (ssid is None) != (key is None):
                raise UnsafeValueError(f"Informe SSID e senha do {band} juntos")
            if ssid is not None:
                v.check_ssid(ssid)
                v.check_wpa2_key(key)
        if self.ssid_24 is None and self.ssid_5 is None:
            raise UnsafeValueError("Informe o SSID e a senha de pelo menos uma banda")

    @property
    def radios(self) -> list[tuple[str, str, str]]:
        """``(band, ssid, key)`` of each band to set: ``"2.4"`` and/or ``"5"``."""
        return [(band, ssid, key) for band, ssid, key in (("2.4", self.ssid_24, self.key_24),
                                                          ("5", self.ssid_5, self.key_5))
                if ssid is not None and key is not None]

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values to mask in logs and results."""
        return tuple(key for key in (self.key_24, self.key_5) if key)


def check_location(frame: int, slot: int, port: int, onu_id: int | None = None) -> None:
    """Check a frame/slot/port (and ONU id) before it goes into a CLI line.

    Raises:
        UnsafeValueError: a part is not an integer in range.
    """
    from app.drivers.olt import validation as v

    v.check_int("Frame", frame, 0, 255)
    v.check_int("Slot", slot, 0, 255)
    v.check_int("Porta PON", port, 0, 255)
    if onu_id is not None:
        v.check_int("ID da ONU", onu_id, 0, 255)


def redact(text: str, secrets: Iterable[str]) -> str:
    """Return ``text`` with every secret replaced by ``******``."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


# --------------------------------------------------------------------------- transport


class _EofAwareChannel(SSHChannel):
    """netmiko's SSH channel, but a closed session raises soon instead of timing out.

    paramiko's ``recv_ready()`` stays False forever on a channel the device
    closed, so netmiko would wait the whole read timeout before noticing. A job
    that hits a dropped session should fail fast and be retried.
    """

    # netmiko may still hold data it read earlier in its own buffer and hand it
    # out after an empty channel read, so an empty read on a closed channel is
    # only an error once it has lasted this long (netmiko polls every 25 ms).
    CLOSED_GRACE_S = 0.25

    def __init__(self, conn: paramiko.Channel, encoding: str) -> None:
        super().__init__(conn, encoding)
        self._empty_since: float | None = None

    def read_channel(self) -> str:
        """Read what is available; raise ``ReadException`` once the peer closed the channel."""
        output = super().read_channel()
        channel = self.remote_conn
        if output or channel is None or not (channel.closed or channel.eof_received):
            self._empty_since = None
            return output
        now = time.monotonic()
        if self._empty_since is None:
            self._empty_since = now
        elif now - self._empty_since >= self.CLOSED_GRACE_S:
            raise ReadException("Channel closed by the device.")
        return output


def _abort(conn: Any) -> None:
    """Drop a broken session without the vendor's logout dialogue.

    netmiko's Huawei logout waits up to 30 s for the device to confirm; a
    device that just timed out will not. Closing the SSH transport first makes
    that wait end at once, and ``disconnect()`` still releases netmiko's log
    filter and session log.
    """
    for name in ("remote_conn", "remote_conn_pre"):
        closable = getattr(conn, name, None)
        try:
            if closable is not None:
                closable.close()
        except Exception:  # already broken: closing is best effort
            logger.debug("closing %s failed", name, exc_info=True)
    try:
        conn.disconnect()
    except Exception:  # same: never hide the error that brought us here
        logger.debug("disconnect after failure failed", exc_info=True)


# Failures that mean "the session is gone or too slow": retryable.
_TRANSIENT = (
    NetmikoTimeoutException,
    ReadException,
    paramiko.SSHException,
    socket.timeout,
    EOFError,
    OSError,
)


class OltDriver(ABC):
    """One OLT reached over SSH; subclasses hold all vendor CLI text.

    Args:
        host, port, username, password: SSH access to the OLT.
        conn_timeout: seconds to wait for TCP connect, SSH banner and login.
        command_timeout: seconds to wait for the answer to one command.
        save_config: end every change plan with the vendor's save command.
        session_log: file path for netmiko's session log. Credentials, PPPoE
            passwords and Wi-Fi keys are masked in it.
        connection_factory: replaces ``netmiko.ConnectHandler`` (tests replay
            recorded transcripts through it).
    """

    vendor: ClassVar[str]
    netmiko_device_type: ClassVar[str]
    #: False where service-port indexes are local to each ONU (ZTE).
    service_port_ids_are_global: ClassVar[bool] = True

    def __init__(
        self,
        host: str,
        port: int = 22,
        username: str = "",
        password: str = "",
        *,
        conn_timeout: float = 10.0,
        command_timeout: float = 30.0,
        save_config: bool = True,
        session_log: str | None = None,
        connection_factory: Callable[..., Any] | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.username = username
        self._password = password
        self.conn_timeout = conn_timeout
        self.command_timeout = command_timeout
        self.save_config = save_config
        self.session_log = session_log
        self._connection_factory = connection_factory or ConnectHandler
        self._conn: Any = None
        self._secrets: set[str] = {password} if password else set()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.username}@{self.host}:{self.port}>"

    # ----------------------------------------------------------------- session

    def open(self) -> None:
        """Connect and log in, ending in privileged mode.

        Raises:
            OltConnectionError: unreachable, timed out or dropped during login.
            OltAuthenticationError: credentials refused.
        """
        if self._conn is not None:
            return
        params: dict[str, Any] = {
            "device_type": self.netmiko_device_type,
            "host": self.host,
            "port": self.port,
            "username": self.username,
            "password": self._password,
            "conn_timeout": self.conn_timeout,
            "auth_timeout": self.conn_timeout,
            "banner_timeout": self.conn_timeout,
            "timeout": self.command_timeout,
            # Never offer local keys or an ssh-agent to an OLT: password only.
            "use_keys": False,
            "allow_agent": False,
        }
        if self.session_log:
            params["session_log"] = self.session_log
        try:
            conn = self._connection_factory(**params)
        except NetmikoAuthenticationException:
            raise OltAuthenticationError(
                f"A OLT {self.host}:{self.port} recusou o usuário ou a senha"
            ) from None
        except _TRANSIENT as exc:
            raise OltConnectionError(
                f"Falha ao conectar à OLT {self.host}:{self.port}: {type(exc).__name__}"
            ) from exc
        remote = getattr(conn, "remote_conn", None)
        if isinstance(remote, paramiko.Channel):
            conn.channel = _EofAwareChannel(remote, conn.encoding)
        self._conn = conn
        try:
            self._enter_privileged()
        except _TRANSIENT as exc:
            self._conn = None
            _abort(conn)
            raise OltConnectionError(
                f"A OLT {self.host}:{self.port} encerrou a sessão no login"
            ) from exc

    def close(self) -> None:
        """Log out and close the session; never raises."""
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            conn.disconnect()
        except Exception:  # a failed logout must not hide the real outcome
            logger.debug("disconnect from %s failed", self.host, exc_info=True)

    @property
    def is_open(self) -> bool:
        """True while the session is open and the OLT has not closed its end.

        Sends and reads nothing: it looks at the SSH channel and transport only, so a
        kept session can be checked before it is lent to the next job. A peer that
        vanished without closing (cable cut) still looks open; its first command then
        fails as a dropped session does.
        """
        conn = self._conn
        if conn is None:
            return False
        channel = getattr(conn, "remote_conn", None)
        if not isinstance(channel, paramiko.Channel):
            return True  # a replayed transcript has no transport to lose
        transport = channel.get_transport()
        return (not (channel.closed or channel.eof_received)
                and transport is not None and transport.is_active())

    def __enter__(self) -> OltDriver:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _enter_privileged(self) -> None:
        """Move from the login prompt to privileged mode (vendor hook)."""
        self._conn.enable()

    @property
    @abstractmethod
    def _prompt_pattern(self) -> str:
        """Regex matching the end of any answer: a prompt or a confirmation question."""

    @abstractmethod
    def _device_error(self, output: str) -> str | None:
        """Return the device's error text if ``output`` is an error answer."""

    @abstractmethod
    def _leave_config_lines(self) -> list[str]:
        """Lines that bring a session from any config mode back to privileged mode."""

    def _no_log_maps(self) -> list[dict]:
        """netmiko's maps of values to mask (log filter, session log) of this session."""
        maps = []
        for holder in (getattr(self._conn, "_secrets_filter", None),
                       getattr(self._conn, "session_log", None)):
            no_log = getattr(holder, "no_log", None)
            if isinstance(no_log, dict):
                maps.append(no_log)
        return maps

    def _register_secrets(self, secrets: Iterable[str]) -> None:
        """Mask these values in netmiko's log filter and session log from now on."""
        for secret in secrets:
            if not secret or secret in self._secrets:
                continue
            self._secrets.add(secret)
            key = f"panel-secret-{len(self._secrets)}"
            for no_log in self._no_log_maps():
                no_log[key] = secret

    def forget_secrets(self) -> None:
        """Drop the PPPoE passwords and Wi-Fi keys earlier work registered for masking.

        A session kept for the next job (:mod:`app.drivers.olt.sessions`) must not carry
        every customer's secrets it ever masked, in memory for hours; the login
        password stays masked.
        """
        self._secrets = {self._password} if self._password else set()
        for no_log in self._no_log_maps():
            for key in [k for k in no_log if str(k).startswith("panel-secret-")]:
                del no_log[key]

    def _send(self, command: str) -> str:
        """Send one line and return the answer without echo and prompt.

        Raises:
            OltError: no open session.
            OltConnectionError: the session dropped or the answer did not come.
        """
        if self._conn is None:
            raise OltError("Sessão com a OLT não está aberta (use 'with driver:')")
        try:
            return str(
                self._conn.send_command(
                    command,
                    expect_string=self._prompt_pattern,
                    read_timeout=self.command_timeout,
                    strip_prompt=True,
                    strip_command=True,
                )
            )
        except _TRANSIENT as exc:
            # The session is unusable after a drop or a late answer: forget it
            # so the caller opens a fresh one.
            conn, self._conn = self._conn, None
            _abort(conn)
            raise OltConnectionError(
                f"Sessão com a OLT {self.host}:{self.port} caiu ou não respondeu "
                f"ao comando '{redact(command, self._secrets)}'"
            ) from exc

    def _show(self, command: str, benign: Sequence[str] = ()) -> str:
        """Run a read-only command; an error answer matching ``benign`` means "nothing".

        Raises:
            DeviceCommandError: any other error answer (e.g. unknown command).
            OltConnectionError: see ``_send``.
        """
        output = self._send(command)
        error = self._device_error(output)
        if error is None:
            return output
        if any(re.search(pattern, output, re.IGNORECASE) for pattern in benign):
            return ""
        raise DeviceCommandError(command, error)

    # ----------------------------------------------------------------- changes

    def apply(self, lines: Sequence[str], secrets: Iterable[str] = ()) -> ApplyResult:
        """Send ``lines`` in order, stopping at the first line the device refuses.

        Lines start and end in privileged mode (plans include their own mode
        changes). ``secrets`` are masked in the result, in errors and in
        netmiko's logs; the ``plan_*`` helpers pass them for you through
        :meth:`provision`, :meth:`set_wifi` and friends.

        Raises:
            UnsafeValueError: a line has control characters or newlines; nothing was sent.
            DeviceCommandError: the device refused a line; ``.result`` holds the
                conversation up to it. The session is brought back to privileged mode.
            OltConnectionError: the session dropped; some lines may have run.
        """
        from app.drivers.olt.validation import check_cli_line

        checked = [check_cli_line(line) for line in lines]
        self._register_secrets(secrets)
        result = ApplyResult()
        started = time.monotonic()
        for line in checked:
            output = self._send(line)
            shown = redact(line, self._secrets)
            result.exchanges.append(CommandExchange(shown, redact(output, self._secrets)))
            error = self._device_error(output)
            if error is not None:
                result.duration_s = time.monotonic() - started
                self._recover_after_error()
                raise DeviceCommandError(shown, redact(error, self._secrets), result)
        result.duration_s = time.monotonic() - started
        return result

    def _recover_after_error(self) -> None:
        """Leave config mode after a refusal so the session stays usable."""
        for line in self._leave_config_lines():
            try:
                self._send(line)
            except OltConnectionError:
                return

    def provision(self, request: ProvisionRequest) -> ApplyResult:
        """Provision an ONU: ``apply(plan_provision(request))`` with its secrets masked.

        Raises:
            DeviceCommandError, OltConnectionError, UnsafeValueError: see ``apply``.
        """
        return self.apply(self.plan_provision(request), secrets=request.secrets)

    def ensure_provisioned(self, request: ProvisionRequest) -> ApplyResult | None:
        """Provision an ONU so that running it twice is harmless.

        Looks the serial up first. Absent: full provisioning. Present at the
        requested position: only the service part is re-sent when the read-back
        shows it missing (a run that crashed half-way), else nothing is sent and
        ``None`` is returned. Present elsewhere: refuses.

        Raises:
            OnuConflictError: the serial is provisioned at another position.
            DeviceCommandError, OltConnectionError: see ``apply``.
        """
        existing = self.find_onu(request.serial)
        if existing is None:
            return self.provision(request)
        if existing.location != request.location:
            loc = existing.location
            raise OnuConflictError(
                f"ONU {request.serial} já está provisionada em "
                f"{loc.frame}/{loc.slot}/{loc.port} ID {loc.onu_id}"
            )
        if self.verify_provision(request).ok:
            return None
        return self.apply(self.plan_provision(request, include_onu=False),
                          secrets=request.secrets)

    def ensure_deleted(self, frame: int, slot: int, port: int, onu_id: int,
                       serial: str) -> ApplyResult | None:
        """Delete the ONU with ``serial`` at a position, so that running it twice is harmless.

        Nothing at the position: nothing is sent and ``None`` is returned (an
        earlier run finished). Another serial at the position: refuses, because
        the id was reused for another customer's ONU since the job was queued.

        Raises:
            OnuConflictError: another ONU holds the position.
            UnsafeValueError: not a serial.
            DeviceCommandError, OltConnectionError: see ``apply``.
        """
        from app.drivers.olt.validation import normalize_serial

        wanted = normalize_serial(serial)
        status = self.onu_status(frame, slot, port, onu_id)
        if status is None:
            return None
        if status.serial != wanted:
            raise OnuConflictError(
                f"A posição {frame}/{slot}/{port} ID {onu_id} tem outra ONU ({status.serial}); "
                f"nada foi apagado"
            )
        return self.delete(frame, slot, port, onu_id)

    def set_wifi(self, frame: int, slot: int, port: int, onu_id: int,
                 wifi: WifiSettings) -> ApplyResult:
        """Set SSIDs and WPA2 keys on an ONU; keys are masked in the result.

        Raises:
            DeviceCommandError, OltConnectionError, UnsafeValueError: see ``apply``.
        """
        return self.apply(self.plan_wifi(frame, slot, port, onu_id, wifi), secrets=wifi.secrets)

    def reboot(self, frame: int, slot: int, port: int, onu_id: int) -> ApplyResult:
        """Reboot an ONU.

        Raises:
            DeviceCommandError, OltConnectionError, UnsafeValueError: see ``apply``.
        """
        return self.apply(self.plan_reboot(frame, slot, port, onu_id))

    def delete(self, frame: int, slot: int, port: int, onu_id: int) -> ApplyResult:
        """Delete an ONU and its service-port(s).

        Raises:
            DeviceCommandError, OltConnectionError, UnsafeValueError: see ``apply``.
        """
        return self.apply(self.plan_delete(frame, slot, port, onu_id))

    # ----------------------------------------------------------------- vendor API

    @abstractmethod
    def discover_unprovisioned(self) -> list[DiscoveredOnu]:
        """List ONUs the OLT sees but that are not provisioned.

        Raises:
            DeviceCommandError: the device refused the listing command.
            OltConnectionError: the session dropped.
        """

    @abstractmethod
    def plan_provision(self, request: ProvisionRequest, *, include_onu: bool = True) -> list[str]:
        """Return the exact lines that provision ``request`` (no device access).

        ``include_onu=False`` leaves out the ONU registration, for completing a
        provisioning whose ONU is already on the OLT.

        Raises:
            UnsafeValueError: a field this vendor needs is missing.
        """

    @abstractmethod
    def verify_provision(self, request: ProvisionRequest) -> VerifyResult:
        """Read back the ONU at the request's position and its service-port.

        Raises:
            DeviceCommandError, OltConnectionError: reading failed.
        """

    @abstractmethod
    def find_onu(self, serial: str) -> ProvisionedOnu | None:
        """Find a provisioned ONU by serial anywhere on the OLT; None if absent.

        Raises:
            UnsafeValueError: not a serial.
            DeviceCommandError, OltConnectionError: reading failed.
        """

    @abstractmethod
    def onu_status(self, frame: int, slot: int, port: int, onu_id: int) -> OnuStatus | None:
        """Run state, last down cause and the other fields the CLI shows; None if absent.

        Raises:
            UnsafeValueError, DeviceCommandError, OltConnectionError.
        """

    @abstractmethod
    def plan_wifi(self, frame: int, slot: int, port: int, onu_id: int,
                  wifi: WifiSettings) -> list[str]:
        """Return the exact lines that set the ONU's SSIDs and keys (no device access).

        Raises:
            UnsafeValueError: a location part is out of range.
        """

    @abstractmethod
    def plan_reboot(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Return the exact lines that reboot the ONU (no device access).

        Raises:
            UnsafeValueError: a location part is out of range.
        """

    @abstractmethod
    def plan_delete(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Return the exact lines that delete the ONU and its service-port(s).

        May read the device to learn which service-ports belong to the ONU.

        Raises:
            UnsafeValueError, DeviceCommandError, OltConnectionError.
        """

    @abstractmethod
    def used_onu_ids(self, frame: int, slot: int, port: int) -> set[int]:
        """ONU ids in use on one PON port, for allocation.

        Raises:
            UnsafeValueError, DeviceCommandError, OltConnectionError.
        """

    @abstractmethod
    def used_service_port_ids(self) -> set[int]:
        """Service-port indexes in use on the OLT, for allocation.

        Empty where indexes are local to each ONU (see
        ``service_port_ids_are_global``).

        Raises:
            DeviceCommandError, OltConnectionError.
        """


def parse_key_values(output: str) -> dict[str, str]:
    """Parse ``Key : value`` lines (both vendors print details this way).

    The first occurrence of a key wins: later sections reuse names like
    ``Description`` for other objects.
    """
    fields: dict[str, str] = {}
    for match in re.finditer(r"^[ \t]*([A-Za-z][^:\r\n]*?)[ \t]*:[ \t]*(.*?)[ \t]*$",
                             output, re.MULTILINE):
        fields.setdefault(match.group(1), match.group(2))
    return fields
