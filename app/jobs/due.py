"""The sweep of due work: what was scheduled for a moment that has come.

With Redis, RQ's scheduler starts each scheduled job on time; the sweep is a safety net
(``flask panel run-due`` from cron). Without Redis, ``make run`` starts
``flask panel run-due --every 60`` beside the web server, so scheduled transfers,
provisional-speed reverts and the monthly charges still happen in the default install.
Every step here is safe to run twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

# Functions that do the due work of one area; each returns how many things it did.
SWEEPS: list[Callable[[], int]] = []


def sweep(func: Callable[[], int]) -> Callable[[], int]:
    """Register a function of due work."""
    SWEEPS.append(func)
    return func


@sweep
def _due_transfers() -> int:
    from app.services.transfers import run_due_transfers

    return run_due_transfers()


@sweep
def _due_provisional_speeds() -> int:
    from app.services.subscription_actions import end_due_provisional_speeds

    return end_due_provisional_speeds()


@sweep
def _due_monthly_charges() -> int:
    # Each contract's coming monthly charge, BILLING_LEAD_DAYS before its due date; a
    # contract already billed for that month is not even looked at, so running every
    # minute costs one query once the month is done.
    from app.services.billing import generate_due_charges
    from app.services.clock import local_today

    return generate_due_charges(local_today()).created


def run_due_work() -> dict[str, int]:
    """Run every registered sweep once, inside the current app context."""
    from app.services.audit import audit_context

    done = {}
    for func in SWEEPS:
        with audit_context("job", username=f"job:{func.__name__.strip('_')}"):
            try:
                done[func.__name__.strip("_")] = func()
            except Exception:  # noqa: BLE001 - one area's failure must not stop the others
                log.exception("due work %s failed", func.__name__)
    return done


def run_due_work_every(
    interval: float,
    stop: threading.Event | None = None,
    report: Callable[[dict[str, int]], None] | None = None,
) -> None:
    """Sweep now and then every ``interval`` seconds until ``stop`` is set.

    The loop of ``flask panel run-due --every``: one process per install, not a thread
    in every web process (each gunicorn worker and ``flask`` command would start its
    own). Runs inside the current app context, a fresh session per round; ``report``
    receives what each round did.
    """
    from app.extensions import db

    stop = stop or threading.Event()
    while True:
        try:
            done = run_due_work()
        finally:
            db.session.remove()
        if report is not None:
            report(done)
        if stop.wait(interval):
            return
