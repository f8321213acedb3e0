"""ONU state and receive power read from a real SNMP agent (snmpsim)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest

from app.drivers.snmp import (
    OnuSnmpStatus,
    SnmpTimeoutError,
    huawei_gpon_ifindex,
    read_onu_status,
    read_onu_status_async,
    zte_gpon_ifindex,
)


def read(port, vendor, *position, community="public"):
    return read_onu_status(vendor, "127.0.0.1", community, *position, snmp_port=port,
                           timeout=1.0, retries=0)


def test_huawei_ifindex_formula():
    assert huawei_gpon_ifindex(0, 0, 0) == 4194304000
    assert huawei_gpon_ifindex(0, 1, 0) == 4194312192
    assert huawei_gpon_ifindex(0, 2, 15) == 4194304000 + 2 * 8192 + 15 * 256
    with pytest.raises(ValueError, match="frame 0"):
        huawei_gpon_ifindex(1, 1, 0)


def test_zte_ifindex_formula():
    assert zte_gpon_ifindex(1, 1, 1) == 285278465
    assert zte_gpon_ifindex(1, 2, 1) == 285278721
    assert zte_gpon_ifindex(1, 3, 16) == 285278992


def test_huawei_online_onu_with_receive_power(snmp_agent):
    assert read(snmp_agent, "huawei", 0, 1, 0, 1) == OnuSnmpStatus(
        found=True, online=True, state="online", raw_state=1, rx_power_dbm=-19.23)


def test_huawei_offline_onu_has_no_power_reading(snmp_agent):
    status = read(snmp_agent, "huawei", 0, 1, 0, 2)
    assert (status.online, status.state, status.rx_power_dbm) == (False, "offline", None)


def test_missing_power_oid_is_none_not_an_error(snmp_agent):
    status = read(snmp_agent, "huawei", 0, 1, 1, 3)
    assert status.online is True
    assert status.rx_power_dbm is None


def test_unknown_onu_is_not_found(snmp_agent):
    status = read(snmp_agent, "huawei", 0, 1, 0, 9)
    assert status == OnuSnmpStatus(False, None, None, None, None)


def test_zte_working_onu(snmp_agent):
    status = read(snmp_agent, "zte", 1, 1, 1, 1)
    assert (status.online, status.state, status.rx_power_dbm) == (True, "working", -19.5)


@pytest.mark.parametrize("position, state", [((1, 1, 1, 2), "LOS"), ((1, 2, 1, 5), "DyingGasp")])
def test_zte_offline_onus_say_why(snmp_agent, position, state):
    status = read(snmp_agent, "zte", *position)
    assert (status.found, status.online, status.state, status.rx_power_dbm) == (
        True, False, state, None)


def run_in_fresh_loop(make_coroutine):
    """asyncio.run in a thread of its own: the suite's browser tests keep Playwright's loop
    running in the main thread, where asyncio.run refuses to start another."""
    result: dict = {}

    def target():
        result["value"] = asyncio.run(make_coroutine())

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    return result["value"]


def test_async_form_runs_inside_an_event_loop(snmp_agent):
    async def both():
        return await asyncio.gather(
            read_onu_status_async("huawei", "127.0.0.1", "public", 0, 1, 0, 1,
                                  snmp_port=snmp_agent, timeout=1.0, retries=0),
            read_onu_status_async("zte", "127.0.0.1", "public", 1, 1, 1, 1,
                                  snmp_port=snmp_agent, timeout=1.0, retries=0))

    huawei, zte = run_in_fresh_loop(both)
    assert huawei.online and zte.online


def test_sync_form_also_works_from_inside_a_running_loop(snmp_agent):
    async def caller():
        return read(snmp_agent, "zte", 1, 1, 1, 1)

    assert run_in_fresh_loop(caller).state == "working"


def test_wrong_community_gets_no_answer(snmp_agent):
    with pytest.raises(SnmpTimeoutError):
        read(snmp_agent, "huawei", 0, 1, 0, 1, community="errada")


def test_silent_agent_times_out_quickly():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as silent:
        silent.bind(("127.0.0.1", 0))  # bound, never answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(SnmpTimeoutError, match="não respondeu"):
            read_onu_status("huawei", "127.0.0.1", "public", 0, 1, 0, 1, snmp_port=port,
                            timeout=0.3, retries=0)
        assert time.monotonic() - started < 2


def test_bad_vendor_or_position_is_refused_before_sending():
    with pytest.raises(ValueError, match="não suportado"):
        read_onu_status("fiberhome", "127.0.0.1", "public", 0, 1, 0, 1)
    with pytest.raises(ValueError):
        read_onu_status("huawei", "127.0.0.1", "public", 0, 1, 0, 999)

