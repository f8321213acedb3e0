"""Builders shared by the billing tests: a contract with its subscriptions, the ISP's PIX
settings, and system variables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.models import (
    Combo,
    ExtraService,
    ExtraServiceType,
    PaymentMethod,
    PaymentMethodKind,
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
from app.models import system as sysvars
from tests.factories import make_contract, make_customer, make_plan

PIX_KEY = "123e4567-e12b-12d1-a456-426655440000"
PIX_NAME = "Provedor Fibra Paraiba"
PIX_CITY = "JOAO PESSOA"


def seeded_method(session, kind: PaymentMethodKind) -> PaymentMethod:
    """The seeded payment method of a kind. The table is kept between tests and other
    tests add methods of the same kind, so take the first one rather than ``.one()``."""
    return session.query(PaymentMethod).filter_by(kind=kind).order_by(PaymentMethod.id).first()


def set_variable(session, code: str, value: str) -> None:
    """Set a system variable (the seeded row) and flush."""
    variable = session.query(SystemVariable).filter_by(code=code).one()
    variable.value = value
    session.flush()


def set_pix(session, key: str = PIX_KEY, name: str = PIX_NAME, city: str = PIX_CITY) -> None:
    """Configure the ISP as a PIX receiver."""
    set_variable(session, sysvars.PIX_KEY, key)
    set_variable(session, sysvars.PIX_MERCHANT_NAME, name)
    set_variable(session, sysvars.PIX_MERCHANT_CITY, city)


def add_subscription(
    session,
    contract,
    price: Decimal | str = "99.90",
    activated_on: date = date(2023, 1, 10),
    combo=None,
    **kw,
) -> Subscription:
    """An active subscription of ``contract`` on a new plan of ``price``, with its plan history."""
    plan = make_plan(session, price=Decimal(price))
    subscription = Subscription(
        customer=contract.customer,
        plan=plan,
        contract=contract,
        combo=combo,
        status=kw.pop("status", SubscriptionStatus.ACTIVE),
        first_activated_on=activated_on,
        **kw,
    )
    session.add(subscription)
    session.add(
        SubscriptionPlanHistory(
            subscription=subscription, plan=plan, price=plan.price, started_on=activated_on
        )
    )
    session.flush()
    return subscription


def billed_contract(
    session,
    price: Decimal | str = "99.90",
    activated_on: date = date(2023, 1, 10),
    due_day: int = 10,
    method: PaymentMethodKind = PaymentMethodKind.PIX,
    customer=None,
):
    """A contract with one active subscription; returns ``(contract, subscription)``."""
    contract = make_contract(
        session,
        customer or make_customer(session),
        due_day=due_day,
        payment_method=seeded_method(session, method),
    )
    return contract, add_subscription(session, contract, price, activated_on)


def make_combo(session, contract, prices: list[str], activated_on: date) -> Combo:
    """A combo of several subscriptions under ``contract``."""
    combo = Combo(name="Combo Fibra + TV + Voz", customer=contract.customer, contract=contract)
    session.add(combo)
    for price in prices:
        add_subscription(session, contract, price, activated_on, combo=combo)
    session.flush()
    return combo


def add_tv_package(session, subscription, price: str, added_on: date | None = None, ended_on=None):
    package = TvPackage(name=f"Pacote {subscription.id}-{price}", price=Decimal(price))
    session.add(package)
    item = SubscriptionTvPackage(
        subscription=subscription,
        tv_package=package,
        price=Decimal(price),
        added_on=added_on,
        ended_on=ended_on,
    )
    session.add(item)
    session.flush()
    return item


def add_voice_terminal(session, subscription, price: str, active: bool = True):
    category = PhoneCategory(name=f"Residencial {subscription.id}-{price}")
    session.add(category)
    terminal = VoiceTerminal(
        subscription=subscription,
        number=f"8332{subscription.id:04d}{len(subscription.voice_terminals):02d}",
        sip_user=f"sip{subscription.id}x{len(subscription.voice_terminals)}",
        category=category,
        price=Decimal(price),
        active=active,
    )
    session.add(terminal)
    session.flush()
    return terminal


def add_extra_service(
    session, subscription, price: str, started_on: date | None = None, ended_on=None
):
    kind = ExtraServiceType(name=f"Antivírus {subscription.id}-{price}", price=Decimal(price))
    session.add(kind)
    service = ExtraService(
        subscription=subscription,
        service_type=kind,
        price=Decimal(price),
        started_on=started_on,
        ended_on=ended_on,
    )
    session.add(service)
    session.flush()
    return service


def add_tv_point(session, subscription, price: str, ended_on: date | None = None) -> TvPoint:
    point = TvPoint(subscription=subscription, price=Decimal(price), ended_on=ended_on)
    session.add(point)
    session.flush()
    return point
