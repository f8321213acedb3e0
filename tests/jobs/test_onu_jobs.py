"""ONU jobs under faults: a worker killed or a session dropped at any step then rerun
leaves exactly one ONU and one service-port; jobs for one OLT never overlap (shown from
the simulator's session log) while different OLTs run in parallel; transient failures
are retried with backoff or end honestly failed; device refusals end failed or partial
with the device's message; and a real RQ worker on Redis runs and retries them."""

from __future__ import annotations

import copy
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

import app.jobs as jobs_package
from app.drivers.olt.base import OltDriver
from app.jobs.onus import _local_lock, olt_lock, run_onu_job, wait_for_background_jobs
from app.models import JobStatus, Onu, OnuProvisioning, OnuState
from app.oltsim import Faults, start_simulator
from app.services import onus as svc
from tests.support.i18n import translated
from tests.support.onus import (
    ONU_SETTINGS,
    SEEDS,
    SERIALS,
    Network,
    fresh,
    link_data,
    olt_record,
    onus_on,
    service_ports_of,
)

VENDORS = ["huawei", "zte"]
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip("no Redis at REDIS_URL")
    return connection


class DropOnce(Faults):
    """Drop the session the first time a line matching ``pattern`` arrives, never again.

    The simulator records the dropped line in its log before hanging up, which is how
    this fault knows it already fired.
    """

    def __init__(self, sim, pattern: str) -> None:
        super().__init__()
        self._sim, self._pattern = sim, pattern

    @property
    def drop_on_command(self):  # type: ignore[override]
        fired = any(re.search(self._pattern, c) for c in self._sim.log.commands())
        return None if fired else self._pattern

    @drop_on_command.setter
    def drop_on_command(self, value) -> None:
        pass  # the dataclass __init__ assigns the field; this fault computes it


def _one_shot_network(db_session, vendor: str, name: str):
    """A fresh simulated OLT and its record, for one iteration of a loop."""
    sim = start_simulator(vendor, seed=copy.deepcopy(SEEDS[vendor]))
    olt = olt_record(vendor, sim, name=name)
    db_session.add(olt)
    db_session.commit()
    return sim, olt


def _link(make_plan_for, sim, olt, vendor: str):
    data = link_data(Network({vendor: sim}, {vendor: olt}), vendor)
    return svc.link_onu(make_plan_for().id, data)


# --------------------------------------------------------------------------- reruns


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_session_dropped_after_any_command_then_rerun_leaves_one_onu_and_one_port(
        onu_settings, make_plan_for, manual_jobs, db_session, vendor):
    """Drop the job's session after its 1st, 2nd, ... command, until a run gets through."""
    serial = SERIALS[vendor][0]
    crash_points = 0
    for after in range(1, 60):
        sim, olt = _one_shot_network(db_session, vendor, f"OLT {vendor} drop {after}")
        try:
            job = _link(make_plan_for, sim, olt, vendor)
            sim.faults.drop_after_commands = after
            first = run_onu_job(job.id, attempts_left=0)
            if first == "done":
                break  # the whole job fitted before the drop: every step was covered
            crash_points += 1
            assert first == "failed"
            failed = fresh(db_session, job)
            assert failed.status is JobStatus.FAILED and "OLT" in failed.message
            # Rerun, as an operator (or RQ's requeue) would.
            sim.faults.reset()
            svc.retry_provisioning(job.id)
            assert run_onu_job(job.id, attempts_left=0) == "done", fresh(db_session, job).message
            assert onus_on(sim, serial) == 1, after
            assert service_ports_of(sim, serial) == 1, after
            assert fresh(db_session, job).onu.state is OnuState.PROVISIONED
        finally:
            sim.stop()
        # Each iteration uses a new plan and OLT; the serial is freed for the next one.
        db_session.query(OnuProvisioning).delete()
        db_session.query(Onu).delete()
        db_session.commit()
    assert crash_points > 15  # login, reads, every provisioning line and the read-back


