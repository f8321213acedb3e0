"""Drivers driving netmiko over real SSH against the simulated OLTs, both vendors."""

from __future__ import annotations

import copy
import logging
import time

import pytest

from app.drivers.olt import (
    DeviceCommandError,
    OltAuthenticationError,
    OltConnectionError,
    OltError,
    OnuConflictError,
    OnuLocation,
    UnsafeValueError,
    WifiSettings,
    get_driver,
)
from app.oltsim import start_simulator
from tests.drivers.olt.conftest import FAST, SEEDS

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def test_discovery_lists_the_seeded_unprovisioned_onus(vendor, connect):
    with connect() as olt:
        found = olt.discover_unprovisioned()
    serials = {onu.serial for onu in found}
    assert serials == {"HWTC0A1B2C3D", "HWTC1122AABB"} if vendor == "huawei" else {
        "ZTEGC0123456", "ZTEGC0654321"}


def test_provision_then_verify_find_status_and_allocation(position, vendor, sim, connect,
                                                          make_request):
    request = make_request(vendor)
    with connect() as olt:
        assert olt.find_onu(request.serial) is None
        assert not olt.verify_provision(request).onu_present
        result = olt.provision(request)
        assert result.lines_sent == [
            line.replace(request.pppoe_password, "******")
            for line in olt.plan_provision(request)]
        assert olt.verify_provision(request).ok
        found = olt.find_onu(request.serial)
        assert found is not None and found.location == OnuLocation(*position)
        status = olt.onu_status(*position)
        assert status is not None and status.online and status.serial == request.serial
        assert position[3] in olt.used_onu_ids(*position[:3])
        assert request.serial not in {o.serial for o in olt.discover_unprovisioned()}
        if vendor == "huawei":
            assert olt.used_service_port_ids() == {101, 200}
    # What the device now holds, as its own state shows it.
    onu = sim.state.onu(*position)
    assert onu is not None and onu.description == "cliente-42"
    assert onu.wan["mode"] == "pppoe" and onu.wan["password"] == "S3nh@Forte"
    assert sim.state.saves == 1


def test_bridge_provisioning_sets_the_lan_vlan(position, vendor, sim, connect, make_request):
    request = make_request(vendor, connection_type="bridge", pppoe_username=None,
                           pppoe_password=None, vlan=300)
    with connect(save_config=False) as olt:
        olt.provision(request)
        assert olt.verify_provision(request).ok
    assert sim.state.onu(*position).native_vlan == 300
    assert sim.state.saves == 0


def test_wifi_reaches_the_onu_and_the_keys_stay_out_of_results(position, vendor, sim, connect,
                                                              make_request):
    request = make_request(vendor)
    wifi = WifiSettings("Casa da Ana", "Wifi-Segura-2024", "Casa-5G", "frase com espacos")
    with connect() as olt:
        olt.provision(request)
        result = olt.set_wifi(*position, wifi)
    assert "Wifi-Segura-2024" not in result.output
    assert sim.state.onu(*position).wifi == {
        "2.4": {"ssid": "Casa da Ana", "key": "Wifi-Segura-2024"},
        "5": {"ssid": "Casa-5G", "key": "frase com espacos"},
    }


def test_an_ssid_that_looks_like_a_prompt_does_not_confuse_the_reader(position, vendor, sim,
                                                                    connect, make_request):
    with connect() as olt:
        olt.provision(make_request(vendor))
        olt.set_wifi(*position, WifiSettings("OLT#", "12345678"))
        # The session is still in step: the next read gets its own answer.
        assert olt.verify_provision(make_request(vendor)).ok
    assert sim.state.onu(*position).wifi["2.4"]["ssid"] == "OLT#"


def test_reboot_reaches_the_onu(position, vendor, sim, connect, make_request):
    with connect() as olt:
        olt.provision(make_request(vendor))
        olt.reboot(*position)
        olt.reboot(*position)
    assert sim.state.onu(*position).reboots == 2


def test_delete_removes_onu_and_service_ports(position, vendor, sim, connect, make_request):
    request = make_request(vendor)
    with connect() as olt:
        olt.provision(request)
        olt.delete(*position)
        assert olt.find_onu(request.serial) is None
        assert olt.onu_status(*position) is None
        # Still plugged in: it is back among the unprovisioned ONUs.
        assert request.serial in {o.serial for o in olt.discover_unprovisioned()}
        if vendor == "huawei":
            assert olt.used_service_port_ids() == {101}
    assert sim.state.onu(*position) is None


