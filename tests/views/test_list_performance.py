"""Pages cost a fixed number of SQL statements, however many rows they show, and the
deep-page, estimated-count and quick-search paths return the right rows.

Counts, never timings: timings belong to ``bench/http.py`` (docs/performance.md).
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import event

from app.extensions import db
from app.models import (
    Charge,
    ConnectionType,
    Customer,
    CustomerKind,
    Olt,
    OltVendor,
    Onu,
    RadiusLogin,
)
from app.views.base import PanelInterface
from tests.factories import (
    cnpj,
    make_access_point,
    make_customer,
    make_plan,
    make_subscription,
)


@contextmanager
def counted(app):
    """Count the SQL statements sent while the block runs.

    The shared session is emptied first, so that no request finds records a previous
    one (or the test) left in it and every measured request starts alike.
    """
    statements: list[str] = []
    db.session.expire_all()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_rows(session, count: int, olt: Olt) -> None:
    """``count`` customers, each with its own plan, access point (and city), a
    subscription with a PPPoE login and an ONU, and a charge: every related record shown
    in a list is a different one, the worst case for lazy loading."""
    for _ in range(count):
        customer = make_customer(session)
        sub = make_subscription(
            session,
            customer=customer,
            plan=make_plan(session),
            access_point=make_access_point(session),
        )
        session.add(RadiusLogin(subscription=sub, username=f"login{sub.id}"))
        session.add(
            Onu(
                serial=f"HWTC{sub.id:08X}",
                olt=olt,
                slot=1,
                port=1,
                onu_index=sub.id % 128,
                subscription=sub,
                connection_type=ConnectionType.PPPOE,
            )
        )
        session.add(
            Charge(
                customer=customer,
                contract=sub.contract,
                description="Mensalidade",
                amount=Decimal("99.90"),
                due_on=date(2026, 1, 10) + timedelta(days=sub.id),
            )
        )
    session.commit()


@pytest.fixture
def olt(db_session):
    olt = Olt(name="OLT", vendor=OltVendor.HUAWEI, host="10.0.0.1", username="u", password="s")
    db_session.add(olt)
    db_session.commit()
    return olt


LIST_PAGES = [
    "/customerview/list/",
    "/subscriptionlistview/list/",
    "/contractlistview/list/",
    "/chargelistview/list/",
    "/onuview/list/",
    "/oltview/list/",
]


@pytest.mark.parametrize("url", LIST_PAGES)
def test_list_page_query_count_does_not_grow_with_rows(app, db_session, login_as, olt, url):
    client = login_as("admin")
    add_rows(db_session, 2, olt)
    client.get(url)  # anything done once per process is out of the way
    with counted(app) as few:
        assert client.get(url).status_code == 200
    add_rows(db_session, 10, olt)
    with counted(app) as many:
        response = client.get(url)
    assert response.status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_customer_page_query_count_does_not_grow_with_plans(app, db_session, login_as):
    client = login_as("admin")
    customer = make_customer(db_session)
    make_subscription(db_session, customer=customer, access_point=make_access_point(db_session))
    db_session.commit()
    url = f"/customers/{customer.id}/?tab=planos"
    client.get(url)
    with counted(app) as few:
        assert client.get(url).status_code == 200
    for _ in range(6):
        make_subscription(
            db_session,
            customer=customer,
            plan=make_plan(db_session),
            access_point=make_access_point(db_session),
        )
    db_session.commit()
    with counted(app) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few), "\n".join(many)


def test_permission_checks_cost_one_query_per_request(app, db_session, login_as):
    """Each menu entry's permission check used to be a query of its own (~40 a page)."""
    client = login_as("suporte")
    client.get("/customerview/list/")
    with counted(app) as statements:
        assert client.get("/customerview/list/").status_code == 200
    permission_queries = [s for s in statements if "ab_permission_view" in s]
    assert len(permission_queries) == 1


# --------------------------------------------------------------------------- paging


def _ids(rows) -> list[int]:
    return [row.id for row in rows]


