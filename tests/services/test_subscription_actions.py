"""Alterar Ponto de Acesso, Alterar Multa / Editar Contrato, Suspender / Reativar and
Restabelecer Velocidade Provisória: what each writes (and audits), what RADIUS gets,
and every refusal leaving everything as it was."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import (
    Combo,
    Contract,
    ContractStatus,
    RadiusLogin,
    Subscription,
    SubscriptionStatus,
)
from app.models.base import utcnow
from app.models.system import PROVISIONAL_SPEED_DAYS
from app.services import radius
from app.services import subscription_actions as actions
from app.services import subscriptions as subs
from app.services.errors import ConflictError, DomainError, NotFoundError, StaleVersionError
from tests.factories import make_customer
from tests.support.actions import (
    TODAY,
    audit_entries,
    build_subscription,
    refused,
    seeded_method,
    set_variable,
)
from tests.support.i18n import translated
from tests.support.radius import configure_blocked_group, radius_inline, radius_rows  # noqa: F401

pytestmark = pytest.mark.usefixtures("radius_inline")


@pytest.fixture
def subscribed(db_session) -> dict:
    return build_subscription(db_session)


@pytest.fixture
def suspended(db_session) -> dict:
    return build_subscription(db_session, status=SubscriptionStatus.SUSPENDED)


def _login(db_session, data, username="cliente"):
    configure_blocked_group(db_session)
    db_session.commit()
    radius.create_login(data["sub"].id, username, "s3nha-Forte")
    return username


# --------------------------------------------------------------------------- access point


def test_access_point_changes_and_is_audited(db_session, subscribed):
    sub_id = subscribed["sub"].id

    moved = actions.change_access_point(
        sub_id, str(subscribed["other_city"].id), str(subscribed["pop3"].id)
    )

    assert [s.id for s in moved] == [sub_id]
    db_session.expire_all()
    sub = db_session.get(Subscription, sub_id)
    assert (sub.access_point_id, sub.city_id) == (
        subscribed["pop3"].id,
        subscribed["other_city"].id,
    )
    (entry,) = audit_entries(db_session, "subscriptions", sub_id, "update")
    assert entry.changes["access_point_id"] == {
        "before": subscribed["pop1"].id,
        "after": subscribed["pop3"].id,
    }


def test_a_combo_moves_to_the_new_access_point_together(db_session, subscribed):
    combo = Combo(name="Combo", customer=subscribed["customer"], contract=subscribed["contract"])
    subscribed["sub"].combo = combo
    other = Subscription(
        customer=subscribed["customer"], plan=subscribed["cheaper"],
        contract=subscribed["contract"], combo=combo, access_point=subscribed["pop1"],
        city=subscribed["city"],
    )
    db_session.add(other)
    db_session.commit()

    moved = actions.change_access_point(
        subscribed["sub"].id, subscribed["city"].id, subscribed["pop2"].id
    )

    assert {s.id for s in moved} == {subscribed["sub"].id, other.id}
    db_session.expire_all()
    assert db_session.get(Subscription, other.id).access_point_id == subscribed["pop2"].id


@pytest.mark.parametrize(
    ("city", "point", "errors"),
    [
        (
            None,
            None,
            {"city_id": "Choose the city.", "access_point_id": "Choose the access point."},
        ),
        ("city", None, {"access_point_id": "Choose the access point."}),
        ("city", "pop3", {"access_point_id": "This access point does not serve the chosen city."}),
        ("city", "999999", {"access_point_id": "Choose the access point."}),
    ],
)
def test_a_bad_city_or_access_point_is_refused(db_session, subscribed, city, point, errors):
    city_id = subscribed[city].id if city else None
    point_id = subscribed[point].id if point in subscribed else point
    exc = refused(
        db_session,
        subscribed,
        lambda: actions.change_access_point(subscribed["sub"].id, city_id, point_id),
    )
    assert exc.errors == {k: translated(v) for k, v in errors.items()}


def test_an_inactive_access_point_the_same_one_or_a_cancelled_plan_is_refused(
    db_session, subscribed
):
    subscribed["pop2"].active = False
    db_session.commit()
    refused(
        db_session,
        subscribed,
        lambda: actions.change_access_point(
            subscribed["sub"].id, subscribed["city"].id, subscribed["pop2"].id
        ),
    )
    exc = refused(
        db_session,
        subscribed,
        lambda: actions.change_access_point(
            subscribed["sub"].id, subscribed["city"].id, subscribed["pop1"].id
        ),
    )
    assert exc.errors == {
        "access_point_id": translated("The plan is already served by this access point.")
    }
    subscribed["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    refused(
        db_session,
        subscribed,
        lambda: actions.change_access_point(
            subscribed["sub"].id, subscribed["other_city"].id, subscribed["pop3"].id
        ),
    )
    with pytest.raises(NotFoundError):
        actions.change_access_point(424242, subscribed["city"].id, subscribed["pop2"].id)


# --------------------------------------------------------------------------- contract


def test_the_fine_and_other_fields_change_with_the_reason_recorded(db_session, subscribed):
    contract = subscribed["contract"]
    boleto = seeded_method(db_session, "Boleto")
    person = make_customer(db_session, name="Maria Responsável")
    db_session.commit()

    edit = actions.edit_contract(
        contract.id,
        {
            "fine_amount": "150,00",
            "responsible_name": "Maria Responsável",
            "responsible_document": person.document,
            "payment_method_id": str(boleto.id),
            "signed_on": "2025-09-14",
        },
        "Negociado com o cliente",
        expected_version=contract.version,
        today=TODAY,
    )

    assert edit.changes["fine_amount"] == (Decimal("300.00"), Decimal("150.00"))
    db_session.expire_all()
    contract = db_session.get(Contract, contract.id)
    assert contract.fine_amount == Decimal("150.00")
    assert contract.fine_reason == "Negociado com o cliente"
    assert contract.payment_method_id == boleto.id
    assert contract.signed_on == date(2025, 9, 14)
    assert contract.responsible_customer_id == person.id
    (entry,) = audit_entries(db_session, "contracts", contract.id, "update")
    assert entry.reason == "Negociado com o cliente"
    assert entry.changes["fine_amount"] == {"before": "300.00", "after": "150.00"}
    assert entry.changes["fine_reason"] == {"before": None, "after": "Negociado com o cliente"}


def test_a_change_without_the_fine_keeps_the_fine_reason(db_session, subscribed):
    contract = subscribed["contract"]
    contract.fine_reason = "Multa padrão"
    db_session.commit()
    actions.edit_contract(contract.id, {"responsible_name": "Outro Nome"}, "Correção",
                          today=TODAY)
    db_session.expire_all()
    contract = db_session.get(Contract, contract.id)
    assert (contract.responsible_name, contract.fine_reason) == ("Outro Nome", "Multa padrão")


@pytest.mark.parametrize(
    ("data", "reason", "fields"),
    [
        ({"fine_amount": "10.00"}, "", {"reason"}),
        ({"fine_amount": "-1"}, "ok", {"fine_amount"}),
        ({"fine_amount": "abc"}, "ok", {"fine_amount"}),
        ({"fine_amount": 12.5}, "ok", {"fine_amount"}),
        ({"responsible_document": "123"}, "ok", {"responsible_document"}),
        ({"payment_method_id": "999999"}, "ok", {"payment_method_id"}),
        ({"signed_on": "2030-01-01"}, "ok", {"signed_on"}),
        ({"signed_on": "31/02/2026"}, "ok", {"signed_on"}),
        ({"starts_on": "2026-01-10", "ends_on": "2026-01-01"}, "ok", {"ends_on"}),
        ({"fine_amount": "300.00"}, "ok", set()),  # nothing changes
    ],
)
def test_bad_contract_data_is_refused(db_session, subscribed, data, reason, fields):
    exc = refused(
        db_session,
        subscribed,
        lambda: actions.edit_contract(subscribed["contract"].id, data, reason, today=TODAY),
    )
    assert set(exc.errors) == fields
    if not fields:
        assert str(exc) == translated(
            "Nothing to change: the contract already has these values."
        )


def test_two_people_editing_the_contract_cannot_overwrite_each_other(db_session, subscribed):
    contract = subscribed["contract"]
    read_at = contract.version
    actions.edit_contract(contract.id, {"fine_amount": "200.00"}, "Primeiro", today=TODAY)

    exc = refused(
        db_session,
        subscribed,
        lambda: actions.edit_contract(
            contract.id, {"fine_amount": "100.00"}, "Segundo", expected_version=read_at,
            today=TODAY,
        ),
        StaleVersionError,
    )
    assert exc.status_code == 412  # an If-Match that no longer holds, over HTTP
    db_session.expire_all()
    assert db_session.get(Contract, contract.id).fine_amount == Decimal("200.00")


def test_a_stale_row_at_save_time_is_refused(db_session, subscribed, app):
    """The version column catches a save based on a row someone changed meanwhile."""
    from sqlalchemy import update

    contract = subscribed["contract"]
    db_session.get(Contract, contract.id)  # loaded at version 1
    db_session.execute(
        update(Contract).where(Contract.id == contract.id).values(version=Contract.version + 1)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ConflictError):
        actions.edit_contract(contract.id, {"fine_amount": "10.00"}, "Corrida", today=TODAY)


def test_an_inactive_contract_cannot_be_edited(db_session, subscribed):
    subscribed["contract"].status = ContractStatus.CANCELLED
    db_session.commit()
    refused(
        db_session,
        subscribed,
        lambda: actions.edit_contract(
            subscribed["contract"].id, {"fine_amount": "1.00"}, "x", today=TODAY
        ),
    )


# --------------------------------------------------------------------------- plan data


def _plan_data(sub, **changes) -> dict:
    """Editar dados do Plano's form as it opens for ``sub``, with ``changes`` typed in."""
    return {
        "street": sub.street,
        "number": sub.number,
        "complement": sub.complement or "",
        "district": sub.district,
        "zip_code": sub.zip_code,
        "city_id": str(sub.city_id),
        "access_point_id": str(sub.access_point_id),
        "notes": sub.notes or "",
        "first_activated_on": sub.first_activated_on.isoformat(),
        "enabled_on": sub.enabled_on.isoformat(),
        "renewed_on": sub.renewed_on.isoformat(),
        **changes,
    }


