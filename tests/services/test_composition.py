"""Pacotes de TV, Terminais de Voz (with Alterar Terminal de Voz and its contact e-mail,
which is the customer's) and Serviços Adicionais: added at their prices into the charges,
ended never deleted, audited, and every refusal leaving everything as it was."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from app.models import (
    Customer,
    ExtraService,
    ExtraServiceType,
    PhoneCategory,
    SubscriptionStatus,
    SubscriptionTvPackage,
    TvPackage,
    TvPoint,
    VoiceTerminal,
)
from app.services import billing, composition
from app.services.errors import ConflictError, NotFoundError, PermissionDeniedError
from tests.factories import make_subscription
from tests.support.actions import (
    TODAY,
    add_extra,
    add_terminal,
    audit_entries,
    build_subscription,
    refused,
)
from tests.support.i18n import translated
from tests.support.radius import radius_inline  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("radius_inline")
TOMORROW = TODAY + timedelta(days=1)


@pytest.fixture
def subscribed(db_session) -> dict:
    return build_subscription(db_session)


def _monthly(data, on) -> Decimal:
    """What the contract bills for a whole month on ``on`` (billing's own reading)."""
    return billing.contract_monthly_amount(data["contract"], on)


# --------------------------------------------------------------------------- TV


def test_a_tv_package_is_added_at_its_price_billed_and_ended(db_session, subscribed):
    assert _monthly(subscribed, TODAY) == Decimal("99.90")

    item = composition.add_tv_package(
        subscribed["sub"].id, str(subscribed["tv_package"].id), today=TODAY
    )

    assert (item.price, item.added_on, item.ended_on) == (Decimal("29.90"), TODAY, None)
    assert _monthly(subscribed, TODAY) == Decimal("129.80")
    assert audit_entries(db_session, "subscription_tv_packages", item.id, "create")

    composition.end_tv_package(subscribed["sub"].id, item.id, today=TODAY)

    db_session.expire_all()
    item = db_session.get(SubscriptionTvPackage, item.id)
    assert item.ended_on == TODAY
    assert _monthly(subscribed, TOMORROW) == Decimal("99.90")
    (entry,) = audit_entries(db_session, "subscription_tv_packages", item.id, "update")
    assert entry.changes["ended_on"] == {"before": None, "after": TODAY.isoformat()}


def test_an_agreed_price_and_taking_a_package_up_again(db_session, subscribed):
    item = composition.add_tv_package(
        subscribed["sub"].id, subscribed["tv_package"].id, price="19,90", today=TODAY
    )
    assert item.price == Decimal("19.90")
    composition.end_tv_package(subscribed["sub"].id, item.id, today=TODAY)

    again = composition.add_tv_package(
        subscribed["sub"].id, subscribed["tv_package"].id, today=TOMORROW
    )

    assert again.id == item.id  # one row per package and plan, taken up again
    assert (again.price, again.added_on, again.ended_on) == (Decimal("29.90"), TOMORROW, None)


def test_tv_package_refusals(db_session, subscribed):
    sub_id, package = subscribed["sub"].id, subscribed["tv_package"]
    exc = refused(db_session, subscribed, lambda: composition.add_tv_package(sub_id, None))
    assert exc.errors == {"tv_package_id": translated("Choose the TV package.")}
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_tv_package(sub_id, package.id, price="-1"),
    )
    assert set(exc.errors) == {"price"}
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_tv_package(sub_id, package.id, price=9.9),
    )
    assert set(exc.errors) == {"price"}
    inactive = TvPackage(name="Pacote Antigo", price=Decimal("5.00"), active=False)
    db_session.add(inactive)
    db_session.commit()
    refused(db_session, subscribed, lambda: composition.add_tv_package(sub_id, inactive.id))
    item = composition.add_tv_package(sub_id, package.id, today=TODAY)
    exc = refused(
        db_session, subscribed, lambda: composition.add_tv_package(sub_id, package.id)
    )
    assert exc.errors == {
        "tv_package_id": translated(
            "The plan already has the TV package %(name)s.", name="Pacote Esportes"
        )
    }
    refused(
        db_session, subscribed,
        lambda: composition.end_tv_package(sub_id, item.id, ended_on="2026-03-01"),
    )
    composition.end_tv_package(sub_id, item.id, today=TODAY)
    exc = refused(db_session, subscribed, lambda: composition.end_tv_package(sub_id, item.id))
    assert str(exc) == translated("This TV package was already removed.")
    refused(db_session, subscribed, lambda: composition.end_tv_package(sub_id, 424242),
             NotFoundError)