@pytest.mark.parametrize(("order", "direction"), [("name", "asc"), ("name", "desc"), ("", "")])
def test_deep_pages_return_the_same_rows_as_offset_paging(app, db_session, order, direction):
    """A deep page (ids first, then rows) shows exactly what FAB's OFFSET page shows."""
    for i in range(23):
        # Repeated names: the id breaks the ties, in both paths.
        make_customer(db_session, name=f"Cliente {i % 5}")
    db_session.commit()
    with app.test_request_context():
        panel, plain = PanelInterface(Customer), SQLAInterface(Customer)
        panel.DEFERRED_FROM = 1  # every page but the first takes the deep path
        for page in range(5):
            count, rows = panel.query(None, order, direction, page=page, page_size=5)
            expected_count, expected = plain.query(None, order, direction, page=page, page_size=5)
            assert count == expected_count == 23
            if order:
                assert _ids(rows) == _ids(expected)
            else:
                assert set(_ids(rows)) <= {c.id for c in db_session.query(Customer)}
                assert len(rows) == len(expected)


def test_deep_page_through_the_screen(app, db_session, login_as, monkeypatch):
    monkeypatch.setattr(PanelInterface, "DEFERRED_FROM", 1)
    names = [f"Pessoa {i:02d}" for i in range(30)]
    for name in names:
        make_customer(db_session, name=name)
    db_session.commit()
    client = login_as("admin")
    page = client.get("/customerview/list/?page_CustomerView=2&psize_CustomerView=10")
    text = page.get_data(as_text=True)
    assert all(name in text for name in names[20:30])
    assert not any(name in text for name in names[:20])


def test_filtered_count_is_exact_below_the_cap_and_estimated_above(app, db_session):
    for i in range(12):
        make_customer(db_session, name=f"Silva {i}")
    make_customer(db_session, name="Outro Nome")
    db_session.commit()
    with app.test_request_context():
        from flask_appbuilder.models.sqla.filters import FilterContains

        panel = PanelInterface(Customer)
        filters = panel.get_filters(["name"])
        filters.add_filter("name", FilterContains, "silva")
        count, rows = panel.query(filters, "name", "asc", page_size=5)
        assert count == 12
        assert len(rows) == 5
        panel.COUNT_CAP = 4
        count, _ = panel.query(filters, "name", "asc", page_size=5)
        if db.engine.dialect.name == "postgresql":
            # Counting stops at the cap; the planner's estimate stands for the rest.
            assert count >= 5
        else:
            assert count == 12  # SQLite always counts exactly


# --------------------------------------------------------------------------- search


def test_find_customers_by_name_document_login_and_serial(app, db_session, login_as, olt):
    add_rows(db_session, 3, olt)
    company = make_customer(
        db_session, name="Mercadinho 100%_Real Ltda", kind=CustomerKind.COMPANY, document=cnpj()
    )
    db_session.commit()
    first = db_session.query(Customer).order_by(Customer.id).first()
    login = db_session.query(RadiusLogin).order_by(RadiusLogin.id).first()
    onu = db_session.query(Onu).order_by(Onu.id).first()
    client = login_as("suporte")

    def found(term: str) -> list[int]:
        response = client.get("/customers/find", query_string={"q": term})
        assert response.status_code == 200
        return [row["id"] for row in response.json]

    assert found(first.name[3:]) == [first.id]
    assert found(first.document[:9]) == [first.id]
    assert found(f"{first.document[:3]}.{first.document[3:6]}.{first.document[6:9]}") == [
        first.id
    ]
    owner = login.subscription.customer_id
    assert found(login.username) == [owner]
    assert found(onu.serial[-6:].lower()) == [onu.subscription.customer_id]
    # Wildcards are literal; two characters find nothing.
    assert found("100%_Real") == [company.id]
    assert found("0%_R") == [company.id]
    assert found("%%%") == []
    assert found("Me") == []


def test_find_costs_the_same_whatever_it_matches(app, db_session, login_as, olt):
    add_rows(db_session, 2, olt)
    client = login_as("suporte")
    client.get("/customers/find?q=Cliente")
    with counted(app) as few:
        client.get("/customers/find?q=Cliente")
    add_rows(db_session, 10, olt)
    with counted(app) as many:
        response = client.get("/customers/find?q=Cliente")
    assert len(response.json) == 12
    assert len(many) == len(few)
