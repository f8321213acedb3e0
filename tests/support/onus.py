"""Fixtures and builders shared by the ONU tests (services, jobs, views, API, browser).

Each test gets two fresh simulated OLTs (Huawei and ZTE, real SSH on 127.0.0.1) seeded
with unprovisioned ONUs and the profiles of their OLT records, so provisioning goes over
the wire exactly as in production. The local ``conftest.py`` files import these.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from app.models import Olt, OltVendor, Onu, OnuProvisioning, SystemVariable
from app.oltsim import SimulatorHandle, start_simulator
from tests.factories import make_customer, make_subscription

HUAWEI_SERIALS = ["HWTC0A1B2C3D", "HWTC0A1B2C3E", "HWTC0A1B2C3F"]
ZTE_SERIALS = ["ZTEGC0123456", "ZTEGC0123457", "ZTEGC0123458"]

SEEDS: dict[str, dict[str, Any]] = {
    "huawei": {
        "autofind": [{"frame": 0, "slot": 1, "port": 0, "serial": s, "model": "EG8145V5"}
                     for s in HUAWEI_SERIALS],
        "line_profiles": [10],
        "service_profiles": [10],
    },
    "zte": {
        "autofind": [{"frame": 1, "slot": 1, "port": 1, "serial": s, "model": "F670L"}
                     for s in ZTE_SERIALS],
        "onu_types": ["ZTE-F660"],
        "tcont_profiles": ["1G"],
        "vlan_profiles": ["VLAN200"],
    },
}
# Where each vendor's seeded ONUs sit.
PON = {"huawei": (0, 1, 0), "zte": (1, 1, 1)}
SERIALS = {"huawei": HUAWEI_SERIALS, "zte": ZTE_SERIALS}

# Short timeouts and instant retries: a test that waits is a test that hides a hang.
ONU_SETTINGS = {
    "OLT_CONN_TIMEOUT": 5.0,
    "OLT_COMMAND_TIMEOUT": 3.0,
    "OLT_STATUS_TIMEOUT": 3.0,
    "ONU_SNMP_TIMEOUT": 0.5,
    "ONU_JOB_RETRY_INTERVALS": [0, 0],
    "ONU_LOCK_WAIT": 30.0,
    "ONU_LOCK_TTL": 60.0,
    "REDIS_URL": None,
}


@dataclass
class Network:
    """The simulated OLTs of a test and their records."""

    sims: dict[str, SimulatorHandle]
    olts: dict[str, Olt]

    def sim(self, vendor: str) -> SimulatorHandle:
        """The simulator of a vendor."""
        return self.sims[vendor]


def olt_record(vendor: str, sim: SimulatorHandle, name: str | None = None) -> Olt:
    """An OLT record that points at ``sim``, with the profiles its seed accepts."""
    profiles: dict[str, Any] = (
        {"line_profile_id": 10, "service_profile_id": 10, "default_vlan": 100}
        if vendor == "huawei" else
        {"onu_type": "ZTE-F660", "tcont_profile": "1G", "vlan_profile": "VLAN200",
         "ip_profile": "IP-GW", "default_vlan": 200}
    )
    return Olt(name=name or f"OLT {vendor} {sim.port}", vendor=OltVendor(vendor),
               host=sim.host, ssh_port=sim.port, username=sim.username, password=sim.password,
               **profiles)


@pytest.fixture
def onu_settings(app) -> Iterator[dict[str, Any]]:
    """Fast timeouts and retries on the shared app; waits for background jobs at the end."""
    from app.jobs.onus import wait_for_background_jobs

    saved = {key: app.config.get(key, "<unset>") for key in ONU_SETTINGS}
    app.config.update(ONU_SETTINGS)
    yield ONU_SETTINGS
    assert wait_for_background_jobs(60), "an ONU job thread is still running"
    for key, value in saved.items():
        if value == "<unset>":
            app.config.pop(key, None)
        else:
            app.config[key] = value


@pytest.fixture
def network(onu_settings, db_session) -> Iterator[Network]:
    """A simulated Huawei and ZTE OLT (fresh state) with their records in the database."""
    sims = {vendor: start_simulator(vendor, seed=copy.deepcopy(seed))
            for vendor, seed in SEEDS.items()}
    try:
        olts = {vendor: olt_record(vendor, sim) for vendor, sim in sims.items()}
        db_session.add_all(olts.values())
        db_session.commit()
        yield Network(sims, olts)
    finally:
        from app.jobs.onus import wait_for_background_jobs

        wait_for_background_jobs(60)
        for sim in sims.values():
            sim.stop()


@pytest.fixture
def make_plan_for(db_session) -> Callable[..., Any]:
    """``make_plan_for(name=...)``: a new active subscription of a new customer."""

    def make(name: str = "Maria José da Silva", **kw: Any):
        customer = make_customer(db_session, name=name)
        subscription = make_subscription(db_session, customer=customer, **kw)
        db_session.commit()
        return subscription

    return make


@pytest.fixture
def manual_jobs(monkeypatch) -> list[int]:
    """Keep ONU jobs from starting on their own; the test runs them (ids listed here)."""
    import app.jobs.onus as jobs

    enqueued: list[int] = []
    monkeypatch.setattr(jobs, "enqueue_onu_job", lambda job: enqueued.append(job.id))
    return enqueued


def link_data(network: Network, vendor: str, serial: str | None = None, **overrides: Any
              ) -> dict[str, Any]:
    """Valid wizard/API data linking the vendor's first seeded ONU over PPPoE."""
    frame, slot, port = PON[vendor]
    data = {
        "olt_id": network.olts[vendor].id,
        "serial": serial or SERIALS[vendor][0],
        "frame": frame,
        "slot": slot,
        "port": port,
        "model": "EG8145V5" if vendor == "huawei" else "F670L",
        "connection_type": "pppoe",
        "vlan": 100 if vendor == "huawei" else 200,
        "pppoe_login": "maria.silva@provedor",
        "pppoe_password": "S3nh@Forte",
    }
    data.update(overrides)
    return data


def set_variable(session, code: str, value: str) -> None:
    """Set a seeded system variable and commit."""
    session.query(SystemVariable).filter_by(code=code).one().value = value
    session.commit()


def onus_on(sim: SimulatorHandle, serial: str) -> int:
    """How many ONU entries with this serial the simulated OLT holds."""
    with sim.state.lock:
        return sum(1 for onu in sim.state.onus.values() if onu.serial == serial)


def service_ports_of(sim: SimulatorHandle, serial: str) -> int:
    """How many service-ports the simulated OLT holds for the ONU with this serial."""
    with sim.state.lock:
        onu = sim.state.find_serial(serial)
        if onu is None:
            return 0
        if sim.vendor == "zte":
            return len(onu.service_ports)
        return sum(1 for sp in sim.state.service_ports.values()
                   if (sp.frame, sp.slot, sp.port, sp.onu_id) == onu.key)


def fresh(session, record):
    """Reload a record written by another session (a job thread, a worker)."""
    session.expire_all()
    return session.get(type(record), record.id)


def job_of(session, onu: Onu) -> OnuProvisioning:
    """The latest job of an ONU, as the database holds it now."""
    session.expire_all()
    return (session.query(OnuProvisioning).filter_by(onu_id=onu.id)
            .order_by(OnuProvisioning.id.desc()).first())
