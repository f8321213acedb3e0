"""ONUs: discover them on the OLTs, link one to a subscription and provision it, change its
Wi-Fi, read its status, reboot, move and delete it.

The screens (:mod:`app.views.onus`), the REST API (:mod:`app.api.onus`) and the jobs
(:mod:`app.jobs.onus`) all go through these functions. Every change to the OLT runs in a
background job whose state lives in an :class:`~app.models.OnuProvisioning` row: the
functions here validate, write the row in one transaction and enqueue the job, which
only carries the row's id. :func:`run_job` is what the job calls.

Device work uses :mod:`app.drivers.olt` (SSH) and :mod:`app.drivers.snmp`; values that
go into a CLI line are checked by the drivers' allowlists *before* anything is written
or any device is contacted, so a hostile SSID such as ``"x\\nreboot"`` is refused here.

Allocation of ONU ids and (Huawei) service-port indexes combines what the OLT reports in
use with what the panel has already handed out, and relies on the database to settle
races: the OLT's row is locked (``SELECT ... FOR UPDATE`` on PostgreSQL) and the unique
constraints on ``onus`` make a colliding insert fail, in which case the allocation is
simply retried. Audit entries are written automatically on flush (:mod:`app.services.audit`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.drivers import snmp
from app.drivers.olt import (
    ApplyResult,
    ConnectionType,
    DeviceCommandError,
    DiscoveredOnu,
    OltConnectionError,
    OltDriver,
    OltError,
    OnuConflictError,
    OnuStatus,
    ProvisionRequest,
    UnsafeValueError,
    WifiSettings,
    get_driver,
)
from app.drivers.olt import validation as checks
from app.drivers.olt.base import redact
from app.drivers.olt.sessions import SessionPool
from app.extensions import db
from app.models import (
    JobStatus,
    Olt,
    OltVendor,
    Onu,
    OnuAction,
    OnuProvisioning,
    OnuState,
    StockItem,
    StockItemState,
    StockMovement,
    StockMovementKind,
    Subscription,
    SubscriptionStatus,
    SystemVariable,
)
from app.models import system as sysvars
from app.models.base import aware, utcnow
from app.services.errors import ConflictError, DomainError, NotFoundError, constraint_name
from app.validators import ValidationError, validate_text

log = logging.getLogger(__name__)

T = TypeVar("T")

# ONU ids each vendor accepts on a GPON port, and Huawei's OLT-wide service-port range.
ONU_ID_RANGES = {OltVendor.HUAWEI: range(0, 128), OltVendor.ZTE: range(1, 129)}
SERVICE_PORT_IDS = range(1, 65536)
ACTIVE_JOB = (JobStatus.QUEUED, JobStatus.RUNNING)
FINISHED_JOB = (JobStatus.DONE, JobStatus.FAILED, JobStatus.PARTIAL)
LINKABLE_SUBSCRIPTION = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
ALLOCATION_ATTEMPTS = 5
# The partial unique index allowing one live job per ONU, as PostgreSQL and SQLite name it.
ACTIVE_JOB_CONSTRAINTS = {"uq_onu_provisionings_active_onu_id", "uq_onu_provisionings_onu_id"}

MOVE_NOT_ALLOWED = _l(
    "Moving or deleting ONUs is turned off: the system variable CODLMPONU must be 'S'. "
    "Ask the panel's administrator to change it."
)


# --------------------------------------------------------------------------- errors


class OnuFormError(DomainError):
    """Input of an ONU action is invalid; ``errors`` maps fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values()), ""))
        self.errors = errors


class PlanChangedError(ConflictError):
    """The commands to send differ from those the user confirmed (an id was taken meanwhile).

    ``commands`` holds the new plan, to be shown and confirmed again.
    """

    def __init__(self, commands: list[str]) -> None:
        super().__init__(
            _l("Another ONU took the planned position meanwhile. Check the new commands and "
               "confirm again.")
        )
        self.commands = commands
        self.details = {"commands": commands}


class OltUnavailableError(DomainError):
    """The OLT could not be read (unreachable, login refused, command refused)."""

    status_code = 503


class MoveNotAllowedError(DomainError):
    """CODLMPONU is not 'S': ONUs may not be moved or deleted."""

    status_code = 403

    def __init__(self) -> None:
        super().__init__(MOVE_NOT_ALLOWED)


# --------------------------------------------------------------------------- helpers


def _config(name: str, default: T) -> T:
    return current_app.config.get(name, default)


def variable_enabled(code: str) -> bool:
    """Whether the yes/no system variable ``code`` is on (value ``S``)."""
    variable = db.session.scalar(select(SystemVariable).where(SystemVariable.code == code))
    return bool(variable and variable.enabled)


def ensure_move_allowed() -> None:
    """Refuse moving or deleting ONUs unless CODLMPONU is 'S' (the seed page's rule).

    Raises:
        MoveNotAllowedError: the variable is off.
    """
    if not variable_enabled(sysvars.ALLOW_ONU_MOVE):
        raise MoveNotAllowedError()


def olt_driver(olt: Olt, **options: Any) -> OltDriver:
    """The (not yet connected) driver of an OLT record, with the configured timeouts.

    Must run inside the app context: the OLT's password is decrypted here, and only
    the driver (which masks it in its logs) holds it afterwards.
    """
    settings = {
        "conn_timeout": float(_config("OLT_CONN_TIMEOUT", 10.0)),
        "command_timeout": float(_config("OLT_COMMAND_TIMEOUT", 30.0)),
        **options,
    }
    return get_driver(olt.vendor.value, olt.host, olt.ssh_port, olt.username,
                      olt.password or "", **settings)


# Sessions kept open between jobs; None (the default) opens one per job. Only a process
# that runs job after job (the RQ worker, see app.jobs.worker) turns this on.
_sessions: SessionPool | None = None


def keep_olt_sessions(idle_timeout: float) -> SessionPool:
    """Keep OLT sessions open between the jobs of this process (:mod:`app.drivers.olt.sessions`)."""
    global _sessions
    if _sessions is None:
        _sessions = SessionPool(idle_timeout)
    return _sessions


