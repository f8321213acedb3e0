"""The ISP panel: a Flask-AppBuilder app for a Brazilian fibre ISP's staff.

``create_app`` builds a fresh app (and a fresh AppBuilder, so tests can make several).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import RADIUS_BIND, PanelSession, csrf, db, migrate

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the panel's Flask app.

    Args:
        overrides: settings applied after the environment's (tests use this).

    Returns:
        The configured app, its views registered.
    """
    from app.services.audit import install_audit
    from config import Config

    app = Flask(__name__)
    app.config.update(Config().as_dict())
    if overrides:
        app.config.update(overrides)
    radius_url = app.config.get("RADIUS_DATABASE_URL")
    if radius_url:
        app.config.setdefault("SQLALCHEMY_BINDS", {})[RADIUS_BIND] = radius_url

    db.init_app(app)
    install_audit(PanelSession)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), compare_type=True)
    csrf.init_app(app)

    from app.security.manager import PanelSecurityManager
    from app.views.index import PanelIndexView

    with app.app_context():
        appbuilder = AppBuilder(
            security_manager_class=PanelSecurityManager, indexview=PanelIndexView
        )
        appbuilder.init_app(app, db.session)

        from app.api import register_apis
        from app.api.openapi import register_openapi
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
        register_openapi(appbuilder)
        if app.config.get("PANEL_BENCH"):
            from bench.baseline import install_bench_mode

            install_bench_mode(app, appbuilder)
        appbuilder.post_init()

    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.security.guards import register_request_guards

    register_cli(app)
    register_error_handlers(app)
    register_request_guards(app)
    return app
