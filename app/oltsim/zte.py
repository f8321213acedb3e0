"""Simulated ZTE ZXA10 C300/C320 CLI.

Modes and prompts: ``OLT#`` (exec, where an admin lands after login),
``OLT(config)#``, ``OLT(config-if)#`` (both ``gpon-olt`` and ``gpon-onu``
interfaces), ``OLT(gpon-onu-mng)#``. ``exit`` at exec closes the session, which
is what netmiko's ``zte_zxros`` sends on disconnect.

Errors look like the device's: ``%Error 20200: Invalid input detected at '^'
marker.`` for parse errors and ``%Code 32xxx: ...`` for refused operations.
"""

from __future__ import annotations

import re

from app.oltsim.cli import CliSession, CliSyntaxError, Reply, keyword_args, to_int
from app.oltsim.state import OltState, SimOnu, SimServicePort, canonical_serial

_PON_RE = re.compile(r"^gpon-olt_(\d+)/(\d+)/(\d+)$")
_ONU_RE = re.compile(r"^gpon-onu_(\d+)/(\d+)/(\d+):(\d+)$")
_RADIO_RE = re.compile(r"^wifi_0/(\d)$")
_MAX_ONU_ID = 128

_NO_INFO = "%Code 32310: No related information to show."
_NO_ONU = "%Code 32303: The ONU does not exist."


def _code(text: str) -> Reply:
    return Reply(text=text)


def _phase(onu: SimOnu) -> str:
    """ZTE's phase state for the state's vendor-neutral online/offline."""
    if onu.run_state == "online":
        return "working"
    cause = (onu.last_down_cause or "").lower().replace("-", "").replace("_", "")
    return {"los": "LOS", "dyinggasp": "DyingGasp"}.get(cause, "OffLine")


