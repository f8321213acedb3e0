"""The schema comes from Alembic migrations, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app.models import Model, RadiusModel


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_builds_every_table(app, database_url):
    expected = set(Model.metadata.tables) | set(RadiusModel.metadata.tables)
    assert expected <= _tables(database_url)


def test_models_and_migrations_agree(app):
    """Autogenerate finds nothing to do: every model change has its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from app.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        from app.models.base import include_in_autogenerate

        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_object": include_in_autogenerate(conn.dialect.name),
            },
        )
        diff = compare_metadata(context, [Model.metadata, RadiusModel.metadata])
    assert diff == []


def test_upgrade_and_downgrade_from_empty(make_app, database_url):
    """A second, empty database goes up to head and back down to nothing."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'empty.db'}"
        drop = None
    else:
        from tests.conftest import _postgres_test_database

        url, drop = _postgres_test_database(os.environ["DATABASE_URL"])
    try:
        fresh = make_app(SQLALCHEMY_DATABASE_URI=url)
        with fresh.app_context():
            upgrade()
            assert {"customers", "contracts", "radcheck", "ab_user"} <= _tables(url)
            downgrade(revision="base")
        remaining = _tables(url) - {"alembic_version"}
        assert remaining == set()
    finally:
        if drop:
            drop()


def test_radius_tables_are_left_alone_when_radius_has_its_own_database(make_app, database_url):
    """With RADIUS_DATABASE_URL set, migrating the panel never creates the rad* tables."""
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'panel.db'}"
        radius_url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'radius.db'}"
        drop = None
    else:
        from tests.conftest import _postgres_test_database

        url, drop = _postgres_test_database(os.environ["DATABASE_URL"])
        radius_url = url  # same server; the point is which tables the panel creates
    try:
        fresh = make_app(SQLALCHEMY_DATABASE_URI=url, RADIUS_DATABASE_URL=radius_url)
        with fresh.app_context():
            upgrade()
        tables = _tables(url)
        assert "customers" in tables
        assert not {"radcheck", "radreply", "radacct", "nas"} & tables
    finally:
        if drop:
            drop()


def test_postgres_specific_types(app, database_url):
    """On PostgreSQL, FreeRADIUS's inet columns are real inet columns."""
    if not database_url.startswith("postgresql"):
        return
    from app.extensions import db

    with app.app_context():
        kind = db.session.execute(
            text(
                "SELECT data_type FROM information_schema.columns "
                "WHERE table_name = 'radacct' AND column_name = 'nasipaddress'"
            )
        ).scalar_one()
    assert kind == "inet"
