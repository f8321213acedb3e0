"""The Novo Plano wizard through the screens: steps, back and forward, resume on reload,
one subscription on a double submit, and permissions."""

from __future__ import annotations

import re

import pytest

from app.models import Contract, Subscription, SubscriptionDraft
from tests.factories import make_customer
from tests.services.test_subscriptions import catalogue, wizard_data  # noqa: F401 - fixture

STEP_FIELDS = {
    1: ["plan_ids", "combo_name"],
    2: ["street", "number", "complement", "district", "zip_code", "city_id", "access_point_id"],
    3: ["template_id", "contract_number"],
    4: [
        "responsible_name",
        "responsible_document",
        "witness1_name",
        "witness1_document",
        "witness2_name",
        "witness2_document",
    ],
    5: ["payment_method_id", "due_day"],
}


def _start(client, customer_id: int) -> str:
    response = client.get(f"/customers/{customer_id}/new-plan")
    assert response.status_code == 302
    return response.headers["Location"].rsplit("/", 1)[0]


def _post(client, base: str, step: int, data: dict, go: str = "next"):
    fields = {k: data[k] for k in STEP_FIELDS[step] if k in data}
    return client.post(f"{base}/{step}", data={**fields, "go": go})


def test_wizard_walk_back_and_finish(login_as, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as("suporte")
    base = _start(client, customer.id)
    data = wizard_data(catalogue)
    for step in range(1, 6):
        response = _post(client, base, step, data)
        assert response.status_code == 302, (step, response.get_data(as_text=True)[:300])
        assert response.headers["Location"].endswith(f"/{step + 1}")
    # Back once from the summary to payment keeps what was typed.
    page = client.get(f"{base}/5").get_data(as_text=True)
    assert 'value="10"' in page
    summary = client.get(f"{base}/6").get_data(as_text=True)
    assert "SCM-2026-00001" in summary and "Bruno Costa" in summary
    finish = client.post(f"{base}/finish")
    assert finish.status_code == 302
    assert "tab=planos" in finish.headers["Location"]
    subscription = db_session.query(Subscription).one()
    assert subscription.customer_id == customer.id
    tree = client.get(finish.headers["Location"]).get_data(as_text=True)
    assert catalogue["plan"].name in tree
    assert "SCM-2026-00001" in tree


def test_a_step_shows_its_errors_and_keeps_the_input(login_as, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as("suporte")
    base = _start(client, customer.id)
    _post(client, base, 1, wizard_data(catalogue))
    bad = wizard_data(catalogue, zip_code="12", street="Rua das Flores")
    page = _post(client, base, 2, bad).get_data(as_text=True)
    assert "O CEP tem 8 dígitos." in page
    assert 'value="Rua das Flores"' in page
    # A step after an invalid one cannot be reached by URL.
    assert client.get(f"{base}/4").headers["Location"].endswith("/2")


def test_back_keeps_an_invalid_step_and_a_reload_resumes(login_as, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as("suporte")
    base = _start(client, customer.id)
    _post(client, base, 1, wizard_data(catalogue))
    _post(client, base, 2, wizard_data(catalogue))
    _post(client, base, 3, wizard_data(catalogue, contract_number="MEU-1"), go="back")
    assert 'value="MEU-1"' in client.get(f"{base}/3").get_data(as_text=True)
    # Opening Novo Plano again resumes the same draft at its step.
    again = client.get(f"/customers/{customer.id}/new-plan")
    assert again.headers["Location"] == f"{base}/3"
    assert db_session.query(SubscriptionDraft).count() == 1


def test_double_submit_creates_one_subscription(login_as, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as("suporte")
    base = _start(client, customer.id)
    for step in range(1, 6):
        _post(client, base, step, wizard_data(catalogue))
    first = client.post(f"{base}/finish")
    second = client.post(f"{base}/finish")
    assert first.status_code == second.status_code == 302
    assert db_session.query(Subscription).count() == 1
    assert db_session.query(Contract).count() == 1


def test_the_summary_refuses_what_became_invalid(login_as, db_session, catalogue):  # noqa: F811
    """Finishing re-validates everything: a number taken meanwhile is refused."""
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as("suporte")
    base = _start(client, customer.id)
    for step in range(1, 6):
        _post(client, base, step, wizard_data(catalogue))
    from app.models import Contract

    db_session.add(
        Contract(
            number="SCM-2026-00001",
            customer=make_customer(db_session),
            payment_method=catalogue["pix"],
            due_day=5,
        )
    )
    db_session.commit()
    summary = client.get(f"{base}/6").get_data(as_text=True)
    assert "Já existe um contrato com este número." in summary
    client.post(f"{base}/finish")
    assert db_session.query(Subscription).count() == 0


@pytest.mark.parametrize("username", ["financeiro", "leitura", "semacesso"])
def test_users_without_novo_plano_are_refused(login_as, db_session, username):
    customer = make_customer(db_session)
    db_session.commit()
    client = login_as(username)
    assert client.get(f"/customers/{customer.id}/new-plan").status_code == 403
    assert db_session.query(SubscriptionDraft).count() == 0


def test_someone_elses_draft_is_not_reachable(login_as, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    base = _start(login_as("suporte"), customer.id)
    assert login_as("admin").get(f"{base}/1").status_code == 404


def _menu_actions(html: str) -> set[str]:
    return set(re.findall(r'data-action="([a-z_]+)"', html))


def test_context_menu_shows_only_what_the_role_may_do(login_as, db_session, catalogue):  # noqa: F811
    from app.services.subscriptions import create_subscription

    customer = make_customer(db_session)
    db_session.commit()
    create_subscription(customer.id, wizard_data(catalogue))
    url = f"/customers/{customer.id}/?tab=planos"
    support = _menu_actions(login_as("suporte").get(url).get_data(as_text=True))
    technician = _menu_actions(login_as("tecnico").get(url).get_data(as_text=True))
    finance = _menu_actions(login_as("financeiro").get(url).get_data(as_text=True))
    read_only = _menu_actions(login_as("leitura").get(url).get_data(as_text=True))
    assert {"change_plan", "edit_subscription", "suspend", "link_onu"} <= support
    assert not {"cancel", "edit_contract_fine", "transfer_ownership"} & support
    assert {"link_onu", "change_access_point"} <= technician
    assert not {"change_plan", "cancel", "suspend"} & technician
    assert {"cancel", "edit_contract_fine", "transfer_ownership"} <= finance
    assert "change_plan" not in finance
    assert read_only <= {"print_contract"}
    admin = _menu_actions(login_as("admin").get(url).get_data(as_text=True))
    assert "reactivate" not in admin  # an active plan offers Suspender, not Reativar
    assert "suspend" in admin


def test_edit_of_a_combo_member_goes_through_the_combo(login_as, db_session, catalogue):  # noqa: F811
    from app.services.subscriptions import create_subscription

    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Combo"
    )
    result = create_subscription(customer.id, data)
    client = login_as("suporte")
    member = result.subscriptions[0]
    response = client.post(f"/subscriptions/{member.id}/edit", data={"street": "Nova"})
    assert response.status_code == 302
    assert f"/subscriptions/combos/{result.combo.id}/edit" in response.headers["Location"]
    db_session.expire_all()
    assert db_session.get(Subscription, member.id).street == "Rua Floriano Peixoto"
    page = client.get(f"/customers/{customer.id}/?tab=planos&sub={member.id}")
    assert "é editado pelo combo" in page.get_data(as_text=True)


def test_contract_pdf_names_customer_number_and_witnesses(login_as, db_session, catalogue):  # noqa: F811
    import io

    from pypdf import PdfReader

    from app.services.subscriptions import create_subscription

    customer = make_customer(db_session, name="Joana Wanderley")
    db_session.commit()
    result = create_subscription(customer.id, wizard_data(catalogue))
    response = login_as("suporte").get(f"/contracts/{result.contract.id}/pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("Joana Wanderley", "SCM-2026-00001", "Bruno Costa", "Carla Dias"):
        assert expected in text, expected


def test_opening_a_customer_is_logged(login_as, db_session):
    from app.models import CustomerAccessLog

    customer = make_customer(db_session)
    db_session.commit()
    login_as("suporte").get(f"/customers/{customer.id}/?tab=dados")
    (entry,) = db_session.query(CustomerAccessLog).all()
    assert (entry.username, entry.section, entry.channel) == ("suporte", "dados", "ui")


def test_access_log_tab_only_for_those_allowed(login_as, db_session):
    customer = make_customer(db_session)
    db_session.commit()
    assert "Log de acesso" in login_as("suporte").get(f"/customers/{customer.id}/").get_data(
        as_text=True
    )
    page = login_as("tecnico").get(f"/customers/{customer.id}/?tab=log").get_data(as_text=True)
    assert "Log de acesso" not in page
