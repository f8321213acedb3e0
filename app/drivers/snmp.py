"""ONU online state and optical receive power over SNMP v2c (pysnmp 7, asyncio).

Reading these by SNMP is far cheaper than an SSH session, so status pages and
periodic jobs use this module and keep the CLI for changes.

OIDs (indexed ``<PON ifIndex>.<ONU id>``):

* Huawei MA56xx/MA58xx (HUAWEI-XPON/GPON MIB):
  run state ``1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15`` (1 online, 2 offline);
  receive power ``1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4`` in hundredths of dBm,
  ``2147483647`` when the ONU is offline.
* ZTE C300/C320 (zxAnGponSrvOnu tables, the ``.3902.1082.500`` tree used by
  public C300/C320 pollers): phase state ``1.3.6.1.4.1.3902.1082.500.10.2.3.8.1.4``
  (1 logging, 2 LOS, 3 syncMib, 4 working, 5 DyingGasp, 6 authFailed,
  7 offline); ONU receive power ``1.3.6.1.4.1.3902.1082.500.20.2.2.2.1.10``,
  indexed ``<ifIndex>.<ONU id>.1``, where ``dBm = raw * 0.002 - 30`` (raw as a
  signed 16-bit number; 0 and 65535 mean "no reading").

A missing OID answers ``NoSuchInstance``/``NoSuchObject``; that gives ``None``
for the value, never an error.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from pysnmp.error import PySnmpError
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    UdpTransportTarget,
    get_cmd,
)
from pysnmp.proto import errind
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject
from pysnmp.smi import builder, view

HUAWEI_RUN_STATE_OID = "1.3.6.1.4.1.2011.6.128.1.1.2.46.1.15"
HUAWEI_RX_POWER_OID = "1.3.6.1.4.1.2011.6.128.1.1.2.51.1.4"
ZTE_PHASE_STATE_OID = "1.3.6.1.4.1.3902.1082.500.10.2.3.8.1.4"
ZTE_RX_POWER_OID = "1.3.6.1.4.1.3902.1082.500.20.2.2.2.1.10"

_HUAWEI_STATES = {1: "online", 2: "offline"}
_HUAWEI_NO_POWER = 2147483647
_ZTE_PHASES = {1: "logging", 2: "LOS", 3: "syncMib", 4: "working", 5: "DyingGasp",
               6: "authFailed", 7: "offline"}
_ZTE_WORKING = 4

# Huawei's GPON port ifIndex: 0xFA000000 (the GPON port type in the top bits),
# plus slot << 13, plus port << 8. Public pollers agree on it for frame 0,
# the only frame an MA5608T/MA5800-X7 chassis has.
_HUAWEI_GPON_BASE = 4194304000
# ZTE's ifIndex in the .1082.500 tables: 0x11 in the top byte, then shelf,
# slot and port one byte each; gpon-olt_1/1/1 is 285278465.
_ZTE_GPON_BASE = 0x11 << 24


_mib_view_lock = threading.Lock()
_mib_view: view.MibViewController | None = None


def _shared_mib_view() -> view.MibViewController:
    # Every new SnmpEngine loads the base MIBs again on its first request
    # (about a second). Numeric OIDs only need that once per process, so one
    # warmed-up view is shared; after warm-up it is only read.
    global _mib_view
    with _mib_view_lock:
        if _mib_view is None:
            mib_view = view.MibViewController(builder.MibBuilder())
            ObjectType(ObjectIdentity("1.3.6.1.2.1.1.1.0")).resolve_with_mib(mib_view)
            _mib_view = mib_view
        return _mib_view


class SnmpError(Exception):
    """The SNMP read failed (agent error, bad address)."""


class SnmpTimeoutError(SnmpError):
    """No answer in time: transient, worth a retry."""


@dataclass(frozen=True)
class OnuSnmpStatus:
    """What the OLT's agent says about one ONU.

    Attributes:
        found: the agent knows the ONU (at least one value was present).
        online: True/False, or None when the state OID is missing.
        state: the state in the vendor's words ("online", "LOS", "working" ...).
        raw_state: the integer the agent returned.
        rx_power_dbm: optical receive power at the ONU, or None (offline, missing).
    """

    found: bool
    online: bool | None
    state: str | None
    raw_state: int | None
    rx_power_dbm: float | None


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} fora do intervalo ({low}–{high})")
    return value


def huawei_gpon_ifindex(frame: int, slot: int, port: int) -> int:
    """ifIndex of a Huawei GPON port: ``4194304000 + slot*8192 + port*256`` (frame 0).

    Raises:
        ValueError: frame other than 0 (the formula is not verified there), or
            slot/port out of range.
    """
    if frame != 0:
        raise ValueError("Índice SNMP Huawei só é conhecido para o frame 0")
    _check_int("Slot", slot, 0, 31)
    _check_int("Porta PON", port, 0, 31)
    return _HUAWEI_GPON_BASE + slot * 8192 + port * 256


def zte_gpon_ifindex(shelf: int, slot: int, port: int) -> int:
    """ifIndex of a ZTE C300/C320 ``gpon-olt_shelf/slot/port`` in the ``.1082.500`` tables.

    Raises:
        ValueError: a part out of range.
    """
    _check_int("Shelf", shelf, 0, 255)
    _check_int("Slot", slot, 0, 255)
    _check_int("Porta PON", port, 0, 255)
    return _ZTE_GPON_BASE + (shelf << 16) + (slot << 8) + port


def _oids(vendor: str, frame: int, slot: int, port: int, onu_id: int) -> tuple[str, str]:
    _check_int("ID da ONU", onu_id, 0, 255)
    if vendor == "huawei":
        index = f"{huawei_gpon_ifindex(frame, slot, port)}.{onu_id}"
        return f"{HUAWEI_RUN_STATE_OID}.{index}", f"{HUAWEI_RX_POWER_OID}.{index}"
    if vendor == "zte":
        index = f"{zte_gpon_ifindex(frame, slot, port)}.{onu_id}"
        return f"{ZTE_PHASE_STATE_OID}.{index}", f"{ZTE_RX_POWER_OID}.{index}.1"
    raise ValueError("Fabricante de OLT não suportado")


def _integer(value: Any) -> int | None:
    if isinstance(value, NoSuchInstance | NoSuchObject | EndOfMibView):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _decode(vendor: str, raw_state: int | None, raw_power: int | None) -> OnuSnmpStatus:
    names = _HUAWEI_STATES if vendor == "huawei" else _ZTE_PHASES
    state = None if raw_state is None else names.get(raw_state, f"desconhecido({raw_state})")
    if vendor == "huawei":
        online = None if raw_state is None else raw_state == 1
        power = None
        if raw_power is not None and abs(raw_power) != _HUAWEI_NO_POWER:
            power = round(raw_power / 100, 2)
    else:
        online = None if raw_state is None else raw_state == _ZTE_WORKING
        power = None
        if raw_power is not None and raw_power not in (0, 65535):
            signed = raw_power - 65536 if raw_power > 32767 else raw_power
            power = round(signed * 0.002 - 30, 2)
    found = raw_state is not None or raw_power is not None
    return OnuSnmpStatus(found, online, state, raw_state, power)


async def read_onu_status_async(
    vendor: str,
    host: str,
    community: str,
    frame: int,
    slot: int,
    port: int,
    onu_id: int,
    *,
    snmp_port: int = 161,
    timeout: float = 2.0,
    retries: int = 1,
) -> OnuSnmpStatus:
    """Read an ONU's state and receive power with one SNMP v2c GET.

    Raises:
        ValueError: unknown vendor or position out of range.
        SnmpTimeoutError: the agent did not answer in time.
        SnmpError: any other SNMP failure.
    """
    state_oid, power_oid = _oids(vendor, frame, slot, port, onu_id)
    engine = SnmpEngine()
    engine.cache["mibViewController"] = _shared_mib_view()
    try:
        target = await UdpTransportTarget.create((host, snmp_port), timeout=timeout,
                                                 retries=retries)
        error_indication, error_status, error_index, var_binds = await get_cmd(
            engine,
            # OLTs in the field speak v2c; the community is read-only.
            CommunityData(community, mpModel=1),  # noqa: S508
            target,
            ContextData(),
            ObjectType(ObjectIdentity(state_oid)),
            ObjectType(ObjectIdentity(power_oid)),
        )
    except PySnmpError as exc:
        raise SnmpError(f"Falha SNMP em {host}:{snmp_port}: {exc}") from exc
    finally:
        engine.close_dispatcher()
    if isinstance(error_indication, errind.RequestTimedOut):
        raise SnmpTimeoutError(f"OLT {host}:{snmp_port} não respondeu ao SNMP")
    if error_indication:
        raise SnmpError(f"Falha SNMP em {host}:{snmp_port}: {error_indication}")
    if error_status:
        raise SnmpError(f"Agente SNMP em {host}:{snmp_port} respondeu {error_status.prettyPrint()}")
    values = {str(name): value for name, value in var_binds}
    return _decode(vendor, _integer(values.get(state_oid)), _integer(values.get(power_oid)))


def _run(coroutine: Coroutine[Any, Any, OnuSnmpStatus]) -> OnuSnmpStatus:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    # Called from code that already runs an event loop: asyncio.run would
    # refuse, so run the read on its own loop in a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def read_onu_status(
    vendor: str,
    host: str,
    community: str,
    frame: int,
    slot: int,
    port: int,
    onu_id: int,
    *,
    snmp_port: int = 161,
    timeout: float = 2.0,
    retries: int = 1,
) -> OnuSnmpStatus:
    """Blocking form of :func:`read_onu_status_async`, for RQ jobs and Flask views.

    Raises:
        ValueError, SnmpTimeoutError, SnmpError: see the async form.
    """
    return _run(read_onu_status_async(vendor, host, community, frame, slot, port, onu_id,
                                      snmp_port=snmp_port, timeout=timeout, retries=retries))
