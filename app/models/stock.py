"""Equipment inventory (patrimônio/estoque) and its movements."""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Model, TimestampMixin, enum_column


class StockItemState(enum.StrEnum):
    """Where a piece of equipment is."""

    IN_STOCK = "in_stock"
    INSTALLED = "installed"
    DEFECTIVE = "defective"
    WRITTEN_OFF = "written_off"


class StockItem(TimestampMixin, Model):
    """A piece of equipment the ISP owns (ONU, router, set-top box), by serial."""

    __tablename__ = "stock_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="onu")
    serial: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    model: Mapped[str | None] = mapped_column(String(60))
    state: Mapped[StockItemState] = mapped_column(
        enum_column(StockItemState, "stock_item_state"),
        nullable=False,
        default=StockItemState.IN_STOCK,
    )
    location: Mapped[str | None] = mapped_column(String(100))

    def __str__(self) -> str:
        return f"{self.kind} {self.serial}"


class StockMovementKind(enum.StrEnum):
    """Direction of a stock movement."""

    IN = "in"
    OUT = "out"
    RETURN = "return"


class StockMovement(TimestampMixin, Model):
    """A movement of a stock item: installed at a customer, returned on ONU delete, ..."""

    __tablename__ = "stock_movements"
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_stock_movements_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stock_item_id: Mapped[int] = mapped_column(
        ForeignKey("stock_items.id"), nullable=False, index=True
    )
    kind: Mapped[StockMovementKind] = mapped_column(
        enum_column(StockMovementKind, "stock_movement_kind"), nullable=False
    )
    quantity: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    reason: Mapped[str | None] = mapped_column(Text)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))

    stock_item: Mapped[StockItem] = relationship()
