"""Huawei SmartAX MA56xx/MA58xx OLT driver (netmiko ``huawei_olt``).

Command shapes follow Huawei's published CLI and public provisioning scripts:

* discovery: ``display ont autofind all``
* provisioning, inside ``interface gpon F/S``: ``ont add P ID sn-auth SN omci
  ont-lineprofile-id L ont-srvprofile-id S desc D``; bridge ONUs get
  ``ont port native-vlan P ID eth 1 vlan V``; routed ONUs get ``ont ipconfig P
  ID ip-index 0 {pppoe|dhcp|static} ...`` plus ``ont internet-config P ID
  ip-index 0``; then, in config mode, ``service-port N vlan V gpon F/S/P ont ID
  gemport G multi-service user-vlan V tag-transform translate``
* read-back: ``display ont info F S P ID``, ``display ont info by-sn SN``,
  ``display ont info F S P all``, ``display service-port port F/S/P ont ID``,
  ``display service-port all``
* ``ont reset P ID`` (answered ``y`` at its confirmation), ``ont delete P ID``
  after ``undo service-port N`` for each of the ONU's service-ports (the OLT
  refuses to delete an ONU that still has them)
* Wi-Fi: ``ont wlan-config P ID ssid-index N ssid NAME`` and ``... wpa-passwd
  KEY``, SSID index 1 being the 2.4 GHz radio and 5 the 5 GHz one on Huawei
  dual-band ONTs. This OMCI Wi-Fi command exists on MA5800 releases but not on
  every MA5600 release; where the OLT answers "Unknown command" the driver
  raises ``DeviceCommandError`` and Wi-Fi must go through TR-069 instead.

Changes end with ``save`` when ``save_config`` is on (the default).
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
    r"^[ \t]*(Failure:.*|% ?(?:Unknown command|Parameter error|Incomplete command|"
    r"Too many parameters|Ambiguous command|Wrong parameter).*|Error:.*)$",
    re.MULTILINE,
)
# Read-only commands answer these when there is simply nothing to show.
_NOTHING = (r"does not exist", r"do not exist", r"No service virtual port")
# "0/ 1/0    5  485754430A1B2C3D  active  online ..." in `display ont info F S P all`.
_ONT_ROW_RE = re.compile(
    r"^\s*(\d+)\s*/\s*(\d+)\s*/\s*(\d+)\s+(\d+)\s+([0-9A-F]{16})\s+\S+\s+(\S+)", re.MULTILINE
)
# "  100  100 common   gpon 0/1 /0  5    1     vlan  100 ..." in `display service-port`.
_SERVICE_PORT_RE = re.compile(
    r"^\s*(\d+)\s+(\d+)\s+\S+\s+gpon\s+(\d+)\s*/\s*(\d+)\s*/\s*(\d+)\s+(\d+)\s+(\d+)",
    re.MULTILINE,
)
_FSP_RE = re.compile(r"^(\d+)\s*/\s*(\d+)\s*/\s*(\d+)$")
_SSID_INDEX_24 = 1
_SSID_INDEX_5 = 5


def _serial_field(value: str | None) -> str | None:
    """``485754430A1B2C3D (HWTC-0A1B2C3D)`` -> ``HWTC0A1B2C3D``."""
    if not value:
        return None
    try:
        return v.normalize_serial(value.split()[0])
    except UnsafeValueError:
        return None


def _int_field(value: str | None) -> int | None:
    match = re.match(r"\s*(-?\d+)", value or "")
    return int(match.group(1)) if match else None


class HuaweiOltDriver(OltDriver):
    """Huawei MA56xx/MA58xx over SSH. See the module docstring for the command set."""

    vendor = "huawei"
    netmiko_device_type = "huawei_olt"

    @property
    def _prompt_pattern(self) -> str:
        base = re.escape(getattr(self._conn, "base_prompt", None) or "OLT")
        # Any mode's prompt (OLT>, OLT#, OLT(config)#, OLT(config-if-gpon-0/1)#)
        # at the start of a line, so an echoed SSID ending in "OLT#" cannot end
        # the read early; or the y/n question that `ont reset` asks.
        return rf"(?:^|\n){base}(?:\([^)\r\n]*\))?[>#][ \t]*$|\(y/n\)\[n\]:[ \t]*$"

    def close(self) -> None:
        """Log out (``quit``, confirmed with ``y``) and close the session; never raises."""
        channel = getattr(self._conn, "remote_conn", None)
        if channel is not None:
            # netmiko's Huawei logout polls is_alive(), which writes a NUL byte: once the
            # OLT has hung up (its answer to the "y"), that write fails and netmiko logs
            # an ERROR on every logout. Asking the SSH channel instead writes nothing.
            self._conn.is_alive = lambda: not (channel.closed or channel.eof_received)
        super().close()

    def _device_error(self, output: str) -> str | None:
        match = _ERROR_RE.search(output)
        return match.group(1).strip() if match else None

    def _leave_config_lines(self) -> list[str]:
        return ["return"]

    def _save_lines(self) -> list[str]:
        return ["save"] if self.save_config else []

    # ----------------------------------------------------------------- reads

    def discover_unprovisioned(self) -> list[DiscoveredOnu]:
        """List ONTs in ``display ont autofind all``."""
        output = self._show("display ont autofind all", benign=_NOTHING)
        found = []
        for block in re.split(r"^\s*-{10,}\s*$", output, flags=re.MULTILINE):
            fields = parse_key_values(block)
            fsp = _FSP_RE.match(fields.get("F/S/P", ""))
            serial = _serial_field(fields.get("Ont SN"))
            if not fsp or not serial:
                continue
            found.append(DiscoveredOnu(
                serial=serial,
                frame=int(fsp.group(1)),
                slot=int(fsp.group(2)),
                port=int(fsp.group(3)),
                model=fields.get("Ont EquipmentID") or None,
            ))
        return found

    def _ont_info(self, location: OnuLocation) -> dict[str, str]:
        loc = location
        output = self._show(f"display ont info {loc.frame} {loc.slot} {loc.port} {loc.onu_id}",
                            benign=_NOTHING)
        return parse_key_values(output) if output else {}

    def _service_ports_of(self, location: OnuLocation) -> dict[int, tuple[int, int]]:
        """Service-ports of one ONU: index -> (vlan, gemport)."""
        loc = location
        output = self._show(
            f"display service-port port {loc.frame}/{loc.slot}/{loc.port} ont {loc.onu_id}",
            benign=_NOTHING,
        )
        ports = {}
        for m in _SERVICE_PORT_RE.finditer(output):
            index, vlan, frame, slot, port, ont, gem = map(int, m.groups())
            if (frame, slot, port, ont) == (loc.frame, loc.slot, loc.port, loc.onu_id):
                ports[index] = (vlan, gem)
        return ports

    def verify_provision(self, request: ProvisionRequest) -> VerifyResult:
        """Check ``display ont info`` (serial at that id) and the ONU's service-port."""
        self._check_request(request)
        info = self._ont_info(request.location)
        problems = []
        present = bool(info)
        serial_ok = present and _serial_field(info.get("SN")) == request.serial
        if not present:
            problems.append("ONU não encontrada na posição indicada")
        elif not serial_ok:
            problems.append("Há outra ONU (outro número de série) nessa posição")
        ports = self._service_ports_of(request.location) if present else {}
        port_ok = ports.get(request.service_port_id) == (request.vlan, request.gemport)
        if present and not port_ok:
            problems.append(f"Service-port {request.service_port_id} ausente ou diferente")
        return VerifyResult(present, serial_ok, port_ok, tuple(problems))

    def find_onu(self, serial: str) -> ProvisionedOnu | None:
        """Look the serial up with ``display ont info by-sn``."""
        canonical = v.normalize_serial(serial)
        output = self._show(f"display ont info by-sn {v.serial_to_hex(canonical)}",
                            benign=_NOTHING)
        fields = parse_key_values(output) if output else {}
        fsp = _FSP_RE.match(fields.get("F/S/P", ""))
        onu_id = _int_field(fields.get("ONT-ID"))
        if not fsp or onu_id is None:
            return None
        frame, slot, port = map(int, fsp.groups())
        return ProvisionedOnu(
            serial=_serial_field(fields.get("SN")) or canonical,
            location=OnuLocation(frame, slot, port, onu_id),
            description=fields.get("Description") or None,
        )

    def onu_status(self, frame: int, slot: int, port: int, onu_id: int) -> OnuStatus | None:
        """Parse ``display ont info F S P ID``."""
        check_location(frame, slot, port, onu_id)
        location = OnuLocation(frame, slot, port, onu_id)
        info = self._ont_info(location)
        if not info:
            return None
        run_state = info.get("Run state", "desconhecido")
        cause = info.get("Last down cause")
        return OnuStatus(
            location=location,
            serial=_serial_field(info.get("SN")),
            run_state=run_state,
            online=run_state.lower() == "online",
            last_down_cause=None if cause in (None, "", "-") else cause,
            description=info.get("Description") or None,
            distance_m=_int_field(info.get("ONT distance(m)")),
            details=info,
        )

    def used_onu_ids(self, frame: int, slot: int, port: int) -> set[int]:
        """ONT ids listed by ``display ont info F S P all``."""
        check_location(frame, slot, port)
        output = self._show(f"display ont info {frame} {slot} {port} all", benign=_NOTHING)
        return {
            int(m.group(4))
            for m in _ONT_ROW_RE.finditer(output)
            if (int(m.group(1)), int(m.group(2)), int(m.group(3))) == (frame, slot, port)
        }

    def used_service_port_ids(self) -> set[int]:
        """Indexes listed by ``display service-port all``."""
        output = self._show("display service-port all", benign=_NOTHING)
        return {int(m.group(1)) for m in _SERVICE_PORT_RE.finditer(output)}

    # ----------------------------------------------------------------- plans

    def _check_request(self, request: ProvisionRequest) -> None:
        if request.line_profile_id is None or request.service_profile_id is None:
            raise UnsafeValueError("Informe os perfis de linha e de serviço da OLT Huawei")
        if request.service_port_id is None:
            raise UnsafeValueError("Informe o ID do service-port (OLT Huawei)")

    def plan_provision(self, request: ProvisionRequest, *, include_onu: bool = True) -> list[str]:
        """Lines for ``ont add``, the WAN/bridge setting and the service-port."""
        self._check_request(request)
        r = request
        ont = f"{r.port} {r.onu_id}"
        lines = ["config", f"interface gpon {r.frame}/{r.slot}"]
        if include_onu:
            lines.append(
                f"ont add {ont} sn-auth {v.serial_to_hex(r.serial)} omci "
                f"ont-lineprofile-id {r.line_profile_id} "
                f"ont-srvprofile-id {r.service_profile_id} desc {r.description}"
            )
        kind = r.connection_type
        if kind is ConnectionType.BRIDGE:
            lines.append(f"ont port native-vlan {ont} eth 1 vlan {r.vlan}")
        else:
            prefix = f"ont ipconfig {ont} ip-index 0"
            if kind is ConnectionType.PPPOE:
                lines.append(f"{prefix} pppoe vlan {r.vlan} priority 0 user-account "
                             f"username {r.pppoe_username} password {r.pppoe_password}")
            elif kind is ConnectionType.DHCP:
                lines.append(f"{prefix} dhcp vlan {r.vlan} priority 0")
            else:
                lines.append(f"{prefix} static ip-address {r.static_ip} mask {r.static_mask} "
                             f"gateway {r.static_gateway} vlan {r.vlan} priority 0")
            lines.append(f"ont internet-config {ont} ip-index 0")
        lines += [
            "quit",
            f"service-port {r.service_port_id} vlan {r.vlan} gpon {r.frame}/{r.slot}/{r.port} "
            f"ont {r.onu_id} gemport {r.gemport} multi-service user-vlan {r.vlan} "
            "tag-transform translate",
            "return",
        ]
        return lines + self._save_lines()

    def plan_wifi(self, frame: int, slot: int, port: int, onu_id: int,
                  wifi: WifiSettings) -> list[str]:
        """Lines for ``ont wlan-config`` on SSID index 1 (2.4 GHz) and 5 (5 GHz)."""
        check_location(frame, slot, port, onu_id)
        lines = ["config", f"interface gpon {frame}/{slot}"]
        indexes = {"2.4": _SSID_INDEX_24, "5": _SSID_INDEX_5}
        for band, ssid, key in wifi.radios:
            index = indexes[band]
            base = f"ont wlan-config {port} {onu_id} ssid-index {index}"
            lines.append(f"{base} ssid {v.cli_quote(ssid)}")
            lines.append(f"{base} wpa-passwd {v.cli_quote(key)}")
        return lines + ["return"] + self._save_lines()

    def plan_reboot(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Lines for ``ont reset``, confirmed with ``y``."""
        check_location(frame, slot, port, onu_id)
        return ["config", f"interface gpon {frame}/{slot}", f"ont reset {port} {onu_id}", "y",
                "return"]

    def plan_delete(self, frame: int, slot: int, port: int, onu_id: int) -> list[str]:
        """Lines that remove the ONU's service-ports, then the ONU (reads the device)."""
        check_location(frame, slot, port, onu_id)
        ports = sorted(self._service_ports_of(OnuLocation(frame, slot, port, onu_id)))
        lines = ["config"]
        lines += [f"undo service-port {index}" for index in ports]
        lines += [f"interface gpon {frame}/{slot}", f"ont delete {port} {onu_id}", "return"]
        return lines + self._save_lines()
