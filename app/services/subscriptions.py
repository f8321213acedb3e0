"""Subscriptions: the new-subscription wizard's rules, combos, and the customer's plan tree.

The wizard (views) and the REST API both call :func:`create_subscription` with the same
data; every step's rule lives in one ``validate_*`` function here, and finishing
re-validates all of them and writes subscription(s), contract, witnesses and plan history
in one transaction.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    AccessPoint,
    City,
    Combo,
    Contract,
    ContractTemplate,
    ContractWitness,
    Customer,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionDraft,
    SubscriptionPlanHistory,
    SubscriptionStatus,
)
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
    only_digits,
    parse_typed_date,
    validate_document,
    validate_due_day,
    validate_text,
)


class StepError(DomainError):
    """A wizard step's data is invalid; ``errors`` maps fields to messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values())))
        self.errors = errors


class ComboMemberError(DomainError):
    """A plan inside a combo is edited only through its combo."""

    status_code = 409


COMBO_ONLY = _l("This plan belongs to a combo: edit it through the combo.")

STEP_PLAN, STEP_DETAILS, STEP_CONTRACT, STEP_PEOPLE, STEP_PAYMENT, STEP_SUMMARY = range(1, 7)
STEPS = {
    STEP_PLAN: _l("Plan"),
    STEP_DETAILS: _l("Plan details"),
    STEP_CONTRACT: _l("Contract"),
    STEP_PEOPLE: _l("Responsible and witnesses"),
    STEP_PAYMENT: _l("Payment"),
    STEP_SUMMARY: _l("Summary"),
}


# --------------------------------------------------------------------------- lookups


def search_plans(term: str, limit: int = 10) -> list[Plan]:
    """Active plans whose name contains ``term`` (case-insensitive), for the type-ahead."""
    term = (term or "").strip()
    query = select(Plan).where(Plan.active.is_(True))
    if term:
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(func.lower(Plan.name).like(f"%{escaped.lower()}%", escape="\\"))
    return list(db.session.scalars(query.order_by(Plan.name).limit(limit)))


def access_points_of(city_id: int) -> list[AccessPoint]:
    """Active access points of a city, by name."""
    query = (
        select(AccessPoint)
        .where(AccessPoint.city_id == city_id, AccessPoint.active.is_(True))
        .order_by(AccessPoint.name)
    )
    return list(db.session.scalars(query))


def suggest_contract_number(template_id: int | None = None, today: date | None = None) -> str:
    """A free contract number: the template's prefix, the year and a sequence."""
    today = today or date.today()
    template = db.session.get(ContractTemplate, template_id) if template_id else None
    prefix = (template.number_prefix if template and template.number_prefix else "CT").upper()
    stem = f"{prefix}-{today.year}-"
    numbers = db.session.scalars(select(Contract.number).where(Contract.number.like(f"{stem}%")))
    used = [int(n[len(stem) :]) for n in numbers if n[len(stem) :].isdigit()]
    return f"{stem}{(max(used) if used else 0) + 1:05d}"


def search_people(term: str, limit: int = 10) -> list[Customer]:
    """People on record (customers) by name or document, to pick responsible and witnesses."""
    term = (term or "").strip()
    if len(term) < 2:
        return []
    digits = only_digits(term)
    conditions = [func.lower(Customer.name).like(f"%{term.lower()}%")]
    if digits:
        conditions.append(Customer.document.like(f"{digits}%"))
    query = select(Customer).where(or_(*conditions)).order_by(Customer.name).limit(limit)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------- validation


