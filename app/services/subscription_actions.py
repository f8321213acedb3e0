"""Actions on one subscription from the Plans tab's context menu: Alterar Ponto de Acesso,
Alterar Multa / Editar Contrato, Suspender / Reativar and Restabelecer Velocidade
Provisória (with its automatic end).

The other actions live next door: Mudar Plano in :mod:`app.services.plan_changes`, the
Protocolo de Cancelamento in :mod:`app.services.cancellations`, TV, voice terminals and
extra services in :mod:`app.services.composition`. All of them share the helpers of this
module: one transaction per action (:func:`transaction`, which also sends the RADIUS
requests the action queued, after the commit), :class:`ActionError` carrying a message
per field, and the date and version checks.

Every change is audited automatically (before/after values, :mod:`app.services.audit`);
a reason given by the user is attached to the audit entries with ``audit_reason``.
Permissions are checked by the views and the API, never here.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    AccessPoint,
    City,
    Contract,
    ContractStatus,
    Customer,
    PaymentMethod,
    Subscription,
    SubscriptionStatus,
    SystemVariable,
)
from app.models.base import aware, utcnow
from app.models.system import PROVISIONAL_SPEED_DAYS
from app.services import radius
from app.services.audit import audit_reason
from app.services.clock import local_today
from app.services.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    StaleVersionError,
    integrity_message,
)
from app.validators import (
    INVALID_DATE,
    ValidationError,
    parse_typed_date,
    validate_document,
    validate_money,
    validate_text,
)

log = logging.getLogger(__name__)

MAX_REASON = 500
MAX_PROVISIONAL_DAYS = 90
LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED)
STALE_MESSAGE = _l(
    "This record was changed by someone else while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


class ActionError(DomainError):
    """An action refused because of its input or the subscription's state.

    ``errors`` maps each bad field to its message (all of them, so a form shows every
    problem at once); ``field`` names the first one. A refusal not tied to a field has
    an empty ``errors``.
    """

    def __init__(self, message, *, field: str | None = None, errors=None) -> None:
        super().__init__(message, field=field)
        self.errors: dict[str, str] = dict(errors or ({field: str(message)} if field else {}))


# --------------------------------------------------------------------------- helpers


def raise_errors(errors: dict[str, str]) -> None:
    """Refuse the input when any field is invalid, naming all of them.

    Raises:
        ActionError: ``errors`` is not empty.
    """
    if errors:
        field_name, message = next(iter(errors.items()))
        raise ActionError(message, field=field_name, errors=errors)


def collect(errors: dict[str, str], field_name: str, rule, value, **kwargs):
    """Run a validation rule; on refusal note its message under ``field_name``, return None."""
    try:
        return rule(value, **kwargs)
    except (ValidationError, DomainError) as exc:
        errors[field_name] = str(exc)
        return None


def text_value(value, field_name: str, errors: dict[str, str], *, max_length: int,
               required: bool = True) -> str | None:
    """Free text from a form or JSON; anything but a string (or None) is refused."""
    if value is not None and not isinstance(value, str):
        errors[field_name] = str(_l("Enter text."))
        return None
    return collect(errors, field_name, validate_text, value, max_length=max_length,
                   required=required) or None


def parse_day(value, field_name: str, errors: dict[str, str]) -> date | None:
    """A date typed as ``2026-03-10`` (date inputs, the API) or ``10/03/2026``; None if empty.

    A ``date`` passes as it is. Text is read by :func:`app.validators.parse_typed_date`
    (1990 to 2100); invalid text notes its message under ``field_name``.
    """
    if value is None or isinstance(value, date):
        return value
    if not isinstance(value, str):
        errors[field_name] = str(INVALID_DATE)
        return None
    return collect(errors, field_name, parse_typed_date, value)


def parse_id(value, field_name: str, errors: dict[str, str], message) -> int | None:
    """An id from a select field or JSON (``"12"`` or ``12``); ``message`` when missing."""
    if isinstance(value, bool):
        value = None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    errors[field_name] = str(message)
    return None


def parse_flag(value, default: bool) -> bool:
    """A yes/no answer from a radio button (``"1"``/``"0"``) or JSON (true/false).

    Raises:
        ActionError: the value is neither.
    """
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes", "sim", "s"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("0", "false", "off", "no", "nao", "n"):
        return False
    raise ActionError(_l("Answer yes or no."))


def check_version(record, expected_version) -> None:
    """Refuse a save based on an old read of ``record`` (its ``version`` column).

    Raises:
        StaleVersionError: ``expected_version`` is given and is not the current one.
    """
    if expected_version in (None, ""):
        return
    if str(record.version) != str(expected_version).strip().strip('"'):
        raise StaleVersionError(STALE_MESSAGE)



@contextmanager
def transaction(reason: str | None = None) -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back; then send what RADIUS queued.

    The RADIUS requests (CoA/Disconnect) an action prepares are sent only after the
    commit, so a NAS never hears of a change the database then forgot. ``reason`` goes
    into the audit entries of the block.

    Raises:
        ConflictError: a database constraint refused the data, or a row changed since
            it was read (optimistic locking).
    """
    try:
        with audit_reason(reason) if reason else nullcontext():
            yield
            db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ConflictError(integrity_message(exc)) from exc
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(STALE_MESSAGE) from exc
    except Exception:
        db.session.rollback()
        raise
    radius.dispatch_pending()


