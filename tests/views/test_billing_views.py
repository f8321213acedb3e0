"""Billing screens: the Financeiro tab, receiving a payment, carnês (issue, print, PDF,
cancel), a charge's PIX page and the due-day change, with their permissions."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from app.models import (
    AuditLog,
    BookletStatus,
    Charge,
    ChargeStatus,
    Contract,
    ContractCredit,
    CustomerAccessLog,
    PaymentBooklet,
)
from app.models import system as sysvars
from app.services import billing, money
from app.services.clock import local_today
from app.services.pix import validate_pix_payload
from tests.support.billing import billed_contract, set_pix, set_variable
from tests.support.i18n import translated

D = Decimal
MARCH_2024 = date(2024, 3, 1)


def _page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _payload(html: str) -> str:
    match = re.search(r"(000201[^<]*?6304[0-9A-F]{4})", html)
    assert match, "no PIX payload on the page"
    return match.group(1)


# --------------------------------------------------------------------------- the tab


def test_finance_tab_shows_totals_charges_and_booklets(login_as, db_session):
    contract, _sub = billed_contract(db_session, "100.00", date(2019, 1, 10))
    booklet = billing.issue_booklet(contract.id, 2, first_month=date(2020, 1, 1))
    first, second = booklet.charges
    billing.mark_charge_paid(first.id, "100.00", date(2020, 1, 10))

    html = _page(login_as("financeiro").get(f"/billing/customers/{contract.customer_id}/"))

    # Paid R$ 100,00; the February 2020 slip is open and overdue.
    totals = dict(
        re.findall(r'total-(\w+)"><div class="panel-body">\s*<div[^>]*>[^<]*\((\d+)\)', html)
    )
    assert totals == {"open": "1", "overdue": "1", "paid": "1"}
    amounts = re.findall(r'<h4 class="total-amount">R\$ ([\d.,]+)</h4>', html)
    assert amounts == ["100,00", "100,00", "100,00"]
    assert f'data-charge="{second.id}"' in html and f'data-booklet="{booklet.id}"' in html
    # Financeiro may receive payments, manage carnês and change the due day.
    assert f"/billing/actions/charges/{second.id}/pay" in html
    assert f"/billing/actions/booklets/{booklet.id}/cancel" in html
    assert f"/billing/actions/contracts/{contract.id}/due-day" in html
    assert db_session.query(CustomerAccessLog).filter_by(section="financeiro").count() == 1


def test_the_tab_plugs_into_the_customer_page(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    html = _page(login_as("financeiro").get(f"/customers/{contract.customer_id}/?tab=financeiro"))
    assert 'id="tab-financeiro"' in html and 'class="billing-tab"' in html
    assert f'data-charge="{charge.id}"' in html


def test_support_sees_the_tab_without_the_action_buttons(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 1, first_month=MARCH_2024)
    html = _page(login_as("suporte").get(f"/billing/customers/{contract.customer_id}/"))
    assert f'data-booklet="{booklet.id}"' in html
    assert "/billing/actions/" not in html


@pytest.mark.parametrize("status", ["open", "paid"])
def test_charges_filtered_by_status_and_period(login_as, db_session, status):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 3, first_month=date(2024, 1, 1))
    jan, feb, mar = booklet.charges
    billing.mark_charge_paid(jan.id, "99.90", date(2024, 1, 10))
    client = login_as("financeiro")
    url = f"/billing/customers/{contract.customer_id}/"
    query = {"status": status, "due_from": "2024-01-01", "due_to": "2024-02-28"}
    html = _page(client.get(url, query_string=query))
    shown = {int(i) for i in re.findall(r'data-charge="(\d+)"', html)}
    assert shown == ({feb.id} if status == "open" else {jan.id})


def test_a_bad_filter_is_explained(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    html = _page(
        login_as("financeiro").get(
            f"/billing/customers/{contract.customer_id}/?due_from=31/02/2024"
        )
    )
    assert 'class="text-danger filter-error" data-field="due_from"' in html


# --------------------------------------------------------------------------- receive a payment


def test_receive_a_payment(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    client = login_as("financeiro")
    form = _page(client.get(f"/billing/actions/charges/{charge.id}/pay"))
    assert 'value="99,90"' in form
    # Paid today, the ISP's today (a UTC server is a day ahead late in the evening).
    assert f'value="{local_today().isoformat()}"' in form

    response = client.post(
        f"/billing/actions/charges/{charge.id}/pay",
        data={"amount": "99,90", "paid_on": "2024-03-09"},
    )

    assert response.status_code == 302
    db_session.expire_all()
    paid = db_session.get(Charge, charge.id)
    assert paid.status == ChargeStatus.PAID and paid.paid_amount == D("99.90")
    assert paid.paid_on == date(2024, 3, 9)


def test_a_bad_payment_is_refused_in_portuguese_and_nothing_written(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = login_as("financeiro").post(
        f"/billing/actions/charges/{charge.id}/pay",
        data={"amount": "noventa", "paid_on": "2024-13-40"},
    )
    html = _page(response)
    assert "Informe um valor válido, por exemplo 99,90." in html
    assert 'value="noventa"' in html  # what was typed stays
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN


def test_a_payment_posted_without_its_date_is_refused_not_dated_today(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = login_as("financeiro").post(
        f"/billing/actions/charges/{charge.id}/pay", data={"amount": "99,90"}
    )
    assert response.status_code == 200  # the form again, with the date asked for
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN


def test_paying_a_cancelled_charge_is_refused(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    charge.status = ChargeStatus.CANCELLED
    db_session.commit()
    client = login_as("financeiro")
    client.post(
        f"/billing/actions/charges/{charge.id}/pay",
        data={"amount": "99,90", "paid_on": "2024-03-09"},
    )
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).paid_amount is None


# --------------------------------------------------------------------------- carnês


def test_issue_print_and_cancel_a_booklet(login_as, db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session)
    db_session.commit()
    client = login_as("financeiro")

    response = client.post(
        f"/billing/actions/contracts/{contract.id}/booklets/new",
        data={"installments": "3", "first_month": "2024-03"},
    )

    booklet = db_session.query(PaymentBooklet).one()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/billing/booklets/{booklet.id}/print")
    html = _page(client.get(f"/billing/booklets/{booklet.id}/print"))
    assert html.count('class="slip"') == 3 and html.count("<svg") == 3
    for charge in booklet.charges:
        assert charge.pix_txid in html
    assert validate_pix_payload(_payload(html))
    assert "10/03/2024" in html and "R$ 99,90" in html

    response = client.post(f"/billing/actions/booklets/{booklet.id}/cancel", data={"reason": ""})
    assert "Campo obrigatório." in _page(response)
    response = client.post(
        f"/billing/actions/booklets/{booklet.id}/cancel", data={"reason": "Trocou para boleto"}
    )
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(PaymentBooklet, booklet.id).status == BookletStatus.CANCELLED


def test_booklet_pdf_has_one_page_per_slip_with_the_pix_code(login_as, db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 2, first_month=MARCH_2024)
    response = login_as("financeiro").get(f"/billing/booklets/{booklet.id}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.data))
    assert len(pdf.pages) == 2
    text = "".join(page.extract_text() for page in pdf.pages).replace("\n", "")
    for charge in booklet.charges:
        assert charge.pix_txid in text
    assert "99,90" in text


def test_bad_booklet_input_is_refused_and_nothing_written(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    db_session.commit()
    response = login_as("financeiro").post(
        f"/billing/actions/contracts/{contract.id}/booklets/new",
        data={"installments": "30", "first_month": "março"},
    )
    html = _page(response)
    assert "data-field" not in html  # errors shown next to their fields
    assert html.count("help-block error-message") == 2
    assert db_session.query(PaymentBooklet).count() == 0 and db_session.query(Charge).count() == 0


# --------------------------------------------------------------------------- PIX


def test_charge_pix_page_shows_qr_and_payload(login_as, db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    html = _page(login_as("suporte").get(f"/billing/charges/{charge.id}/pix"))
    assert "<svg" in html and charge.pix_txid in html
    payload = _payload(html)
    assert validate_pix_payload(payload) and "540599.90" in payload


def test_charge_pix_page_explains_missing_settings(login_as, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    html = _page(login_as("financeiro").get(f"/billing/charges/{charge.id}/pix"))
    assert "pix-error" in html and sysvars.PIX_KEY in html and "<svg" not in html


# --------------------------------------------------------------------------- due day


@pytest.mark.parametrize("charging", ["S", "N"])
def test_due_day_change_shows_the_difference_before_confirming(login_as, db_session, charging):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, charging)
    contract, _sub = billed_contract(db_session, "99.90", due_day=10)
    db_session.commit()
    today = local_today()
    expected = money.due_day_change_difference(D("99.90"), 10, 20, today)
    client = login_as("financeiro")
    url = f"/billing/actions/contracts/{contract.id}/due-day"

    html = _page(client.post(url, data={"go": "preview", "due_day": "20"}))

    assert f"R$ {billing.format_money(expected)}" in html
    assert f'name="expected_difference" value="{expected}"' in html
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10  # nothing changed yet

    response = client.post(
        url,
        data={
            "go": "confirm",
            "due_day": "20",
            "expected_difference": str(expected),
            "reason": "Recebe salário dia 20",
        },
    )

    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 20
    charges = db_session.query(Charge).all()
    if charging == "S" and expected > 0:
        assert [c.amount for c in charges] == [expected]
    else:
        assert charges == []
    audit = db_session.query(AuditLog).filter_by(table_name="contracts", action="update").one()
    assert audit.reason == "Recebe salário dia 20"


def test_due_day_preview_lists_the_charges_it_moves(login_as, db_session):
    contract, _sub = billed_contract(db_session, "99.90", due_day=10)
    today = local_today()
    old_due, new_due = billing._due_day_change_dates(10, 20, today)
    upcoming = billing.generate_monthly_charge(contract.id, old_due).charge
    db_session.commit()
    client = login_as("financeiro")
    url = f"/billing/actions/contracts/{contract.id}/due-day"

    html = _page(client.post(url, data={"go": "preview", "due_day": "20"}))

    moves = html[html.index('class="table table-condensed due-day-moves"') :]
    row = moves[moves.index(f'data-charge="{upcoming.id}"') :]
    row = row[: row.index("</tr>")]
    assert f"{old_due:%d/%m/%Y}" in row and f'"new-due-on">{new_due:%d/%m/%Y}<' in row
    assert "R$ 99,90" in row
    db_session.expire_all()
    assert db_session.get(Charge, upcoming.id).due_on == old_due  # nothing moved yet

    expected = money.due_day_change_difference(D("99.90"), 10, 20, today)
    response = client.post(
        url,
        data={
            "go": "confirm",
            "due_day": "20",
            "expected_difference": str(expected),
            "reason": "x",
        },
    )

    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Charge, upcoming.id).due_on == new_due


def test_the_tab_shows_the_credit_still_to_deduct(login_as, db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    db_session.add(ContractCredit(contract=contract, amount=D("25.81"), description="Crédito"))
    db_session.commit()

    html = _page(login_as("financeiro").get(f"/billing/customers/{contract.customer_id}/"))

    message = translated(
        "Credit to be taken off the next monthly charges: R$ %(amount)s", amount="25,81"
    )
    assert message in html


def test_due_day_change_refuses_a_bad_day_in_portuguese(login_as, db_session):
    contract, _sub = billed_contract(db_session, due_day=10)
    db_session.commit()
    client = login_as("financeiro")
    url = f"/billing/actions/contracts/{contract.id}/due-day"
    html = _page(client.post(url, data={"go": "preview", "due_day": "31"}))
    assert "O dia do vencimento deve ser um número de 1 a 28." in html
    assert 'value="31"' in html and "due-day-preview" not in html
    # Confirming without a reason keeps the difference on the screen.
    html = _page(client.post(url, data={"go": "confirm", "due_day": "20", "reason": " "}))
    assert "Campo obrigatório." in html and "due-day-preview" in html
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/billing/actions/charges/{charge}/pay"),
        ("post", "/billing/actions/charges/{charge}/pay"),
        ("get", "/billing/actions/contracts/{contract}/booklets/new"),
        ("post", "/billing/actions/contracts/{contract}/booklets/new"),
        ("post", "/billing/actions/booklets/{booklet}/cancel"),
        ("get", "/billing/actions/contracts/{contract}/due-day"),
        ("post", "/billing/actions/contracts/{contract}/due-day"),
    ],
)
def test_support_may_not_act_on_billing(login_as, db_session, method, url):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 1, first_month=MARCH_2024)
    charge = booklet.charges[0]
    target = url.format(charge=charge.id, contract=contract.id, booklet=booklet.id)
    data = {"amount": "99,90", "paid_on": "2024-03-09", "installments": "1", "reason": "x"}
    data.update({"go": "confirm", "due_day": "20"})
    response = getattr(login_as("suporte"), method)(target, data=data)
    assert response.status_code == 403
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN
    assert db_session.get(Contract, contract.id).due_day == 10
    assert db_session.query(PaymentBooklet).count() == 1


@pytest.mark.parametrize("username", ["semacesso", "tecnico"])
def test_without_charge_read_the_tab_and_prints_are_refused(login_as, db_session, username):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 1, first_month=MARCH_2024)
    client = login_as(username)
    for url in (
        f"/billing/customers/{contract.customer_id}/",
        f"/billing/booklets/{booklet.id}/print",
        f"/billing/booklets/{booklet.id}/pdf",
        f"/billing/charges/{booklet.charges[0].id}/pix",
    ):
        assert client.get(url).status_code == 403, url


def test_post_without_csrf_token_is_refused(make_app, app, db_session):
    from tests.conftest import PASSWORD

    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    secured = make_app(WTF_CSRF_ENABLED=True)
    client = secured.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login/", data={"username": "financeiro", "password": PASSWORD, "csrf_token": token}
    )
    url = f"/billing/actions/charges/{charge.id}/pay"
    refused = client.post(url, data={"amount": "99,90", "paid_on": "2024-03-09"})
    assert refused.status_code == 400
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN

    form = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    accepted = client.post(
        url, data={"amount": "99,90", "paid_on": "2024-03-09", "csrf_token": token}
    )
    assert accepted.status_code == 302
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.PAID