def _int(data: dict, key: str) -> int | None:
    value = data.get(key)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def validate_plan_step(data: dict) -> dict:
    """Step 1: one or more active plans (more than one makes a combo, which needs a name)."""
    ids = data.get("plan_ids")
    if ids is None and data.get("plan_id") not in (None, ""):
        ids = [data.get("plan_id")]
    try:
        plan_ids = [int(i) for i in (ids or [])]
    except (TypeError, ValueError):
        raise StepError({"plan_ids": str(_l("Choose the plan from the list."))}) from None
    if not plan_ids:
        raise StepError({"plan_ids": str(_l("Choose a plan."))})
    if len(set(plan_ids)) != len(plan_ids):
        raise StepError({"plan_ids": str(_l("The same plan was chosen twice."))})
    plans = db.session.scalars(select(Plan).where(Plan.id.in_(plan_ids))).all()
    if len(plans) != len(plan_ids) or not all(p.active for p in plans):
        raise StepError({"plan_ids": str(_l("Choose an active plan from the list."))})
    result: dict[str, Any] = {"plan_ids": plan_ids}
    combo_name = data.get("combo_name")
    if len(plan_ids) > 1 or (combo_name or "").strip():
        # Checked whenever typed, even for a single plan where it is not used: the
        # draft keeps what the step received.
        try:
            name = validate_text(combo_name, max_length=100)
        except ValidationError as exc:
            message = str(exc) if (combo_name or "").strip() else str(_l("Give the combo a name."))
            raise StepError({"combo_name": message}) from None
        if len(plan_ids) > 1:
            result["combo_name"] = name
    return result


def validate_details_step(data: dict) -> dict:
    """Step 2: installation address and access point (of the chosen city)."""
    errors: dict[str, str] = {}
    result: dict[str, Any] = {}
    for key, size, required in (
        ("street", 150, True),
        ("number", 20, True),
        ("complement", 100, False),
        ("district", 100, True),
    ):
        try:
            result[key] = validate_text(data.get(key), max_length=size, required=required)
        except ValidationError as exc:
            errors[key] = str(exc)
    zip_code = only_digits(data.get("zip_code"))
    if len(zip_code) != 8:
        errors["zip_code"] = str(_l("The ZIP code (CEP) has 8 digits."))
    result["zip_code"] = zip_code
    city_id = _int(data, "city_id")
    city = db.session.get(City, city_id) if city_id else None
    if city is None:
        errors["city_id"] = str(_l("Choose the city."))
    access_point_id = _int(data, "access_point_id")
    access_point = db.session.get(AccessPoint, access_point_id) if access_point_id else None
    if access_point is None or not access_point.active:
        errors["access_point_id"] = str(_l("Choose the access point."))
    elif city is not None and access_point.city_id != city.id:
        errors["access_point_id"] = str(_l("This access point does not serve the chosen city."))
    try:
        result["notes"] = validate_text(data.get("notes"), max_length=2000, required=False)
    except ValidationError as exc:
        errors["notes"] = str(exc)
    if errors:
        raise StepError(errors)
    result.update(city_id=city_id, access_point_id=access_point_id)
    return result


def validate_contract_step(data: dict) -> dict:
    """Step 3: contract template and a contract number not yet used."""
    errors: dict[str, str] = {}
    template_id = _int(data, "template_id")
    template = db.session.get(ContractTemplate, template_id) if template_id else None
    if template is None or not template.active:
        errors["template_id"] = str(_l("Choose the contract template."))
    number = (data.get("contract_number") or "").strip().upper()
    try:
        validate_text(number, max_length=30)
    except ValidationError as exc:
        errors["contract_number"] = str(exc)
    else:
        if not all(c.isalnum() or c in "-/." for c in number):
            errors["contract_number"] = str(
                _l("The contract number takes letters, digits, '-', '/' and '.'.")
            )
        elif db.session.scalar(select(Contract.id).where(Contract.number == number)):
            errors["contract_number"] = str(_l("A contract with this number already exists."))
    if errors:
        raise StepError(errors)
    return {"template_id": template_id, "contract_number": number}