@pytest.mark.parametrize("vendor", VENDORS)
def test_a_worker_killed_at_any_step_then_rerun_leaves_one_onu_and_one_port(
        onu_settings, make_plan_for, manual_jobs, db_session, monkeypatch, vendor):
    """The process dies (SystemExit, nothing caught, the row stays "running") mid-job."""
    serial = SERIALS[vendor][0]
    original_send = OltDriver._send
    kills = 0
    for kill_at in range(1, 40):
        sim, olt = _one_shot_network(db_session, vendor, f"OLT {vendor} kill {kill_at}")
        sent = {"n": 0}

        def dying_send(self, command, _at=kill_at, _sent=sent):
            output = original_send(self, command)
            _sent["n"] += 1
            if _sent["n"] == _at:
                raise SystemExit("worker killed")
            return output

        try:
            job = _link(make_plan_for, sim, olt, vendor)
            monkeypatch.setattr(OltDriver, "_send", dying_send)
            try:
                outcome = run_onu_job(job.id, attempts_left=0)
            except SystemExit:
                outcome = "killed"
            monkeypatch.setattr(OltDriver, "_send", original_send)
            if outcome == "done":
                break
            kills += 1
            db_session.rollback()
            assert fresh(db_session, job).status is JobStatus.RUNNING  # as a dead worker leaves it
            assert run_onu_job(job.id, attempts_left=0) == "done"
            assert onus_on(sim, serial) == 1, kill_at
            assert service_ports_of(sim, serial) == 1, kill_at
            assert fresh(db_session, job).attempts == 2
        finally:
            monkeypatch.setattr(OltDriver, "_send", original_send)
            sim.stop()
        db_session.query(OnuProvisioning).delete()
        db_session.query(Onu).delete()
        db_session.commit()
    assert kills > 10


# A worker process: its own app on the test database, running one ONU job.
WORKER = """
import sys
from app import create_app
from app.jobs.onus import run_onu_job
from tests.conftest import TEST_SETTINGS
from tests.support.onus import ONU_SETTINGS

worker = create_app({**TEST_SETTINGS, **ONU_SETTINGS, "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with worker.app_context():
    print("finished:", run_onu_job(int(sys.argv[2]), attempts_left=0), flush=True)
"""