@contextmanager
def olt_session(olt: Olt) -> Iterator[OltDriver]:
    """An open session on ``olt`` for one job: a kept one when this process keeps them.

    Raises:
        OltConnectionError, OltAuthenticationError: opening the session failed.
    """
    if _sessions is None:
        with olt_driver(olt) as device:
            yield device
        return
    # The password enters the key as a digest: a changed one must not reuse the session.
    secret = hashlib.sha256((olt.password or "").encode()).hexdigest()
    key = (olt.id, olt.vendor.value, olt.host, olt.ssh_port, olt.username, secret)
    with _sessions.session(key, lambda: olt_driver(olt)) as device:
        yield device


def _read_device(olt: Olt, read: Callable[[OltDriver], T]) -> T:
    """Open a session on ``olt``, run ``read`` and close it.

    Raises:
        OltUnavailableError: the OLT could not be reached or refused a command.
    """
    try:
        with olt_driver(olt) as device:
            return read(device)
    except OltError as exc:
        raise OltUnavailableError(
            _l("Could not read the OLT %(name)s: %(error)s", name=olt.name, error=str(exc))
        ) from exc


def _get(model: type[T], record_id: Any, message) -> T:
    try:
        record = db.session.get(model, int(record_id))
    except (TypeError, ValueError):
        record = None
    if record is None:
        raise NotFoundError(message)
    return record


def get_onu(onu_id: int) -> Onu:
    """The ONU with this id, unless it was removed.

    Raises:
        NotFoundError: no such ONU, or it was removed.
    """
    onu = _get(Onu, onu_id, _l("ONU not found."))
    if onu.state is OnuState.REMOVED:
        raise NotFoundError(_l("ONU not found."))
    return onu


def get_job(provisioning_id: int) -> OnuProvisioning:
    """The ONU job with this id.

    Raises:
        NotFoundError: no such job.
    """
    return _get(OnuProvisioning, provisioning_id, _l("ONU job not found."))


def active_olts() -> list[Olt]:
    """OLTs that take part in discovery and linking, by name."""
    return list(db.session.scalars(select(Olt).where(Olt.active.is_(True)).order_by(Olt.name)))


def live_onus(subscription: Subscription) -> list[Onu]:
    """The subscription's ONUs that were not removed."""
    return [onu for onu in subscription.onus if onu.state is not OnuState.REMOVED]


def latest_job(onu: Onu) -> OnuProvisioning | None:
    """The ONU's most recent job."""
    return db.session.scalar(
        select(OnuProvisioning).where(OnuProvisioning.onu_id == onu.id)
        .order_by(OnuProvisioning.id.desc()).limit(1)
    )



def is_stale(job: OnuProvisioning) -> bool:
    """A queued/running job not touched for ``ONU_JOB_STALE_AFTER`` seconds: its worker died."""
    limit = timedelta(seconds=float(_config("ONU_JOB_STALE_AFTER", 900)))
    updated = aware(job.updated_at)
    return job.status in ACTIVE_JOB and updated is not None and utcnow() - updated > limit


def _release_stale_jobs(onu: Onu) -> None:
    """Mark the ONU's abandoned jobs failed, so they no longer block a new action."""
    jobs = db.session.scalars(
        select(OnuProvisioning).where(OnuProvisioning.onu_id == onu.id,
                                      OnuProvisioning.status.in_(ACTIVE_JOB))
    )
    for job in jobs:
        if is_stale(job):
            job.status = JobStatus.FAILED
            job.finished_at = utcnow()
            job.message = _("The job stopped without finishing (its worker ended). The OLT "
                            "may hold part of the configuration; run the action again.")


def _new_job(onu: Onu, action: OnuAction, commands: Sequence[str] | None,
             user_id: int | None) -> OnuProvisioning:
    job = OnuProvisioning(
        onu=onu,
        action=action,
        status=JobStatus.QUEUED,
        commands="\n".join(commands) if commands else None,
        requested_by_id=user_id,
    )
    db.session.add(job)
    return job


def _commit_job(job: OnuProvisioning) -> OnuProvisioning:
    """Commit a new job and enqueue it; a second live job on the ONU is refused.

    Raises:
        ConflictError: another job of this ONU is queued or running.
    """
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        if constraint_name(exc) in ACTIVE_JOB_CONSTRAINTS:
            raise ConflictError(
                _l("Another operation on this ONU is still queued or running; wait for it "
                   "to finish.")
            ) from None
        raise
    from app.jobs.onus import enqueue_onu_job

    enqueue_onu_job(job)
    return job


# --------------------------------------------------------------------------- discovery


@dataclass(frozen=True)
class FoundOnu:
    """An unprovisioned ONU seen by an OLT, and the plan it is already linked to, if any."""

    olt_id: int
    olt_name: str
    serial: str
    frame: int
    slot: int
    port: int
    model: str | None
    linked_subscription_id: int | None = None

    @property
    def choice(self) -> str:
        """The wizard's value for this ONU: ``olt:frame:slot:port:serial:model``."""
        return f"{self.olt_id}:{self.frame}:{self.slot}:{self.port}:{self.serial}:" + (
            self.model or "")


@dataclass
class DiscoveryResult:
    """What a search found: ONUs per OLT, and the OLTs that could not be read."""

    onus: list[FoundOnu] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)


def discover_unprovisioned(olt_ids: Sequence[int] | None = None) -> DiscoveryResult:
    """List the unprovisioned ONUs of some OLTs (all active ones when ``olt_ids`` is None).

    The OLTs are read in parallel, one session each; an OLT that cannot be read is
    reported in ``errors`` (by name) without hiding what the others found. Serials the
    panel already links to a plan are marked with that plan's id.

    Raises:
        NotFoundError: an id is not an active OLT.
    """
    olts = active_olts()
    if olt_ids is not None:
        wanted = set(olt_ids)
        olts = [olt for olt in olts if olt.id in wanted]
        if len(olts) != len(wanted):
            raise NotFoundError(_l("OLT not found."))
    # Drivers are built here, in the app context that decrypts the passwords; the
    # threads only talk SSH.
    work = [(olt.id, olt.name, olt_driver(olt)) for olt in olts]

    def read(driver: OltDriver) -> list[DiscoveredOnu]:
        with driver:
            return driver.discover_unprovisioned()

    result = DiscoveryResult()
    if not work:
        return result
    with ThreadPoolExecutor(max_workers=min(8, len(work))) as pool:
        futures = [(olt_id, name, pool.submit(read, driver)) for olt_id, name, driver in work]
        found: list[tuple[int, str, DiscoveredOnu]] = []
        for olt_id, name, future in futures:
            try:
                found += [(olt_id, name, onu) for onu in future.result()]
            except OltError as exc:
                result.errors[name] = str(exc)
    serials = [onu.serial for _, _, onu in found]
    linked = dict(db.session.execute(
        select(Onu.serial, Onu.subscription_id)
        .where(Onu.serial.in_(serials), Onu.state != OnuState.REMOVED)
    ).all()) if serials else {}
    result.onus = [
        FoundOnu(olt_id, name, onu.serial, onu.frame, onu.slot, onu.port, onu.model,
                 linked.get(onu.serial))
        for olt_id, name, onu in found
    ]
    return result


