"""The billing core: monthly charges, payments, carnês, PIX, due-day and plan-change
differences, totals. Every expected amount is worked out by hand in a comment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from app import validators
from app.models import (
    AuditLog,
    BookletStatus,
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    PaymentBooklet,
    PaymentMethodKind,
    SubscriptionPlanHistory,
    SubscriptionStatus,
)
from app.models import system as sysvars
from app.services import billing, money
from app.services.errors import ConflictError, NotFoundError
from app.services.pix import parse_emv, validate_pix_payload
from tests.factories import make_customer
from tests.support.billing import (
    PIX_KEY,
    add_extra_service,
    add_subscription,
    add_tv_package,
    add_tv_point,
    add_voice_terminal,
    billed_contract,
    make_combo,
    set_pix,
    set_variable,
)

D = Decimal
MARCH_2024 = date(2024, 3, 1)


def _charges(session, **filters) -> list[Charge]:
    session.expire_all()
    return session.query(Charge).filter_by(**filters).order_by(Charge.due_on, Charge.id).all()


# --------------------------------------------------------------------------- first period


@pytest.mark.parametrize(
    ("activated_on", "reference_month", "days_in_period", "expected"),
    [
        # Due day 10. February 2023 has 28 days: period 10/02-09/03/2023; 20/02 to 09/03
        # is 9 + 9 = 18 days; 99.90 x 18 / 28 = 64.2214... -> 64.22.
        (date(2023, 2, 20), date(2023, 3, 1), 28, "64.22"),
        # Leap February 2024, 29 days: 20/02 to 09/03 is 10 + 9 = 19 days;
        # 99.90 x 19 / 29 = 65.4517... -> 65.45.
        (date(2024, 2, 20), date(2024, 3, 1), 29, "65.45"),
        # Period 10/04-09/05/2024 has April's 30 days: 20/04 to 09/05 is 11 + 9 = 20 days;
        # 99.90 x 20 / 30 = 66.60 exactly.
        (date(2024, 4, 20), date(2024, 5, 1), 30, "66.60"),
        # Period 10/03-09/04/2024 has March's 31 days: 20/03 to 09/04 is 12 + 9 = 21 days;
        # 99.90 x 21 / 31 = 67.6742... -> 67.67.
        (date(2024, 3, 20), date(2024, 4, 1), 31, "67.67"),
    ],
)
def test_first_period_is_pro_rata_to_the_cent(
    db_session, activated_on, reference_month, days_in_period, expected
):
    contract, _sub = billed_contract(db_session, "99.90", activated_on, due_day=10)
    result = billing.generate_monthly_charge(contract.id, reference_month)

    assert result.created
    charge = _charges(db_session)[0]
    assert charge.amount == D(expected)
    assert isinstance(charge.amount, Decimal)
    assert charge.due_on == reference_month.replace(day=10)
    assert charge.period_start.day == 10 and charge.period_end.day == 9
    assert (charge.period_end - charge.period_start).days + 1 == days_in_period
    assert charge.reference_month == reference_month
    # The same amount as the money module's own first-period rule.
    assert charge.amount == money.first_period_prorata(D("99.90"), activated_on, 10).amount


def test_half_a_cent_goes_up(db_session):
    # 10/02-09/03/2023 (28 days); activated 03/03, 7 days: 100.10 x 7 / 28 = 25.025 -> 25.03
    # (banker's rounding would give 25.02).
    contract, _sub = billed_contract(db_session, "100.10", date(2023, 3, 3))
    billing.generate_monthly_charge(contract.id, date(2023, 3, 1))
    assert _charges(db_session)[0].amount == D("25.03")


def test_whole_period_costs_the_monthly_price_and_months_before_activation_nothing(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2024, 1, 15))
    assert billing.generate_monthly_charge(contract.id, date(2024, 1, 1)) == (
        billing.GeneratedCharge(None, False)
    )
    billing.generate_monthly_charge(contract.id, date(2024, 3, 20))  # any day of March
    (march,) = _charges(db_session)
    assert march.amount == D("99.90")
    assert march.description.startswith(("Mensalidade 03/2024", "Monthly fee 03/2024"))


def test_activation_on_the_due_day_bills_a_whole_period_next_month(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2024, 3, 10))
    assert billing.generate_monthly_charge(contract.id, MARCH_2024).charge is None
    billing.generate_monthly_charge(contract.id, date(2024, 4, 1))
    assert [c.amount for c in _charges(db_session)] == [D("99.90")]


def test_composition_is_billed_with_the_plan(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    add_tv_package(db_session, sub, "29.90", added_on=date(2023, 1, 10))
    add_voice_terminal(db_session, sub, "19.90")
    add_voice_terminal(db_session, sub, "15.00", active=False)  # not billed
    add_extra_service(db_session, sub, "9.90", started_on=date(2023, 1, 10))
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    # 99.90 + 29.90 + 19.90 + 9.90 = 159.60 for the whole period.
    assert _charges(db_session)[0].amount == D("159.60")


def test_an_item_added_mid_period_is_pro_rata_on_its_own(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    # Period 10/02-09/03/2024, 29 days. TV package from 01/03: 9 days;
    # 29.90 x 9 / 29 = 9.2793... -> 9.28. Total 99.90 + 9.28 = 109.18.
    add_tv_package(db_session, sub, "29.90", added_on=date(2024, 3, 1))
    # An antivirus that ended on 19/02: 10/02 to 19/02 is 10 days;
    # 9.90 x 10 / 29 = 3.4137... -> 3.41. Total 112.59.
    add_extra_service(db_session, sub, "9.90", date(2023, 1, 10), ended_on=date(2024, 2, 19))
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    assert _charges(db_session)[0].amount == D("112.59")


def test_tv_items_that_ended_are_billed_up_to_their_end(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    # Period 10/02-09/03/2024, 29 days. A TV point (set-top box rental) ended on 23/02:
    # 10/02 to 23/02 is 14 days, 14.50 x 14 / 29 = 7.00. A TV package ended on 09/02 is
    # not billed at all.
    add_tv_point(db_session, sub, "14.50", ended_on=date(2024, 2, 23))
    add_tv_package(db_session, sub, "29.90", date(2023, 1, 10), ended_on=date(2024, 2, 9))
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    assert _charges(db_session)[0].amount == D("106.90")


def test_a_combo_yields_one_charge_for_all_its_plans(db_session):
    contract, _sub = billed_contract(db_session, "0.00", date(2023, 1, 10))
    make_combo(db_session, contract, ["99.90", "59.90", "29.90"], date(2023, 1, 10))
    result = billing.generate_monthly_charge(contract.id, MARCH_2024)
    charges = _charges(db_session)
    assert len(charges) == 1 and result.charge.id == charges[0].id
    # 99.90 + 59.90 + 29.90 = 189.70.
    assert charges[0].amount == D("189.70")


def test_a_cancelled_subscription_is_billed_up_to_its_cancellation(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    add_subscription(
        db_session,
        contract,
        "58.00",
        date(2023, 1, 10),
        status=SubscriptionStatus.CANCELLED,
        cancelled_on=date(2024, 2, 23),
    )
    # Period 10/02-09/03/2024 (29 days); 10/02 to 23/02 is 14 days: 58.00 x 14 / 29 = 28.00.
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    assert _charges(db_session)[0].amount == D("127.90")


def test_the_plan_price_is_the_one_in_force_on_the_first_day_of_the_period(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10))
    # A plan change on 25/02 (inside 10/02-09/03) is settled by plan_change_charge; the
    # monthly charge of March keeps the old price, April's has the new one.
    db_session.add(
        SubscriptionPlanHistory(
            subscription=sub, plan=sub.plan, price=D("149.90"), started_on=date(2024, 2, 25)
        )
    )
    db_session.flush()
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    billing.generate_monthly_charge(contract.id, date(2024, 4, 1))
    assert [c.amount for c in _charges(db_session)] == [D("99.90"), D("149.90")]


# --------------------------------------------------------------------------- idempotence


def test_generating_the_same_month_twice_creates_nothing_new(db_session):
    contract, _sub = billed_contract(db_session)
    first = billing.generate_monthly_charge(contract.id, MARCH_2024)
    second = billing.generate_monthly_charge(contract.id, date(2024, 3, 28))
    assert first.created and not second.created
    assert second.charge.id == first.charge.id
    assert len(_charges(db_session)) == 1


def test_the_database_refuses_a_second_live_charge_for_a_month(db_session):
    contract, _sub = billed_contract(db_session)
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    db_session.add(
        Charge(
            customer_id=contract.customer_id,
            contract_id=contract.id,
            description="duplicada",
            amount=D("1.00"),
            due_on=date(2024, 3, 10),
            reference_month=MARCH_2024,
        )
    )
    with pytest.raises(IntegrityError):
        db_session.flush()
    db_session.rollback()


def test_a_cancelled_month_can_be_billed_again(db_session):
    contract, _sub = billed_contract(db_session)
    first = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    first.status = ChargeStatus.CANCELLED
    db_session.commit()
    again = billing.generate_monthly_charge(contract.id, MARCH_2024)
    assert again.created and again.charge.id != first.id


def test_an_inactive_contract_is_not_billed(db_session):
    contract, _sub = billed_contract(db_session)
    contract.status = ContractStatus.CANCELLED
    db_session.commit()
    with pytest.raises(billing.BillingError, match=contract.number):
        billing.generate_monthly_charge(contract.id, MARCH_2024)
    assert _charges(db_session) == []


def test_unknown_contract(db_session):
    with pytest.raises(NotFoundError):
        billing.generate_monthly_charge(999_999, MARCH_2024)


# --------------------------------------------------------------------------- payments


def test_mark_paid_records_amount_and_date_as_decimal(db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    billing.mark_charge_paid(charge.id, "101,50", date(2024, 3, 12), today=date(2024, 3, 12))
    (paid,) = _charges(db_session)
    assert paid.status == ChargeStatus.PAID
    assert paid.paid_amount == D("101.50") and isinstance(paid.paid_amount, Decimal)
    assert paid.paid_on == date(2024, 3, 12)


@pytest.mark.parametrize(
    ("amount", "paid_on", "message"),
    [
        (99.9, date(2024, 3, 12), "nunca como ponto flutuante"),
        ("abc", date(2024, 3, 12), "Informe um valor válido"),
        ("0", date(2024, 3, 12), "O valor deve ser maior que zero."),
        ("-5", date(2024, 3, 12), "O valor não pode ser negativo."),
        ("99.999", date(2024, 3, 12), None),
        ("99.90", date(2024, 3, 13), None),  # the future
    ],
)
def test_bad_payment_is_refused_and_nothing_written(db_session, amount, paid_on, message):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    with pytest.raises(billing.BillingError) as refused:
        billing.mark_charge_paid(charge.id, amount, paid_on, today=date(2024, 3, 12))
    if message:
        assert message in str(refused.value)
    (still_open,) = _charges(db_session)
    assert still_open.status == ChargeStatus.OPEN and still_open.paid_amount is None


@pytest.mark.parametrize("status", [ChargeStatus.CANCELLED, ChargeStatus.TRANSFERRED])
def test_a_cancelled_or_transferred_charge_cannot_be_paid(db_session, status):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    charge.status = status
    db_session.commit()
    with pytest.raises(billing.BillingError):
        billing.mark_charge_paid(charge.id, "99.90", date(2024, 3, 10), today=date(2024, 3, 10))
    assert _charges(db_session)[0].status == status


def test_a_charge_is_paid_once(db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    billing.mark_charge_paid(charge.id, "99.90", date(2024, 3, 10), today=date(2024, 3, 10))
    with pytest.raises(billing.BillingError, match="10/03/2024"):
        billing.mark_charge_paid(charge.id, "99.90", date(2024, 3, 11), today=date(2024, 3, 11))
    assert _charges(db_session)[0].paid_on == date(2024, 3, 10)


# --------------------------------------------------------------------------- carnês


def test_issue_a_booklet_of_monthly_charges(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2024, 2, 20))
    booklet = billing.issue_booklet(contract.id, 3, today=date(2024, 2, 20))
    charges = _charges(db_session, booklet_id=booklet.id)
    # The next due date after 20/02 is 10/03: March (pro rata, 65.45 as above), April, May.
    assert [c.due_on for c in charges] == [date(2024, 3, 10), date(2024, 4, 10), date(2024, 5, 10)]
    assert [c.amount for c in charges] == [D("65.45"), D("99.90"), D("99.90")]
    assert all(c.pix_txid for c in charges)  # a PIX contract
    assert booklet.status == BookletStatus.ACTIVE and booklet.installments == 3
    # The months of a carnê are billed: generating them finds its charges.
    assert not billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).created


def test_a_booklet_starts_after_the_months_already_billed(db_session):
    contract, _sub = billed_contract(db_session)
    billing.generate_monthly_charge(contract.id, MARCH_2024)
    booklet = billing.issue_booklet(contract.id, 2, today=date(2024, 3, 1))
    assert [c.reference_month for c in booklet.charges] == [date(2024, 4, 1), date(2024, 5, 1)]


def test_a_booklet_over_a_billed_month_is_refused(db_session):
    contract, _sub = billed_contract(db_session)
    billing.generate_monthly_charge(contract.id, date(2024, 4, 1))
    with pytest.raises(billing.BillingError, match="04/2024"):
        billing.issue_booklet(contract.id, 3, first_month=MARCH_2024)
    assert db_session.query(PaymentBooklet).count() == 0
    assert len(_charges(db_session)) == 1


@pytest.mark.parametrize("installments", [0, 25, "abc", "", -1])
def test_bad_number_of_installments_is_refused(db_session, installments):
    contract, _sub = billed_contract(db_session)
    with pytest.raises(billing.BillingError) as refused:
        billing.issue_booklet(contract.id, installments, first_month=MARCH_2024)
    assert refused.value.field == "installments"
    assert db_session.query(PaymentBooklet).count() == 0 and _charges(db_session) == []


def test_cancelling_a_booklet_leaves_paid_charges_untouched(db_session):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 3, first_month=MARCH_2024)
    first = booklet.charges[0]
    billing.mark_charge_paid(first.id, "99.90", date(2024, 3, 9), today=date(2024, 3, 9))

    billing.cancel_booklet(booklet.id, "Cliente pediu boleto")

    charges = _charges(db_session, booklet_id=booklet.id)
    assert [c.status for c in charges] == [
        ChargeStatus.PAID,
        ChargeStatus.CANCELLED,
        ChargeStatus.CANCELLED,
    ]
    assert charges[0].paid_amount == D("99.90") and charges[0].paid_on == date(2024, 3, 9)
    db_session.refresh(booklet)
    assert booklet.status == BookletStatus.CANCELLED and booklet.cancelled_at is not None
    reasons = {
        row.reason
        for row in db_session.query(AuditLog).filter_by(table_name="payment_booklets")
        if row.action == "update"
    }
    assert reasons == {"Cliente pediu boleto"}
    # The cancelled months can be issued again; the paid one cannot.
    again = billing.issue_booklet(contract.id, 2, first_month=date(2024, 4, 1))
    assert [c.amount for c in again.charges] == [D("99.90"), D("99.90")]
    with pytest.raises(billing.BillingError, match="03/2024"):
        billing.issue_booklet(contract.id, 1, first_month=MARCH_2024)


def test_cancelling_needs_a_reason_and_happens_once(db_session):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 2, first_month=MARCH_2024)
    with pytest.raises(billing.BillingError, match="Campo obrigatório."):
        billing.cancel_booklet(booklet.id, "   ")
    assert {c.status for c in _charges(db_session)} == {ChargeStatus.OPEN}
    billing.cancel_booklet(booklet.id, "erro de impressão")
    with pytest.raises(billing.BillingError):
        billing.cancel_booklet(booklet.id, "de novo")


# --------------------------------------------------------------------------- PIX


def test_a_pix_charge_has_a_valid_payload_with_its_txid_and_amount(db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session, "99.90", date(2024, 2, 20))
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge

    result = billing.charge_pix(charge.id)

    assert validate_pix_payload(result.payload)
    fields = parse_emv(result.payload)
    assert fields["54"] == "65.45"
    assert fields["62"]["05"] == charge.pix_txid == result.txid
    assert fields["26"]["01"] == PIX_KEY
    assert fields["59"] == "Provedor Fibra Paraiba" and fields["60"] == "JOAO PESSOA"
    assert result.qr_svg.startswith("<svg") and result.qr_png.startswith("data:image/png")


def test_txids_are_unique_letters_and_digits(db_session):
    contract, _sub = billed_contract(db_session)
    booklet = billing.issue_booklet(contract.id, 12, first_month=MARCH_2024)
    txids = [c.pix_txid for c in booklet.charges]
    assert len(set(txids)) == 12
    assert all(t.isascii() and t.isalnum() and 1 <= len(t) <= 25 for t in txids)


def test_no_pix_for_a_boleto_contract_or_a_paid_charge(db_session):
    set_pix(db_session)
    contract, _sub = billed_contract(db_session, method=PaymentMethodKind.BOLETO)
    boleto = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    assert boleto.pix_txid is None
    with pytest.raises(billing.BillingError):
        billing.charge_pix(boleto.id)

    pix_contract, _sub = billed_contract(db_session)
    paid = billing.generate_monthly_charge(pix_contract.id, MARCH_2024).charge
    billing.mark_charge_paid(paid.id, "99.90", date(2024, 3, 10), today=date(2024, 3, 10))
    with pytest.raises(billing.BillingError):
        billing.charge_pix(paid.id)


def test_pix_needs_the_isp_settings(db_session):
    contract, _sub = billed_contract(db_session)
    charge = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    with pytest.raises(billing.BillingError, match=sysvars.PIX_KEY):
        billing.charge_pix(charge.id)
    set_pix(db_session, key="123.456.789-00")  # a CPF with wrong check digits
    with pytest.raises(billing.BillingError, match="CPF válido"):
        billing.charge_pix(charge.id)


# --------------------------------------------------------------------------- due day


def test_due_day_change_is_charged_when_the_variable_is_on(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    db_session.commit()
    today = date(2024, 3, 5)

    preview = billing.preview_due_day_change(contract.id, 20, today=today)
    # The cycle ends on 10/03; the new due date is 20/03. Days 10/03 to 19/03 (10 days) of
    # the period 10/03-09/04 (31 days): 99.90 x 10 / 31 = 32.2258... -> 32.23.
    assert preview.difference == D("32.23") and preview.charge_amount == D("32.23")
    assert (preview.old_due_on, preview.new_due_on) == (date(2024, 3, 10), date(2024, 3, 20))
    assert db_session.get(Contract, contract.id).due_day == 10  # a preview changes nothing

    result = billing.change_due_day(
        contract.id, 20, "Cliente recebe no dia 20", expected_difference="32.23", today=today
    )

    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 20
    (charge,) = _charges(db_session)
    assert charge.id == result.charge.id
    assert charge.amount == D("32.23") and isinstance(charge.amount, Decimal)
    assert charge.due_on == date(2024, 3, 20)
    assert (charge.period_start, charge.period_end) == (date(2024, 3, 10), date(2024, 3, 19))
    assert charge.reference_month is None and charge.pix_txid
    audit = db_session.query(AuditLog).filter_by(table_name="contracts", action="update").one()
    assert audit.changes["due_day"] == {"before": 10, "after": 20}
    assert audit.reason == "Cliente recebe no dia 20"


def test_due_day_change_is_free_when_the_variable_is_off(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    db_session.commit()
    preview = billing.preview_due_day_change(contract.id, 20, today=date(2024, 3, 5))
    assert preview.difference == D("32.23")
    assert not preview.charging_enabled and preview.charge_amount == D("0.00")

    result = billing.change_due_day(contract.id, 20, "Pedido do cliente", today=date(2024, 3, 5))

    assert result.charge is None and _charges(db_session) == []
    assert db_session.get(Contract, contract.id).due_day == 20
    audit = db_session.query(AuditLog).filter_by(table_name="contracts", action="update").one()
    assert audit.reason == "Pedido do cliente"


def test_moving_the_due_day_earlier_is_a_credit_never_charged(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=20)
    db_session.commit()
    # 20 -> 10 on 05/03/2024: 10/03 to 19/03 are in the period 20/02-19/03 (29 days) and
    # would be paid twice: 99.90 x 10 / 29 = 34.448... -> a credit of 34.45.
    result = billing.change_due_day(contract.id, 10, "Antecipar", today=date(2024, 3, 5))
    assert result.change.difference == D("-34.45")
    assert result.charge is None and _charges(db_session) == []


def test_due_day_change_refused_when_the_difference_is_not_the_one_shown(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, due_day=10)
    db_session.commit()
    with pytest.raises(ConflictError, match="32,23"):
        billing.change_due_day(
            contract.id, 20, "motivo", expected_difference="30.00", today=date(2024, 3, 5)
        )
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10 and _charges(db_session) == []


@pytest.mark.parametrize(
    ("day", "reason", "message"),
    [
        (29, "motivo", "O dia do vencimento deve ser um número de 1 a 28."),
        ("x", "motivo", "O dia do vencimento deve ser um número de 1 a 28."),
        (20, "", "Campo obrigatório."),
        (10, "motivo", None),  # the same day
    ],
)
def test_bad_due_day_change_is_refused_and_nothing_written(db_session, day, reason, message):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, due_day=10)
    db_session.commit()
    with pytest.raises(billing.BillingError) as refused:
        billing.change_due_day(contract.id, day, reason, today=date(2024, 3, 5))
    if message:
        assert str(refused.value) == message
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).due_day == 10 and _charges(db_session) == []
    assert (
        db_session.query(AuditLog).filter_by(table_name="contracts", action="update").count() == 0
    )


def test_due_day_change_refused_while_a_booklet_has_open_charges(db_session):
    contract, _sub = billed_contract(db_session, due_day=10)
    billing.issue_booklet(contract.id, 2, first_month=date(2024, 4, 1))
    with pytest.raises(billing.BillingError, match="booklet|carnê"):
        billing.preview_due_day_change(contract.id, 20, today=date(2024, 3, 5))
    with pytest.raises(billing.BillingError):
        billing.change_due_day(contract.id, 20, "motivo", today=date(2024, 3, 5))
    assert db_session.get(Contract, contract.id).due_day == 10


# --------------------------------------------------------------------------- plan change


def test_plan_change_up_mid_month_charges_the_difference(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    # 99.90 -> 149.90 on 25/03/2024; period 10/03-09/04 (31 days), 25/03 to 09/04 is
    # 7 + 9 = 16 days: 50.00 x 16 / 31 = 25.8064... -> 25.81.
    result = billing.plan_change_charge(sub, D("99.90"), D("149.90"), date(2024, 3, 25))
    db_session.commit()

    assert result.difference == D("25.81")
    (charge,) = _charges(db_session)
    assert charge.amount == D("25.81") and charge.due_on == date(2024, 4, 10)
    assert (charge.period_start, charge.period_end) == (date(2024, 3, 25), date(2024, 4, 9))
    assert charge.reference_month is None and charge.pix_txid


def test_plan_change_down_mid_month_credits_the_period_charge(db_session):
    contract, sub = billed_contract(db_session, "149.90", date(2023, 1, 10), due_day=10)
    # 149.90 -> 99.90 on 25/03/2024: a credit of 25.81 (the same days as above). April's
    # monthly charge (for 10/03-09/04, at the old price) is generated and takes it:
    # 149.90 - 25.81 = 124.09.
    result = billing.plan_change_charge(sub, D("149.90"), D("99.90"), date(2024, 3, 25))
    db_session.commit()

    assert result.difference == D("-25.81") and result.unapplied_credit == D("0.00")
    (april,) = _charges(db_session)
    assert april.reference_month == date(2024, 4, 1)
    assert april.amount == D("124.09")
    assert [(c.id, amount) for c, amount in result.credited] == [(april.id, D("25.81"))]
    # April is billed now: generating it does not bill the old price again.
    assert not billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).created


def test_plan_change_credit_skips_paid_charges_and_reports_what_is_left(db_session):
    contract, sub = billed_contract(db_session, "149.90", date(2023, 1, 10), due_day=10)
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    billing.mark_charge_paid(april.id, "149.90", date(2024, 3, 20), today=date(2024, 3, 20))
    result = billing.plan_change_charge(sub, D("149.90"), D("99.90"), date(2024, 3, 25))
    db_session.commit()
    assert result.credited == [] and result.unapplied_credit == D("25.81")
    assert _charges(db_session)[0].amount == D("149.90")


# --------------------------------------------------------------------------- totals


def test_customer_totals(db_session):
    contract, _sub = billed_contract(db_session, "100.00", date(2023, 1, 10))
    billing.issue_booklet(contract.id, 4, first_month=date(2024, 1, 1))
    jan, feb, mar, apr = _charges(db_session)
    billing.mark_charge_paid(jan.id, "101.00", date(2024, 1, 12), today=date(2024, 3, 11))
    mar.status = ChargeStatus.CANCELLED
    db_session.commit()

    totals = billing.customer_totals(contract.customer_id, today=date(2024, 3, 11))

    # Feb (due 10/02) is overdue; Apr (due 10/04) is open; March is cancelled.
    assert totals == billing.ChargeTotals(
        open=D("200.00"),
        overdue=D("100.00"),
        paid=D("101.00"),
        open_count=2,
        overdue_count=1,
        paid_count=1,
    )
    for amount in (totals.open, totals.overdue, totals.paid):
        assert isinstance(amount, Decimal)
    # On the due date itself a charge is not overdue yet.
    assert billing.customer_totals(contract.customer_id, today=date(2024, 2, 10)).overdue == 0


def test_charge_filters(db_session):
    contract, _sub = billed_contract(db_session)
    billing.issue_booklet(contract.id, 3, first_month=date(2024, 1, 1))
    customer_id = contract.customer_id
    filters, errors = billing.parse_charge_filters(
        {"status": "open", "due_from": "2024-02-01", "due_to": "10/03/2024"}
    )
    assert errors == {}
    assert [c.due_on for c in billing.customer_charges(customer_id, filters)] == [
        date(2024, 3, 10),
        date(2024, 2, 10),
    ]
    filters, errors = billing.parse_charge_filters(
        {"status": "nope", "due_from": "31/02/2024", "due_to": ""}
    )
    assert set(errors) == {"status", "due_from"}
    assert len(billing.customer_charges(customer_id, filters)) == 3


def test_typed_dates_and_months_keep_their_messages(db_session):
    invalid, out_of_range = str(validators.INVALID_DATE), str(validators.DATE_OUT_OF_RANGE)
    assert billing.parse_date(" 10/03/2024 ") == billing.parse_date("2024-03-10") == date(
        2024, 3, 10
    )
    assert billing.parse_date(None) is None and billing.parse_date("  ") is None
    for text, message in (
        ("31/02/2024", invalid),
        ("10/03", invalid),
        ("abc", invalid),
        ("1989-12-31", out_of_range),
        ("01/01/2101", out_of_range),
    ):
        with pytest.raises(billing.BillingError) as refused:
            billing.parse_date(text)
        assert str(refused.value) == message, text
    assert billing.parse_month("03/2024") == billing.parse_month("2024-03-20") == MARCH_2024
    with pytest.raises(billing.BillingError) as refused:
        billing.parse_month("1989-12")
    assert str(refused.value) == out_of_range
    with pytest.raises(billing.BillingError) as refused:
        billing.parse_month("13/2024")
    assert "03/2024" in str(refused.value)  # the month's own message, not the date's


def test_money_never_goes_through_float(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2024, 2, 20))
    billing.issue_booklet(contract.id, 2, first_month=MARCH_2024)
    billing.plan_change_charge(sub, D("99.90"), D("129.90"), date(2024, 3, 25))
    db_session.commit()
    for charge in _charges(db_session):
        assert type(charge.amount) is Decimal
        assert charge.amount == charge.amount.quantize(D("0.01"))
    with pytest.raises(billing.BillingError):
        billing.plan_change_charge(sub, 99.90, D("129.90"), date(2024, 3, 25))
    assert type(billing.contract_monthly_amount(contract, date(2024, 3, 1))) is Decimal


# --------------------------------------------------------------------------- the monthly sweep


def _contract_charges(session, contract) -> list[Charge]:
    return _charges(session, contract_id=contract.id)


def test_the_sweep_bills_the_coming_month_of_each_contract_once(db_session):
    # 01/03/2024 with a lead of 10 days: due dates from 01/03 to 11/03 are billed now.
    due_10, _s = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    due_5, _s = billed_contract(db_session, "59.90", date(2023, 1, 5), due_day=5)
    due_20, _s = billed_contract(db_session, "79.90", date(2023, 1, 20), due_day=20)
    # Activated 20/02/2024: its first period 10/02-09/03 (29 days) is pro rata,
    # 20/02 to 09/03 is 19 days: 99.90 x 19 / 29 = 65.4517... -> 65.45.
    new, _s = billed_contract(db_session, "99.90", date(2024, 2, 20), due_day=10)
    carne, _s = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    billing.issue_booklet(carne.id, 2, first_month=MARCH_2024)
    cancelled, _s = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    cancelled.status = ContractStatus.CANCELLED
    not_activated, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    sub.first_activated_on = None
    db_session.commit()

    assert billing.contracts_to_bill(date(2024, 3, 1), lead_days=10) == [
        (due_10.id, MARCH_2024),
        (due_5.id, MARCH_2024),
        (new.id, MARCH_2024),
    ]
    run = billing.generate_due_charges(date(2024, 3, 1), lead_days=10)

    assert (run.created, run.nothing_to_bill, run.failed) == (3, 0, [])
    (march_10,) = _contract_charges(db_session, due_10)
    assert (march_10.due_on, march_10.amount) == (date(2024, 3, 10), D("99.90"))
    assert march_10.reference_month == MARCH_2024 and march_10.pix_txid
    (march_5,) = _contract_charges(db_session, due_5)
    assert (march_5.due_on, march_5.amount) == (date(2024, 3, 5), D("59.90"))
    (first,) = _contract_charges(db_session, new)
    assert (first.due_on, first.amount) == (date(2024, 3, 10), D("65.45"))
    assert _contract_charges(db_session, due_20) == []  # due on 20/03: not yet
    assert len(_contract_charges(db_session, carne)) == 2  # its carnê bills March already
    assert _contract_charges(db_session, cancelled) == []
    assert _contract_charges(db_session, not_activated) == []

    # Running again, the same day or the next, creates nothing new.
    total = db_session.query(Charge).count()
    assert billing.generate_due_charges(date(2024, 3, 1), lead_days=10).created == 0
    assert billing.generate_due_charges(date(2024, 3, 2), lead_days=10).created == 0
    assert db_session.query(Charge).count() == total
    assert billing.contracts_to_bill(date(2024, 3, 2), lead_days=10) == []
    # Ten days on, the window reaches 20/03.
    assert billing.generate_due_charges(date(2024, 3, 10), lead_days=10).created == 1
    (march_20,) = _contract_charges(db_session, due_20)
    assert (march_20.due_on, march_20.amount) == (date(2024, 3, 20), D("79.90"))


def test_the_sweep_lead_comes_from_the_app_setting(app, db_session, monkeypatch):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    db_session.commit()
    monkeypatch.setitem(app.config, "BILLING_LEAD_DAYS", 5)
    assert billing.generate_due_charges(date(2024, 3, 4)).created == 0  # 10/03 is 6 days off
    assert billing.generate_due_charges(date(2024, 3, 5)).created == 1
    assert [c.due_on for c in _contract_charges(db_session, contract)] == [date(2024, 3, 10)]


@pytest.mark.parametrize(("variable", "read"), [("5", 5), (" 12 ", 12), ("dez", "dez")])
def test_the_lead_is_read_from_the_environment(monkeypatch, variable, read):
    from config import Config

    monkeypatch.setenv("BILLING_LEAD_DAYS", variable)
    settings = Config()
    # A bad value is kept as typed for the sweep to refuse with its message.
    assert read == settings.BILLING_LEAD_DAYS


@pytest.mark.parametrize("lead_days", [-1, 28, "10", True])
def test_a_bad_lead_is_refused(db_session, lead_days):
    billed_contract(db_session)
    db_session.commit()
    with pytest.raises(billing.BillingError, match="27"):
        billing.generate_due_charges(date(2024, 3, 1), lead_days=lead_days)
    assert _charges(db_session) == []


def test_one_contract_failing_does_not_stop_the_others(db_session, monkeypatch):
    first, _s = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    broken, _s = billed_contract(db_session, "59.90", date(2023, 1, 10), due_day=10)
    last, _s = billed_contract(db_session, "79.90", date(2023, 1, 10), due_day=10)
    db_session.commit()
    original = billing._period_amount

    def fails_for_broken(subscriptions, period):
        if subscriptions and subscriptions[0].contract_id == broken.id:
            raise RuntimeError("database hiccup")
        return original(subscriptions, period)

    monkeypatch.setattr(billing, "_period_amount", fails_for_broken)
    run = billing.generate_due_charges(date(2024, 3, 1), lead_days=10)

    assert (run.created, run.failed) == (2, [broken.id])
    assert [c.amount for c in _contract_charges(db_session, first)] == [D("99.90")]
    assert [c.amount for c in _contract_charges(db_session, last)] == [D("79.90")]
    assert _contract_charges(db_session, broken) == []
    # Fixed, the next run bills it, and only it.
    monkeypatch.setattr(billing, "_period_amount", original)
    assert billing.generate_due_charges(date(2024, 3, 1), lead_days=10).created == 1
    assert [c.amount for c in _contract_charges(db_session, broken)] == [D("59.90")]
    assert db_session.query(Charge).count() == 3


def test_the_due_work_sweep_and_run_due_bill_the_coming_month(app, db_session):
    from app.jobs.due import run_due_work
    from app.services.clock import local_today

    today = local_today()
    due_on = next(
        day
        for day in (today + timedelta(days=n) for n in range(billing.BILLING_LEAD_DAYS + 1))
        if day.day <= money.MAX_DUE_DAY
    )
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 1), due_day=due_on.day)
    db_session.commit()

    assert run_due_work()["due_monthly_charges"] == 1
    (charge,) = _contract_charges(db_session, contract)
    assert (charge.due_on, charge.amount) == (due_on, D("99.90"))
    # `flask panel run-due` runs the same sweep; the month is billed, nothing new.
    result = app.test_cli_runner().invoke(args=["panel", "run-due"])
    assert result.exit_code == 0 and "due_monthly_charges: 0" in result.output
    assert len(_contract_charges(db_session, contract)) == 1


# --------------------------------------------------------------------------- transferred debt


@pytest.mark.parametrize("method", [PaymentMethodKind.PIX, PaymentMethodKind.BOLETO])
def test_debt_moved_by_a_transfer_gets_its_own_txid_on_a_pix_contract(db_session, method):
    from app.services import transfers

    set_pix(db_session)
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), method=method)
    old = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    old_txid = old.pix_txid
    heir = make_customer(db_session)
    db_session.commit()

    transfers.request_transfer(
        transfers.TransferRequest(
            subscription_id=sub.id, main_contract_id=contract.id, to_customer_id=heir.id
        ),
        today=date(2024, 3, 5),
    )

    db_session.expire_all()
    moved = db_session.get(Charge, old.id)
    assert moved.status == ChargeStatus.TRANSFERRED and moved.pix_txid == old_txid
    copy = db_session.get(Charge, moved.transferred_to_id)
    assert copy.customer_id == heir.id and copy.amount == D("99.90")
    if method == PaymentMethodKind.BOLETO:
        assert copy.pix_txid is None
        return
    assert copy.pix_txid and copy.pix_txid != old_txid
    assert len(copy.pix_txid) == billing.TXID_LENGTH and copy.pix_txid.isalnum()
    pix = billing.charge_pix(copy.id)
    assert validate_pix_payload(pix.payload)
    assert parse_emv(pix.payload)["62"]["05"] == copy.pix_txid
    assert parse_emv(pix.payload)["54"] == "99.90"


# --------------------------------------------------------------------------- due day: open charges


def test_a_due_day_change_moves_the_open_charges_not_yet_due(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    february = billing.generate_monthly_charge(contract.id, date(2024, 2, 1)).charge
    paid_january = billing.generate_monthly_charge(contract.id, date(2024, 1, 1)).charge
    billing.mark_charge_paid(paid_january.id, "99.90", date(2024, 1, 10), today=date(2024, 3, 5))
    march = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    # An upgrade on 01/03 inside 10/02-09/03 (29 days): 9 days, 50.00 x 9 / 29 = 15.517...
    # -> 15.52, due with March's charge on 10/03.
    upgrade = billing.plan_change_charge(sub, D("99.90"), D("149.90"), date(2024, 3, 1)).charge
    db_session.commit()
    today = date(2024, 3, 5)

    preview = billing.preview_due_day_change(contract.id, 20, today=today)
    assert {(m.charge.id, m.due_on) for m in preview.moved} == {
        (march.id, date(2024, 3, 20)),
        (april.id, date(2024, 4, 20)),
        (upgrade.id, date(2024, 3, 20)),
    }
    assert db_session.get(Charge, march.id).due_on == date(2024, 3, 10)  # preview writes nothing

    result = billing.change_due_day(
        contract.id, 20, "Salário no dia 20", expected_difference="32.23", today=today
    )

    db_session.expire_all()
    rows = {
        c.id: (c.due_on, c.period_start, c.period_end, c.amount, c.status)
        for c in _contract_charges(db_session, contract)
    }
    # Overdue February and paid January keep their dates.
    assert rows[february.id] == (
        date(2024, 2, 10),
        date(2024, 1, 10),
        date(2024, 2, 9),
        D("99.90"),
        ChargeStatus.OPEN,
    )
    assert rows[paid_january.id][0] == date(2024, 1, 10)
    # March closes the running cycle: same period, due on the first new due date, with the
    # upgrade that was due with it and the difference (10/03 to 19/03, 32.23, as above).
    assert rows[march.id] == (
        date(2024, 3, 20),
        date(2024, 2, 10),
        date(2024, 3, 9),
        D("99.90"),
        ChargeStatus.OPEN,
    )
    assert rows[upgrade.id] == (
        date(2024, 3, 20),
        date(2024, 3, 1),
        date(2024, 3, 9),
        D("15.52"),
        ChargeStatus.OPEN,
    )
    assert rows[result.charge.id] == (
        date(2024, 3, 20),
        date(2024, 3, 10),
        date(2024, 3, 19),
        D("32.23"),
        ChargeStatus.OPEN,
    )
    # April becomes the new day's April: 20/03 to 19/04, a whole period, the same 99.90.
    assert rows[april.id] == (
        date(2024, 4, 20),
        date(2024, 3, 20),
        date(2024, 4, 19),
        D("99.90"),
        ChargeStatus.OPEN,
    )
    # May follows on from it: 20/04 to 19/05, due 20/05. Every day is billed once.
    may = billing.generate_monthly_charge(contract.id, date(2024, 5, 1)).charge
    assert (may.due_on, may.period_start, may.period_end, may.amount) == (
        date(2024, 5, 20),
        date(2024, 4, 20),
        date(2024, 5, 19),
        D("99.90"),
    )
    audit = {
        (row.table_name, row.record_id): row.reason
        for row in db_session.query(AuditLog).filter_by(action="update")
    }
    assert audit[("charges", str(march.id))] == "Salário no dia 20"


def test_a_charge_due_today_and_the_variable_off_keep_the_charge_where_it_is(db_session):
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 5), due_day=5)
    march = billing.generate_monthly_charge(contract.id, MARCH_2024).charge
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    db_session.commit()
    # On the due day itself the running cycle is 05/03-04/04: it ends on 05/04, and the
    # first new due date is 15/04. March's charge, due today, is not moved.
    result = billing.change_due_day(contract.id, 15, "Pedido", today=date(2024, 3, 5))

    assert result.charge is None  # the variable is off: no difference charged
    db_session.expire_all()
    assert db_session.get(Charge, march.id).due_on == date(2024, 3, 5)
    moved = db_session.get(Charge, april.id)
    assert (moved.due_on, moved.period_start, moved.period_end, moved.amount) == (
        date(2024, 4, 15),
        date(2024, 3, 5),
        date(2024, 4, 4),
        D("99.90"),
    )
    assert len(_contract_charges(db_session, contract)) == 2


def test_moving_earlier_past_this_months_new_day_moves_from_the_next_cycle(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, "99.90", date(2023, 1, 20), due_day=20)
    march, april, may = (
        billing.generate_monthly_charge(contract.id, date(2024, month, 1)).charge
        for month in (3, 4, 5)
    )
    db_session.commit()
    # 20 -> 3 on 05/03/2024: 03/03 has passed, so the change takes effect a cycle later:
    # the cycle 20/03-19/04 ends on 20/04 and the first new due date is 03/04. Days 03/04
    # to 19/04 (17 of that cycle's 31) are paid twice: 99.90 x 17 / 31 = 54.783... -> a
    # credit of 54.78, shown, not charged.
    result = billing.change_due_day(contract.id, 3, "Antecipar", today=date(2024, 3, 5))

    assert result.change.difference == D("-54.78") and result.charge is None
    db_session.expire_all()
    march, april, may = (db_session.get(Charge, c.id) for c in (march, april, may))
    assert (march.due_on, march.period_start) == (date(2024, 3, 20), date(2024, 2, 20))
    assert (april.due_on, april.period_start, april.period_end) == (
        date(2024, 4, 3),
        date(2024, 3, 20),
        date(2024, 4, 19),
    )
    assert (may.due_on, may.period_start, may.period_end) == (
        date(2024, 5, 3),
        date(2024, 4, 3),
        date(2024, 5, 2),
    )
    assert [c.amount for c in (march, april, may)] == [D("99.90")] * 3


def test_a_refused_due_day_change_moves_no_charge(db_session):
    set_variable(db_session, sysvars.CHARGE_DUE_DAY_CHANGE, "S")
    contract, _sub = billed_contract(db_session, due_day=10)
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    db_session.commit()
    with pytest.raises(ConflictError):
        billing.change_due_day(
            contract.id, 20, "motivo", expected_difference="30.00", today=date(2024, 3, 5)
        )
    db_session.expire_all()
    assert db_session.get(Charge, april.id).due_on == date(2024, 4, 10)


# --------------------------------------------------------------------------- stored credit


def test_a_downgrade_credit_no_charge_absorbs_is_kept_for_the_next_monthly_charge(db_session):
    contract, sub = billed_contract(db_session, "149.90", date(2023, 1, 10), due_day=10)
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    billing.mark_charge_paid(april.id, "149.90", date(2024, 3, 20), today=date(2024, 3, 20))
    db_session.add(
        SubscriptionPlanHistory(
            subscription=sub, plan=sub.plan, price=D("99.90"), started_on=date(2024, 3, 25)
        )
    )
    # 149.90 -> 99.90 on 25/03/2024: a credit of 25.81 (see the plan change tests); April
    # is paid, so no open charge takes it.
    result = billing.plan_change_charge(sub, D("149.90"), D("99.90"), date(2024, 3, 25))
    db_session.commit()

    assert result.unapplied_credit == D("25.81")
    assert result.credit.amount == D("25.81") and result.credit.charge_id is None
    assert billing.contract_credit_balance(contract.id) == D("25.81")
    assert billing.customer_credit_balance(contract.customer_id) == D("25.81")

    # May (10/04-09/05, at the new price 99.90) takes it: 99.90 - 25.81 = 74.09.
    may = billing.generate_monthly_charge(contract.id, date(2024, 5, 1)).charge
    assert may.amount == D("74.09") and may.status == ChargeStatus.OPEN
    assert "-25,81" in may.description
    assert billing.contract_credit_balance(contract.id) == D("0.00")
    assert [(c.amount, c.charge_id) for c in billing.contract_credits(contract.id)] == [
        (D("25.81"), None),
        (D("-25.81"), may.id),
    ]
    # Used once: June is billed in full.
    june = billing.generate_monthly_charge(contract.id, date(2024, 6, 1)).charge
    assert june.amount == D("99.90")


def test_a_credit_larger_than_a_charge_settles_it_and_carries_over(db_session):
    contract, sub = billed_contract(db_session, "249.90", date(2023, 1, 10), due_day=10)
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    billing.mark_charge_paid(april.id, "249.90", date(2024, 3, 20), today=date(2024, 3, 20))
    db_session.add(
        SubscriptionPlanHistory(
            subscription=sub, plan=sub.plan, price=D("99.90"), started_on=date(2024, 3, 10)
        )
    )
    # 249.90 -> 99.90 on 10/03, the first day of 10/03-09/04: the whole period, a credit
    # of 150.00, and April (which would take it) is paid.
    billing.plan_change_charge(sub, D("249.90"), D("99.90"), date(2024, 3, 10))
    db_session.commit()
    assert billing.contract_credit_balance(contract.id) == D("150.00")

    booklet = billing.issue_booklet(contract.id, 3, first_month=date(2024, 5, 1))

    may, june, july = booklet.charges
    # May (99.90) is covered in full: settled at once, nothing to pay, no PIX code.
    assert (may.amount, may.status, may.paid_amount) == (D("0.00"), ChargeStatus.PAID, D("0.00"))
    with pytest.raises(billing.BillingError):
        billing.charge_pix(may.id)
    # June takes the remaining 150.00 - 99.90 = 50.10: 99.90 - 50.10 = 49.80. July is whole.
    assert (june.amount, june.status) == (D("49.80"), ChargeStatus.OPEN)
    assert (july.amount, july.status) == (D("99.90"), ChargeStatus.OPEN)
    assert billing.contract_credit_balance(contract.id) == D("0.00")
    totals = billing.customer_totals(contract.customer_id, today=date(2024, 5, 11))
    assert (totals.open, totals.overdue) == (D("149.70"), D("0.00"))


def test_cancelling_a_booklet_gives_back_the_credit_its_open_charges_used(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    april = billing.generate_monthly_charge(contract.id, date(2024, 4, 1)).charge
    billing.mark_charge_paid(april.id, "99.90", date(2024, 3, 20), today=date(2024, 3, 20))
    # 99.90 -> 69.90 on 10/03: the whole period 10/03-09/04, a credit of 30.00.
    billing.plan_change_charge(sub, D("99.90"), D("69.90"), date(2024, 3, 10))
    db_session.commit()
    booklet = billing.issue_booklet(contract.id, 2, first_month=date(2024, 5, 1))
    assert [c.amount for c in booklet.charges] == [D("69.90"), D("99.90")]
    assert billing.contract_credit_balance(contract.id) == D("0.00")

    billing.cancel_booklet(booklet.id, "Cliente pediu boleto")

    assert billing.contract_credit_balance(contract.id) == D("30.00")
    again = billing.issue_booklet(contract.id, 2, first_month=date(2024, 5, 1))
    assert [c.amount for c in again.charges] == [D("69.90"), D("99.90")]
    assert billing.contract_credit_balance(contract.id) == D("0.00")


def test_a_downgrade_credit_on_a_carne_slip_comes_back_when_the_carne_is_cancelled(db_session):
    contract, sub = billed_contract(db_session, "99.90", date(2023, 1, 10), due_day=10)
    booklet = billing.issue_booklet(contract.id, 2, first_month=date(2024, 4, 1))
    # 99.90 -> 69.90 on 10/03: the whole period 10/03-09/04, a credit of 30.00 that
    # April's open slip absorbs (99.90 - 30.00 = 69.90).
    result = billing.plan_change_charge(sub, D("99.90"), D("69.90"), date(2024, 3, 10))
    db_session.commit()
    april = booklet.charges[0]
    assert result.credited == [(april, D("30.00"))] and result.unapplied_credit == 0
    assert april.amount == D("69.90")
    assert billing.contract_credit_balance(contract.id) == D("0.00")

    billing.cancel_booklet(booklet.id, "Troca para boleto")

    # The slip is cancelled, so the credit is the contract's again for its next charge.
    assert billing.contract_credit_balance(contract.id) == D("30.00")
    assert [(c.amount, c.charge_id) for c in billing.contract_credits(contract.id)] == [
        (D("30.00"), None),
        (D("-30.00"), april.id),
        (D("30.00"), april.id),
    ]
