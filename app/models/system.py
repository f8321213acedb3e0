"""System variables, the customer access log and the audit trail."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model, utcnow

# Codes of the variables the panel reads. CODLMPONU keeps the code the seed page uses.
ALLOW_ONU_MOVE = "CODLMPONU"
CHARGE_DUE_DAY_CHANGE = "COBRAR_MUDANCA_VENCIMENTO"
STOCK_ON_ONU_DELETE = "MOVIMENTA_ESTOQUE_APAGAR_ONU"
PROVISIONAL_SPEED_DAYS = "DIAS_VELOCIDADE_PROVISORIA"
RADIUS_BLOCKED_GROUP = "GRUPO_RADIUS_BLOQUEADO"
# The ISP as a PIX receiver: the key, name and city written into every charge's BR Code.
PIX_KEY = "PIX_CHAVE"
PIX_MERCHANT_NAME = "PIX_NOME_RECEBEDOR"
PIX_MERCHANT_CITY = "PIX_CIDADE_RECEBEDOR"


class SystemVariable(Model):
    """A system setting (variável, ``codvar``) with a code and a value, e.g. CODLMPONU = S."""

    __tablename__ = "system_variables"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    value: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    description: Mapped[str | None] = mapped_column(String(300))

    @property
    def enabled(self) -> bool:
        """Yes/no variables are on when their value is ``S`` (sim)."""
        return self.value.strip().upper() in {"S", "SIM", "1", "TRUE"}

    def __str__(self) -> str:
        return f"{self.code} = {self.value}"


class CustomerAccessLog(Model):
    """Who opened which customer record, when, from where and what they looked at."""

    __tablename__ = "customer_access_logs"
    __table_args__ = (Index("ix_customer_access_logs_customer_at", "customer_id", "accessed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), index=True)
    username: Mapped[str | None] = mapped_column(String(100))
    accessed_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    ip_address: Mapped[str | None] = mapped_column(String(45))
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="ui")
    section: Mapped[str | None] = mapped_column(String(100))


class AuditLog(Model):
    """An entry of the audit trail: who changed what, when (UTC), before and after.

    Written by SQLAlchemy session events, so views, the API, jobs and the CLI are all
    covered; the app offers no way to edit or delete it.
    """

    __tablename__ = "audit_logs"
    __table_args__ = (
        Index("ix_audit_logs_record", "table_name", "record_id"),
        # The audit list's order (newest first, id as FAB's tie-breaker).
        Index("ix_audit_logs_at_id", "at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    username: Mapped[str | None] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(10), nullable=False, default="view")
    action: Mapped[str] = mapped_column(String(10), nullable=False)
    table_name: Mapped[str] = mapped_column(String(60), nullable=False)
    record_id: Mapped[str | None] = mapped_column(String(40))
    changes: Mapped[dict | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
