"""What a subscription is made of besides its plan (Composição do plano): TV packages and
TV points (Pacotes de TV), voice terminals (Terminais de Voz, Alterar Terminal de Voz)
and extra services such as Antivírus (Serviços Adicionais).

Each item carries its own monthly price, which billing adds to the subscription's
charges for the days it is live (:func:`app.services.billing.generate_monthly_charge`):
TV packages from ``added_on`` to ``ended_on``, extra services from ``started_on`` to
``ended_on``, TV points until ``ended_on``, voice terminals while active. Removing an
item ends it (an end date, or ``active`` off for a voice terminal), never deletes it, so
the history and past charges stay explainable.

Alterar Terminal de Voz edits the customer's contact e-mail in place: ``Customer.email``
is the customer's one contact e-mail, the one the helpdesk (DESK) shows, never a copy.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    ExtraService,
    ExtraServiceType,
    PhoneCategory,
    Subscription,
    SubscriptionTvPackage,
    TvPackage,
    TvPoint,
    VoiceTerminal,
)
from app.services.clock import local_today
from app.services.errors import NotFoundError, PermissionDeniedError
from app.services.subscription_actions import (
    LIVE,
    ActionError,
    check_version,
    collect,
    get_subscription,
    parse_day,
    parse_id,
    raise_errors,
    require_live,
    text_value,
    transaction,
)
from app.validators import validate_money

# A Brazilian phone number with its area code (10 or 11 digits), or a 0300/0500/0800
# number (11 digits).
PHONE_NUMBER = re.compile(r"\d{10,11}")
SIP_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{2,63}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _price(value, default: Decimal, errors: dict[str, str]) -> Decimal | None:
    """A price typed (``29,90``) or sent as a string; empty takes ``default``."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool) or not isinstance(value, int | str | Decimal):
        errors["price"] = str(_l("Enter a valid amount, for example 99.90."))
        return None
    return collect(errors, "price", validate_money, value)


def _day(value, field_name: str, errors: dict[str, str], today: date) -> date:
    return parse_day(value, field_name, errors) or today


def live_on(started_on: date | None, ended_on: date | None, day: date) -> bool:
    """Whether an item of a subscription's composition (or any row with a start and an end
    date) is live on ``day``: it started on or before ``day`` and did not end before it.

    A missing start date means it has always been there (a TV point has none); a missing
    end date, that it has not ended. The end day itself is live: it is billed.
    """
    return (started_on is None or started_on <= day) and (ended_on is None or ended_on >= day)


def end_composition(subscription: Subscription, day: date, *, move_later_ends: bool) -> None:
    """End everything a subscription is made of besides its plan on ``day``: its extra
    services, TV packages and TV points get ``day`` as their end date and its voice
    terminals are deactivated. Nothing is deleted, so the history stays readable.

    Items that already ended keep their end date. ``move_later_ends`` decides what happens
    to an item already set to end after ``day``: True brings its end back to ``day``
    (nothing may outlive a cancelled plan), False leaves it as it is.

    Writes to the session only; the caller commits.
    """
    for items in (subscription.extra_services, subscription.tv_packages, subscription.tv_points):
        for item in items:
            if item.ended_on is None or (move_later_ends and item.ended_on > day):
                item.ended_on = day
    for terminal in subscription.voice_terminals:
        terminal.active = False


def _live_subscription(subscription_id: int) -> Subscription:
    subscription = get_subscription(subscription_id, lock=True)
    require_live(subscription)
    return subscription


def _not_before(day: date, start: date | None, field_name: str) -> None:
    if start is not None and day < start:
        raise ActionError(
            _l("The end date cannot be before %(date)s, when it started.",
               date=start.strftime("%d/%m/%Y")),
            field=field_name,
        )


def _end_item(
    subscription_id: int,
    model,
    item_id: int,
    ended_on,
    today: date | None,
    *,
    not_found,
    already_ended,
    started_on=None,
):
    """End one item of a subscription's composition on ``ended_on`` (default today).

    The item stays, with its end date, so past charges remain explainable. ``started_on``
    names the item's start column, before which it cannot end.

    Raises:
        NotFoundError: no such subscription, or the item is not on it (``not_found``).
        ActionError: the item already ended (``already_ended``), or a bad date.
    """
    errors: dict[str, str] = {}
    day = _day(ended_on, "ended_on", errors, today or local_today())
    raise_errors(errors)
    with transaction():
        subscription = get_subscription(subscription_id, lock=True)
        item = db.session.get(model, item_id)
        if item is None or item.subscription_id != subscription.id:
            raise NotFoundError(not_found)
        if item.ended_on is not None:
            raise ActionError(already_ended)
        if started_on is not None:
            _not_before(day, getattr(item, started_on), "ended_on")
        item.ended_on = day
    return item