def test_delete_twice_is_harmless_and_never_hits_another_onu(position, vendor, sim, connect,
                                                              make_request):
    request = make_request(vendor)
    with connect() as olt:
        olt.provision(request)
        with pytest.raises(OnuConflictError, match="outra ONU"):
            olt.ensure_deleted(*position, serial="HWTCFFFFFFFF")
        assert olt.find_onu(request.serial) is not None
        assert olt.ensure_deleted(*position, serial=request.serial) is not None
        assert olt.ensure_deleted(*position, serial=request.serial) is None
    deletes = [c for c in sim.log.commands() if c.startswith(("ont delete", "no onu"))]
    assert len(deletes) == 1


def test_taken_onu_id_is_refused_with_the_device_text(vendor, sim, connect, make_request):
    request = make_request(vendor, onu_id=1)  # the seeded ONU holds id 1
    with connect() as olt:
        with pytest.raises(DeviceCommandError) as caught:
            olt.provision(request)
        # The session is back in privileged mode and still usable.
        assert olt.find_onu(request.serial) is None
    expected = ("Failure: The ONT ID has already existed" if vendor == "huawei"
                else "%Code 32304: The ONU ID is already used.")
    assert caught.value.device_message == expected
    assert expected in str(caught.value)
    assert caught.value.result.lines_sent[-1].startswith(("ont add", "onu 1 type"))


def test_serial_already_provisioned_elsewhere_is_refused(vendor, sim, connect, make_request):
    seeded = "HWTC99999999" if vendor == "huawei" else "ZTEG99999999"
    with connect() as olt:
        with pytest.raises(DeviceCommandError, match="SN already exists|already registered"):
            olt.provision(make_request(vendor, serial=seeded))
        with pytest.raises(OnuConflictError):
            olt.ensure_provisioned(make_request(vendor, serial=seeded))


def test_unknown_profile_is_refused_by_the_device(vendor, connect, make_request):
    bad = ({"line_profile_id": 99} if vendor == "huawei" else {"tcont_profile": "10G"})
    with connect() as olt, pytest.raises(DeviceCommandError, match="does not exist"):
        olt.provision(make_request(vendor, **bad))


def test_dropped_connection_mid_provisioning_raises_connection_error(position, vendor, sim, connect,
                                                                    make_request):
    sim.faults.drop_on_command = r"^service-port"
    started = time.monotonic()
    with connect() as olt, pytest.raises(OltConnectionError):
        olt.provision(make_request(vendor))
    # Noticed at once, not after a read timeout.
    assert time.monotonic() - started < 3
    assert sim.state.onu(*position) is not None  # half-done on the device


def test_rerun_after_a_crash_completes_the_provisioning(vendor, sim, connect, make_request):
    request = make_request(vendor)
    # The ONU registration runs, but its answer never arrives.
    sim.faults.drop_after_command = r"^(ont add|onu \d+ type)"
    with connect() as olt, pytest.raises(OltConnectionError):
        olt.ensure_provisioned(request)
    sim.faults.reset()
    with connect() as olt:
        assert olt.find_onu(request.serial) is not None
        assert not olt.verify_provision(request).ok
        assert olt.ensure_provisioned(request) is not None
        assert olt.verify_provision(request).ok
        # A third run finds everything in place and sends nothing.
        assert olt.ensure_provisioned(request) is None
    registrations = [c for c in sim.log.commands() if c.startswith(("ont add", "onu 5 type"))]
    assert len(registrations) == 1


def test_drop_after_n_commands(vendor, sim, connect):
    with connect() as olt:
        olt.discover_unprovisioned()
    commands = sim.log.commands()
    login_commands = commands.index("display ont autofind all" if vendor == "huawei"
                                    else "show gpon onu uncfg")
    sim.log.clear()
    sim.faults.drop_after_commands = login_commands + 1
    with connect() as olt:
        olt.discover_unprovisioned()
        with pytest.raises(OltConnectionError):
            olt.discover_unprovisioned()
        # The driver forgot the dead session; a new "with" opens a fresh one.
        with pytest.raises(OltError, match="não está aberta"):
            olt.discover_unprovisioned()