# --------------------------------------------------------------------------- linking


@dataclass(frozen=True)
class LinkRequest:
    """A validated request to link an ONU to a plan (see :func:`validate_link_data`)."""

    olt_id: int
    serial: str
    frame: int
    slot: int
    port: int
    model: str | None
    connection_type: ConnectionType
    vlan: int
    pppoe_login: str | None = None
    pppoe_password: str | None = field(default=None, repr=False)
    static_ip: str | None = None
    static_mask: str | None = None
    static_gateway: str | None = None


@dataclass(frozen=True)
class LinkPlan:
    """What linking will do: the ids it takes and the exact lines (secrets masked)."""

    request: LinkRequest
    olt: Olt
    onu_index: int
    service_port_id: int | None
    description: str
    commands: list[str]


def _text(data: Mapping[str, Any], name: str, *, strip: bool = True) -> str:
    value = data.get(name)
    if value is None:
        return ""
    return str(value).strip() if strip else str(value)


def _integer(data: Mapping[str, Any], name: str, label, low: int, high: int,
             errors: dict[str, str]) -> int | None:
    raw = data.get(name)
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        value = int(raw.strip())
    else:
        errors[name] = _("%(field)s must be a whole number.", field=label)
        return None
    if not low <= value <= high:
        errors[name] = _("%(field)s must be between %(low)s and %(high)s.", field=label,
                         low=low, high=high)
        return None
    return value


def validate_link_data(data: Mapping[str, Any], olt: Olt | None = None) -> LinkRequest:
    """Check the ONU and connection fields of a link, as typed in the wizard or sent by the API.

    Fields: ``olt_id``, ``serial``, ``frame``, ``slot``, ``port``, ``model`` (optional),
    ``connection_type`` (``pppoe``, ``bridge``, ``dhcp``, ``static``), ``vlan`` (the
    OLT's default VLAN when blank), and per type ``pppoe_login``/``pppoe_password`` or
    ``static_ip``/``static_mask``/``static_gateway``. Fields a type does not use are
    ignored.

    Raises:
        OnuFormError: with a message per invalid field.
    """
    errors: dict[str, str] = {}
    if olt is None:
        olt_id = data.get("olt_id")
        olt = db.session.get(Olt, int(olt_id)) if str(olt_id or "").isdigit() else None
    if olt is None or not olt.active:
        errors["olt_id"] = _("Choose an active OLT.")
    serial = ""
    try:
        serial = checks.normalize_serial(_text(data, "serial"))
    except UnsafeValueError as exc:
        errors["serial"] = str(exc)
    frame = _integer(data, "frame", _("Frame"), 0, 255, errors)
    slot = _integer(data, "slot", _("Slot"), 0, 255, errors)
    port = _integer(data, "port", _("PON port"), 0, 255, errors)
    try:
        # The rules of every free-text field: no control characters, no markup.
        model = validate_text(_text(data, "model"), max_length=60, required=False) or None
    except ValidationError:
        errors["model"] = _("Invalid ONU model.")
        model = None
    try:
        kind = ConnectionType(_text(data, "connection_type"))
    except ValueError:
        errors["connection_type"] = _("Choose the connection type.")
        raise OnuFormError(errors) from None
    vlan = None
    if _text(data, "vlan") == "" and olt is not None and olt.default_vlan:
        vlan = olt.default_vlan
    else:
        vlan = _integer(data, "vlan", _("VLAN"), 1, 4094, errors)
    extra: dict[str, Any] = {}
    if kind is ConnectionType.PPPOE:
        try:
            extra["pppoe_login"] = checks.check_login(_text(data, "pppoe_login"))
        except UnsafeValueError as exc:
            errors["pppoe_login"] = str(exc)
        try:
            # Passwords are taken exactly as typed: a stray space is refused, not trimmed.
            extra["pppoe_password"] = checks.check_pppoe_password(
                _text(data, "pppoe_password", strip=False))
        except UnsafeValueError as exc:
            errors["pppoe_password"] = str(exc)
    elif kind is ConnectionType.STATIC:
        extra = _static_fields(data, errors)
    if errors:
        raise OnuFormError(errors)
    return LinkRequest(olt.id, serial, frame, slot, port, model, kind, vlan, **extra)


STATIC_FIELDS = {"static_ip": "Endereço IP", "static_mask": "Máscara",
                 "static_gateway": "Gateway"}


def _static_fields(data: Mapping[str, Any], errors: dict[str, str]) -> dict[str, str]:
    """Address, mask and gateway of a static WAN, each checked, then checked together."""
    values = {}
    for name, label in STATIC_FIELDS.items():
        try:
            values[name] = checks.check_ipv4(label, _text(data, name))
        except UnsafeValueError as exc:
            errors[name] = str(exc)
    if len(values) < len(STATIC_FIELDS):
        return {}
    try:
        ip, mask, gateway = checks.check_static_ip(*values.values())
    except UnsafeValueError as exc:
        # The driver's combined check names the part at fault in its message.
        message = str(exc)
        target = ("static_mask" if "Máscara" in message
                  else "static_gateway" if "Gateway" in message else "static_ip")
        errors[target] = message
        return {}
    return {"static_ip": ip, "static_mask": mask, "static_gateway": gateway}


def _description(subscription: Subscription) -> str:
    """The ONU's description on the OLT: the customer's name as a slug and the plan id.

    Only ``A-Z a-z 0-9 . _ @ -`` reach the device (the driver's allowlist), so accents
    are folded and everything else becomes a dash.
    """
    name = unicodedata.normalize("NFKD", subscription.customer.name)
    name = name.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", name).strip("-")[:40].strip("-") or "cliente"
    return f"{slug}-p{subscription.id}"


