"""A support user restores a suspended plan's speed for the variable's days; the details
panel shows until when, and the end (due work) takes it away again."""

from __future__ import annotations

import os
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.models import Subscription, SubscriptionStatus
from app.models.base import utcnow
from app.services.subscription_actions import aware
from tests.support.actions import build_subscription

pytestmark = pytest.mark.browser


def _forget_scheduled_end(subscription_id: int) -> None:
    """With REDIS_URL set the live server scheduled the end on Redis: remove that job."""
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    from redis import Redis
    from rq import Queue

    q = Queue("default", connection=Redis.from_url(url))
    for job_id in q.scheduled_job_registry.get_job_ids():
        if job_id.startswith(f"provisional-speed-end-{subscription_id}-"):
            q.scheduled_job_registry.remove(job_id, delete_job=True)


def test_restore_provisional_speed_and_its_end(page_as, live_server, db_session):
    from app.jobs.due import run_due_work

    data = build_subscription(db_session, status=SubscriptionStatus.SUSPENDED)
    sub_id = data["sub"].id
    page = page_as("suporte")
    page.goto(f"{live_server}/customers/{data['customer'].id}/?tab=planos&status=all")
    page.locator(".plan-node").first.click(button="right")
    page.locator(".plan-actions.open a[data-action=restore_speed]").click()
    page.wait_for_url("**/subscriptions/*/provisional-speed")
    page.click("#confirm-provisional-speed")
    page.wait_for_url("**/customers/*/?tab=planos*")
    _forget_scheduled_end(sub_id)

    db_session.expire_all()
    until = aware(db_session.get(Subscription, sub_id).provisional_until)
    assert timedelta(days=2, hours=23) < until - utcnow() <= timedelta(days=3)
    details = page.locator("#subscription-details").inner_text()
    # Shown in the ISP's time zone (stored in UTC).
    shown = until.astimezone(ZoneInfo("America/Sao_Paulo")).strftime("%d/%m/%Y %H:%M")
    assert shown in details
    # Once per suspension: the menu no longer offers it.
    assert page.locator(".plan-node a[data-action=restore_speed]").count() == 0

    # Three days later the due work ends it; the details no longer show it.
    db_session.get(Subscription, sub_id).provisional_until = utcnow() - timedelta(minutes=1)
    db_session.commit()
    assert run_due_work()["due_provisional_speeds"] == 1
    page.reload()
    details = page.locator("#subscription-details").inner_text()
    assert shown not in details
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).status == SubscriptionStatus.SUSPENDED
