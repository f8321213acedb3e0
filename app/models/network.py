"""The ISP's network: access points, OLTs and their ONUs, provisioning jobs, and NAS."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import EncryptedString, Model, TimestampMixin, enum_column, trigram_index
from app.models.customers import City


class AccessPoint(Model):
    """A point of presence (POP) in a city that serves subscriptions."""

    __tablename__ = "access_points"
    __table_args__ = (UniqueConstraint("city_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), nullable=False, index=True)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    # Loaded with the access point: its name alone is ambiguous, so it always prints
    # its city, and a drop-down of access points would otherwise read each city apart.
    city: Mapped[City] = relationship(lazy="joined")

    def __str__(self) -> str:
        return f"{self.name} ({self.city})" if self.city else self.name


class OltVendor(enum.StrEnum):
    """OLT makers the panel has a driver for."""

    HUAWEI = "huawei"
    ZTE = "zte"


class Olt(TimestampMixin, Model):
    """An optical line terminal, reached over SSH for provisioning and SNMP for status.

    The SSH password and the SNMP community are stored encrypted.
    """

    __tablename__ = "olts"
    __table_args__ = (
        CheckConstraint("ssh_port BETWEEN 1 AND 65535", name="ck_olts_ssh_port"),
        CheckConstraint("snmp_port BETWEEN 1 AND 65535", name="ck_olts_snmp_port"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    vendor: Mapped[OltVendor] = mapped_column(enum_column(OltVendor, "olt_vendor"), nullable=False)
    model: Mapped[str | None] = mapped_column(String(60))
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    ssh_port: Mapped[int] = mapped_column(Integer, nullable=False, default=22)
    username: Mapped[str] = mapped_column(String(100), nullable=False)
    password: Mapped[str | None] = mapped_column(EncryptedString())
    snmp_community: Mapped[str | None] = mapped_column(EncryptedString())
    snmp_port: Mapped[int] = mapped_column(Integer, nullable=False, default=161)
    access_point_id: Mapped[int | None] = mapped_column(ForeignKey("access_points.id"))
    # Provisioning profiles: Huawei line/service profile ids; ZTE ONU type name and the
    # T-CONT, VLAN and IP (gateway, static WANs only) profile names its CLI refers to.
    line_profile_id: Mapped[int | None] = mapped_column(Integer)
    service_profile_id: Mapped[int | None] = mapped_column(Integer)
    onu_type: Mapped[str | None] = mapped_column(String(40))
    tcont_profile: Mapped[str | None] = mapped_column(String(32))
    vlan_profile: Mapped[str | None] = mapped_column(String(32))
    ip_profile: Mapped[str | None] = mapped_column(String(32))
    default_vlan: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    access_point: Mapped[AccessPoint | None] = relationship()

    def __str__(self) -> str:
        return self.name


class ConnectionType(enum.StrEnum):
    """How the ONU connects the customer."""

    PPPOE = "pppoe"
    BRIDGE = "bridge"
    DHCP = "dhcp"
    STATIC = "static"


class OnuState(enum.StrEnum):
    """Where an ONU stands between the panel and its OLT."""

    PENDING = "pending"
    PROVISIONED = "provisioned"
    PARTIAL = "partial"
    FAILED = "failed"
    REMOVED = "removed"


class Onu(TimestampMixin, Model):
    """A customer's fibre modem, by serial number, at a position of an OLT.

    The position (frame/slot/port/ONU-id) and the service-port index are unique per OLT,
    so two concurrent links can never be given the same ids; a removed ONU gives both
    back (they are set to NULL). The PPPoE password and WPA2 keys are encrypted.
    """

    __tablename__ = "onus"
    __table_args__ = (
        UniqueConstraint("olt_id", "frame", "slot", "port", "onu_index"),
        # Huawei service-port indexes are OLT-wide; ZTE's are local to the ONU and
        # stay NULL here (NULLs never collide).
        UniqueConstraint("olt_id", "service_port_id"),
        CheckConstraint("vlan IS NULL OR vlan BETWEEN 1 AND 4094", name="ck_onus_vlan"),
        # Staff search by a fragment of the serial printed on the ONU or of its login.
        trigram_index("onus", "serial"),
        trigram_index("onus", "pppoe_login"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    model: Mapped[str | None] = mapped_column(String(60))
    olt_id: Mapped[int] = mapped_column(ForeignKey("olts.id"), nullable=False, index=True)
    frame: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    slot: Mapped[int] = mapped_column(Integer, nullable=False)
    port: Mapped[int] = mapped_column(Integer, nullable=False)
    onu_index: Mapped[int | None] = mapped_column(Integer)
    service_port_id: Mapped[int | None] = mapped_column(Integer)
    subscription_id: Mapped[int | None] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    connection_type: Mapped[ConnectionType] = mapped_column(
        enum_column(ConnectionType, "connection_type"), nullable=False
    )
    vlan: Mapped[int | None] = mapped_column(Integer)
    pppoe_login: Mapped[str | None] = mapped_column(String(64))
    pppoe_password: Mapped[str | None] = mapped_column(EncryptedString())
    static_ip: Mapped[str | None] = mapped_column(String(45))
    static_mask: Mapped[str | None] = mapped_column(String(45))
    static_gateway: Mapped[str | None] = mapped_column(String(45))
    ssid_24: Mapped[str | None] = mapped_column(String(32))
    wpa2_key_24: Mapped[str | None] = mapped_column(EncryptedString())
    ssid_5: Mapped[str | None] = mapped_column(String(32))
    wpa2_key_5: Mapped[str | None] = mapped_column(EncryptedString())
    description: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[OnuState] = mapped_column(
        enum_column(OnuState, "onu_state"), nullable=False, default=OnuState.PENDING
    )
    stock_item_id: Mapped[int | None] = mapped_column(ForeignKey("stock_items.id"))

    olt: Mapped[Olt] = relationship()
    subscription = relationship("Subscription", back_populates="onus")

    def __str__(self) -> str:
        return self.serial


class JobStatus(enum.StrEnum):
    """State of a background job as the panel shows it."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    PARTIAL = "partial"