def _person(data: dict, prefix: str, label) -> tuple[dict, dict]:
    """A person chosen from the records (``<prefix>_customer_id``) or typed in."""
    errors: dict[str, str] = {}
    customer_id = _int(data, f"{prefix}_customer_id")
    if customer_id:
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            return {}, {f"{prefix}_name": str(_l("%(who)s: person not found.", who=label))}
        return {
            "customer_id": customer.id,
            "name": customer.name,
            "document": customer.document,
        }, {}
    person: dict[str, Any] = {"customer_id": None}
    try:
        person["name"] = validate_text(data.get(f"{prefix}_name"), max_length=150)
    except ValidationError:
        errors[f"{prefix}_name"] = str(_l("%(who)s: enter the name.", who=label))
    try:
        person["document"] = validate_document(data.get(f"{prefix}_document"))
    except ValidationError as exc:
        errors[f"{prefix}_document"] = f"{label}: {exc}"
    return person, errors


def validate_people_step(data: dict) -> dict:
    """Step 4: the responsible for the contract and two different witnesses."""
    responsible, errors = _person(data, "responsible", _l("Responsible"))
    first, e1 = _person(data, "witness1", _l("Witness 1"))
    second, e2 = _person(data, "witness2", _l("Witness 2"))
    errors.update(e1)
    errors.update(e2)
    if not errors:
        if first["document"] == second["document"]:
            errors["witness2_document"] = str(_l("The two witnesses must be different people."))
        elif responsible["document"] in (first["document"], second["document"]):
            errors["witness1_document"] = str(
                _l("The responsible for the contract cannot also be a witness.")
            )
    if errors:
        raise StepError(errors)
    return {"responsible": responsible, "witnesses": [first, second]}


def validate_payment_step(data: dict) -> dict:
    """Step 5: payment method (PIX included) and due day."""
    errors: dict[str, str] = {}
    method_id = _int(data, "payment_method_id")
    method = db.session.get(PaymentMethod, method_id) if method_id else None
    if method is None or not method.active:
        errors["payment_method_id"] = str(_l("Choose the payment method."))
    try:
        due_day = validate_due_day(data.get("due_day"))
    except ValidationError as exc:
        errors["due_day"] = str(exc)
        due_day = None
    if errors:
        raise StepError(errors)
    return {"payment_method_id": method_id, "due_day": due_day}


VALIDATORS = {
    STEP_PLAN: validate_plan_step,
    STEP_DETAILS: validate_details_step,
    STEP_CONTRACT: validate_contract_step,
    STEP_PEOPLE: validate_people_step,
    STEP_PAYMENT: validate_payment_step,
}


def validate_all(data: dict) -> dict[int, dict]:
    """Every step's rule over the whole (flat) data; the errors of all steps together.

    Raises:
        StepError: with every field's message.
    """
    cleaned: dict[int, dict] = {}
    errors: dict[str, str] = {}
    for step, validator in VALIDATORS.items():
        try:
            cleaned[step] = validator(data)
        except StepError as exc:
            errors.update(exc.errors)
    if errors:
        raise StepError(errors)
    return cleaned


# --------------------------------------------------------------------------- creation


@dataclass
class NewSubscription:
    """What :func:`create_subscription` wrote."""

    contract: Contract
    subscriptions: list[Subscription]
    combo: Combo | None = None
    created: bool = True
    messages: list[str] = field(default_factory=list)


def _flatten(data: dict) -> dict:
    """Accept either ``{"1": {...}, "2": {...}}`` (wizard drafts) or one flat dict (API)."""
    if all(str(s) in data for s in VALIDATORS):
        flat: dict[str, Any] = {}
        for step in VALIDATORS:
            flat.update(data[str(step)])
        return flat
    return data