def get_subscription(subscription_id: int, *, lock: bool = False) -> Subscription:
    """A subscription by id, optionally locked for the rest of the transaction.

    Raises:
        NotFoundError: no such subscription.
    """
    query = select(Subscription).where(Subscription.id == subscription_id)
    if lock:
        # Serialises actions on one subscription (PostgreSQL; SQLite locks the file).
        query = query.with_for_update()
    subscription = db.session.scalar(query)
    if subscription is None:
        raise NotFoundError(_l("Subscription not found."))
    return subscription


def require_live(subscription: Subscription) -> None:
    """Refuse an action on a cancelled or inactive subscription.

    Raises:
        ActionError: the subscription is neither active nor suspended.
    """
    if subscription.status not in LIVE:
        raise ActionError(_l("This plan is cancelled or inactive; it can no longer be changed."))


def contract_of(subscription: Subscription) -> Contract | None:
    """The contract that bills a subscription: its own, or its combo's."""
    if subscription.contract is not None:
        return subscription.contract
    return subscription.combo.contract if subscription.combo else None


# --------------------------------------------------------------------------- access point


def change_access_point(
    subscription_id: int, city_id, access_point_id, *, expected_version=None
) -> list[Subscription]:
    """Alterar Ponto de Acesso: serve the subscription from another access point.

    The access point must be active and belong to the chosen city; the plan's city
    becomes that city (the panel keeps a plan's city and access point together, as the
    new-plan wizard and Editar dados do Plano do). A plan inside a combo shares its
    address and access point with the combo's other plans (Editar Combo writes them to
    all), so all of them move together.

    Returns:
        The subscriptions changed.

    Raises:
        NotFoundError: no such subscription.
        ActionError: a cancelled plan, or no valid city / access point (per field).
        ConflictError: the subscription changed since ``expected_version`` was read.
    """
    with transaction():
        subscription = get_subscription(subscription_id, lock=True)
        require_live(subscription)
        check_version(subscription, expected_version)
        errors: dict[str, str] = {}
        city_key = parse_id(city_id, "city_id", errors, _l("Choose the city."))
        city = db.session.get(City, city_key) if city_key else None
        if city_key and city is None:
            errors["city_id"] = str(_l("Choose the city."))
        point_key = parse_id(
            access_point_id, "access_point_id", errors, _l("Choose the access point.")
        )
        point = db.session.get(AccessPoint, point_key) if point_key else None
        if point_key and (point is None or not point.active):
            errors["access_point_id"] = str(_l("Choose the access point."))
        elif point is not None and city is not None and point.city_id != city.id:
            errors["access_point_id"] = str(
                _l("This access point does not serve the chosen city.")
            )
        raise_errors(errors)
        if point.id == subscription.access_point_id:
            raise ActionError(
                _l("The plan is already served by this access point."), field="access_point_id"
            )
        moving = [subscription]
        if subscription.combo is not None:
            moving = [s for s in subscription.combo.subscriptions if s.status in LIVE]
        for member in moving:
            member.access_point_id = point.id
            member.city_id = city.id
    return moving


