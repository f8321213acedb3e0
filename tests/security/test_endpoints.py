"""No registered screen or API answers with data to someone without rights.

Walks every route of the app as an anonymous visitor and as a logged-in user who holds
no role, and fails on any that answers 200 with content, apart from a short list of
pages that are public by nature (login, static files, language switch).
"""

from __future__ import annotations

import re

import pytest

PUBLIC = [
    r"^/login/$",
    r"^/logout/$",
    r"^/static/",
    r"^/appbuilder/",
    r"^/lang/",
    r"^/api/v1/security/(login|refresh)$",
    r"^/$",  # the start page: a login link for visitors, no data
    r"^/back$",  # redirects to the previous page, nothing more
]


def _routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if any(re.search(p, rule.rule) for p in PUBLIC):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", "1", url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append((method, url))
    return routes


def _assert_refused(response, who: str, method: str, url: str) -> None:
    status = response.status_code
    if status == 302:
        # Sent to log in, or back to the start page with "access denied".
        location = response.headers["Location"]
        assert "/login" in location or location == "/", (who, method, url, location)
        return
    assert status in (400, 401, 403, 404, 405), (who, method, url, status)


def test_every_route_is_walked(app):
    # Guard against a walk that silently covers nothing.
    assert len(_routes(app)) > 150


@pytest.mark.parametrize("who", ["anonymous", "semacesso"])
def test_no_route_serves_someone_without_rights(app, login_as, who):
    client = app.test_client() if who == "anonymous" else login_as(who)
    for method, url in _routes(app):
        response = client.open(url, method=method, json={} if method != "GET" else None)
        _assert_refused(response, who, method, url)


def test_public_start_page_shows_no_data(app, db_session):
    from tests.factories import make_customer

    make_customer(db_session, name="Cliente Secreto")
    db_session.commit()
    body = app.test_client().get("/").get_data(as_text=True)
    assert "Cliente Secreto" not in body
