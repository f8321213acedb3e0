"""No stack trace, SQL or row data ever reaches a user: errors are forced and the pages
and API answers checked."""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.security.conftest import flashed, message

# What a leak would look like: driver text, the statement, the row's values.
SQL_TEXT = "SELECT customers.document FROM customers WHERE customers.name = 'Maria Sigilosa'"
LEAKS = ("Traceback", "SELECT", "customers.document", "Maria Sigilosa", "sqlalchemy", "psycopg")


def _db_error(kind=OperationalError):
    return kind(SQL_TEXT, {"name": "Maria Sigilosa"}, Exception("server closed the connection"))


def _assert_no_leak(body: str) -> None:
    for leak in LEAKS:
        assert leak not in body, leak


# --------------------------------------------------------------------------- HTTP errors


def test_unknown_page_is_a_friendly_404(app):
    response = app.test_client().get("/nao-existe")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert message(app, "This page does not exist, or the record was removed.") in body
    assert "Not Found" not in body and "requested URL was not found" not in body


def test_forbidden_page_is_a_friendly_403(app, login_as):
    response = login_as("semacesso").get("/customerview/list/")
    assert response.status_code == 403
    assert message(app, "You do not have permission to do this.") in response.get_data(as_text=True)


def test_wrong_method_is_a_friendly_405_with_allow(app, login_as):
    response = login_as("admin").get("/two-factor/start")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    body = response.get_data(as_text=True)
    assert message(app, "This address does not accept this kind of request.") in body
    assert "Method Not Allowed" not in body


def test_missing_csrf_token_is_a_friendly_400(make_app):
    secured = make_app(WTF_CSRF_ENABLED=True)
    response = secured.test_client().post("/login/", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    expected = message(
        secured,
        "The form expired or did not come from this panel. Reload the page and try again.",
    )
    assert expected in body
    assert "CSRF token is missing" not in body


def test_malformed_record_keys_are_not_found(login_as, api):
    client = login_as("admin")
    for url in ("/customerview/show/abc", "/customerview/edit/99999999999999999999"):
        assert client.get(url).status_code == 404, url
    requests = [
        ("put", "/api/v1/customers/abc"),
        ("delete", "/api/v1/plans/-"),
        ("put", "/api/v1/customers/1e9"),
        ("get", "/api/v1/customers/99999999999999"),
        ("delete", "/api/v1/cities/99999999999999"),
    ]
    for method, url in requests:
        response = getattr(api("admin"), method)(url, json={})
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.is_json


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [("GET", "/api/v1/nao-existe", 404), ("DELETE", "/api/v1/_openapi", 405)],
)
def test_api_errors_answer_json(app, method, url, status):
    response = app.test_client().open(url, method=method)
    assert response.status_code == status
    assert response.is_json
    assert response.json["message"]
    assert "<html" not in response.get_data(as_text=True).lower()


# --------------------------------------------------------------------------- unexpected errors