def test_a_cancelled_plan_gets_no_new_item(db_session, subscribed):
    subscribed["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_tv_package(subscribed["sub"].id, subscribed["tv_package"].id),
    )
    assert str(exc) == translated(
        "This plan is cancelled or inactive; it can no longer be changed."
    )


def test_tv_points_are_added_billed_and_ended(db_session, subscribed):
    point = composition.add_tv_point(
        subscribed["sub"].id, serial="STB-001", location="Sala", price="14.50"
    )
    assert _monthly(subscribed, TODAY) == Decimal("114.40")
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_tv_point(subscribed["sub"].id, serial="STB-001"),
    )
    assert exc.errors == {
        "serial": translated("A TV point with this serial number already exists.")
    }

    composition.end_tv_point(subscribed["sub"].id, point.id, today=TODAY)

    db_session.expire_all()
    assert db_session.get(TvPoint, point.id).ended_on == TODAY
    assert _monthly(subscribed, TOMORROW) == Decimal("99.90")
    refused(
        db_session, subscribed,
        lambda: composition.end_tv_point(subscribed["sub"].id, point.id),
    )


def test_tv_points_are_audited_and_refused_when_they_cannot_change(db_session, subscribed):
    sub_id = subscribed["sub"].id
    point = composition.add_tv_point(sub_id, serial="STB-002", location="Quarto", price="12,00")

    (created,) = audit_entries(db_session, "tv_points", point.id, "create")
    assert (created.changes["serial"]["after"], created.changes["price"]["after"]) == (
        "STB-002", "12.00"
    )
    exc = refused(db_session, subscribed, lambda: composition.add_tv_point(sub_id, price="x"))
    assert set(exc.errors) == {"price"}
    exc = refused(
        db_session, subscribed,
        lambda: composition.end_tv_point(sub_id, point.id, ended_on="31/02/2026"),
    )
    assert exc.errors == {
        "ended_on": translated("Invalid date; use the calendar (day/month/year).")
    }
    # A point of another customer's plan is not this plan's to remove.
    other = make_subscription(db_session)
    foreign = TvPoint(subscription=other, serial="STB-OUTRO")
    db_session.add(foreign)
    db_session.commit()
    exc = refused(
        db_session, subscribed, lambda: composition.end_tv_point(sub_id, foreign.id),
        NotFoundError,
    )
    assert str(exc) == translated("This TV point is not on the plan.")

    composition.end_tv_point(sub_id, point.id, today=TODAY)

    (ended,) = audit_entries(db_session, "tv_points", point.id, "update")
    assert ended.changes["ended_on"] == {"before": None, "after": TODAY.isoformat()}
    exc = refused(db_session, subscribed, lambda: composition.end_tv_point(sub_id, point.id))
    assert str(exc) == translated("This TV point was already removed.")
    subscribed["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    exc = refused(
        db_session, subscribed, lambda: composition.add_tv_point(sub_id, serial="STB-003")
    )
    assert str(exc) == translated(
        "This plan is cancelled or inactive; it can no longer be changed."
    )


# --------------------------------------------------------------------------- voice


