"""A real FreeRADIUS reading what the panel's service writes: real Access-Requests show a
login accepted with its plan's rate, the new rate after a plan change, the blocked
group's reply while suspended, and a rejection once deleted. Then the same against a
FreeRADIUS database of its own (``RADIUS_DATABASE_URL``).

Runs only on PostgreSQL (``DATABASE_URL=postgresql://...``) with Debian's
``freeradius`` and ``freeradius-postgresql`` installed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pyrad import packet
from pyrad.client import Client

from app.drivers.radius import access_request, load_dictionary
from app.models import RadiusLogin, RadiusRequestStatus
from app.models.system import PROVISIONAL_SPEED_DAYS
from app.services import radius
from tests.factories import make_plan
from tests.support.freeradius import (
    FreeRadiusServer,
    ensure_radius_schema,
    freeradius_unavailable_reason,
    libpq_url,
    start_freeradius,
    temporary_database,
)
from tests.support.radius import (
    FAST_RADIUS,
    configure_blocked_group,
    make_internet_subscription,
    make_nas,
)

pytestmark = pytest.mark.radius

SECRET = "panel-freeradius-secret"
PASSWORD = "s3nha-Forte"


def _postgresql_or_skip(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "FreeRADIUS reads the panel's tables over the network: this needs the test "
            "database on PostgreSQL (DATABASE_URL=postgresql://...), not SQLite"
        )
    reason = freeradius_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="module")
def freeradius(app, database_url, tmp_path_factory) -> Iterator[FreeRadiusServer]:
    """FreeRADIUS pointed at the panel's own (migrated) test database."""
    _postgresql_or_skip(database_url)
    server = start_freeradius(
        database_url, secret=SECRET, work_dir=Path(tmp_path_factory.mktemp("panel-freeradius"))
    )
    try:
        yield server
    finally:
        server.stop()


def try_login(server: FreeRadiusServer, username: str, password: str = PASSWORD, **options):
    return access_request(
        server.host,
        server.auth_port,
        server.secret,
        username,
        password,
        **{"timeout": 2.0, "retries": 1, **options},
    )


def test_login_created_by_the_panel_is_accepted_with_the_plans_rate(freeradius, db_session):
    subscription = make_internet_subscription(db_session, fixed_ip="187.45.2.3")
    db_session.commit()
    radius.create_login(subscription.id, "fr.aceito", PASSWORD)

    accepted, reply = try_login(freeradius, "fr.aceito")

    assert accepted
    assert reply == {
        "Mikrotik-Rate-Limit": ["150000k/300000k"],
        "Framed-IP-Address": ["187.45.2.3"],
    }
    assert try_login(freeradius, "fr.aceito", "senha-errada") == (False, {})


def test_after_a_plan_change_the_new_rate_comes_back(freeradius, db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "fr.muda", PASSWORD)
    assert try_login(freeradius, "fr.muda")[1]["Mikrotik-Rate-Limit"] == ["150000k/300000k"]

    # As the plan change would do it: the new plan and the RADIUS rows in one transaction.
    subscription.plan = make_plan(db_session, download_kbps=600_000, upload_kbps=300_000)
    radius.apply_plan_change(subscription)
    db_session.commit()
    radius.dispatch_pending()

    accepted, reply = try_login(freeradius, "fr.muda")
    assert accepted and reply["Mikrotik-Rate-Limit"] == ["300000k/600000k"]


def test_a_suspended_login_gets_the_blocked_groups_reply(freeradius, db_session):
    subscription = make_internet_subscription(db_session)
    configure_blocked_group(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "fr.bloqueado", PASSWORD)

    radius.block_login(subscription.id)

    accepted, reply = try_login(freeradius, "fr.bloqueado")
    assert accepted
    assert reply == {
        "Mikrotik-Rate-Limit": ["1M/1M"],
        "Mikrotik-Address-List": ["bloqueados"],
    }

    radius.unblock_login(subscription.id)
    assert try_login(freeradius, "fr.bloqueado") == (
        True,
        {"Mikrotik-Rate-Limit": ["150000k/300000k"]},
    )


def test_a_deleted_login_is_rejected_and_its_session_dropped(
    freeradius, db_session, fake_nas, radius_inline
):
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas)
    db_session.commit()
    radius.create_login(subscription.id, "fr.apagado", PASSWORD)
    assert try_login(freeradius, "fr.apagado")[0]
    # The NAS tells FreeRADIUS the session started; FreeRADIUS writes radacct.
    session_id = uuid.uuid4().hex[:8]
    _account(freeradius, "fr.apagado", session_id, "Start", framed_ip="100.64.5.5")
    [online] = radius.login_sessions("fr.apagado")
    assert online.online and online.ip_address == "100.64.5.5"

    deletion = radius.request_login_deletion(db_session.query(RadiusLogin).one().id)

    assert try_login(freeradius, "fr.apagado") == (False, {})
    [sent] = fake_nas.requests
    assert sent.is_disconnect and sent.attributes["Acct-Session-Id"] == [session_id]
    db_session.expire_all()
    assert [r.status for r in radius.recent_requests("fr.apagado")] == [RadiusRequestStatus.ACK]
    assert deletion.request_ids


