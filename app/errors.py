"""Error pages: a friendly page and an incident id, never a stack trace or SQL.

Unexpected errors are logged with an incident id the page shows; HTTP errors (404, 403,
405, 400 ...) get a short explanation in the user's language. Under ``/api/`` both
answer JSON (``{"message": ...}``) like the rest of the API.
"""

from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger("app.incidents")

# What each status means to someone using the panel.
HTTP_MESSAGES = {
    400: _l("The request could not be understood. Reload the page and try again."),
    401: _l("Log in to continue."),
    403: _l("You do not have permission to do this."),
    404: _l("This page does not exist, or the record was removed."),
    405: _l("This address does not accept this kind of request."),
    409: _l("The record changed meanwhile. Reload it and try again."),
    412: _l("The record changed since you read it; nothing was saved."),
    413: _l("What was sent is too large."),
    415: _l("The request is not in a format this address accepts."),
    422: _l("The data sent is not valid."),
    429: _l("Too many attempts. Wait a moment and try again."),
}
CSRF_MESSAGE = _l(
    "The form expired or did not come from this panel. Reload the page and try again."
)
GENERIC_MESSAGE = _l("The request could not be completed.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _page(template: str, fallback: str, **context) -> str:
    """Render an error page inside the panel's layout, or ``fallback`` text if that fails."""
    try:
        if not hasattr(g, "user"):
            # Errors raised before FAB's own request hook (routing, CSRF, the guards)
            # find no g.user, which the layout's menus read.
            g.user = current_user
        appbuilder = current_app.appbuilder
        return render_template(
            template, appbuilder=appbuilder, base_template=appbuilder.base_template, **context
        )
    except Exception:  # noqa: BLE001 - fall back to plain text rather than fail again
        log.exception("error page %s failed", template)
        return fallback


def http_error_message(exc: HTTPException) -> str:
    """The message shown for an HTTP error (never the exception's own English text)."""
    if isinstance(exc, CSRFError):
        return str(CSRF_MESSAGE)
    return str(HTTP_MESSAGES.get(exc.code or 500, GENERIC_MESSAGE))


def register_error_handlers(app: Flask) -> None:
    """Install handlers that explain HTTP errors and log unexpected ones with an id."""

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc  # redirects raised by routing (trailing slash ...)
        message = http_error_message(exc)
        if _wants_json():
            response = jsonify(message=message)
            response.status_code = exc.code
        else:
            body = _page("errors/http.html", message, status=exc.code, message=message)
            response = current_app.make_response((body, exc.code))
        # Keep what the client needs to act on the error (Allow on 405, Retry-After ...).
        for name, value in exc.get_headers():
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        incident = uuid.uuid4().hex[:12]
        log.exception("incident %s on %s %s", incident, request.method, request.path)
        try:
            from app.extensions import db

            db.session.rollback()
        except Exception:  # noqa: BLE001 - the page must render even if the session is gone
            log.exception("rollback after incident %s failed", incident)
        if _wants_json():
            return jsonify(message="Internal error", incident=incident), 500
        body = _page("errors/500.html", f"Erro interno. Incidente {incident}.", incident=incident)
        return body, 500
