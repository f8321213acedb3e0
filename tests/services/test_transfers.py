"""Troca de Titularidade: every default and option of the seed page, the date rules,
the debt moved to the cent, carnês, composition, and running exactly once."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import (
    BookletStatus,
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    Customer,
    ExtraService,
    ExtraServiceType,
    OwnershipTransfer,
    PaymentBooklet,
    Subscription,
    SubscriptionStatus,
    TransferStatus,
    VoiceTerminal,
)
from app.services import transfers as svc
from tests.factories import cpf, make_contract, make_customer, make_plan, make_subscription

TODAY = date(2026, 3, 10)


@pytest.fixture
def holding(db_session):
    """A customer with a subscription, open and paid charges, a carnê and extras."""
    old = make_customer(db_session, name="Titular Antigo")
    new = make_customer(db_session, name="Titular Novo")
    contract = make_contract(db_session, old, number="CT-OLD")
    sub = make_subscription(
        db_session,
        customer=old,
        contract=contract,
        plan=make_plan(db_session, price=Decimal("99.90")),
    )
    booklet = PaymentBooklet(contract=contract, installments=2)
    db_session.add(booklet)

    def charge(amount, due, status=ChargeStatus.OPEN, in_booklet=False, month=None):
        c = Charge(
            customer_id=old.id,
            contract_id=contract.id,
            description="Mensalidade",
            amount=Decimal(amount),
            due_on=due,
            status=status,
            booklet=booklet if in_booklet else None,
            reference_month=month,
        )
        db_session.add(c)
        return c

    paid = charge("99.90", date(2026, 1, 10), ChargeStatus.PAID, month=date(2026, 1, 1))
    open1 = charge("99.90", date(2026, 2, 10), month=date(2026, 2, 1))
    open2 = charge("33.30", date(2026, 3, 10))  # a pro-rata one-off
    slip = charge("99.90", date(2026, 4, 10), in_booklet=True, month=date(2026, 4, 1))
    antivirus = ExtraServiceType(name="Antivírus", price=Decimal("9.90"))
    db_session.add(ExtraService(subscription=sub, service_type=antivirus, price=Decimal("9.90")))
    db_session.add(VoiceTerminal(subscription=sub, number="8333334444", sip_user="sip-8333334444"))
    db_session.commit()
    return {
        "old": old,
        "new": new,
        "contract": contract,
        "sub": sub,
        "booklet": booklet,
        "paid": paid,
        "open1": open1,
        "open2": open2,
        "slip": slip,
    }


def _request(h, **kw) -> svc.TransferRequest:
    return svc.TransferRequest(
        subscription_id=h["sub"].id,
        main_contract_id=h["contract"].id,
        to_customer_id=kw.pop("to_customer_id", h["new"].id),
        **kw,
    )



def test_the_moved_debt_copies_each_charge_with_a_txid_of_its_own(db_session, holding):
    transfer = svc.request_transfer(_request(holding), today=TODAY)
    db_session.expire_all()
    new_contract = db_session.get(Contract, transfer.new_contract_id)
    txids = set()
    for key in ("open1", "open2", "slip"):
        old = db_session.get(Charge, holding[key].id)
        copy = db_session.get(Charge, old.transferred_to_id)
        assert (copy.customer_id, copy.contract_id, copy.payment_method_id, copy.status) == (
            holding["new"].id,
            new_contract.id,
            new_contract.payment_method_id,
            ChargeStatus.OPEN,
        )
        assert (
            copy.description,
            copy.amount,
            copy.due_on,
            copy.period_start,
            copy.period_end,
            copy.reference_month,
        ) == (
            old.description,
            old.amount,
            old.due_on,
            old.period_start,
            old.period_end,
            old.reference_month,
        )
        assert copy.booklet_id is None
        # The contract pays by PIX: each copy gets a txid of its own.
        assert copy.pix_txid and copy.pix_txid != old.pix_txid
        txids.add(copy.pix_txid)
    assert len(txids) == 3

def test_defaults_are_the_seed_pages(holding):
    req = svc.TransferRequest(subscription_id=1, main_contract_id=1)
    assert (req.cancel_booklets, req.transfer_debt, req.carry_composition) == (False, True, True)
    assert req.transfer_on is None  # means today


def test_transfer_today_with_the_defaults(db_session, holding):
    transfer = svc.request_transfer(_request(holding), today=TODAY)
    assert transfer.status == TransferStatus.DONE
    db_session.expire_all()
    sub = db_session.get(Subscription, holding["sub"].id)
    assert sub.customer_id == holding["new"].id
    new_contract = db_session.get(Contract, transfer.new_contract_id)
    assert new_contract.customer_id == holding["new"].id
    assert new_contract.number == "CT-OLD-T1"
    assert sub.contract_id == new_contract.id
    assert (new_contract.due_day, new_contract.payment_method_id) == (
        holding["contract"].due_day,
        holding["contract"].payment_method_id,
    )
    assert db_session.get(Contract, holding["contract"].id).status == ContractStatus.TRANSFERRED
    # Debt moved (default Sim): every open charge, to the cent, marked on the old holder.
    old_charges = {
        c.id: c for c in db_session.query(Charge).filter_by(customer_id=holding["old"].id)
    }
    assert old_charges[holding["paid"].id].status == ChargeStatus.PAID
    for key in ("open1", "open2", "slip"):
        assert old_charges[holding[key].id].status == ChargeStatus.TRANSFERRED
        assert old_charges[holding[key].id].transferred_to_id is not None
    moved = db_session.query(Charge).filter_by(customer_id=holding["new"].id).all()
    assert sum(c.amount for c in moved) == Decimal("233.10")
    assert {c.status for c in moved} == {ChargeStatus.OPEN}
    assert {c.contract_id for c in moved} == {new_contract.id}
    # Carnê kept (default Não), composition carried (default Sim).
    assert db_session.get(PaymentBooklet, holding["booklet"].id).status == BookletStatus.ACTIVE
    assert all(e.ended_on is None for e in sub.extra_services)
    assert all(t.active for t in sub.voice_terminals)
    # Nothing deleted; both histories show it.
    assert db_session.get(Customer, holding["old"].id) is not None
    assert [t.id for t in svc.customer_transfers(holding["old"].id)] == [transfer.id]
    assert [t.id for t in svc.customer_transfers(holding["new"].id)] == [transfer.id]
    assert "R$ 233.10" in transfer.message


def test_without_debt_transfer_the_charges_stay(db_session, holding):
    svc.request_transfer(_request(holding, transfer_debt=False), today=TODAY)
    db_session.expire_all()
    assert db_session.query(Charge).filter_by(customer_id=holding["new"].id).count() == 0
    assert db_session.get(Charge, holding["open1"].id).status == ChargeStatus.OPEN
    assert db_session.get(Charge, holding["open1"].id).customer_id == holding["old"].id


def test_cancelling_the_carnes(db_session, holding):
    svc.request_transfer(_request(holding, cancel_booklets=True), today=TODAY)
    db_session.expire_all()
    assert db_session.get(PaymentBooklet, holding["booklet"].id).status == BookletStatus.CANCELLED
    # The carnê's open slip is cancelled, not moved; the other open charges move.
    assert db_session.get(Charge, holding["slip"].id).status == ChargeStatus.CANCELLED
    moved = db_session.query(Charge).filter_by(customer_id=holding["new"].id).all()
    assert sum(c.amount for c in moved) == Decimal("133.20")
    assert db_session.get(Charge, holding["paid"].id).status == ChargeStatus.PAID


def test_leaving_the_composition_behind(db_session, holding):
    svc.request_transfer(_request(holding, carry_composition=False), today=TODAY)
    db_session.expire_all()
    sub = db_session.get(Subscription, holding["sub"].id)
    assert [e.ended_on for e in sub.extra_services] == [TODAY]
    assert [t.active for t in sub.voice_terminals] == [False]
    assert db_session.query(ExtraService).count() == 1  # ended, not deleted


def test_transfer_to_a_new_customer_created_on_the_spot(db_session, holding):
    document = cpf()
    holder = svc.NewHolder(kind="person", name="Cliente Criado Agora", document=document)
    transfer = svc.request_transfer(
        _request(holding, to_customer_id=None, new_holder=holder), today=TODAY
    )
    created = db_session.query(Customer).filter_by(document=document).one()
    assert transfer.to_customer_id == created.id
    assert db_session.get(Subscription, holding["sub"].id).customer_id == created.id
    # No new plan: the existing subscription moved.
    assert db_session.query(Subscription).count() == 1


def test_new_customer_follows_the_customer_forms_rules(db_session, holding):
    holder = svc.NewHolder(kind="person", name="", document="123")
    with pytest.raises(svc.TransferError) as info:
        svc.request_transfer(_request(holding, to_customer_id=None, new_holder=holder), today=TODAY)
    assert info.value.errors["new_name"] == "Campo obrigatório."
    assert "CPF inválido" in info.value.errors["new_document"]
    assert db_session.query(OwnershipTransfer).count() == 0
    assert db_session.query(Customer).count() == 2


@pytest.mark.parametrize(
    ("field", "kwargs", "message"),
    [
        (
            "transfer_on",
            {"transfer_on": TODAY - timedelta(days=1)},
            "A data da troca não pode ser anterior a hoje.",
        ),
        ("to_customer_id", {"to_customer_id": None}, "Escolha o novo titular."),
        ("main_contract_id", {"main_contract_id": None}, "Escolha o contrato principal da troca."),
    ],
)
def test_refusals(db_session, holding, field, kwargs, message):
    req = _request(holding, **{k: v for k, v in kwargs.items() if k != "main_contract_id"})
    if "main_contract_id" in kwargs:
        req.main_contract_id = None
    with pytest.raises(svc.TransferError) as info:
        svc.request_transfer(req, today=TODAY)
    assert info.value.errors[field] == message
    assert db_session.query(OwnershipTransfer).count() == 0
    assert db_session.get(Subscription, holding["sub"].id).customer_id == holding["old"].id


def test_the_same_customer_is_refused(db_session, holding):
    with pytest.raises(svc.TransferError) as info:
        svc.request_transfer(_request(holding, to_customer_id=holding["old"].id), today=TODAY)
    assert info.value.errors["to_customer_id"] == "O novo titular deve ser outro cliente."


def test_another_customers_contract_is_refused(db_session, holding):
    foreign = make_contract(db_session, holding["new"])
    db_session.commit()
    req = _request(holding)
    req.main_contract_id = foreign.id
    with pytest.raises(svc.TransferError) as info:
        svc.request_transfer(req, today=TODAY)
    assert (
        info.value.errors["main_contract_id"] == "O contrato principal deve ser do titular atual."
    )


def test_a_cancelled_plan_cannot_change_holder(db_session, holding):
    holding["sub"].status = SubscriptionStatus.CANCELLED
    db_session.commit()
    with pytest.raises(svc.TransferError):
        svc.request_transfer(_request(holding), today=TODAY)


def test_a_future_date_schedules_then_runs_on_the_day(db_session, holding, make_app):
    inline = make_app(REDIS_URL=None)
    with inline.app_context():
        transfer = svc.request_transfer(
            _request(holding, transfer_on=TODAY + timedelta(days=5)), today=TODAY
        )
        transfer_id = transfer.id
        assert transfer.status == TransferStatus.SCHEDULED
        assert svc.run_due_transfers(TODAY + timedelta(days=4)) == 0
        assert svc.run_due_transfers(TODAY + timedelta(days=5)) == 1
        assert svc.run_due_transfers(TODAY + timedelta(days=6)) == 0
    db_session.expire_all()
    assert db_session.get(OwnershipTransfer, transfer_id).status == TransferStatus.DONE
    assert db_session.get(Subscription, holding["sub"].id).customer_id == holding["new"].id


def test_a_scheduled_transfer_is_listed_and_can_be_cancelled_before_its_date(db_session, holding):
    transfer = svc.request_transfer(
        _request(holding, transfer_on=TODAY + timedelta(days=3)), today=TODAY
    )
    with pytest.raises(svc.TransferError):
        svc.request_transfer(_request(holding, transfer_on=TODAY + timedelta(days=4)), today=TODAY)
    cancelled = svc.cancel_transfer(transfer.id, today=TODAY + timedelta(days=1))
    assert cancelled.status == TransferStatus.CANCELLED
    assert svc.run_due_transfers(TODAY + timedelta(days=10)) == 0
    assert db_session.get(Subscription, holding["sub"].id).customer_id == holding["old"].id
    with pytest.raises(svc.TransferError):
        svc.cancel_transfer(transfer.id, today=TODAY + timedelta(days=1))


def test_cannot_cancel_on_the_day(db_session, holding):
    transfer = svc.request_transfer(
        _request(holding, transfer_on=TODAY + timedelta(days=3)), today=TODAY
    )
    with pytest.raises(svc.TransferError) as info:
        svc.cancel_transfer(transfer.id, today=TODAY + timedelta(days=3))
    assert "não pode mais ser cancelada" in str(info.value)


def test_running_twice_concurrently_transfers_once(db_session, holding, app):
    transfer = svc.request_transfer(
        _request(holding, transfer_on=TODAY + timedelta(days=1)), today=TODAY
    )
    # Read before the threads start: an expired attribute would load through the test's
    # session from both threads at once (a race of the test, not of the service).
    transfer_id = transfer.id
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def worker():
        with app.app_context():
            barrier.wait()
            results.append(svc.execute_transfer(transfer_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]
    assert db_session.query(Contract).filter(Contract.number.like("CT-OLD-T%")).count() == 1
    assert db_session.query(Charge).filter_by(customer_id=holding["new"].id).count() == 3


def test_a_combo_moves_whole(db_session, holding):
    from app.models import Combo

    combo = Combo(name="Combo", customer=holding["old"], contract=holding["contract"])
    holding["sub"].combo = combo
    other = make_subscription(
        db_session, customer=holding["old"], contract=holding["contract"], combo=combo
    )
    db_session.commit()
    svc.request_transfer(_request(holding), today=TODAY)
    db_session.expire_all()
    assert db_session.get(Subscription, other.id).customer_id == holding["new"].id
    assert db_session.get(Combo, combo.id).customer_id == holding["new"].id


# --------------------------------------------------------------------------- reading a request


def test_request_from_data_takes_the_seeds_defaults():
    req = svc.request_from_data({"subscription_id": 7, "main_contract_id": 8})
    assert req == svc.TransferRequest(subscription_id=7, main_contract_id=8)
    assert (req.cancel_booklets, req.transfer_debt, req.carry_composition) == (False, True, True)


def test_request_from_data_keeps_the_new_holder_and_the_date():
    req = svc.request_from_data(
        {
            "subscription_id": 7,
            "main_contract_id": 8,
            "transfer_on": "2026-03-15",
            "new_customer": {
                "kind": "person", "name": "Cliente Novo", "document": "123",
                "email": 42, "mobile": "(83) 99999-0000",
            },
            "cancel_booklets": True,
        }
    )
    assert req.transfer_on == date(2026, 3, 15)
    assert req.cancel_booklets is True
    # A value of the wrong type is dropped, as if it were not given.
    assert req.new_holder == svc.NewHolder(
        kind="person", name="Cliente Novo", document="123", email=None,
        mobile="(83) 99999-0000",
    )


def test_request_from_data_without_a_subscription_is_none():
    assert svc.request_from_data({"main_contract_id": 8, "cancel_booklets": "sim"}) is None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"subscription_id": 7, "transfer_on": 20260315}, "transfer_on"),
        ({"subscription_id": 7, "transfer_on": "2026-02-30"}, "transfer_on"),
        # The date is read first: a bad one is refused even without a subscription.
        ({"transfer_on": "15/03/2026"}, "transfer_on"),
        ({"subscription_id": "7"}, "subscription_id"),
        ({"subscription_id": True}, "subscription_id"),
        ({"subscription_id": 7, "main_contract_id": 8.0}, "main_contract_id"),
        ({"subscription_id": 7, "to_customer_id": "9"}, "to_customer_id"),
    ],
)
def test_request_from_data_refuses_a_bad_value_by_field(db_session, data, field):
    with pytest.raises(svc.TransferError) as info:
        svc.request_from_data(data)
    assert info.value.errors == {field: str(info.value)}


def test_request_from_data_refuses_a_choice_that_is_not_a_boolean(db_session):
    with pytest.raises(svc.TransferError) as info:
        svc.request_from_data({"subscription_id": 7, "transfer_debt": "sim"})
    assert info.value.errors == {"transfer_debt": "bool"}
    assert "transfer_debt" in str(info.value)


def test_request_from_data_refuses_a_new_customer_that_is_not_an_object(db_session):
    with pytest.raises(svc.TransferError) as info:
        svc.request_from_data({"subscription_id": 7, "new_customer": "Cliente Novo"})
    assert info.value.errors == {}


def test_scheduled_transfers_lists_only_the_scheduled_soonest_first(db_session, holding):
    later = svc.request_transfer(
        _request(holding, transfer_on=TODAY + timedelta(days=5)), today=TODAY
    )
    other = make_customer(db_session, name="Outro Titular")
    contract = make_contract(db_session, other, number="CT-OTHER")
    sub = make_subscription(db_session, customer=other, contract=contract)
    db_session.commit()
    sooner = svc.request_transfer(
        svc.TransferRequest(
            subscription_id=sub.id,
            main_contract_id=contract.id,
            to_customer_id=holding["new"].id,
            transfer_on=TODAY + timedelta(days=2),
        ),
        today=TODAY,
    )
    assert [t.id for t in svc.scheduled_transfers()] == [sooner.id, later.id]
    svc.cancel_transfer(sooner.id, today=TODAY)
    assert [t.id for t in svc.scheduled_transfers()] == [later.id]