def test_plan_data_dates_change_and_are_audited(db_session, subscribed):
    sub = subscribed["sub"]

    subs.update_subscription_data(
        sub,
        _plan_data(sub, enabled_on="2025-09-20", renewed_on="2026-03-15"),
        expected_version=sub.version,
        today=TODAY,
    )

    db_session.expire_all()
    sub = db_session.get(Subscription, sub.id)
    assert (sub.first_activated_on, sub.enabled_on, sub.renewed_on) == (
        date(2025, 9, 15), date(2025, 9, 20), TODAY
    )
    (entry,) = audit_entries(db_session, "subscriptions", sub.id, "update")
    assert entry.changes["enabled_on"] == {"before": "2025-09-15", "after": "2025-09-20"}
    assert entry.changes["renewed_on"] == {"before": "2025-09-15", "after": "2026-03-15"}
    assert "first_activated_on" not in entry.changes


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"first_activated_on": "2026-03-16", "enabled_on": "2026-03-16",
          "renewed_on": "2026-03-16"},
         {"first_activated_on": "The first activation cannot be in the future."}),
        ({"enabled_on": "2025-09-14"},
         {"enabled_on": "The enable date cannot be before the first activation date."}),
        ({"renewed_on": "2025-09-01"},
         {"renewed_on": "The activation/renewal date cannot be before the first activation "
                        "date."}),
        ({"enabled_on": "31/02/2026"},
         {"enabled_on": "Invalid date; use the calendar (day/month/year)."}),
    ],
)
def test_bad_plan_dates_are_refused_and_change_nothing(db_session, subscribed, changes, errors):
    sub = subscribed["sub"]
    exc = refused(
        db_session, subscribed,
        lambda: subs.update_subscription_data(sub, _plan_data(sub, **changes), today=TODAY),
        subs.StepError,
    )
    assert exc.errors == {field: translated(message) for field, message in errors.items()}


