"""ZTE driver against recorded C300/C320 transcripts: exact lines sent, parsed answers."""

from __future__ import annotations

import pytest

from app.drivers.olt import (
    DeviceCommandError,
    DiscoveredOnu,
    OnuLocation,
    UnsafeValueError,
    WifiSettings,
)


def test_discover_lists_uncfg_onus(replay):
    driver, conn = replay("zte", "zte_discover")
    assert conn.params["device_type"] == "zte_zxros"
    assert driver.discover_unprovisioned() == [
        DiscoveredOnu("ZTEGC0123456", 1, 1, 1),
        DiscoveredOnu("HWTC0A1B2C3D", 1, 2, 4),
    ]


def test_discover_with_no_related_information_is_empty(replay):
    driver, _ = replay("zte", "zte_discover_empty")
    assert driver.discover_unprovisioned() == []


def test_provision_pppoe_sends_the_planned_lines(replay, make_request):
    driver, conn = replay("zte", "zte_provision_pppoe")
    request = make_request("zte")
    result = driver.provision(request)
    assert conn.remaining == []
    assert conn.sent == driver.plan_provision(request)
    assert "S3nh@Forte" not in result.output
    assert result.lines_sent[-1] == "write"


def test_provision_bridge_tags_the_lan_port(replay, make_request):
    driver, conn = replay("zte", "zte_provision_bridge", save_config=False)
    driver.provision(make_request("zte", connection_type="bridge", pppoe_username=None,
                                  pppoe_password=None, vlan_profile=None))
    assert conn.remaining == []


def test_refused_onu_raises_with_code_and_returns_to_exec(replay, make_request):
    driver, conn = replay("zte", "zte_provision_conflict")
    with pytest.raises(DeviceCommandError) as caught:
        driver.provision(make_request("zte"))
    assert caught.value.device_message == "%Code 32304: The ONU ID is already used."
    assert conn.sent[-1] == "end" and conn.remaining == []


def test_zte_specific_fields_are_required_before_anything_is_sent(replay, make_request):
    driver, conn = replay("zte", "zte_discover_empty")
    with pytest.raises(UnsafeValueError, match="tipo de ONU"):
        driver.plan_provision(make_request("zte", onu_type=None))
    with pytest.raises(UnsafeValueError, match="perfil de VLAN"):
        driver.plan_provision(make_request("zte", vlan_profile=None))
    with pytest.raises(UnsafeValueError, match="perfil de IP"):
        driver.plan_provision(make_request(
            "zte", connection_type="static", pppoe_username=None, pppoe_password=None,
            static_ip="10.0.0.2", static_mask="255.255.255.0", static_gateway="10.0.0.1"))
    assert conn.sent == []


def test_static_plan_uses_ip_profile(replay, make_request):
    driver, _ = replay("zte", "zte_discover_empty")
    lines = driver.plan_provision(make_request(
        "zte", connection_type="static", pppoe_username=None, pppoe_password=None,
        static_ip="10.0.0.2", static_mask="255.255.255.0", static_gateway="10.0.0.1",
        ip_profile="GW-10"))
    assert ("wan-ip 1 mode static ip-profile GW-10 ip-address 10.0.0.2 mask 255.255.255.0 "
            "vlan-profile VLAN100 host 1") in lines


def test_verify_reads_serial_and_running_config(replay, make_request):
    driver, conn = replay("zte", "zte_verify")
    assert driver.verify_provision(make_request("zte")).ok
    assert conn.remaining == []


def test_verify_flags_another_onu_at_the_position(replay, make_request):
    driver, _ = replay("zte", "zte_verify_wrong_serial")
    result = driver.verify_provision(make_request("zte"))
    assert (result.onu_present, result.serial_matches, result.service_port_present) == (
        True, False, False)
    assert "outro número de série" in result.problems[0]


def test_status_gives_phase_state_and_last_down_cause(replay):
    driver, _ = replay("zte", "zte_status_los")
    status = driver.onu_status(1, 2, 3, 9)
    assert status is not None
    assert (status.online, status.run_state, status.last_down_cause) == (False, "LOS", "LOS")
    assert status.serial == "ZTEGC0654321"
    assert status.details["Type"] == "ZTE-F670L"
    assert driver.onu_status(1, 2, 3, 10) is None


def test_status_of_a_working_onu_keeps_the_previous_down_cause(replay):
    driver, _ = replay("zte", "zte_verify")
    status = driver.onu_status(1, 1, 1, 5)
    assert status is not None
    assert status.online and status.run_state == "working"
    assert status.last_down_cause == "DyingGasp"
    assert status.distance_m == 1843


def test_find_onu_and_absence(replay):
    driver, _ = replay("zte", "zte_find_onu")
    found = driver.find_onu("ZTEGC0123456")
    assert found is not None and found.location == OnuLocation(1, 3, 7, 22)
    assert driver.find_onu("5A544547FFFFFFFF") is None


def test_used_onu_ids_and_local_service_ports(replay):
    driver, conn = replay("zte", "zte_used_ids")
    assert driver.used_onu_ids(1, 1, 1) == {1, 2, 64}
    assert driver.used_service_port_ids() == set()
    assert driver.service_port_ids_are_global is False
    assert conn.remaining == []


def test_delete_is_no_onu(replay):
    driver, conn = replay("zte", "zte_delete")
    driver.delete(1, 1, 1, 5)
    assert conn.remaining == []


def test_wifi_quotes_values_with_spaces_and_masks_keys(replay):
    driver, conn = replay("zte", "zte_wifi")
    wifi = WifiSettings("Casa da Ana", "Wifi-Segura-2024", "Casa-5G", "frase com espacos")
    result = driver.set_wifi(1, 1, 1, 5, wifi)
    assert conn.remaining == []
    assert "Wifi-Segura-2024" not in result.output
    assert "frase com espacos" not in result.output
    assert result.lines_sent[3] == "ssid auth wpa wifi_0/1 wpa2-psk encrypt aes key ******"


def test_reboot_plan(replay):
    driver, _ = replay("zte", "zte_discover_empty")
    assert driver.plan_reboot(1, 1, 1, 5) == [
        "configure terminal", "pon-onu-mng gpon-onu_1/1/1:5", "reboot", "end"]
