"""The PPPoE login on the customer page, Apagar Login Radius through the screens (confirm,
CSRF, permission), the live status of NAS requests, and the admin lists."""

from __future__ import annotations

import re

import pytest

from app.models import RadGroupReply, RadiusLogin, RadiusRequest, RadiusRequestStatus
from app.services import radius
from tests.conftest import PASSWORD
from tests.support.fake_nas import NasBehaviour
from tests.support.i18n import translated
from tests.support.radius import (
    configure_blocked_group,
    make_internet_subscription,
    make_nas,
    open_session,
)


@pytest.fixture
def login_online(db_session, fake_nas, radius_inline):
    """A subscription whose PPPoE login has an open session on the fake NAS."""
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas, name="BRAS Centro")
    db_session.commit()
    radius.create_login(subscription.id, "cliente.web", "s3nha-Forte")
    open_session(db_session, "cliente.web", fake_nas.host, framed_ip="100.64.3.3")
    db_session.commit()
    return db_session.query(RadiusLogin).one(), subscription


def _plans_tab(client, subscription):
    return client.get(
        f"/customers/{subscription.customer_id}/?tab=planos&status=all&sub={subscription.id}"
    )


def test_plans_tab_shows_the_login_its_sessions_and_requests(login_as, db_session, login_online):
    login, subscription = login_online
    db_session.add(
        RadiusRequest(
            kind="disconnect",
            username=login.username,
            nas_ip="127.0.0.1",
            status=RadiusRequestStatus.NAK,
            error_cause="503 Session-Context-Not-Found",
            message="O NAS recusou o pedido.",
            attempts=3,
        )
    )
    db_session.commit()

    body = _plans_tab(login_as("leitura"), subscription).get_data(as_text=True)

    section = body[body.index('data-section="radius"') :]
    assert "cliente.web" in section
    assert "150000k/300000k" in section  # the plan's rate limit
    assert radius.ACTIVE_GROUP in section
    assert "100.64.3.3" in section and "BRAS Centro" in section
    assert "42 GB" in section  # download traffic of the open session
    assert "503 Session-Context-Not-Found" in section and "O NAS recusou o pedido." in section
    # Reading is not deleting: no delete entry for a read-only user.
    assert "radius-delete-login" not in section
    assert 'data-action="delete_radius_login"' not in body


def test_blocked_login_is_shown_blocked(login_as, db_session, login_online):
    _login, subscription = login_online
    configure_blocked_group(db_session)
    db_session.commit()
    radius.block_login(subscription.id)

    body = _plans_tab(login_as("leitura"), subscription).get_data(as_text=True)

    section = body[body.index('data-section="radius"') :]
    assert "bloqueado" in section and "1M/1M" in section
    assert 'class="label label-danger"' in section


def test_technician_deletes_after_confirming(login_as, db_session, fake_nas, login_online):
    login, subscription = login_online
    client = login_as("tecnico")

    tab = _plans_tab(client, subscription).get_data(as_text=True)
    assert 'data-action="delete_radius_login"' in tab  # context menu entry
    confirm = client.get(f"/radius/logins/{login.id}/delete")
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert "cliente.web" in page and 'name="confirm" value="yes"' in page
    assert "open-sessions" in page  # says the open session will be dropped
    assert db_session.query(RadiusLogin).count() == 1  # the GET changed nothing

    done = client.post(f"/radius/logins/{login.id}/delete", data={"confirm": "yes"})

    assert done.status_code == 302
    assert f"/radius/logins/{login.id}/deletion" in done.headers["Location"]
    db_session.expire_all()
    assert db_session.query(RadiusLogin).count() == 0
    [request] = db_session.query(RadiusRequest).all()
    assert request.status is RadiusRequestStatus.ACK
    assert len(fake_nas.requests) == 1
    result = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "deletion-done" in result and "status-ack" in result


def test_post_without_the_confirmation_deletes_nothing(login_as, db_session, login_online):
    login, _subscription = login_online

    response = login_as("tecnico").post(f"/radius/logins/{login.id}/delete", data={})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/radius/logins/{login.id}/delete")
    assert db_session.query(RadiusLogin).count() == 1


@pytest.mark.parametrize("username", ["suporte", "financeiro", "leitura"])
def test_roles_without_the_permission_cannot_delete(
    login_as, db_session, fake_nas, login_online, username
):
    login, subscription = login_online
    client = login_as(username)

    assert client.get(f"/radius/logins/{login.id}/delete").status_code == 403
    assert (
        client.post(f"/radius/logins/{login.id}/delete", data={"confirm": "yes"}).status_code == 403
    )
    assert db_session.query(RadiusLogin).count() == 1
    assert fake_nas.requests == []
    if username == "suporte":
        tab = _plans_tab(client, subscription).get_data(as_text=True)
        assert 'data-action="delete_radius_login"' not in tab