def create_subscription(
    customer_id: int, data: dict, *, draft_token: str | None = None, today: date | None = None
) -> NewSubscription:
    """Create the subscription(s), contract and witnesses of the wizard in one transaction.

    Args:
        customer_id: the customer who subscribes.
        data: the wizard's data, per step or flat (API).
        draft_token: the wizard draft; finishing the same draft twice (a double click)
            returns the first result and creates nothing.
        today: the activation date (default: today).

    Raises:
        NotFoundError: no such customer.
        StepError: some step's data is invalid (``errors`` lists all of them).
        ConflictError: the contract number was taken meanwhile.
    """
    today = today or date.today()
    customer = db.session.get(Customer, customer_id)
    if customer is None:
        raise NotFoundError(_l("Customer not found."))
    draft = None
    if draft_token:
        draft = db.session.scalar(
            select(SubscriptionDraft)
            .where(SubscriptionDraft.token == draft_token)
            .with_for_update()
        )
        if draft is None or draft.customer_id != customer_id:
            raise NotFoundError(_l("This new-plan form has expired; start again."))
        if draft.subscription_id:
            first = db.session.get(Subscription, draft.subscription_id)
            subs = list(first.combo.subscriptions) if first.combo else [first]
            return NewSubscription(first.contract, subs, first.combo, created=False)
    cleaned = validate_all(_flatten(data))
    plan_step, details, contract_step = cleaned[1], cleaned[2], cleaned[3]
    people, payment = cleaned[4], cleaned[5]
    plans = {
        p.id: p for p in db.session.scalars(select(Plan).where(Plan.id.in_(plan_step["plan_ids"])))
    }
    responsible = people["responsible"]
    try:
        contract = Contract(
            number=contract_step["contract_number"],
            customer=customer,
            template_id=contract_step["template_id"],
            responsible_name=responsible["name"],
            responsible_document=responsible["document"],
            responsible_customer_id=responsible["customer_id"],
            fine_amount=max((plans[i].fine_amount for i in plans), default=Decimal("0.00")),
            payment_method_id=payment["payment_method_id"],
            due_day=payment["due_day"],
            signed_on=today,
            starts_on=today,
        )
        contract.witnesses = [
            ContractWitness(
                position=n, name=w["name"], document=w["document"], customer_id=w["customer_id"]
            )
            for n, w in enumerate(people["witnesses"], start=1)
        ]
        db.session.add(contract)
        combo = None
        if len(plans) > 1:
            combo = Combo(name=plan_step["combo_name"], customer=customer, contract=contract)
            db.session.add(combo)
        subscriptions = []
        for plan_id in plan_step["plan_ids"]:
            plan = plans[plan_id]
            subscription = Subscription(
                customer=customer,
                plan=plan,
                contract=contract,
                combo=combo,
                status=SubscriptionStatus.ACTIVE,
                first_activated_on=today,
                enabled_on=today,
                renewed_on=today,
                **details,
            )
            db.session.add(subscription)
            db.session.add(
                SubscriptionPlanHistory(
                    subscription=subscription, plan=plan, price=plan.price, started_on=today
                )
            )
            subscriptions.append(subscription)
        db.session.flush()
        if draft is not None:
            draft.subscription_id = subscriptions[0].id
            draft.step = STEP_SUMMARY
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ConflictError(integrity_message(exc)) from exc
    except Exception:
        db.session.rollback()
        raise
    return NewSubscription(contract, subscriptions, combo)


# --------------------------------------------------------------------------- drafts


def open_draft(customer_id: int, user_id: int) -> SubscriptionDraft:
    """The user's unfinished draft for this customer, or a new one."""
    draft = db.session.scalar(
        select(SubscriptionDraft)
        .where(
            SubscriptionDraft.customer_id == customer_id,
            SubscriptionDraft.user_id == user_id,
            SubscriptionDraft.subscription_id.is_(None),
        )
        .order_by(SubscriptionDraft.id.desc())
    )
    if draft is None:
        draft = SubscriptionDraft(
            token=secrets.token_urlsafe(24), customer_id=customer_id, user_id=user_id, data={}
        )
        db.session.add(draft)
        db.session.commit()
    return draft


def save_step(draft: SubscriptionDraft, step: int, data: dict) -> dict:
    """Validate one step and keep what was typed in the draft.

    What was typed is kept even when invalid, so going back and forth never loses it.

    Raises:
        StepError: the step's data is invalid.
    """
    keep_typed(draft, step, data)
    cleaned = VALIDATORS[step](data)
    raw = dict(draft.data)
    raw[str(step)] = data
    draft.data = raw
    draft.step = max(draft.step, step + 1)
    db.session.commit()
    return cleaned