class OnuAction(enum.StrEnum):
    """What an ONU job does on the OLT."""

    PROVISION = "provision"
    WIFI = "wifi"
    REBOOT = "reboot"
    DELETE = "delete"


# While a job of an ONU is queued or running, no second one may start on that ONU: a
# double click, or a delete racing a Wi-Fi change, gets a clear refusal instead.
ACTIVE_JOB_WHERE = text("status IN ('queued', 'running')")


class OnuProvisioning(TimestampMixin, Model):
    """One job on an OLT for an ONU; the state lives here, RQ only carries the id.

    ``commands`` holds the planned CLI lines and ``output`` the device's answers, both
    with secrets masked; ``message`` says, in Portuguese, how it ended (the device's own
    error text on a refusal).
    """

    __tablename__ = "onu_provisionings"
    __table_args__ = (
        Index(
            "uq_onu_provisionings_active_onu_id",
            "onu_id",
            unique=True,
            sqlite_where=ACTIVE_JOB_WHERE,
            postgresql_where=ACTIVE_JOB_WHERE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    onu_id: Mapped[int] = mapped_column(ForeignKey("onus.id"), nullable=False, index=True)
    action: Mapped[OnuAction] = mapped_column(enum_column(OnuAction, "onu_action"), nullable=False)
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), nullable=False, default=JobStatus.QUEUED
    )
    commands: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rq_job_id: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    onu: Mapped[Onu] = relationship()


class Nas(TimestampMixin, Model):
    """A NAS (BRAS/concentrator) terminating PPPoE sessions; CoA/Disconnect go to it.

    The shared secret is stored encrypted and never shown back.
    """

    __tablename__ = "nas_devices"
    __table_args__ = (CheckConstraint("coa_port BETWEEN 1 AND 65535", name="ck_nas_coa_port"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), nullable=False, unique=True)
    ip_address: Mapped[str] = mapped_column(String(45), nullable=False, unique=True)
    secret: Mapped[str] = mapped_column(EncryptedString(), nullable=False)
    kind: Mapped[str] = mapped_column(String(30), nullable=False, default="mikrotik")
    coa_port: Mapped[int] = mapped_column(Integer, nullable=False, default=3799)
    description: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True, nullable=False)

    def __str__(self) -> str:
        return f"{self.name} ({self.ip_address})"