def test_a_voice_terminal_is_added_and_billed(db_session, subscribed):
    terminal = composition.add_voice_terminal(
        subscribed["sub"].id,
        {
            "number": "(83) 3322-1100",
            "category_id": str(subscribed["category"].id),
            "sip_user": "joao.3322",
            "sip_password": "Segredo-123",
            "price": "19,90",
        },
    )
    db_session.expire_all()
    terminal = db_session.get(VoiceTerminal, terminal.id)
    assert (terminal.number, terminal.sip_user, terminal.category.name) == (
        "8333221100",
        "joao.3322",
        "Residencial",
    )
    assert terminal.sip_password == "Segredo-123"
    assert _monthly(subscribed, TODAY) == Decimal("119.80")
    (entry,) = audit_entries(db_session, "voice_terminals", terminal.id, "create")
    assert entry.changes["sip_password"]["after"] == "***"  # never the secret


def test_a_new_category_needs_its_permission(db_session, subscribed):
    data = {"number": "8333221101", "sip_user": "maria.1101", "new_category": "Comercial"}
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_voice_terminal(subscribed["sub"].id, data),
        PermissionDeniedError,
    )
    assert exc.status_code == 403

    terminal = composition.add_voice_terminal(subscribed["sub"].id, data, may_add_category=True)

    assert terminal.category.name == "Comercial"
    assert db_session.query(PhoneCategory).filter_by(name="Comercial").count() == 1


@pytest.mark.parametrize(
    ("data", "fields"),
    [
        ({"number": "123", "sip_user": "ok.user"}, {"number"}),
        ({"number": "8332001234", "sip_user": "ok.user"}, {"number"}),  # taken
        ({"number": "8333221102", "sip_user": "a"}, {"sip_user"}),
        ({"number": "8333221102", "sip_user": "sip8332001234"}, {"sip_user"}),  # taken
        ({"number": "8333221102", "sip_user": "ok.user", "sip_password": "1 2"}, {"sip_password"}),
        ({"number": "8333221102", "sip_user": "ok.user", "category_id": "999"}, {"category_id"}),
        ({"number": "8333221102", "sip_user": "ok.user", "price": "abc"}, {"price"}),
    ],
)
def test_bad_voice_terminals_are_refused(db_session, subscribed, data, fields):
    add_terminal(db_session, subscribed["sub"])
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_voice_terminal(subscribed["sub"].id, data),
    )
    assert set(exc.errors) == fields


def test_the_terminals_contact_email_is_the_customers(db_session, subscribed):
    terminal = add_terminal(db_session, subscribed["sub"], subscribed["category"])
    values = composition.terminal_values(terminal)
    assert values["contact_email"] == "cliente@example.com.br"

    composition.edit_voice_terminal(
        terminal.id,
        {**values, "contact_email": "novo@example.com.br", "active": "0"},
    )

    db_session.expire_all()
    customer = db_session.get(Customer, subscribed["customer"].id)
    assert customer.email == "novo@example.com.br"
    assert db_session.get(VoiceTerminal, terminal.id).active is False
    assert db_session.get(VoiceTerminal, terminal.id).sip_password is None  # kept (empty)
    (entry,) = audit_entries(db_session, "customers", customer.id, "update")
    assert entry.changes["email"] == {
        "before": "cliente@example.com.br",
        "after": "novo@example.com.br",
    }
    # An inactive terminal is not billed.
    assert _monthly(subscribed, TODAY) == Decimal("99.90")


def test_editing_a_terminal_refuses_bad_or_stale_data(db_session, subscribed):
    terminal = add_terminal(db_session, subscribed["sub"], subscribed["category"])
    values = composition.terminal_values(terminal)
    exc = refused(
        db_session, subscribed,
        lambda: composition.edit_voice_terminal(terminal.id, {**values, "contact_email": "x@"}),
    )
    assert exc.errors == {"contact_email": translated("Invalid e-mail address.")}
    exc = refused(
        db_session, subscribed, lambda: composition.edit_voice_terminal(terminal.id, values)
    )
    assert str(exc) == translated(
        "Nothing to change: the voice terminal already has these values."
    )
    subscribed["customer"].phone = "83999990000"  # someone edits the customer meanwhile
    db_session.commit()
    refused(
        db_session, subscribed,
        lambda: composition.edit_voice_terminal(
            terminal.id, {**values, "contact_email": "outro@example.com.br"}
        ),
        ConflictError,
    )
    refused(
        db_session, subscribed,
        lambda: composition.edit_voice_terminal(terminal.id, {"new_category": "VIP"}),
        PermissionDeniedError,
    )
    with pytest.raises(NotFoundError):
        composition.edit_voice_terminal(424242, {})


