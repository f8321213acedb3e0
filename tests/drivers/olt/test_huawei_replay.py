"""Huawei driver against recorded MA5800 transcripts: exact lines sent, parsed answers."""

from __future__ import annotations

import pytest

from app.drivers.olt import (
    DeviceCommandError,
    DiscoveredOnu,
    OnuLocation,
    WifiSettings,
)

HUAWEI = {"line_profile_id": 10, "service_profile_id": 20, "service_port_id": 200}


def test_login_asks_for_password_only_and_never_uses_keys(replay):
    _, conn = replay("huawei", "huawei_discover_empty")
    assert conn.params["device_type"] == "huawei_olt"
    assert conn.params["use_keys"] is False
    assert conn.params["allow_agent"] is False
    assert "session_log" not in conn.params


def test_discover_parses_every_autofind_block(replay):
    driver, conn = replay("huawei", "huawei_discover")
    assert driver.discover_unprovisioned() == [
        DiscoveredOnu("HWTC0A1B2C3D", 0, 1, 0, "EG8145V5"),
        DiscoveredOnu("ZTEGC0123456", 0, 2, 7, "F670L"),
    ]
    assert conn.remaining == []


def test_discover_with_nothing_in_autofind_is_an_empty_list(replay):
    driver, _ = replay("huawei", "huawei_discover_empty")
    assert driver.discover_unprovisioned() == []


def test_unknown_command_on_a_read_is_an_error_not_an_absence(replay):
    driver, _ = replay("huawei", "huawei_unknown_command")
    with pytest.raises(DeviceCommandError) as caught:
        driver.find_onu("HWTC-0A1B2C3D")
    assert "Unknown command" in caught.value.device_message


def test_provision_sends_the_planned_lines_and_masks_the_password(replay, make_request):
    driver, conn = replay("huawei", "huawei_provision_pppoe")
    request = make_request("huawei", **HUAWEI)
    result = driver.provision(request)
    assert conn.remaining == []
    assert conn.sent == driver.plan_provision(request)
    assert result.lines_sent[3].endswith("username joao.silva@provedor password ******")
    assert "S3nh@Forte" not in result.output
    assert "success: 1" in result.output


def test_bridge_plan_sets_native_vlan_instead_of_a_wan(replay, make_request):
    driver, _ = replay("huawei", "huawei_discover_empty", save_config=False)
    request = make_request("huawei", **HUAWEI, connection_type="bridge",
                           pppoe_username=None, pppoe_password=None)
    assert driver.plan_provision(request) == [
        "config",
        "interface gpon 0/1",
        "ont add 0 5 sn-auth 485754430A1B2C3D omci ont-lineprofile-id 10 "
        "ont-srvprofile-id 20 desc cliente-42",
        "ont port native-vlan 0 5 eth 1 vlan 100",
        "quit",
        "service-port 200 vlan 100 gpon 0/1/0 ont 5 gemport 1 multi-service user-vlan 100 "
        "tag-transform translate",
        "return",
    ]


def test_static_and_dhcp_plans_configure_the_wan(replay, make_request):
    driver, _ = replay("huawei", "huawei_discover_empty")
    static = make_request("huawei", **HUAWEI, connection_type="static", pppoe_username=None,
                          pppoe_password=None, static_ip="200.1.2.10",
                          static_mask="255.255.255.248", static_gateway="200.1.2.9")
    dhcp = make_request("huawei", **HUAWEI, connection_type="dhcp", pppoe_username=None,
                        pppoe_password=None)
    assert ("ont ipconfig 0 5 ip-index 0 static ip-address 200.1.2.10 mask 255.255.255.248 "
            "gateway 200.1.2.9 vlan 100 priority 0") in driver.plan_provision(static)
    assert "ont ipconfig 0 5 ip-index 0 dhcp vlan 100 priority 0" in driver.plan_provision(dhcp)