@pytest.mark.parametrize(("vendor", "kill_at"), [
    ("huawei", r"^ont add "),           # the ONU is on the OLT, its service-port is not
    ("huawei", r"^service-port \d+ "),  # everything sent, nothing read back
    ("zte", r"^onu \d+ type "),
    ("zte", r"^service-port \d+ "),
])
def test_a_worker_process_killed_mid_job_then_rerun_leaves_one_onu_and_one_port(
        database_url, network, make_plan_for, manual_jobs, db_session, vendor, kill_at):
    """SIGKILL a real worker process the moment the OLT has taken a given line."""
    sim, serial = network.sim(vendor), SERIALS[vendor][0]
    job = svc.link_onu(make_plan_for().id, link_data(network, vendor))
    sim.faults.latency_s = 0.5  # every answer waits, so the kill lands before the next line
    worker = subprocess.Popen([sys.executable, "-c", WORKER, database_url, str(job.id)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline = time.monotonic() + 120
        while not any(re.search(kill_at, line) for line in sim.log.commands()):
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker never sent the line"
            time.sleep(0.02)
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    sent = sim.log.commands()
    assert re.search(kill_at, sent[-1]), sent[-3:]  # killed right after that line
    assert onus_on(sim, serial) == 1
    half_done = service_ports_of(sim, serial)
    assert half_done == (1 if "service-port" in kill_at else 0)
    killed = fresh(db_session, job)
    assert killed.status is JobStatus.RUNNING and killed.attempts == 1  # as the dead worker left it

    sim.faults.reset()
    assert run_onu_job(job.id, attempts_left=0) == "done", fresh(db_session, job).message
    assert onus_on(sim, serial) == 1
    assert service_ports_of(sim, serial) == 1
    rerun = fresh(db_session, job)
    assert rerun.attempts == 2 and rerun.onu.state is OnuState.PROVISIONED


def test_a_finished_job_run_again_sends_nothing(network, make_plan_for, manual_jobs,
                                                db_session):
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    assert run_onu_job(job.id) == "done"
    network.sim("huawei").log.clear()
    assert run_onu_job(job.id) is None
    assert network.sim("huawei").log.sessions == {}
    assert fresh(db_session, job).attempts == 1


# --------------------------------------------------------------------------- locks


def _span(sim):
    """(first open, last close) of the simulator's sessions."""
    sessions = list(sim.log.sessions.values())
    return min(s.opened_at for s in sessions), max(s.closed_at or time.monotonic()
                                                   for s in sessions)


def _run_together(target_app, job_ids):
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(job_ids))

    def run(job_id: int) -> None:
        try:
            with target_app.app_context():
                barrier.wait()
                assert run_onu_job(job_id, attempts_left=0) == "done"
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in job_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors


def test_two_jobs_for_one_olt_never_overlap_while_two_olts_run_in_parallel(
        app, network, make_plan_for, manual_jobs, db_session):
    huawei = network.sim("huawei")
    first = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    second = svc.link_onu(make_plan_for().id,
                          link_data(network, "huawei", serial=SERIALS["huawei"][1]))
    zte = svc.link_onu(make_plan_for().id, link_data(network, "zte"))
    for sim in network.sims.values():
        sim.log.clear()
        sim.faults.latency_s = 0.02  # long enough jobs for an overlap to show
    _run_together(app, [first.id, second.id, zte.id])

    assert len(huawei.log.sessions) >= 2
    assert huawei.log.overlapping_sessions() == []
    # The two OLTs were configured at the same time: the lock is per OLT.
    (h_start, h_end), (z_start, z_end) = _span(huawei), _span(network.sim("zte"))
    assert h_start < z_end and z_start < h_end
    assert onus_on(huawei, SERIALS["huawei"][0]) == onus_on(huawei, SERIALS["huawei"][1]) == 1


def test_the_session_log_would_show_an_overlap_without_the_lock(network):
    """Control: two sessions opened at once on one OLT do show up as overlapping."""
    sim = network.sim("huawei")
    sim.log.clear()
    sim.faults.latency_s = 0.02
    barrier = threading.Barrier(2)
    olt = network.olts["huawei"]

    def read(driver) -> None:
        barrier.wait()
        with driver:
            driver.discover_unprovisioned()

    drivers = [svc.olt_driver(olt) for _ in range(2)]
    threads = [threading.Thread(target=read, args=(d,)) for d in drivers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sim.log.overlapping_sessions() != []


def test_with_redis_two_jobs_for_one_olt_never_overlap(make_app, app, network, make_plan_for,
                                                       manual_jobs, db_session):
    _redis_or_skip()
    queued = make_app(**{**ONU_SETTINGS, "REDIS_URL": REDIS_URL})
    first = svc.link_onu(make_plan_for().id, link_data(network, "zte"))
    second = svc.link_onu(make_plan_for().id, link_data(network, "zte", serial=SERIALS["zte"][1]))
    sim = network.sim("zte")
    sim.log.clear()
    sim.faults.latency_s = 0.02
    _run_together(queued, [first.id, second.id])
    assert len(sim.log.sessions) >= 2
    assert sim.log.overlapping_sessions() == []


def test_a_lock_left_by_a_dead_worker_expires(make_app, app, network, make_plan_for,
                                              manual_jobs, db_session):
    connection = _redis_or_skip()
    queued = make_app(**{**ONU_SETTINGS, "REDIS_URL": REDIS_URL})
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    olt_id = network.olts["huawei"].id
    # A worker took the lock and died: nobody releases it, its timeout does.
    connection.delete(f"panel:olt-lock:{olt_id}")
    dead = connection.lock(f"panel:olt-lock:{olt_id}", timeout=1.0)
    assert dead.acquire(blocking=False)
    started = time.monotonic()
    with queued.app_context():
        assert run_onu_job(job.id, attempts_left=0) == "done"
    assert time.monotonic() - started >= 0.5


def test_an_olt_kept_busy_too_long_is_a_transient_failure(network, make_plan_for, manual_jobs,
                                                          db_session, app):
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    app.config["ONU_LOCK_WAIT"] = 0.2
    lock = _local_lock(network.olts["huawei"].id)
    with lock:  # another job holds the OLT
        assert run_onu_job(job.id, attempts_left=0) == "failed"
    failed = fresh(db_session, job)
    assert failed.status is JobStatus.FAILED
    assert translated("OLT %(olt)s has been busy with another job for more than %(seconds)s s.",
                      olt=network.olts["huawei"].id, seconds=0) in failed.message
    assert not any(c.startswith("ont add") for c in network.sim("huawei").log.commands())


def test_olt_lock_is_per_olt(app):
    with app.app_context(), olt_lock(101, wait=0.1):
        with olt_lock(102, wait=0.1):
            pass  # another OLT: free
        with pytest.raises(svc.OltConnectionError), olt_lock(101, wait=0.1):
            pass


# --------------------------------------------------------------------------- retries


def test_a_dropped_session_is_retried_in_the_background_and_completes(
        network, make_plan_for, db_session, app):
    sim = network.sim("huawei")
    sim.faults = DropOnce(sim, r"^service-port \d+ vlan")
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))  # a thread runs it
    assert wait_for_background_jobs(30)
    done = fresh(db_session, job)
    assert done.status is JobStatus.DONE, done.message
    assert done.attempts == 2
    assert onus_on(sim, SERIALS["huawei"][0]) == 1
    assert service_ports_of(sim, SERIALS["huawei"][0]) == 1
    assert "tentativa 1" in done.output and "tentativa 2" in done.output


