"""Request guards that close gaps in Flask-AppBuilder's own routes."""

from __future__ import annotations

import re

from flask import Flask, Response, abort, current_app, request
from sqlalchemy import Integer

from app.validators import INT_MAX, INT_MIN

_INTEGER = re.compile(r"-?\d{1,10}")
# Static files may be cached; everything else is a page or answer about someone's data.
_CACHEABLE = ("/static/", "/appbuilder/")


def _view():
    return getattr(current_app.view_functions.get(request.endpoint or ""), "__self__", None)


def _unknown_action_is_not_found() -> None:
    """Answer 404 to ``/<view>/action/<name>/<pk>`` for an action the view lacks.

    FAB looks the action up before checking permissions and fails with a server error
    on an unknown name, even for an anonymous visitor.
    """
    endpoint = request.endpoint or ""
    if not endpoint.endswith(".action"):
        return
    view = _view()
    name = (request.view_args or {}).get("name")
    if view is not None and name not in getattr(view, "actions", {}):
        abort(404)


def _out_of_range_ids_are_not_found() -> None:
    """Answer 404 when an integer in the URL is too big for any key column.

    ``/<int:...>`` routes take any integer, and the database fails on one beyond 32
    bits (SQLite cannot even bind it) instead of finding nothing.
    """
    for value in (request.view_args or {}).values():
        if (
            isinstance(value, int)
            and not isinstance(value, bool)
            and not INT_MIN <= value <= INT_MAX
        ):
            abort(404)


def _malformed_key_is_not_found() -> None:
    """Answer 404 when a record key in the URL cannot be an integer key.

    FAB's screens and ``ModelRestApi`` take ``<pk>`` as text (or as any integer) and
    hand it to the database: PostgreSQL then fails on ``PUT /api/v1/customers/abc`` or on
    a number too big for the column, and the user got a server error, not "not found".
    """
    pk = (request.view_args or {}).get("pk")
    if pk is None:
        return
    datamodel = getattr(_view(), "datamodel", None)
    if datamodel is None or datamodel.is_pk_composite():
        return
    column = datamodel.list_columns.get(datamodel.get_pk_name())
    if column is None or not isinstance(column.type, Integer):
        return
    if isinstance(pk, str) and not _INTEGER.fullmatch(pk):
        abort(404)
    if not INT_MIN <= int(pk) <= INT_MAX:
        abort(404)


_PAGE_ARG = re.compile(r"\d{1,6}")
_FILTER_ARG = re.compile(r"_flt_\d+_(?P<column>\w+)")


def _view_named(name: str):
    return next((v for v in current_app.appbuilder.baseviews if type(v).__name__ == name), None)


def _list_arguments_are_valid() -> None:
    """Answer 400 to list arguments FAB's screens would fail on with a server error.

    FAB converts ``page_<View>`` and ``psize_<View>`` with ``int()``, orders by whatever
    ``_oc_<View>`` names, and hands an enum filter's value to the database unchecked.
    """
    datamodel = getattr(_view(), "datamodel", None)
    for key, value in request.args.items(multi=True):
        if key.startswith(("page_", "psize_")) and not _PAGE_ARG.fullmatch(value):
            abort(400)
        if key.startswith("_oc_"):
            view = _view_named(key[4:])
            if view is not None and value not in (getattr(view, "order_columns", None) or []):
                abort(400)
        match = _FILTER_ARG.fullmatch(key)
        if match and datamodel is not None and datamodel.is_enum(match["column"]):
            enum_class = datamodel.list_columns[match["column"]].type.enum_class
            if enum_class is not None and value not in {m.value for m in enum_class}:
                abort(400)


def _not_stored_by_browsers(response: Response) -> Response:
    """Pages and API answers hold customers' personal data: browsers and proxies must not
    keep them (the back button after logout, a shared computer). Static files may."""
    if not request.path.startswith(_CACHEABLE) and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response


def register_request_guards(app: Flask) -> None:
    """Install the guards before any other request hook."""
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks.insert(0, _list_arguments_are_valid)
    hooks.insert(0, _malformed_key_is_not_found)
    hooks.insert(0, _out_of_range_ids_are_not_found)
    hooks.insert(0, _unknown_action_is_not_found)
    app.after_request(_not_stored_by_browsers)
