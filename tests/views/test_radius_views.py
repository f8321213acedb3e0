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
    open_session(
        db_session, login.username, "127.0.0.1", framed_ip="100.64.3.4", stopped=True,
        started_minutes_ago=600,
    )
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
    # Each session: online or not, start, duration, IP, NAS, traffic both ways.
    rows = re.findall(r'<tr class="radius-session (online|offline)"(.*?)</tr>', section, re.S)
    assert [state for state, _row in rows] == ["online", "offline"]
    online, offline = (row for _state, row in rows)
    assert translated("Online") in online and translated("Offline") in offline
    assert re.search(r"<td>\d\d/\d\d/\d{4} \d\d:\d\d:\d\d</td>", online)  # its start
    assert re.search(r"<td>01:(29|30):\d\d</td>", online)  # up for 90 minutes
    assert "<td>00:30:00</td>" in offline  # the session time the NAS reported
    assert "1,5 MB" in online or "1.5 MB" in online  # upload of the open session
    assert "100.64.3.4" in offline and "BRAS Centro" in offline
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


@pytest.mark.parametrize("username", ["suporte", "financeiro", "leitura", "semacesso"])
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


NAS_SECRET_TEXT = "Segredo-Do-NAS-42"


def test_the_nas_secret_is_stored_encrypted_and_never_shown_back(
    login_as, db_session, radius_inline, caplog
):
    import logging

    from sqlalchemy import text

    from app.models import AuditLog, Nas
    from tests.support.fake_nas import FakeNas

    caplog.set_level(logging.DEBUG)
    client = login_as("admin")
    with FakeNas(secret=NAS_SECRET_TEXT) as nas:
        added = client.post(
            "/nasview/add",
            data={
                "name": "BRAS Segredo",
                "ip_address": nas.host,
                "kind": "mikrotik",
                "coa_port": str(nas.port),
                "active": "y",
                "new_secret": NAS_SECRET_TEXT,
            },
        )
        assert added.status_code == 302, added.get_data(as_text=True)[-500:]
        stored = db_session.query(Nas).filter_by(name="BRAS Segredo").one()
        assert stored.secret == NAS_SECRET_TEXT
        raw = db_session.execute(
            text("SELECT secret FROM nas_devices WHERE id = :id"), {"id": stored.id}
        ).scalar_one()
        assert NAS_SECRET_TEXT not in raw
        # Edited with the secret left blank: the stored one stays, and is not shown.
        edit_form = client.get(f"/nasview/edit/{stored.id}")
        assert edit_form.status_code == 200
        edited = client.post(
            f"/nasview/edit/{stored.id}",
            data={
                "name": "BRAS Segredo",
                "ip_address": nas.host,
                "kind": "mikrotik",
                "coa_port": str(nas.port),
                "active": "y",
                "description": "centro",
                "new_secret": "",
            },
        )
        assert edited.status_code == 302
        db_session.expire_all()
        assert db_session.get(Nas, stored.id).secret == NAS_SECRET_TEXT

        # A Disconnect signed with it reaches the NAS, which checks the secret.
        subscription = make_internet_subscription(db_session)
        db_session.commit()
        radius.create_login(subscription.id, "segredo", "s3nha-Forte")
        open_session(db_session, "segredo", nas.host)
        db_session.commit()
        login_id = db_session.query(RadiusLogin).one().id
        assert client.post(
            f"/radius/logins/{login_id}/delete", data={"confirm": "yes"}
        ).status_code == 302
        assert [r.is_disconnect for r in nas.requests] == [True]

    [request_row] = db_session.query(RadiusRequest).all()
    assert request_row.status is RadiusRequestStatus.ACK
    pages = [
        edit_form,
        client.get("/nasview/list/"),
        client.get(f"/nasview/show/{stored.id}"),
        client.get("/radiusrequestview/list/"),
        client.get(f"/radiusrequestview/show/{request_row.id}"),
        client.get("/radius/requests/status?username=segredo"),
    ]
    for page in pages:
        assert page.status_code == 200, page.request.path
        assert NAS_SECRET_TEXT not in page.get_data(as_text=True), page.request.path
    audit = db_session.query(AuditLog).filter(AuditLog.table_name == "nas_devices").all()
    assert {entry.action for entry in audit} >= {"create"}
    assert all(NAS_SECRET_TEXT not in str(entry.changes) for entry in audit)
    assert NAS_SECRET_TEXT not in caplog.text


