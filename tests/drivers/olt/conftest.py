"""Fixtures for OLT driver tests: transcript replay and simulated OLTs over real SSH."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.drivers.olt import OltDriver, ProvisionRequest, get_driver
from app.oltsim import SimulatorHandle, start_simulator

TRANSCRIPTS = Path(__file__).parent / "transcripts"

# Low timeouts: a test that waits is a test that hides a hang.
FAST = {"conn_timeout": 5.0, "command_timeout": 3.0}

HUAWEI_SEED = {
    "autofind": [
        {"frame": 0, "slot": 1, "port": 0, "serial": "HWTC0A1B2C3D", "model": "EG8145V5"},
        {"frame": 0, "slot": 1, "port": 1, "serial": "485754431122AABB", "model": "HG8245H"},
    ],
    "onus": [
        {"frame": 0, "slot": 1, "port": 0, "onu_id": 1, "serial": "HWTC99999999",
         "description": "cliente-antigo", "line_profile": 10, "service_profile": 10},
    ],
    "service_ports": [
        {"index": 101, "vlan": 100, "user_vlan": 100, "gemport": 1,
         "frame": 0, "slot": 1, "port": 0, "onu_id": 1},
    ],
    "line_profiles": [10],
    "service_profiles": [10],
}

ZTE_SEED = {
    "autofind": [
        {"frame": 1, "slot": 1, "port": 1, "serial": "ZTEGC0123456", "model": "F660"},
        {"frame": 1, "slot": 2, "port": 3, "serial": "ZTEGC0654321", "model": "F670L"},
    ],
    "onus": [
        {"frame": 1, "slot": 1, "port": 1, "onu_id": 1, "serial": "ZTEG99999999",
         "description": "cliente-antigo", "model": "ZTE-F660",
         "tconts": {"1": "1G"}, "gemports": {"1": 1}},
    ],
    "onu_types": ["ZTE-F660", "ZTE-F670L"],
    "tcont_profiles": ["1G"],
    "vlan_profiles": ["VLAN100"],
}

SEEDS = {"huawei": HUAWEI_SEED, "zte": ZTE_SEED}

# The unprovisioned ONU each vendor's tests provision, and where.
NEW_ONU = {
    "huawei": {"serial": "HWTC0A1B2C3D", "frame": 0, "slot": 1, "port": 0, "onu_id": 5,
               "line_profile_id": 10, "service_profile_id": 10, "service_port_id": 200},
    "zte": {"serial": "ZTEGC0123456", "frame": 1, "slot": 1, "port": 1, "onu_id": 5,
            "onu_type": "ZTE-F660", "tcont_profile": "1G", "vlan_profile": "VLAN100"},
}


def build_request(vendor: str, **overrides: Any) -> ProvisionRequest:
    """A valid PPPoE provisioning request for the vendor's unprovisioned ONU."""
    fields: dict[str, Any] = {
        **NEW_ONU[vendor],
        "description": "cliente-42",
        "connection_type": "pppoe",
        "vlan": 100,
        "pppoe_username": "joao.silva@provedor",
        "pppoe_password": "S3nh@Forte",
    }
    fields.update(overrides)
    return ProvisionRequest(**fields)


@pytest.fixture
def make_request() -> Callable[..., ProvisionRequest]:
    """``make_request(vendor, **overrides)``: a valid PPPoE request for NEW_ONU[vendor]."""
    return build_request


@pytest.fixture(params=["huawei", "zte"])
def vendor(request: pytest.FixtureRequest) -> str:
    """Run the test once per vendor."""
    return str(request.param)


@pytest.fixture
def position(vendor: str) -> tuple[int, int, int, int]:
    """``(frame, slot, port, onu_id)`` where the tests provision NEW_ONU[vendor]."""
    onu = NEW_ONU[vendor]
    return onu["frame"], onu["slot"], onu["port"], onu["onu_id"]


@pytest.fixture
def sim(vendor: str) -> Iterator[SimulatorHandle]:
    """A fresh simulated OLT of the vendor, seeded with SEEDS[vendor]."""
    handle = start_simulator(vendor, seed=copy.deepcopy(SEEDS[vendor]))
    try:
        yield handle
    finally:
        handle.stop()


@pytest.fixture
def connect(vendor: str, sim: SimulatorHandle) -> Callable[..., OltDriver]:
    """Build (not open) a driver for the simulator; keyword args override options."""

    def build(**opts: Any) -> OltDriver:
        options = {**FAST, **opts}
        password = options.pop("password", sim.password)
        return get_driver(vendor, sim.host, sim.port, sim.username, password, **options)

    return build


# --------------------------------------------------------------------------- replay


class ReplayConnection:
    """Stands in for a netmiko connection and replays a recorded transcript.

    A transcript file holds ``>>> command`` lines, each followed by the device's
    answer. Every command the driver sends must be the next one recorded, so a
    test that consumes a whole transcript proves the exact lines sent.
    """

    def __init__(self, path: Path, base_prompt: str) -> None:
        self.path = path
        self.base_prompt = base_prompt
        self.expected = parse_transcript(path.read_text(encoding="utf-8"))
        self.sent: list[str] = []
        self.disconnected = False
        self.params: dict[str, Any] = {}

    def enable(self) -> str:
        """Privileged mode is part of the login; nothing to replay."""
        return ""

    def send_command(self, command_string: str, **kwargs: Any) -> str:
        """Return the recorded answer if ``command_string`` is the next recorded command."""
        position = len(self.sent)
        assert position < len(self.expected), (
            f"{self.path.name}: unexpected extra command {command_string!r}")
        expected, answer = self.expected[position]
        assert command_string == expected, (
            f"{self.path.name} #{position + 1}: sent {command_string!r}, recorded {expected!r}")
        self.sent.append(command_string)
        return answer

    def disconnect(self) -> None:
        """Record the logout."""
        self.disconnected = True

    @property
    def remaining(self) -> list[str]:
        """Recorded commands the driver has not sent."""
        return [command for command, _ in self.expected[len(self.sent):]]


def parse_transcript(text: str) -> list[tuple[str, str]]:
    """``>>> command`` + answer blocks -> ``[(command, answer)]``.

    Text before the first command is a comment.
    """
    exchanges: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        if line.startswith(">>> "):
            exchanges.append((line[4:], []))
        elif exchanges:
            exchanges[-1][1].append(line)
    return [(command, "\n".join(answer).strip("\n")) for command, answer in exchanges]


@pytest.fixture
def replay() -> Iterator[Callable[..., tuple[OltDriver, ReplayConnection]]]:
    """Open a driver whose connection replays ``transcripts/<name>.txt``."""
    opened: list[OltDriver] = []

    def open_replay(vendor: str, name: str, **opts: Any) -> tuple[OltDriver, ReplayConnection]:
        conn = ReplayConnection(TRANSCRIPTS / f"{name}.txt",
                                "MA5800-X7" if vendor == "huawei" else "ZXAN")

        def factory(**params: Any) -> ReplayConnection:
            conn.params = params
            return conn

        driver = get_driver(vendor, "olt.example", 22, "admin", "login-secret",
                            connection_factory=factory, **opts)
        driver.open()
        opened.append(driver)
        return driver, conn

    yield open_replay
    for driver in opened:
        driver.close()
