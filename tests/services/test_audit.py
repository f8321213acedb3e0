"""The audit trail records every change, from views, the API and the CLI, with secrets
masked; nobody can change it from the app."""

from __future__ import annotations

import re
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
    assert create.record_id == update.record_id == delete.record_id == str(plan.id)
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


# ------------------------------------------------------------- a change through each channel


def test_a_customer_edited_on_its_screen_is_recorded_with_before_and_after(login_as,
                                                                          db_session):
    from tests.factories import make_customer

    customer = make_customer(db_session, name="Nome Antigo")
    db_session.commit()
    response = login_as("suporte").post(
        f"/customerview/edit/{customer.id}",
        data={
            "kind": customer.kind.name.lower(),
            "name": "Nome Novo",
            "document": customer.document,
            "version": str(customer.version),
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    (entry,) = [e for e in _entries(db_session, "customers") if e.action == "update"]
    assert (entry.source, entry.username, entry.record_id) == ("view", "suporte", str(customer.id))
    assert entry.changes["name"] == {"before": "Nome Antigo", "after": "Nome Novo"}
    assert entry.at is not None


def test_a_customer_edited_through_the_api_is_recorded(api, db_session):
    from tests.factories import make_customer

    customer = make_customer(db_session, name="Antes da API")
    db_session.commit()
    response = api("suporte").put(f"/api/v1/customers/{customer.id}", json={"name": "Pela API"})
    assert response.status_code == 200, response.json
    (entry,) = [e for e in _entries(db_session, "customers") if e.action == "update"]
    assert (entry.source, entry.username) == ("api", "suporte")
    assert entry.changes["name"] == {"before": "Antes da API", "after": "Pela API"}


def test_a_subscription_changed_by_a_job_names_the_job(app, db_session):
    from datetime import timedelta

    from app.jobs.speed import end_provisional_speed
    from app.models.base import utcnow
    from tests.factories import make_subscription

    # The end RQ's scheduler starts the job at; in the future, so that the in-process
    # sweep of due work does not end it first.
    until = (utcnow() + timedelta(hours=1)).replace(microsecond=0)
    subscription = make_subscription(db_session, provisional_until=until)
    db_session.commit()
    assert end_provisional_speed(subscription.id, until.isoformat()) is True
    (entry,) = [e for e in _entries(db_session, "subscriptions") if e.action == "update"]
    assert (entry.source, entry.username) == ("job", "job:end_provisional_speed")
    assert entry.record_id == str(subscription.id)
    assert entry.changes["provisional_until"]["after"] is None


def test_a_system_variable_written_by_the_cli_is_recorded_as_cli(app, db_session):
    from app.models import SystemVariable

    variable = db_session.query(SystemVariable).order_by(SystemVariable.code).first()
    code = variable.code
    db_session.delete(variable)
    db_session.commit()
    db_session.query(AuditLog).delete()
    db_session.commit()

    result = app.test_cli_runner().invoke(args=["panel", "init"])
    assert result.exit_code == 0, result.output
    db_session.expire_all()
    (entry,) = _entries(db_session, "system_variables")
    assert (entry.action, entry.source, entry.user_id) == ("create", "cli", None)
    assert entry.changes["code"]["after"] == code


def _listed(client, **filters) -> set[int]:
    """Ids of the audit entries the Audit trail screen lists for ``filters`` (equal to)."""
    body = client.get(
        "/auditlogview/list/", query_string={f"_flt_3_{k}": v for k, v in filters.items()}
    ).get_data(as_text=True)
    return {int(pk) for pk in re.findall(r'href="/auditlogview/show/(\d+)"', body)}


def test_the_trail_is_readable_per_record_and_searchable(login_as, db_session):
    with audit_context("cli", username="ops"):
        first = make_plan(db_session, name="Plano Um", price=Decimal("10.00"))
        second = make_plan(db_session, name="Plano Dois")
        db_session.commit()
        first.price = Decimal("12.34")
        db_session.commit()
    with audit_context("cli", username="outra"):
        second.name = "Plano Dois B"
        db_session.commit()
    entries = _entries(db_session, "plans")
    of_first = {e.id for e in entries if e.record_id == str(first.id)}
    assert len(of_first) == 2  # the creation and the price change
    client = login_as("admin")
    # One record's history: its table and key.
    assert _listed(client, table_name="plans", record_id=str(first.id)) == of_first
    # Everything one user did.
    assert _listed(client, username="ops") == {e.id for e in entries if e.username == "ops"}
    update = next(e for e in entries if e.id in of_first and e.action == "update")
    shown = client.get(f"/auditlogview/show/{update.id}").get_data(as_text=True)
    assert "12.34" in shown and "10.00" in shown


def test_only_admins_read_the_trail(login_as, api):
    for username in ("suporte", "tecnico", "financeiro", "leitura"):
        assert login_as(username).get("/auditlogview/list/").status_code == 403, username
        assert api(username).get("/api/v1/audit-log/").status_code == 403, username
