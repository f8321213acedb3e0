"""``flask radius ...``: the FreeRADIUS sql settings for the database holding the RADIUS
tables, and the NAS clients command that refuses to write secrets unless told to."""

from __future__ import annotations

RADIUS_URL = "postgresql+psycopg://radius:s3cr3t@db.provedor.example:6543/freeradius"


def test_sql_settings_point_at_the_radius_database(make_app):
    own = make_app(RADIUS_DATABASE_URL=RADIUS_URL)

    result = own.test_cli_runner().invoke(args=["radius", "sql-settings"])

    assert result.exit_code == 0, result.output
    assert 'dialect = "postgresql"' in result.output
    assert "server = 'db.provedor.example'" in result.output
    assert "port = 6543" in result.output
    assert "login = 'radius'" in result.output and "password = 's3cr3t'" in result.output
    assert "radius_db = 'freeradius'" in result.output
    # The panel does not write NAS secrets into the nas table unless told to, so
    # FreeRADIUS is not told to read clients from it either.
    assert "read_clients = no" in result.output


def test_sql_settings_read_clients_follows_the_setting(make_app):
    own = make_app(RADIUS_DATABASE_URL=RADIUS_URL, RADIUS_READ_CLIENTS=True)

    result = own.test_cli_runner().invoke(args=["radius", "sql-settings"])

    assert "read_clients = yes" in result.output


def test_sql_settings_refuse_a_sqlite_panel_database(make_app):
    local = make_app(SQLALCHEMY_DATABASE_URI="sqlite:////tmp/panel-radius-cli.db")

    result = local.test_cli_runner().invoke(args=["radius", "sql-settings"])

    assert result.exit_code == 1
    assert "SQLite" in result.output


def test_sync_nas_refuses_without_read_clients(make_app, app):
    result = make_app().test_cli_runner().invoke(args=["radius", "sync-nas"])

    assert result.exit_code == 1
    assert "RADIUS_READ_CLIENTS" in result.output
