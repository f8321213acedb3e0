"""ZTE ZXA10 C300/C320 OLT driver (netmiko ``zte_zxros``).

Command shapes follow ZTE's published CLI and public provisioning scripts:

* discovery: ``show gpon onu uncfg``
* provisioning: ``interface gpon-olt_F/S/P`` + ``onu N type T sn S``; then
  ``interface gpon-onu_F/S/P:N`` with ``description``, ``tcont 1 profile P``,
  ``gemport G tcont 1`` and ``service-port K vport G user-vlan V vlan V``; then
  ``pon-onu-mng gpon-onu_F/S/P:N`` with ``service internet gemport G vlan V``
  and ``wan-ip 1 mode {pppoe|dhcp|static} ... vlan-profile VP host 1`` (routed)
  or ``vlan port eth_0/1 mode tag vlan V`` (bridge)
* Wi-Fi, in ``pon-onu-mng``: ``ssid ctrl wifi_0/1 name NAME`` and ``ssid auth
  wpa wifi_0/1 wpa2-psk encrypt aes key KEY``; ``wifi_0/5`` is the 5 GHz radio
* reboot: ``reboot`` in ``pon-onu-mng``; delete: ``no onu N`` in the PON
  interface, which also drops the ONU's interface config and service-ports
* read-back: ``show gpon onu detail-info gpon-onu_F/S/P:N``, ``show gpon onu by
  sn S``, ``show gpon onu state gpon-olt_F/S/P``, ``show running-config
  interface gpon-onu_F/S/P:N``

The first number of ``F/S/P`` is ZTE's rack/shelf (1 on C300/C320); the
request's ``frame`` carries it. Service-port indexes are local to each ONU on
ZTE, so they need no OLT-wide allocation. Changes end with ``write`` when
``save_config`` is on (the default).
"""

from __future__ import annotations

import re

from app.drivers.olt import validation as v
from app.drivers.olt.base import (
    ConnectionType,
    DiscoveredOnu,
    OltDriver,
    OnuLocation,
    OnuStatus,
    ProvisionedOnu,
    ProvisionRequest,
    UnsafeValueError,
    VerifyResult,
    WifiSettings,
    check_location,
    parse_key_values,
)

_ERROR_RE = re.compile(
    r"^[ \t]*(%Code \d+:.*|%Error \d+:.*|%Error:.*|% ?Invalid input.*|% ?Unknown command.*)$",
    re.MULTILINE,
)
_NOTHING = (r"No related information", r"does not exist", r"not exist")
_ONU_RE = re.compile(r"gpon-onu_(\d+)/(\d+)/(\d+):(\d+)")
_UNCFG_RE = re.compile(r"^\s*gpon-(?:onu|olt)_(\d+)/(\d+)/(\d+)(?::\d+)?\s+(\S+)", re.MULTILINE)
_STATE_ROW_RE = re.compile(r"^\s*(\d+)/(\d+)/(\d+):(\d+)\s+\S+", re.MULTILINE)
# History rows of detail-info: "   1   2024-01-10 10:00:00    2024-01-10 11:00:00     DyingGasp"
_HISTORY_RE = re.compile(
    r"^\s*\d+\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s*(\S*)\s*$",
    re.MULTILINE,
)
_WIFI_24 = "wifi_0/1"
_WIFI_5 = "wifi_0/5"


def _serial(value: str | None) -> str | None:
    try:
        return v.normalize_serial(value) if value else None
    except UnsafeValueError:
        return None


