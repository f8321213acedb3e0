"""A real FreeRADIUS reading the panel's tables: what a PPPoE login gets back.

Rows are written straight into the FreeRADIUS tables with SQL, the way the
panel's services will write them, and a real Access-Request shows the result.
"""

from __future__ import annotations

import uuid

import pytest
from pyrad import packet
from pyrad.client import Client

from app.drivers.radius import (
    InvalidReplyError,
    RadiusTimeoutError,
    access_request,
    load_dictionary,
)
from tests.drivers.radius.conftest import FREERADIUS_SECRET, TABLE_NAS_ADDRESS, TABLE_NAS_SECRET
from tests.support.freeradius import start_freeradius

pytestmark = pytest.mark.radius


@pytest.fixture
def login() -> str:
    """A PPPoE login no other test uses."""
    return f"cliente-{uuid.uuid4().hex[:8]}"


def add_subscriber(db, username: str, password: str, rate_limit: str | None = None) -> None:
    db.execute(
        "INSERT INTO radcheck (username, attribute, op, value)"
        " VALUES (%s, 'Cleartext-Password', ':=', %s)",
        (username, password),
    )
    if rate_limit:
        db.execute(
            "INSERT INTO radreply (username, attribute, op, value)"
            " VALUES (%s, 'Mikrotik-Rate-Limit', '=', %s)",
            (username, rate_limit),
        )


def try_login(server, username: str, password: str, secret: str | None = None, **options):
    return access_request(
        server.host,
        server.auth_port,
        secret or server.secret,
        username,
        password,
        **{"timeout": 2.0, "retries": 1, **options},
    )


