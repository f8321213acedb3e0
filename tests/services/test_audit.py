"""The audit trail records every change, from views, the API and the CLI, with secrets
masked; nobody can change it from the app."""

from __future__ import annotations

from decimal import Decimal

from app.models import AuditLog, Olt, OltVendor
from app.services.audit import audit_context
from tests.factories import make_plan


def _entries(session, table: str) -> list[AuditLog]:
    return session.query(AuditLog).filter_by(table_name=table).order_by(AuditLog.id).all()


def test_create_update_delete_are_recorded_with_before_and_after(db_session):
    with audit_context("cli", username="ops"):
        plan = make_plan(db_session, name="Fibra X", price=Decimal("99.90"))
        db_session.commit()
        plan.price = Decimal("109.90")
        db_session.commit()
        db_session.delete(plan)
        db_session.commit()
    create, update, delete = _entries(db_session, "plans")
    assert (create.action, create.source, create.username) == ("create", "cli", "ops")
    assert create.changes["price"] == {"before": None, "after": "99.90"}
    assert update.changes == {"price": {"before": "99.90", "after": "109.90"}}
    assert update.record_id == str(plan.id)
    assert delete.action == "delete"
    assert delete.changes["name"]["before"] == "Fibra X"


def test_secrets_are_masked(db_session):
    olt = Olt(name="OLT A", vendor=OltVendor.ZTE, host="10.0.0.2", username="u", password="segredo")
    db_session.add(olt)
    db_session.commit()
    olt.password = "outro-segredo"
    db_session.commit()
    create, update = _entries(db_session, "olts")
    assert create.changes["password"] == {"before": None, "after": "***"}
    assert update.changes["password"] == {"before": "***", "after": "***"}
    for entry in (create, update):
        assert "segredo" not in str(entry.changes)


def test_changes_through_a_screen_name_the_user(login_as, db_session):
    client = login_as("admin")
    response = client.post("/cityview/add", data={"name": "Sousa", "state": "PB"})
    assert response.status_code == 302
    (entry,) = _entries(db_session, "cities")
    assert (entry.source, entry.username, entry.action) == ("view", "admin", "create")


def test_changes_through_the_api_name_the_user(api, db_session):
    response = api("admin").post("/api/v1/cities/", json={"name": "Pombal", "state": "PB"})
    assert response.status_code == 201, response.json
    (entry,) = _entries(db_session, "cities")
    assert (entry.source, entry.username) == ("api", "admin")


def test_a_refused_change_leaves_no_audit_entry(api, db_session):
    response = api("admin").post("/api/v1/plans/", json={"name": "X", "price": "-5"})
    assert response.status_code == 422
    assert _entries(db_session, "plans") == []


def test_audit_log_cannot_be_changed_from_the_app(api, login_as, db_session):
    with audit_context("cli", username="ops"):
        make_plan(db_session)
        db_session.commit()
    entry = _entries(db_session, "plans")[0]
    admin_api = api("admin")
    assert admin_api.get(f"/api/v1/audit-log/{entry.id}").status_code == 200
    assert admin_api.put(f"/api/v1/audit-log/{entry.id}", json={"action": "x"}).status_code in (
        403,
        404,
        405,
    )
    assert admin_api.delete(f"/api/v1/audit-log/{entry.id}").status_code in (403, 404, 405)
    client = login_as("admin")
    assert client.get(f"/auditlogview/edit/{entry.id}").status_code in (302, 403, 404)
    assert client.post(f"/auditlogview/delete/{entry.id}").status_code in (302, 403, 404)
    assert db_session.query(AuditLog).filter_by(id=entry.id).one().action == "create"
