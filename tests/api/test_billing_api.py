"""The billing REST API: the same rules and permissions as the screens, money as strings."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import (
    AuditLog,
    BookletStatus,
    Charge,
    ChargeStatus,
    Contract,
    ContractCredit,
    PaymentBooklet,
)
from app.models import system as sysvars
from app.services import billing, money
from app.services.clock import local_today
from app.services.pix import parse_emv, validate_pix_payload
from tests.support.billing import PIX_KEY, billed_contract, set_pix, set_variable

D = Decimal
MARCH_2024 = date(2024, 3, 1)


def test_customer_charges_with_totals(api, db_session):
    contract, _sub = billed_contract(db_session, "100.00", date(2019, 1, 10))
    booklet = billing.issue_booklet(contract.id, 3, first_month=date(2020, 1, 1))
    jan, feb, mar = booklet.charges
    billing.mark_charge_paid(jan.id, "100.50", date(2020, 1, 9))

    response = api("financeiro").get(f"/api/v1/billing/customers/{contract.customer_id}/charges")

    assert response.status_code == 200, response.json
    assert response.json["totals"] == {
        "open": "200.00",
        "overdue": "200.00",
        "paid": "100.50",
        "open_count": 2,
        "overdue_count": 2,
        "paid_count": 1,
    }
    charges = response.json["charges"]
    assert [c["id"] for c in charges] == [mar.id, feb.id, jan.id]
    assert charges[2]["paid_amount"] == "100.50" and charges[2]["status"] == "paid"
    assert charges[0]["amount"] == "100.00" and charges[0]["overdue"] is True
    assert charges[0]["reference_month"] == "2020-03" and charges[0]["due_on"] == "2020-03-10"
    # Money is never a JSON number (a float on the other side).
    for charge in charges:
        assert isinstance(charge["amount"], str)


def test_customer_charges_filters(api, db_session):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 3, first_month=date(2024, 1, 1))
    client = api("suporte")  # may read charges
    url = f"/api/v1/billing/customers/{contract.customer_id}/charges"
    response = client.get(url, query_string={"due_from": "2024-02-01", "due_to": "2024-02-29"})
    assert [c["id"] for c in response.json["charges"]] == [booklet.charges[1].id]
    response = client.get(url, query_string={"status": "late"})
    assert response.status_code == 422 and "status" in response.json["message"]


def test_pay_a_charge(api, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = api("financeiro").post(
        f"/api/v1/billing-actions/charges/{charge.id}/pay",
        json={"amount": "99.90", "paid_on": "2024-03-10"},
    )
    assert response.status_code == 200, response.json
    assert response.json["result"]["status"] == "paid"
    assert response.json["result"]["paid_amount"] == "99.90"
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).paid_amount == D("99.90")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"amount": 99.9, "paid_on": "2024-03-10"}, "amount", "nunca como ponto flutuante"),
        ({"amount": "", "paid_on": "2024-03-10"}, "amount", "Informe um valor válido"),
        ({"amount": "99.90"}, "paid_on", "Campo obrigatório."),
    ],
)
def test_bad_payment_is_refused_in_portuguese(api, db_session, body, field, message):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = api("financeiro").post(f"/api/v1/billing-actions/charges/{charge.id}/pay", json=body)
    assert response.status_code == 422
    assert message in response.json["message"][field][0]
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN


def test_paying_twice_is_refused(api, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    client = api("financeiro")
    url = f"/api/v1/billing-actions/charges/{charge.id}/pay"
    assert client.post(url, json={"amount": "99.90", "paid_on": "2024-03-10"}).status_code == 200
    second = client.post(url, json={"amount": "99.90", "paid_on": "2024-03-11"})
    assert second.status_code == 422 and "10/03/2024" in second.json["message"]


def test_not_json_is_a_400(api, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    client = api("financeiro")
    response = client.client.post(
        f"/api/v1/billing-actions/charges/{charge.id}/pay", headers=client.headers, data="x"
    )
    assert response.status_code == 400


def test_issue_and_cancel_a_booklet(api, db_session):
    contract, _sub = billed_contract(db_session)
    db_session.commit()
    client = api("financeiro")
    response = client.post(
        f"/api/v1/billing-actions/contracts/{contract.id}/booklets",
        json={"installments": 3, "first_month": "2024-03"},
    )
    assert response.status_code == 201, response.json
    booklet = response.json["result"]
    assert [c["due_on"] for c in booklet["charges"]] == ["2024-03-10", "2024-04-10", "2024-05-10"]
    first = booklet["charges"][0]["id"]
    client.post(
        f"/api/v1/billing-actions/charges/{first}/pay",
        json={"amount": "99.90", "paid_on": "2024-03-10"},
    )

    response = client.post(
        f"/api/v1/billing-actions/booklets/{booklet['id']}/cancel",
        json={"reason": "Mudou de plano"},
    )

    assert response.status_code == 200, response.json
    assert response.json["result"]["status"] == "cancelled"
    assert [c["status"] for c in response.json["result"]["charges"]] == [
        "paid",
        "cancelled",
        "cancelled",
    ]
    db_session.expire_all()
    assert db_session.get(PaymentBooklet, booklet["id"]).status == BookletStatus.CANCELLED
    assert db_session.get(Charge, first).paid_amount == D("99.90")


def test_bad_booklet_is_refused_and_nothing_written(api, db_session):
    contract, _sub = billed_contract(db_session)
    db_session.commit()
    response = api("financeiro").post(
        f"/api/v1/billing-actions/contracts/{contract.id}/booklets",
        json={"installments": 0, "first_month": "13/2024"},
    )
    assert response.status_code == 422
    assert set(response.json["message"]) == {"installments", "first_month"}
    assert db_session.query(PaymentBooklet).count() == 0 and db_session.query(Charge).count() == 0


def test_charge_pix_payload(api, db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session, "99.90", date(2024, 2, 20))
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = api("leitura").get(f"/api/v1/billing/charges/{charge.id}/pix")
    assert response.status_code == 200, response.json
    payload = response.json["payload"]
    assert validate_pix_payload(payload)
    fields = parse_emv(payload)
    assert fields["54"] == response.json["amount"] == "65.45"
    assert fields["62"]["05"] == response.json["txid"] == charge.pix_txid
    assert fields["26"]["01"] == PIX_KEY
    assert response.json["qr_svg"].startswith("<svg")


def test_charge_pix_refused_without_settings(api, db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    response = api("financeiro").get(f"/api/v1/billing/charges/{charge.id}/pix")
    assert response.status_code == 422 and sysvars.PIX_KEY in response.json["message"]
    assert api("financeiro").get("/api/v1/billing/charges/999999/pix").status_code == 404


@pytest.mark.parametrize("charging", ["S", "N"])
def test_due_day_preview_then_confirm(api, db_session, charging):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, charging)
    contract, _sub = billed_contract(db_session, "99.90", due_day=10)
    db_session.commit()
    expected = money.due_day_change_difference(D("99.90"), 10, 20, local_today())
    client = api("financeiro")
    url = f"/api/v1/billing-actions/contracts/{contract.id}/due-day"

    preview = client.get(url, query_string={"due_day": "20"})

    assert preview.status_code == 200, preview.json
    assert preview.json["result"]["difference"] == str(expected)
    charged = expected if charging == "S" and expected > 0 else D("0.00")
    assert preview.json["result"]["charge_amount"] == str(charged)
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10

    response = client.post(
        url,
        json={"due_day": 20, "reason": "Pedido por telefone", "expected_difference": str(expected)},
    )

    assert response.status_code == 200, response.json
    charge = response.json["result"]["charge"]
    if charged:
        assert charge["amount"] == str(charged)
    else:
        assert charge is None
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 20
    audit = db_session.query(AuditLog).filter_by(table_name="contracts", action="update").one()
    assert audit.reason == "Pedido por telefone" and audit.source == "api"
    assert audit.username == "financeiro"


def test_due_day_change_reports_and_moves_the_open_charges(api, db_session):
    contract, _sub = billed_contract(db_session, "99.90", due_day=10)
    today = local_today()
    old_due, new_due = billing._due_day_change_dates(10, 20, today)
    upcoming = billing.generate_monthly_charge(contract.id, old_due).charge
    period = (upcoming.period_start.isoformat(), upcoming.period_end.isoformat())
    db_session.commit()
    client = api("financeiro")
    url = f"/api/v1/billing-actions/contracts/{contract.id}/due-day"
    moved = [
        {
            "charge_id": upcoming.id,
            "due_on": new_due.isoformat(),
            "period_start": period[0],
            "period_end": period[1],
        }
    ]

    preview = client.get(url, query_string={"due_day": "20"})

    assert preview.status_code == 200, preview.json
    assert preview.json["result"]["moved_charges"] == moved
    response = client.post(url, json={"due_day": 20, "reason": "Pedido por telefone"})
    assert response.status_code == 200, response.json
    assert response.json["result"]["moved_charges"] == moved
    db_session.expire_all()
    assert db_session.get(Charge, upcoming.id).due_on == new_due


def test_customer_charges_report_the_credit(api, db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    db_session.add(ContractCredit(contract=contract, amount=D("25.81"), description="Crédito"))
    db_session.commit()
    response = api("financeiro").get(f"/api/v1/billing/customers/{contract.customer_id}/charges")
    assert response.status_code == 200, response.json
    assert response.json["credit"] == "25.81"


def test_due_day_confirm_with_a_stale_difference_is_a_conflict(api, db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, "99.90", due_day=10)
    db_session.commit()
    response = api("financeiro").post(
        f"/api/v1/billing-actions/contracts/{contract.id}/due-day",
        json={"due_day": 20, "reason": "motivo", "expected_difference": "0.01"},
    )
    assert response.status_code == 409
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10
    assert db_session.query(Charge).count() == 0


def test_due_day_bad_input_in_portuguese(api, db_session):
    contract, _sub = billed_contract(db_session, due_day=10)
    db_session.commit()
    response = api("financeiro").post(
        f"/api/v1/billing-actions/contracts/{contract.id}/due-day", json={"due_day": 0}
    )
    assert response.status_code == 422
    assert response.json["message"] == {
        "due_day": ["O dia do vencimento deve ser um número de 1 a 28."],
        "reason": ["Campo obrigatório."],
    }


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("username", ["suporte", "tecnico", "leitura"])
def test_roles_without_the_named_permissions_are_refused(api, db_session, username):
    contract, _sub = billed_contract(db_session, due_day=10)
    booklet = billing.issue_booklet(contract.id, 1, first_month=MARCH_2024)
    charge = booklet.charges[0]
    client = api(username)
    calls = [
        ("post", f"/api/v1/billing-actions/charges/{charge.id}/pay", {"amount": "1.00"}),
        ("post", f"/api/v1/billing-actions/contracts/{contract.id}/booklets", {"installments": 1}),
        ("post", f"/api/v1/billing-actions/booklets/{booklet.id}/cancel", {"reason": "x"}),
        ("get", f"/api/v1/billing-actions/contracts/{contract.id}/due-day?due_day=20", None),
        ("post", f"/api/v1/billing-actions/contracts/{contract.id}/due-day", {"due_day": 20}),
    ]
    for method, url, body in calls:
        response = getattr(client, method)(url, json=body) if body else client.get(url)
        assert response.status_code == 403, (username, url, response.status_code)
    db_session.expire_all()
    assert db_session.get(Charge, charge.id).status == ChargeStatus.OPEN
    assert db_session.get(PaymentBooklet, booklet.id).status == BookletStatus.ACTIVE
    assert db_session.get(Contract, contract.id).due_day == 10


def test_a_role_without_charge_read_cannot_list_charges(api, db_session):
    contract, _sub = billed_contract(db_session)
    response = api("tecnico").get(f"/api/v1/billing/customers/{contract.customer_id}/charges")
    assert response.status_code == 403


def test_no_token_no_data(app, db_session):
    contract, _sub = billed_contract(db_session)
    client = app.test_client()
    response = client.get(f"/api/v1/billing/customers/{contract.customer_id}/charges")
    assert response.status_code == 401
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    response = client.post(
        "/api/v1/billing-actions/charges/1/pay", json={"amount": "1.00", "paid_on": yesterday}
    )
    assert response.status_code == 401