def keep_typed(draft: SubscriptionDraft, step: int, data: dict) -> None:
    """Remember what the user typed on a step, without validating it."""
    raw = dict(draft.data or {})
    raw[f"raw{step}"] = data
    draft.data = raw
    db.session.commit()


def draft_values(draft: SubscriptionDraft, step: int) -> dict:
    """What the user last typed on a step (valid or not)."""
    data = draft.data or {}
    return data.get(f"raw{step}") or data.get(str(step)) or {}


def discard_draft(draft: SubscriptionDraft) -> None:
    """Forget an unfinished draft."""
    db.session.delete(draft)
    db.session.commit()


# --------------------------------------------------------------------------- tree


STATUS_FILTERS = {
    "active": (SubscriptionStatus.ACTIVE,),
    "suspended": (SubscriptionStatus.SUSPENDED,),
    "inactive": (SubscriptionStatus.CANCELLED, SubscriptionStatus.INACTIVE),
}


@dataclass
class PlanTreeNode:
    """A combo with its subscriptions, or a lone subscription (``combo`` None)."""

    combo: Combo | None
    subscriptions: list[Subscription]


def plan_tree(customer_id: int, status: str | None = None) -> list[PlanTreeNode]:
    """The customer's subscriptions grouped under their combos, filtered by status group.

    Args:
        status: ``active``, ``suspended``, ``inactive`` (cancelled or inactive) or None.
    """
    from sqlalchemy.orm import selectinload

    query = (
        select(Subscription)
        .where(Subscription.customer_id == customer_id)
        .options(
            selectinload(Subscription.plan),
            selectinload(Subscription.combo),
            selectinload(Subscription.contract),
            # What the context menu of each plan checks (an ONU to link, a login to
            # delete): loaded for all plans at once, not per plan.
            selectinload(Subscription.onus),
            selectinload(Subscription.radius_logins),
        )
        .order_by(Subscription.combo_id.is_(None), Subscription.combo_id, Subscription.id)
    )
    if status in STATUS_FILTERS:
        query = query.where(Subscription.status.in_(STATUS_FILTERS[status]))
    nodes: list[PlanTreeNode] = []
    by_combo: dict[int, PlanTreeNode] = {}
    for subscription in db.session.scalars(query):
        if subscription.combo_id:
            node = by_combo.get(subscription.combo_id)
            if node is None:
                node = by_combo[subscription.combo_id] = PlanTreeNode(subscription.combo, [])
                nodes.append(node)
            node.subscriptions.append(subscription)
        else:
            nodes.append(PlanTreeNode(None, [subscription]))
    return nodes


def ensure_editable_directly(subscription: Subscription) -> None:
    """Refuse a direct edit of a plan inside a combo.

    Raises:
        ComboMemberError: the subscription belongs to a combo.
    """
    if subscription.combo_id is not None:
        raise ComboMemberError(COMBO_ONLY)


def monthly_total(subscriptions: Iterable[Subscription]) -> Decimal:
    """Sum of the plans' prices of some subscriptions."""
    return sum((s.plan.price for s in subscriptions), Decimal("0.00"))


# --------------------------------------------------------------------------- editing


def _date(data: dict, key: str, errors: dict[str, str]) -> date | None:
    """The ISO date (``2026-03-10``, what the form's date inputs and the API send) under
    ``key``; None if empty. A bad or out-of-range one notes its message under ``key``."""
    value = (data.get(key) or "").strip()
    if not value:
        return None
    if "/" in value:
        # Editar dados do Plano takes ISO dates only (its date inputs send them); the
        # typed-date parser would also read 10/03/2026.
        errors[key] = str(INVALID_DATE)
        return None
    try:
        return parse_typed_date(value)
    except ValidationError as exc:
        errors[key] = str(exc)
        return None


