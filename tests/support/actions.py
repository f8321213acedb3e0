"""Fixtures and helpers of the subscription-action tests (services, views, API, jobs,
browser): a customer with a subscription on a contract, the catalogue around it, and
ways to see what an action wrote (audit entries, a snapshot to prove a refusal changed
nothing).

Test modules import what they use: ``from tests.support.actions import subscribed  #
noqa: F401``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models import (
    AuditLog,
    CancellationProtocol,
    Charge,
    Contract,
    ExtraService,
    ExtraServiceType,
    PaymentMethod,
    PhoneCategory,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
    SubscriptionTvPackage,
    SystemVariable,
    TvPackage,
    TvPoint,
    VoiceTerminal,
)
from app.services import cancellations
from app.services.subscription_actions import ActionError
from tests.factories import (
    make_access_point,
    make_city,
    make_contract,
    make_customer,
    make_plan,
)

# A day inside the billing period 10/03/2026 - 09/04/2026 (due day 10, 31 days).
TODAY = date(2026, 3, 15)
ACTIVATED = date(2025, 9, 15)


def seeded_method(session, name: str) -> PaymentMethod:
    """A payment method seeded by ``flask panel init`` (``PIX``, ``Boleto`` ...), by name:
    other tests may add methods of the same kind, and the table is kept between tests."""
    return session.query(PaymentMethod).filter_by(name=name).one()


def build_subscription(session, *, status=SubscriptionStatus.ACTIVE, name="Cliente Ações",
                       due_day: int = 10) -> dict:
    """A customer with one subscription (Fibra 300, R$ 99,90) on a contract signed when
    it was activated, and the catalogue an action needs (another plan, access points in
    two cities, a TV package, an extra service type, a phone category)."""
    city = make_city(session, name="João Pessoa")
    other_city = make_city(session, name="Campina Grande")
    pop1 = make_access_point(session, city, name="POP Centro")
    pop2 = make_access_point(session, city, name="POP Bessa")
    pop3 = make_access_point(session, other_city, name="POP Prata")
    customer = make_customer(session, name=name, email="cliente@example.com.br")
    contract = make_contract(
        session,
        customer,
        due_day=due_day,
        fine_amount=Decimal("300.00"),
        signed_on=ACTIVATED,
        starts_on=ACTIVATED,
        payment_method=seeded_method(session, "PIX"),
    )
    plan = make_plan(
        session, name="Fibra 300", price=Decimal("99.90"), fine_amount=Decimal("300.00"),
        has_playhub=True,
    )
    new_plan = make_plan(
        session,
        name="Fibra 600",
        download_kbps=600_000,
        upload_kbps=300_000,
        price=Decimal("129.90"),
        fine_amount=Decimal("400.00"),
        has_watchtv=True,
    )
    cheaper = make_plan(
        session, name="Fibra 100", download_kbps=100_000, upload_kbps=50_000,
        price=Decimal("69.90"), fine_amount=Decimal("200.00"),
    )
    subscription = Subscription(
        customer=customer,
        plan=plan,
        contract=contract,
        status=status,
        city=city,
        access_point=pop1,
        street="Rua das Flores",
        number="10",
        district="Centro",
        zip_code="58000000",
        first_activated_on=ACTIVATED,
        enabled_on=ACTIVATED,
        renewed_on=ACTIVATED,
        suspended_on=date(2026, 3, 1) if status == SubscriptionStatus.SUSPENDED else None,
    )
    session.add(subscription)
    session.add(
        SubscriptionPlanHistory(
            subscription=subscription, plan=plan, price=plan.price, started_on=ACTIVATED
        )
    )
    tv_package = TvPackage(name="Pacote Esportes", price=Decimal("29.90"))
    antivirus = ExtraServiceType(name="Antivírus", price=Decimal("9.90"))
    category = PhoneCategory(name="Residencial")
    session.add_all([tv_package, antivirus, category])
    session.commit()
    return {
        "customer": customer,
        "contract": contract,
        "sub": subscription,
        "plan": plan,
        "new_plan": new_plan,
        "cheaper": cheaper,
        "city": city,
        "other_city": other_city,
        "pop1": pop1,
        "pop2": pop2,
        "pop3": pop3,
        "tv_package": tv_package,
        "antivirus": antivirus,
        "category": category,
    }


@pytest.fixture
def subscribed(db_session) -> dict:
    """An active subscription and its surroundings (see :func:`build_subscription`)."""
    return build_subscription(db_session)


@pytest.fixture
def suspended(db_session) -> dict:
    """A subscription suspended since 01/03/2026."""
    return build_subscription(db_session, status=SubscriptionStatus.SUSPENDED)


def add_extra(session, subscription, kind, price="9.90", started_on=ACTIVATED) -> ExtraService:
    extra = ExtraService(
        subscription=subscription, service_type=kind, price=Decimal(price), started_on=started_on
    )
    session.add(extra)
    session.commit()
    return extra


def add_terminal(session, subscription, category=None, number="8332001234",
                 price="19.90") -> VoiceTerminal:
    terminal = VoiceTerminal(
        subscription=subscription,
        number=number,
        sip_user=f"sip{number}",
        category=category,
        price=Decimal(price),
    )
    session.add(terminal)
    session.commit()
    return terminal


def furnish(session, data: dict) -> dict:
    """One of each item an action works on, for tests that reach every route: a TV
    package and a TV point on the plan, an extra service, a voice terminal, and a
    cancellation protocol (of a plan of another customer, so this one stays active).

    Returns:
        The ids, by the names the route templates use.
    """
    tv_item = SubscriptionTvPackage(
        subscription=data["sub"], tv_package=data["tv_package"], price=Decimal("29.90"),
        added_on=ACTIVATED,
    )
    tv_point = TvPoint(subscription=data["sub"], serial="STB-FURNISH", price=Decimal("10.00"))
    session.add_all([tv_item, tv_point])
    extra = add_extra(session, data["sub"], data["antivirus"])
    terminal = add_terminal(session, data["sub"], data["category"], number="8332007777")
    other_customer = make_customer(session, name="Cliente Cancelado")
    other = Subscription(
        customer=other_customer,
        plan=data["plan"],
        contract=make_contract(session, other_customer, due_day=10),
        status=SubscriptionStatus.ACTIVE,
        city=data["city"],
        access_point=data["pop1"],
        street="Rua do Sol",
        number="20",
        district="Centro",
        zip_code="58000000",
        first_activated_on=ACTIVATED,
    )
    session.add(other)
    session.commit()
    # A real protocol, with the Resumo its receipt prints.
    protocol = cancellations.cancel_subscription(other.id, "Mudou de cidade", today=TODAY)
    return {
        "tv_item": tv_item.id,
        "tv_point": tv_point.id,
        "extra": extra.id,
        "terminal": terminal.id,
        "protocol": protocol.id,
    }


def set_variable(session, code: str, value: str) -> None:
    session.query(SystemVariable).filter_by(code=code).one().value = value
    session.commit()


def audit_entries(session, table: str, record_id=None, action: str | None = None) -> list:
    """The audit entries of a table (and record), oldest first.

    A create entry names its record in its changes (``id`` after), updates and deletes
    in ``record_id``.
    """
    query = session.query(AuditLog).filter(AuditLog.table_name == table)
    if action is not None:
        query = query.filter(AuditLog.action == action)
    entries = query.order_by(AuditLog.id).all()
    if record_id is None:
        return entries
    return [
        e
        for e in entries
        if e.record_id == str(record_id)
        or (e.action == "create" and (e.changes or {}).get("id", {}).get("after") == record_id)
    ]


def refused(session, data: dict, call, exc_type=ActionError):
    """Run an action that must be refused: it raises ``exc_type`` and leaves everything
    :func:`snapshot` sees as it was.

    Returns:
        The refusal, for its message and fields.
    """
    before = snapshot(session, data)
    with pytest.raises(exc_type) as info:
        call()
    assert snapshot(session, data) == before
    return info.value


def snapshot(session, data: dict) -> dict:
    """What an action could touch: the subscription's and contract's columns and the
    rows around them. A refusal must leave it equal."""
    session.expire_all()
    sub = session.get(Subscription, data["sub"].id)
    contract = session.get(Contract, data["contract"].id)
    customer = sub.customer

    def columns(obj):
        return {c.key: getattr(obj, c.key) for c in obj.__mapper__.column_attrs}

    def rows(model):
        return sorted(
            tuple(sorted((c.key, str(getattr(r, c.key))) for c in r.__mapper__.column_attrs))
            for r in session.query(model)
        )

    return {
        "subscription": columns(sub),
        "contract": columns(contract),
        "customer": columns(customer),
        **{
            model.__tablename__: rows(model)
            for model in (
                SubscriptionPlanHistory,
                Charge,
                CancellationProtocol,
                ExtraService,
                SubscriptionTvPackage,
                TvPoint,
                VoiceTerminal,
                PhoneCategory,
            )
        },
        "audit": session.query(AuditLog).count(),
    }


__all__ = [
    "ACTIVATED",
    "TODAY",
    "add_extra",
    "add_terminal",
    "audit_entries",
    "build_subscription",
    "furnish",
    "refused",
    "seeded_method",
    "set_variable",
    "snapshot",
    "subscribed",
    "suspended",
]
