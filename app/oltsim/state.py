"""What a simulated OLT remembers, the faults it injects and the log tests read.

The state is vendor-neutral (an ONU has a serial, a position, a WAN and Wi-Fi
settings); each vendor's CLI module renders and parses its own text around it.
Every change happens under ``OltState.lock``, so concurrent sessions see the
same consistent OLT that a real device would show them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

_SERIAL_RE = re.compile(r"^[A-Z0-9]{4}[0-9A-F]{8}$")


def canonical_serial(value: str) -> str | None:
    """Return the 12-character serial for ``HWTC0A1B2C3D``, ``HWTC-0A1B2C3D`` or 16-hex forms.

    The simulator has its own parser on purpose: it plays the device, and must
    not share a bug with the driver it is testing.
    """
    text = value.strip().upper().replace("-", "")
    if re.fullmatch(r"[0-9A-F]{16}", text):
        try:
            text = bytes.fromhex(text[:8]).decode("ascii") + text[8:]
        except UnicodeDecodeError:
            return None
    return text if _SERIAL_RE.match(text) else None


def serial_hex(serial: str) -> str:
    """``HWTC0A1B2C3D`` -> ``485754430A1B2C3D``."""
    return serial[:4].encode("ascii").hex().upper() + serial[4:]


@dataclass
class AutofindEntry:
    """An ONU the OLT sees on a PON port but has not provisioned."""

    frame: int
    slot: int
    port: int
    serial: str
    model: str = "EG8145V5"


@dataclass
class SimServicePort:
    """A service-port: traffic of one ONU's GEM port mapped to a VLAN."""

    index: int
    vlan: int
    user_vlan: int
    gemport: int
    frame: int
    slot: int
    port: int
    onu_id: int


@dataclass
class SimOnu:
    """A provisioned ONU and everything configured on it."""

    frame: int
    slot: int
    port: int
    onu_id: int
    serial: str
    description: str = ""
    model: str = ""
    line_profile: int | None = None
    service_profile: int | None = None
    #: "online" or "offline"; each vendor renders it in its own words
    run_state: str = "online"
    last_down_cause: str | None = None
    distance_m: int = 1234
    native_vlan: int | None = None
    wan: dict[str, Any] = field(default_factory=dict)
    internet_enabled: bool = False
    #: radio ("2.4" or "5") -> {"ssid": ..., "key": ...}
    wifi: dict[str, dict[str, str]] = field(default_factory=dict)
    #: ZTE interface config: tcont id -> profile, gemport id -> tcont id
    tconts: dict[int, str] = field(default_factory=dict)
    gemports: dict[int, int] = field(default_factory=dict)
    services: dict[str, dict[str, int]] = field(default_factory=dict)
    #: ZTE service-ports are local to the ONU (Huawei's live in OltState)
    service_ports: dict[int, SimServicePort] = field(default_factory=dict)
    reboots: int = 0

    @property
    def key(self) -> tuple[int, int, int, int]:
        """``(frame, slot, port, onu_id)``."""
        return (self.frame, self.slot, self.port, self.onu_id)