def provision_request(onu: Onu, olt: Olt, *, onu_index: int | None = None,
                      service_port_id: int | None = None) -> ProvisionRequest:
    """The driver's request for an ONU record (ids overridable, for planning).

    Raises:
        UnsafeValueError: a stored value fails the driver's checks.
    """
    kind = ConnectionType(onu.connection_type.value)
    fields: dict[str, Any] = {
        "serial": onu.serial,
        "frame": onu.frame,
        "slot": onu.slot,
        "port": onu.port,
        "onu_id": onu.onu_index if onu_index is None else onu_index,
        "description": onu.description or "onu",
        "connection_type": kind,
        "vlan": onu.vlan,
    }
    if kind is ConnectionType.PPPOE:
        fields.update(pppoe_username=onu.pppoe_login, pppoe_password=onu.pppoe_password)
    if kind is ConnectionType.STATIC:
        fields.update(static_ip=onu.static_ip, static_mask=onu.static_mask,
                      static_gateway=onu.static_gateway)
    if olt.vendor is OltVendor.HUAWEI:
        fields.update(line_profile_id=olt.line_profile_id,
                      service_profile_id=olt.service_profile_id,
                      service_port_id=onu.service_port_id if service_port_id is None
                      else service_port_id)
    else:
        fields.update(onu_type=olt.onu_type, tcont_profile=olt.tcont_profile,
                      vlan_profile=olt.vlan_profile, ip_profile=olt.ip_profile)
    return ProvisionRequest(**fields)


def ensure_linkable(subscription_id: int) -> Subscription:
    """The plan, if it may get an ONU: active or suspended, and without one already.

    Raises:
        NotFoundError: no such plan.
        DomainError: the plan is cancelled or inactive.
        ConflictError: the plan already has an ONU.
    """
    subscription = _get(Subscription, subscription_id, _l("Plan not found."))
    if subscription.status not in LINKABLE_SUBSCRIPTION:
        raise DomainError(_l("Only active or suspended plans can get an ONU."))
    if live_onus(subscription):
        raise ConflictError(_l("This plan already has an ONU. Delete it before linking another."))
    return subscription


def _check_serial_free(serial: str) -> Onu | None:
    """The removed record of this serial, to reuse; refuses a serial linked elsewhere."""
    existing = db.session.scalar(select(Onu).where(Onu.serial == serial))
    if existing is not None and existing.state is not OnuState.REMOVED:
        raise ConflictError(
            _l("The ONU %(serial)s is already linked to plan %(plan)s. Moving it needs the "
               "ONU's Move action.", serial=serial, plan=existing.subscription_id or "-")
        )
    return existing


def _position(location: Any) -> str:
    """``frame/slot/port ID n``, as the panel and the drivers write a position."""
    return f"{location.frame}/{location.slot}/{location.port} ID {location.onu_id}"


@dataclass
class _DeviceIds:
    onu_ids: set[int]
    service_port_ids: set[int]


def _read_ids(olt: Olt, request: LinkRequest) -> _DeviceIds:
    """Ids the OLT uses on the port (and its service-ports).

    Raises:
        ConflictError: the OLT already has this serial provisioned.
        OltUnavailableError: the OLT could not be read.
    """

    def read(device: OltDriver) -> tuple[Any, _DeviceIds | None]:
        existing = device.find_onu(request.serial)
        if existing is not None:
            return existing, None
        onu_ids = device.used_onu_ids(request.frame, request.slot, request.port)
        ports = device.used_service_port_ids() if device.service_port_ids_are_global else set()
        return None, _DeviceIds(onu_ids, ports)

    existing, ids = _read_device(olt, read)
    if existing is not None:
        raise ConflictError(_l(
            "The ONU %(serial)s is already provisioned on this OLT at %(position)s.",
            serial=request.serial, position=_position(existing.location)))
    return ids


def _allocate(olt: Olt, request: LinkRequest, device: _DeviceIds) -> tuple[int, int | None]:
    """Lowest ONU id (and Huawei service-port) free both on the OLT and in the panel.

    Raises:
        ConflictError: the port or the OLT has no free id left.
    """
    taken = set(db.session.scalars(
        select(Onu.onu_index).where(Onu.olt_id == olt.id, Onu.frame == request.frame,
                                    Onu.slot == request.slot, Onu.port == request.port,
                                    Onu.onu_index.is_not(None))
    )) | device.onu_ids
    onu_index = next((i for i in ONU_ID_RANGES[olt.vendor] if i not in taken), None)
    if onu_index is None:
        raise ConflictError(_l("This PON port has no free ONU id left."))
    if olt.vendor is not OltVendor.HUAWEI:
        return onu_index, None  # ZTE service-ports are numbered per ONU
    used_ports = set(db.session.scalars(
        select(Onu.service_port_id).where(Onu.olt_id == olt.id,
                                          Onu.service_port_id.is_not(None))
    )) | device.service_port_ids
    service_port = next((i for i in SERVICE_PORT_IDS if i not in used_ports), None)
    if service_port is None:
        raise ConflictError(_l("This OLT has no free service-port index left."))
    return onu_index, service_port


def _draft_onu(onu: Onu, subscription: Subscription, request: LinkRequest) -> Onu:
    """Fill an ONU record from a link request.

    The plan is set by id, not through the relationship: assigning it would cascade the
    half-filled record into the session (and into the plan's ONUs) before it is valid.
    """
    onu.serial = request.serial
    onu.model = request.model
    onu.olt_id = request.olt_id
    onu.frame, onu.slot, onu.port = request.frame, request.slot, request.port
    onu.subscription_id = subscription.id
    onu.connection_type = request.connection_type
    onu.vlan = request.vlan
    onu.pppoe_login = request.pppoe_login
    onu.pppoe_password = request.pppoe_password
    onu.static_ip = request.static_ip
    onu.static_mask = request.static_mask
    onu.static_gateway = request.static_gateway
    onu.description = _description(subscription)
    onu.state = OnuState.PENDING
    return onu


def _plan_lines(olt: Olt, onu: Onu, onu_index: int, service_port_id: int | None) -> list[str]:
    """The exact provisioning lines for ``onu`` at those ids, secrets masked.

    Raises:
        OnuFormError: the OLT lacks a profile its vendor needs (a setup problem).
    """
    try:
        request = provision_request(onu, olt, onu_index=onu_index,
                                    service_port_id=service_port_id)
        lines = olt_driver(olt).plan_provision(request)
    except UnsafeValueError as exc:
        raise OnuFormError({"olt_id": _("OLT %(name)s: %(error)s", name=olt.name,
                                        error=str(exc))}) from None
    return [redact(line, request.secrets) for line in lines]