# --------------------------------------------------------------------------- contract

CONTRACT_FIELDS = (
    "fine_amount",
    "responsible_name",
    "responsible_document",
    "payment_method_id",
    "signed_on",
    "starts_on",
    "ends_on",
)


@dataclass(frozen=True)
class ContractEdit:
    """What :func:`edit_contract` changed: field -> (before, after)."""

    contract: Contract
    changes: dict[str, tuple]


def contract_values(contract: Contract) -> dict:
    """The editable fields of a contract, as its form shows them."""

    def d(value: date | None) -> str:
        return value.isoformat() if value else ""

    return {
        # As people type amounts here: 300,00.
        "fine_amount": f"{contract.fine_amount:.2f}".replace(".", ","),
        "responsible_name": contract.responsible_name or "",
        "responsible_document": contract.responsible_document or "",
        "payment_method_id": str(contract.payment_method_id or ""),
        "signed_on": d(contract.signed_on),
        "starts_on": d(contract.starts_on),
        "ends_on": d(contract.ends_on),
        "version": str(contract.version),
    }


def _clean_contract(contract: Contract, data: dict, today: date) -> dict:
    """The new values of the fields given in ``data`` (the others keep theirs)."""
    errors: dict[str, str] = {}
    cleaned: dict = {}
    if "fine_amount" in data:
        value = data["fine_amount"]
        if isinstance(value, int | str) and not isinstance(value, bool):
            cleaned["fine_amount"] = collect(errors, "fine_amount", validate_money, value)
        else:
            errors["fine_amount"] = str(_l("Enter a valid amount, for example 99.90."))
    if "responsible_name" in data:
        cleaned["responsible_name"] = text_value(
            data["responsible_name"], "responsible_name", errors, max_length=150, required=False
        )
    if "responsible_document" in data:
        raw = data["responsible_document"]
        if raw in (None, ""):
            cleaned["responsible_document"] = None
        elif isinstance(raw, str):
            cleaned["responsible_document"] = collect(
                errors, "responsible_document", validate_document, raw
            )
        else:
            errors["responsible_document"] = str(_l("Enter the CPF or CNPJ."))
    if "payment_method_id" in data:
        method_id = parse_id(
            data["payment_method_id"], "payment_method_id", errors,
            _l("Choose the payment method."),
        )
        method = db.session.get(PaymentMethod, method_id) if method_id else None
        if method_id and (method is None or not method.active):
            errors["payment_method_id"] = str(_l("Choose the payment method."))
        cleaned["payment_method_id"] = method_id
    for key in ("signed_on", "starts_on", "ends_on"):
        if key in data:
            cleaned[key] = parse_day(data[key], key, errors)
    raise_errors(errors)
    merged = {key: getattr(contract, key) for key in CONTRACT_FIELDS} | cleaned
    if merged["signed_on"] is not None and merged["signed_on"] > today:
        errors["signed_on"] = str(_l("The signature date cannot be in the future."))
    if merged["starts_on"] and merged["ends_on"] and merged["ends_on"] < merged["starts_on"]:
        errors["ends_on"] = str(_l("The contract cannot end before it starts."))
    if merged["responsible_document"] and not merged["responsible_name"]:
        errors["responsible_name"] = str(_l("Enter the name of the responsible."))
    if merged["payment_method_id"] is None:
        errors["payment_method_id"] = str(_l("Choose the payment method."))
    raise_errors(errors)
    return cleaned


