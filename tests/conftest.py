"""Shared fixtures: a freshly migrated database per test run, one user per role.

The database is the one ``DATABASE_URL`` names (PostgreSQL in CI: a throw-away
database is created next to it) or, by default, a SQLite file in a temporary folder.
Data written by a test is removed after it, so tests do not depend on each other.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

# The suite's one SNMP agent (snmpsim): driver tests and ONU status tests share it.
from tests.support.snmp_agent import snmp_agent  # noqa: F401 - a fixture

os.environ.setdefault("PANEL_ENV", "test")
os.environ.setdefault("INSTANCE_DIR", tempfile.mkdtemp(prefix="panel-instance-"))

PASSWORD = "Senha-de-teste-1!"
ROLE_USERS = {
    "admin": "Admin",
    "suporte": "Suporte",
    "tecnico": "Técnico",
    "financeiro": "Financeiro",
    "leitura": "Somente leitura",
    "semacesso": None,
}
# Kept between tests (FAB's own ab_* tables are kept too); everything else, seeded
# settings included, is emptied and seeded again, so a test that adds a payment method
# or changes a variable cannot leak into the next.
KEEP_TABLES = {"alembic_version"}


def _postgres_test_database(url: str) -> tuple[str, callable]:
    """Create a throw-away database on the server of ``url``; return its URL and a dropper."""
    base = make_url(url.replace("postgresql+psycopg://", "postgresql://", 1)).set(
        drivername="postgresql+psycopg"
    )
    name = f"panel_test_{secrets.token_hex(4)}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :n AND pid <> pg_backend_pid()"
                ),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """URL of the database this test run owns."""
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith(("postgres://", "postgresql")):
        test_url, drop = _postgres_test_database(url.replace("postgres://", "postgresql://", 1))
        yield test_url
        drop()
    else:
        folder = Path(tempfile.mkdtemp(prefix="panel-db-"))
        yield f"sqlite:///{folder / 'test.db'}"


TEST_SETTINGS = {
    "TESTING": True,
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    "SERVER_NAME": None,
    "SECRET_KEY": "test-secret-key-long-enough-for-hs256-jwt",
}


@pytest.fixture(scope="session")
def make_app(database_url):
    """Factory of apps on the test database, with settings overridden per test."""
    from app import create_app

    def make(**overrides):
        application = create_app(
            {**TEST_SETTINGS, "SQLALCHEMY_DATABASE_URI": database_url, **overrides}
        )
        application.before_request_funcs.setdefault(None, []).insert(0, _forget_user)
        return application

    return make


def _forget_user() -> None:
    """Forget the user cached in ``g`` by the previous request.

    A test that holds an app context open (to prepare rows) makes Flask reuse it, and
    with it ``g``, for every request of every test client; Flask-Login would then serve
    one client's user to another.
    """
    from flask import g

    g.pop("_login_user", None)
    g.pop("user", None)


@pytest.fixture(scope="session")
def app(make_app):
    """The migrated, initialised app shared by the test run."""
    from flask_migrate import upgrade

    from app.services.setup import initialise

    application = make_app()
    with application.app_context():
        upgrade()
        initialise()
        _create_role_users(application)
        from app.extensions import db
        from app.models import AuditLog

        db.session.query(AuditLog).delete()  # tests start with an empty trail
        db.session.commit()
    return application


def _create_role_users(application) -> None:
    sm = application.appbuilder.sm
    for username, role_name in ROLE_USERS.items():
        if sm.find_user(username=username):
            continue
        roles = [sm.find_role(role_name)] if role_name else []
        user = sm.add_user(
            username, username.title(), "Teste", f"{username}@teste.local", roles, password=PASSWORD
        )
        assert user, f"could not create {username}"


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    """Remove the rows a test wrote (FAB's security tables and seeded settings stay)."""
    yield
    if "app" not in request.fixturenames:
        return
    delete_test_rows(request.getfixturevalue("app"))


def delete_test_rows(application) -> None:
    """Delete every row of the panel's tables but FAB's and the seeded settings, re-seeded."""
    from app.extensions import db
    from app.models import Model, RadiusModel
    from app.services.setup import seed_payment_methods, seed_system_variables

    with application.app_context():
        db.session.rollback()
        tables = [*reversed(Model.metadata.sorted_tables), *RadiusModel.metadata.sorted_tables]
        for table in tables:
            if table.name.startswith("ab_") or table.name in KEEP_TABLES:
                continue
            db.session.execute(table.delete())
        seed_system_variables()
        seed_payment_methods()
        db.session.flush()
        # Re-seeding is audited too; the next test starts with an empty trail.
        db.session.execute(Model.metadata.tables["audit_logs"].delete())
        db.session.commit()


@pytest.fixture
def db_session(app):
    """The SQLAlchemy session inside an app context."""
    from app.extensions import db

    with app.app_context():
        yield db.session
        db.session.rollback()


@pytest.fixture
def client(app):
    """A test client of the shared app."""
    return app.test_client()


def login(client, username: str, password: str = PASSWORD):
    """Log a test client in through the login form."""
    return client.post("/login/", data={"username": username, "password": password})


@pytest.fixture
def login_as(app):
    """``login_as("suporte")`` returns a client logged in as that role's user."""

    def make(username: str):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make


@pytest.fixture
def api_token(app):
    """``api_token("admin")`` returns a JWT access token for that user."""

    def make(username: str) -> str:
        client = app.test_client()
        response = client.post(
            "/api/v1/security/login",
            json={"username": username, "password": PASSWORD, "provider": "db"},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json["access_token"]

    return make


@pytest.fixture
def api(app, api_token):
    """``api("financeiro")`` returns a small JSON client authenticated with a JWT."""

    class ApiClient:
        def __init__(self, username: str) -> None:
            self.client = app.test_client()
            self.headers = {"Authorization": f"Bearer {api_token(username)}"}

        def _headers(self, extra):
            return {**self.headers, **(extra or {})}

        def get(self, url, headers=None, **kw):
            return self.client.get(url, headers=self._headers(headers), **kw)

        def post(self, url, json=None, headers=None, **kw):
            return self.client.post(url, headers=self._headers(headers), json=json, **kw)

        def put(self, url, json=None, headers=None, **kw):
            return self.client.put(url, headers=self._headers(headers), json=json, **kw)

        def delete(self, url, headers=None, **kw):
            return self.client.delete(url, headers=self._headers(headers), **kw)

    return ApiClient
