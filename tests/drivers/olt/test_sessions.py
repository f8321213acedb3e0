"""OLT sessions kept between jobs (SessionPool), against the simulated OLTs over real SSH."""

from __future__ import annotations

import time

import pytest

from app.drivers.olt import DeviceCommandError, OltConnectionError
from app.drivers.olt.sessions import SessionPool

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


@pytest.fixture
def make_pool():
    """``make_pool(idle_timeout=60)``: a SessionPool whose sessions are logged out after."""
    pools: list[SessionPool] = []

    def make(idle_timeout: float = 60) -> SessionPool:
        pools.append(SessionPool(idle_timeout=idle_timeout))
        return pools[-1]

    yield make
    for pool in pools:
        pool.close_all()


def _logins(sim) -> int:
    return len(sim.log.sessions)


def test_a_kept_session_serves_the_next_job_without_a_new_login(make_pool, sim, connect):
    pool = make_pool()
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    with pool.session("olt-1", connect) as second:
        assert second.discover_unprovisioned()
    assert second is first
    assert _logins(sim) == 1
    assert len(pool) == 1
    pool.close_all()
    # Closing logs out: the simulator saw the session end.
    time.sleep(0.2)
    assert all(s.closed_at is not None for s in sim.log.sessions.values())


def test_each_key_has_its_own_session(make_pool, sim, connect):
    pool = make_pool()
    with pool.session(("olt-1", "old password digest"), connect) as a:
        a.discover_unprovisioned()
    with pool.session(("olt-1", "new password digest"), connect) as b:
        b.discover_unprovisioned()
    assert a is not b
    assert _logins(sim) == 2


def test_a_block_that_fails_closes_its_session(make_pool, sim, connect):
    pool = make_pool()
    with pytest.raises(RuntimeError), pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
        raise RuntimeError("the job broke half way")
    assert not first.is_open
    assert len(pool) == 0
    with pool.session("olt-1", connect) as second:
        second.discover_unprovisioned()
    assert second is not first
    assert _logins(sim) == 2


def test_a_device_refusal_handled_in_the_job_keeps_a_usable_session(
    make_pool, sim, connect, vendor
):
    pool = make_pool()
    with pool.session("olt-1", connect) as first, pytest.raises(DeviceCommandError):
        first.apply(["no-such-command at all"])
    # The driver left config mode after the refusal: the next job works as usual.
    with pool.session("olt-1", connect) as second:
        assert second.discover_unprovisioned()
    assert second is first
    assert _logins(sim) == 1


def test_a_session_the_olt_hung_up_is_replaced_by_a_new_login(make_pool, sim, connect):
    pool = make_pool()
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    sim.drop_sessions()  # the OLT's idle logout, while the session waits in the pool
    deadline = time.monotonic() + 5
    while first.is_open and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not first.is_open
    with pool.session("olt-1", connect) as second:
        assert second.discover_unprovisioned()
    assert second is not first
    assert _logins(sim) == 2


def test_a_session_idle_too_long_is_not_lent_again(make_pool, sim, connect):
    pool = make_pool(0.1)
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    time.sleep(0.2)
    with pool.session("olt-1", connect) as second:
        second.discover_unprovisioned()
    assert second is not first
    assert not first.is_open
    assert _logins(sim) == 2


def test_a_session_dropped_during_the_job_is_not_kept(make_pool, sim, connect):
    pool = make_pool()
    sim.faults.drop_on_command = "autofind|uncfg"
    with pytest.raises(OltConnectionError), pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    assert len(pool) == 0
    sim.faults.reset()
    with pool.session("olt-1", connect) as second:
        assert second.discover_unprovisioned()


def test_forget_leaves_the_sessions_open_for_their_owner(sim, connect):
    pool = SessionPool(idle_timeout=60)
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    pool.forget()
    try:
        assert len(pool) == 0
        assert first.is_open
    finally:
        first.close()


def test_close_idle_logs_out_only_the_sessions_idle_too_long(make_pool, sim, connect):
    pool = make_pool(0.3)
    with pool.session("old", connect) as old:
        old.discover_unprovisioned()
    time.sleep(0.4)
    with pool.session("new", connect) as new:
        new.discover_unprovisioned()
    assert pool.close_idle() == 1
    assert not old.is_open and new.is_open
    assert len(pool) == 1
    time.sleep(0.2)
    closed = [s for s in sim.log.sessions.values() if s.closed_at is not None]
    assert len(closed) == 1  # the OLT saw the old session log out


def test_forget_in_a_forked_child_does_not_wait_for_a_lock_another_thread_held(sim, connect):
    import threading

    pool = SessionPool(idle_timeout=60)
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with pool._lock:
            held.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    held.wait(5)
    try:
        pool.forget()  # as the child does, whose copy of the lock may be held forever
        assert len(pool) == 0
    finally:
        release.set()
        holder.join(5)
        first.close()


def test_the_worker_reaper_logs_idle_sessions_out_while_the_worker_waits(sim, connect):
    import threading

    from app.jobs.worker import _reap_idle_sessions

    pool = SessionPool(idle_timeout=0.2)
    stop = threading.Event()
    reaper = threading.Thread(target=_reap_idle_sessions, args=(pool, 0.05, stop))
    reaper.start()
    try:
        with pool.session("olt-1", connect) as first:
            first.discover_unprovisioned()
        deadline = time.monotonic() + 5
        while first.is_open and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not first.is_open and len(pool) == 0
    finally:
        stop.set()
        reaper.join(5)
        pool.close_all()
    assert not reaper.is_alive()


def test_a_session_given_back_forgets_the_secrets_of_the_job(make_pool, sim, connect):
    pool = make_pool()
    with pool.session("olt-1", connect) as driver:
        driver._register_secrets(["S3nh@DoCliente", "chave-wifi-1"])
        masked = [m for m in driver._no_log_maps() if "S3nh@DoCliente" in m.values()]
        assert masked  # masked in netmiko's logs while the job runs
    assert driver._secrets == {sim.password}
    assert all("S3nh@DoCliente" not in m.values() for m in driver._no_log_maps())
    assert all(sim.password in m.values() for m in driver._no_log_maps())


def test_forget_keeps_the_parent_sessions_referenced(sim, connect):
    from app.drivers.olt import sessions

    pool = SessionPool(idle_timeout=60)
    with pool.session("olt-1", connect) as first:
        first.discover_unprovisioned()
    pool.forget()
    try:
        # Freed, their SSH channels would send a close through the parent's connection.
        assert any(
            kept[0] is first for inherited in sessions._INHERITED for kept in inherited.values()
        )
    finally:
        sessions._INHERITED.clear()
        first.close()