def test_resume_plan_leaves_out_ont_add(replay, make_request):
    driver, _ = replay("huawei", "huawei_discover_empty")
    lines = driver.plan_provision(make_request("huawei", **HUAWEI), include_onu=False)
    assert not any(line.startswith("ont add") for line in lines)
    assert any(line.startswith("service-port 200 ") for line in lines)


def test_refused_line_raises_with_the_device_text_and_leaves_config_mode(replay, make_request):
    driver, conn = replay("huawei", "huawei_provision_conflict")
    with pytest.raises(DeviceCommandError) as caught:
        driver.provision(make_request("huawei", **HUAWEI))
    error = caught.value
    assert error.device_message == "Failure: The ONT ID has already existed"
    assert error.command.startswith("ont add 0 5 ")
    assert error.result.lines_sent == conn.sent[:3]
    assert conn.sent[-1] == "return" and conn.remaining == []


def test_verify_reads_serial_and_service_port(replay, make_request):
    driver, conn = replay("huawei", "huawei_verify")
    result = driver.verify_provision(make_request("huawei", **HUAWEI))
    assert result.ok and bool(result)
    assert result.problems == ()
    assert conn.remaining == []


def test_verify_reports_a_missing_service_port(replay, make_request):
    driver, _ = replay("huawei", "huawei_verify_no_service_port")
    result = driver.verify_provision(make_request("huawei", **HUAWEI))
    assert not result
    assert (result.onu_present, result.serial_matches, result.service_port_present) == (
        True, True, False)
    assert "Service-port 200" in result.problems[0]


def test_status_of_an_offline_ont_and_of_a_missing_one(replay):
    driver, _ = replay("huawei", "huawei_status_offline")
    status = driver.onu_status(0, 1, 0, 7)
    assert status is not None
    assert (status.online, status.run_state, status.last_down_cause) == (
        False, "offline", "LOSi/LOBi")
    assert status.serial == "HWTCAABBCCDD"
    assert status.distance_m is None
    assert status.details["Last down time"] == "2024-01-10 03:12:44-03:00"
    assert driver.onu_status(0, 1, 0, 9) is None


def test_find_onu_by_serial_in_any_accepted_form(replay):
    driver, conn = replay("huawei", "huawei_find_onu")
    found = driver.find_onu("hwtc-0a1b2c3d")
    assert found is not None
    assert found.location == OnuLocation(0, 3, 12, 17)
    assert found.description == "cliente-42"
    assert driver.find_onu("48575443FFFFFFFF") is None
    assert conn.remaining == []


def test_used_ids_come_from_the_port_and_service_port_tables(replay):
    driver, _ = replay("huawei", "huawei_used_ids")
    assert driver.used_onu_ids(0, 1, 0) == {0, 1, 12}
    assert driver.used_service_port_ids() == {0, 1, 300}


def test_delete_removes_every_service_port_before_the_ont(replay):
    driver, conn = replay("huawei", "huawei_delete")
    driver.delete(0, 1, 0, 5)
    assert conn.remaining == []
    assert conn.sent[1:4] == ["config", "undo service-port 200", "undo service-port 201"]


def test_reboot_and_wifi_plans(replay):
    driver, _ = replay("huawei", "huawei_discover_empty", save_config=False)
    assert driver.plan_reboot(0, 1, 0, 5) == [
        "config", "interface gpon 0/1", "ont reset 0 5", "y", "return"]
    wifi = WifiSettings("Casa da Ana", "Wifi-Segura-2024", "Casa-5G", "frase com espacos")
    assert driver.plan_wifi(0, 1, 0, 5, wifi) == [
        "config",
        "interface gpon 0/1",
        'ont wlan-config 0 5 ssid-index 1 ssid "Casa da Ana"',
        "ont wlan-config 0 5 ssid-index 1 wpa-passwd Wifi-Segura-2024",
        "ont wlan-config 0 5 ssid-index 5 ssid Casa-5G",
        'ont wlan-config 0 5 ssid-index 5 wpa-passwd "frase com espacos"',
        "return",
    ]
