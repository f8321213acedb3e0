"""Small builders of valid records for tests (``make_customer(db_session)`` ...)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from app.models import (
    AccessPoint,
    City,
    Contract,
    ContractTemplate,
    Customer,
    CustomerKind,
    PaymentMethod,
    PaymentMethodKind,
    Plan,
    PlanKind,
    Subscription,
)
from app.validators import complete_cnpj, complete_cpf

_seq = itertools.count(100_000_000)


def cpf() -> str:
    """A new valid CPF."""
    return complete_cpf(str(next(_seq)))


def cnpj() -> str:
    """A new valid CNPJ."""
    return complete_cnpj(f"{next(_seq) % 10**8:08d}0001")


def make_customer(session, **kw) -> Customer:
    kind = kw.pop("kind", CustomerKind.PERSON)
    customer = Customer(
        kind=kind,
        name=kw.pop("name", f"Cliente {next(_seq)}"),
        document=kw.pop("document", cpf() if kind == CustomerKind.PERSON else cnpj()),
        email=kw.pop("email", "cliente@example.com.br"),
        **kw,
    )
    session.add(customer)
    session.flush()
    return customer


def make_plan(session, **kw) -> Plan:
    plan = Plan(
        name=kw.pop("name", f"Fibra {next(_seq)}"),
        kind=kw.pop("kind", PlanKind.INTERNET),
        download_kbps=kw.pop("download_kbps", 300_000),
        upload_kbps=kw.pop("upload_kbps", 150_000),
        price=kw.pop("price", Decimal("99.90")),
        **kw,
    )
    session.add(plan)
    session.flush()
    return plan


def make_city(session, **kw) -> City:
    city = City(name=kw.pop("name", f"Cidade {next(_seq)}"), state=kw.pop("state", "PB"), **kw)
    session.add(city)
    session.flush()
    return city


def make_access_point(session, city=None, **kw) -> AccessPoint:
    ap = AccessPoint(
        name=kw.pop("name", f"POP {next(_seq)}"), city=city or make_city(session), **kw
    )
    session.add(ap)
    session.flush()
    return ap


def payment_method(session, kind=PaymentMethodKind.PIX) -> PaymentMethod:
    return session.query(PaymentMethod).filter_by(kind=kind).one()


def make_template(session, **kw) -> ContractTemplate:
    template = ContractTemplate(
        name=kw.pop("name", f"Modelo {next(_seq)}"),
        body=kw.pop("body", "Contrato {contract_number} de {customer_name}"),
        **kw,
    )
    session.add(template)
    session.flush()
    return template


def make_contract(session, customer=None, **kw) -> Contract:
    contract = Contract(
        number=kw.pop("number", f"C-{next(_seq)}"),
        customer=customer or make_customer(session),
        payment_method=kw.pop("payment_method", None) or payment_method(session),
        due_day=kw.pop("due_day", 10),
        fine_amount=kw.pop("fine_amount", Decimal("300.00")),
        **kw,
    )
    session.add(contract)
    session.flush()
    return contract


def make_subscription(session, customer=None, plan=None, **kw) -> Subscription:
    customer = customer or make_customer(session)
    sub = Subscription(
        customer=customer,
        plan=plan or make_plan(session),
        contract=kw.pop("contract", None) or make_contract(session, customer),
        **kw,
    )
    session.add(sub)
    session.flush()
    return sub