def test_support_creates_a_login_from_the_plans_tab(login_as, db_session, radius_inline):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    client = login_as("suporte")
    tab = _plans_tab(client, subscription).get_data(as_text=True)
    assert f"/radius/logins/new/{subscription.id}" in tab
    assert client.get(f"/radius/logins/new/{subscription.id}").status_code == 200

    page = client.post(f"/radius/logins/new/{subscription.id}", data={"username": "novo.web"})

    assert page.status_code == 200
    body = page.get_data(as_text=True)
    [password] = re.findall(r'<code class="radius-generated-password">([^<]+)</code>', body)
    assert radius.validate_password(password) == password
    login = db_session.query(RadiusLogin).one()
    assert (login.subscription_id, login.username) == (subscription.id, "novo.web")
    assert radius.effective_reply("novo.web") == {"Mikrotik-Rate-Limit": ["150000k/300000k"]}
    # Shown once: the plans tab never shows it.
    assert password not in _plans_tab(client, subscription).get_data(as_text=True)


def test_a_bad_login_is_refused_on_the_form_and_nothing_is_written(
    login_as, db_session, radius_inline
):
    subscription = make_internet_subscription(db_session)
    db_session.commit()

    page = login_as("suporte").post(
        f"/radius/logins/new/{subscription.id}", data={"username": "com espaço", "password": "1"}
    )

    assert page.status_code == 422
    body = page.get_data(as_text=True)
    assert 'data-field="username"' in body
    assert translated(
        "The PPPoE login may have only letters, digits and . _ - @, "
        "and must start with a letter or a digit."
    ) in body
    assert 'value="com espaço"' in body  # kept for correcting
    assert db_session.query(RadiusLogin).count() == 0
    assert radius.effective_reply("com espaço") == {}


@pytest.mark.parametrize("username", ["tecnico", "financeiro", "leitura"])
def test_roles_without_edit_plan_data_cannot_create_a_login(
    login_as, db_session, radius_inline, username
):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    client = login_as(username)

    url = f"/radius/logins/new/{subscription.id}"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"username": "nao.pode"}).status_code == 403
    assert url not in _plans_tab(client, subscription).get_data(as_text=True)
    assert db_session.query(RadiusLogin).count() == 0


@pytest.mark.parametrize(
    ("behaviour", "status", "label", "error_cause"),
    [
        (NasBehaviour.SILENT, "timeout", "No answer (timeout)", "—"),
        (NasBehaviour.NAK, "nak", "Refused by the NAS (NAK)", "504 Session-Context-Not-Removable"),
    ],
)
def test_the_deletion_page_shows_a_refusal_or_silence_as_not_done(
    login_as, db_session, fake_nas, login_online, behaviour, status, label, error_cause
):
    login, _subscription = login_online
    fake_nas.behaviour, fake_nas.error_cause = behaviour, 504
    client = login_as("tecnico")

    done = client.post(f"/radius/logins/{login.id}/delete", data={"confirm": "yes"})
    page = client.get(done.headers["Location"]).get_data(as_text=True)

    [(shown, cells)] = re.findall(r'<tr class="radius-request status-(\w+)"(.*?)</tr>', page, re.S)
    assert shown == status
    assert translated(label) in cells and "label-danger" in cells
    assert f'<td class="request-error-cause">{error_cause}</td>' in cells
    assert '<td class="request-attempts">3</td>' in cells  # tried again, then given up
    assert translated(
        "Given up after %(count)d attempt(s): the change was NOT applied to the session.",
        count=3,
    ) in cells
    assert "status-ack" not in page and translated("Done (ACK)") not in page
    # The rows are gone all the same: the login can no longer authenticate.
    assert "deletion-done" in page