def validate_subscription_data(data: dict, today: date | None = None) -> dict:
    """Editar dados do Plano: address, access point, dates and notes, with the date rules.

    The first activation cannot be in the future; the enable and activation/renewal
    dates cannot come before the first activation.
    """
    today = today or date.today()
    errors: dict[str, str] = {}
    try:
        cleaned = validate_details_step(data)
    except StepError as exc:
        errors.update(exc.errors)
        cleaned = {}
    first = _date(data, "first_activated_on", errors)
    enabled = _date(data, "enabled_on", errors)
    renewed = _date(data, "renewed_on", errors)
    if first and first > today:
        errors["first_activated_on"] = str(_l("The first activation cannot be in the future."))
    if first and enabled and enabled < first:
        errors["enabled_on"] = str(
            _l("The enable date cannot be before the first activation date.")
        )
    if first and renewed and renewed < first:
        errors["renewed_on"] = str(
            _l("The activation/renewal date cannot be before the first activation date.")
        )
    if errors:
        raise StepError(errors)
    cleaned.update(first_activated_on=first, enabled_on=enabled, renewed_on=renewed)
    return cleaned


STALE = _l(
    "This record was changed by someone else while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


def _check_version(record, expected_version, *, required: bool = False) -> None:
    if expected_version in (None, "") and not required:
        return
    if str(record.version) != str(expected_version):
        raise StaleVersionError(STALE)


def _commit_versioned() -> None:
    """Commit; a save that another one overtook since the version check is a conflict."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ConflictError(STALE) from None


def update_subscription_data(
    subscription: Subscription,
    data: dict,
    *,
    expected_version=None,
    version_required: bool = False,
    today: date | None = None,
) -> Subscription:
    """Save Editar dados do Plano in one transaction.

    ``expected_version`` is the version the editor read; without it the check is
    skipped, unless ``version_required`` (the screen always sends one, so a save
    without it is refused like a stale one).

    Raises:
        ComboMemberError: the subscription belongs to a combo.
        DomainError: the subscription is cancelled (its record stays as it ended).
        StepError: invalid data (nothing is written).
        StaleVersionError: someone saved it since ``expected_version`` was read.
        ConflictError: someone saved it between the check and the commit.
    """
    ensure_editable_directly(subscription)
    if subscription.status == SubscriptionStatus.CANCELLED:
        raise DomainError(_l("This plan is cancelled; its data can no longer be changed."))
    _check_version(subscription, expected_version, required=version_required)
    cleaned = validate_subscription_data(data, today)
    for key, value in cleaned.items():
        setattr(subscription, key, value)
    _commit_versioned()
    return subscription


def combo_versions(combo: Combo) -> str:
    """The versions of a combo's plans as its edit form carries them: ``id:version,...``."""
    return ",".join(f"{s.id}:{s.version}" for s in sorted(combo.subscriptions, key=lambda s: s.id))


def update_combo(
    combo: Combo,
    data: dict,
    today: date | None = None,
    *,
    expected_versions: str | None = None,
    versions_required: bool = False,
) -> Combo:
    """Editar Combo: its name and the data shared by all its plans, in one transaction.

    ``expected_versions`` is :func:`combo_versions` as the editor read it; without it
    the check is skipped, unless ``versions_required`` (the screen always sends it).

    Raises:
        StepError: invalid data (nothing is written).
        StaleVersionError: one of its plans was saved by someone else meanwhile.
    """
    checked = expected_versions not in (None, "") or versions_required
    if checked and str(expected_versions) != combo_versions(combo):
        raise StaleVersionError(STALE)
    errors: dict[str, str] = {}
    try:
        name = validate_text(data.get("name"), max_length=100)
    except ValidationError as exc:
        errors["name"] = str(exc)
    try:
        cleaned = validate_subscription_data(data, today)
    except StepError as exc:
        errors.update(exc.errors)
    if errors:
        raise StepError(errors)
    combo.name = name
    for subscription in combo.subscriptions:
        for key, value in cleaned.items():
            setattr(subscription, key, value)
    _commit_versioned()
    return combo