class OltState:
    """The simulated OLT's data; thread-safe through ``lock``.

    Profile sets left at ``None`` accept any id/name; set them to make the
    simulator refuse unknown profiles the way a real OLT does.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.autofind: list[AutofindEntry] = []
        self.onus: dict[tuple[int, int, int, int], SimOnu] = {}
        self.service_ports: dict[int, SimServicePort] = {}
        self.line_profiles: set[int] | None = None
        self.service_profiles: set[int] | None = None
        self.onu_types: set[str] | None = None
        self.tcont_profiles: set[str] | None = None
        self.vlan_profiles: set[str] | None = None
        self.saves = 0

    # ----------------------------------------------------------------- seeding

    @classmethod
    def from_seed(cls, seed: dict[str, Any] | None) -> OltState:
        """Build a state from a seed dict (the JSON file format)::

            {"autofind": [{"frame": 0, "slot": 1, "port": 0, "serial": "HWTC0A1B2C3D",
                           "model": "EG8145V5"}],
             "onus": [{"frame": 0, "slot": 1, "port": 0, "onu_id": 1,
                       "serial": "HWTC11111111", "description": "cliente-1",
                       "run_state": "offline", "last_down_cause": "dying-gasp"}],
             "service_ports": [{"index": 100, "vlan": 100, "user_vlan": 100, "gemport": 1,
                                "frame": 0, "slot": 1, "port": 0, "onu_id": 1}],
             "line_profiles": [10], "service_profiles": [10], "onu_types": ["ZTE-F660"],
             "tcont_profiles": ["1G"], "vlan_profiles": ["VLAN100"]}

        Raises:
            ValueError: a serial is malformed.
        """
        state = cls()
        seed = seed or {}
        for item in seed.get("autofind", []):
            entry = AutofindEntry(**item)
            entry.serial = _require_serial(entry.serial)
            state.autofind.append(entry)
        for item in seed.get("onus", []):
            onu = SimOnu(**item)
            onu.serial = _require_serial(onu.serial)
            # JSON object keys are strings; ids are ints everywhere else.
            onu.tconts = {int(k): v for k, v in onu.tconts.items()}
            onu.gemports = {int(k): int(v) for k, v in onu.gemports.items()}
            state.onus[onu.key] = onu
        for item in seed.get("service_ports", []):
            service_port = SimServicePort(**item)
            state.service_ports[service_port.index] = service_port
        for name in ("line_profiles", "service_profiles"):
            if name in seed:
                setattr(state, name, {int(x) for x in seed[name]})
        for name in ("onu_types", "tcont_profiles", "vlan_profiles"):
            if name in seed:
                setattr(state, name, {str(x) for x in seed[name]})
        return state

    @classmethod
    def from_json(cls, path: str | Path) -> OltState:
        """Load a seed file written in the ``from_seed`` format."""
        return cls.from_seed(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able snapshot, for debugging and assertions."""
        with self.lock:
            return {
                "autofind": [asdict(e) for e in self.autofind],
                "onus": [asdict(o) for o in self.onus.values()],
                "service_ports": [asdict(s) for s in self.service_ports.values()],
                "saves": self.saves,
            }

    # ----------------------------------------------------------------- queries

    def onu(self, frame: int, slot: int, port: int, onu_id: int) -> SimOnu | None:
        """The ONU at a position, if any."""
        return self.onus.get((frame, slot, port, onu_id))

    def find_serial(self, serial: str) -> SimOnu | None:
        """The provisioned ONU with this serial, if any."""
        return next((o for o in self.onus.values() if o.serial == serial), None)

    def take_autofind(self, serial: str) -> AutofindEntry | None:
        """Remove and return the autofind entry for a serial (it is being provisioned)."""
        for entry in self.autofind:
            if entry.serial == serial:
                self.autofind.remove(entry)
                return entry
        return None

    def remove_onu(self, onu: SimOnu) -> None:
        """Delete an ONU; it is still plugged in, so it shows up again as unprovisioned."""
        del self.onus[onu.key]
        self.autofind.append(AutofindEntry(onu.frame, onu.slot, onu.port, onu.serial,
                                           onu.model or "unknown"))


def demo_seed(vendor: str, count: int) -> dict[str, Any]:
    """A seed with ``count`` unprovisioned ONUs on the vendor's first PON port.

    Serials are made up but well formed (``HWTC00000001`` ..., ``ZTEG00000001`` ...),
    so a demo panel has something to discover.
    """
    frame, slot, port, prefix, model = ((0, 1, 0, "HWTC", "EG8145V5") if vendor == "huawei"
                                        else (1, 1, 1, "ZTEG", "F670L"))
    return {"autofind": [{"frame": frame, "slot": slot, "port": port,
                          "serial": f"{prefix}{n:08X}", "model": model}
                         for n in range(1, count + 1)]}


def _require_serial(value: str) -> str:
    serial = canonical_serial(value)
    if serial is None:
        raise ValueError(f"invalid serial in seed: {value!r}")
    return serial


