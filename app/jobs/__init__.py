"""Background jobs: RQ queues on Redis when ``REDIS_URL`` is set, in-process otherwise.

Job functions live in this package, take ids (never ORM objects or secrets), and are
decorated with :func:`panel_job`, which gives them an app context and attributes their
changes to the "job" channel of the audit trail. They must be safe to run twice: a
killed worker leaves its job to be run again.

Without Redis, :func:`enqueue` runs the job at once in the calling process, and jobs
scheduled for later are picked up by the sweep of due work (:mod:`app.jobs.due`), which
``make run`` runs every minute in a process of its own (``flask panel run-due --every 60``).
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)

_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def _app() -> Flask:
    """The app of this worker process, built once."""
    global _worker_app
    with _worker_app_lock:
        if _worker_app is None:
            from app import create_app

            _worker_app = create_app()
        return _worker_app


def panel_job(func: Callable) -> Callable:
    """Run ``func`` inside an app context, its changes audited as made by a job."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from app.services.audit import audit_context

        if has_app_context():
            with audit_context("job", username=f"job:{func.__name__}"):
                return func(*args, **kwargs)
        with _app().app_context(), audit_context("job", username=f"job:{func.__name__}"):
            return func(*args, **kwargs)

    return wrapper


def redis_connection():
    """The Redis connection of the configured ``REDIS_URL``."""
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def queue(name: str = "default"):
    """An RQ queue on the configured Redis."""
    from rq import Queue

    return Queue(name, connection=redis_connection())


def jobs_inline() -> bool:
    """True when jobs run in-process (no ``REDIS_URL``)."""
    return not current_app.config.get("REDIS_URL")


def enqueue(
    func: Callable,
    *args: Any,
    queue_name: str = "default",
    job_id: str | None = None,
    at: datetime | None = None,
    retry: tuple[int, list[int]] | None = None,
) -> str | None:
    """Run ``func(*args)`` in the background.

    Args:
        func: an importable job function of this package.
        args: its arguments (ids and plain values).
        queue_name: RQ queue (``default`` or ``network`` for device work).
        job_id: a stable id, so enqueuing the same work twice keeps one job.
        at: run at this moment instead of now (RQ scheduler; in-process: the sweep).
        retry: ``(max_attempts, intervals_in_seconds)`` for transient failures.

    Returns:
        The RQ job id, or None when the job ran (or will run) in-process.
    """
    if jobs_inline():
        if at is None:
            try:
                func(*args)
            except Exception:  # noqa: BLE001 - the job records its own failure state
                log.exception("in-process job %s failed", func.__name__)
        return None
    from rq import Retry

    q = queue(queue_name)
    options: dict[str, Any] = {"job_id": job_id}
    if retry is not None:
        options["retry"] = Retry(max=retry[0], interval=retry[1])
    job = q.enqueue_at(at, func, *args, **options) if at else q.enqueue(func, *args, **options)
    return job.id