def plan_link(subscription_id: int, data: Mapping[str, Any]) -> LinkPlan:
    """Validate a link and show what it would send: the ids it takes and the exact lines.

    Reads the OLT (ids in use, and whether the serial is already provisioned there);
    writes nothing.

    Raises:
        NotFoundError, DomainError, ConflictError: the plan cannot get this ONU.
        OnuFormError: invalid fields.
        OltUnavailableError: the OLT could not be read.
    """
    subscription = ensure_linkable(subscription_id)
    request = validate_link_data(data)
    olt = db.session.get(Olt, request.olt_id)
    _check_serial_free(request.serial)
    device = _read_ids(olt, request)
    onu_index, service_port = _allocate(olt, request, device)
    draft = _draft_onu(Onu(), subscription, request)
    commands = _plan_lines(olt, draft, onu_index, service_port)
    return LinkPlan(request, olt, onu_index, service_port, draft.description, commands)


def link_onu(subscription_id: int, data: Mapping[str, Any], *,
             expected_commands: Sequence[str] | None = None,
             user_id: int | None = None) -> OnuProvisioning:
    """Link an ONU to a plan and enqueue its provisioning; returns the job.

    Re-validates everything, reads the OLT's ids in use, then allocates the ONU id and
    service-port under a lock on the OLT's row; a concurrent link that took the same
    ids makes the insert fail on the unique constraints and the allocation is redone.
    When ``expected_commands`` (the plan the user confirmed) differs from the plan
    finally allocated, nothing is written and :class:`PlanChangedError` carries the new
    plan. A serial removed earlier reuses its record. Stock: an ONU found in the stock
    by serial leaves it (a movement ``out``).

    Raises:
        NotFoundError, DomainError, ConflictError, OnuFormError, OltUnavailableError:
            see :func:`plan_link`.
        PlanChangedError: the ids changed since the plan was shown.
    """
    subscription = ensure_linkable(subscription_id)
    request = validate_link_data(data)
    olt = db.session.get(Olt, request.olt_id)
    _check_serial_free(request.serial)
    device = _read_ids(olt, request)
    for attempt in range(1, ALLOCATION_ATTEMPTS + 1):
        # Serialises allocations on this OLT (PostgreSQL); SQLite relies on the unique
        # constraints below, which hold on both.
        db.session.execute(select(Olt.id).where(Olt.id == olt.id).with_for_update())
        subscription = ensure_linkable(subscription_id)
        onu = _check_serial_free(request.serial) or Onu()
        onu_index, service_port = _allocate(olt, request, device)
        try:
            _draft_onu(onu, subscription, request)
            commands = _plan_lines(olt, onu, onu_index, service_port)
            if expected_commands is not None and list(expected_commands) != commands:
                raise PlanChangedError(commands)
            onu.onu_index, onu.service_port_id = onu_index, service_port
            db.session.add(onu)
            db.session.flush()
            _take_from_stock(onu, subscription, user_id)
            job = _new_job(onu, OnuAction.PROVISION, commands, user_id)
            db.session.flush()
        except DomainError:
            db.session.rollback()
            raise
        except IntegrityError as exc:
            db.session.rollback()
            if constraint_name(exc) == "uq_onus_serial":
                raise ConflictError(_l("This ONU was linked by someone else meanwhile.")) from None
            if attempt == ALLOCATION_ATTEMPTS:
                raise ConflictError(
                    _l("Could not reserve an ONU id on this port; try again.")) from None
            log.info("ONU id/service-port taken concurrently on OLT %s; allocating again",
                     olt.id)
            continue
        return _commit_job(job)
    raise AssertionError("unreachable")  # pragma: no cover


def _stock_item(onu: Onu) -> StockItem | None:
    if onu.stock_item_id:
        return db.session.get(StockItem, onu.stock_item_id)
    return db.session.scalar(select(StockItem).where(StockItem.serial == onu.serial))


def _take_from_stock(onu: Onu, subscription: Subscription, user_id: int | None) -> None:
    """An ONU that is in the stock leaves it when linked (a movement ``out``)."""
    item = _stock_item(onu)
    if item is None or item.state is not StockItemState.IN_STOCK:
        return
    item.state = StockItemState.INSTALLED
    onu.stock_item_id = item.id
    db.session.add(StockMovement(
        stock_item=item, kind=StockMovementKind.OUT, quantity=1, subscription_id=subscription.id,
        user_id=user_id, reason=_("ONU linked to plan %(plan)s", plan=subscription.id),
    ))


def retry_provisioning(provisioning_id: int, user_id: int | None = None) -> OnuProvisioning:
    """Run a failed, partial or abandoned provisioning again (it completes what is missing).

    Raises:
        NotFoundError: no such job, or its ONU was removed.
        DomainError: the job is not a provisioning, or it is done or still running.
        ConflictError: another job of the ONU is queued or running.
    """
    job = get_job(provisioning_id)
    if job.action is not OnuAction.PROVISION:
        raise DomainError(_l("Only a provisioning can be retried; repeat the action instead."))
    get_onu(job.onu_id)
    if job.status is JobStatus.DONE:
        raise DomainError(_l("This provisioning already finished."))
    if job.status in ACTIVE_JOB and not is_stale(job):
        raise ConflictError(_l("This provisioning is still queued or running."))
    _release_stale_jobs(job.onu)
    job.status = JobStatus.QUEUED
    job.message = None
    job.finished_at = None
    if user_id is not None:
        job.requested_by_id = user_id
    job.onu.state = OnuState.PENDING
    return _commit_job(job)


# --------------------------------------------------------------------------- Wi-Fi


@dataclass(frozen=True)
class WifiData:
    """The ONU's Wi-Fi as stored: SSIDs and (decrypted) WPA2 keys."""

    ssid_24: str | None
    key_24: str | None = field(repr=False)
    ssid_5: str | None
    key_5: str | None = field(repr=False)


def wifi_of(onu: Onu) -> WifiData:
    """The ONU's stored Wi-Fi, keys included: only for users allowed to edit them."""
    return WifiData(onu.ssid_24, onu.wpa2_key_24, onu.ssid_5, onu.wpa2_key_5)


