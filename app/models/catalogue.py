"""The ISP's catalogue and reference data: plans, contract templates, payment methods,
TV packages, extra service types and phone categories."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Model, Money, TimestampMixin, enum_column


class PlanKind(enum.StrEnum):
    """What a catalogue plan sells."""

    INTERNET = "internet"
    TV = "tv"
    VOICE = "voice"
    COMBO = "combo"


class Plan(TimestampMixin, Model):
    """A product of the catalogue (internet speed, TV, voice or a combo) and its price.

    Speeds are in kbit/s. ``has_playhub`` / ``has_watchtv`` are the streaming (OTT)
    add-ons some plans include; a plan change keeps or drops them as the new plan says.
    """

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("price >= 0", name="ck_plans_price_not_negative"),
        CheckConstraint("download_kbps >= 0", name="ck_plans_download_not_negative"),
        CheckConstraint("upload_kbps >= 0", name="ck_plans_upload_not_negative"),
        CheckConstraint("fine_amount >= 0", name="ck_plans_fine_not_negative"),
        CheckConstraint("loyalty_months >= 0", name="ck_plans_loyalty_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    kind: Mapped[PlanKind] = mapped_column(
        enum_column(PlanKind, "plan_kind"), nullable=False, default=PlanKind.INTERNET
    )
    download_kbps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    upload_kbps: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    fine_amount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    loyalty_months: Mapped[int] = mapped_column(Integer, nullable=False, default=12)
    has_playhub: Mapped[bool] = mapped_column(default=False, nullable=False)
    has_watchtv: Mapped[bool] = mapped_column(default=False, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, nullable=False, index=True)

    @property
    def rate_limit(self) -> str:
        """MikroTik ``rx/tx`` rate limit as seen from the router (upload/download)."""
        return f"{self.upload_kbps}k/{self.download_kbps}k"

    @property
    def speed_label(self) -> str:
        """Speeds for people: ``300/150 Mbps``."""

        def fmt(kbps: int) -> str:
            return f"{kbps // 1000}" if kbps % 1000 == 0 else f"{kbps / 1000:g}"

        return f"{fmt(self.download_kbps)}/{fmt(self.upload_kbps)} Mbps"

    def __str__(self) -> str:
        return self.name


class ContractTemplate(TimestampMixin, Model):
    """A contract text with placeholders such as ``{customer_name}`` and ``{contract_number}``."""

    __tablename__ = "contract_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    # A whole contract: longer than the 5000 characters other free text may take.
    body: Mapped[str] = mapped_column(Text, nullable=False, info={"max_length": 100_000})
    number_prefix: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    def __str__(self) -> str:
        return self.name


class PaymentMethodKind(enum.StrEnum):
    """The ways a Brazilian ISP is paid."""

    BOLETO = "boleto"
    PIX = "pix"
    CARD = "card"
    BOOKLET = "booklet"
    DIRECT_DEBIT = "direct_debit"


class PaymentMethod(Model):
    """A payment method offered on contracts: boleto, PIX, cartão, carnê, débito automático."""

    __tablename__ = "payment_methods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    kind: Mapped[PaymentMethodKind] = mapped_column(
        enum_column(PaymentMethodKind, "payment_method_kind"), nullable=False
    )
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    def __str__(self) -> str:
        return self.name


class TvPackage(Model):
    """A package of TV channels sold on top of a subscription."""

    __tablename__ = "tv_packages"
    __table_args__ = (CheckConstraint("price >= 0", name="ck_tv_packages_price_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    channels: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    def __str__(self) -> str:
        return self.name


class ExtraServiceType(Model):
    """An add-on service billed with a subscription (Antivírus, fixed IP, ...)."""

    __tablename__ = "extra_service_types"
    __table_args__ = (
        CheckConstraint("price >= 0", name="ck_extra_service_types_price_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    price: Mapped[Decimal] = mapped_column(Money, nullable=False)
    description: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    def __str__(self) -> str:
        return self.name


class PhoneCategory(Model):
    """Category of a voice terminal (residencial, comercial, 0800 ...)."""

    __tablename__ = "phone_categories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), nullable=False, unique=True)
    description: Mapped[str | None] = mapped_column(String(200))

    def __str__(self) -> str:
        return self.name
