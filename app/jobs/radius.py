"""RQ entry points of the RADIUS area: send a CoA/Disconnect, delete a login. They take
ids and call :mod:`app.services.radius`.

Retries: a NAK or a timeout is tried again. On RQ the job is enqueued with
``Retry(max=attempts - 1, interval=RADIUS_RETRY_INTERVALS)`` and raises
:class:`RadiusRetryError` while attempts remain, so RQ re-runs it later (a worker with
``--with-scheduler`` spaces the attempts). In-process (no Redis) the attempts are made
one after the other, bounded by ``RADIUS_REQUEST_ATTEMPTS``. Either way the request's
row says what the NAS answered each time, and only an ACK counts as done.
"""

from __future__ import annotations

import logging

from app.jobs import panel_job

log = logging.getLogger(__name__)


class RadiusRetryError(Exception):
    """Raised to make RQ retry a request the NAS refused or did not answer."""


def _current_rq_job():
    from rq import get_current_job

    return get_current_job()


@panel_job
def send_request(request_id: int) -> str | None:
    """Send a RadiusRequest to its NAS, retrying a NAK or a timeout.

    Safe to run twice: a finished request is not sent again.

    Args:
        request_id: the RadiusRequest to send.

    Returns:
        The request's final status value (None if it no longer exists).

    Raises:
        RadiusRetryError: on RQ, the attempt failed and RQ has retries left.
    """
    from app.services import radius

    job = _current_rq_job()
    if job is None:
        attempts = radius.radius_settings().attempts
        for attempt in range(1, attempts + 1):
            outcome = radius.perform_request(request_id, final=attempt == attempts)
            radius.dispatch_requests(outcome.follow_up)
            if not outcome.retry:
                break
    else:
        # retries_left is None without a Retry, and 0 on the last attempt.
        outcome = radius.perform_request(request_id, final=not job.retries_left)
        radius.dispatch_requests(outcome.follow_up)
        if outcome.retry:
            raise RadiusRetryError(outcome.message)
    return outcome.status.value if outcome.status else None


@panel_job
def delete_login(login_id: int, username: str, requested_by_id: int | None = None) -> list[int]:
    """Apagar Login Radius: remove the login's rows, then disconnect its open sessions.

    The removal is audited as made by the user who asked for it, through this job.
    Safe to run twice.

    Args:
        login_id: the RadiusLogin.
        username: its username (to find its sessions once the login is gone).
        requested_by_id: the user who asked for the deletion.

    Returns:
        Ids of the Disconnect requests sent.
    """
    from app.services import radius
    from app.services.audit import audit_context

    requester = _username_of(requested_by_id)
    with audit_context(
        "job",
        user_id=requested_by_id,
        username=requester or "job:delete_login",
        reason="Apagar Login Radius",
    ):
        request_ids = radius.remove_login(login_id, username, requested_by_id)
    radius.dispatch_requests(request_ids)
    return request_ids


def _username_of(user_id: int | None) -> str | None:
    if user_id is None:
        return None
    from flask import current_app

    user = current_app.appbuilder.sm.get_user_by_id(user_id)
    return getattr(user, "username", None)
