"""A support user changes a customer's plan from the context menu: type-ahead, Comparar
Plano side by side, then Mudar Plano."""

from __future__ import annotations

import pytest

from app.models import Subscription, SubscriptionPlanHistory
from tests.support.actions import build_subscription
from tests.support.i18n import translated

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
    # Manter Serviço Extra: yes unless the user says otherwise.
    assert page.locator("input[name=keep_extra_services][value='1']").is_checked()
    page.click("#compare-plans")
    page.wait_for_selector("table.plan-comparison")
    comparison = page.locator("table.plan-comparison").inner_text()
    for shown in ("300/150 Mbps", "600/300 Mbps", "R$ 99,90", "R$ 129,90", "R$ 400,00"):
        assert shown in comparison
    assert page.locator(".new-plan-name").inner_text() == "Fibra 600"
    assert page.locator("[data-streaming=playhub]").get_attribute("data-outcome") == "dropped"
    assert page.locator("[data-streaming=watchtv]").get_attribute("data-outcome") == "added"
    assert "R$" in page.locator(".plan-difference").inner_text()

    page.click("#confirm-change-plan")
    page.wait_for_url("**/customers/*/?tab=planos*")
    assert "Fibra 600" in page.locator("#subscription-details").inner_text()
    assert page.locator(".alert-success").count() == 1
    said = page.locator(".alert-success").inner_text()
    assert translated("Plan changed to %(plan)s.", plan="Fibra 600") in said
    # The change says which streaming add-ons went and came.
    assert translated("%(name)s is dropped: the new plan does not include it.",
                      name="PlayHub") in said
    assert translated("%(name)s is added: the new plan includes it.", name="WatchTV") in said
    db_session.expire_all()
    subscription = db_session.get(Subscription, data["sub"].id)
    assert subscription.plan.name == "Fibra 600"
    assert db_session.query(SubscriptionPlanHistory).count() == 2
