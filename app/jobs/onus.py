"""Jobs that change an ONU on its OLT: provision, Wi-Fi, reboot, delete.

RQ carries only the id of an :class:`~app.models.OnuProvisioning` row; the row holds
the state (queued, running, done, failed, partial), the lines sent and the device's
answers. The work itself is :func:`app.services.onus.run_job`; this module adds what
makes it safe to run in the background:

- **one job per OLT at a time**: a lock per OLT, in Redis (``redis-py`` ``Lock`` with a
  timeout, so a killed worker cannot hold it forever) when ``REDIS_URL`` is set, else a
  ``threading.Lock`` per OLT in this process. Different OLTs run in parallel;
- **retries with backoff** of transient failures (:class:`OltConnectionError`, and an
  OLT still locked by another job after ``ONU_LOCK_WAIT`` seconds): RQ's ``Retry`` with
  the intervals of ``ONU_JOB_RETRY_INTERVALS``, or the same schedule in a background
  thread when there is no Redis; the last failure is recorded honestly;
- **reruns**: a job is safe to run twice (see ``run_job``), so a worker killed at any
  point is recovered by running the same id again.

Without Redis the job runs in a background thread of the web process, so the page that
enqueued it answers at once and shows the status live, as it does with RQ.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app
from flask_babel import gettext as _

from app.drivers.olt import OltConnectionError
from app.jobs import enqueue, jobs_inline, panel_job, redis_connection
from app.models import JobStatus, OnuProvisioning
from app.models.base import utcnow

log = logging.getLogger(__name__)

DEFAULT_RETRY_INTERVALS = (5, 15, 45)
DEFAULT_LOCK_TTL = 600.0
DEFAULT_LOCK_WAIT = 120.0


class OltBusyError(OltConnectionError):
    """Another job kept the OLT's lock for longer than ``ONU_LOCK_WAIT``: retry later."""


# --------------------------------------------------------------------------- per-OLT lock

_local_locks: dict[int, threading.Lock] = {}
_local_locks_guard = threading.Lock()


def _local_lock(olt_id: int) -> threading.Lock:
    with _local_locks_guard:
        return _local_locks.setdefault(olt_id, threading.Lock())


@contextmanager
def olt_lock(olt_id: int, *, wait: float | None = None, ttl: float | None = None
             ) -> Iterator[None]:
    """Hold the OLT's lock for the block: no other job configures that OLT meanwhile.

    Args:
        wait: seconds to wait for the lock (``ONU_LOCK_WAIT``, default 120).
        ttl: Redis only: seconds after which a lock left by a dead worker expires
            (``ONU_LOCK_TTL``, default 600); longer than any job.

    Raises:
        OltBusyError: the lock was not obtained in ``wait`` seconds.
    """
    config = current_app.config
    wait = float(config.get("ONU_LOCK_WAIT", DEFAULT_LOCK_WAIT) if wait is None else wait)
    ttl = float(config.get("ONU_LOCK_TTL", DEFAULT_LOCK_TTL) if ttl is None else ttl)
    busy = _("OLT %(olt)s has been busy with another job for more than %(seconds)s s.",
             olt=olt_id, seconds=int(wait))
    if config.get("REDIS_URL"):
        from redis.exceptions import LockError

        # thread_local=False: the token must stay valid if RQ runs the job in another
        # thread than the one that took the lock (death penalty timers).
        lock = redis_connection().lock(f"panel:olt-lock:{olt_id}", timeout=ttl,
                                       blocking_timeout=wait, thread_local=False)
        if not lock.acquire():
            raise OltBusyError(busy)
        try:
            yield
        finally:
            try:
                lock.release()
            except LockError:
                log.warning("the lock of OLT %s expired while its job ran (ONU_LOCK_TTL=%s)",
                            olt_id, ttl)
        return
    lock = _local_lock(olt_id)
    if not lock.acquire(timeout=wait):
        raise OltBusyError(busy)
    try:
        yield
    finally:
        lock.release()


# --------------------------------------------------------------------------- the job


def retry_intervals() -> list[int]:
    """Seconds between attempts after a transient failure (``ONU_JOB_RETRY_INTERVALS``)."""
    return [int(s) for s in current_app.config.get("ONU_JOB_RETRY_INTERVALS",
                                                   DEFAULT_RETRY_INTERVALS)]


