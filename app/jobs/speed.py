"""RQ entry point of the provisional speed (Restabelecer Velocidade Provisória): its end.

:func:`app.services.subscription_actions.restore_provisional_speed` enqueues
:func:`end_provisional_speed` for the moment the provisional speed ends (RQ's scheduler
starts it then); without Redis, the sweep of due work (:mod:`app.jobs.due`) ends it.
"""

from __future__ import annotations

from datetime import datetime

from app.jobs import panel_job


@panel_job
def end_provisional_speed(subscription_id: int, until: str | None = None) -> bool:
    """End a subscription's provisional speed: block its login again (it is still
    suspended) and clear ``provisional_until``.

    Safe to run twice, or after a reactivation or cancellation: it then does nothing. A
    job from an earlier grant (another ``until``) does nothing before its time.

    Args:
        subscription_id: the subscription.
        until: the end this job was scheduled for (ISO 8601, UTC).

    Returns:
        True if the provisional speed ended now.
    """
    from app.services.subscription_actions import end_provisional_speed as end

    return end(subscription_id, until=datetime.fromisoformat(until) if until else None)
