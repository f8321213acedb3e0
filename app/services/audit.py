"""The audit trail: every create, update and delete of the panel's records is written to
``audit_logs`` in the same transaction, whoever made it (view, API, job or CLI).

It hooks SQLAlchemy's flush, so no caller can forget it. Who and from where comes from
:func:`audit_context` (jobs and the CLI) or from the current request (views and API).
Secret values are masked.
"""

from __future__ import annotations

import contextvars
import enum
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session, configure_mappers

from app.models import AuditLog
from app.models.base import EncryptedString, utcnow

# Tables never audited: the logs themselves, drafts, logins (a log of their own), and
# what FreeRADIUS writes.
NOT_AUDITED = {
    "audit_logs",
    "customer_access_logs",
    "subscription_drafts",
    "user_sessions",
    "radacct",
    "radpostauth",
}
SECRET_NAMES = ("password", "secret", "wpa2_key", "community", "token")
MASK = "***"


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which channel (view, api, job, cli)."""

    source: str
    user_id: int | None = None
    username: str | None = None
    reason: str | None = None


_actor: contextvars.ContextVar[Actor | None] = contextvars.ContextVar("audit_actor", default=None)


@contextmanager
def audit_context(
    source: str, user_id: int | None = None, username: str | None = None, reason: str | None = None
) -> Iterator[None]:
    """Attribute the changes made inside the block to ``username`` via ``source``."""
    token = _actor.set(Actor(source, user_id, username, reason))
    try:
        yield
    finally:
        _actor.reset(token)


@contextmanager
def audit_reason(reason: str) -> Iterator[None]:
    """Attach a reason (e.g. why a fine changed) to the changes made inside the block."""
    current = current_actor()
    token = _actor.set(Actor(current.source, current.user_id, current.username, reason))
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor() -> Actor:
    """The actor of the changes being made now."""
    actor = _actor.get()
    if actor is not None:
        return actor
    from flask import has_request_context, request

    if has_request_context():
        from flask_jwt_extended import current_user as current_user_jwt
        from flask_login import current_user

        source = "api" if request.path.startswith("/api/") else "view"
        user = None
        if getattr(current_user, "is_authenticated", False):
            user = current_user
        else:
            try:
                user = current_user_jwt if current_user_jwt else None
            except Exception:  # noqa: BLE001 - no JWT in this request
                user = None
        if user is not None:
            return Actor(source, getattr(user, "id", None), getattr(user, "username", None))
        return Actor(source)
    return Actor("cli")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    return value


def _is_secret(mapper, key: str) -> bool:
    column = mapper.columns.get(key)
    if column is not None and isinstance(column.type, EncryptedString):
        return True
    return any(name in key for name in SECRET_NAMES)


def _changes(obj, action: str) -> dict:
    state = inspect(obj)
    mapper = state.mapper
    changes: dict[str, dict] = {}
    for attr in mapper.column_attrs:
        key = attr.key
        history = state.attrs[key].history
        if action == "create":
            value = getattr(obj, key)
            if value is None:
                continue
            before, after = None, value
        elif action == "delete":
            before, after = getattr(obj, key, None), None
        else:
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
            if before == after:
                continue
        if key in ("version", "updated_at", "created_at") and action == "update":
            continue
        if _is_secret(mapper, key):
            before = MASK if before is not None else None
            after = MASK if after is not None else None
        changes[key] = {"before": _plain(before), "after": _plain(after)}
    return changes


def _audited(obj) -> bool:
    table = getattr(obj, "__tablename__", None)
    return table is not None and table not in NOT_AUDITED and not table.startswith("ab_")


def _before_flush(session: Session, flush_context, instances) -> None:
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.new:
        if _audited(obj):
            pending.append(("create", obj, None))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            pending.append(("update", obj, _changes(obj, "update")))
    for obj in session.deleted:
        if _audited(obj):
            pending.append(("delete", obj, _changes(obj, "delete")))


def _after_flush(session: Session, flush_context) -> None:
    pending = session.info.pop("audit_pending", [])
    if not pending:
        return
    actor = current_actor()
    rows = []
    for action, obj, changes in pending:
        if action == "create":
            changes = _changes(obj, "create")
        if action == "update" and not changes:
            continue
        # A row this flush inserted gets its identity only after after_flush: read its
        # key from the instance, or its creation would not be found by record.
        state = inspect(obj)
        identity = state.identity or state.mapper.primary_key_from_instance(obj)
        if any(value is None for value in identity):
            identity = None
        rows.append(
            {
                "at": utcnow(),
                "user_id": actor.user_id,
                "username": actor.username,
                "source": actor.source,
                "action": action,
                "table_name": obj.__tablename__,
                "record_id": ",".join(str(i) for i in identity) if identity else None,
                "changes": changes,
                "reason": actor.reason,
            }
        )
    if rows:
        connection = session.connection(bind_arguments={"mapper": inspect(AuditLog)})
        connection.execute(insert(AuditLog.__table__), rows)


def _load_old_values() -> None:
    """Make each audited column load its old value when set while expired (after a
    commit), so "before" is always known."""
    from app.models import Model, RadiusModel

    configure_mappers()
    for registry in (Model.registry, RadiusModel.registry):
        for mapper in registry.mappers:
            if mapper.local_table.name in NOT_AUDITED:
                continue
            for prop in mapper.column_attrs:
                mapper.class_manager[prop.key].impl.active_history = True


def install_audit(session_class: type[Session]) -> None:
    """Hook the audit trail into every session of ``session_class``."""
    if not event.contains(session_class, "before_flush", _before_flush):
        _load_old_values()
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)
