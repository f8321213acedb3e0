"""The panel's RQ worker class: builds the app once, and keeps OLT sessions between jobs.

RQ forks a work-horse per job. With the stock ``Worker`` each horse imports the panel
and builds its Flask app from scratch (seconds of CPU per job, longer than a whole ONU
provisioning); forked from a worker that built it already, a horse starts at once and
shares the parent's memory pages.

Jobs of the ``network`` queue (ONU provisioning, Wi-Fi, reboot, delete) run in the
worker itself instead, as RQ's ``SimpleWorker`` runs every job: a horse dies with its
job, and with it the SSH session to the OLT, so each job would log in again (about half
a second, the time of several commands). In the worker the session outlives the job
and the next job on that OLT starts at its first command
(:mod:`app.drivers.olt.sessions`; ``OLT_SESSION_IDLE`` seconds of idleness at most).
RQ's job timeout still applies: it is an alarm signal in the process running the job.
Run it with::

    rq worker -w app.jobs.worker.PanelWorker --with-scheduler --url "$REDIS_URL" default network
"""

from __future__ import annotations

from rq.worker import Worker, WorkerStatus
from rq.worker.worker_classes import SimpleWorker


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
        keep_olt_sessions(float(app.config["OLT_SESSION_IDLE"]))

    def execute_job(self, job, queue) -> None:
        """Fork a horse for the job, or run it here when its queue keeps sessions."""
        if queue.name not in self.in_process_queues:
            super().execute_job(job, queue)
            return
        self.prepare_execution(job)
        self.perform_job(job, queue)
        self.set_state(WorkerStatus.IDLE)

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
        from app.services.onus import kept_olt_sessions

        pool = kept_olt_sessions()
        if pool is not None:
            pool.forget()
        with _app().app_context():
            for engine in db.engines.values():
                # The pooled connections the parent opened for in-process jobs stay
                # the parent's; close=False leaves them open for it.
                engine.dispose(close=False)
        super().main_work_horse(job, queue)

    def teardown(self) -> None:
        """Log out of the kept OLT sessions when the worker stops."""
        from app.services.onus import kept_olt_sessions

        super().teardown()
        pool = kept_olt_sessions()
        if pool is not None and not self.is_horse:
            pool.close_all()
