"""Error pages: a friendly page and an incident id, never a stack trace or SQL."""

from __future__ import annotations

import logging
import uuid

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger("app.incidents")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def register_error_handlers(app: Flask) -> None:
    """Install handlers that log unexpected errors with an incident id."""

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return exc
        incident = uuid.uuid4().hex[:12]
        log.exception("incident %s on %s %s", incident, request.method, request.path)
        try:
            from app.extensions import db

            db.session.rollback()
        except Exception:  # noqa: BLE001 - the page must render even if the session is gone
            log.exception("rollback after incident %s failed", incident)
        if _wants_json():
            return jsonify(message="Internal error", incident=incident), 500
        try:
            appbuilder = current_app.appbuilder
            page = render_template(
                "errors/500.html",
                incident=incident,
                appbuilder=appbuilder,
                base_template=appbuilder.base_template,
            )
        except Exception:  # noqa: BLE001 - fall back to plain text rather than fail again
            log.exception("error page for incident %s failed", incident)
            page = f"Erro interno. Incidente {incident}."
        return page, 500