def test_editing_a_terminal_is_audited_without_its_sip_password(db_session, subscribed):
    terminal = add_terminal(db_session, subscribed["sub"], subscribed["category"])
    values = composition.terminal_values(terminal)

    composition.edit_voice_terminal(
        terminal.id, {**values, "number": "(83) 3200-9999", "sip_password": "n0va-Senha"}
    )

    db_session.expire_all()
    edited = db_session.get(VoiceTerminal, terminal.id)
    assert (edited.number, edited.sip_password) == ("8332009999", "n0va-Senha")
    (entry,) = audit_entries(db_session, "voice_terminals", terminal.id, "update")
    assert entry.changes["number"] == {"before": "8332001234", "after": "8332009999"}
    assert "n0va-Senha" not in json.dumps(entry.changes)  # a secret is masked
    # The customer's e-mail was not touched, so it has no audit entry.
    assert not audit_entries(db_session, "customers", subscribed["customer"].id, "update")


def test_a_terminal_of_a_cancelled_plan_cannot_be_switched_back_on(db_session, subscribed):
    terminal = add_terminal(db_session, subscribed["sub"], subscribed["category"])
    terminal.active = False
    subscribed["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    exc = refused(
        db_session, subscribed,
        lambda: composition.edit_voice_terminal(terminal.id, {"active": "1"}),
    )
    assert exc.errors == {
        "active": translated("This plan is cancelled or inactive; it can no longer be changed.")
    }
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_voice_terminal(
            subscribed["sub"].id, {"number": "8333335555", "sip_user": "voz.5555"}
        ),
    )
    assert str(exc) == translated(
        "This plan is cancelled or inactive; it can no longer be changed."
    )


def test_phone_categories(db_session, subscribed):
    category = composition.add_phone_category("Comercial", "Linhas de empresas")
    assert audit_entries(db_session, "phone_categories", category.id, "create")
    exc = refused(
        db_session, subscribed, lambda: composition.add_phone_category("comercial")
    )
    assert exc.errors == {"name": translated("A phone category with this name already exists.")}
    refused(db_session, subscribed, lambda: composition.add_phone_category(""))


# --------------------------------------------------------------------------- extra services


def test_an_extra_service_is_added_billed_and_ended(db_session, subscribed):
    extra = composition.add_extra_service(
        subscribed["sub"].id, str(subscribed["antivirus"].id), today=TODAY
    )
    assert (extra.price, extra.started_on) == (Decimal("9.90"), TODAY)
    assert _monthly(subscribed, TODAY) == Decimal("109.80")
    assert audit_entries(db_session, "extra_services", extra.id, "create")

    composition.end_extra_service(subscribed["sub"].id, extra.id, today=TODAY)

    db_session.expire_all()
    assert db_session.get(ExtraService, extra.id).ended_on == TODAY
    assert _monthly(subscribed, TOMORROW) == Decimal("99.90")
    (entry,) = audit_entries(db_session, "extra_services", extra.id, "update")
    assert entry.changes["ended_on"]["after"] == TODAY.isoformat()


