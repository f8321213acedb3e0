"""Allowlist validation of every value that goes into a CLI line."""

from __future__ import annotations

import pytest

from app.drivers.olt import ProvisionRequest, UnsafeValueError, WifiSettings, get_driver
from app.drivers.olt import validation as v


@pytest.mark.parametrize("value", [
    "HWTC0A1B2C3D", "hwtc0a1b2c3d", "HWTC-0A1B2C3D", " HWTC0A1B2C3D ", "485754430A1B2C3D",
    "485754430a1b2c3d",
])
def test_serial_forms_normalise_to_twelve_characters(value):
    assert v.normalize_serial(value) == "HWTC0A1B2C3D"


def test_serial_hex_form_round_trips():
    assert v.serial_to_hex("ZTEGC0123456") == "5A544547C0123456"
    assert v.normalize_serial("5A544547C0123456") == "ZTEGC0123456"


@pytest.mark.parametrize("value", [
    "", "HWTC0A1B2C3", "HWTC0A1B2C3DX", "HWTC0A1B2C3G", "HW TC0A1B2C3D", "HWTC\n0A1B2C3D",
    "0000000A1B2C3D00", "HWTC0A1B2C3D;reboot", 12345678, None,
])
def test_bad_serials_are_refused(value):
    with pytest.raises(UnsafeValueError, match="Número de série inválido"):
        v.normalize_serial(value)


@pytest.mark.parametrize("value", ["cliente-42", "joao.silva@provedor", "A_B.c-d@e"])
def test_descriptions_and_logins_allow_the_safe_set(value):
    assert v.check_description(value) == value
    assert v.check_login(value) == value


@pytest.mark.parametrize("value", [
    "cliente 42", "x;reboot", "x|y", 'a"b', "ação", "x\nquit", "a" * 65, "",
])
def test_descriptions_refuse_anything_else(value):
    with pytest.raises(UnsafeValueError):
        v.check_description(value)


@pytest.mark.parametrize("value", ["Casa da Ana", "a", "x" * 32, "Wi-Fi_2.4G#1 (sala)"])
def test_ssids_accept_printable_ascii(value):
    assert v.check_ssid(value) == value


@pytest.mark.parametrize("value", [
    "x\nreboot", "x\rreboot", "a;b", "a|b", 'a"b', "a'b", "a?", "a\\b", "\x1b[2J", "tab\there",
    "x" * 33, "", " lead", "trail ", "café",
])
def test_hostile_ssids_are_refused_in_portuguese(value):
    with pytest.raises(UnsafeValueError, match="SSID"):
        v.check_ssid(value)


def test_ssid_message_names_the_problem_without_echoing_the_value():
    with pytest.raises(UnsafeValueError) as caught:
        v.check_ssid("x\nreboot")
    assert str(caught.value) == "SSID contém caracteres não permitidos"
    assert "reboot" not in str(caught.value)


@pytest.mark.parametrize("value", ["12345678", "k" * 63, "frase com espacos"])
def test_wpa2_keys_of_8_to_63_characters(value):
    assert v.check_wpa2_key(value) == value


@pytest.mark.parametrize("value", ["1234567", "k" * 64, "chave;reboot", "chave\nquit12"])
def test_bad_wpa2_keys(value):
    with pytest.raises(UnsafeValueError, match="Senha do Wi-Fi"):
        v.check_wpa2_key(value)


def test_pppoe_passwords_refuse_spaces():
    assert v.check_pppoe_password("S3nh@Forte!") == "S3nh@Forte!"
    with pytest.raises(UnsafeValueError, match="espaços"):
        v.check_pppoe_password("duas palavras")


@pytest.mark.parametrize("value", [0, 4095, -1, "100", 1.0, True])
def test_vlan_out_of_range_or_not_an_int(value):
    with pytest.raises(UnsafeValueError, match="VLAN"):
        v.check_vlan(value)


