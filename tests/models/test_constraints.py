"""Every rule on the data lives in the database too: bad rows are refused there with a
clear message and nothing is written, whatever path (form, API, service) they take."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.models import Contract, Customer, CustomerKind, Plan, Subscription
from app.services.errors import integrity_message
from app.validators import ValidationError
from tests.factories import cpf, make_contract, make_customer, make_plan, payment_method


def _refused(session, statement: str, params: dict) -> str:
    with pytest.raises(IntegrityError) as info:
        session.execute(text(statement), params)
        session.flush()
    session.rollback()
    return str(integrity_message(info.value))


def test_duplicate_contract_number_refused(db_session):
    make_contract(db_session, number="SCM-1")
    db_session.commit()
    with pytest.raises(IntegrityError) as info:
        make_contract(db_session, number="SCM-1")
    db_session.rollback()
    assert str(integrity_message(info.value)) == "Já existe um contrato com este número."
    assert db_session.query(Contract).filter_by(number="SCM-1").count() == 1


def test_invalid_cpf_refused_by_the_model(db_session):
    with pytest.raises(ValidationError) as info:
        Customer(kind=CustomerKind.PERSON, name="Ana", document="123.456.789-00")
    assert "CPF" in str(info.value)
    assert info.value.field == "document"


def test_invalid_cnpj_refused_by_the_model(db_session):
    with pytest.raises(ValidationError) as info:
        Customer(kind=CustomerKind.COMPANY, name="Loja", document="11.222.333/0001-00")
    assert "CNPJ" in str(info.value)


def test_document_normalised_to_digits(db_session):
    customer = make_customer(db_session, document="529.982.247-25")
    assert customer.document == "52998224725"
    assert customer.document_formatted == "529.982.247-25"


def test_person_with_cnpj_refused_by_the_database(db_session):
    message = _refused(
        db_session,
        "INSERT INTO customers (kind, name, document, active, version, created_at, updated_at) "
        "VALUES ('person', 'X', '11222333000181', true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        {},
    )
    assert message == "Pessoa física precisa de CPF e pessoa jurídica de CNPJ."
    assert db_session.query(Customer).count() == 0


def test_duplicate_document_refused(db_session):
    document = cpf()
    make_customer(db_session, document=document)
    db_session.commit()
    with pytest.raises(IntegrityError) as info:
        make_customer(db_session, document=document)
    db_session.rollback()
    assert str(integrity_message(info.value)) == "Já existe um cliente com este CPF/CNPJ."


def test_negative_price_refused_by_the_database(db_session):
    with pytest.raises(IntegrityError) as info:
        make_plan(db_session, price=Decimal("-1.00"))
    db_session.rollback()
    assert str(integrity_message(info.value)) == "O preço não pode ser negativo."
    assert db_session.query(Plan).count() == 0


@pytest.mark.parametrize("due_day", [0, 29, 31, -5])
def test_bad_due_day_refused_by_the_database(db_session, due_day):
    customer = make_customer(db_session)
    db_session.commit()
    with pytest.raises(IntegrityError) as info:
        db_session.add(
            Contract(
                number=f"D-{due_day}",
                customer=customer,
                payment_method=payment_method(db_session),
                due_day=due_day,
            )
        )
        db_session.flush()
    db_session.rollback()
    assert str(integrity_message(info.value)) == "O dia do vencimento deve ser um número de 1 a 28."
    assert db_session.query(Contract).count() == 0


def test_enable_date_before_first_activation_refused(db_session):
    from datetime import date

    customer = make_customer(db_session)
    plan = make_plan(db_session)
    db_session.commit()
    with pytest.raises(IntegrityError) as info:
        db_session.add(
            Subscription(
                customer=customer,
                plan=plan,
                first_activated_on=date(2026, 5, 10),
                enabled_on=date(2026, 5, 1),
            )
        )
        db_session.flush()
    db_session.rollback()
    assert "data de habilitação" in str(integrity_message(info.value))
    assert db_session.query(Subscription).count() == 0


def test_duplicate_witness_refused(db_session):
    from app.models import ContractWitness

    contract = make_contract(db_session)
    document = cpf()
    contract.witnesses = [
        ContractWitness(position=1, name="Ana", document=document),
        ContractWitness(position=2, name="Ana de novo", document=document),
    ]
    with pytest.raises(IntegrityError) as info:
        db_session.flush()
    db_session.rollback()
    assert (
        str(integrity_message(info.value))
        == "A mesma pessoa não pode ser testemunha duas vezes no contrato."
    )


def test_money_is_numeric_never_float(db_session):
    from app.models import Model

    for table in Model.metadata.tables.values():
        for column in table.columns:
            assert "FLOAT" not in str(column.type).upper(), f"{table.name}.{column.name}"
            assert "REAL" not in str(column.type).upper(), f"{table.name}.{column.name}"
    plan = make_plan(db_session, price=Decimal("0.10"))
    db_session.commit()
    db_session.expire_all()
    stored = db_session.get(Plan, plan.id).price
    assert isinstance(stored, Decimal)
    assert stored * 3 == Decimal("0.30")


def test_secrets_are_encrypted_at_rest(db_session):
    from app.models import Olt, OltVendor

    olt = Olt(name="OLT", vendor=OltVendor.HUAWEI, host="10.0.0.1", username="u", password="s3nha")
    db_session.add(olt)
    db_session.commit()
    raw = db_session.execute(text("SELECT password FROM olts WHERE id = :i"), {"i": olt.id})
    stored = raw.scalar_one()
    assert "s3nha" not in stored
    db_session.expire_all()
    assert db_session.get(Olt, olt.id).password == "s3nha"
