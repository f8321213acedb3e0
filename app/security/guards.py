"""Request guards that close gaps in Flask-AppBuilder's own routes."""

from __future__ import annotations

from flask import Flask, abort, current_app, request


def _unknown_action_is_not_found() -> None:
    """Answer 404 to ``/<view>/action/<name>/<pk>`` for an action the view lacks.

    FAB looks the action up before checking permissions and fails with a server error
    on an unknown name, even for an anonymous visitor.
    """
    endpoint = request.endpoint or ""
    if not endpoint.endswith(".action"):
        return
    view = getattr(current_app.view_functions.get(endpoint), "__self__", None)
    name = (request.view_args or {}).get("name")
    if view is not None and name not in getattr(view, "actions", {}):
        abort(404)


def register_request_guards(app: Flask) -> None:
    """Install the guards before any other request hook."""
    app.before_request_funcs.setdefault(None, []).insert(0, _unknown_action_is_not_found)
