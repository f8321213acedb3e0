"""The panel's RQ worker class: builds the app once, and keeps OLT sessions between jobs.

RQ forks a work-horse per job. With the stock ``Worker`` each horse imports the panel
and builds its Flask app from scratch (seconds of CPU per job, longer than a whole ONU
provisioning); forked from a worker that built it already, a horse starts at once and
shares the parent's memory pages.

Jobs of the ``network`` queue (ONU provisioning, Wi-Fi, reboot, delete, and the RADIUS
CoA/Disconnect jobs, which share that queue by default) run in the worker itself
instead, as RQ's ``SimpleWorker`` runs every job: a horse dies with its job, and with
it the SSH session to the OLT, so each job would log in again (about half a second,
the time of several commands). In the worker the session outlives the job and the
next job on that OLT starts at its first command (:mod:`app.drivers.olt.sessions`); a
session idle for ``OLT_SESSION_IDLE`` seconds is logged out by a reaper thread, so it
does not keep one of the OLT's VTY lines.
RQ's job timeout still applies: it is an alarm signal in the process running the job.
Run it with::

    rq worker -w app.jobs.worker.PanelWorker --with-scheduler --url "$REDIS_URL" default network
"""

from __future__ import annotations

import logging
import signal
import threading

from rq.worker import SHUTDOWN_SIGNAL, Worker, WorkerStatus
from rq.worker.worker_classes import SimpleWorker

logger = logging.getLogger(__name__)


class PanelWorker(Worker):
    """An RQ ``Worker`` whose horses inherit an app built once in the parent, and that
    runs device jobs itself so their OLT sessions are kept."""

    #: Queues whose jobs run in the worker process instead of a forked horse: the
    #: ONU job queue (``ONU_JOB_QUEUE``, ``network`` unless configured otherwise).
    in_process_queues: frozenset[str] = frozenset({"network"})

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from app.extensions import db
        from app.jobs import _app
        from app.services.onus import keep_olt_sessions

        app = _app()
        with app.app_context():
            # Database connections must not cross fork(): each horse opens its own.
            for engine in db.engines.values():
                engine.dispose()
        self.in_process_queues = frozenset({app.config.get("ONU_JOB_QUEUE", "network")})
        idle = float(app.config["OLT_SESSION_IDLE"])
        self._sessions = keep_olt_sessions(idle)
        # Sessions left idle are logged out while the worker waits for jobs, not only
        # when the next job for their OLT comes (see SessionPool.close_idle).
        self._stop_reaper = threading.Event()
        threading.Thread(
            target=_reap_idle_sessions,
            args=(self._sessions, max(idle / 2, 1.0), self._stop_reaper),
            name="olt-session-reaper", daemon=True,
        ).start()

    def execute_job(self, job, queue) -> None:
        """Fork a horse for the job, or run it here when its queue keeps sessions."""
        if queue.name not in self.in_process_queues:
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)

    def kill_horse(self, sig: signal.Signals = SHUTDOWN_SIGNAL) -> None:
        """Kill the work-horse, if there is one.

        A job running in this process has none, and RQ's kill of "horse 0" would be
        the worker's own process group (a stop-job command from a dashboard, say):
        such a job is left to end, or to its timeout.
        """
        if not self.horse_pid:
            self.log.warning("stop requested for a job running in the worker: not killed")
            return
        super().kill_horse(sig)

    def get_heartbeat_ttl(self, job) -> int:
        # While a job runs in this process nobody beats the worker's heart: the key
        # must outlive the whole job, as SimpleWorker makes it.
        if job.origin in self.in_process_queues:
            return SimpleWorker.get_heartbeat_ttl(self, job)
        return super().get_heartbeat_ttl(job)

    def main_work_horse(self, job, queue) -> None:
        """The forked horse: leave the parent's sockets to the parent, then work."""
        from app.extensions import db
        from app.jobs import _app

        self._sessions.forget()
        with _app().app_context():
            for engine in db.engines.values():
                # The pooled connections the parent opened for in-process jobs stay
                # the parent's; close=False leaves them open for it.
                engine.dispose(close=False)
        super().main_work_horse(job, queue)

    def teardown(self) -> None:
        """Log out of the kept OLT sessions when the worker stops."""
        super().teardown()
        if not self.is_horse:
            self._stop_reaper.set()
            self._sessions.close_all()


def _reap_idle_sessions(pool, every: float, stop: threading.Event) -> None:
    """Close the pool's sessions that stayed idle too long, every ``every`` seconds."""
    while not stop.wait(every):
        try:
            pool.close_idle()
        except Exception:  # noqa: BLE001 - a failed logout must not end the reaping
            logger.exception("closing idle OLT sessions failed")