def test_slow_answer_beyond_the_command_timeout_is_transient(vendor, sim, connect):
    sim.faults.latency_by_command = {r"uncfg|autofind": 2.0}
    with connect(command_timeout=0.3) as olt:
        started = time.monotonic()
        with pytest.raises(OltConnectionError):
            olt.discover_unprovisioned()
        # Given up after the timeout, without waiting for a logout the OLT is
        # too busy to answer.
        assert time.monotonic() - started < 1.5


def test_latency_below_the_timeout_only_slows_down(vendor, sim, connect):
    sim.faults.latency_s = 0.05
    with connect() as olt:
        assert olt.discover_unprovisioned()


def test_injected_error_answer_becomes_device_command_error(vendor, sim, connect,
                                                           make_request):
    sim.faults.error_on_command = {r"^service": "%Code 32999: Resource busy."
                                   if vendor == "zte" else "  Failure: System is busy"}
    with connect() as olt, pytest.raises(DeviceCommandError, match="busy"):
        olt.provision(make_request(vendor))


def test_hostile_values_are_refused_before_any_connection(position, vendor, sim, connect,
                                                          make_request):
    olt = connect()
    with pytest.raises(UnsafeValueError, match="SSID contém caracteres não permitidos"):
        olt.plan_wifi(*position, WifiSettings("x\nreboot", "12345678"))
    with pytest.raises(UnsafeValueError):
        olt.set_wifi(*position, WifiSettings("Casa", "chave;reboot"))
    with pytest.raises(UnsafeValueError):
        make_request(vendor, description="x\nreboot")
    with pytest.raises(UnsafeValueError):
        olt.apply(["display ont autofind all\nreboot"])
    with pytest.raises(UnsafeValueError):
        olt.plan_reboot(0, 1, 0, -1)
    assert sim.log.sessions == {}


def test_wrong_password_is_not_a_transient_error(vendor, connect):
    with pytest.raises(OltAuthenticationError):
        connect(password="errada").open()


def test_unreachable_olt_is_a_connection_error():
    with pytest.raises(OltConnectionError):
        get_driver("huawei", "127.0.0.1", 1, "admin", "admin", conn_timeout=2).open()


def test_session_log_file_never_holds_credentials(position, vendor, sim, connect, make_request,
                                                  tmp_path):
    log_file = tmp_path / "netmiko.log"
    with connect(session_log=str(log_file)) as olt:
        olt.provision(make_request(vendor))
        olt.set_wifi(*position, WifiSettings("Casa", "Wifi-Segura-2024"))
    text = log_file.read_text()
    assert "pon" in text or "ont" in text  # the log was written
    for secret in (sim.password, "S3nh@Forte", "Wifi-Segura-2024"):
        assert secret not in text
    assert "********" in text


def test_logs_never_hold_credentials(position, vendor, make_request, caplog, tmp_path):
    """netmiko logs every byte written and read at DEBUG, and its session log keeps the
    whole dialogue: the OLT's password, the PPPoE password and the Wi-Fi keys are masked
    in both. (The simulator's default password "admin" is also its username, so this
    OLT gets a password of its own.)"""
    password = "Olt-Senha-2024"
    sim = start_simulator(vendor, seed=copy.deepcopy(SEEDS[vendor]), password=password)
    log_file = tmp_path / "netmiko.log"
    caplog.set_level(logging.DEBUG, logger="netmiko")
    try:
        with get_driver(vendor, sim.host, sim.port, sim.username, password,
                        session_log=str(log_file), **FAST) as olt:
            olt.provision(make_request(vendor))
            olt.set_wifi(*position, WifiSettings("Casa", "Wifi-Segura-2024", "Casa 5G",
                                                 "Chave-5G-Segura"))
    finally:
        sim.stop()
    logged, session = caplog.text, log_file.read_text()
    assert "write_channel" in logged and "pppoe" in logged  # the lines were logged
    assert "pppoe" in session
    for secret in (password, "S3nh@Forte", "Wifi-Segura-2024", "Chave-5G-Segura"):
        assert secret not in logged
        assert secret not in session
    assert "********" in logged and "********" in session


def test_logout_logs_no_error(vendor, connect, caplog):
    """The OLT hangs up after the logout: an expected end, not an error in the logs."""
    caplog.set_level(logging.DEBUG, logger="netmiko")
    for _ in range(3):
        olt = connect()
        olt.open()
        olt.close()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_disconnect_is_fast(vendor, connect):
    olt = connect()
    olt.open()
    started = time.monotonic()
    olt.close()
    assert time.monotonic() - started < 2