def validate_wifi_data(data: Mapping[str, Any]) -> WifiSettings:
    """Check SSIDs and WPA2 keys (8–63 characters) with the driver's allowlists.

    The ISP decides which band is used: ``ssid_24``/``key_24``, ``ssid_5``/``key_5`` or
    both; each band's SSID and key go together, and at least one band is needed. Nothing
    is trimmed or rewritten: a leading space, a quote or a newline is refused.

    Raises:
        OnuFormError: with a message per invalid field.
    """
    def value(name: str) -> str | None:
        raw = data.get(name)
        return None if raw is None or raw == "" else str(raw) if isinstance(raw, str) else raw

    errors: dict[str, str] = {}
    fields = {name: value(name) for name in ("ssid_24", "key_24", "ssid_5", "key_5")}
    together = {"24": _("Fill in the 2.4 GHz SSID and its WPA2 key together."),
                "5": _("Fill in the 5 GHz SSID and its WPA2 key together.")}
    for band, message in together.items():
        ssid, key = f"ssid_{band}", f"key_{band}"
        if (fields[ssid] is None) != (fields[key] is None):
            errors[key if fields[key] is None else ssid] = message
            continue
        for name, check in ((ssid, checks.check_ssid), (key, checks.check_wpa2_key)):
            if fields[name] is None:
                continue
            try:
                check(fields[name])
            except UnsafeValueError as exc:
                errors[name] = str(exc)
    if not errors and fields["ssid_24"] is None and fields["ssid_5"] is None:
        errors["ssid_24"] = _("Fill in the SSID and WPA2 key of at least one band.")
    if errors:
        raise OnuFormError(errors)
    return WifiSettings(fields["ssid_24"], fields["key_24"], fields["ssid_5"], fields["key_5"])


def _require_provisioned(onu: Onu) -> None:
    if onu.state not in (OnuState.PROVISIONED, OnuState.PARTIAL) or onu.onu_index is None:
        raise DomainError(_l("The ONU is not provisioned on its OLT yet."))


def update_wifi(onu_id: int, data: Mapping[str, Any], user_id: int | None = None
                ) -> OnuProvisioning:
    """Store the ONU's SSIDs and WPA2 keys (encrypted) and enqueue the job that sets them.

    Everything is checked before anything is stored or any device contacted.

    Raises:
        NotFoundError: no such ONU.
        OnuFormError: an SSID or key is invalid.
        DomainError: the ONU is not provisioned.
        ConflictError: another job of the ONU is queued or running.
    """
    onu = get_onu(onu_id)
    wifi = validate_wifi_data(data)
    _require_provisioned(onu)
    _release_stale_jobs(onu)
    lines = olt_driver(onu.olt).plan_wifi(onu.frame, onu.slot, onu.port, onu.onu_index, wifi)
    onu.ssid_24, onu.wpa2_key_24 = wifi.ssid_24, wifi.key_24
    onu.ssid_5, onu.wpa2_key_5 = wifi.ssid_5, wifi.key_5
    job = _new_job(onu, OnuAction.WIFI, [redact(line, wifi.secrets) for line in lines], user_id)
    return _commit_job(job)


# --------------------------------------------------------------------------- reboot, delete, move


def reboot_onu(onu_id: int, user_id: int | None = None) -> OnuProvisioning:
    """Enqueue a reboot of the ONU.

    Raises:
        NotFoundError, DomainError, ConflictError: see :func:`update_wifi`.
    """
    onu = get_onu(onu_id)
    _require_provisioned(onu)
    _release_stale_jobs(onu)
    lines = olt_driver(onu.olt).plan_reboot(onu.frame, onu.slot, onu.port, onu.onu_index)
    return _commit_job(_new_job(onu, OnuAction.REBOOT, lines, user_id))


def delete_onu(onu_id: int, user_id: int | None = None) -> OnuProvisioning:
    """Enqueue the removal of the ONU from its OLT and from the plan (CODLMPONU must be 'S').

    When the job succeeds the ONU is marked removed, its ids are freed and, with
    ``MOVIMENTA_ESTOQUE_APAGAR_ONU`` on, a stock movement returns it to the inventory.

    Raises:
        NotFoundError: no such ONU.
        MoveNotAllowedError: CODLMPONU is not 'S'.
        ConflictError: another job of the ONU is queued or running.
    """
    onu = get_onu(onu_id)
    ensure_move_allowed()
    _release_stale_jobs(onu)
    # The lines depend on the service-ports the OLT holds: the job records what it sent.
    return _commit_job(_new_job(onu, OnuAction.DELETE, None, user_id))


def movable_subscriptions(onu: Onu) -> list[Subscription]:
    """The other active or suspended plans of the ONU's customer that have no ONU."""
    current = onu.subscription
    if current is None:
        return []
    candidates = db.session.scalars(
        select(Subscription).where(Subscription.customer_id == current.customer_id,
                                   Subscription.id != current.id,
                                   Subscription.status.in_(LINKABLE_SUBSCRIPTION))
        .order_by(Subscription.id)
    )
    return [s for s in candidates if not live_onus(s)]


def move_onu(onu_id: int, subscription_id: int) -> Onu:
    """Move the ONU to another plan of the same customer (CODLMPONU must be 'S').

    Only the panel's link changes: the ONU keeps its position and configuration on the OLT.

    Raises:
        NotFoundError: no such ONU or plan.
        MoveNotAllowedError: CODLMPONU is not 'S'.
        DomainError: the plan belongs to another customer, is not active/suspended or
            already has an ONU.
        ConflictError: a job of the ONU is queued or running.
    """
    onu = get_onu(onu_id)
    ensure_move_allowed()
    target = _get(Subscription, subscription_id, _l("Plan not found."))
    if target not in movable_subscriptions(onu):
        raise DomainError(
            _l("The ONU can only move to another active plan of the same customer that has "
               "no ONU."), field="subscription_id")
    _release_stale_jobs(onu)
    busy = db.session.scalar(select(OnuProvisioning.id).where(
        OnuProvisioning.onu_id == onu.id, OnuProvisioning.status.in_(ACTIVE_JOB)))
    if busy is not None:
        raise ConflictError(
            _l("Another operation on this ONU is still queued or running; wait for it to "
               "finish."))
    # Set the column itself: the audit trail reads column changes before the flush
    # would copy them from the relationship.
    onu.subscription_id = target.id
    db.session.commit()
    return onu


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class OnuStatusReport:
    """The ONU as its OLT sees it: CLI details over SSH and optical power over SNMP.

    Either part may be missing; ``cli_error``/``snmp_error`` say why.
    """

    onu: Onu
    cli: OnuStatus | None
    cli_error: str | None
    snmp: snmp.OnuSnmpStatus | None
    snmp_error: str | None


