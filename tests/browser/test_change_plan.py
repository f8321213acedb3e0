"""A support user changes a customer's plan from the context menu: type-ahead, Comparar
Plano side by side, then Mudar Plano."""

from __future__ import annotations

import pytest

from app.models import Subscription, SubscriptionPlanHistory
from tests.support.actions import build_subscription

pytestmark = pytest.mark.browser


def test_change_plan_with_comparison(page_as, live_server, db_session):
    data = build_subscription(db_session)
    page = page_as("suporte")
    page.goto(f"{live_server}/customers/{data['customer'].id}/?tab=planos&status=all")
    page.locator(".plan-node").first.click(button="right")
    page.locator(".plan-actions.open a[data-action=change_plan]").click()
    page.wait_for_url("**/subscriptions/*/change-plan")

    page.fill("#new-plan-search", "Fibra 6")
    page.locator(".typeahead-results li", has_text="Fibra 600").click()
    assert page.input_value("#new-plan-search") == "Fibra 600"
    page.click("#compare-plans")
    page.wait_for_selector("table.plan-comparison")
    assert page.locator(".new-plan-name").inner_text() == "Fibra 600"
    assert page.locator("[data-streaming=playhub]").get_attribute("data-outcome") == "dropped"
    assert page.locator("[data-streaming=watchtv]").get_attribute("data-outcome") == "added"
    assert "R$" in page.locator(".plan-difference").inner_text()

    page.click("#confirm-change-plan")
    page.wait_for_url("**/customers/*/?tab=planos*")
    assert "Fibra 600" in page.locator("#subscription-details").inner_text()
    assert page.locator(".alert-success").count() == 1
    db_session.expire_all()
    subscription = db_session.get(Subscription, data["sub"].id)
    assert subscription.plan.name == "Fibra 600"
    assert db_session.query(SubscriptionPlanHistory).count() == 2