def test_extra_service_refusals(db_session, subscribed):
    sub_id = subscribed["sub"].id
    exc = refused(db_session, subscribed, lambda: composition.add_extra_service(sub_id, ""))
    assert exc.errors == {"service_type_id": translated("Choose the extra service.")}
    old = ExtraServiceType(name="Backup", price=Decimal("5.00"), active=False)
    db_session.add(old)
    db_session.commit()
    refused(db_session, subscribed, lambda: composition.add_extra_service(sub_id, old.id))
    extra = add_extra(db_session, subscribed["sub"], subscribed["antivirus"])
    exc = refused(
        db_session, subscribed,
        lambda: composition.add_extra_service(sub_id, subscribed["antivirus"].id, today=TODAY),
    )
    assert exc.errors == {
        "service_type_id": translated(
            "The plan already has the extra service %(name)s.", name="Antivírus"
        )
    }
    refused(
        db_session, subscribed,
        lambda: composition.end_extra_service(sub_id, extra.id, ended_on="2020-01-01"),
    )
    composition.end_extra_service(sub_id, extra.id, today=TODAY)
    refused(db_session, subscribed, lambda: composition.end_extra_service(sub_id, extra.id))
    refused(db_session, subscribed, lambda: composition.end_extra_service(sub_id, 424242),
             NotFoundError)


# --------------------------------------------------------------------------- shared rules


@pytest.mark.parametrize(
    ("started_on", "ended_on", "live"),
    [
        (None, None, True),
        (TODAY, None, True),  # starts that day
        (TOMORROW, None, False),  # not started yet
        (None, TODAY, True),  # the end day is still billed
        (None, TODAY - timedelta(days=1), False),  # ended the day before
        (TODAY - timedelta(days=9), TOMORROW, True),
    ],
)
def test_an_item_is_live_from_its_start_to_its_end_day(started_on, ended_on, live):
    assert composition.live_on(started_on, ended_on, TODAY) is live


def _furnished(db_session, subscribed) -> dict:
    """An open, an already ended and a later-ending item of each kind, and a terminal."""
    sub = subscribed["sub"]
    earlier, later = TODAY - timedelta(days=5), TODAY + timedelta(days=5)
    other_package = TvPackage(name="Esportes", price=Decimal("19.90"), active=True)
    other_extra = ExtraServiceType(name="Backup", price=Decimal("5.00"), active=True)
    third_extra = ExtraServiceType(name="IP fixo", price=Decimal("15.00"), active=True)
    items = {
        "package_open": SubscriptionTvPackage(
            subscription=sub, tv_package=subscribed["tv_package"], price=Decimal("29.90")
        ),
        "package_later": SubscriptionTvPackage(
            subscription=sub, tv_package=other_package, price=Decimal("19.90"), ended_on=later
        ),
        "point_open": TvPoint(subscription=sub, serial="STB-A"),
        "point_ended": TvPoint(subscription=sub, serial="STB-B", ended_on=earlier),
        "point_later": TvPoint(subscription=sub, serial="STB-C", ended_on=later),
        "extra_open": ExtraService(
            subscription=sub, service_type=subscribed["antivirus"], price=Decimal("9.90")
        ),
        "extra_ended": ExtraService(
            subscription=sub, service_type=other_extra, price=Decimal("5.00"), ended_on=earlier
        ),
        "extra_later": ExtraService(
            subscription=sub, service_type=third_extra, price=Decimal("15.00"), ended_on=later
        ),
    }
    db_session.add_all(items.values())
    db_session.commit()
    items["terminal"] = add_terminal(db_session, sub)
    return items


@pytest.mark.parametrize("move_later_ends", [True, False])
def test_ending_the_composition_keeps_every_item_with_its_end(
    db_session, subscribed, move_later_ends
):
    items = _furnished(db_session, subscribed)
    earlier, later = TODAY - timedelta(days=5), TODAY + timedelta(days=5)

    composition.end_composition(subscribed["sub"], TODAY, move_later_ends=move_later_ends)
    db_session.commit()

    db_session.expire_all()
    ends = {key: item.ended_on for key, item in items.items() if key != "terminal"}
    kept_later = TODAY if move_later_ends else later
    assert ends == {
        "package_open": TODAY,
        "package_later": kept_later,
        "point_open": TODAY,
        "point_ended": earlier,
        "point_later": kept_later,
        "extra_open": TODAY,
        "extra_ended": earlier,
        "extra_later": kept_later,
    }
    assert items["terminal"].active is False