def read_status(onu_id: int) -> OnuStatusReport:
    """Read the ONU's state over SSH and SNMP at the same time (nothing is changed).

    Raises:
        NotFoundError: no such ONU.
        DomainError: the ONU is not provisioned.
    """
    onu = get_onu(onu_id)
    _require_provisioned(onu)
    olt = onu.olt
    # Everything the threads need is read here: they have no app context.
    location = (onu.frame, onu.slot, onu.port, onu.onu_index)
    driver = olt_driver(olt, command_timeout=float(_config("OLT_STATUS_TIMEOUT", 10.0)))
    vendor, host, snmp_port = olt.vendor.value, olt.host, olt.snmp_port
    community = olt.snmp_community
    snmp_timeout = float(_config("ONU_SNMP_TIMEOUT", 1.0))

    def over_ssh() -> OnuStatus | None:
        with driver:
            return driver.onu_status(*location)

    def over_snmp() -> snmp.OnuSnmpStatus:
        return snmp.read_onu_status(vendor, host, community, *location, snmp_port=snmp_port,
                                    timeout=snmp_timeout, retries=0)

    cli = cli_error = snmp_status = snmp_error = None
    with ThreadPoolExecutor(max_workers=2) as pool:
        cli_future = pool.submit(over_ssh)
        snmp_future = pool.submit(over_snmp) if community else None
        try:
            cli = cli_future.result()
            if cli is None:
                cli_error = _("The OLT does not have this ONU at its position.")
        except OltError as exc:
            cli_error = str(exc)
        if snmp_future is None:
            snmp_error = _("The OLT has no SNMP community configured.")
        else:
            try:
                snmp_status = snmp_future.result()
                if not snmp_status.found:
                    snmp_error = _("The OLT's SNMP agent does not know this ONU.")
            except (snmp.SnmpError, ValueError) as exc:
                snmp_error = str(exc)
    return OnuStatusReport(onu, cli, cli_error, snmp_status, snmp_error)


# --------------------------------------------------------------------------- running jobs