BLOCKED_REPLY = {"Mikrotik-Rate-Limit": ["1M/1M"], "Mikrotik-Address-List": ["bloqueados"]}


def test_the_panels_own_actions_reach_freeradius(
    freeradius, db_session, api, login_as, radius_inline
):
    """Through the API, the subscription actions and the Excluir screen, as staff use
    them: what FreeRADIUS answers after each step."""
    from app.services import cancellations, plan_changes
    from app.services import subscription_actions as actions
    from tests.support.actions import TODAY, build_subscription, set_variable

    data = build_subscription(db_session)
    sub_id = data["sub"].id
    configure_blocked_group(db_session)
    db_session.commit()
    set_variable(db_session, PROVISIONAL_SPEED_DAYS, "2")

    created = api("suporte").post(
        f"/api/v1/radius/subscriptions/{sub_id}/login",
        json={"username": "fr.acoes", "password": PASSWORD},
    )
    assert created.status_code == 201, created.json
    assert try_login(freeradius, "fr.acoes") == (True, {"Mikrotik-Rate-Limit": ["150000k/300000k"]})

    plan_changes.change_plan(sub_id, data["new_plan"].id, today=TODAY)
    assert try_login(freeradius, "fr.acoes") == (True, {"Mikrotik-Rate-Limit": ["300000k/600000k"]})

    actions.suspend(sub_id, today=TODAY)
    assert try_login(freeradius, "fr.acoes") == (True, BLOCKED_REPLY)

    granted = actions.restore_provisional_speed(sub_id)
    assert try_login(freeradius, "fr.acoes") == (True, {"Mikrotik-Rate-Limit": ["300000k/600000k"]})

    assert actions.end_provisional_speed(sub_id, now=granted.provisional_until)
    assert try_login(freeradius, "fr.acoes") == (True, BLOCKED_REPLY)

    actions.reactivate(sub_id)
    assert try_login(freeradius, "fr.acoes") == (True, {"Mikrotik-Rate-Limit": ["300000k/600000k"]})

    cancellations.cancel_subscription(sub_id, "Mudou de cidade", today=TODAY)
    assert try_login(freeradius, "fr.acoes") == (True, BLOCKED_REPLY)

    login_id = created.json["id"]
    deleted = login_as("tecnico").post(
        f"/radius/logins/{login_id}/delete", data={"confirm": "yes"}
    )
    assert deleted.status_code == 302
    assert try_login(freeradius, "fr.acoes") == (False, {})


def test_nas_records_become_freeradius_clients_with_read_clients_on(
    app, database_url, db_session, monkeypatch, tmp_path
):
    _postgresql_or_skip(database_url)
    monkeypatch.setitem(app.config, "RADIUS_READ_CLIENTS", True)
    make_nas(db_session, ip_address="127.0.0.3", name="BRAS Tabela", secret="do-painel")
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "fr.cliente", PASSWORD)
    # FreeRADIUS reads its clients when it starts.
    server = start_freeradius(database_url, secret=SECRET, work_dir=tmp_path)
    try:
        accepted, _reply = access_request(
            server.host,
            server.auth_port,
            "do-painel",
            "fr.cliente",
            PASSWORD,
            timeout=2.0,
            retries=1,
            source_address="127.0.0.3",
        )
    finally:
        server.stop()
    assert accepted


def _account(server: FreeRadiusServer, username: str, session_id: str, status: str, **kw):
    client = Client(
        server=server.host,
        acctport=server.acct_port,
        secret=server.secret.encode(),
        dict=load_dictionary(),
        retries=2,
        timeout=2,
    )
    request = client.CreateAcctPacket(
        User_Name=username,
        Acct_Status_Type=status,
        Acct_Session_Id=session_id,
        NAS_IP_Address="127.0.0.1",
        Framed_IP_Address=kw["framed_ip"],
    )
    assert client.SendPacket(request).code == packet.AccountingResponse


# --------------------------------------------------------------------------- own database


@pytest.fixture
def radius_database(app, database_url) -> Iterator[str]:
    """A second PostgreSQL database with FreeRADIUS's own schema, dropped afterwards."""
    _postgresql_or_skip(database_url)
    with temporary_database(database_url, prefix="panel_radius") as url:
        ensure_radius_schema(url)
        yield url


def _rows(url: str, username: str) -> list[tuple]:
    with psycopg.connect(libpq_url(url)) as connection:
        return connection.execute(
            "SELECT 'radcheck', attribute, value FROM radcheck WHERE username = %(u)s"
            " UNION ALL SELECT 'radreply', attribute, value FROM radreply WHERE username = %(u)s"
            " UNION ALL SELECT 'radusergroup', groupname, '' FROM radusergroup"
            " WHERE username = %(u)s ORDER BY 1, 2",
            {"u": username},
        ).fetchall()


