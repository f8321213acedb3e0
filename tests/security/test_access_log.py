"""Log Acesso Cliente: every opening of a customer record, from a screen or the API, is
recorded with the user, the time (UTC), the IP address and what was opened; the
customer page's Log de acesso tab reads it, filtered by user, for those allowed only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.models import CustomerAccessLog
from tests.factories import make_customer
from tests.support.i18n import translated

ADDRESS = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def customer(db_session):
    customer = make_customer(db_session, name="Cliente Observado")
    db_session.commit()
    return customer


def _entries(session, customer) -> list[CustomerAccessLog]:
    session.expire_all()
    return (
        session.query(CustomerAccessLog)
        .filter_by(customer_id=customer.id)
        .order_by(CustomerAccessLog.id)
        .all()
    )


def _recent(moment: datetime) -> bool:
    naive_now = datetime.now(UTC).replace(tzinfo=None)
    moment = moment.replace(tzinfo=None)
    return naive_now - timedelta(minutes=5) <= moment <= naive_now + timedelta(seconds=5)


@pytest.mark.parametrize(
    ("url", "section"),
    [
        ("/customers/{id}/?tab=dados", "dados"),
        ("/customers/{id}/", "planos"),
        ("/customerview/show/{id}", "show"),
        ("/customerview/edit/{id}", "edit"),
        ("/billing/customers/{id}/", "financeiro"),
    ],
)
def test_each_screen_that_opens_a_customer_is_logged(login_as, db_session, customer, url,
                                                     section):
    client = login_as("admin")
    response = client.get(url.format(id=customer.id), environ_base=ADDRESS)
    assert response.status_code == 200, url
    (entry,) = _entries(db_session, customer)
    assert (entry.username, entry.channel, entry.section) == ("admin", "ui", section)
    assert entry.ip_address == "203.0.113.7"
    assert _recent(entry.accessed_at)


def test_opening_a_customer_through_the_api_is_logged(api, db_session, customer):
    response = api("suporte").get(f"/api/v1/customers/{customer.id}", environ_base=ADDRESS)
    assert response.status_code == 200, response.json
    (entry,) = _entries(db_session, customer)
    assert (entry.username, entry.channel, entry.section) == ("suporte", "api", "record")
    assert entry.ip_address == "203.0.113.7"
    assert _recent(entry.accessed_at)


def test_the_api_plan_tree_and_billing_openings_are_logged(api, db_session, customer):
    client = api("admin")
    assert client.get(f"/api/v1/customer-plans/{customer.id}/tree").status_code == 200
    assert client.get(f"/api/v1/billing/customers/{customer.id}/charges").status_code == 200
    sections = [(e.channel, e.section) for e in _entries(db_session, customer)]
    assert sections == [("api", "plan-tree"), ("api", "financeiro")]


def test_refused_or_missing_openings_are_not_logged(api, login_as, db_session, customer):
    assert login_as("semacesso").get(f"/customers/{customer.id}/").status_code in (302, 403)
    assert api("semacesso").get(f"/api/v1/customers/{customer.id}").status_code == 403
    assert login_as("admin").get(f"/customerview/show/{customer.id + 1000}").status_code == 404
    assert api("admin").get(f"/api/v1/customers/{customer.id + 1000}").status_code == 404
    assert db_session.query(CustomerAccessLog).count() == 0


def test_listing_customers_opens_no_record(api, login_as, db_session, customer):
    assert login_as("admin").get("/customerview/list/").status_code == 200
    assert api("admin").get("/api/v1/customers/").status_code == 200
    assert _entries(db_session, customer) == []


def test_the_tab_shows_who_opened_the_record_and_filters_by_user(login_as, db_session,
                                                                 customer):
    login_as("financeiro").get(f"/customers/{customer.id}/?tab=dados", environ_base=ADDRESS)
    login_as("tecnico").get(f"/customers/{customer.id}/?tab=planos")
    reader = login_as("suporte")

    page = reader.get(f"/customers/{customer.id}/?tab=log").get_data(as_text=True)
    assert translated("Access log") in page
    rows = page.split('class="table table-condensed access-log"')[1]
    for expected in ("financeiro", "tecnico", "203.0.113.7", "dados", "planos"):
        assert expected in rows, expected

    page = reader.get(f"/customers/{customer.id}/?tab=log&who=financ").get_data(as_text=True)
    rows = page.split('class="table table-condensed access-log"')[1]
    assert "financeiro" in rows and "tecnico" not in rows

    page = reader.get(f"/customers/{customer.id}/?tab=log&who=ninguem").get_data(as_text=True)
    assert translated("Nothing recorded.") in page


def test_the_filter_is_plain_text(login_as, db_session, customer):
    hostile = "<script>alert(1)</script>' OR 1=1 --"
    response = login_as("suporte").get(
        f"/customers/{customer.id}/", query_string={"tab": "log", "who": hostile}
    )
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert translated("Nothing recorded.") in body


@pytest.mark.parametrize("username", ["tecnico", "leitura"])
def test_only_users_with_the_permission_read_the_tab(login_as, db_session, customer,
                                                     username):
    login_as("financeiro").get(f"/customers/{customer.id}/?tab=dados", environ_base=ADDRESS)
    page = login_as(username).get(f"/customers/{customer.id}/?tab=log").get_data(as_text=True)
    assert translated("Access log") not in page
    assert "access-log" not in page and "203.0.113.7" not in page


def test_the_log_is_not_in_the_audit_trail_and_nothing_edits_it(app, api, db_session,
                                                                customer):
    from app.models import AuditLog

    api("admin").get(f"/api/v1/customers/{customer.id}")
    assert db_session.query(AuditLog).filter_by(table_name="customer_access_logs").count() == 0
    # The tab is the only way to it: no screen or API of its own that could change it.
    assert not [r.rule for r in app.url_map.iter_rules() if "accesslog" in r.rule.lower()
                or "access-log" in r.rule.lower() or "access_log" in r.rule.lower()]
