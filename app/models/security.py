"""Login security: browser sessions that can be ended, and the TOTP second factor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import EncryptedString, Model, utcnow


class UserSession(Model):
    """A browser session opened by a login.

    Flask keeps the session in a signed cookie, which stays valid until it expires even
    after logout. Each login therefore records a random token (only its SHA-256 is
    stored) that the cookie carries; a session is live while its row has no
    ``ended_at``, so logging out really ends it, and a copy of the cookie taken before
    is worthless.
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ip_address: Mapped[str | None] = mapped_column(String(45))


class UserTotp(Model):
    """A user's TOTP second factor (RFC 6238, the codes of an authenticator app).

    The shared secret is stored encrypted. ``confirmed_at`` stays empty until the user
    proves the app works by typing a code; only then does login ask for one.
    ``last_used_step`` is the 30-second step of the last accepted code, so a code
    cannot be replayed.
    """

    __tablename__ = "user_totp"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    secret: Mapped[str] = mapped_column(EncryptedString, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_step: Mapped[int | None] = mapped_column(Integer)

    @property
    def enabled(self) -> bool:
        """Login asks for a code once the set-up was confirmed."""
        return self.confirmed_at is not None
