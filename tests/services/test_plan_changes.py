"""Mudar Plano and Comparar Plano: the comparison, the change in one transaction (plan
history, billing difference, payment method, extra services, streaming add-ons, RADIUS),
its audit entries, and every refusal leaving everything as it was."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import (
    Charge,
    ChargeStatus,
    Combo,
    Contract,
    Plan,
    PlanKind,
    RadiusRequest,
    RadiusRequestKind,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
)
from app.services import plan_changes, radius
from app.services.errors import ConflictError
from app.services.subscriptions import ComboMemberError
from tests.factories import make_plan
from tests.support.actions import (
    TODAY,
    add_extra,
    audit_entries,
    build_subscription,
    refused,
    seeded_method,
    snapshot,
)
from tests.support.i18n import translated
from tests.support.radius import make_nas, open_session, radius_inline, radius_rows  # noqa: F401

pytestmark = pytest.mark.usefixtures("radius_inline")


@pytest.fixture
def subscribed(db_session) -> dict:
    return build_subscription(db_session)

# 15/03 to 09/04 of the period 10/03 - 09/04/2026: 26 of 31 days.
UPGRADE_DIFFERENCE = Decimal("25.16")  # (129.90 - 99.90) x 26 / 31 = 25.1612...


def test_comparison_shows_both_plans_and_the_difference_and_writes_nothing(
    db_session, subscribed
):
    add_extra(db_session, subscribed["sub"], subscribed["antivirus"])
    before = snapshot(db_session, subscribed)

    c = plan_changes.compare_plans(subscribed["sub"].id, subscribed["new_plan"].id, today=TODAY)

    assert (c.current.name, c.new.name) == ("Fibra 300", "Fibra 600")
    assert (c.current_price, c.new_price) == (Decimal("99.90"), Decimal("129.90"))
    assert (c.period.start, c.period.end) == (date(2026, 3, 10), date(2026, 4, 9))
    assert c.difference == UPGRADE_DIFFERENCE
    assert (c.fine_before, c.fine_after) == (Decimal("300.00"), Decimal("400.00"))
    assert [(s.name, s.outcome) for s in c.streaming] == [
        ("PlayHub", plan_changes.DROPPED),
        ("WatchTV", plan_changes.ADDED),
    ]
    assert [e.service_type.name for e in c.extra_services] == ["Antivírus"]
    assert snapshot(db_session, subscribed) == before


def test_a_plan_change_writes_history_bills_the_difference_and_is_audited(
    db_session, subscribed
):
    extra = add_extra(db_session, subscribed["sub"], subscribed["antivirus"])
    sub_id = subscribed["sub"].id

    change = plan_changes.change_plan(
        sub_id,
        str(subscribed["new_plan"].id),
        expected_difference="25.16",
        reason="Cliente pediu mais velocidade",
        today=TODAY,
    )

    db_session.expire_all()
    sub = db_session.get(Subscription, sub_id)
    assert sub.plan.name == "Fibra 600"
    history = (
        db_session.query(SubscriptionPlanHistory)
        .filter_by(subscription_id=sub_id)
        .order_by(SubscriptionPlanHistory.started_on)
        .all()
    )
    assert [(h.plan.name, h.price, h.started_on, h.ended_on) for h in history] == [
        ("Fibra 300", Decimal("99.90"), date(2025, 9, 15), date(2026, 3, 14)),
        ("Fibra 600", Decimal("129.90"), TODAY, None),
    ]
    assert history[1].reason == "Cliente pediu mais velocidade"
    # The difference is billed with the period's monthly fee.
    charge = db_session.query(Charge).one()
    assert change.charge.charge.id == charge.id
    assert (charge.amount, charge.due_on, charge.status) == (
        UPGRADE_DIFFERENCE,
        date(2026, 4, 10),
        ChargeStatus.OPEN,
    )
    assert charge.pix_txid  # the contract pays by PIX
    contract = db_session.get(Contract, subscribed["contract"].id)
    assert contract.fine_amount == Decimal("400.00")
    # Manter Serviço Extra: yes by default.
    assert db_session.get(type(extra), extra.id).ended_on is None
    assert change.ended_extra_services == []
    # Audit: before/after of the plan, the closed history row, the fine, with the reason.
    (update,) = audit_entries(db_session, "subscriptions", sub_id, "update")
    assert update.changes["plan_id"] == {
        "before": subscribed["plan"].id,
        "after": subscribed["new_plan"].id,
    }
    assert update.reason == "Cliente pediu mais velocidade"
    closed = audit_entries(db_session, "subscription_plan_history", history[0].id, "update")
    assert closed[0].changes["ended_on"] == {"before": None, "after": "2026-03-14"}
    fine = audit_entries(db_session, "contracts", contract.id, "update")
    assert fine[0].changes["fine_amount"] == {"before": "300.00", "after": "400.00"}
    assert audit_entries(db_session, "subscription_plan_history", history[1].id, "create")


def test_not_keeping_extra_services_ends_them_on_the_change_date(db_session, subscribed):
    extra = add_extra(db_session, subscribed["sub"], subscribed["antivirus"])

    change = plan_changes.change_plan(
        subscribed["sub"].id, subscribed["new_plan"].id, keep_extra_services=False, today=TODAY
    )

    db_session.expire_all()
    assert db_session.get(type(extra), extra.id).ended_on == TODAY
    assert [e.id for e in change.ended_extra_services] == [extra.id]
    ended = audit_entries(db_session, "extra_services", extra.id, "update")
    assert ended[0].changes["ended_on"] == {"before": None, "after": TODAY.isoformat()}


def test_the_payment_method_changes_with_the_plan(db_session, subscribed):
    boleto = seeded_method(db_session, "Boleto")

    plan_changes.change_plan(
        subscribed["sub"].id,
        subscribed["new_plan"].id,
        payment_method_id=str(boleto.id),
        today=TODAY,
    )

    db_session.expire_all()
    contract = db_session.get(Contract, subscribed["contract"].id)
    assert contract.payment_method_id == boleto.id
    charge = db_session.query(Charge).one()
    assert charge.payment_method_id == boleto.id
    assert charge.pix_txid is None  # boleto: no PIX code


def test_a_downgrade_is_a_credit_on_the_next_charge(db_session, subscribed):
    change = plan_changes.change_plan(subscribed["sub"].id, subscribed["cheaper"].id, today=TODAY)

    assert change.charge.difference == Decimal("-25.16")
    credited = sum((amount for _charge, amount in change.charge.credited), Decimal("0.00"))
    assert credited + change.charge.unapplied_credit == Decimal("25.16")
    db_session.expire_all()
    # The fine follows the plans the contract holds now.
    assert db_session.get(Contract, subscribed["contract"].id).fine_amount == Decimal("200.00")


def test_a_subscription_without_history_gets_its_old_plan_recorded(db_session, subscribed):
    db_session.query(SubscriptionPlanHistory).delete()
    db_session.commit()

    plan_changes.change_plan(subscribed["sub"].id, subscribed["new_plan"].id, today=TODAY)

    rows = db_session.query(SubscriptionPlanHistory).order_by(SubscriptionPlanHistory.id).all()
    assert [(r.plan.name, r.started_on, r.ended_on) for r in rows] == [
        ("Fibra 300", date(2025, 9, 15), date(2026, 3, 14)),
        ("Fibra 600", TODAY, None),
    ]


def test_the_new_speed_reaches_radius_with_a_coa(db_session, subscribed):
    radius.create_login(subscribed["sub"].id, "cliente-acoes", "s3nha-Forte")
    make_nas(db_session)
    open_session(db_session, "cliente-acoes", nas_ip="10.0.0.1")
    db_session.commit()

    plan_changes.change_plan(subscribed["sub"].id, subscribed["new_plan"].id, today=TODAY)

    assert radius_rows(db_session, "cliente-acoes")["radreply"] == [
        ("cliente-acoes", "Mikrotik-Rate-Limit", ":=", "300000k/600000k")
    ]
    request = db_session.query(RadiusRequest).one()
    assert request.kind == RadiusRequestKind.COA
    assert request.attributes["Mikrotik-Rate-Limit"] == "300000k/600000k"


@pytest.mark.parametrize(
    ("plan_key", "message"),
    [
        (None, "Choose the new plan from the list."),
        ("999999", "Choose an active plan from the list."),
        ("abc", "Choose the new plan from the list."),
    ],
)
def test_a_missing_or_unknown_plan_is_refused(db_session, subscribed, plan_key, message):
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(subscribed["sub"].id, plan_key, today=TODAY),
    )
    assert exc.errors == {"plan_id": translated(message)}


def test_an_inactive_plan_and_the_same_plan_are_refused(db_session, subscribed):
    old = make_plan(db_session, name="Fibra Antiga", active=False)
    db_session.commit()
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(subscribed["sub"].id, old.id, today=TODAY),
    )
    assert exc.errors["plan_id"] == translated("Choose an active plan from the list.")
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id, subscribed["plan"].id, today=TODAY
        ),
    )
    assert str(exc) == translated("The plan is already %(plan)s.", plan="Fibra 300")


def test_a_plan_inside_a_combo_is_changed_through_the_combo(db_session, subscribed):
    combo = Combo(name="Combo", customer=subscribed["customer"], contract=subscribed["contract"])
    subscribed["sub"].combo = combo
    db_session.commit()
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id, subscribed["new_plan"].id, today=TODAY
        ),
        ComboMemberError,
    )
    assert exc.status_code == 409


def test_a_cancelled_plan_is_refused(db_session, subscribed):
    subscribed["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id, subscribed["new_plan"].id, today=TODAY
        ),
    )
    assert str(exc) == translated(
        "This plan is cancelled or inactive; it can no longer be changed."
    )


def test_a_bad_payment_method_or_reason_is_refused(db_session, subscribed):
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id,
            subscribed["new_plan"].id,
            payment_method_id="424242",
            reason="x" * 501,
            today=TODAY,
        ),
    )
    assert set(exc.errors) == {"payment_method_id", "reason"}


def test_a_difference_other_than_the_one_shown_writes_nothing(db_session, subscribed):
    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id,
            subscribed["new_plan"].id,
            expected_difference="20.00",
            today=TODAY,
        ),
        ConflictError,
    )
    assert "25,16" in str(exc)


def test_a_stale_form_writes_nothing(db_session, subscribed):
    version = subscribed["sub"].version
    subscribed["sub"].notes = "someone else saved meanwhile"
    db_session.commit()
    refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(
            subscribed["sub"].id,
            subscribed["new_plan"].id,
            expected_version=version,
            today=TODAY,
        ),
        ConflictError,
    )


def test_a_plan_without_speed_is_refused_for_a_pppoe_login_and_nothing_is_written(
    db_session, subscribed
):
    radius.create_login(subscribed["sub"].id, "sem-velocidade", "s3nha-Forte")
    voice_only = Plan(name="Voz", kind=PlanKind.VOICE, price=Decimal("29.90"))
    db_session.add(voice_only)
    db_session.commit()
    rows_before = radius_rows(db_session, "sem-velocidade")

    exc = refused(
        db_session,
        subscribed,
        lambda: plan_changes.change_plan(subscribed["sub"].id, voice_only.id, today=TODAY),
    )

    assert exc.field == "plan_id"
    assert radius_rows(db_session, "sem-velocidade") == rows_before