class ZteCli(CliSession):
    """One session of the simulated ZTE CLI."""

    def __init__(self, state: OltState, hostname: str = "OLT") -> None:
        super().__init__(state, hostname)
        self.mode = "exec"
        self.pon: tuple[int, int, int] | None = None
        self.onu_key: tuple[int, int, int, int] | None = None

    def banner(self) -> str:
        """Login banner."""
        return "\n  ZXA10 C300 Optical Access Convergence Equipment\n\n"

    def prompt(self) -> str:
        """The prompt of the current mode."""
        suffix = {"exec": "#", "config": "(config)#", "olt-if": "(config-if)#",
                  "onu-if": "(config-if)#", "mng": "(gpon-onu-mng)#"}[self.mode]
        return self.hostname + suffix

    def syntax_error(self, line: str) -> str:
        """ZTE's caret-style parse error."""
        return "             ^\n%Error 20200: Invalid input detected at '^' marker."

    # ----------------------------------------------------------------- dispatch

    def execute(self, words: list[str], line: str) -> Reply:
        """Route a command by mode."""
        if words[0] == "show":
            return self._show(words[1:])
        if words == ["end"]:
            self.mode, self.pon, self.onu_key = "exec", None, None
            return Reply()
        if words == ["exit"]:
            return self._exit()
        if self.mode == "exec":
            if words in (["terminal", "length", "0"], ["enable"]):
                return Reply()
            if words in (["configure", "terminal"], ["conf", "t"]):
                self.mode = "config"
                return Reply()
            if words == ["write"]:
                self.state.saves += 1
                return Reply(text="Building configuration...\n..[OK]")
        elif self.mode == "config":
            return self._config(words)
        elif self.mode == "olt-if":
            return self._olt_interface(words)
        elif self.mode == "onu-if":
            return self._onu_interface(words)
        else:
            return self._onu_mng(words)
        raise CliSyntaxError(line)

    def _exit(self) -> Reply:
        if self.mode == "exec":
            return Reply(prompt=False, close=True)
        self.mode = "exec" if self.mode == "config" else "config"
        self.pon = self.onu_key = None
        return Reply()

    def _current_onu(self) -> SimOnu | None:
        return self.state.onus.get(self.onu_key) if self.onu_key else None

    # ----------------------------------------------------------------- config

    def _config(self, words: list[str]) -> Reply:
        if len(words) != 2 or words[0] not in ("interface", "pon-onu-mng"):
            raise CliSyntaxError(" ".join(words))
        pon = _PON_RE.match(words[1])
        if words[0] == "interface" and pon:
            self.mode, self.pon = "olt-if", tuple(map(int, pon.groups()))  # type: ignore[assignment]
            return Reply()
        onu = _ONU_RE.match(words[1])
        if not onu:
            raise CliSyntaxError(words[1])
        key = tuple(map(int, onu.groups()))
        if key not in self.state.onus:
            return _code(_NO_ONU)
        self.onu_key = key  # type: ignore[assignment]
        self.mode = "onu-if" if words[0] == "interface" else "mng"
        return Reply()

    def _olt_interface(self, words: list[str]) -> Reply:
        frame, slot, port = self.pon or (1, 1, 1)
        if words[0] == "onu" and len(words) >= 6 and words[2] == "type" and words[4] == "sn":
            onu_id = to_int(words[1], 1, _MAX_ONU_ID)
            onu_type, serial = words[3], canonical_serial(words[5])
            if len(words) not in (6, 8) or (len(words) == 8 and words[6:] != ["vport-mode",
                                                                               "gemport"]):
                raise CliSyntaxError(" ".join(words))
            if serial is None:
                raise CliSyntaxError(words[5])
            if (frame, slot, port, onu_id) in self.state.onus:
                return _code("%Code 32304: The ONU ID is already used.")
            if self.state.find_serial(serial) is not None:
                return _code("%Code 32305: The SN is already registered.")
            if self.state.onu_types is not None and onu_type not in self.state.onu_types:
                return _code("%Code 32306: The ONU type does not exist.")
            seen = self.state.take_autofind(serial)
            onu = SimOnu(frame, slot, port, onu_id, serial, model=onu_type,
                         run_state="online" if seen else "offline",
                         last_down_cause=None if seen else "LOS")
            self.state.onus[onu.key] = onu
            return Reply()
        if words[:2] == ["no", "onu"] and len(words) == 3:
            onu = self.state.onu(frame, slot, port, to_int(words[2], 1, _MAX_ONU_ID))
            if onu is None:
                return _code(_NO_ONU)
            self.state.remove_onu(onu)
            return Reply()
        raise CliSyntaxError(" ".join(words))

    def _onu_interface(self, words: list[str]) -> Reply:
        onu = self._current_onu()
        if onu is None:
            return _code(_NO_ONU)
        head = words[0]
        if head in ("description", "name") and len(words) == 2:
            if head == "description":
                onu.description = words[1]
            return Reply()
        if head == "tcont" and len(words) >= 4:
            tcont = to_int(words[1], 1, 8)
            args = keyword_args(words[2:], {"name", "profile"})
            if "profile" not in args:
                raise CliSyntaxError(" ".join(words))
            profiles = self.state.tcont_profiles
            if profiles is not None and args["profile"] not in profiles:
                return _code("%Code 32307: The profile does not exist.")
            onu.tconts[tcont] = args["profile"]
            return Reply()
        if head == "gemport" and len(words) >= 4:
            gemport = to_int(words[1], 1, 32)
            args = keyword_args(words[2:], {"name", "tcont", "queue"})
            if "tcont" not in args:
                raise CliSyntaxError(" ".join(words))
            tcont = to_int(args["tcont"], 1, 8)
            if tcont not in onu.tconts:
                return _code("%Code 32309: The tcont does not exist.")
            onu.gemports[gemport] = tcont
            return Reply()
        if head == "service-port" and len(words) == 8:
            return self._service_port(onu, words)
        if words[:2] == ["no", "service-port"] and len(words) == 3:
            if onu.service_ports.pop(to_int(words[2], 1, 64), None) is None:
                return _code("%Code 32311: The service-port does not exist.")
            return Reply()
        raise CliSyntaxError(" ".join(words))

    def _service_port(self, onu: SimOnu, words: list[str]) -> Reply:
        # service-port K vport G user-vlan V vlan V
        index = to_int(words[1], 1, 64)
        args = keyword_args(words[2:], {"vport", "user-vlan", "vlan"})
        if args.keys() != {"vport", "user-vlan", "vlan"}:
            raise CliSyntaxError(" ".join(words))
        vport = to_int(args["vport"], 1, 32)
        user_vlan = to_int(args["user-vlan"], 1, 4094)
        vlan = to_int(args["vlan"], 1, 4094)
        if vport not in onu.gemports:
            return _code("%Code 32312: The vport does not exist.")
        if index in onu.service_ports:
            return _code("%Code 32308: The service-port already exists.")
        onu.service_ports[index] = SimServicePort(index, vlan, user_vlan, vport, onu.frame,
                                                  onu.slot, onu.port, onu.onu_id)
        return Reply()

    # ----------------------------------------------------------------- pon-onu-mng

    def _onu_mng(self, words: list[str]) -> Reply:
        onu = self._current_onu()
        if onu is None:
            return _code(_NO_ONU)
        head = words[0]
        if head == "service" and len(words) >= 6:
            args = keyword_args(words[2:], {"gemport", "vlan", "iphost"})
            if not {"gemport", "vlan"} <= args.keys():
                raise CliSyntaxError(" ".join(words))
            onu.services[words[1]] = {"gemport": to_int(args["gemport"], 1, 32),
                                      "vlan": to_int(args["vlan"], 1, 4094)}
            return Reply()
        if head == "wan-ip" and len(words) >= 5 and words[2] == "mode":
            return self._wan_ip(onu, words)
        if words[:2] == ["vlan", "port"] and len(words) == 7 and words[3:6] == ["mode", "tag",
                                                                                 "vlan"]:
            onu.native_vlan = to_int(words[6], 1, 4094)
            return Reply()
        if head == "ssid" and len(words) >= 5:
            return self._ssid(onu, words)
        if words == ["reboot"]:
            onu.reboots += 1
            return Reply()
        raise CliSyntaxError(" ".join(words))

    def _wan_ip(self, onu: SimOnu, words: list[str]) -> Reply:
        to_int(words[1], 1, 8)
        mode = words[3]
        valued = {"vlan-profile", "host"}
        required = {"vlan-profile", "host"}
        if mode == "pppoe":
            valued |= {"username", "password"}
            required |= {"username", "password"}
        elif mode == "static":
            valued |= {"ip-profile", "ip-address", "mask"}
            required |= {"ip-profile", "ip-address", "mask"}
        elif mode != "dhcp":
            raise CliSyntaxError(mode)
        args = keyword_args(words[4:], valued)
        if not required <= args.keys():
            raise CliSyntaxError(" ".join(words))
        profiles = self.state.vlan_profiles
        if profiles is not None and args["vlan-profile"] not in profiles:
            return _code("%Code 32307: The profile does not exist.")
        onu.wan = {"mode": mode, **args}
        onu.internet_enabled = True
        return Reply()

    def _ssid(self, onu: SimOnu, words: list[str]) -> Reply:
        # ssid ctrl wifi_0/N name NAME | ssid auth wpa wifi_0/N wpa2-psk encrypt aes key KEY
        if words[1] == "ctrl" and len(words) == 5 and words[3] == "name":
            radio_word, field, value = words[2], "ssid", words[4]
            if not 1 <= len(value) <= 32:
                raise CliSyntaxError(value)
        elif (words[1:3] == ["auth", "wpa"] and len(words) == 9
              and words[4:8] == ["wpa2-psk", "encrypt", "aes", "key"]):
            radio_word, field, value = words[3], "key", words[8]
            if not 8 <= len(value) <= 63:
                raise CliSyntaxError(value)
        else:
            raise CliSyntaxError(" ".join(words))
        radio = _RADIO_RE.match(radio_word)
        if not radio:
            raise CliSyntaxError(radio_word)
        band = "5" if int(radio.group(1)) >= 5 else "2.4"
        onu.wifi.setdefault(band, {})[field] = value
        return Reply()

    # ----------------------------------------------------------------- show

    def _show(self, words: list[str]) -> Reply:
        if words == ["gpon", "onu", "uncfg"]:
            return self._show_uncfg()
        if words[:2] == ["gpon", "onu"] and len(words) == 4:
            what, target = words[2], words[3]
            pon, onu = _PON_RE.match(target), _ONU_RE.match(target)
            if what == "state" and pon:
                return self._show_state(*map(int, pon.groups()))
            if what == "detail-info" and onu:
                found = self.state.onu(*map(int, onu.groups()))
                return Reply(text=self._detail(found)) if found else _code(_NO_ONU)
        if words[:4] == ["gpon", "onu", "by", "sn"] and len(words) == 5:
            serial = canonical_serial(words[4])
            found = self.state.find_serial(serial) if serial else None
            if found is None:
                return _code(_NO_INFO)
            return Reply(text="SearchResult\n-----------------\n"
                              f"gpon-onu_{found.frame}/{found.slot}/{found.port}:{found.onu_id}")
        if words[:2] == ["running-config", "interface"] and len(words) == 3:
            onu = _ONU_RE.match(words[2])
            if onu:
                found = self.state.onu(*map(int, onu.groups()))
                return Reply(text=self._running_config(found)) if found else _code(_NO_ONU)
        raise CliSyntaxError(" ".join(words))

    def _show_uncfg(self) -> Reply:
        if not self.state.autofind:
            return _code(_NO_INFO)
        lines = ["OnuIndex                 Sn                  State",
                 "---------------------------------------------------------------------"]
        counters: dict[tuple[int, int, int], int] = {}
        for entry in self.state.autofind:
            pon = (entry.frame, entry.slot, entry.port)
            counters[pon] = counters.get(pon, 0) + 1
            index = f"gpon-onu_{entry.frame}/{entry.slot}/{entry.port}:{counters[pon]}"
            lines.append(f"{index:<25}{entry.serial:<20}unknown")
        return Reply(text="\n".join(lines))

    def _show_state(self, frame: int, slot: int, port: int) -> Reply:
        onus = sorted((o for o in self.state.onus.values()
                       if (o.frame, o.slot, o.port) == (frame, slot, port)),
                      key=lambda o: o.onu_id)
        if not onus:
            return _code(_NO_INFO)
        lines = ["OnuIndex   Admin State  OMCC State  Phase State  Channel",
                 "--------------------------------------------------------------"]
        for o in onus:
            omcc = "enable" if o.run_state == "online" else "disable"
            index = f"{o.frame}/{o.slot}/{o.port}:{o.onu_id}"
            lines.append(f"{index:<11}enable       {omcc:<12}{_phase(o):<13}1(GPON)")
        online = sum(o.run_state == "online" for o in onus)
        lines.append(f"ONU Number: {online}/{len(onus)}")
        return Reply(text="\n".join(lines))

    def _detail(self, onu: SimOnu) -> str:
        working = onu.run_state == "online"
        lines = [
            f"ONU interface:          gpon-onu_{onu.frame}/{onu.slot}/{onu.port}:{onu.onu_id}",
            f"  Name:                 ONU-{onu.slot}:{onu.onu_id}",
            f"  Type:                 {onu.model}",
            f"  State:                {'ready' if working else 'offline'}",
            "  Admin state:          enable",
            f"  Phase state:          {_phase(onu)}",
            "  Config state:         success",
            "  Authentication mode:  sn",
            "  SN Bind:              enable with SN check",
            f"  Serial number:        {onu.serial}",
            f"  Description:          {onu.description}",
            "  Vport mode:           gemport",
            "  DBA Mode:             Hybrid",
            "  ONU Status:           enable",
            f"  ONU Distance:         {onu.distance_m if working else 0}m",
            f"  Online Duration:      {'0h 5m 12s' if working else '0h 0m 0s'}",
            "  FEC:                  none",
            "------------------------------------------",
            "       Authpass Time          OfflineTime             Cause",
            "   1   2024-05-02 10:00:00    2024-05-02 11:00:00     DyingGasp",
        ]
        if working:
            lines.append("   2   2024-05-02 11:05:00    0000-00-00 00:00:00")
        else:
            lines.append(f"   2   2024-05-02 11:05:00    2024-05-02 12:00:00     {_phase(onu)}")
        return "\n".join(lines)

    def _running_config(self, onu: SimOnu) -> str:
        lines = ["Building configuration...",
                 f"interface gpon-onu_{onu.frame}/{onu.slot}/{onu.port}:{onu.onu_id}"]
        if onu.description:
            lines.append(f"  description {onu.description}")
        lines += [f"  tcont {t} profile {p}" for t, p in sorted(onu.tconts.items())]
        lines += [f"  gemport {g} tcont {t}" for g, t in sorted(onu.gemports.items())]
        lines += [f"  service-port {sp.index} vport {sp.gemport} user-vlan {sp.user_vlan} "
                  f"vlan {sp.vlan}" for sp in sorted(onu.service_ports.values(),
                                                     key=lambda sp: sp.index)]
        return "\n".join(lines + ["!", "end"])
