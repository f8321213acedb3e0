"""CSRF protection and login rate limiting are really enforced."""

from __future__ import annotations

import re

from app.models import Customer
from tests.conftest import PASSWORD
from tests.factories import cpf


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


def test_post_without_csrf_token_is_refused(app, make_app, db_session):
    secured = make_app(WTF_CSRF_ENABLED=True)
    client = secured.test_client()
    page = client.get("/login/").get_data(as_text=True)
    response = client.post(
        "/login/",
        data={"username": "admin", "password": PASSWORD, "csrf_token": _token(page)},
    )
    assert response.status_code == 302
    data = {"kind": "person", "name": "Sem Token", "document": cpf()}
    refused = client.post("/customerview/add", data=data)
    assert refused.status_code == 400
    assert db_session.query(Customer).filter_by(name="Sem Token").count() == 0

    form = client.get("/customerview/add").get_data(as_text=True)
    accepted = client.post("/customerview/add", data={**data, "csrf_token": _token(form)})
    assert accepted.status_code == 302
    assert db_session.query(Customer).filter_by(name="Sem Token").count() == 1


def test_login_without_csrf_token_is_refused(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/login/", data={"username": "admin", "password": PASSWORD})
    assert response.status_code == 400


def test_login_is_rate_limited(make_app):
    limited = make_app(
        RATELIMIT_ENABLED=True, AUTH_RATE_LIMIT="3 per minute", RATELIMIT_STORAGE_URI="memory://"
    )
    client = limited.test_client()
    codes = [
        client.post("/login/", data={"username": "admin", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert codes[:3] == [302, 302, 302]
    assert codes[3:] == [429, 429]
    api = [
        client.post(
            "/api/v1/security/login",
            json={"username": "admin", "password": "wrong", "provider": "db"},
        ).status_code
        for _ in range(5)
    ]
    assert 429 in api
