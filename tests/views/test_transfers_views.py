"""Trocar Titularidade through the screens and the API, with permissions."""

from __future__ import annotations

from datetime import timedelta

from app.models import OwnershipTransfer, Subscription, TransferStatus
from app.services import transfers as svc
from tests.services.test_transfers import holding  # noqa: F401 - fixture


def test_screen_shows_the_seed_defaults(login_as, holding):  # noqa: F811
    page = login_as("financeiro").get(f"/transfers/subscriptions/{holding['sub'].id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Deseja cancelar o(s) carnê(s) existente(s)?" in html
    assert 'name="cancel_booklets" value="0" checked' in html
    assert 'name="transfer_debt" value="1" checked' in html
    assert 'name="carry_composition" value="1" checked' in html
    assert "Contrato CT-OLD: R$ 99.90 por mês" in html
    assert f'value="{svc.local_today().isoformat()}"' in html


def test_transfer_through_the_screen(login_as, db_session, holding):  # noqa: F811
    client = login_as("financeiro")
    response = client.post(
        f"/transfers/subscriptions/{holding['sub'].id}",
        data={
            "transfer_on": svc.local_today().isoformat(),
            "holder_mode": "existing",
            "to_customer_id": holding["new"].id,
            "main_contract_id": holding["contract"].id,
            "cancel_booklets": "0",
            "transfer_debt": "1",
            "carry_composition": "1",
        },
    )
    assert response.status_code == 302
    assert f"/customers/{holding['new'].id}/" in response.headers["Location"]
    db_session.expire_all()
    assert db_session.get(Subscription, holding["sub"].id).customer_id == holding["new"].id


def test_a_past_date_is_refused_on_the_screen(login_as, db_session, holding):  # noqa: F811
    yesterday = svc.local_today() - timedelta(days=1)
    html = (
        login_as("financeiro")
        .post(
            f"/transfers/subscriptions/{holding['sub'].id}",
            data={
                "transfer_on": yesterday.isoformat(),
                "holder_mode": "existing",
                "to_customer_id": holding["new"].id,
                "main_contract_id": holding["contract"].id,
            },
        )
        .get_data(as_text=True)
    )
    assert "A data da troca não pode ser anterior a hoje." in html
    assert db_session.query(OwnershipTransfer).count() == 0


def test_roles_without_trocar_titularidade_are_refused(login_as, api, db_session, holding):  # noqa: F811
    for username in ("suporte", "tecnico", "leitura"):
        assert (
            login_as(username).get(f"/transfers/subscriptions/{holding['sub'].id}").status_code
            == 403
        )
        response = api(username).post(
            "/api/v1/ownership-transfers/",
            json={
                "subscription_id": holding["sub"].id,
                "main_contract_id": holding["contract"].id,
                "to_customer_id": holding["new"].id,
            },
        )
        assert response.status_code == 403
    assert db_session.query(OwnershipTransfer).count() == 0


def test_api_schedules_lists_and_cancels(api, db_session, holding):  # noqa: F811
    client = api("financeiro")
    later = (svc.local_today() + timedelta(days=7)).isoformat()
    created = client.post(
        "/api/v1/ownership-transfers/",
        json={
            "subscription_id": holding["sub"].id,
            "main_contract_id": holding["contract"].id,
            "new_customer": {"kind": "company", "name": "Empresa Nova", "document": "123"},
            "transfer_on": later,
        },
    )
    assert created.status_code == 422
    assert "CNPJ inválido" in created.json["message"]["new_document"][0]
    created = client.post(
        "/api/v1/ownership-transfers/",
        json={
            "subscription_id": holding["sub"].id,
            "main_contract_id": holding["contract"].id,
            "to_customer_id": holding["new"].id,
            "transfer_on": later,
            "transfer_debt": "sim",
        },
    )
    assert created.status_code == 422
    created = client.post(
        "/api/v1/ownership-transfers/",
        json={
            "subscription_id": holding["sub"].id,
            "main_contract_id": holding["contract"].id,
            "to_customer_id": holding["new"].id,
            "transfer_on": later,
        },
    )
    assert created.status_code == 201, created.json
    transfer_id = created.json["result"]["id"]
    assert created.json["result"]["status"] == "scheduled"
    listed = client.get("/api/v1/ownership-transfers/scheduled").json["result"]
    assert [t["id"] for t in listed] == [transfer_id]
    cancelled = client.post(f"/api/v1/ownership-transfers/{transfer_id}/cancel")
    assert cancelled.status_code == 200
    assert db_session.get(OwnershipTransfer, transfer_id).status == TransferStatus.CANCELLED
    again = client.post(f"/api/v1/ownership-transfers/{transfer_id}/cancel")
    assert again.status_code == 422


def test_history_tab_shows_the_transfer_on_both_customers(login_as, holding):  # noqa: F811
    svc.request_transfer(
        svc.TransferRequest(
            subscription_id=holding["sub"].id,
            main_contract_id=holding["contract"].id,
            to_customer_id=holding["new"].id,
        )
    )
    client = login_as("suporte")
    for customer in (holding["old"], holding["new"]):
        html = client.get(f"/customers/{customer.id}/?tab=historico").get_data(as_text=True)
        assert "Titular Antigo" in html and "Titular Novo" in html and "Concluída" in html


def test_api_transfer_to_a_new_customer_keeps_the_mobile(api, db_session, holding):  # noqa: F811
    from app.models import Customer
    from tests.factories import cpf

    document = cpf()
    created = api("financeiro").post(
        "/api/v1/ownership-transfers/",
        json={
            "subscription_id": holding["sub"].id,
            "main_contract_id": holding["contract"].id,
            "new_customer": {
                "kind": "person", "name": "Cliente Novo", "document": document,
                "mobile": "(83) 99999-0000",
            },
        },
    )
    assert created.status_code == 201, created.json
    db_session.expire_all()
    holder = db_session.query(Customer).filter_by(document=document).one()
    assert holder.mobile == "(83) 99999-0000"
