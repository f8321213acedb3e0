"""The customer's plans over the REST API: one-call creation, the plan tree, editing."""

from __future__ import annotations

from app.models import CustomerAccessLog, Subscription
from tests.factories import make_customer
from tests.services.test_subscriptions import catalogue, wizard_data  # noqa: F401 - fixture


def test_create_in_one_call_and_read_the_tree(api, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    client = api("suporte")
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Combo"
    )
    response = client.post(
        f"/api/v1/subscription-actions/customers/{customer.id}/subscriptions", json=data
    )
    assert response.status_code == 201, response.json
    assert response.json["contract"]["number"] == "SCM-2026-00001"
    assert len(response.json["subscriptions"]) == 2
    tree = client.get(f"/api/v1/customer-plans/{customer.id}/tree")
    assert tree.status_code == 200
    (node,) = tree.json["nodes"]
    assert node["combo"]["name"] == "Combo"
    assert {s["plan"]["name"] for s in node["subscriptions"]} == {"Fibra 500", "TV Essencial"}
    log = db_session.query(CustomerAccessLog).filter_by(channel="api").one()
    assert log.username == "suporte"


def test_invalid_data_answers_422_with_portuguese_messages(api, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(catalogue, due_day=0, zip_code="1")
    response = api("suporte").post(
        f"/api/v1/subscription-actions/customers/{customer.id}/subscriptions", json=data
    )
    assert response.status_code == 422
    assert response.json["message"] == {
        "zip_code": ["O CEP tem 8 dígitos."],
        "due_day": ["O dia do vencimento deve ser um número de 1 a 28."],
    }
    assert db_session.query(Subscription).count() == 0


def test_wrong_types_and_unknown_customer(api, db_session, catalogue):  # noqa: F811
    client = api("suporte")
    url = "/api/v1/subscription-actions/customers/{}/subscriptions"
    assert client.post(url.format(999999), json=wizard_data(catalogue)).status_code == 404
    customer = make_customer(db_session)
    db_session.commit()
    assert client.post(url.format(customer.id), json=["not", "an", "object"]).status_code == 400
    bad = client.post(url.format(customer.id), json={"plan_ids": "x", "due_day": {"a": 1}})
    assert bad.status_code == 422


def test_roles_without_novo_plano_get_403(api, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session)
    db_session.commit()
    for username in ("financeiro", "leitura", "tecnico"):
        response = api(username).post(
            f"/api/v1/subscription-actions/customers/{customer.id}/subscriptions",
            json=wizard_data(catalogue),
        )
        assert response.status_code == 403, username
    assert db_session.query(Subscription).count() == 0


def test_plan_inside_a_combo_cannot_be_edited_directly(api, db_session, catalogue):  # noqa: F811
    from app.services.subscriptions import create_subscription

    customer = make_customer(db_session)
    db_session.commit()
    data = wizard_data(
        catalogue, plan_ids=[catalogue["plan"].id, catalogue["tv"].id], combo_name="Combo"
    )
    member = create_subscription(customer.id, data).subscriptions[0]
    response = api("suporte").put(
        f"/api/v1/subscription-actions/subscriptions/{member.id}/data",
        json={**wizard_data(catalogue), "street": "Outra"},
    )
    assert response.status_code == 409
    assert response.json["message"] == "Este plano pertence a um combo: edite-o pelo combo."


def test_edit_with_a_stale_version_is_refused(api, db_session, catalogue):  # noqa: F811
    from app.services.subscriptions import create_subscription

    customer = make_customer(db_session)
    db_session.commit()
    sub = create_subscription(customer.id, wizard_data(catalogue)).subscriptions[0]
    client = api("suporte")
    url = f"/api/v1/subscription-actions/subscriptions/{sub.id}/data"
    read = str(sub.version)
    fresh = client.put(
        url, json={**wizard_data(catalogue), "notes": "a"}, headers={"If-Match": read}
    )
    assert fresh.status_code == 200, fresh.json
    stale = client.put(
        url, json={**wizard_data(catalogue), "notes": "b"}, headers={"If-Match": read}
    )
    assert stale.status_code == 412
    db_session.expire_all()
    assert db_session.get(Subscription, sub.id).notes == "a"
