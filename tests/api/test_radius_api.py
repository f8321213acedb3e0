"""PPPoE logins over the REST API: create, read with sessions, delete (202 and a request
to follow), the same permissions as the screens, and clear refusals."""

from __future__ import annotations

import pytest

from app.models import RadiusLogin, RadiusRequest
from tests.support.i18n import translated
from tests.support.radius import counts, make_internet_subscription, make_nas, open_session


@pytest.fixture
def subscription(db_session, radius_inline):
    subscription = make_internet_subscription(db_session, fixed_ip="187.45.1.2")
    db_session.commit()
    return subscription


def test_support_creates_a_login_and_gets_the_generated_password_once(api, subscription):
    client = api("suporte")

    created = client.post(
        f"/api/v1/radius/subscriptions/{subscription.id}/login", json={"username": "api.user"}
    )

    assert created.status_code == 201, created.json
    result = created.json["result"]
    assert result["username"] == "api.user"
    assert result["rate_limit"] == "150000k/300000k"
    assert result["fixed_ip"] == "187.45.1.2"
    assert result["blocked"] is False and result["sessions"] == []
    password = result["password"]
    assert len(password) == 12
    # Reading it back never shows the password.
    read = api("leitura").get(f"/api/v1/radius/logins/{created.json['id']}")
    assert read.status_code == 200
    assert "password" not in read.json["result"] and password not in str(read.json)
    by_subscription = client.get(f"/api/v1/radius/subscriptions/{subscription.id}/login")
    assert by_subscription.json["result"]["id"] == created.json["id"]


def test_given_password_is_not_echoed(api, subscription):
    created = api("admin").post(
        f"/api/v1/radius/subscriptions/{subscription.id}/login",
        json={"username": "com.senha", "password": "Minha-Senha-9"},
    )
    assert created.status_code == 201
    assert "password" not in created.json["result"]


def test_bad_input_answers_422_in_portuguese_and_writes_nothing(api, db_session, subscription):
    before = counts(db_session)
    client = api("suporte")
    url = f"/api/v1/radius/subscriptions/{subscription.id}/login"

    bad = client.post(url, json={"username": "tem espaço"})
    assert bad.status_code == 422
    assert list(bad.json["message"]) == ["username"]
    assert client.post(url, json={"username": "ok", "password": "x"}).status_code == 422
    assert client.post(url, json={"username": 5}).status_code == 422
    assert client.post(url, data="nada", content_type="text/plain").status_code == 400
    missing = client.post("/api/v1/radius/subscriptions/999999/login", json={"username": "a"})
    assert missing.status_code == 404
    assert missing.json["message"] == translated("Subscription not found.")

    assert counts(db_session) == before


def test_second_login_is_a_conflict(api, subscription):
    url = f"/api/v1/radius/subscriptions/{subscription.id}/login"
    assert api("admin").post(url, json={"username": "um"}).status_code == 201
    again = api("admin").post(url, json={"username": "dois"})
    assert again.status_code == 409
    assert again.json["message"] == translated("This plan already has a PPPoE login.")


def test_technician_deletes_and_follows_the_disconnect(api, db_session, fake_nas, subscription):
    make_nas(db_session, fake_nas)
    db_session.commit()
    login_id = (
        api("admin")
        .post(f"/api/v1/radius/subscriptions/{subscription.id}/login", json={"username": "sai"})
        .json["id"]
    )
    open_session(db_session, "sai", fake_nas.host)
    db_session.commit()
    client = api("tecnico")

    deleted = client.delete(f"/api/v1/radius/logins/{login_id}")

    assert deleted.status_code == 202, deleted.json
    assert deleted.json["username"] == "sai" and deleted.json["deleted"] is True
    request_id = deleted.json["request_id"]
    assert deleted.json["request_ids"] == [request_id]
    state = client.get(f"/api/v1/radius/requests/{request_id}")
    assert state.status_code == 200
    assert state.json["result"]["status"] == "ack" and state.json["result"]["done"] is True
    assert client.get(f"/api/v1/radius/logins/{login_id}").status_code == 404
    assert client.delete(f"/api/v1/radius/logins/{login_id}").status_code == 404
    assert len(fake_nas.requests) == 1


@pytest.mark.parametrize("username", ["suporte", "financeiro", "leitura", "semacesso"])
def test_roles_without_apagar_login_radius_cannot_delete(api, db_session, subscription, username):
    login_id = (
        api("admin")
        .post(f"/api/v1/radius/subscriptions/{subscription.id}/login", json={"username": "fica"})
        .json["id"]
    )

    response = api(username).delete(f"/api/v1/radius/logins/{login_id}")

    assert response.status_code == 403
    assert db_session.query(RadiusLogin).count() == 1
    assert db_session.query(RadiusRequest).count() == 0


def test_creating_needs_edit_plan_data_and_reading_needs_read(api, subscription):
    url = f"/api/v1/radius/subscriptions/{subscription.id}/login"
    assert api("tecnico").post(url, json={"username": "nao"}).status_code == 403
    assert api("financeiro").post(url, json={"username": "nao"}).status_code == 403
    assert api("semacesso").get(url).status_code == 403
    assert api("leitura").get(url).status_code == 404  # may read; there is no login yet


def test_the_nas_secret_is_write_only_over_the_api(api, db_session):
    from sqlalchemy import text

    from app.models import Nas

    secret = "Segredo-Da-API-77"
    client = api("admin")

    created = client.post(
        "/api/v1/nas/",
        json={"name": "BRAS API", "ip_address": "10.9.8.7", "coa_port": 3799, "secret": secret},
    )

    assert created.status_code == 201, created.json
    assert secret not in created.get_data(as_text=True)
    nas_id = created.json["id"]
    assert db_session.get(Nas, nas_id).secret == secret
    raw = db_session.execute(text("SELECT secret FROM nas_devices WHERE id = :i"), {"i": nas_id})
    assert secret not in raw.scalar_one()
    for url in ("/api/v1/nas/", f"/api/v1/nas/{nas_id}", "/api/v1/_openapi"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert secret not in response.get_data(as_text=True), url
    assert "secret" not in client.get(f"/api/v1/nas/{nas_id}").json["result"]