def test_a_connection_that_keeps_dropping_ends_honestly_failed(network, make_plan_for,
                                                               db_session):
    sim = network.sim("zte")
    sim.faults.drop_on_command = r"^service-port"
    job = svc.link_onu(make_plan_for().id, link_data(network, "zte"))
    assert wait_for_background_jobs(30)
    failed = fresh(db_session, job)
    assert failed.status is JobStatus.FAILED
    assert failed.attempts == 1 + len(ONU_SETTINGS["ONU_JOB_RETRY_INTERVALS"])
    assert failed.onu.state is OnuState.FAILED
    assert "127.0.0.1" in failed.message  # which OLT, and that attempts ran out
    # What the OLT holds is half a provisioning; a retry completes it.
    assert onus_on(sim, SERIALS["zte"][0]) == 1
    assert service_ports_of(sim, SERIALS["zte"][0]) == 0
    sim.faults.reset()
    svc.retry_provisioning(job.id)
    assert wait_for_background_jobs(30)
    assert fresh(db_session, job).status is JobStatus.DONE
    assert service_ports_of(sim, SERIALS["zte"][0]) == 1


# --------------------------------------------------------------------------- refusals


def test_a_refused_service_port_ends_partial_with_the_device_message(
        network, make_plan_for, manual_jobs, db_session):
    sim = network.sim("huawei")
    sim.faults.error_on_command = {r"^service-port": "  Failure: The VLAN does not exist"}
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    assert run_onu_job(job.id) == "partial"
    partial = fresh(db_session, job)
    assert "Failure: The VLAN does not exist" in partial.message
    assert "Service-port 1 ausente" in partial.message
    assert partial.onu.state is OnuState.PARTIAL
    assert "Failure: The VLAN does not exist" in partial.output
    sim.faults.reset()
    svc.retry_provisioning(job.id)
    assert run_onu_job(job.id) == "done"
    assert service_ports_of(sim, SERIALS["huawei"][0]) == 1


def test_a_refused_onu_ends_failed_with_nothing_left_on_the_olt(network, make_plan_for,
                                                                manual_jobs, db_session):
    sim = network.sim("zte")
    sim.faults.error_on_command = {r"^onu \d+ type": "%Code 32306: The ONU type does not exist."}
    job = svc.link_onu(make_plan_for().id, link_data(network, "zte"))
    assert run_onu_job(job.id) == "failed"
    failed = fresh(db_session, job)
    assert "%Code 32306: The ONU type does not exist." in failed.message
    assert failed.onu.state is OnuState.FAILED
    assert onus_on(sim, SERIALS["zte"][0]) == 0


def test_a_refused_login_is_not_retried(network, make_plan_for, manual_jobs, db_session):
    olt = network.olts["huawei"]
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    olt.password = "senha-errada"
    db_session.commit()
    assert run_onu_job(job.id, attempts_left=3) == "failed"
    failed = fresh(db_session, job)
    assert "recusou o usuário ou a senha" in failed.message
    assert failed.attempts == 1
    assert "senha-errada" not in failed.message + (failed.output or "")


# --------------------------------------------------------------------------- RQ on Redis


def test_a_queue_that_is_down_is_said_so_and_the_link_can_be_retried(
        make_app, app, network, make_plan_for, db_session):
    with socket.socket() as probe:  # a port where nothing listens
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    down = make_app(**{**ONU_SETTINGS, "REDIS_URL": f"redis://127.0.0.1:{closed}/0"})
    with down.app_context():
        job_id = svc.link_onu(make_plan_for().id, link_data(network, "huawei")).id
    job = db_session.get(OnuProvisioning, job_id)
    assert job.status is JobStatus.FAILED and "ConnectionError" in job.message
    svc.retry_provisioning(job_id)  # the shared app runs jobs in a thread
    assert wait_for_background_jobs(30)
    assert fresh(db_session, job).status is JobStatus.DONE


def _worker(connection, queue_name: str, worker_app) -> None:
    from rq import Queue, SimpleWorker

    jobs_package._worker_app = worker_app  # the worker builds its app from these settings
    try:
        SimpleWorker([Queue(queue_name, connection=connection)],
                     connection=connection).work(burst=True)
    finally:
        jobs_package._worker_app = None


