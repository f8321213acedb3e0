"""A scheduled transfer is run by a real RQ worker with the scheduler, on the real Redis,
on its day (time moved, not waited), and exactly once with two workers."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.models import Contract, OwnershipTransfer, Subscription, TransferStatus
from app.services import transfers as svc
from tests.services.test_transfers import _request, holding  # noqa: F401 - fixture

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_app(make_app, app):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip("no Redis at REDIS_URL")
    import app.jobs as jobs

    queued = make_app(REDIS_URL=REDIS_URL)
    jobs._worker_app = queued  # workers build their jobs' app from these settings
    yield queued, connection
    jobs._worker_app = None


def _clean(connection):
    from rq import Queue

    q = Queue("default", connection=connection)
    for job_id in q.scheduled_job_registry.get_job_ids():
        q.scheduled_job_registry.remove(job_id, delete_job=True)
    q.empty()


def test_scheduled_transfer_runs_on_its_day_through_rq(redis_app, db_session, holding, monkeypatch):  # noqa: F811
    from rq import Queue, SimpleWorker

    queued, connection = redis_app
    _clean(connection)
    with queued.app_context():
        today = svc.local_today()
        transfer = svc.request_transfer(_request(holding, transfer_on=today + timedelta(days=3)))
        transfer_id, job_id = transfer.id, transfer.rq_job_id
    assert job_id == f"ownership-transfer-{transfer_id}"
    q = Queue("default", connection=connection)
    assert job_id in q.scheduled_job_registry.get_job_ids()

    # Today the scheduler finds nothing due: the worker does nothing.
    SimpleWorker([q], connection=connection).work(burst=True, with_scheduler=True)
    db_session.expire_all()
    assert db_session.get(OwnershipTransfer, transfer_id).status == TransferStatus.SCHEDULED

    # Three days later (time moved for RQ's scheduler), the worker runs it.
    import rq.scheduler
    from rq.utils import current_timestamp

    later = current_timestamp() + int(timedelta(days=3, hours=3).total_seconds())
    monkeypatch.setattr(rq.scheduler, "current_timestamp", lambda: later)
    SimpleWorker([q], connection=connection).work(burst=True, with_scheduler=True)
    db_session.expire_all()
    assert db_session.get(OwnershipTransfer, transfer_id).status == TransferStatus.DONE
    assert db_session.get(Subscription, holding["sub"].id).customer_id == holding["new"].id
    _clean(connection)


def test_two_workers_run_it_once(redis_app, db_session, holding, database_url):  # noqa: F811
    """Two real ``rq worker`` processes take the same transfer at once: it runs once."""
    import subprocess
    import sys
    from pathlib import Path

    from rq import Queue

    from app.jobs.transfers import run_transfer

    queued, connection = redis_app
    with queued.app_context():
        today = svc.local_today()
        transfer = svc.request_transfer(_request(holding, transfer_on=today + timedelta(days=1)))
        transfer_id = transfer.id
    # The same transfer reaches two workers (e.g. the scheduler and the sweep both
    # enqueued it): two jobs in the queue, two worker processes started together.
    name = f"transfers-{os.getpid()}"
    q = Queue(name, connection=connection)
    jobs = [q.enqueue(run_transfer, transfer_id) for _ in range(2)]
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "PANEL_ENV": "test",
        "SECRET_KEY": queued.config["SECRET_KEY"],
        "PYTHONPATH": str(root),
    }
    rq_bin = str(Path(sys.executable).with_name("rq"))
    workers = [
        subprocess.Popen(
            [rq_bin, "worker", "--burst", "--max-jobs", "1", "--url", REDIS_URL, name],
            cwd=root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    for worker in workers:
        output, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0, output.decode()[-2000:]
    results = sorted(job.return_value(refresh=True) for job in jobs)
    assert results == [False, True]
    assert db_session.query(Contract).filter(Contract.number.like("CT-OLD-T%")).count() == 1
    db_session.expire_all()
    assert db_session.get(OwnershipTransfer, transfer_id).status == TransferStatus.DONE
    q.delete(delete_jobs=True)
    _clean(connection)
