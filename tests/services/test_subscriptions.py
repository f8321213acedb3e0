"""The new-subscription rules: every step's validation, the all-or-nothing write, combos,
the plan tree, and editing a subscription's own data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.models import (
    Combo,
    Contract,
    ContractWitness,
    PaymentMethodKind,
    Subscription,
    SubscriptionDraft,
    SubscriptionPlanHistory,
    SubscriptionStatus,
)
from app.services import subscriptions as subs
from app.services.errors import ConflictError
from tests.factories import (
    cpf,
    make_access_point,
    make_customer,
    make_plan,
    make_subscription,
    make_template,
    payment_method,
)


@pytest.fixture
def catalogue(db_session):
    """An active plan, a second one, a city with an access point, a template."""
    ap = make_access_point(db_session)
    data = {
        "plan": make_plan(db_session, name="Fibra 500", price=Decimal("109.90")),
        "tv": make_plan(db_session, name="TV Essencial", price=Decimal("49.90")),
        "old": make_plan(db_session, name="Fibra 50 antigo", active=False),
        "ap": ap,
        "other_ap": make_access_point(db_session),
        "template": make_template(db_session, number_prefix="SCM"),
        "pix": payment_method(db_session, PaymentMethodKind.PIX),
    }
    db_session.commit()
    return data


def wizard_data(catalogue, **overrides) -> dict:
    data = {
        "plan_ids": [catalogue["plan"].id],
        "street": "Rua Floriano Peixoto",
        "number": "100",
        "district": "Centro",
        "zip_code": "58400-000",
        "city_id": catalogue["ap"].city_id,
        "access_point_id": catalogue["ap"].id,
        "template_id": catalogue["template"].id,
        "contract_number": "SCM-2026-00001",
        "responsible_name": "Ana Lima",
        "responsible_document": cpf(),
        "witness1_name": "Bruno Costa",
        "witness1_document": cpf(),
        "witness2_name": "Carla Dias",
        "witness2_document": cpf(),
        "payment_method_id": catalogue["pix"].id,
        "due_day": "10",
    }
    data.update(overrides)
    return data


def test_creates_subscription_contract_and_witnesses(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    result = subs.create_subscription(customer.id, wizard_data(catalogue), today=date(2026, 3, 5))
    (subscription,) = result.subscriptions
    assert subscription.plan_id == catalogue["plan"].id
    assert subscription.status == SubscriptionStatus.ACTIVE
    assert subscription.first_activated_on == date(2026, 3, 5)
    assert subscription.zip_code == "58400000"
    contract = db_session.query(Contract).one()
    assert contract.number == "SCM-2026-00001"
    assert contract.due_day == 10
    assert contract.payment_method.kind == PaymentMethodKind.PIX
    assert [w.name for w in contract.witnesses] == ["Bruno Costa", "Carla Dias"]
    assert db_session.query(SubscriptionPlanHistory).count() == 1


def _nothing_written(db_session):
    assert db_session.query(Subscription).count() == 0
    assert db_session.query(Contract).count() == 0
    assert db_session.query(ContractWitness).count() == 0
    assert db_session.query(SubscriptionPlanHistory).count() == 0


def test_failure_at_the_last_step_writes_nothing(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, wizard_data(catalogue, due_day="31"))
    assert info.value.errors == {"due_day": "O dia do vencimento deve ser um número de 1 a 28."}
    _nothing_written(db_session)


def test_a_database_refusal_at_the_end_rolls_everything_back(db_session, catalogue, monkeypatch):
    """The contract number is taken by someone else between validation and the write."""
    customer = make_customer(db_session)
    db_session.commit()
    real = subs.validate_all

    def validate_then_race(data):
        cleaned = real(data)
        other = make_customer(db_session)
        db_session.add(
            Contract(
                number="SCM-2026-00001", customer=other, payment_method=catalogue["pix"], due_day=5
            )
        )
        db_session.commit()
        return cleaned

    monkeypatch.setattr(subs, "validate_all", validate_then_race)
    with pytest.raises(ConflictError) as info:
        subs.create_subscription(customer.id, wizard_data(catalogue))
    assert str(info.value) == "Já existe um contrato com este número."
    assert db_session.query(Subscription).count() == 0
    assert db_session.query(Contract).count() == 1  # only the other customer's


def test_duplicate_contract_number_refused_with_a_message(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    subs.create_subscription(customer.id, wizard_data(catalogue))
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, wizard_data(catalogue))
    assert info.value.errors["contract_number"] == "Já existe um contrato com este número."
    assert db_session.query(Subscription).count() == 1


def test_same_witness_twice_refused(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    document = cpf()
    data = wizard_data(catalogue, witness1_document=document, witness2_document=document)
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, data)
    assert info.value.errors == {
        "witness2_document": "As duas testemunhas devem ser pessoas diferentes."
    }
    _nothing_written(db_session)


def test_witness_on_record_chosen_twice_refused(db_session, catalogue):
    customer = make_customer(db_session)
    person = make_customer(db_session)
    db_session.commit()
    data = wizard_data(catalogue, witness1_customer_id=person.id, witness2_customer_id=person.id)
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, data)
    assert "witness2_document" in info.value.errors


def test_responsible_cannot_be_a_witness(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(catalogue)
    data["witness1_document"] = data["responsible_document"]
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, data)
    assert "witness1_document" in info.value.errors


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("plan_ids", [], "Escolha um plano."),
        ("access_point_id", None, "Escolha o ponto de acesso."),
        ("zip_code", "123", "O CEP tem 8 dígitos."),
        (
            "responsible_document",
            "111.111.111-11",
            "Responsável: CPF inválido: confira os dígitos.",
        ),
        ("due_day", "abc", "O dia do vencimento deve ser um número de 1 a 28."),
        ("street", "x" * 151, "Texto longo demais (máximo de 150 caracteres)."),
        ("street", "Rua\x00B", "O texto contém caracteres de controle, que não são permitidos."),
        (
            "contract_number",
            "A B;C",
            "O número do contrato aceita letras, dígitos, '-', '/' e '.'.",
        ),
    ],
)
def test_bad_input_gets_a_clear_portuguese_message(db_session, catalogue, field, value, message):
    customer = make_customer(db_session)
    db_session.commit()
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, wizard_data(catalogue, **{field: value}))
    assert message in info.value.errors.values()
    _nothing_written(db_session)


def test_inactive_plan_refused(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(
            customer.id, wizard_data(catalogue, plan_ids=[catalogue["old"].id])
        )
    assert info.value.errors["plan_ids"] == "Escolha um plano ativo da lista."


def test_access_point_of_another_city_refused(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(catalogue, access_point_id=catalogue["other_ap"].id)
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, data)
    assert info.value.errors["access_point_id"] == (
        "Este ponto de acesso não atende a cidade escolhida."
    )


def test_finishing_the_same_draft_twice_creates_one_subscription(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    draft = subs.open_draft(customer.id, user_id=1)
    first = subs.create_subscription(customer.id, wizard_data(catalogue), draft_token=draft.token)
    second = subs.create_subscription(customer.id, wizard_data(catalogue), draft_token=draft.token)
    assert first.created and not second.created
    assert second.subscriptions[0].id == first.subscriptions[0].id
    assert db_session.query(Subscription).count() == 1
    assert db_session.get(SubscriptionDraft, draft.id).subscription_id == first.subscriptions[0].id


def test_several_plans_make_a_combo_under_one_contract(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Fibra + TV"
    )
    result = subs.create_subscription(customer.id, data)
    combo = db_session.query(Combo).one()
    assert combo.name == "Fibra + TV"
    assert {s.combo_id for s in result.subscriptions} == {combo.id}
    assert {s.contract_id for s in result.subscriptions} == {result.contract.id}
    assert subs.monthly_total(result.subscriptions) == Decimal("159.80")


def test_a_combo_needs_a_name(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id])
    with pytest.raises(subs.StepError) as info:
        subs.create_subscription(customer.id, data)
    assert info.value.errors == {"combo_name": "Dê um nome ao combo."}


def test_plan_tree_groups_combos_and_filters_by_status(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Combo"
    )
    subs.create_subscription(customer.id, data)
    lone = make_subscription(db_session, customer=customer, status=SubscriptionStatus.SUSPENDED)
    cancelled = make_subscription(
        db_session, customer=customer, status=SubscriptionStatus.CANCELLED
    )
    db_session.commit()
    tree = subs.plan_tree(customer.id)
    assert [len(n.subscriptions) for n in tree] == [2, 1, 1]
    assert tree[0].combo.name == "Combo"
    assert [n.subscriptions[0].id for n in subs.plan_tree(customer.id, "suspended")] == [lone.id]
    assert [n.subscriptions[0].id for n in subs.plan_tree(customer.id, "inactive")] == [
        cancelled.id
    ]
    assert len(subs.plan_tree(customer.id, "active")) == 1


def test_type_ahead_finds_active_plans_by_any_part_of_the_name(db_session, catalogue):
    assert [p.name for p in subs.search_plans("500")] == ["Fibra 500"]
    assert [p.name for p in subs.search_plans("fibra")] == ["Fibra 500"]  # inactive one hidden
    assert subs.search_plans("%") == []  # wildcards are searched literally


def test_suggested_contract_number_is_free(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    today = date(2026, 1, 2)
    first = subs.suggest_contract_number(catalogue["template"].id, today)
    assert first == "SCM-2026-00001"
    subs.create_subscription(customer.id, wizard_data(catalogue, contract_number=first))
    assert subs.suggest_contract_number(catalogue["template"].id, today) == "SCM-2026-00002"


def test_plan_inside_a_combo_is_not_edited_directly(db_session, catalogue):
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Combo"
    )
    result = subs.create_subscription(customer.id, data)
    member = result.subscriptions[0]
    with pytest.raises(subs.ComboMemberError) as info:
        subs.update_subscription_data(member, {"street": "Outra"})
    assert str(info.value) == "Este plano pertence a um combo: edite-o pelo combo."
    values = {**wizard_data(catalogue), "name": "Combo novo", "street": "Rua Nova"}
    subs.update_combo(result.combo, values)
    assert {s.street for s in result.combo.subscriptions} == {"Rua Nova"}
    assert result.combo.name == "Combo novo"


def test_subscription_date_rules(db_session, catalogue):
    sub = make_subscription(db_session)
    db_session.commit()
    base = {**wizard_data(catalogue)}
    today = date(2026, 6, 1)
    with pytest.raises(subs.StepError) as info:
        subs.update_subscription_data(
            sub, {**base, "first_activated_on": "2026-06-10"}, today=today
        )
    assert info.value.errors == {"first_activated_on": "A 1ª ativação não pode estar no futuro."}
    with pytest.raises(subs.StepError) as info:
        subs.update_subscription_data(
            sub,
            {**base, "first_activated_on": "2026-05-10", "enabled_on": "2026-05-01"},
            today=today,
        )
    assert info.value.errors == {
        "enabled_on": "A data de habilitação não pode ser anterior à data da 1ª ativação."
    }
    with pytest.raises(subs.StepError) as info:
        subs.update_subscription_data(sub, {**base, "enabled_on": "31/02/2026"}, today=today)
    assert "enabled_on" in info.value.errors
    subs.update_subscription_data(
        sub,
        {**base, "first_activated_on": "2026-05-10", "enabled_on": "2026-05-11"},
        today=today,
    )
    db_session.expire_all()
    assert db_session.get(Subscription, sub.id).enabled_on == date(2026, 5, 11)


def test_stale_version_is_refused(db_session, catalogue):
    sub = make_subscription(db_session)
    db_session.commit()
    read_version = sub.version
    subs.update_subscription_data(sub, {**wizard_data(catalogue), "notes": "primeira"})
    with pytest.raises(ConflictError):
        subs.update_subscription_data(
            sub, {**wizard_data(catalogue), "notes": "segunda"}, expected_version=read_version
        )
    db_session.expire_all()
    assert db_session.get(Subscription, sub.id).notes == "primeira"


def test_first_activation_today_is_fine(db_session, catalogue):
    sub = make_subscription(db_session)
    db_session.commit()
    today = date.today()
    subs.update_subscription_data(
        sub,
        {**wizard_data(catalogue), "first_activated_on": today.isoformat()},
        today=today,
    )
    assert sub.first_activated_on == today
    assert sub.first_activated_on < today + timedelta(days=1)