def test_a_cancelled_plans_data_cannot_be_edited(db_session, subscribed):
    sub = subscribed["sub"]
    sub.status = SubscriptionStatus.CANCELLED
    db_session.commit()
    exc = refused(
        db_session, subscribed,
        lambda: subs.update_subscription_data(
            sub, _plan_data(sub, enabled_on="2025-09-20"), expected_version=sub.version,
            today=TODAY,
        ),
        DomainError,
    )
    assert str(exc) == translated("This plan is cancelled; its data can no longer be changed.")


def test_a_stale_plan_data_form_changes_nothing(db_session, subscribed):
    sub = subscribed["sub"]
    read_version = sub.version
    sub.notes = "Alguém salvou antes"
    db_session.commit()
    refused(
        db_session, subscribed,
        lambda: subs.update_subscription_data(
            sub, _plan_data(sub, enabled_on="2025-09-20"), expected_version=read_version,
            today=TODAY,
        ),
        ConflictError,
    )


# --------------------------------------------------------------------------- suspension


def test_suspension_records_the_date_and_blocks_the_login(db_session, subscribed):
    username = _login(db_session, subscribed)

    actions.suspend(
        subscribed["sub"].id, suspended_on="2026-03-14", reason="Inadimplente", today=TODAY
    )

    db_session.expire_all()
    sub = db_session.get(Subscription, subscribed["sub"].id)
    assert (sub.status, sub.suspended_on) == (SubscriptionStatus.SUSPENDED, date(2026, 3, 14))
    assert radius_rows(db_session, username)["radusergroup"] == [(username, "bloqueado")]
    assert db_session.query(RadiusLogin).one().blocked
    (entry,) = audit_entries(db_session, "subscriptions", sub.id, "update")
    assert entry.changes["status"] == {"before": "active", "after": "suspended"}
    assert entry.changes["suspended_on"] == {"before": None, "after": "2026-03-14"}
    assert entry.reason == "Inadimplente"


