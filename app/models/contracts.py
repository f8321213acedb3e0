"""Contracts signed by customers, their witnesses, and combos of subscriptions."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Model, Money, TimestampMixin, VersionedMixin, enum_column
from app.models.catalogue import ContractTemplate, PaymentMethod
from app.models.customers import Customer


class ContractStatus(enum.StrEnum):
    """Lifecycle of a contract."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


class Contract(TimestampMixin, VersionedMixin, Model):
    """A contract signed by a customer: its number is unique across the ISP.

    It fixes the payment method and the due day of the charges of its subscriptions,
    and the early-termination fine.
    """

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint("due_day BETWEEN 1 AND 28", name="ck_contracts_due_day"),
        CheckConstraint("fine_amount >= 0", name="ck_contracts_fine_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("contract_templates.id"))
    responsible_name: Mapped[str | None] = mapped_column(String(150))
    responsible_document: Mapped[str | None] = mapped_column(String(14))
    responsible_customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    fine_amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    fine_reason: Mapped[str | None] = mapped_column(Text)
    payment_method_id: Mapped[int] = mapped_column(ForeignKey("payment_methods.id"), nullable=False)
    due_day: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[ContractStatus] = mapped_column(
        enum_column(ContractStatus, "contract_status"),
        nullable=False,
        default=ContractStatus.ACTIVE,
    )
    signed_on: Mapped[date | None] = mapped_column(Date)
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    customer: Mapped[Customer] = relationship(foreign_keys=[customer_id])
    responsible_customer: Mapped[Customer | None] = relationship(
        foreign_keys=[responsible_customer_id]
    )
    template: Mapped[ContractTemplate | None] = relationship()
    payment_method: Mapped[PaymentMethod] = relationship()
    witnesses: Mapped[list[ContractWitness]] = relationship(
        back_populates="contract", cascade="all, delete-orphan", order_by="ContractWitness.position"
    )
    subscriptions = relationship("Subscription", back_populates="contract")

    def __str__(self) -> str:
        return self.number


class ContractWitness(Model):
    """A witness who signs a contract; never the same person twice on one contract."""

    __tablename__ = "contract_witnesses"
    __table_args__ = (
        UniqueConstraint("contract_id", "document"),
        UniqueConstraint("contract_id", "position"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    document: Mapped[str] = mapped_column(String(14), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))

    contract: Mapped[Contract] = relationship(back_populates="witnesses")

    def __str__(self) -> str:
        return self.name


class Combo(TimestampMixin, Model):
    """Several subscriptions of one customer under one contract and one invoice.

    A subscription inside a combo is edited only through its combo.
    """

    __tablename__ = "combos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False, index=True)
    catalogue_plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))

    customer: Mapped[Customer] = relationship()
    contract: Mapped[Contract] = relationship()
    subscriptions = relationship("Subscription", back_populates="combo")

    def __str__(self) -> str:
        return self.name