def test_a_real_rq_worker_provisions_and_retries(make_app, app, network, make_plan_for,
                                                 db_session):
    connection = _redis_or_skip()
    from rq import Queue

    name = f"test-onu-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    queued = make_app(**{**ONU_SETTINGS, "REDIS_URL": REDIS_URL, "ONU_JOB_QUEUE": name})
    sim = network.sim("zte")
    sim.faults = DropOnce(sim, r"^gemport")
    with queued.app_context():
        job = svc.link_onu(make_plan_for().id, link_data(network, "zte"))
        job_id, rq_id = job.id, job.rq_job_id
    assert rq_id and rq_id in Queue(name, connection=connection).job_ids
    assert fresh(db_session, job).status is JobStatus.QUEUED
    try:
        _worker(connection, name, queued)
        done = fresh(db_session, job)
        assert done.status is JobStatus.DONE, done.message
        assert done.attempts == 2  # the dropped session, then RQ's retry
        assert onus_on(sim, SERIALS["zte"][0]) == 1
        assert service_ports_of(sim, SERIALS["zte"][0]) == 1
        # Wi-Fi through the same worker.
        with queued.app_context():
            wifi_id = svc.update_wifi(done.onu_id, {"ssid_24": "Casa",
                                                    "key_24": "chave-segura"}).id
        _worker(connection, name, queued)
        db_session.expire_all()
        assert db_session.get(OnuProvisioning, wifi_id).status is JobStatus.DONE
        assert sim.state.find_serial(SERIALS["zte"][0]).wifi["2.4"]["ssid"] == "Casa"
    finally:
        Queue(name, connection=connection).delete(delete_jobs=True)
    assert job_id


def test_the_panel_worker_keeps_one_olt_session_across_jobs_and_still_forks_the_rest(
        make_app, app, network, make_plan_for, db_session, monkeypatch):
    connection = _redis_or_skip()
    from rq import Queue

    from app.jobs import enqueue
    from app.jobs.sample import touch_variable
    from app.jobs.worker import PanelWorker
    from app.models import SystemVariable

    monkeypatch.setattr(svc, "_sessions", None)  # this process keeps no session yet
    name = f"test-onu-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    other = f"{name}-default"
    queued = make_app(**{**ONU_SETTINGS, "REDIS_URL": REDIS_URL, "ONU_JOB_QUEUE": name})
    sim = network.sim("huawei")
    with queued.app_context():
        ids = [svc.link_onu(make_plan_for().id,
                            link_data(network, "huawei", serial=serial)).id
               for serial in SERIALS["huawei"][:3]]
        enqueue(touch_variable, "TESTE_JOB", "num-filho", queue_name=other)
    sim.log.clear()
    queues = [Queue(name, connection=connection), Queue(other, connection=connection)]
    jobs_package._worker_app = queued
    try:
        PanelWorker(queues, connection=connection).work(burst=True)
    finally:
        jobs_package._worker_app = None
        for q in queues:
            q.delete(delete_jobs=True)
    db_session.expire_all()
    for job_id in ids:
        job = db_session.get(OnuProvisioning, job_id)
        assert job.status is JobStatus.DONE, job.message
    for serial in SERIALS["huawei"][:3]:
        assert onus_on(sim, serial) == 1
    # Three provisionings, one login; the worker logged out when it stopped.
    assert len(sim.log.sessions) == 1
    assert all(s.closed_at is not None for s in sim.log.sessions.values())
    # The other queue's job ran in a forked horse, with database connections of its own.
    assert db_session.query(SystemVariable).filter_by(code="TESTE_JOB").one().value == "num-filho"


def test_a_stop_request_for_a_job_running_in_the_worker_kills_nothing(
        make_app, app, monkeypatch):
    connection = _redis_or_skip()
    from rq import Queue

    from app.jobs.worker import PanelWorker

    monkeypatch.setattr(svc, "_sessions", None)
    killed = []
    monkeypatch.setattr(os, "killpg", lambda *args: killed.append(args))
    jobs_package._worker_app = make_app(**{**ONU_SETTINGS, "REDIS_URL": REDIS_URL})
    try:
        worker = PanelWorker([Queue(f"test-stop-{uuid.uuid4().hex[:6]}", connection=connection)],
                             connection=connection)
        worker.kill_horse()  # no horse: a job of the network queue runs in the worker
    finally:
        jobs_package._worker_app = None
        worker._stop_reaper.set()
    assert killed == []