def _rq_attempts_left() -> int:
    """Retries RQ still holds for the current job (0 outside RQ or on the last attempt)."""
    from rq import get_current_job

    job = get_current_job()
    return int(job.retries_left or 0) if job is not None else 0


@panel_job
def run_onu_job(provisioning_id: int, attempts_left: int | None = None) -> str | None:
    """Run an ONU job under its OLT's lock; the RQ entry point (RQ passes only the id).

    A transient failure is recorded on the row and re-raised while attempts are left,
    so RQ's ``Retry`` runs it again after the next interval; on the last attempt the
    job ends ``failed`` with the reason. Running it again after it finished does nothing.

    Args:
        provisioning_id: the :class:`~app.models.OnuProvisioning` to run.
        attempts_left: retries left after this attempt (None: ask RQ).

    Returns:
        The job's final status, or None when it was not due to run.

    Raises:
        OltConnectionError: transient failure with attempts left.
    """
    from app.extensions import db
    from app.services import onus as service

    left = _rq_attempts_left() if attempts_left is None else attempts_left
    job = db.session.get(OnuProvisioning, provisioning_id)
    if job is None or job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
        return None
    olt_id = job.onu.olt_id
    db.session.rollback()  # no transaction held open while waiting for the lock
    intervals = retry_intervals()
    try:
        with olt_lock(olt_id):
            finished = service.run_job(provisioning_id)
    except OltConnectionError as exc:
        # RQ waits intervals[n - retries_left] before the next attempt.
        next_in = intervals[min(max(len(intervals) - left, 0), len(intervals) - 1)] \
            if left and intervals else None
        service.record_connection_failure(provisioning_id, exc, retry_in=next_in)
        if left:
            raise
        return "failed"
    return finished.status.value if finished is not None else None


# --------------------------------------------------------------------------- enqueueing

_threads: set[threading.Thread] = set()
_threads_guard = threading.Lock()


def enqueue_onu_job(job: OnuProvisioning) -> str | None:
    """Start a committed ONU job in the background.

    With Redis: an RQ job on the ``ONU_JOB_QUEUE`` queue (default ``network``) with
    ``Retry`` over ``ONU_JOB_RETRY_INTERVALS``; its id is kept on the row. Without:
    a daemon thread of this process that applies the same retry schedule.

    Returns:
        The RQ job id, or None when the job runs in a thread.
    """
    from app.extensions import db

    intervals = retry_intervals()
    if not jobs_inline():
        try:
            rq_id = enqueue(
                run_onu_job,
                job.id,
                queue_name=current_app.config.get("ONU_JOB_QUEUE", "network"),
                job_id=f"onu-job-{job.id}-{job.attempts}",
                retry=(len(intervals), intervals) if intervals else None,
            )
        except Exception as exc:  # Redis down: say so on the row instead of a silent queue
            log.exception("could not enqueue ONU job %s", job.id)
            db.session.rollback()
            job.status = JobStatus.FAILED
            job.finished_at = utcnow()
            job.message = _("The job could not be queued (%(error)s); run the action again "
                            "later.", error=type(exc).__name__)
            db.session.commit()
            return None
        job.rq_job_id = rq_id
        db.session.commit()
        return rq_id
    app = current_app._get_current_object()
    thread = threading.Thread(target=_run_in_thread, args=(app, job.id, intervals),
                              name=f"onu-job-{job.id}", daemon=True)
    with _threads_guard:
        _threads.add(thread)
    thread.start()
    return None


def _run_in_thread(app: Flask, provisioning_id: int, intervals: list[int]) -> None:
    """What a worker with ``Retry(max=len(intervals), interval=intervals)`` would do."""
    try:
        with app.app_context():
            for attempt in range(len(intervals) + 1):
                left = len(intervals) - attempt
                try:
                    run_onu_job(provisioning_id, attempts_left=left)
                    return
                except OltConnectionError:
                    time.sleep(intervals[attempt])
                except Exception:
                    log.exception("ONU job %s failed", provisioning_id)
                    return
    finally:
        with _threads_guard:
            _threads.discard(threading.current_thread())


def wait_for_background_jobs(timeout: float = 30.0) -> bool:
    """Wait for the ONU jobs running in threads of this process (tests, shutdown).

    Returns:
        True when none is left running.
    """
    deadline = time.monotonic() + timeout
    while True:
        with _threads_guard:
            pending = [t for t in _threads if t.is_alive()]
        if not pending:
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        pending[0].join(min(remaining, 0.5))
