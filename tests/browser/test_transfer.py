"""A finance user transfers a subscription to a customer created on the spot."""

from __future__ import annotations

import pytest

from app.models import Customer, Subscription
from tests.factories import cpf
from tests.services.test_transfers import holding  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_transfer_to_a_new_customer(page_as, live_server, db_session, holding):  # noqa: F811
    page = page_as("financeiro")
    page.goto(f"{live_server}/customers/{holding['old'].id}/?tab=planos&status=all")
    page.locator(".plan-node").first.click(button="right")
    page.locator(".plan-actions.open a[data-action=transfer_ownership]").click()
    page.wait_for_url("**/transfers/subscriptions/*")
    assert page.locator("input[name=transfer_debt][value='1']").is_checked()
    page.check("#holder-new")
    document = cpf()
    page.select_option("select[name=new_kind]", "person")
    page.fill("input[name=new_name]", "Novo Titular da Silva")
    page.fill("input[name=new_document]", document)
    page.click("#confirm-transfer")
    page.wait_for_url("**/customers/*/?tab=planos*")
    assert "Novo Titular da Silva" in page.locator(".customer-header").inner_text()
    assert page.locator(".plan-node").count() == 1
    db_session.expire_all()
    created = db_session.query(Customer).filter_by(document=document).one()
    assert db_session.get(Subscription, holding["sub"].id).customer_id == created.id
