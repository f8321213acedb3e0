"""Customers (subscribers), their contacts and addresses, and the cities they live in."""

from __future__ import annotations

import enum
from datetime import date

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.models.base import (
    Model,
    TimestampMixin,
    VersionedMixin,
    enum_column,
    prefix_index,
    trigram_index,
)
from app.validators import ValidationError, format_document, validate_document


class City(Model):
    """A city the ISP serves; access points and addresses belong to one."""

    __tablename__ = "cities"
    __table_args__ = (UniqueConstraint("name", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    state: Mapped[str] = mapped_column(String(2), nullable=False)
    ibge_code: Mapped[str | None] = mapped_column(String(7), unique=True)

    def __str__(self) -> str:
        return f"{self.name}/{self.state}"


class CustomerKind(enum.StrEnum):
    """Whether the customer is a person (CPF) or a company (CNPJ)."""

    PERSON = "person"
    COMPANY = "company"


class Customer(TimestampMixin, VersionedMixin, Model):
    """The ISP's subscriber: a person identified by CPF or a company by CNPJ.

    ``email`` is the customer's one contact e-mail: the helpdesk and the voice terminal
    screens show and edit this same field, never a copy.
    """

    __tablename__ = "customers"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'person' AND length(document) = 11) OR "
            "(kind = 'company' AND length(document) = 14)",
            name="ck_customers_document_length",
        ),
        # The customer list orders by name with the id as tie-breaker (FAB adds it), so
        # a page, deep ones included, is read off this index in order.
        Index("ix_customers_name_id", "name", "id"),
        trigram_index("customers", "name"),
        trigram_index("customers", "document"),
        # A CPF/CNPJ typed from its first digits.
        prefix_index("customers", "document"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[CustomerKind] = mapped_column(
        enum_column(CustomerKind, "customer_kind"), nullable=False, default=CustomerKind.PERSON
    )
    name: Mapped[str] = mapped_column(String(150), nullable=False)
    trade_name: Mapped[str | None] = mapped_column(String(150))
    document: Mapped[str] = mapped_column(String(14), nullable=False, unique=True)
    state_registration: Mapped[str | None] = mapped_column(String(20))
    birth_date: Mapped[date | None] = mapped_column(Date)
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    mobile: Mapped[str | None] = mapped_column(String(20))
    notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )
    addresses: Mapped[list[CustomerAddress]] = relationship(
        back_populates="customer", cascade="all, delete-orphan"
    )

    @validates("document")
    def _normalise_document(self, key: str, value: str) -> str:
        kind = self.kind.value if isinstance(self.kind, CustomerKind) else self.kind
        try:
            return validate_document(value, kind)
        except ValidationError as exc:
            exc.field = key
            raise

    @property
    def document_formatted(self) -> str:
        """CPF as 000.000.000-00 or CNPJ as 00.000.000/0000-00."""
        return format_document(self.document or "")

    def page_link(self):
        """The name linking to the customer page (used by the customer list)."""
        from flask import url_for
        from markupsafe import Markup

        url = url_for("CustomerPageView.page", customer_id=self.id)
        return Markup('<a href="{}">{}</a>').format(url, self.name)

    def __str__(self) -> str:
        return f"{self.name} ({self.document_formatted})"


class ContactKind(enum.StrEnum):
    """What a contact entry is."""

    PHONE = "phone"
    MOBILE = "mobile"
    WHATSAPP = "whatsapp"
    EMAIL = "email"


class CustomerContact(Model):
    """An extra contact of a customer (another phone, a relative's number ...)."""

    __tablename__ = "customer_contacts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[ContactKind] = mapped_column(
        enum_column(ContactKind, "contact_kind"), nullable=False
    )
    value: Mapped[str] = mapped_column(String(254), nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))

    customer: Mapped[Customer] = relationship(back_populates="contacts")

    def __str__(self) -> str:
        return f"{self.kind}: {self.value}"


class AddressKind(enum.StrEnum):
    """Billing address or an installation address."""

    BILLING = "billing"
    INSTALLATION = "installation"


class AddressFields:
    """Columns of a Brazilian postal address, shared by customers and subscriptions."""

    street: Mapped[str | None] = mapped_column(String(150))
    number: Mapped[str | None] = mapped_column(String(20))
    complement: Mapped[str | None] = mapped_column(String(100))
    district: Mapped[str | None] = mapped_column(String(100))
    zip_code: Mapped[str | None] = mapped_column(String(8))

    def address_line(self) -> str:
        """The address on one line, as printed on contracts."""
        parts = [self.street, self.number, self.complement, self.district]
        text = ", ".join(p for p in parts if p)
        city = getattr(self, "city", None)
        if city is not None:
            text = f"{text} - {city}" if text else str(city)
        return text


class CustomerAddress(AddressFields, Model):
    """A customer's billing or installation address."""

    __tablename__ = "customer_addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customers.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[AddressKind] = mapped_column(
        enum_column(AddressKind, "address_kind"), nullable=False, default=AddressKind.BILLING
    )
    city_id: Mapped[int | None] = mapped_column(ForeignKey("cities.id"), index=True)

    customer: Mapped[Customer] = relationship(back_populates="addresses")
    city: Mapped[City | None] = relationship()

    def __str__(self) -> str:
        return self.address_line()