def test_vlan_bounds():
    assert v.check_vlan(1) == 1 and v.check_vlan(4094) == 4094


def test_static_ip_must_fit_its_gateway():
    assert v.check_static_ip("200.1.2.10", "255.255.255.248", "200.1.2.9") == (
        "200.1.2.10", "255.255.255.248", "200.1.2.9")
    with pytest.raises(UnsafeValueError, match="Gateway fora"):
        v.check_static_ip("200.1.2.10", "255.255.255.248", "200.1.3.1")
    with pytest.raises(UnsafeValueError, match="IPv4"):
        v.check_static_ip("200.1.2.300", "255.255.255.0", "200.1.2.1")
    with pytest.raises(UnsafeValueError, match="Máscara"):
        v.check_static_ip("200.1.2.10", "255.0.255.0", "200.1.2.1")
    with pytest.raises(UnsafeValueError, match="broadcast"):
        v.check_static_ip("200.1.2.15", "255.255.255.248", "200.1.2.9")


def test_cli_lines_must_be_one_printable_line():
    assert v.check_cli_line("display ont autofind all")
    for line in ("a\nb", "a\rb", "a\x00", "é", "", "x" * 600):
        with pytest.raises(UnsafeValueError):
            v.check_cli_line(line)


def _request(**overrides):
    fields = {"serial": "HWTC0A1B2C3D", "frame": 0, "slot": 1, "port": 0, "onu_id": 5,
              "description": "cliente-42", "connection_type": "pppoe", "vlan": 100,
              "pppoe_username": "joao", "pppoe_password": "segredo1"}
    return ProvisionRequest(**{**fields, **overrides})


def test_request_normalises_serial_and_connection_type():
    request = _request(serial="hwtc-0a1b2c3d", connection_type="pppoe")
    assert request.serial == "HWTC0A1B2C3D"
    assert request.connection_type == "pppoe"
    assert "segredo1" not in repr(request)


@pytest.mark.parametrize("overrides, message", [
    ({"description": "a b"}, "Descrição"),
    ({"pppoe_username": "joao;reboot"}, "Login PPPoE"),
    ({"pppoe_password": None}, "Senha PPPoE"),
    ({"connection_type": "pppoa"}, "Tipo de conexão"),
    ({"vlan": 5000}, "VLAN"),
    ({"onu_id": 300}, "ID da ONU"),
    ({"connection_type": "bridge"}, "só vale para conexões PPPoE"),
    ({"onu_type": "F660\nreboot"}, "Tipo de ONU"),
    ({"connection_type": "static", "pppoe_username": None, "pppoe_password": None,
      "static_ip": "10.0.0.2", "static_mask": "255.255.255.0"}, "Gateway"),
])
def test_request_refuses_bad_values(overrides, message):
    with pytest.raises(UnsafeValueError, match=message):
        _request(**overrides)


def test_wifi_settings_take_either_band_or_both_with_ssid_and_key_together():
    assert WifiSettings("Casa", "12345678").secrets == ("12345678",)
    assert WifiSettings("Casa", "12345678").radios == [("2.4", "Casa", "12345678")]
    only_5 = WifiSettings(None, None, "Casa5", "87654321")
    assert only_5.radios == [("5", "Casa5", "87654321")] and only_5.secrets == ("87654321",)
    with pytest.raises(UnsafeValueError, match="5 GHz"):
        WifiSettings("Casa", "12345678", ssid_5="Casa5")
    with pytest.raises(UnsafeValueError, match="2.4 GHz"):
        WifiSettings("Casa", None, "Casa5", "87654321")
    with pytest.raises(UnsafeValueError, match="pelo menos uma banda"):
        WifiSettings(None, None)
    with pytest.raises(UnsafeValueError, match="SSID"):
        WifiSettings("Casa", "12345678", "x\nreboot", "12345678")


def test_unknown_vendor_is_refused():
    with pytest.raises(UnsafeValueError, match="não suportado"):
        get_driver("fiberhome", "10.0.0.1")
