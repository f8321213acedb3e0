"""A finance user cancels a plan: Protocolo and Resumo tabs, then the receipt with the
protocol number."""

from __future__ import annotations

import pytest

from app.models import CancellationProtocol, Subscription, SubscriptionStatus
from tests.support.actions import add_extra, add_terminal, build_subscription

pytestmark = pytest.mark.browser


def test_cancel_with_protocol_summary_and_receipt(page_as, live_server, db_session):
    data = build_subscription(db_session)
    add_terminal(db_session, data["sub"], data["category"], number="8332005555")
    add_extra(db_session, data["sub"], data["antivirus"])
    page = page_as("financeiro")
    page.goto(f"{live_server}/customers/{data['customer'].id}/?tab=planos&status=all")
    page.locator(".plan-node").first.click(button="right")
    page.locator(".plan-actions.open a[data-action=cancel]").click()
    page.wait_for_url("**/subscriptions/*/cancel")

    page.fill("input[name=reason]", "Mudou de cidade")
    page.click("#tab-link-summary")
    summary = page.locator("#tab-summary")
    summary.wait_for(state="visible")
    assert "8332005555" in summary.locator(".summary-voice").inner_text()
    assert "Antivírus" in summary.locator(".summary-extras").inner_text()
    assert "R$" in summary.locator(".summary-total").inner_text()

    page.click("#confirm-cancel")
    page.wait_for_url("**/subscriptions/cancellations/*/receipt")
    protocol = db_session.query(CancellationProtocol).one()
    assert protocol.number in page.locator(".protocol-number").inner_text()
    # The receipt carries the Resumo as registered.
    receipt = page.locator("body").inner_text()
    assert "8332005555" in receipt and "Antivírus" in receipt
    assert protocol.reason == "Mudou de cidade"
    assert page.locator("#receipt-pdf").get_attribute("href").endswith(
        f"/subscriptions/cancellations/{protocol.id}/pdf"
    )
    db_session.expire_all()
    assert db_session.get(Subscription, data["sub"].id).status == SubscriptionStatus.CANCELLED
