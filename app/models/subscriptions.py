"""Subscriptions (a customer's plans) and what they are made of: plan history, TV,
voice terminals, extra services, cancellation protocols, ownership transfers and the
server-side drafts of the new-subscription wizard."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    EncryptedString,
    Model,
    Money,
    TimestampMixin,
    VersionedMixin,
    enum_column,
)
from app.models.catalogue import ExtraServiceType, PhoneCategory, Plan, TvPackage
from app.models.contracts import Combo, Contract
from app.models.customers import AddressFields, City, Customer
from app.models.network import AccessPoint


class SubscriptionStatus(enum.StrEnum):
    """Lifecycle of a subscription."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    CANCELLED = "cancelled"
    INACTIVE = "inactive"


class Subscription(AddressFields, TimestampMixin, VersionedMixin, Model):
    """One plan contracted by one customer: a service with its own dates, address,
    access point and equipment.

    Dates: ``first_activated_on`` (Data 1ª Ativação), ``enabled_on`` (Data Habilitação),
    ``renewed_on`` (Data Ativação/Renovação), ``suspended_on`` (Data de Suspensão, kept
    for suspended, cancelled and inactive subscriptions).
    """

    __tablename__ = "subscriptions"
    __table_args__ = (
        CheckConstraint(
            "enabled_on IS NULL OR first_activated_on IS NULL OR enabled_on >= first_activated_on",
            name="ck_subscriptions_enabled_after_first_activation",
        ),
        Index("ix_subscriptions_customer_status", "customer_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), nullable=False, index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"), index=True)
    combo_id: Mapped[int | None] = mapped_column(ForeignKey("combos.id"), index=True)
    status: Mapped[SubscriptionStatus] = mapped_column(
        enum_column(SubscriptionStatus, "subscription_status"),
        nullable=False,
        default=SubscriptionStatus.ACTIVE,
    )
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"))
    access_point_id: Mapped[int | None] = mapped_column(ForeignKey("access_points.id"), index=True)
    first_activated_on: Mapped[date | None] = mapped_column(Date)
    enabled_on: Mapped[date | None] = mapped_column(Date)
    renewed_on: Mapped[date | None] = mapped_column(Date)
    suspended_on: Mapped[date | None] = mapped_column(Date)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    # Velocidade provisória: service restored while suspended, until this moment.
    provisional_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provisional_used: Mapped[bool] = mapped_column(default=False, nullable=False)
    fixed_ip: Mapped[str | None] = mapped_column(String(45))
    notes: Mapped[str | None] = mapped_column(Text)

    customer: Mapped[Customer] = relationship()
    plan: Mapped[Plan] = relationship()
    contract: Mapped[Contract | None] = relationship(back_populates="subscriptions")
    combo: Mapped[Combo | None] = relationship(back_populates="subscriptions")
    city: Mapped[City | None] = relationship()
    access_point: Mapped[AccessPoint | None] = relationship()
    onus = relationship("Onu", back_populates="subscription")
    # Read-only: logins are written through app.services.radius, with their rad* rows.
    # Lets a page that lists plans load every plan's login in one query.
    radius_logins = relationship("RadiusLogin", viewonly=True)
    plan_history: Mapped[list[SubscriptionPlanHistory]] = relationship(
        back_populates="subscription", order_by="SubscriptionPlanHistory.started_on"
    )
    tv_points: Mapped[list[TvPoint]] = relationship(back_populates="subscription")
    tv_packages: Mapped[list[SubscriptionTvPackage]] = relationship(back_populates="subscription")
    voice_terminals: Mapped[list[VoiceTerminal]] = relationship(back_populates="subscription")
    extra_services: Mapped[list[ExtraService]] = relationship(back_populates="subscription")

    def __str__(self) -> str:
        return f"#{self.id} {self.plan}" if self.plan else f"#{self.id}"


class SubscriptionPlanHistory(Model):
    """A plan a subscription had, from when to when, at what price (kept on plan change)."""

    __tablename__ = "subscription_plan_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), nullable=False)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    started_on: Mapped[date] = mapped_column(Date, nullable=False)
    ended_on: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))

    subscription: Mapped[Subscription] = relationship(back_populates="plan_history")
    plan: Mapped[Plan] = relationship()


