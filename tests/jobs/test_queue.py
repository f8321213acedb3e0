"""Jobs run in-process without Redis, and through a real RQ worker with it."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from app.jobs import enqueue
from app.jobs.sample import touch_variable
from app.models import AuditLog, SystemVariable

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


def test_without_redis_the_job_runs_at_once(make_app, app, db_session):
    inline = make_app(REDIS_URL=None)
    with inline.app_context():
        assert enqueue(touch_variable, "TESTE_JOB", "feito") is None
    value = db_session.query(SystemVariable).filter_by(code="TESTE_JOB").one().value
    assert value == "feito"
    entry = db_session.query(AuditLog).filter_by(table_name="system_variables").one()
    assert entry.source == "job"


def test_with_redis_a_real_worker_runs_the_job(make_app, app, db_session):
    connection = _redis_or_skip()
    from rq import Queue, SimpleWorker

    queued = make_app(REDIS_URL=REDIS_URL)
    with queued.app_context():
        name = f"test-{os.getpid()}"
        job_id = enqueue(touch_variable, "TESTE_JOB", "pela-fila", queue_name=name)
    assert job_id
    assert db_session.query(SystemVariable).filter_by(code="TESTE_JOB").count() == 0
    q = Queue(name, connection=connection)
    import app.jobs as jobs

    jobs._worker_app = queued  # the worker builds its app from the same settings
    try:
        SimpleWorker([q], connection=connection).work(burst=True)
    finally:
        jobs._worker_app = None
    db_session.expire_all()
    assert db_session.query(SystemVariable).filter_by(code="TESTE_JOB").one().value == "pela-fila"
    q.delete(delete_jobs=True)


def test_scheduled_job_waits_for_its_time(make_app, app, db_session):
    connection = _redis_or_skip()
    from rq import Queue

    queued = make_app(REDIS_URL=REDIS_URL)
    name = f"test-sched-{os.getpid()}"
    with queued.app_context():
        at = datetime.now(UTC) + timedelta(days=3)
        job_id = enqueue(touch_variable, "TESTE_JOB", "depois", queue_name=name, at=at)
    q = Queue(name, connection=connection)
    assert job_id in q.scheduled_job_registry.get_job_ids()
    assert q.count == 0
    q.scheduled_job_registry.remove(job_id, delete_job=True)