class ZteOltDriver(OltDriver):
    """ZTE C300/C320 over SSH. See the module docstring for the command set."""

    vendor = "zte"
    netmiko_device_type = "zte_zxros"
    service_port_ids_are_global = False

    @property
    def _prompt_pattern(self) -> str:
        base = re.escape(getattr(self._conn, "base_prompt", None) or "OLT")
        # A prompt at the start of a line: an echoed SSID ending in "OLT#" is
        # mid-line and cannot end the read early.
        return rf"(?:^|\n){base}(?:\([^)\r\n]*\))?[>#][ \t]*$"

    def _device_error(self, output: str) -> str | None:
        match = _ERROR_RE.search(output)
        return match.group(1).strip() if match else None

    def _leave_config_lines(self) -> list[str]:
        return ["end"]

    def _save_lines(self) -> list[str]:
        return ["write"] if self.save_config else []

    @staticmethod
    def _pon(frame: int, slot: int, port: int) -> str:
        return f"gpon-olt_{frame}/{slot}/{port}"

    @staticmethod
    def _onu(frame: int, slot: int, port: int, onu_id: int) -> str:
        return f"gpon-onu_{frame}/{slot}/{port}:{onu_id}"

    # ----------------------------------------------------------------- reads

    def discover_unprovisioned(self) -> list[DiscoveredOnu]:
        """List ONUs in ``show gpon onu uncfg`` (this listing gives no model)."""
        output = self._show("show gpon onu uncfg", benign=_NOTHING)
        found = []
        for m in _UNCFG_RE.finditer(output):
            serial = _serial(m.group(4))
            if serial:
                found.append(DiscoveredOnu(serial, int(m.group(1)), int(m.group(2)),
                                           int(m.group(3))))
        return found

    def _detail(self, location: OnuLocation) -> str:
        loc = location
        return self._show(
            f"show gpon onu detail-info {self._onu(loc.frame, loc.slot, loc.port, loc.onu_id)}",
            benign=_NOTHING,
        )

    def verify_provision(self, request: ProvisionRequest) -> VerifyResult:
        """Check detail-info (serial at that id) and the ONU's running-config service-port."""
        r = request
        detail = self._detail(r.location)
        fields = parse_key_values(detail) if detail else {}
        present = bool(fields)
        serial_ok = present and _serial(fields.get("Serial number")) == r.serial
        problems = []
        if not present:
            problems.append("ONU não encontrada na posição indicada")
        elif not serial_ok:
            problems.append("Há outra ONU (outro número de série) nessa posição")
        port_ok = False
        if present:
            config = self._show(
                f"show running-config interface {self._onu(r.frame, r.slot, r.port, r.onu_id)}",
                benign=_NOTHING,
            )
            service_port = r.service_port_id or 1
            port_ok = re.search(
                rf"^\s*service-port {service_port} vport {r.gemport} "
                rf"user-vlan {r.vlan} vlan {r.vlan}\s*$",
                config, re.MULTILINE,
            ) is not None
            if not port_ok:
                problems.append(f"Service-port {service_port} ausente ou diferente")
        return VerifyResult(present, serial_ok, port_ok, tuple(problems))

    def find_onu(self, serial: str) -> ProvisionedOnu | None:
        """Look the serial up with ``show gpon onu by sn``."""
        canonical = v.normalize_serial(serial)
        output = self._show(f"show gpon onu by sn {canonical}", benign=_NOTHING)
        match = _ONU_RE.search(output)
        if not match:
            return None
        return ProvisionedOnu(canonical, OnuLocation(*map(int, match.groups())))

    def onu_status(self, frame: int, slot: int, port: int, onu_id: int) -> OnuStatus | None:
        """Parse ``show gpon onu detail-info``: phase state, last offline cause, distance."""
        check_location(frame, slot, port, onu_id)
        location = OnuLocation(frame, slot, port, onu_id)
        detail = self._detail(location)
        fields = parse_key_values(detail) if detail else {}
        if not fields:
            return None
        phase = fields.get("Phase state", "desconhecido")
        causes = [m.group(2) for m in _HISTORY_RE.finditer(detail)
                  if not m.group(1).startswith("0000") and m.group(2)]
        distance = re.match(r"\s*(\d+)", fields.get("ONU Distance", ""))
        return OnuStatus(
            location=location,
            serial=_serial(fields.get("Serial number")),
            run_state=phase,
            online=phase.lower() == "working",
            last_down_cause=causes[-1] if causes else None,
            description=fields.get("Description") or None,
            distance_m=int(distance.group(1)) if distance else None,
            details=fields,
        )

    def used_onu_ids(self, frame: int, slot: int, port: int) -> set[int]:
        """ONU ids listed by ``show gpon onu state gpon-olt_F/S/P``."""
        check_location(frame, slot, port)
        output = self._show(f"show gpon onu state {self._pon(frame, slot, port)}",
                            benign=_NOTHING)
        return {
            int(m.group(4))
            for m in _STATE_ROW_RE.finditer(output)
            if (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (frame, slot, port)
        }

    def used_service_port_ids(self) -> set[int]:
        """Always empty: ZTE service-port indexes are local to each ONU interface."""
        return set()

    # ----------------------------------------------------------------- plans

    def _check_request(self, request: ProvisionRequest) -> None:
        if request.onu_type is None:
            raise UnsafeValueError("Informe o tipo de ONU da OLT ZTE")
        if request.tcont_profile is None:
            raise UnsafeValueError("Informe o perfil de T-CONT da OLT ZTE")
        kind = request.connection_type
        if kind is not ConnectionType.BRIDGE and request.vlan_profile is None:
            raise UnsafeValueError("Informe o perfil de VLAN da OLT ZTE")
        if kind is ConnectionType.STATIC and request.ip_profile is None:
            raise UnsafeValueError("Informe o perfil de IP (gateway) da OLT ZTE")

    def plan_provision(self, request: ProvisionRequest, *, include_onu: bool = True) -> list[str]:
        """Lines for ``onu N type T sn S``, the ONU interface and its pon-onu-mng."""
        self._check_request(request)
        r = request
        onu = self._onu(r.frame, r.slot, r.port, r.onu_id)
        lines = ["configure terminal"]
        if include_onu:
            lines += [f"interface {self._pon(r.frame, r.slot, r.port)}",
                      f"onu {r.onu_id} type {r.onu_type} sn {r.serial}",
                      "exit"]
        lines += [
            f"interface {onu}",
            f"description {r.description}",
            f"tcont 1 profile {r.tcont_profile}",
            f"gemport {r.gemport} tcont 1",
            f"service-port {r.service_port_id or 1} vport {r.gemport} "
            f"user-vlan {r.vlan} vlan {r.vlan}",
            "exit",
            f"pon-onu-mng {onu}",
            f"service internet gemport {r.gemport} vlan {r.vlan}",
        ]
        wan = "wan-ip 1 mode"
        kind = r.connection_type
        if kind is ConnectionType.BRIDGE:
            lines.append(f"vlan port eth_0/1 mode tag vlan {r.vlan}")
        elif kind is ConnectionType.PPPOE:
            lines.append(f"{wan} pppoe username {r.pppoe_username} password {r.pppoe_password} "
                         f"vlan-profile {r.vlan_profile} host 1")
        elif kind is ConnectionType.DHCP:
            lines.append(f"{wan} dhcp vlan-profile {r.vlan_profile} host 1")
        else:
            lines.append(f"{wan} static ip-profile {r.ip_profile} ip-address {r.static_ip} "
                         f"mask {r.static_mask} vlan-profile {r.vlan_profile} host 1")
        return lines + ["end"] + self._save_lines()

    def plan_wifi(self, frame: int, slot: int, port: int, onu_id: int,
                  wifi: WifiSettings) -> list[str]:
        """Lines for ``ssid ctrl``/``ssid auth`` on wifi_0/1 (2.4 GHz) and wifi_0/5 (5 GHz)."""
        check_location(frame, slot, port, onu_id)
        lines = ["configure terminal", f"pon-onu-mng {self._onu(frame, slot, port, onu_id)}"]
        interfaces = {"2.4": _WIFI_24, "5": _WIFI_5}
        for band, ssid, key in wifi.radios:
            radio = interfaces[band]
            lines.append(f"ssid ctrl {radio} name {v.cli_quote(ssid)}")
            lines.append(f"ssid auth wpa {radio} wpa2-psk encrypt aes key {v.cli_quote(key)}")
        return lines + ["end"] + self._save_lines()

    def plan_reboot(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Lines for ``reboot`` inside ``pon-onu-mng``."""
        check_location(frame, slot, port, onu_id)
        return ["configure terminal", f"pon-onu-mng {self._onu(frame, slot, port, onu_id)}",
                "reboot", "end"]

    def plan_delete(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Lines for ``no onu N``; ZTE drops the ONU's service-ports with it."""
        check_location(frame, slot, port, onu_id)
        return ["configure terminal", f"interface {self._pon(frame, slot, port)}",
                f"no onu {onu_id}", "end"] + self._save_lines()