def edit_contract(
    contract_id: int,
    data: dict,
    reason: str,
    *,
    expected_version=None,
    today: date | None = None,
) -> ContractEdit:
    """Alterar Multa / Editar Contrato: the fine and the other editable fields of an
    active contract, with the reason recorded.

    Only the fields present in ``data`` change (see :data:`CONTRACT_FIELDS`); the due day
    has its own action (billing's due-day change, which charges the difference). The
    reason goes into the audit entries and, when the fine changes, into
    ``Contract.fine_reason``. Two people editing the same contract cannot overwrite each
    other: ``expected_version`` (the version the form was read at) must still be the
    current one, and the save itself is version-checked.

    Raises:
        NotFoundError: no such contract.
        ActionError: no reason, bad values (per field), nothing changed, or the contract
            is not active.
        ConflictError: the contract changed since it was read.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    why = text_value(reason, "reason", errors, max_length=MAX_REASON)
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(_l("Contract not found."))
    if contract.status != ContractStatus.ACTIVE:
        raise ActionError(
            _l("Contract %(number)s is not active; it can no longer be changed.",
               number=contract.number)
        )
    check_version(contract, expected_version)
    try:
        cleaned = _clean_contract(contract, data, today)
    except ActionError as exc:
        raise_errors({**errors, **exc.errors})
    raise_errors(errors)
    changes = {
        key: (getattr(contract, key), value)
        for key, value in cleaned.items()
        if getattr(contract, key) != value
    }
    if not changes:
        raise ActionError(_l("Nothing to change: the contract already has these values."))
    linked = contract.responsible_customer_id
    if {"responsible_name", "responsible_document"} & changes.keys():
        # A person on record stays linked only while the typed document is theirs.
        document = cleaned.get("responsible_document", contract.responsible_document)
        linked = db.session.scalar(
            select(Customer.id).where(Customer.document == document)
        ) if document else None
    with transaction(why):
        for key, (_before, after) in changes.items():
            setattr(contract, key, after)
        if "fine_amount" in changes:
            contract.fine_reason = why
        contract.responsible_customer_id = linked
    return ContractEdit(contract, changes)


# --------------------------------------------------------------------------- suspension


def suspend(
    subscription_id: int,
    *,
    suspended_on=None,
    reason: str | None = None,
    today: date | None = None,
) -> Subscription:
    """Suspender: an active subscription becomes suspended from ``suspended_on``
    (default today) and its PPPoE login moves to RADIUS's blocked group.

    The date cannot be in the future nor before the first activation. A provisional
    speed can be granted once during the suspension.

    Raises:
        NotFoundError: no such subscription.
        ActionError: not active, or a bad date or reason.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    day = parse_day(suspended_on, "suspended_on", errors) or today
    why = text_value(reason, "reason", errors, max_length=MAX_REASON, required=False)
    with transaction(why):
        subscription = get_subscription(subscription_id, lock=True)
        if subscription.status != SubscriptionStatus.ACTIVE:
            raise ActionError(_l("Only an active plan can be suspended."))
        if "suspended_on" not in errors:
            if day > today:
                errors["suspended_on"] = str(_l("The suspension date cannot be in the future."))
            elif subscription.first_activated_on and day < subscription.first_activated_on:
                errors["suspended_on"] = str(
                    _l("The suspension date cannot be before the first activation date.")
                )
        raise_errors(errors)
        subscription.status = SubscriptionStatus.SUSPENDED
        subscription.suspended_on = day
        subscription.provisional_until = None
        subscription.provisional_used = False
        radius.apply_block(subscription)
    return subscription


def reactivate(subscription_id: int, *, reason: str | None = None) -> Subscription:
    """Reativar: a suspended subscription becomes active again and its login leaves the
    blocked group. The suspension date is cleared (the audit trail keeps it), and so is
    any provisional speed, so the next suspension may grant one again.

    Raises:
        NotFoundError: no such subscription.
        ActionError: not suspended, or a bad reason.
    """
    errors: dict[str, str] = {}
    why = text_value(reason, "reason", errors, max_length=MAX_REASON, required=False)
    raise_errors(errors)
    with transaction(why):
        subscription = get_subscription(subscription_id, lock=True)
        if subscription.status != SubscriptionStatus.SUSPENDED:
            raise ActionError(_l("Only a suspended plan can be reactivated."))
        subscription.status = SubscriptionStatus.ACTIVE
        subscription.suspended_on = None
        subscription.provisional_until = None
        subscription.provisional_used = False
        radius.apply_unblock(subscription)
    return subscription


# --------------------------------------------------------------------------- provisional speed


