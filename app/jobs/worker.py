"""The panel's RQ worker class: builds the app once, before forking work-horses.

RQ forks a work-horse per job. With the stock ``Worker`` each horse imports the panel
and builds its Flask app from scratch (seconds of CPU per job, longer than a whole ONU
provisioning); forked from a worker that built it already, a horse starts at once and
shares the parent's memory pages. Run it with::

    rq worker -w app.jobs.worker.PanelWorker --with-scheduler --url "$REDIS_URL" default network
"""

from __future__ import annotations

from rq.worker import Worker


class PanelWorker(Worker):
    """An RQ ``Worker`` whose horses inherit an app built once in the parent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from app.extensions import db
        from app.jobs import _app

        app = _app()
        with app.app_context():
            # Database connections must not cross fork(): each horse opens its own.
            for engine in db.engines.values():
                engine.dispose()