def test_delete_without_csrf_token_is_refused(make_app, app, db_session, login_online):
    login, _subscription = login_online
    secured = make_app(WTF_CSRF_ENABLED=True, REDIS_URL=None)
    client = secured.test_client()
    page = client.get("/login/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login/", data={"username": "tecnico", "password": PASSWORD, "csrf_token": token})

    refused = client.post(f"/radius/logins/{login.id}/delete", data={"confirm": "yes"})

    assert refused.status_code == 400
    assert db_session.query(RadiusLogin).count() == 1
    form = client.get(f"/radius/logins/{login.id}/delete").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    accepted = client.post(
        f"/radius/logins/{login.id}/delete", data={"confirm": "yes", "csrf_token": token}
    )
    assert accepted.status_code == 302
    db_session.expire_all()
    assert db_session.query(RadiusLogin).count() == 0


def test_status_endpoint_follows_the_requests_of_a_login(
    login_as, db_session, fake_nas, login_online
):
    login, subscription = login_online
    fake_nas.behaviour = NasBehaviour.SILENT
    radius.request_login_deletion(login.id)

    response = login_as("suporte").get("/radius/requests/status?username=cliente.web")

    assert response.status_code == 200
    data = response.json
    assert data["login_exists"] is False and data["pending"] is False
    [state] = data["requests"]
    assert state["status"] == "timeout" and state["done"] is False and state["final"] is True
    assert state["attempts"] == 3
    assert state["status_label"]  # translated label for the live display
    assert "secret" not in str(data).lower()


def test_status_endpoint_refuses_a_malformed_username(login_as, db_session):
    client = login_as("leitura")
    for bad in ("", "a b", "x\x00", "<script>"):
        response = client.get("/radius/requests/status", query_string={"username": bad})
        assert response.status_code == 400, bad
        assert response.json["message"] == translated("Say which login (username).")


def test_status_endpoint_needs_the_right_to_read_subscriptions(login_as, app):
    assert login_as("semacesso").get("/radius/requests/status?username=x").status_code in (
        401,
        403,
    )
    assert app.test_client().get("/radius/requests/status?username=x").status_code in (401, 403)


def test_request_list_for_those_who_read_the_nas(login_as, db_session, fake_nas, login_online):
    login, _subscription = login_online
    fake_nas.behaviour = NasBehaviour.NAK
    radius.request_login_deletion(login.id)

    admin = login_as("admin")
    body = admin.get("/radiusrequestview/list/").get_data(as_text=True)
    assert "cliente.web" in body and "503 Session-Context-Not-Found" in body
    assert login_as("tecnico").get("/radiusrequestview/list/").status_code == 200
    assert login_as("suporte").get("/radiusrequestview/list/").status_code == 403
    # What the NAS answered is a record: not even an admin deletes or edits it here.
    [request] = db_session.query(RadiusRequest).all()
    assert admin.post(f"/radiusrequestview/delete/{request.id}").status_code == 404
    assert admin.get(f"/radiusrequestview/edit/{request.id}").status_code == 404
    assert f"/radiusrequestview/delete/{request.id}" not in body
    assert db_session.query(RadiusRequest).count() == 1


def test_admin_configures_the_blocked_group_and_typos_are_refused(login_as, db_session):
    client = login_as("admin")

    bad = client.post(
        "/radgroupreplyview/add",
        data={
            "groupname": "bloqueado",
            "attribute": "Mikrotik-Rate-Limt",
            "op": ":=",
            "value": "1M/1M",
        },
    )
    assert bad.status_code == 200  # the form again, with the error
    assert "Mikrotik-Rate-Limt" in bad.get_data(as_text=True)
    assert db_session.query(RadGroupReply).count() == 0

    not_a_number = client.post(
        "/radgroupreplyview/add",
        data={"groupname": "bloqueado", "attribute": "Session-Timeout", "op": ":=", "value": "1h"},
    )
    assert not_a_number.status_code == 200
    assert db_session.query(RadGroupReply).count() == 0

    good = client.post(
        "/radgroupreplyview/add",
        data={"groupname": "bloqueado", "attribute": "Framed-Pool", "op": ":=", "value": "bloq"},
    )
    assert good.status_code == 302
    row = db_session.query(RadGroupReply).one()
    assert (row.groupname, row.attribute, row.op, row.value) == (
        "bloqueado",
        "Framed-Pool",
        ":=",
        "bloq",
    )
    # Technicians may read the group replies, not change them.
    assert login_as("tecnico").get("/radgroupreplyview/list/").status_code == 200
    assert login_as("tecnico").get("/radgroupreplyview/add").status_code == 403