@dataclass
class Faults:
    """Faults injected into every session of one simulated OLT; change them at any time.

    Patterns are regular expressions searched in the received command line.

    Attributes:
        latency_s: seconds to wait before answering any command.
        latency_by_command: extra seconds for commands matching a pattern.
        drop_after_commands: after answering this many non-empty lines in one
            session (login commands included), close the connection.
        drop_on_command: close the connection when a matching line arrives,
            without running it.
        drop_after_command: run a matching line, then close the connection
            without answering (the client cannot tell whether it ran).
        error_on_command: answer a matching line with this text instead of running it.
    """

    latency_s: float = 0.0
    latency_by_command: dict[str, float] = field(default_factory=dict)
    drop_after_commands: int | None = None
    drop_on_command: str | None = None
    drop_after_command: str | None = None
    error_on_command: dict[str, str] = field(default_factory=dict)

    def delay_for(self, command: str) -> float:
        """Seconds to wait before answering ``command``."""
        extra = sum(s for p, s in self.latency_by_command.items() if re.search(p, command))
        return self.latency_s + extra

    def error_for(self, command: str) -> str | None:
        """The injected error answer for ``command``, if any."""
        return next((text for p, text in self.error_on_command.items()
                     if re.search(p, command)), None)

    def reset(self) -> None:
        """Remove every fault."""
        self.__init__()  # type: ignore[misc]


@dataclass(frozen=True)
class CommandRecord:
    """One command a session received, with ``time.monotonic()`` timestamps."""

    session_id: int
    command: str
    started_at: float
    finished_at: float


@dataclass
class SessionRecord:
    """One SSH session: who, when (``time.monotonic()``), and its commands."""

    session_id: int
    username: str
    peer: str
    opened_at: float
    closed_at: float | None = None
    commands: list[CommandRecord] = field(default_factory=list)


class SessionLog:
    """Per-session command log with timestamps; tests read it to prove ordering.

    ``overlapping_sessions()`` lists pairs of sessions that were open at the
    same time, which is how a test shows that a lock kept two jobs from
    talking to one OLT at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_id = 1
        self.sessions: dict[int, SessionRecord] = {}

    def open_session(self, username: str, peer: str) -> int:
        """Start a session record and return its id."""
        with self._lock:
            session_id = self._next_id
            self._next_id += 1
            self.sessions[session_id] = SessionRecord(session_id, username, peer,
                                                      time.monotonic())
            return session_id

    def record(self, session_id: int, command: str, started_at: float,
               finished_at: float) -> None:
        """Append a command to its session."""
        with self._lock:
            session = self.sessions.get(session_id)
            if session is not None:  # None: cleared while the session was still open
                session.commands.append(
                    CommandRecord(session_id, command, started_at, finished_at))

    def close_session(self, session_id: int) -> None:
        """Mark a session closed now."""
        with self._lock:
            session = self.sessions.get(session_id)
            if session is not None:
                session.closed_at = time.monotonic()

    def commands(self, session_id: int | None = None) -> list[str]:
        """Command lines received, in order, by one session or by all of them."""
        with self._lock:
            records = [c for s in self.sessions.values() for c in s.commands
                       if session_id is None or c.session_id == session_id]
        return [c.command for c in sorted(records, key=lambda c: c.started_at)]

    def overlapping_sessions(self) -> list[tuple[int, int]]:
        """Pairs of session ids whose open intervals overlap (an open session counts as now)."""
        now = time.monotonic()
        with self._lock:
            spans = sorted((s.opened_at, s.closed_at or now, s.session_id)
                           for s in self.sessions.values())
        pairs = []
        for i, (_, end_a, id_a) in enumerate(spans):
            for start_b, _, id_b in spans[i + 1:]:
                if start_b >= end_a:
                    break
                pairs.append((id_a, id_b))
        return pairs

    def clear(self) -> None:
        """Forget every session (ids keep increasing)."""
        with self._lock:
            self.sessions.clear()
