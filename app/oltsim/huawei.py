"""Simulated Huawei MA56xx/MA58xx CLI.

Modes and prompts: ``OLT>`` (user), ``OLT#`` (enable), ``OLT(config)#``,
``OLT(config-if-gpon-F/S)#``. ``quit`` at the top asks "Are you sure to log
out? (y/n)[n]:" and, on ``y``, prints "Configuration console exit, please
retry to log on" and closes: netmiko's ``huawei_olt`` waits for exactly that,
or it spends 30 s on every disconnect.

Error answers follow the device: "% Unknown command, the error locates at
'^'", "% Parameter error, ...", and ``Failure: ...`` for refused operations
("The ONT ID has already existed", "SN already exists", ...).
"""

from __future__ import annotations

import re

from app.oltsim.cli import CliSession, CliSyntaxError, Reply, keyword_args, to_int
from app.oltsim.state import OltState, SimOnu, SimServicePort, canonical_serial, serial_hex

_FSP_RE = re.compile(r"^(\d+)/(\d+)/(\d+)$")
_FS_RE = re.compile(r"^(\d+)/(\d+)$")
_RULE = "  " + "-" * 77
_MAX_PORT = 15
_MAX_ONT_ID = 127


def _failure(message: str) -> Reply:
    return Reply(text=f"  Failure: {message}")


def _sn_text(serial: str) -> str:
    return f"{serial_hex(serial)} ({serial[:4]}-{serial[4:]})"