def test_suspension_defaults_to_today(db_session, subscribed):
    actions.suspend(subscribed["sub"].id, today=TODAY)
    db_session.expire_all()
    assert db_session.get(Subscription, subscribed["sub"].id).suspended_on == TODAY


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-03-16", "The suspension date cannot be in the future."),
        ("2025-09-14", "The suspension date cannot be before the first activation date."),
        ("15-03-2026", "Invalid date; use the calendar (day/month/year)."),
    ],
)
def test_a_bad_suspension_date_is_refused(db_session, subscribed, day, message):
    exc = refused(
        db_session,
        subscribed,
        lambda: actions.suspend(subscribed["sub"].id, suspended_on=day, today=TODAY),
    )
    assert exc.errors == {"suspended_on": translated(message)}


def test_only_active_plans_are_suspended_and_only_suspended_ones_reactivated(
    db_session, suspended
):
    exc = refused(db_session, suspended, lambda: actions.suspend(suspended["sub"].id,
                                                                 today=TODAY))
    assert str(exc) == translated("Only an active plan can be suspended.")
    suspended["sub"].status = SubscriptionStatus.ACTIVE
    db_session.commit()
    exc = refused(db_session, suspended, lambda: actions.reactivate(suspended["sub"].id))
    assert str(exc) == translated("Only a suspended plan can be reactivated.")


def test_reactivation_clears_the_suspension_and_unblocks(db_session, suspended):
    username = _login(db_session, suspended)
    sub = suspended["sub"]
    sub.provisional_used = True
    db_session.commit()

    actions.reactivate(sub.id, reason="Pagou")

    db_session.expire_all()
    sub = db_session.get(Subscription, sub.id)
    assert (sub.status, sub.suspended_on, sub.provisional_used) == (
        SubscriptionStatus.ACTIVE,
        None,
        False,
    )
    assert radius_rows(db_session, username)["radusergroup"] == [(username, radius.ACTIVE_GROUP)]
    entry = audit_entries(db_session, "subscriptions", sub.id, "update")[-1]
    assert entry.changes["suspended_on"] == {"before": "2026-03-01", "after": None}
    assert entry.reason == "Pagou"


# --------------------------------------------------------------------------- provisional speed


# Provisional speeds end in the future: tests start them from the real "now".
NOW = utcnow().replace(microsecond=0)


def test_provisional_speed_unblocks_for_the_variable_days(db_session, suspended):
    username = _login(db_session, suspended)
    set_variable(db_session, PROVISIONAL_SPEED_DAYS, "2")
    now = utcnow()

    actions.restore_provisional_speed(suspended["sub"].id, now=now)

    db_session.expire_all()
    sub = db_session.get(Subscription, suspended["sub"].id)
    assert actions.aware(sub.provisional_until) == now + timedelta(days=2)
    assert sub.provisional_used and sub.status == SubscriptionStatus.SUSPENDED
    assert radius_rows(db_session, username)["radusergroup"] == [(username, radius.ACTIVE_GROUP)]
    (entry,) = audit_entries(db_session, "subscriptions", sub.id, "update")
    assert entry.changes["provisional_used"] == {"before": False, "after": True}
    assert entry.changes["provisional_until"]["before"] is None