def test_unexpected_error_shows_an_incident_number_and_nothing_else(
    app, login_as, db_session, monkeypatch, caplog
):
    from app.views import customer_page
    from tests.factories import make_customer

    customer = make_customer(db_session, name="Cliente Erro")
    db_session.commit()

    def explode(*args, **kwargs):
        raise _db_error()

    monkeypatch.setattr(customer_page, "record_customer_access", explode)
    with caplog.at_level(logging.ERROR, logger="app.incidents"):
        response = login_as("suporte").get(f"/customers/{customer.id}/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    _assert_no_leak(body)
    incident = re.search(r'id="incident">([0-9a-f]{12})<', body).group(1)
    assert any(incident in record.getMessage() for record in caplog.records)


def test_unexpected_api_error_is_json_without_details(api, db_session, monkeypatch):
    from app.api import subscriptions
    from tests.factories import make_customer

    customer = make_customer(db_session)
    db_session.commit()

    def explode(*args, **kwargs):
        raise _db_error()

    monkeypatch.setattr(subscriptions.subs, "plan_tree", explode)
    response = api("suporte").get(f"/api/v1/customer-plans/{customer.id}/tree")
    assert response.status_code == 500
    assert response.is_json
    _assert_no_leak(response.get_data(as_text=True))


def test_unexpected_error_outside_views_is_json_under_api(app, make_app, monkeypatch):
    failing = make_app()

    @failing.route("/api/v1/explode-for-test")
    def explode():
        raise _db_error()

    response = failing.test_client().get("/api/v1/explode-for-test")
    assert response.status_code == 500
    assert set(response.json) == {"message", "incident"}
    _assert_no_leak(response.get_data(as_text=True))


# --------------------------------------------------------------------------- saving screens


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/cityview/add", {"name": "Cidade Falha", "state": "MG"}),
        ("/roles/add", {"name": "Papel Falha"}),
        ("/groups/add", {"name": "Grupo Falha", "label": "x"}),
    ],
)
def test_database_failure_on_save_flashes_no_database_text(app, login_as, monkeypatch, url, data):
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    def fail(self, item, commit=True):
        self.session.rollback()
        raise _db_error(IntegrityError)

    monkeypatch.setattr(SQLAInterface, "add", fail)
    response = login_as("admin").post(url, data=data)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    _assert_no_leak(body)
    assert flashed(body), "the refusal was not explained"


def test_database_failure_on_delete_flashes_no_database_text(
    app, login_as, db_session, monkeypatch
):
    from flask_appbuilder.exceptions import DatabaseException
    from flask_appbuilder.models.sqla.interface import SQLAInterface

    from tests.factories import make_city

    city = make_city(db_session)
    db_session.commit()

    def fail(self, item, commit=True):
        raise DatabaseException() from _db_error()

    monkeypatch.setattr(SQLAInterface, "delete", fail)
    client = login_as("admin")
    response = client.post(f"/cityview/delete/{city.id}", follow_redirects=True)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    _assert_no_leak(body)
    assert message(app, "The record could not be deleted; nothing was changed.") in flashed(body)


def test_deleting_a_role_with_users_is_explained(app, login_as, db_session):
    role = app.appbuilder.sm.find_role("Suporte")
    response = login_as("admin").post(f"/roles/delete/{role.id}", follow_redirects=True)
    assert response.status_code == 200
    assert message(app, "User(s) exists in the role, cannot delete") in flashed(
        response.get_data(as_text=True)
    )
    assert app.appbuilder.sm.find_role("Suporte") is not None


def test_copying_a_role_twice_is_explained(app, login_as, db_session):
    sm = app.appbuilder.sm
    role = sm.add_role("Papel Copiado")
    db_session.commit()
    client = login_as("admin")
    try:
        for _ in range(2):
            response = client.post(
                "/roles/action_post",
                data={"action": "copyrole", "rowid": [str(role.id)]},
                follow_redirects=True,
            )
            assert response.status_code == 200
        assert message(app, "A role with this name already exists.") in flashed(
            response.get_data(as_text=True)
        )
    finally:
        for name in ("Papel Copiado copy", "Papel Copiado"):
            found = sm.find_role(name)
            if found is not None:
                db_session.delete(found)
        db_session.commit()


@pytest.mark.parametrize(
    "query",
    [
        "page_CustomerView=abc",
        "psize_CustomerView=abc",
        "page_CustomerView=99999999999999999999",
        "_oc_CustomerView=document_secret&_od_CustomerView=asc",
        "_flt_0_kind=<script>",
    ],
)
def test_list_arguments_fab_would_crash_on_are_a_friendly_400(app, login_as, query):
    response = login_as("admin").get(f"/customerview/list/?{query}")
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message(app, "The request could not be understood. Reload the page and try again.") in (
        body
    )
    _assert_no_leak(body)


def test_valid_list_arguments_still_work(login_as):
    client = login_as("admin")
    for query in (
        "page_CustomerView=0",
        "_oc_CustomerView=name&_od_CustomerView=desc",
        "_flt_0_kind=person",
    ):
        assert client.get(f"/customerview/list/?{query}").status_code == 200, query