class TvPoint(Model):
    """A TV outlet (set-top box) installed for a subscription."""

    __tablename__ = "tv_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    serial: Mapped[str | None] = mapped_column(String(40), unique=True)
    location: Mapped[str | None] = mapped_column(String(100))
    price: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    # Ended points stay in the history (e.g. left behind by a change of holder).
    ended_on: Mapped[date | None] = mapped_column(Date)

    subscription: Mapped[Subscription] = relationship(back_populates="tv_points")


class SubscriptionTvPackage(Model):
    """A TV package on a subscription, at the price agreed when it was added."""

    __tablename__ = "subscription_tv_packages"
    __table_args__ = (
        UniqueConstraint("subscription_id", "tv_package_id"),
        CheckConstraint("price >= 0", name="ck_subscription_tv_packages_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    tv_package_id: Mapped[int] = mapped_column(ForeignKey("tv_packages.id"), nullable=False)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    added_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    subscription: Mapped[Subscription] = relationship(back_populates="tv_packages")
    tv_package: Mapped[TvPackage] = relationship()


class VoiceTerminal(Model):
    """A VoIP phone line of a subscription. Its contact e-mail is the customer's own."""

    __tablename__ = "voice_terminals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    number: Mapped[str] = mapped_column(String(20), nullable=False, unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("phone_categories.id"))
    sip_user: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    sip_password: Mapped[str | None] = mapped_column(EncryptedString())
    price: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    subscription: Mapped[Subscription] = relationship(back_populates="voice_terminals")
    category: Mapped[PhoneCategory | None] = relationship()

    def __str__(self) -> str:
        return self.number


class ExtraService(Model):
    """An add-on service (Antivírus ...) on a subscription, billed with it."""

    __tablename__ = "extra_services"
    __table_args__ = (CheckConstraint("price >= 0", name="ck_extra_services_price"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    service_type_id: Mapped[int] = mapped_column(
        ForeignKey("extra_service_types.id"), nullable=False
    )
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)

    subscription: Mapped[Subscription] = relationship(back_populates="extra_services")
    service_type: Mapped[ExtraServiceType] = relationship()

    def __str__(self) -> str:
        return str(self.service_type)


class CancellationProtocol(TimestampMixin, Model):
    """The cancellation ticket of a subscription; its number is printed on the receipt."""

    __tablename__ = "cancellation_protocols"
    __table_args__ = (CheckConstraint("total >= 0", name="ck_cancellation_total"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(30), nullable=False, unique=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    cancelled_on: Mapped[date] = mapped_column(Date, nullable=False)
    prorata_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    fine_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    summary: Mapped[dict | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    subscription: Mapped[Subscription] = relationship()


class TransferStatus(enum.StrEnum):
    """State of an ownership transfer."""

    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"


class OwnershipTransfer(TimestampMixin, Model):
    """Troca de Titularidade: a subscription moving to another customer, now or later."""

    __tablename__ = "ownership_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    from_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    to_customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    main_contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), nullable=False)
    new_contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    transfer_on: Mapped[date] = mapped_column(Date, nullable=False)
    cancel_booklets: Mapped[bool] = mapped_column(default=False, nullable=False)
    transfer_debt: Mapped[bool] = mapped_column(default=True, nullable=False)
    carry_composition: Mapped[bool] = mapped_column(default=True, nullable=False)
    status: Mapped[TransferStatus] = mapped_column(
        enum_column(TransferStatus, "transfer_status"),
        nullable=False,
        default=TransferStatus.SCHEDULED,
    )
    executed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    message: Mapped[str | None] = mapped_column(Text)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    subscription: Mapped[Subscription] = relationship()
    from_customer: Mapped[Customer] = relationship(foreign_keys=[from_customer_id])
    to_customer: Mapped[Customer] = relationship(foreign_keys=[to_customer_id])
    main_contract: Mapped[Contract] = relationship(foreign_keys=[main_contract_id])


class SubscriptionDraft(TimestampMixin, Model):
    """Server-side draft of the new-subscription wizard, so a reload resumes it.

    ``token`` makes Finalizar idempotent: a second submit of the same draft finds
    ``subscription_id`` set and creates nothing.
    """

    __tablename__ = "subscription_drafts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    step: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    data: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