def test_provisional_speed_only_once_per_suspension(db_session, suspended):
    actions.restore_provisional_speed(suspended["sub"].id)
    exc = refused(
        db_session, suspended, lambda: actions.restore_provisional_speed(suspended["sub"].id)
    )
    assert str(exc) == translated(
        "The provisional speed was already granted during this suspension; "
        "it can be granted once per suspension."
    )
    # A new suspension may grant it again.
    actions.reactivate(suspended["sub"].id)
    actions.suspend(suspended["sub"].id)
    actions.restore_provisional_speed(suspended["sub"].id)


def test_provisional_speed_needs_a_suspended_plan_and_a_valid_variable(db_session, subscribed):
    exc = refused(
        db_session, subscribed, lambda: actions.restore_provisional_speed(subscribed["sub"].id)
    )
    assert str(exc) == translated("Only a suspended plan can get a provisional speed.")
    subscribed["sub"].status = SubscriptionStatus.SUSPENDED
    db_session.commit()
    for value in ("0", "abc", "91"):
        set_variable(db_session, PROVISIONAL_SPEED_DAYS, value)
        exc = refused(
            db_session,
            subscribed,
            lambda: actions.restore_provisional_speed(subscribed["sub"].id),
        )
        assert PROVISIONAL_SPEED_DAYS in str(exc)


def test_the_end_blocks_again_and_clears_the_time_only_when_it_has_come(db_session, suspended):
    username = _login(db_session, suspended)
    actions.restore_provisional_speed(suspended["sub"].id, now=NOW)
    until = NOW + timedelta(days=3)

    assert actions.end_provisional_speed(suspended["sub"].id, now=until - timedelta(seconds=1)) \
        is False
    assert radius_rows(db_session, username)["radusergroup"] == [(username, radius.ACTIVE_GROUP)]

    assert actions.end_provisional_speed(suspended["sub"].id, now=until) is True
    db_session.expire_all()
    sub = db_session.get(Subscription, suspended["sub"].id)
    assert sub.provisional_until is None and sub.provisional_used
    assert radius_rows(db_session, username)["radusergroup"] == [(username, "bloqueado")]
    # Twice is harmless.
    assert actions.end_provisional_speed(suspended["sub"].id, now=until) is False


def test_the_sweep_ends_every_due_provisional_speed(db_session, suspended):
    other = Subscription(
        customer=suspended["customer"], plan=suspended["plan"], contract=suspended["contract"],
        status=SubscriptionStatus.SUSPENDED,
    )
    db_session.add(other)
    db_session.commit()
    actions.restore_provisional_speed(suspended["sub"].id, now=NOW)
    actions.restore_provisional_speed(other.id, now=NOW + timedelta(days=1))

    assert actions.end_due_provisional_speeds(now=NOW + timedelta(days=3, minutes=1)) == 1
    db_session.expire_all()
    assert db_session.get(Subscription, suspended["sub"].id).provisional_until is None
    assert db_session.get(Subscription, other.id).provisional_until is not None


def test_reactivating_before_the_end_makes_the_end_do_nothing(db_session, suspended):
    username = _login(db_session, suspended)
    actions.restore_provisional_speed(suspended["sub"].id, now=NOW)
    actions.reactivate(suspended["sub"].id)

    assert actions.end_provisional_speed(suspended["sub"].id, now=NOW + timedelta(days=4)) is False
    assert radius_rows(db_session, username)["radusergroup"] == [(username, radius.ACTIVE_GROUP)]


def test_the_scheduled_end_names_its_grant_and_an_old_job_does_nothing(db_session, suspended):
    actions.restore_provisional_speed(suspended["sub"].id, now=NOW)
    until = NOW + timedelta(days=3)
    earlier_grant = NOW - timedelta(days=10)

    # A job left from another grant does nothing before this one's time.
    assert actions.end_provisional_speed(suspended["sub"].id, until=earlier_grant, now=NOW) \
        is False
    # The job scheduled for this end ends it when RQ starts it, whatever the worker's clock.
    assert actions.end_provisional_speed(suspended["sub"].id, until=until, now=NOW) is True
    db_session.expire_all()
    assert db_session.get(Subscription, suspended["sub"].id).provisional_until is None
