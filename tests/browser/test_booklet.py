"""Financeiro issues a carnê for a PIX contract and sees each slip's QR Code and payload."""

from __future__ import annotations

from datetime import date

import pytest

from app.models import PaymentBooklet
from app.services.pix import parse_emv, validate_pix_payload
from tests.support.billing import PIX_KEY, billed_contract, set_pix

pytestmark = pytest.mark.browser


def test_issue_a_pix_booklet_and_see_the_qr_codes(page_as, live_server, db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session, "119.90", date(2024, 1, 10))
    db_session.commit()

    page = page_as("financeiro")
    page.goto(f"{live_server}/customers/{contract.customer_id}/?tab=financeiro")
    page.click(f"tr[data-contract='{contract.number}'] a.issue-booklet")
    page.fill("input[name=installments]", "2")
    page.fill("input[name=first_month]", "2024-03")
    page.click("button[type=submit]")
    page.wait_for_url("**/billing/booklets/*/print")

    db_session.expire_all()
    booklet = db_session.query(PaymentBooklet).filter_by(contract_id=contract.id).one()
    slips = page.locator("section.slip")
    assert slips.count() == 2
    for index, charge in enumerate(booklet.charges):
        slip = slips.nth(index)
        qr = slip.locator(".pix-qr svg, .pix-qr img")
        assert qr.count() == 1 and qr.first.is_visible()
        box = qr.first.bounding_box()
        assert box["width"] > 100 and box["height"] > 100  # big enough to scan
        payload = slip.locator(".pix-payload").inner_text().strip()
        assert validate_pix_payload(payload)
        fields = parse_emv(payload)
        assert fields["54"] == "119.90" and fields["62"]["05"] == charge.pix_txid
        assert fields["26"]["01"] == PIX_KEY
        assert slip.get_by_text(f"{charge.due_on:%d/%m/%Y}").first.is_visible()
        assert slip.get_by_text("R$ 119,90").is_visible()
