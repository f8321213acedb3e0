"""The end of a provisional speed runs on time through a real RQ worker with the
scheduler, on the real Redis (time moved for the scheduler, not waited); without Redis,
the sweep of due work ends it."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from app.models import RadiusLogin, Subscription, SubscriptionStatus
from app.models.base import utcnow
from app.services import radius
from app.services import subscription_actions as actions
from tests.support.actions import audit_entries, build_subscription
from tests.support.radius import configure_blocked_group, radius_rows

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")
QUEUES = ("default", "network")


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
    _clean(connection)
    yield queued, connection
    _clean(connection)
    jobs._worker_app = None


def _work(q, connection) -> None:
    """One burst of a real RQ worker with its scheduler: it moves the scheduled jobs that
    are due (by RQ's clock) onto the queue, then runs what the queue holds."""
    from rq import SimpleWorker
    from rq.scheduler import RQScheduler

    # Another scheduler holding the queue's lock would keep ours from moving the job and
    # the test would fail for a reason it does not name.
    holder = connection.get(RQScheduler.get_locking_key(q.name))
    assert holder is None, f"another RQ scheduler ({holder!r}) holds {q.name}; stop it first"
    SimpleWorker([q], connection=connection).work(burst=True, with_scheduler=True)


def _clean(connection) -> None:
    """Remove the provisional-speed jobs this module schedules (and nothing else)."""
    from rq import Queue

    for name in QUEUES:
        q = Queue(name, connection=connection)
        for job_id in q.scheduled_job_registry.get_job_ids():
            if "provisional" in job_id:
                q.scheduled_job_registry.remove(job_id, delete_job=True)


@pytest.fixture
def suspended_login(db_session) -> dict:
    data = build_subscription(db_session, status=SubscriptionStatus.SUSPENDED)
    configure_blocked_group(db_session)
    db_session.commit()
    radius.create_login(data["sub"].id, "provisoria", "s3nha-Forte")
    radius.block_login(data["sub"].id)
    return data


def test_the_provisional_speed_ends_on_time_through_rq(
    redis_app, db_session, suspended_login, monkeypatch
):
    from rq import Queue
    from rq.job import Job, JobStatus

    queued, connection = redis_app
    sub_id = suspended_login["sub"].id
    with queued.app_context():
        subscription = actions.restore_provisional_speed(sub_id)
        until = actions.aware(subscription.provisional_until)
    q = Queue("default", connection=connection)
    (job_id,) = [j for j in q.scheduled_job_registry.get_job_ids() if j.startswith(
        f"provisional-speed-end-{sub_id}-")]
    scheduled_at = q.scheduled_job_registry.get_scheduled_time(job_id)
    assert abs((scheduled_at - until).total_seconds()) < 1
    assert radius_rows(db_session, "provisoria")["radusergroup"] == [
        ("provisoria", radius.ACTIVE_GROUP)
    ]

    # Now: the scheduler finds nothing due, the worker does nothing.
    _work(q, connection)
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).provisional_until is not None
    assert not db_session.query(RadiusLogin).one().blocked

    # One minute before the end (time moved for RQ's scheduler): still nothing.
    import rq.scheduler

    def at(moment):
        monkeypatch.setattr(rq.scheduler, "current_timestamp", lambda: int(moment.timestamp()))

    at(until - timedelta(minutes=1))
    _work(q, connection)
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).provisional_until is not None
    assert Job.fetch(job_id, connection=connection).get_status() == JobStatus.SCHEDULED

    # At the end, the worker runs the job: the login is blocked again.
    at(until + timedelta(seconds=1))
    _work(q, connection)
    db_session.expire_all()
    subscription = db_session.get(Subscription, sub_id)
    assert subscription.provisional_until is None
    assert subscription.status == SubscriptionStatus.SUSPENDED
    assert subscription.provisional_used  # once per suspension
    assert db_session.query(RadiusLogin).one().blocked
    assert radius_rows(db_session, "provisoria")["radusergroup"] == [("provisoria", "bloqueado")]
    assert job_id not in q.scheduled_job_registry.get_job_ids()
    # The RQ job did it (not the sweep of due work): it ran and reports the end.
    job = Job.fetch(job_id, connection=connection)
    assert (job.get_status(), job.return_value()) == (JobStatus.FINISHED, True)
    # Audited as the job's doing, with the end it cleared.
    entry = audit_entries(db_session, "subscriptions", sub_id, "update")[-1]
    assert (entry.source, entry.username) == ("job", "job:end_provisional_speed")
    assert entry.changes["provisional_until"]["after"] is None


def test_without_redis_the_sweep_ends_it(app, db_session, suspended_login, monkeypatch):
    from app.jobs.due import run_due_work

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    sub_id = suspended_login["sub"].id
    actions.restore_provisional_speed(sub_id)
    assert not db_session.query(RadiusLogin).one().blocked
    # Three days later (the stored end moved into the past): the sweep's turn.
    db_session.get(Subscription, sub_id).provisional_until = utcnow() - timedelta(minutes=1)
    db_session.commit()

    done = run_due_work()

    assert done["due_provisional_speeds"] == 1
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).provisional_until is None
    assert db_session.query(RadiusLogin).one().blocked