def test_with_radius_database_url_the_rows_go_to_that_database(
    make_app, database_url, db_session, radius_database, tmp_path
):
    own = make_app(RADIUS_DATABASE_URL=radius_database, REDIS_URL=None)
    subscription = make_internet_subscription(db_session)
    db_session.commit()

    with own.app_context():
        radius.create_login(subscription.id, "fr.proprio", PASSWORD)

    assert _rows(radius_database, "fr.proprio") == [
        ("radcheck", "Cleartext-Password", PASSWORD),
        ("radreply", "Mikrotik-Rate-Limit", "150000k/300000k"),
        ("radusergroup", radius.ACTIVE_GROUP, ""),
    ]
    # Nothing of it in the panel's database, apart from the panel's own record.
    assert _rows(database_url, "fr.proprio") == []
    assert db_session.query(RadiusLogin).filter_by(username="fr.proprio").count() == 1

    server = start_freeradius(radius_database, secret=SECRET, work_dir=tmp_path)
    try:
        assert try_login(server, "fr.proprio") == (
            True,
            {"Mikrotik-Rate-Limit": ["150000k/300000k"]},
        )
        with own.app_context():
            login_id = db_session.query(RadiusLogin).filter_by(username="fr.proprio").one().id
            radius.request_login_deletion(login_id)
        assert try_login(server, "fr.proprio") == (False, {})
    finally:
        server.stop()
    assert _rows(radius_database, "fr.proprio") == []


def _schema(url: str) -> dict[str, list[tuple]]:
    """Tables, columns and indexes of a database's public schema."""
    with psycopg.connect(libpq_url(url)) as connection:
        return {
            "columns": connection.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public' ORDER BY 1, 2"
            ).fetchall(),
            "indexes": connection.execute(
                "SELECT tablename, indexname FROM pg_indexes WHERE schemaname = 'public'"
                " ORDER BY 1, 2"
            ).fetchall(),
        }


def test_migrating_the_panel_never_touches_the_radius_database(
    make_app, database_url, radius_database
):
    from flask_migrate import upgrade

    from tests.conftest import _postgres_test_database

    before = _schema(radius_database)
    panel_url, drop = _postgres_test_database(database_url)
    try:
        fresh = make_app(SQLALCHEMY_DATABASE_URI=panel_url, RADIUS_DATABASE_URL=radius_database)
        with fresh.app_context():
            upgrade()

        assert _schema(radius_database) == before  # no alembic_version, no panel table
        panel_tables = {table for table, _column, _type in _schema(panel_url)["columns"]}
        assert {"customers", "radius_logins", "radius_requests", "alembic_version"} <= panel_tables
        assert not {"radcheck", "radreply", "radusergroup", "radacct", "nas"} & panel_tables
    finally:
        drop()


def test_with_radius_database_url_sessions_blocking_and_coa_use_that_database(
    make_app, database_url, db_session, radius_database, fake_nas, tmp_path
):
    from app.services import subscription_actions as actions

    own = make_app(RADIUS_DATABASE_URL=radius_database, REDIS_URL=None, **FAST_RADIUS)
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas)
    db_session.commit()
    with psycopg.connect(libpq_url(radius_database), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES"
            " ('bloqueado', 'Mikrotik-Rate-Limit', ':=', '1M/1M'),"
            " ('bloqueado', 'Mikrotik-Address-List', ':=', 'bloqueados')"
        )
    server = start_freeradius(radius_database, secret=SECRET, work_dir=tmp_path)
    try:
        with own.app_context():
            radius.create_login(subscription.id, "fr.sessao", PASSWORD)
        # The NAS reports the session to FreeRADIUS, which writes radacct in its database.
        session_id = uuid.uuid4().hex[:8]
        _account(server, "fr.sessao", session_id, "Start", framed_ip="100.64.6.6")

        with own.app_context():
            [online] = radius.login_sessions("fr.sessao")
            assert (online.online, online.ip_address, online.acct_session_id) == (
                True,
                "100.64.6.6",
                session_id,
            )
            actions.suspend(subscription.id)

        assert _rows(radius_database, "fr.sessao")[-1] == ("radusergroup", "bloqueado", "")
        assert try_login(server, "fr.sessao") == (
            True,
            {"Mikrotik-Rate-Limit": ["1M/1M"], "Mikrotik-Address-List": ["bloqueados"]},
        )
    finally:
        server.stop()
    # The session open in the RADIUS database got its CoA with the blocked group's reply.
    [coa] = fake_nas.requests
    assert coa.code == packet.CoARequest
    assert coa.attributes["Acct-Session-Id"] == [session_id]
    assert coa.attributes["Mikrotik-Rate-Limit"] == ["1M/1M"]
    # The panel's own database holds none of it.
    assert _rows(database_url, "fr.sessao") == []
    with psycopg.connect(libpq_url(database_url)) as connection:
        assert connection.execute(
            "SELECT count(*) FROM radacct WHERE username = 'fr.sessao'"
        ).fetchone() == (0,)