def job_payload(job: OnuProvisioning,
                label: Callable[[Any], str] | None = None) -> dict[str, Any]:
    """What the live status (screen and API) shows of a job; never a secret.

    With ``label`` (the screens' and API's ``enum_label``), the status, the action and
    the ONU's state also come as ``status_label``, ``action_label`` and
    ``onu_state_label`` in the user's language.
    """
    onu = job.onu
    payload = {
        "id": job.id,
        "onu_id": job.onu_id,
        "action": job.action.value,
        "status": job.status.value,
        "finished": job.status in FINISHED_JOB,
        "message": job.message,
        "attempts": job.attempts,
        "commands": job.commands.splitlines() if job.commands else [],
        "onu_state": onu.state.value if onu else None,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    if label is not None:
        payload["status_label"] = label(job.status)
        payload["action_label"] = label(job.action)
        payload["onu_state_label"] = label(onu.state if onu else None)
    return payload


def claim_job(provisioning_id: int) -> OnuProvisioning | None:
    """Mark a queued job (or one a crash left running) as running; None when it must not run.

    Finished jobs are never run again by a late or duplicate delivery: a failed one is
    put back in the queue by :func:`retry_provisioning` first.
    """
    job = db.session.get(OnuProvisioning, provisioning_id)
    if job is None or job.status not in ACTIVE_JOB:
        return None
    job.status = JobStatus.RUNNING
    job.attempts += 1
    job.started_at = utcnow()
    job.finished_at = None
    db.session.commit()
    return job


def _append_output(job: OnuProvisioning, result: ApplyResult | None, note: str = "") -> None:
    parts = [job.output] if job.output else []
    header = f"# tentativa {job.attempts}" + (f": {note}" if note else "")
    parts.append(header + ("\n" + result.output if result and result.exchanges else ""))
    job.output = "\n".join(parts)


def _finish(job: OnuProvisioning, status: JobStatus, message: str) -> None:
    job.status = status
    job.message = message
    job.finished_at = utcnow()


def run_job(provisioning_id: int) -> OnuProvisioning | None:
    """Do a job's work on its OLT and record how it ended; the caller holds the OLT's lock.

    Safe to run again at any point: provisioning goes through
    :meth:`~app.drivers.olt.OltDriver.ensure_provisioned`, deletion looks the serial up
    first, Wi-Fi settings are simply set again. A refusal by the device ends the job
    ``failed`` (nothing of this ONU on the OLT) or ``partial`` (the ONU is there but
    the read-back finds something missing), with the device's message.

    Returns:
        The job, or None when it was not due to run (unknown, or already finished).

    Raises:
        OltConnectionError: the session failed; the job is left running, for the
            caller to retry or to give up with :func:`record_connection_failure`.
    """
    job = claim_job(provisioning_id)
    if job is None:
        return None
    onu, olt = job.onu, job.onu.olt
    handlers = {
        OnuAction.PROVISION: _run_provision,
        OnuAction.WIFI: _run_wifi,
        OnuAction.REBOOT: _run_reboot,
        OnuAction.DELETE: _run_delete,
    }
    try:
        handlers[job.action](job, onu, olt)
    except OltConnectionError:
        db.session.rollback()
        raise
    except OltError as exc:
        # Login refused, unsafe stored value, a device refusal not handled above.
        db.session.rollback()
        job = db.session.get(OnuProvisioning, provisioning_id)
        _append_output(job, getattr(exc, "result", None), str(exc))
        _finish(job, JobStatus.FAILED, str(exc))
        if job.action is OnuAction.PROVISION:
            job.onu.state = OnuState.FAILED
    db.session.commit()
    return job


def record_connection_failure(provisioning_id: int, error: Exception, *,
                              retry_in: float | None) -> None:
    """Record a failed session: back in the queue when ``retry_in`` is given, else failed."""
    db.session.rollback()
    job = db.session.get(OnuProvisioning, provisioning_id)
    if job is None:
        return
    _append_output(job, None, str(error))
    if retry_in is not None:
        job.status = JobStatus.QUEUED
        job.message = _("The connection to the OLT failed (%(error)s); trying again in "
                        "%(seconds)s s.", error=str(error), seconds=int(retry_in))
    else:
        _finish(job, JobStatus.FAILED, _(
            "The connection to the OLT failed (%(error)s) and the attempts ran out. The OLT "
            "may have received part of the commands; run the action again to complete it.",
            error=str(error)))
        if job.action is OnuAction.PROVISION:
            job.onu.state = OnuState.FAILED
    db.session.commit()


def _run_provision(job: OnuProvisioning, onu: Onu, olt: Olt) -> None:
    request = provision_request(onu, olt)
    with olt_session(olt) as device:
        try:
            result = device.ensure_provisioned(request)
        except DeviceCommandError as exc:
            # What did the refusal leave behind? Read it back and say so.
            check = device.verify_provision(request)
            _append_output(job, exc.result)
            if check.onu_present and check.serial_matches:
                onu.state = OnuState.PARTIAL
                _finish(job, JobStatus.PARTIAL, _(
                    "%(error)s The ONU is on the OLT but incomplete: %(problems)s",
                    error=str(exc), problems="; ".join(check.problems)))
            else:
                onu.state = OnuState.FAILED
                _finish(job, JobStatus.FAILED, str(exc))
            return
        except OnuConflictError as exc:
            _append_output(job, None, str(exc))
            onu.state = OnuState.FAILED
            _finish(job, JobStatus.FAILED, str(exc))
            return
        check = device.verify_provision(request)
    _append_output(job, result, "" if result else "nada a enviar")
    if check.ok:
        onu.state = OnuState.PROVISIONED
        _finish(job, JobStatus.DONE, _("ONU provisioned and checked on the OLT.") if result
                else _("The ONU was already provisioned on the OLT; nothing was sent."))
    else:
        onu.state = OnuState.PARTIAL
        _finish(job, JobStatus.PARTIAL, _(
            "The OLT accepted the commands but the read-back finds: %(problems)s",
            problems="; ".join(check.problems)))


def _run_command(job: OnuProvisioning, olt: Olt, command: Callable[[OltDriver], ApplyResult],
                 done_message: str) -> None:
    """Send one command to ``olt`` for ``job`` and record how it ended.

    For commands that leave nothing to read back (Wi-Fi, reboot): a refusal by the device
    ends the job ``failed`` with the device's message, else it ends ``done`` with
    ``done_message``. The refusal is handled inside the session, so a kept session is
    lent to the next job.
    """
    with olt_session(olt) as device:
        try:
            result = command(device)
        except DeviceCommandError as exc:
            _append_output(job, exc.result)
            _finish(job, JobStatus.FAILED, str(exc))
            return
    _append_output(job, result)
    _finish(job, JobStatus.DONE, done_message)


def _run_wifi(job: OnuProvisioning, onu: Onu, olt: Olt) -> None:
    wifi = WifiSettings(onu.ssid_24, onu.wpa2_key_24, onu.ssid_5, onu.wpa2_key_5)
    _run_command(job, olt,
                 lambda device: device.set_wifi(onu.frame, onu.slot, onu.port, onu.onu_index, wifi),
                 _("Wi-Fi settings sent to the ONU."))


def _run_reboot(job: OnuProvisioning, onu: Onu, olt: Olt) -> None:
    _run_command(job, olt,
                 lambda device: device.reboot(onu.frame, onu.slot, onu.port, onu.onu_index),
                 _("The ONU is rebooting."))


def _run_delete(job: OnuProvisioning, onu: Onu, olt: Olt) -> None:
    result = None
    with olt_session(olt) as device:
        found = device.find_onu(onu.serial)
        here = found is not None and onu.onu_index is not None and (
            found.location.frame, found.location.slot, found.location.port,
            found.location.onu_id) == (onu.frame, onu.slot, onu.port, onu.onu_index)
        if found is not None and not here:
            message = _("The OLT has this ONU at %(position)s, not where the panel recorded "
                        "it; nothing was deleted.", position=_position(found.location))
            _append_output(job, None, message)
            _finish(job, JobStatus.FAILED, message)
            return
        if here:
            try:
                result = device.ensure_deleted(onu.frame, onu.slot, onu.port, onu.onu_index,
                                               onu.serial)
            except DeviceCommandError as exc:
                _append_output(job, exc.result)
                problems = _read_back_problems(device, onu, olt)
                if problems:
                    onu.state = OnuState.PARTIAL
                _finish(job, JobStatus.FAILED, " ".join([str(exc), *problems]))
                return
    job.commands = "\n".join(result.lines_sent) if result else None
    _append_output(job, result, "" if result else "ONU ausente da OLT")
    _remove(job, onu)
    _finish(job, JobStatus.DONE, _("ONU deleted from the OLT.") if result else
            _("The ONU was no longer on the OLT; it was removed from the plan."))


def _read_back_problems(device: OltDriver, onu: Onu, olt: Olt) -> list[str]:
    """What a refused delete left behind, from the read-back (empty when unknown)."""
    try:
        check = device.verify_provision(provision_request(onu, olt))
    except (OltError, TypeError):  # connection lost again, or the record lacks fields
        return []
    return list(check.problems)


def _remove(job: OnuProvisioning, onu: Onu) -> None:
    """Unlink a deleted ONU, free its ids and, if configured, return it to the stock."""
    subscription_id = onu.subscription_id
    onu.state = OnuState.REMOVED
    onu.subscription_id = None  # the column, so the audit trail sees the change
    onu.onu_index = None
    onu.service_port_id = None
    if not variable_enabled(sysvars.STOCK_ON_ONU_DELETE):
        return
    item = _stock_item(onu)
    if item is None:
        item = StockItem(kind="onu", serial=onu.serial, model=onu.model)
        db.session.add(item)
    item.state = StockItemState.IN_STOCK
    db.session.flush()
    onu.stock_item_id = item.id
    db.session.add(StockMovement(
        stock_item=item, kind=StockMovementKind.RETURN, quantity=1,
        subscription_id=subscription_id, user_id=job.requested_by_id,
        reason=_("ONU deleted from plan %(plan)s", plan=subscription_id or "-"),
    ))
