"""The benchmark generator fills a migrated PostgreSQL database (a small size, as a smoke
test that keeps it in step with the schema)."""

from __future__ import annotations

import pytest
from sqlalchemy import text


def test_generator_fills_every_table(app, database_url, db_session):
    if not database_url.startswith("postgresql"):
        pytest.skip("the generator uses PostgreSQL's COPY")
    from bench.generate import main

    main(["--customers", "300", "--database-url", database_url])
    counts = {
        table: db_session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
        for table in (
            "customers",
            "contracts",
            "subscriptions",
            "charges",
            "onus",
            "radius_logins",
            "radcheck",
            "audit_logs",
        )
    }
    assert counts == {
        "customers": 300,
        "contracts": 300,
        "subscriptions": 360,
        "charges": 3600,
        "onus": 240,
        "radius_logins": 300,
        "radcheck": 300,
        "audit_logs": 1500,
    }
    # Every generated document is valid, and the app reads the rows back.
    from app.models import Customer
    from app.validators import validate_document

    for customer in db_session.query(Customer).limit(50):
        assert validate_document(customer.document) == customer.document
    linked = db_session.execute(
        text("SELECT count(*) FROM onus WHERE subscription_id IS NOT NULL")
    ).scalar_one()
    assert linked == 240
