"""Shared column types and mixins for the panel's models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from flask_appbuilder import Model
from sqlalchemy import DateTime, Enum, Index, Integer, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.orm import Mapped, declarative_base, declared_attr, mapped_column

from app.crypto import decrypt, encrypt
from app.extensions import RADIUS_BIND

__all__ = [
    "Model",
    "RadiusModel",
    "Money",
    "EncryptedString",
    "TimestampMixin",
    "VersionedMixin",
    "enum_column",
    "is_versioned",
    "trigram_index",
    "prefix_index",
    "include_in_autogenerate",
    "utcnow",
    "aware",
]

# FAB's security tables are declared first, with the names their own migrations use;
# the convention below applies to the panel's tables only.
import flask_appbuilder.security.sqla.models  # noqa: E402,F401,I001

# Predictable constraint names, so a violation can be turned into a clear message
# (see app.services.errors) on SQLite and PostgreSQL alike.
Model.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Money is always exact: Numeric(12, 2) in the database and Decimal in Python.
Money = Numeric(12, 2, asdecimal=True)
ZERO = Decimal("0.00")

# FreeRADIUS tables get their own metadata so that they can live in a separate
# database (``RADIUS_DATABASE_URL``) that the panel never migrates.
RadiusModel = declarative_base(metadata=MetaData(info={"bind_key": RADIUS_BIND}))


def utcnow() -> datetime:
    """Current time in UTC, timezone-aware (every stored timestamp is UTC)."""
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite hands timestamps back naive, and every stored
    time is UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs):
    """An enum stored as its string value with a CHECK constraint, portable to SQLite."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        **kwargs,
    )


class EncryptedString(TypeDecorator):
    """A string stored encrypted (Fernet) and decrypted on read.

    Used for device secrets: OLT passwords, NAS secrets, Wi-Fi keys, SIP passwords.
    The key comes from the app configuration, so a dump of the database alone does
    not reveal them.
    """

    impl = String(512)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None or value == "":
            return value
        return encrypt(value)

    def process_result_value(self, value, dialect):
        if value is None or value == "":
            return value
        return decrypt(value)


class TimestampMixin:
    """Creation and last-update times, in UTC."""

    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, nullable=False
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow, nullable=False
    )


class VersionedMixin:
    """Optimistic locking: a save based on a stale row raises ``StaleDataError``.

    Two staff members editing the same record must never silently overwrite each other.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}


def is_versioned(model) -> bool:
    """Whether ``model`` counts versions (:class:`VersionedMixin`, optimistic locking)."""
    from sqlalchemy import inspect

    return inspect(model).version_id_col is not None


def short(value: str | None, size: int = 60) -> str:
    """Truncate a value for display in ``__str__``."""
    value = value or ""
    return value if len(value) <= size else value[: size - 1] + "…"


# --------------------------------------------------------------------------- indexes

TRIGRAM_DIALECT = "postgresql"


def _postgresql_index(name: str, column: str, **options: Any) -> Index:
    """An index that exists on PostgreSQL only.

    ``info["dialects"]`` tells Alembic's comparison (see :func:`include_in_autogenerate`)
    and ``ddl_if`` tells ``create_all`` to skip it elsewhere.
    """
    index = Index(name, column, info={"dialects": (TRIGRAM_DIALECT,)}, **options)
    return index.ddl_if(dialect=TRIGRAM_DIALECT)


def trigram_index(table: str, column: str) -> Index:
    """A pg_trgm GIN index on ``column``: substring (``ILIKE '%x%'``) search uses it.

    PostgreSQL only: SQLite has no trigram indexes, and a default install's tables are
    small enough to scan.
    """
    return _postgresql_index(f"ix_{table}_{column}_trgm", column, postgresql_using="gin",
                             postgresql_ops={column: "gin_trgm_ops"})


def prefix_index(table: str, column: str) -> Index:
    """A PostgreSQL btree index that serves ``LIKE 'prefix%'`` (``varchar_pattern_ops``).

    The database's collation (``C.UTF-8`` here, ``pt_BR`` elsewhere) keeps the plain
    index from answering prefix searches; SQLite's plain index does not need it.
    """
    return _postgresql_index(f"ix_{table}_{column}_prefix", column,
                             postgresql_ops={column: "varchar_pattern_ops"})


def include_in_autogenerate(dialect_name: str):
    """An Alembic ``include_object`` hook that leaves out indexes of other dialects.

    Without it, comparing the models with a SQLite database would ask for the
    PostgreSQL-only trigram indexes on every autogenerate.
    """

    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "index" and not reflected:
            dialects = obj.info.get("dialects")
            return not dialects or dialect_name in dialects
        return True

    return include_object