def _catalogue_entry(model, value, field_name: str, message, errors: dict[str, str]):
    """An active entry of the catalogue (a TV package, an extra service type) chosen on a
    form; ``message`` under ``field_name`` when none or an inactive one is chosen."""
    key = parse_id(value, field_name, errors, message)
    entry = db.session.get(model, key) if key else None
    if key and (entry is None or not entry.active):
        errors[field_name] = str(message)
        return None
    return entry


def _new_category_name(data: dict, may_add_category: bool) -> str | None:
    """The phone category a voice terminal form asks to create, if any.

    Raises:
        PermissionDeniedError: one is asked for without Adicionar Categoria Telefone.
    """
    name = data.get("new_category")
    if not (isinstance(name, str) and name.strip()):
        return None
    if not may_add_category:
        raise PermissionDeniedError(
            _l("Adding a phone category needs the permission Add phone category."),
            field="new_category",
        )
    return name


# --------------------------------------------------------------------------- TV


def add_tv_package(
    subscription_id: int, tv_package_id, *, price=None, added_on=None, today: date | None = None
) -> SubscriptionTvPackage:
    """Add a TV package to a subscription, at the catalogue price unless another is agreed.

    A package the subscription had before and was ended is taken up again on the same
    row (one row per package and subscription): its new start date and price apply.

    Raises:
        NotFoundError: no such subscription.
        ActionError: a cancelled plan, an inactive or unknown package, the package is
            already on the plan, or a bad price or date.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    package = _catalogue_entry(
        TvPackage, tv_package_id, "tv_package_id", _l("Choose the TV package."), errors
    )
    start = _day(added_on, "added_on", errors, today)
    amount = _price(price, package.price if package else Decimal("0.00"), errors)
    raise_errors(errors)
    with transaction():
        subscription = _live_subscription(subscription_id)
        item = db.session.scalar(
            select(SubscriptionTvPackage).where(
                SubscriptionTvPackage.subscription_id == subscription.id,
                SubscriptionTvPackage.tv_package_id == package.id,
            )
        )
        if item is not None and item.ended_on is None:
            raise ActionError(
                _l("The plan already has the TV package %(name)s.", name=package.name),
                field="tv_package_id",
            )
        if item is None:
            item = SubscriptionTvPackage(subscription=subscription, tv_package=package)
            db.session.add(item)
        item.price, item.added_on, item.ended_on = amount, start, None
    return item


def end_tv_package(
    subscription_id: int, item_id: int, *, ended_on=None, today: date | None = None
) -> SubscriptionTvPackage:
    """Remove a TV package from a subscription: it ends on ``ended_on`` (default today).

    Raises:
        NotFoundError: no such subscription or package on it.
        ActionError: already ended, or a bad date.
    """
    return _end_item(
        subscription_id, SubscriptionTvPackage, item_id, ended_on, today,
        not_found=_l("This TV package is not on the plan."),
        already_ended=_l("This TV package was already removed."),
        started_on="added_on",
    )


def add_tv_point(
    subscription_id: int, *, serial=None, location=None, price=None
) -> TvPoint:
    """Add a TV point (set-top box) to a subscription.

    Raises:
        NotFoundError: no such subscription.
        ActionError: a cancelled plan, a serial already in use, or a bad price.
    """
    errors: dict[str, str] = {}
    serial_text = text_value(serial, "serial", errors, max_length=40, required=False)
    place = text_value(location, "location", errors, max_length=100, required=False)
    amount = _price(price, Decimal("0.00"), errors)
    if serial_text and db.session.scalar(select(TvPoint.id).where(TvPoint.serial == serial_text)):
        errors["serial"] = str(_l("A TV point with this serial number already exists."))
    raise_errors(errors)
    with transaction():
        subscription = _live_subscription(subscription_id)
        point = TvPoint(subscription=subscription, serial=serial_text, location=place,
                        price=amount)
        db.session.add(point)
    return point


def end_tv_point(
    subscription_id: int, point_id: int, *, ended_on=None, today: date | None = None
) -> TvPoint:
    """Remove a TV point: it ends on ``ended_on`` (default today).

    Raises:
        NotFoundError: no such subscription or TV point on it.
        ActionError: already ended, or a bad date.
    """
    return _end_item(
        subscription_id, TvPoint, point_id, ended_on, today,
        not_found=_l("This TV point is not on the plan."),
        already_ended=_l("This TV point was already removed."),
    )


# --------------------------------------------------------------------------- voice


def add_phone_category(name, description=None) -> PhoneCategory:
    """Adicionar Categoria Telefone: a new category of voice terminals.

    Raises:
        ActionError: no name, or a category with that name exists.
    """
    with transaction():
        category = _new_category(name, description, "name")
    return category


def _new_category(name, description, field_name: str) -> PhoneCategory:
    errors: dict[str, str] = {}
    text = text_value(name, field_name, errors, max_length=60)
    about = text_value(description, "description", errors, max_length=200, required=False)
    if text and db.session.scalar(
        select(PhoneCategory.id).where(func.lower(PhoneCategory.name) == text.lower())
    ):
        errors[field_name] = str(_l("A phone category with this name already exists."))
    raise_errors(errors)
    category = PhoneCategory(name=text, description=about)
    db.session.add(category)
    db.session.flush()
    return category


def _terminal_fields(data: dict, errors: dict[str, str], *, current: VoiceTerminal | None):
    """Number, SIP user and password, price and category id of a voice terminal form."""
    cleaned: dict = {}
    if current is None or "number" in data:
        raw = data.get("number")
        number = re.sub(r"[\s().-]", "", raw) if isinstance(raw, str) else ""
        if not PHONE_NUMBER.fullmatch(number):
            errors["number"] = str(
                _l("Enter the phone number with its area code: 10 or 11 digits.")
            )
        else:
            taken = db.session.scalar(
                select(VoiceTerminal.id).where(VoiceTerminal.number == number)
            )
            if taken and (current is None or taken != current.id):
                errors["number"] = str(_l("A voice terminal with this number already exists."))
            cleaned["number"] = number
    if current is None or "sip_user" in data:
        raw = data.get("sip_user")
        user = raw.strip() if isinstance(raw, str) else ""
        if not SIP_USER.fullmatch(user):
            errors["sip_user"] = str(
                _l(
                    "The SIP user has 3 to 64 letters, digits and . _ - @, "
                    "starting with a letter or digit."
                )
            )
        else:
            taken = db.session.scalar(
                select(VoiceTerminal.id).where(VoiceTerminal.sip_user == user)
            )
            if taken and (current is None or taken != current.id):
                errors["sip_user"] = str(_l("This SIP user is already in use."))
            cleaned["sip_user"] = user
    if "sip_password" in data and data["sip_password"] not in (None, ""):
        # Left empty on Alterar Terminal de Voz, the stored password is kept.
        password = data["sip_password"]
        if not isinstance(password, str) or not 6 <= len(password) <= 64 or any(
            not ("!" <= c <= "~") for c in password
        ):
            errors["sip_password"] = str(
                _l("The SIP password has 6 to 64 letters, digits and symbols, without spaces.")
            )
        else:
            cleaned["sip_password"] = password
    if current is None or "price" in data:
        cleaned["price"] = _price(data.get("price"), Decimal("0.00"), errors)
    if current is None or "category_id" in data:
        raw = data.get("category_id")
        if raw in (None, ""):
            cleaned["category_id"] = None
        else:
            key = parse_id(raw, "category_id", errors, _l("Choose the category."))
            if key and db.session.get(PhoneCategory, key) is None:
                errors["category_id"] = str(_l("Choose the category."))
            cleaned["category_id"] = key
    return cleaned


def add_voice_terminal(
    subscription_id: int, data: dict, *, may_add_category: bool = False
) -> VoiceTerminal:
    """Add a voice terminal (number, category, SIP user and password, price).

    ``data`` may name a new category (``new_category``) instead of ``category_id``; it is
    created in the same transaction, which needs the Adicionar Categoria Telefone
    permission (``may_add_category``).

    Raises:
        NotFoundError: no such subscription.
        PermissionDeniedError: a new category without that permission.
        ActionError: a cancelled plan, or bad or taken values (per field).
    """
    errors: dict[str, str] = {}
    cleaned = _terminal_fields(data, errors, current=None)
    new_category = _new_category_name(data, may_add_category)
    raise_errors(errors)
    with transaction():
        subscription = _live_subscription(subscription_id)
        if new_category:
            cleaned["category_id"] = _new_category(new_category, None, "new_category").id
        terminal = VoiceTerminal(subscription=subscription, active=True, **cleaned)
        db.session.add(terminal)
    return terminal


def terminal_values(terminal: VoiceTerminal) -> dict:
    """The fields of Alterar Terminal de Voz (never the SIP password)."""
    customer = terminal.subscription.customer
    return {
        "number": terminal.number,
        "sip_user": terminal.sip_user,
        "sip_password": "",
        "price": f"{terminal.price:.2f}".replace(".", ","),
        "category_id": str(terminal.category_id or ""),
        "active": "1" if terminal.active else "0",
        "contact_email": customer.email or "",
        "customer_version": str(customer.version),
    }


def edit_voice_terminal(
    terminal_id: int, data: dict, *, may_add_category: bool = False
) -> VoiceTerminal:
    """Alterar Terminal de Voz: its number, category, SIP user and password, price,
    whether it is active, and the customer's contact e-mail.

    Only the keys present in ``data`` change. ``contact_email`` is the customer's one
    contact e-mail (``Customer.email``, shown by the helpdesk too): it is changed on the
    customer, for every screen at once. ``customer_version`` (the customer's version the
    form was read at) protects it from overwriting someone else's edit.

    Raises:
        NotFoundError: no such voice terminal.
        PermissionDeniedError: a new category without Adicionar Categoria Telefone.
        ActionError: bad or taken values (per field), or nothing to change.
        ConflictError: the customer changed since the form was read.
    """
    terminal = db.session.get(VoiceTerminal, terminal_id)
    if terminal is None:
        raise NotFoundError(_l("Voice terminal not found."))
    customer = terminal.subscription.customer
    errors: dict[str, str] = {}
    cleaned = _terminal_fields(data, errors, current=terminal)
    if "active" in data:
        value = data["active"]
        if isinstance(value, bool):
            cleaned["active"] = value
        elif isinstance(value, str) and value in ("0", "1"):
            cleaned["active"] = value == "1"
        else:
            errors["active"] = str(_l("Answer yes or no."))
        if cleaned.get("active") and terminal.subscription.status not in LIVE:
            errors["active"] = str(
                _l("This plan is cancelled or inactive; it can no longer be changed.")
            )
    email = None
    if "contact_email" in data:
        raw = data["contact_email"]
        if raw is not None and not isinstance(raw, str):
            errors["contact_email"] = str(_l("Invalid e-mail address."))
        else:
            email = (raw or "").strip() or None
            if email and (len(email) > 254 or not EMAIL.fullmatch(email)):
                errors["contact_email"] = str(_l("Invalid e-mail address."))
    new_category = _new_category_name(data, may_add_category)
    raise_errors(errors)
    check_version(customer, data.get("customer_version"))
    with transaction():
        if new_category:
            cleaned["category_id"] = _new_category(new_category, None, "new_category").id
        changed = False
        for key, value in cleaned.items():
            if getattr(terminal, key) != value:
                setattr(terminal, key, value)
                changed = True
        if "contact_email" in data and customer.email != email:
            customer.email = email
            changed = True
        if not changed:
            raise ActionError(_l("Nothing to change: the voice terminal already has these values."))
    return terminal


# --------------------------------------------------------------------------- extra services


def add_extra_service(
    subscription_id: int,
    service_type_id,
    *,
    price=None,
    started_on=None,
    today: date | None = None,
) -> ExtraService:
    """Add an extra service (Antivírus ...) to a subscription, billed from ``started_on``
    (default today) at the catalogue price unless another is agreed.

    Raises:
        NotFoundError: no such subscription.
        ActionError: a cancelled plan, an inactive or unknown service, the service is
            already on the plan, or a bad price or date.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    kind = _catalogue_entry(
        ExtraServiceType, service_type_id, "service_type_id", _l("Choose the extra service."),
        errors,
    )
    start = _day(started_on, "started_on", errors, today)
    amount = _price(price, kind.price if kind else Decimal("0.00"), errors)
    raise_errors(errors)
    with transaction():
        subscription = _live_subscription(subscription_id)
        if any(
            e.service_type_id == kind.id and (e.ended_on is None or e.ended_on >= start)
            for e in subscription.extra_services
        ):
            raise ActionError(
                _l("The plan already has the extra service %(name)s.", name=kind.name),
                field="service_type_id",
            )
        extra = ExtraService(
            subscription=subscription, service_type=kind, price=amount, started_on=start
        )
        db.session.add(extra)
    return extra


def end_extra_service(
    subscription_id: int, extra_id: int, *, ended_on=None, today: date | None = None
) -> ExtraService:
    """Remove an extra service: it ends on ``ended_on`` (default today).

    Raises:
        NotFoundError: no such subscription or service on it.
        ActionError: already ended, or a bad date.
    """
    return _end_item(
        subscription_id, ExtraService, extra_id, ended_on, today,
        not_found=_l("This extra service is not on the plan."),
        already_ended=_l("This extra service was already removed."),
        started_on="started_on",
    )
