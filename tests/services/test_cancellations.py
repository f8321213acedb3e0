"""Cancelar with a Protocolo de Cancelamento: the Resumo (voice terminals, extras, pro rata,
fine, totals), the unique protocol number, what is charged, what is ended (never deleted),
RADIUS, the audit trail, and every refusal leaving everything as it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import (
    CancellationProtocol,
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    ExtraService,
    RadiusLogin,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
    VoiceTerminal,
)
from app.services import billing, cancellations, radius
from app.services.errors import ConflictError, NotFoundError
from tests.support.actions import (
    TODAY,
    add_extra,
    add_terminal,
    audit_entries,
    build_subscription,
    refused,
    snapshot,
)
from tests.support.i18n import translated
from tests.support.radius import configure_blocked_group, radius_inline, radius_rows  # noqa: F401

pytestmark = pytest.mark.usefixtures("radius_inline")

# Period 10/03 - 09/04/2026 (31 days); cancelled on 15/03: 6 days used.
# Plan 99,90 + voice 19,90 + Antivírus 9,90 = 129,70 a month -> 129,70 x 6 / 31 = 25,10.
PRORATA = Decimal("25.10")
# Loyalty 15/09/2025 - 14/09/2026 (365 days), 183 days left after 15/03/2026:
# 300,00 x 183 / 365 = 150,41.
FINE = Decimal("150.41")


@pytest.fixture
def subscribed(db_session) -> dict:
    data = build_subscription(db_session)
    data["extra"] = add_extra(db_session, data["sub"], data["antivirus"])
    data["terminal"] = add_terminal(db_session, data["sub"], data["category"])
    return data


def test_the_summary_lists_the_composition_the_pro_rata_the_fine_and_totals(
    db_session, subscribed
):
    before = snapshot(db_session, subscribed)

    s = cancellations.preview_cancellation(subscribed["sub"].id, today=TODAY)

    assert s.cancelled_on == TODAY
    assert [(i.name, i.price, i.detail) for i in s.voice_terminals] == [
        ("8332001234", Decimal("19.90"), "Residencial")
    ]
    assert [(i.name, i.price) for i in s.extra_services] == [("Antivírus", Decimal("9.90"))]
    assert s.monthly_amount == Decimal("129.70")
    assert (s.period.start, s.period.end) == (date(2026, 3, 10), date(2026, 4, 9))
    assert s.prorata == PRORATA
    assert s.fine.rule == "proportional"
    assert (s.fine.days_left, s.fine.days_total) == (183, 365)
    assert s.fine.amount == FINE
    assert s.total == PRORATA + FINE
    assert s.ends_contract and s.charge_amount == PRORATA + FINE
    assert snapshot(db_session, subscribed) == before


def test_cancelling_registers_a_protocol_charges_and_deletes_nothing(db_session, subscribed):
    configure_blocked_group(db_session)
    db_session.commit()
    radius.create_login(subscribed["sub"].id, "cancela", "s3nha-Forte")
    sub_id = subscribed["sub"].id

    protocol = cancellations.cancel_subscription(
        sub_id,
        "Mudou de cidade",
        expected_total=str(PRORATA + FINE),
        today=TODAY,
    )

    assert protocol.number == "CAN-2026-000001"
    db_session.expire_all()
    protocol = db_session.get(CancellationProtocol, protocol.id)
    assert (protocol.reason, protocol.cancelled_on) == ("Mudou de cidade", TODAY)
    assert (protocol.prorata_amount, protocol.fine_amount, protocol.total) == (
        PRORATA,
        FINE,
        PRORATA + FINE,
    )
    assert [i["name"] for i in protocol.summary["items"]] == [
        "Fibra 300",
        "8332001234",
        "Antivírus",
    ]
    sub = db_session.get(Subscription, sub_id)
    assert (sub.status, sub.cancelled_on, sub.suspended_on) == (
        SubscriptionStatus.CANCELLED,
        TODAY,
        TODAY,
    )
    # Ended, never deleted: the composition, the history and the contract stay readable.
    assert db_session.get(ExtraService, subscribed["extra"].id).ended_on == TODAY
    assert db_session.get(VoiceTerminal, subscribed["terminal"].id).active is False
    (history,) = db_session.query(SubscriptionPlanHistory).filter_by(subscription_id=sub_id)
    assert history.ended_on == TODAY
    contract = db_session.get(Contract, subscribed["contract"].id)
    assert (contract.status, contract.ends_on) == (ContractStatus.CANCELLED, TODAY)
    # The contract ends: one charge bills the pro rata and the fine.
    charge = db_session.query(Charge).one()
    assert (charge.amount, charge.due_on, charge.status) == (
        PRORATA + FINE,
        date(2026, 4, 10),
        ChargeStatus.OPEN,
    )
    assert "CAN-2026-000001" in charge.description
    assert protocol.summary["charge_id"] == charge.id
    # RADIUS: blocked, the login kept.
    assert db_session.query(RadiusLogin).one().blocked
    assert radius_rows(db_session, "cancela")["radusergroup"] == [("cancela", "bloqueado")]
    # Audited with the reason.
    (entry,) = audit_entries(db_session, "subscriptions", sub_id, "update")
    assert entry.changes["status"] == {"before": "active", "after": "cancelled"}
    assert entry.reason == "Mudou de cidade"
    assert audit_entries(db_session, "cancellation_protocols", protocol.id, "create")
    assert not [e for e in audit_entries(db_session, "subscriptions") if e.action == "delete"]


def test_protocol_numbers_are_unique_and_sequential(db_session, subscribed):
    other = Subscription(
        customer=subscribed["customer"], plan=subscribed["plan"],
        contract=subscribed["contract"], first_activated_on=date(2025, 9, 15),
    )
    db_session.add(other)
    db_session.commit()

    first = cancellations.cancel_subscription(subscribed["sub"].id, "um", today=TODAY)
    second = cancellations.cancel_subscription(other.id, "dois", today=TODAY)

    assert (first.number, second.number) == ("CAN-2026-000001", "CAN-2026-000002")


def test_a_number_taken_meanwhile_is_retried_with_the_next(db_session, subscribed, monkeypatch):
    taken = CancellationProtocol(
        number="CAN-2026-000007", subscription_id=subscribed["sub"].id, reason="x",
        cancelled_on=TODAY, prorata_amount=Decimal("0"), fine_amount=Decimal("0"),
        total=Decimal("0"),
    )
    db_session.add(taken)
    db_session.commit()
    real = cancellations.next_protocol_number
    calls = []

    def racing(on):
        # The first call sees the state before another protocol took the number.
        calls.append(on)
        return "CAN-2026-000007" if len(calls) == 1 else real(on)

    monkeypatch.setattr(cancellations, "next_protocol_number", racing)
    protocol = cancellations.cancel_subscription(subscribed["sub"].id, "corrida", today=TODAY)

    assert protocol.number == "CAN-2026-000008"
    assert len(calls) == 2
    assert db_session.query(Charge).count() == 1  # the first attempt left nothing behind



def test_the_protocols_charge_is_billed_like_any_other_charge(db_session, subscribed):
    configure_blocked_group(db_session)
    db_session.commit()
    cancellations.cancel_subscription(subscribed["sub"].id, "Mudou de cidade", today=TODAY)

    db_session.expire_all()
    contract = db_session.get(Contract, subscribed["contract"].id)
    charge = db_session.query(Charge).one()
    assert (charge.customer_id, charge.contract_id, charge.payment_method_id) == (
        contract.customer_id,
        contract.id,
        contract.payment_method_id,
    )
    # The contract pays by PIX: the charge has a txid of its own; it bills no month.
    assert charge.pix_txid and len(charge.pix_txid) == billing.TXID_LENGTH
    assert (charge.period_start, charge.period_end) == (date(2026, 3, 10), TODAY)
    assert charge.reference_month is None and charge.booklet_id is None

def test_when_other_plans_keep_the_contract_there_is_no_fine_and_no_charge(
    db_session, subscribed
):
    other = Subscription(
        customer=subscribed["customer"], plan=subscribed["cheaper"],
        contract=subscribed["contract"], first_activated_on=date(2025, 9, 15),
    )
    db_session.add(other)
    db_session.commit()

    protocol = cancellations.cancel_subscription(subscribed["sub"].id, "só a TV", today=TODAY)

    assert (protocol.prorata_amount, protocol.fine_amount) == (PRORATA, Decimal("0.00"))
    assert protocol.summary["fine"]["rule"] == "contract_continues"
    assert protocol.summary["prorata_billing"] == cancellations.PRORATA_ON_MONTHLY
    assert db_session.query(Charge).count() == 0
    db_session.expire_all()
    assert db_session.get(Contract, subscribed["contract"].id).status == ContractStatus.ACTIVE


def test_no_fine_after_the_loyalty_or_without_one(db_session, subscribed):
    contract = subscribed["contract"]
    contract.starts_on = date(2024, 1, 10)
    db_session.commit()
    s = cancellations.preview_cancellation(subscribed["sub"].id, today=TODAY)
    assert (s.fine.rule, s.fine.amount) == ("loyalty_over", Decimal("0.00"))

    subscribed["plan"].loyalty_months = 0
    db_session.commit()
    s = cancellations.preview_cancellation(subscribed["sub"].id, today=TODAY)
    assert (s.fine.rule, s.fine.amount) == ("no_loyalty", Decimal("0.00"))


def test_an_unknown_loyalty_start_owes_the_whole_fine(db_session, subscribed):
    contract = subscribed["contract"]
    contract.starts_on = contract.signed_on = None
    subscribed["sub"].first_activated_on = None
    db_session.commit()
    s = cancellations.preview_cancellation(subscribed["sub"].id, today=TODAY)
    assert (s.fine.rule, s.fine.amount) == ("whole", Decimal("300.00"))


def test_a_period_already_billed_is_not_charged_twice(db_session, subscribed):
    billing.generate_monthly_charge(subscribed["contract"].id, date(2026, 4, 1))

    protocol = cancellations.cancel_subscription(subscribed["sub"].id, "já faturado",
                                                 today=TODAY)

    assert protocol.summary["prorata_billing"] == cancellations.PRORATA_ALREADY_BILLED
    new = db_session.query(Charge).filter(Charge.reference_month.is_(None)).one()
    assert new.amount == FINE


@pytest.mark.parametrize(
    ("reason", "day", "field", "message"),
    [
        ("", None, "reason", "This field is required."),
        ("ok", "2026-03-16", "cancelled_on", "The cancellation date cannot be in the future."),
        ("ok", "2026-13-01", "cancelled_on", "Invalid date; use the calendar (day/month/year)."),
    ],
)
def test_bad_input_is_refused(db_session, subscribed, reason, day, field, message):
    exc = refused(
        db_session,
        subscribed,
        lambda: cancellations.cancel_subscription(
            subscribed["sub"].id, reason, cancelled_on=day, today=TODAY
        ),
    )
    assert exc.errors[field] == translated(message)


def test_a_date_before_the_current_period_is_refused(db_session, subscribed):
    exc = refused(
        db_session,
        subscribed,
        lambda: cancellations.cancel_subscription(
            subscribed["sub"].id, "ok", cancelled_on="2026-03-09", today=TODAY
        ),
    )
    assert exc.field == "cancelled_on"
    assert "10/03/2026" in str(exc)


def test_a_cancelled_plan_or_a_changed_total_is_refused(db_session, subscribed):
    exc = refused(
        db_session,
        subscribed,
        lambda: cancellations.cancel_subscription(
            subscribed["sub"].id, "ok", expected_total="10.00", today=TODAY
        ),
        ConflictError,
    )
    assert "175,51" in str(exc)
    cancellations.cancel_subscription(subscribed["sub"].id, "ok", today=TODAY)
    exc = refused(
        db_session,
        subscribed,
        lambda: cancellations.cancel_subscription(subscribed["sub"].id, "de novo", today=TODAY),
    )
    assert str(exc) == translated("This plan is already cancelled.")
    with pytest.raises(NotFoundError):
        cancellations.cancel_subscription(424242, "ok", today=TODAY)
