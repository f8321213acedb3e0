"""Benchmark mode: what ``PANEL_BENCH=1`` adds to the app (never set in production).

- **Baseline screens**: a plain Flask-AppBuilder ``ModelView`` per big table, under
  ``/baseline/<table>/list/``, with the same columns, search columns and order as the
  panel's own screen but none of its work (FAB's ``SQLAInterface``: exact ``count(*)``,
  ``OFFSET`` paging, one query per related record shown). This is what a FAB user gets
  for free, and what ``bench/http.py`` compares the panel with.
- **SQL count**: each response carries ``X-Query-Count``, the statements the request
  sent to the database (a ``before_cursor_execute`` listener), so the benchmark reports
  queries per request from the real server.

Only :func:`install_bench_mode`, called by :func:`app.create_app` when the
``PANEL_BENCH`` setting is on (development mode only), registers any of this.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context
from flask_appbuilder import ModelView
from flask_appbuilder.models.sqla.interface import SQLAInterface
from sqlalchemy import event

from app.extensions import db
from app.models import AuditLog, Charge, Customer, Onu, RadiusLogin, Subscription
from app.security import permissions as p

QUERY_COUNT_HEADER = "X-Query-Count"


def _baseline(model, permission: str, columns: list[str], search: list[str], order=None):
    """A plain ``ModelView`` class on ``model`` sharing the panel screen's read permission.

    Enum columns are left out of ``search`` because FAB's own enum filter expects member
    names where the panel stores values (the panel's screens add their own fields), and
    so are relations to customers and contracts: FAB renders every one of them into the
    search form's drop-down, which takes seconds at 20 000 customers and does not finish
    usefully at a million (the panel asks for their number instead).
    """
    attributes = {
        "datamodel": SQLAInterface(model),
        "route_base": f"/baseline/{model.__tablename__}",
        "class_permission_name": permission,
        # The panel's role matrix already grants these (FAB_UPDATE_PERMS stays off).
        "method_permission_name": p.READ_ONLY_VIEW_PERMISSIONS,
        "include_route_methods": {"list", "show"},
        "list_columns": columns,
        "search_columns": search,
        "page_size": 25,
    }
    if order:
        attributes["base_order"] = order
    return type(f"Baseline{model.__name__}View", (ModelView,), attributes)


BASELINE_VIEWS = [
    _baseline(
        Customer,
        p.CUSTOMER,
        ["name", "document", "kind", "email", "mobile", "active"],
        ["name", "document", "email", "phone", "mobile", "active"],
        ("name", "asc"),
    ),
    _baseline(
        Subscription,
        p.SUBSCRIPTION,
        ["id", "customer", "plan", "status", "access_point", "first_activated_on"],
        ["plan", "access_point", "city", "first_activated_on"],
    ),
    _baseline(
        Charge,
        p.CHARGE,
        ["customer", "contract", "description", "amount", "due_on", "status"],
        ["due_on"],
        ("due_on", "desc"),
    ),
    _baseline(
        Onu,
        p.ONU,
        ["serial", "model", "olt", "slot", "port", "onu_index", "subscription", "state"],
        ["serial", "olt", "pppoe_login"],
    ),
    _baseline(
        RadiusLogin,
        p.SUBSCRIPTION,
        ["username", "subscription", "blocked"],
        ["username"],
    ),
    _baseline(
        AuditLog,
        p.AUDIT_LOG,
        ["at", "username", "source", "action", "table_name", "record_id"],
        ["username", "source", "action", "table_name", "record_id", "at"],
        ("at", "desc"),
    ),
]


def _count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_request_context():
        g.bench_queries = g.get("bench_queries", 0) + 1


def install_bench_mode(app: Flask, appbuilder) -> None:
    """Register the baseline screens and the per-request SQL count on ``app``."""
    for view in BASELINE_VIEWS:
        appbuilder.add_view_no_menu(view)
    for engine in db.engines.values():
        if not event.contains(engine, "before_cursor_execute", _count_statement):
            event.listen(engine, "before_cursor_execute", _count_statement)

    @app.after_request
    def _query_count_header(response):
        response.headers[QUERY_COUNT_HEADER] = str(g.get("bench_queries", 0))
        return response
