"""Fixtures for the RADIUS driver: a fake NAS, and a real FreeRADIUS on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.support.fake_nas import FakeNas
from tests.support.freeradius import (
    FreeRadiusServer,
    ensure_radius_schema,
    freeradius_unavailable_reason,
    libpq_url,
    start_freeradius,
    temporary_database,
)

# A database on the test PostgreSQL where the postgres role may create others.
ADMIN_DATABASE_URL = os.environ.get(
    "RADIUS_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
FREERADIUS_SECRET = "freeradius-test-secret"
# A NAS registered in the ``nas`` table rather than clients.conf: FreeRADIUS
# reads it at startup because the rendered sql module says read_clients = yes.
TABLE_NAS_ADDRESS = "127.0.0.2"
TABLE_NAS_SECRET = "secret-from-nas-table"


@pytest.fixture
def fake_nas() -> Iterator[FakeNas]:
    """A NAS on 127.0.0.1 that answers CoA/Disconnect with an ACK until told otherwise."""
    with FakeNas(secret="nas-secret") as nas:
        yield nas


@pytest.fixture(scope="session")
def freeradius_available() -> None:
    reason = freeradius_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def radius_database_url(freeradius_available: None) -> Iterator[str]:
    """URL of a PostgreSQL database of its own, with the FreeRADIUS schema, dropped at the end."""
    with temporary_database(ADMIN_DATABASE_URL) as url:
        ensure_radius_schema(url)
        yield url


@pytest.fixture(scope="session")
def freeradius(
    radius_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FreeRadiusServer]:
    """A real FreeRADIUS reading radius_database_url, shared by the session's tests."""
    with psycopg.connect(libpq_url(radius_database_url), autocommit=True) as connection:
        connection.execute(
            "INSERT INTO nas (nasname, shortname, type, secret, description)"
            " VALUES (%s, 'concentrador-2', 'other', %s, 'test NAS')",
            (TABLE_NAS_ADDRESS, TABLE_NAS_SECRET),
        )
    server = start_freeradius(
        radius_database_url,
        secret=FREERADIUS_SECRET,
        work_dir=Path(tmp_path_factory.mktemp("freeradius")),
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def radius_db(radius_database_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the FreeRADIUS database, as the panel would write it."""
    with psycopg.connect(libpq_url(radius_database_url), autocommit=True) as connection:
        yield connection
