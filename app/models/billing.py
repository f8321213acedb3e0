"""Charges (títulos) and payment booklets (carnês)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Model, Money, TimestampMixin, VersionedMixin, enum_column
from app.models.catalogue import PaymentMethod
from app.models.contracts import Contract
from app.models.customers import Customer


class ChargeStatus(enum.StrEnum):
    """Lifecycle of a charge."""

    OPEN = "open"
    PAID = "paid"
    CANCELLED = "cancelled"
    TRANSFERRED = "transferred"


class BookletStatus(enum.StrEnum):
    """Lifecycle of a carnê."""

    ACTIVE = "active"
    CANCELLED = "cancelled"


# A month of a contract is billed by at most one live charge (open or paid): generating
# the month again, or issuing a carnê over it, finds that charge instead of a duplicate.
# Cancelled and transferred charges free their month, so a cancelled carnê can be re-issued.
LIVE_MONTH_WHERE = text("status IN ('open', 'paid')")


class PaymentBooklet(TimestampMixin, Model):
    """A carnê: a batch of monthly charges of a contract printed together."""

    __tablename__ = "payment_booklets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False, index=True)
    status: Mapped[BookletStatus] = mapped_column(
        enum_column(BookletStatus, "booklet_status"), nullable=False, default=BookletStatus.ACTIVE
    )
    installments: Mapped[int] = mapped_column(Integer, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contract: Mapped[Contract] = relationship()
    charges: Mapped[list[Charge]] = relationship(back_populates="booklet", order_by="Charge.due_on")


class Charge(TimestampMixin, VersionedMixin, Model):
    """One amount a customer owes, due on a date, for a period of a contract."""

    __tablename__ = "charges"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="ck_charges_amount_not_negative"),
        CheckConstraint("paid_amount IS NULL OR paid_amount >= 0", name="ck_charges_paid_amount"),
        Index("ix_charges_customer_status_due", "customer_id", "status", "due_on"),
        Index("ix_charges_contract_due", "contract_id", "due_on"),
        # The charge list's order (newest due date first, id as FAB's tie-breaker).
        Index("ix_charges_due_on_id", "due_on", "id"),
        Index(
            "uq_charges_contract_id_reference_month",
            "contract_id",
            "reference_month",
            unique=True,
            sqlite_where=LIVE_MONTH_WHERE,
            postgresql_where=LIVE_MONTH_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False)
    booklet_id: Mapped[int | None] = mapped_column(ForeignKey("payment_booklets.id"), index=True)
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"))
    description: Mapped[str] = mapped_column(String(200), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    due_on: Mapped[date] = mapped_column(Date, nullable=False)
    period_start: Mapped[date | None] = mapped_column(Date)
    period_end: Mapped[date | None] = mapped_column(Date)
    # Competência: first day of the month whose monthly fee this is (its due date's month);
    # None for one-off charges such as a plan-change or due-day-change difference.
    reference_month: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ChargeStatus] = mapped_column(
        enum_column(ChargeStatus, "charge_status"), nullable=False, default=ChargeStatus.OPEN
    )
    paid_on: Mapped[date | None] = mapped_column(Date)
    paid_amount: Mapped[Decimal | None] = mapped_column(Money)
    pix_txid: Mapped[str | None] = mapped_column(String(25), unique=True)
    transferred_to_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"))

    customer: Mapped[Customer] = relationship()
    contract: Mapped[Contract] = relationship()
    booklet: Mapped[PaymentBooklet | None] = relationship(back_populates="charges")
    payment_method: Mapped[PaymentMethod | None] = relationship()

    def __str__(self) -> str:
        return f"{self.description} {self.due_on:%d/%m/%Y}"


class ContractCredit(TimestampMixin, Model):
    """One movement of a contract's credit: money the ISP owes back to the customer.

    A positive amount is credit given (the part of a downgrade's difference that no open
    charge could absorb, or credit handed back by a cancelled charge that had used it); a
    negative amount is credit used, taken off ``charge`` when that monthly charge was
    created. The balance is the sum of the rows, never stored, so every movement stays
    visible.
    """

    __tablename__ = "contract_credits"
    __table_args__ = (CheckConstraint("amount <> 0", name="ck_contract_credits_amount_not_zero"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False, index=True)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charges.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    description: Mapped[str] = mapped_column(String(200), nullable=False)

    contract: Mapped[Contract] = relationship()
    charge: Mapped[Charge | None] = relationship()

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"
