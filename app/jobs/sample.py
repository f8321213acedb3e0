"""A trivial job used to check that the queueing works end to end (``flask panel ping-jobs``)."""

from __future__ import annotations

from app.extensions import db
from app.jobs import panel_job
from app.models import SystemVariable


@panel_job
def touch_variable(code: str, value: str) -> None:
    """Set a system variable: visible proof that a worker ran the job with an app context."""
    variable = db.session.query(SystemVariable).filter_by(code=code).one_or_none()
    if variable is None:
        variable = SystemVariable(code=code, value=value)
        db.session.add(variable)
    variable.value = value
    db.session.commit()
