"""FreeRADIUS's own SQL tables, with its column names, and the panel's records of
RADIUS logins and of CoA/Disconnect requests sent to NAS.

The ``rad*`` and ``nas`` tables use :data:`RadiusModel`, whose metadata carries the
``radius`` bind: with ``RADIUS_DATABASE_URL`` set they live in the ISP's existing
FreeRADIUS database, which the panel reads and writes but never migrates.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import INET
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import (
    Model,
    RadiusModel,
    TimestampMixin,
    enum_column,
    trigram_index,
    utcnow,
)

IpAddress = String(45).with_variant(INET(), "postgresql")
BigId = BigInteger().with_variant(Integer(), "sqlite")


class RadCheck(RadiusModel):
    """``radcheck``: per-user check items (one password attribute per user)."""

    __tablename__ = "radcheck"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, nullable=False, default="", index=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")
    op: Mapped[str] = mapped_column(String(2), nullable=False, default="==")
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RadReply(RadiusModel):
    """``radreply``: per-user reply items (rate limit, fixed IP)."""

    __tablename__ = "radreply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, nullable=False, default="", index=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")
    op: Mapped[str] = mapped_column(String(2), nullable=False, default="=")
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RadGroupCheck(RadiusModel):
    """``radgroupcheck``: check items of a group."""

    __tablename__ = "radgroupcheck"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    groupname: Mapped[str] = mapped_column(Text, nullable=False, default="", index=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")
    op: Mapped[str] = mapped_column(String(2), nullable=False, default="==")
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RadGroupReply(RadiusModel):
    """``radgroupreply``: reply items of a group (e.g. the blocked group's redirect pool)."""

    __tablename__ = "radgroupreply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    groupname: Mapped[str] = mapped_column(Text, nullable=False, default="", index=True)
    attribute: Mapped[str] = mapped_column(Text, nullable=False, default="")
    op: Mapped[str] = mapped_column(String(2), nullable=False, default="=")
    value: Mapped[str] = mapped_column(Text, nullable=False, default="")


class RadUserGroup(RadiusModel):
    """``radusergroup``: which groups a user belongs to."""

    __tablename__ = "radusergroup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(Text, nullable=False, default="", index=True)
    groupname: Mapped[str] = mapped_column(Text, nullable=False, default="")
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0)


class RadAcct(RadiusModel):
    """``radacct``: accounting sessions written by FreeRADIUS (open while no stop time)."""

    __tablename__ = "radacct"

    radacctid: Mapped[int] = mapped_column(BigId, primary_key=True)
    acctsessionid: Mapped[str] = mapped_column(Text, nullable=False)
    acctuniqueid: Mapped[str] = mapped_column(Text, nullable=False, unique=True)
    username: Mapped[str | None] = mapped_column(Text, index=True)
    realm: Mapped[str | None] = mapped_column(Text)
    nasipaddress: Mapped[str] = mapped_column(IpAddress, nullable=False)
    nasportid: Mapped[str | None] = mapped_column(Text)
    nasporttype: Mapped[str | None] = mapped_column(Text)
    acctstarttime: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    acctupdatetime: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acctstoptime: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    acctinterval: Mapped[int | None] = mapped_column(BigInteger)
    acctsessiontime: Mapped[int | None] = mapped_column(BigInteger)
    acctauthentic: Mapped[str | None] = mapped_column(Text)
    connectinfo_start: Mapped[str | None] = mapped_column(Text)
    connectinfo_stop: Mapped[str | None] = mapped_column(Text)
    acctinputoctets: Mapped[int | None] = mapped_column(BigInteger)
    acctoutputoctets: Mapped[int | None] = mapped_column(BigInteger)
    calledstationid: Mapped[str | None] = mapped_column(Text)
    callingstationid: Mapped[str | None] = mapped_column(Text)
    acctterminatecause: Mapped[str | None] = mapped_column(Text)
    servicetype: Mapped[str | None] = mapped_column(Text)
    framedprotocol: Mapped[str | None] = mapped_column(Text)
    framedipaddress: Mapped[str | None] = mapped_column(IpAddress)
    framedipv6address: Mapped[str | None] = mapped_column(IpAddress)
    framedipv6prefix: Mapped[str | None] = mapped_column(IpAddress)
    framedinterfaceid: Mapped[str | None] = mapped_column(Text)
    delegatedipv6prefix: Mapped[str | None] = mapped_column(IpAddress)
    # FreeRADIUS 3.2's schema names this column "class".
    class_: Mapped[str | None] = mapped_column("class", Text)


class RadPostAuth(RadiusModel):
    """``radpostauth``: FreeRADIUS's log of authentication results."""

    __tablename__ = "radpostauth"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    username: Mapped[str] = mapped_column(Text, nullable=False)
    # FreeRADIUS writes the password here only if configured to; the panel never shows it.
    pass_: Mapped[str | None] = mapped_column("pass", Text)
    reply: Mapped[str | None] = mapped_column(Text)
    calledstationid: Mapped[str | None] = mapped_column(Text)
    callingstationid: Mapped[str | None] = mapped_column(Text)
    authdate: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, default=utcnow
    )
    class_: Mapped[str | None] = mapped_column("class", Text)


class RadNas(RadiusModel):
    """``nas``: the clients FreeRADIUS reads when ``read_clients = yes``."""

    __tablename__ = "nas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    nasname: Mapped[str] = mapped_column(Text, nullable=False, index=True)
    shortname: Mapped[str] = mapped_column(Text, nullable=False)
    type: Mapped[str] = mapped_column(Text, nullable=False, default="other")
    ports: Mapped[int | None] = mapped_column(Integer)
    secret: Mapped[str] = mapped_column(Text, nullable=False)
    server: Mapped[str | None] = mapped_column(Text)
    community: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)


class RadiusLogin(TimestampMixin, Model):
    """The PPPoE login of a subscription; its credentials and speed live in the rad* tables."""

    __tablename__ = "radius_logins"
    # Staff search customers by a fragment of their PPPoE login.
    __table_args__ = (trigram_index("radius_logins", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("subscriptions.id"), nullable=False, index=True
    )
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    blocked: Mapped[bool] = mapped_column(default=False, nullable=False)

    subscription = relationship("Subscription")

    def __str__(self) -> str:
        return self.username


class RadiusRequestKind(enum.StrEnum):
    """RFC 5176 dynamic authorization messages."""

    DISCONNECT = "disconnect"
    COA = "coa"


class RadiusRequestStatus(enum.StrEnum):
    """Outcome of a CoA/Disconnect request, stated honestly."""

    QUEUED = "queued"
    ACK = "ack"
    NAK = "nak"
    TIMEOUT = "timeout"
    INVALID_REPLY = "invalid_reply"
    FAILED = "failed"


class RadiusRequest(TimestampMixin, Model):
    """A CoA or Disconnect request sent (or to be sent) to a NAS, and what it answered."""

    __tablename__ = "radius_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[RadiusRequestKind] = mapped_column(
        enum_column(RadiusRequestKind, "radius_request_kind"), nullable=False
    )
    username: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    nas_id: Mapped[int | None] = mapped_column(ForeignKey("nas_devices.id"))
    nas_ip: Mapped[str | None] = mapped_column(String(45))
    acct_session_id: Mapped[str | None] = mapped_column(String(100))
    attributes: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[RadiusRequestStatus] = mapped_column(
        enum_column(RadiusRequestStatus, "radius_request_status"),
        nullable=False,
        default=RadiusRequestStatus.QUEUED,
    )
    error_cause: Mapped[str | None] = mapped_column(String(100))
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