def test_subscriber_is_accepted_with_the_plan_rate_limit(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha-forte", rate_limit="100M/50M")

    accepted, reply = try_login(freeradius, login, "s3nha-forte")

    assert accepted
    assert reply == {"Mikrotik-Rate-Limit": ["100M/50M"]}


def test_wrong_password_is_rejected(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha-forte", rate_limit="100M/50M")

    accepted, reply = try_login(freeradius, login, "outra-senha")

    assert not accepted
    assert "Mikrotik-Rate-Limit" not in reply


def test_changing_radreply_changes_the_next_reply(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha", rate_limit="100M/50M")
    assert try_login(freeradius, login, "s3nha")[1]["Mikrotik-Rate-Limit"] == ["100M/50M"]

    radius_db.execute(
        "UPDATE radreply SET value = '300M/150M'"
        " WHERE username = %s AND attribute = 'Mikrotik-Rate-Limit'",
        (login,),
    )

    accepted, reply = try_login(freeradius, login, "s3nha")
    assert accepted
    assert reply["Mikrotik-Rate-Limit"] == ["300M/150M"]


def test_blocked_group_reply_replaces_the_plan(freeradius, radius_db, login):
    radius_db.execute(
        "INSERT INTO radgroupreply (groupname, attribute, op, value) VALUES"
        " ('bloqueado', 'Mikrotik-Address-List', ':=', 'bloqueados'),"
        " ('bloqueado', 'Mikrotik-Rate-Limit', ':=', '1M/1M')"
        " ON CONFLICT DO NOTHING"
    )
    add_subscriber(radius_db, login, "s3nha", rate_limit="100M/50M")
    radius_db.execute(
        "INSERT INTO radusergroup (username, groupname, priority) VALUES (%s, 'bloqueado', 1)",
        (login,),
    )

    accepted, reply = try_login(freeradius, login, "s3nha")

    assert accepted
    assert reply["Mikrotik-Address-List"] == ["bloqueados"]
    assert reply["Mikrotik-Rate-Limit"] == ["1M/1M"]

    radius_db.execute("DELETE FROM radusergroup WHERE username = %s", (login,))

    accepted, reply = try_login(freeradius, login, "s3nha")
    assert accepted
    assert reply == {"Mikrotik-Rate-Limit": ["100M/50M"]}


def test_deleted_subscriber_is_rejected(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha", rate_limit="100M/50M")
    assert try_login(freeradius, login, "s3nha")[0]

    radius_db.execute("DELETE FROM radreply WHERE username = %s", (login,))
    radius_db.execute("DELETE FROM radcheck WHERE username = %s", (login,))

    accepted, reply = try_login(freeradius, login, "s3nha")
    assert not accepted
    assert reply == {}


def test_every_login_attempt_is_logged_in_radpostauth(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha")

    try_login(freeradius, login, "s3nha")
    try_login(freeradius, login, "errada")

    replies = radius_db.execute(
        "SELECT reply FROM radpostauth WHERE username = %s ORDER BY id", (login,)
    ).fetchall()
    assert [row[0] for row in replies] == ["Access-Accept", "Access-Reject"]


def test_a_client_with_the_wrong_secret_gets_no_answer(freeradius, radius_db, login):
    add_subscriber(radius_db, login, "s3nha")

    with pytest.raises(RadiusTimeoutError):
        try_login(freeradius, login, "s3nha", timeout=0.5, retries=0, secret="wrong")


def test_nas_registered_in_the_nas_table_is_a_client(freeradius, radius_db, login):
    # The conftest put 127.0.0.2 in the nas table before FreeRADIUS started;
    # read_clients in the rendered sql module made it a client.
    add_subscriber(radius_db, login, "s3nha", rate_limit="20M/10M")

    accepted, reply = access_request(
        freeradius.host,
        freeradius.auth_port,
        TABLE_NAS_SECRET,
        login,
        "s3nha",
        timeout=2.0,
        retries=1,
        source_address=TABLE_NAS_ADDRESS,
    )

    assert accepted
    assert reply["Mikrotik-Rate-Limit"] == ["20M/10M"]


def test_accounting_start_and_stop_are_recorded_in_radacct(freeradius, radius_db, login):
    client = Client(
        server=freeradius.host,
        acctport=freeradius.acct_port,
        secret=freeradius.secret.encode(),
        dict=load_dictionary(),
        retries=2,
        timeout=2,
    )
    session = uuid.uuid4().hex[:8]

    def account(status: str, **attributes) -> None:
        request = client.CreateAcctPacket(
            User_Name=login,
            Acct_Status_Type=status,
            Acct_Session_Id=session,
            NAS_IP_Address="127.0.0.1",
            Framed_IP_Address="100.64.3.9",
            **attributes,
        )
        assert client.SendPacket(request).code == packet.AccountingResponse

    account("Start")
    started = radius_db.execute(
        "SELECT username, host(framedipaddress), acctstoptime FROM radacct"
        " WHERE acctsessionid = %s",
        (session,),
    ).fetchall()
    assert started == [(login, "100.64.3.9", None)]

    account("Stop", Acct_Session_Time=120, Acct_Terminate_Cause="Admin-Reset")
    stopped = radius_db.execute(
        "SELECT acctstoptime IS NOT NULL, acctsessiontime, acctterminatecause FROM radacct"
        " WHERE acctsessionid = %s",
        (session,),
    ).fetchall()
    assert stopped == [(True, 120, "Admin-Reset")]


def test_an_unsigned_accept_from_freeradius_3_2_1_is_refused_unless_allowed(
    radius_database_url, radius_db, login, tmp_path
):
    # Debian 12's FreeRADIUS 3.2.1 sends Access-Accept without a Message-Authenticator
    # unless its site adds one (BlastRADIUS, fixed by default from 3.2.5 on).
    add_subscriber(radius_db, login, "s3nha", rate_limit="100M/50M")
    server = start_freeradius(
        radius_database_url, secret=FREERADIUS_SECRET, work_dir=tmp_path, sign_replies=False
    )
    try:
        with pytest.raises(InvalidReplyError, match="sem Message-Authenticator"):
            try_login(server, login, "s3nha")

        accepted, reply = try_login(server, login, "s3nha", require_message_authenticator=False)
    finally:
        server.stop()

    assert accepted
    assert reply == {"Mikrotik-Rate-Limit": ["100M/50M"]}