def provisional_speed_days() -> int:
    """Days of a provisional speed (system variable DIAS_VELOCIDADE_PROVISORIA).

    Raises:
        ActionError: the variable is missing or not a whole number of days from 1 to 90.
    """
    value = db.session.scalar(
        select(SystemVariable.value).where(SystemVariable.code == PROVISIONAL_SPEED_DAYS)
    )
    text = (value or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_PROVISIONAL_DAYS:
        raise ActionError(
            _l(
                "The system variable %(code)s must be a whole number of days from 1 to "
                "%(max)s; ask an administrator to set it.",
                code=PROVISIONAL_SPEED_DAYS,
                max=MAX_PROVISIONAL_DAYS,
            )
        )
    return int(text)


def _end_job_id(subscription_id: int, until: datetime) -> str:
    return f"provisional-speed-end-{subscription_id}-{int(until.timestamp())}"


def restore_provisional_speed(
    subscription_id: int, *, now: datetime | None = None
) -> Subscription:
    """Restabelecer Velocidade Provisória: give a suspended subscription its service back
    for DIAS_VELOCIDADE_PROVISORIA days, once per suspension.

    The login leaves the blocked group until ``provisional_until``; at that moment the
    job :func:`app.jobs.speed.end_provisional_speed` (RQ's scheduler) puts it back. Without
    Redis the sweep of due work (:mod:`app.jobs.due`) does it within a minute.

    Returns:
        The subscription, with ``provisional_until`` set.

    Raises:
        NotFoundError: no such subscription.
        ActionError: not suspended, already granted during this suspension, or the
            system variable is not a valid number of days.
    """
    now = now or utcnow()
    days = provisional_speed_days()
    with transaction():
        subscription = get_subscription(subscription_id, lock=True)
        if subscription.status != SubscriptionStatus.SUSPENDED:
            raise ActionError(_l("Only a suspended plan can get a provisional speed."))
        if subscription.provisional_used:
            raise ActionError(
                _l(
                    "The provisional speed was already granted during this suspension; "
                    "it can be granted once per suspension."
                )
            )
        until = now + timedelta(days=days)
        subscription.provisional_until = until
        subscription.provisional_used = True
        radius.apply_provisional_speed(subscription, until)
    from app.jobs import enqueue
    from app.jobs.speed import end_provisional_speed as end_job

    try:
        enqueue(
            end_job,
            subscription.id,
            until.isoformat(),
            at=until,
            job_id=_end_job_id(subscription.id, until),
        )
    except Exception:  # noqa: BLE001 - the grant is saved; the sweep of due work ends it
        log.exception("could not schedule the end of subscription %s's provisional speed",
                      subscription.id)
    return subscription


def end_provisional_speed(
    subscription_id: int, *, until: datetime | None = None, now: datetime | None = None
) -> bool:
    """End a subscription's provisional speed if its time has come: clear
    ``provisional_until`` and, if it is still suspended, block its login again.

    Its time has come when ``provisional_until`` has passed, or when it is ``until``: the
    end the scheduled job was enqueued for (RQ's scheduler starts the job at that moment,
    so the job does not depend on the worker's clock agreeing to the second). A job left
    from an earlier grant names another ``until`` and does nothing early. Safe to run
    twice, and after a reactivation or a cancellation (which cleared the provisional
    speed already).

    Returns:
        True if a provisional speed ended now.
    """
    now = now or utcnow()
    with transaction():
        subscription = db.session.scalar(
            select(Subscription).where(Subscription.id == subscription_id).with_for_update()
        )
        current = aware(subscription.provisional_until) if subscription else None
        if current is None:
            return False
        scheduled = until is not None and abs((current - aware(until)).total_seconds()) < 1
        if current > now and not scheduled:
            return False
        subscription.provisional_until = None
        if subscription.status == SubscriptionStatus.SUSPENDED:
            radius.apply_block(subscription)
    return True


def end_due_provisional_speeds(*, now: datetime | None = None) -> int:
    """End every provisional speed whose time has passed (the sweep of due work, for
    in-process jobs and schedules missed while no worker ran).

    Returns:
        How many ended.
    """
    now = now or utcnow()
    ids = db.session.scalars(
        select(Subscription.id).where(
            Subscription.provisional_until.is_not(None),
            Subscription.provisional_until <= now,
        )
    ).all()
    db.session.rollback()
    return sum(1 for subscription_id in ids if end_provisional_speed(subscription_id, now=now))