class HuaweiCli(CliSession):
    """One session of the simulated Huawei CLI."""

    def __init__(self, state: OltState, hostname: str = "OLT") -> None:
        super().__init__(state, hostname)
        self.mode = "user"
        self.interface: tuple[int, int] | None = None

    def banner(self) -> str:
        """Login banner (no ``>`` in it: netmiko reads up to the first one)."""
        return ("\n  Huawei Integrated Access Software (MA5800).\n"
                "  Copyright(C) Huawei Technologies Co., Ltd. 2002-2024. All rights reserved.\n"
                "\n  User last login information: none\n\n")

    def prompt(self) -> str:
        """The prompt of the current mode."""
        if self.mode == "user":
            return f"{self.hostname}>"
        if self.mode == "enable":
            return f"{self.hostname}#"
        if self.mode == "config":
            return f"{self.hostname}(config)#"
        frame, slot = self.interface or (0, 0)
        return f"{self.hostname}(config-if-gpon-{frame}/{slot})#"

    def syntax_error(self, line: str) -> str:
        """Huawei's caret-style parse error."""
        return "                  ^\n  % Unknown command, the error locates at '^'"

    # ----------------------------------------------------------------- dispatch

    def execute(self, words: list[str], line: str) -> Reply:
        """Route a command by mode."""
        head = words[0]
        if head == "display":
            return self._display(words[1:])
        if words in (["undo", "smart"], ["scroll"], ["infoswitch", "cli", "OFF"],
                     ["mmi-mode", "enable"], ["mmi-mode", "disable"]) or (
                head == "scroll" and len(words) == 2):
            return Reply()
        if head == "quit":
            return self._quit()
        if head == "return" and self.mode != "user":
            self.mode, self.interface = "enable", None
            return Reply()
        if self.mode == "user":
            if words == ["enable"]:
                self.mode = "enable"
                return Reply()
        elif self.mode == "enable":
            if words == ["config"]:
                self.mode = "config"
                return Reply()
            if words == ["disable"]:
                self.mode = "user"
                return Reply()
            if words == ["enable"]:
                return Reply()
            if words == ["save"]:
                self.state.saves += 1
                return Reply(text="  The data saving is complete")
        elif self.mode == "config":
            return self._config(words)
        else:
            return self._interface_gpon(words)
        raise CliSyntaxError(line)

    def _quit(self) -> Reply:
        if self.mode == "gpon":
            self.mode, self.interface = "config", None
            return Reply()
        if self.mode == "config":
            self.mode = "enable"
            return Reply()

        def answer(text: str) -> Reply:
            if text.lower().startswith("y"):
                return Reply(text="\n  Check whether system data has been changed. Please save "
                                  "data before logout.\n"
                                  "  Configuration console exit, please retry to log on",
                             prompt=False, close=True)
            return Reply()

        return self.ask("  Are you sure to log out? (y/n)[n]:", answer)

    # ----------------------------------------------------------------- config mode

    def _config(self, words: list[str]) -> Reply:
        if words[0] == "interface" and len(words) == 3 and words[1] == "gpon":
            match = _FS_RE.match(words[2])
            if not match:
                raise CliSyntaxError(words[2])
            self.mode = "gpon"
            self.interface = (int(match.group(1)), int(match.group(2)))
            return Reply()
        if words[0] == "service-port":
            return self._service_port_add(words[1:])
        if words[:2] == ["undo", "service-port"] and len(words) == 3:
            index = to_int(words[2], 0, 65535)
            if self.state.service_ports.pop(index, None) is None:
                return _failure("The service virtual port does not exist")
            return Reply()
        raise CliSyntaxError(" ".join(words))

    def _service_port_add(self, words: list[str]) -> Reply:
        index = None
        if words and words[0].isdigit():
            index = to_int(words[0], 0, 65535)
            words = words[1:]
        if words[:1] != ["vlan"]:
            raise CliSyntaxError(" ".join(words))
        args = keyword_args(words, {"vlan", "gpon", "ont", "gemport", "user-vlan",
                                    "tag-transform"}, frozenset({"multi-service"}))
        if args.get("tag-transform", "translate") != "translate":
            raise CliSyntaxError(args["tag-transform"])
        missing = {"vlan", "gpon", "ont", "gemport"} - args.keys()
        if missing:
            return Reply(text="  % Incomplete command, the error locates at '^'")
        fsp = _FSP_RE.match(args["gpon"])
        if not fsp:
            raise CliSyntaxError(args["gpon"])
        frame, slot, port = map(int, fsp.groups())
        vlan = to_int(args["vlan"], 1, 4094)
        user_vlan = to_int(args.get("user-vlan", args["vlan"]), 1, 4094)
        onu_id = to_int(args["ont"], 0, _MAX_ONT_ID)
        gemport = to_int(args["gemport"], 0, 4095)
        if self.state.onu(frame, slot, port, onu_id) is None:
            return _failure("The ONT does not exist")
        if index is None:
            index = next(i for i in range(65536) if i not in self.state.service_ports)
        elif index in self.state.service_ports:
            return _failure("Service virtual port has existed already")
        for existing in self.state.service_ports.values():
            if (existing.frame, existing.slot, existing.port, existing.onu_id,
                    existing.gemport, existing.user_vlan) == (
                    frame, slot, port, onu_id, gemport, user_vlan):
                return _failure("The traffic stream already exists")
        self.state.service_ports[index] = SimServicePort(
            index, vlan, user_vlan, gemport, frame, slot, port, onu_id)
        return Reply()

    # ----------------------------------------------------------------- interface gpon

    def _ont(self, port_word: str, id_word: str) -> tuple[SimOnu | None, int, int]:
        port = to_int(port_word, 0, _MAX_PORT)
        onu_id = to_int(id_word, 0, _MAX_ONT_ID)
        frame, slot = self.interface or (0, 0)
        return self.state.onu(frame, slot, port, onu_id), port, onu_id

    def _interface_gpon(self, words: list[str]) -> Reply:
        if words[0] != "ont" or len(words) < 4:
            raise CliSyntaxError(" ".join(words))
        action, rest = words[1], words[2:]
        handlers = {
            "add": self._ont_add,
            "delete": self._ont_delete,
            "reset": self._ont_reset,
            "port": self._ont_port,
            "ipconfig": self._ont_ipconfig,
            "internet-config": self._ont_internet_config,
            "wlan-config": self._ont_wlan_config,
        }
        if action not in handlers:
            raise CliSyntaxError(action)
        return handlers[action](rest)

    def _ont_add(self, words: list[str]) -> Reply:
        port = to_int(words[0], 0, _MAX_PORT)
        onu_id = to_int(words[1], 0, _MAX_ONT_ID)
        args = keyword_args(words[2:], {"sn-auth", "ont-lineprofile-id", "ont-srvprofile-id",
                                        "desc"}, frozenset({"omci"}))
        if not {"sn-auth", "ont-lineprofile-id", "ont-srvprofile-id"} <= args.keys():
            return Reply(text="  % Incomplete command, the error locates at '^'")
        serial = canonical_serial(args["sn-auth"])
        if serial is None:
            return Reply(text="  % Parameter error, the error locates at '^'")
        line_profile = to_int(args["ont-lineprofile-id"], 0, 65535)
        service_profile = to_int(args["ont-srvprofile-id"], 0, 65535)
        frame, slot = self.interface or (0, 0)
        if self.state.onu(frame, slot, port, onu_id) is not None:
            return _failure("The ONT ID has already existed")
        if self.state.find_serial(serial) is not None:
            return _failure("SN already exists")
        if self.state.line_profiles is not None and line_profile not in self.state.line_profiles:
            return _failure("The line profile does not exist")
        if (self.state.service_profiles is not None
                and service_profile not in self.state.service_profiles):
            return _failure("The service profile does not exist")
        seen = self.state.take_autofind(serial)
        onu = SimOnu(frame, slot, port, onu_id, serial, description=args.get("desc", ""),
                     model=seen.model if seen else "", line_profile=line_profile,
                     service_profile=service_profile,
                     run_state="online" if seen else "offline",
                     last_down_cause=None if seen else "LOS")
        self.state.onus[onu.key] = onu
        return Reply(text=f"  Number of ONTs that can be added: 1, success: 1\n"
                          f"  PortID :{port}, ONTID :{onu_id}")

    def _ont_delete(self, words: list[str]) -> Reply:
        if len(words) != 2:
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[0], words[1])
        if onu is None:
            return _failure("The ONT does not exist")
        if any(sp.onu_id == onu.onu_id and (sp.frame, sp.slot, sp.port) ==
               (onu.frame, onu.slot, onu.port) for sp in self.state.service_ports.values()):
            return _failure("This configured object has some service virtual ports")
        self.state.remove_onu(onu)
        return Reply(text="  Number of ONTs that can be deleted: 1, success: 1")

    def _ont_reset(self, words: list[str]) -> Reply:
        if len(words) != 2:
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[0], words[1])
        if onu is None:
            return _failure("The ONT does not exist")

        def answer(text: str) -> Reply:
            if text.lower().startswith("y"):
                onu.reboots += 1
            return Reply()

        return self.ask("  Are you sure to reset the ONT(s)? (y/n)[n]:", answer)

    def _ont_port(self, words: list[str]) -> Reply:
        # ont port native-vlan P ID eth N vlan V [priority N]
        if words[0] != "native-vlan" or len(words) < 7 or words[3] != "eth":
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[1], words[2])
        to_int(words[4], 1, 8)
        args = keyword_args(words[5:], {"vlan", "priority"})
        if "vlan" not in args:
            return Reply(text="  % Incomplete command, the error locates at '^'")
        vlan = to_int(args["vlan"], 1, 4094)
        if onu is None:
            return _failure("The ONT does not exist")
        onu.native_vlan = vlan
        return Reply()

    def _ont_ipconfig(self, words: list[str]) -> Reply:
        # ont ipconfig P ID ip-index 0 {pppoe|dhcp|static} ...
        if len(words) < 6 or words[2] != "ip-index":
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[0], words[1])
        to_int(words[3], 0, 7)
        mode, rest = words[4], words[5:]
        if mode == "pppoe":
            args = keyword_args(rest, {"vlan", "priority", "username", "password"},
                                frozenset({"user-account"}))
            required = {"vlan", "username", "password", "user-account"}
        elif mode == "dhcp":
            args = keyword_args(rest, {"vlan", "priority"})
            required = {"vlan"}
        elif mode == "static":
            args = keyword_args(rest, {"ip-address", "mask", "gateway", "pri-dns", "slave-dns",
                                       "vlan", "priority"})
            required = {"ip-address", "mask", "gateway", "vlan"}
        else:
            raise CliSyntaxError(mode)
        if not required <= args.keys():
            return Reply(text="  % Incomplete command, the error locates at '^'")
        to_int(args["vlan"], 1, 4094)
        if onu is None:
            return _failure("The ONT does not exist")
        args.pop("user-account", None)
        onu.wan = {"mode": mode, **args}
        return Reply()

    def _ont_internet_config(self, words: list[str]) -> Reply:
        if len(words) != 4 or words[2] != "ip-index":
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[0], words[1])
        if onu is None:
            return _failure("The ONT does not exist")
        if not onu.wan:
            return _failure("The IP index is not configured")
        onu.internet_enabled = True
        return Reply()

    def _ont_wlan_config(self, words: list[str]) -> Reply:
        # ont wlan-config P ID ssid-index N {ssid NAME | wpa-passwd KEY}
        if len(words) != 6 or words[2] != "ssid-index" or words[4] not in ("ssid", "wpa-passwd"):
            raise CliSyntaxError(" ".join(words))
        onu, _, _ = self._ont(words[0], words[1])
        index = to_int(words[3], 1, 8)
        value = words[5]
        if words[4] == "ssid" and not 1 <= len(value) <= 32:
            return Reply(text="  % Parameter error, the error locates at '^'")
        if words[4] == "wpa-passwd" and not 8 <= len(value) <= 63:
            return Reply(text="  % Parameter error, the error locates at '^'")
        if onu is None:
            return _failure("The ONT does not exist")
        radio = onu.wifi.setdefault("5" if index >= 5 else "2.4", {})
        radio["ssid" if words[4] == "ssid" else "key"] = value
        return Reply()

    # ----------------------------------------------------------------- display

    def _display(self, words: list[str]) -> Reply:
        if words == ["ont", "autofind", "all"]:
            return self._display_autofind()
        if words[:2] == ["ont", "info"]:
            rest = words[2:]
            if len(rest) == 2 and rest[0] == "by-sn":
                serial = canonical_serial(rest[1])
                if serial is None:
                    return Reply(text="  % Parameter error, the error locates at '^'")
                onu = self.state.find_serial(serial)
                return Reply(text=self._ont_info(onu)) if onu else _failure(
                    "The ONT does not exist")
            if len(rest) == 4:
                frame, slot, port = (to_int(w, 0, 255) for w in rest[:3])
                if rest[3] == "all":
                    return self._display_port(frame, slot, port)
                onu = self.state.onu(frame, slot, port, to_int(rest[3], 0, _MAX_ONT_ID))
                return Reply(text=self._ont_info(onu)) if onu else _failure(
                    "The ONT does not exist")
        if words == ["service-port", "all"]:
            return self._display_service_ports(list(self.state.service_ports.values()))
        if words[:2] == ["service-port", "port"] and len(words) == 5 and words[3] == "ont":
            fsp = _FSP_RE.match(words[2])
            if not fsp:
                raise CliSyntaxError(words[2])
            key = (*map(int, fsp.groups()), to_int(words[4], 0, _MAX_ONT_ID))
            return self._display_service_ports([
                sp for sp in self.state.service_ports.values()
                if (sp.frame, sp.slot, sp.port, sp.onu_id) == key])
        raise CliSyntaxError(" ".join(words))

    def _display_autofind(self) -> Reply:
        if not self.state.autofind:
            return _failure("The automatically found ONTs do not exist")
        rule = "   " + "-" * 76
        blocks = []
        for number, entry in enumerate(self.state.autofind, start=1):
            blocks.append("\n".join([
                rule,
                f"   Number              : {number}",
                f"   F/S/P               : {entry.frame}/{entry.slot}/{entry.port}",
                f"   Ont SN              : {_sn_text(entry.serial)}",
                "   Password            : 0x00000000000000000000",
                "   Loid                :",
                "   Checkcode           :",
                f"   VendorID            : {entry.serial[:4]}",
                "   Ont Version         : 159D.A",
                "   Ont SoftwareVersion : V5R020C00S115",
                f"   Ont EquipmentID     : {entry.model}",
                "   Ont autofind time   : 2024-05-02 10:12:33-03:00",
            ]))
        return Reply(text="\n".join(blocks) + f"\n{rule}\n"
                     f"   The number of GPON autofind ONT is {len(self.state.autofind)}")

    def _ont_info(self, onu: SimOnu) -> str:
        online = onu.run_state == "online"
        lines = [
            _RULE,
            f"  F/S/P                   : {onu.frame}/{onu.slot}/{onu.port}",
            f"  ONT-ID                  : {onu.onu_id}",
            "  Control flag            : active",
            f"  Run state               : {onu.run_state}",
            f"  Config state            : {'normal' if online else 'initial'}",
            f"  Match state             : {'match' if online else 'initial'}",
            "  DBA type                : SR",
            f"  ONT distance(m)         : {onu.distance_m if online else '-'}",
            "  ONT battery state       : not support",
            "  Authentic type          : SN-auth",
            f"  SN                      : {_sn_text(onu.serial)}",
            "  Management mode         : OMCI",
            "  Software work mode      : normal",
            "  Isolation state         : normal",
            "  ONT IP 0 address/mask   : -",
            f"  Description             : {onu.description}",
            f"  Last down cause         : {onu.last_down_cause or '-'}",
            "  Last up time            : 2024-05-02 10:15:00-03:00",
            "  Last down time          : -",
            "  Last dying gasp time    : -",
            "  ONT online duration     : 0 day(s), 0 hour(s), 5 minute(s), 2 second(s)",
            _RULE,
            f"  Line profile ID      : {onu.line_profile}",
            f"  Line profile name    : line-profile_{onu.line_profile}",
            _RULE,
            f"  Service profile ID   : {onu.service_profile}",
            f"  Service profile name : srv-profile_{onu.service_profile}",
            _RULE,
        ]
        return "\n".join(lines)

    def _display_port(self, frame: int, slot: int, port: int) -> Reply:
        onus = sorted((o for o in self.state.onus.values()
                       if (o.frame, o.slot, o.port) == (frame, slot, port)),
                      key=lambda o: o.onu_id)
        if not onus:
            return _failure("The ONT does not exist")
        fsp = f"{frame}/{slot:>2}/{port}"
        lines = [_RULE,
                 "  F/S/P   ONT         SN         Control     Run      Config   Match    Protect",
                 "          ID                     flag        state    state    state    side",
                 _RULE]
        for o in onus:
            config = "normal" if o.run_state == "online" else "initial"
            lines.append(f"  {fsp}  {o.onu_id:>3}  {serial_hex(o.serial)}  active      "
                         f"{o.run_state:<8} {config:<8} {config:<8} no")
        lines += [_RULE, "  F/S/P   ONT-ID   Description", _RULE]
        lines += [f"  {fsp}     {o.onu_id:>3}   {o.description}" for o in onus]
        online = sum(o.run_state == "online" for o in onus)
        lines += [_RULE, f"  In port {fsp} , the total of ONTs are: {len(onus)}, "
                         f"the number of online ONTs are: {online}", _RULE]
        return Reply(text="\n".join(lines))

    def _display_service_ports(self, ports: list[SimServicePort]) -> Reply:
        if not ports:
            return _failure("No service virtual port can be operated")
        lines = ["  Switch-Oriented Flow List", _RULE,
                 "   INDEX VLAN VLAN     PORT F/ S/ P VPI  VCI   FLOW  FLOW       RX   TX   STATE",
                 "         ID   ATTR     TYPE                    TYPE  PARA", _RULE]
        for sp in sorted(ports, key=lambda sp: sp.index):
            lines.append(f"  {sp.index:>6} {sp.vlan:>4} common   gpon {sp.frame}/{sp.slot} "
                         f"/{sp.port}  {sp.onu_id:<4} {sp.gemport:<5} vlan  {sp.user_vlan:<10} "
                         "-    -    up")
        lines += [_RULE, f"   Total : {len(ports)}  (Up/Down :    {len(ports)}/0)"]
        return Reply(text="\n".join(lines))
