"""The billing core: a contract's monthly charges, payments, carnês, PIX, due-day and
plan-change differences, and a customer's totals.

Every action here validates, writes in one transaction (commit, or roll back everything)
and raises a :class:`~app.services.errors.DomainError` whose message is for the user.
:func:`plan_change_charge` is the exception: it runs inside the plan change's own
transaction and only flushes.

**The billing model** (see ``docs/billing.md``). A contract is billed once a month, in
arrears: the charge of reference month M (*competência*) is due on the contract's due day
of M and covers the billing period that ends the day before, from the due date of M-1.
A combo, or any number of subscriptions under one contract, yields one charge. The amount
is worked out by :mod:`app.services.money` (exact fractions, one ROUND_HALF_UP to the cent
per pro-rated amount); money is ``Decimal`` all the way, never ``float``.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import (
    BookletStatus,
    Charge,
    ChargeStatus,
    Combo,
    Contract,
    ContractCredit,
    ContractStatus,
    PaymentBooklet,
    PaymentMethodKind,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
    SystemVariable,
)
from app.models import system as sysvars
from app.models.base import utcnow
from app.services import money, pix
from app.services.audit import audit_reason
from app.services.clock import local_today
from app.services.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    constraint_name,
    integrity_message,
)
from app.validators import (
    ValidationError,
    parse_typed_date,
    validate_due_day,
    validate_money,
    validate_text,
    validate_typed_date,
)

log = logging.getLogger(__name__)

ZERO = money.ZERO
ONE_DAY = timedelta(days=1)
# How many days before its due date the sweep of due work generates a monthly charge
# (the app setting BILLING_LEAD_DAYS overrides it): early enough for the customer to get
# the bill, late enough that a plan or item added meanwhile still lands on it.
BILLING_LEAD_DAYS = 10
MAX_INSTALLMENTS = 24
MAX_REASON = 500
TXID_LENGTH = 25
TXID_ALPHABET = string.ascii_letters + string.digits
# Charges whose month is billed (see the partial unique index on charges).
LIVE = (ChargeStatus.OPEN, ChargeStatus.PAID)
MONTH_INDEX = "uq_charges_contract_id_reference_month"
MONTH_TAKEN = _l(
    "This month was billed by someone else at the same time; nothing was saved. "
    "Reload the page and try again."
)
STALE_MESSAGE = _l(
    "This record was changed by someone else while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


class BillingError(DomainError):
    """A billing action refused by a business rule; the message says which and why.

    When the input of a form is at fault, ``errors`` maps each bad field to its message
    (all of them, so a form shows every problem at once) and ``field`` names the first.
    """

    def __init__(self, message, *, field: str | None = None, errors=None) -> None:
        super().__init__(message, field=field)
        self.errors: dict[str, str] = dict(errors or ({field: str(message)} if field else {}))


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class GeneratedCharge:
    """Outcome of generating a contract's month: the month's charge (``None`` when there
    is nothing to bill) and whether this call created it."""

    charge: Charge | None
    created: bool


@dataclass
class ChargeRun:
    """What one run of :func:`generate_due_charges` did."""

    created: int = 0
    nothing_to_bill: int = 0
    failed: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ChargeTotals:
    """A customer's money at a glance.

    ``open`` is everything still owed (overdue included); ``overdue`` is the part past its
    due date; ``paid`` is what was received (``paid_amount``).
    """

    open: Decimal = ZERO
    overdue: Decimal = ZERO
    paid: Decimal = ZERO
    open_count: int = 0
    overdue_count: int = 0
    paid_count: int = 0


@dataclass(frozen=True)
class ChargeFilters:
    """Filters of a customer's charge list: status and a due-date period."""

    status: ChargeStatus | None = None
    due_from: date | None = None
    due_to: date | None = None


@dataclass(frozen=True)
class PixSettings:
    """The ISP as a PIX receiver, from the system variables."""

    key: str
    merchant_name: str
    merchant_city: str


@dataclass(frozen=True)
class ChargePix:
    """A charge's PIX "copia e cola" payload and its QR Code."""

    charge: Charge
    txid: str
    payload: str
    qr_svg: str
    qr_png: str


@dataclass(frozen=True)
class BookletSlip:
    """One page of a printed carnê: a charge and, for an open PIX charge, its PIX data."""

    number: int
    charge: Charge
    pix: ChargePix | None = None
    pix_error: str | None = None


@dataclass(frozen=True)
class ChargeMove:
    """An open charge that a due-day change moves: its new due date and billing period
    (the amount stays)."""

    charge: Charge
    due_on: date
    period_start: date | None
    period_end: date | None


@dataclass(frozen=True)
class DueDayChange:
    """What moving a contract's due day costs, shown before it is confirmed.

    ``difference`` is :func:`app.services.money.due_day_change_difference` (positive: the
    customer owes days; negative: a credit). ``charge_amount`` is what will actually be
    charged: the difference when the variable COBRAR_MUDANCA_VENCIMENTO is on and the
    difference is a debit, else zero. ``moved`` are the open charges, not yet due and not
    in a carnê, that move to the new due day (see :func:`preview_due_day_change`).
    """

    contract: Contract
    old_due_day: int
    new_due_day: int
    monthly_amount: Decimal
    difference: Decimal
    old_due_on: date
    new_due_on: date
    charging_enabled: bool
    charge_amount: Decimal
    moved: tuple[ChargeMove, ...] = ()


@dataclass(frozen=True)
class DueDayChangeResult:
    """A confirmed due-day change and the charge it created, if any."""

    change: DueDayChange
    charge: Charge | None


@dataclass(frozen=True)
class PlanChangeCharge:
    """The money side of a plan change in the middle of a billing period.

    ``difference`` > 0 (upgrade) is billed by ``charge``. ``difference`` < 0 (downgrade)
    is a credit deducted from the contract's open charges due on or after the period's
    due date (``credited``: each charge and the amount taken off it); what no open charge
    could absorb is ``unapplied_credit``. The whole credit is a row of the contract's
    credit ledger (``credit``), and each part taken is recorded as used by its charge, so
    ``unapplied_credit`` stays as the contract's credit, taken off its next monthly
    charges.
    """

    difference: Decimal
    period: money.BillingPeriod
    charge: Charge | None = None
    credited: list[tuple[Charge, Decimal]] = field(default_factory=list)
    unapplied_credit: Decimal = ZERO
    credit: ContractCredit | None = None


# --------------------------------------------------------------------------- helpers


@contextmanager
def _transaction() -> Iterator[None]:
    """Commit what the block wrote, or roll all of it back.

    Database refusals become :class:`ConflictError` with a message for the user.
    """
    try:
        yield
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        if constraint_name(exc) == MONTH_INDEX:
            raise ConflictError(MONTH_TAKEN) from exc
        raise ConflictError(integrity_message(exc)) from exc
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(STALE_MESSAGE) from exc
    except Exception:
        db.session.rollback()
        raise


def _collect(errors: dict[str, str], field_name: str, rule, value, **kwargs):
    """Run a validation rule; on refusal note its message under ``field_name``, return None."""
    try:
        return rule(value, **kwargs)
    except (ValidationError, DomainError) as exc:
        errors[field_name] = str(exc)
        return None


def _raise_errors(errors: dict[str, str]) -> None:
    """Refuse the input when any field is invalid, naming all of them."""
    if errors:
        field_name, message = next(iter(errors.items()))
        raise BillingError(message, field=field_name, errors=errors)


def _required_date(value: date | str | None) -> date:
    parsed = value if isinstance(value, date) else parse_date(value)
    if parsed is None:
        raise BillingError(_l("This field is required."))
    return parsed


def _money_call(compute, field_name: str) -> Decimal:
    """Run a computation of :mod:`app.services.money`; its MoneyError becomes a BillingError."""
    try:
        return compute()
    except money.MoneyError as exc:
        raise BillingError(str(exc), field=field_name) from None


def month_start(day: date) -> date:
    """The first day of ``day``'s month (how reference months are stored)."""
    return day.replace(day=1)


def _next_due(due_on: date) -> date:
    # billing_period of a due date starts on it and ends the day before the next one.
    return money.billing_period(due_on.day, due_on).end + ONE_DAY


def month_period(due_day: int, reference_month: date) -> tuple[money.BillingPeriod, date]:
    """The billing period that the charge of ``reference_month`` covers, and its due date.

    Due day 10 and March 2024: due on 10/03/2024, covering 10/02/2024 to 09/03/2024.
    """
    due_on = date(reference_month.year, reference_month.month, due_day)
    return money.billing_period(due_day, due_on - ONE_DAY), due_on


def format_money(value: Decimal | None) -> str:
    """An amount in the Brazilian way: ``1.234,56`` (no currency sign)."""
    value = value if value is not None else ZERO
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def _in_house_language():
    """Texts stored on charges (printed on carnês) are in the ISP's language, whoever
    clicks the button."""
    return force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "pt_BR"))


def _contract(contract_id: int, *, lock: bool = False) -> Contract:
    query = select(Contract).where(Contract.id == contract_id)
    if lock:
        # Serialises billing actions on one contract (PostgreSQL; SQLite locks the file).
        query = query.with_for_update()
    contract = db.session.scalar(query)
    if contract is None:
        raise NotFoundError(_l("Contract not found."))
    return contract


def _require_active(contract: Contract) -> None:
    if contract.status != ContractStatus.ACTIVE:
        raise BillingError(
            _l("Contract %(number)s is not active; it cannot be billed.", number=contract.number)
        )


def _charge(charge_id: int, *, lock: bool = False) -> Charge:
    query = select(Charge).where(Charge.id == charge_id)
    if lock:
        query = query.with_for_update()
    charge = db.session.scalar(query)
    if charge is None:
        raise NotFoundError(_l("Charge not found."))
    return charge


def new_txid() -> str:
    """A fresh PIX transaction id: 25 random letters and digits (the BR Code maximum)."""
    return "".join(secrets.choice(TXID_ALPHABET) for _ in range(TXID_LENGTH))


def new_charge(contract: Contract, **values) -> Charge:
    """Add (without flushing) an open charge of ``contract``, billed to its customer with
    its payment method; a PIX one gets a txid of its own.

    The one way a charge row is built: monthly charges, carnês, due-day and plan-change
    differences, a cancellation's charge and the copies of a transferred debt. ``values``
    are the charge's own columns (description, amount, due date, period, reference month,
    carnê).
    """
    method = contract.payment_method
    is_pix = method is not None and method.kind == PaymentMethodKind.PIX
    charge = Charge(
        customer_id=contract.customer_id,
        contract_id=contract.id,
        payment_method_id=contract.payment_method_id,
        status=ChargeStatus.OPEN,
        pix_txid=new_txid() if is_pix else None,
        **values,
    )
    db.session.add(charge)
    return charge


def _live_charge(contract_id: int, reference_month: date) -> Charge | None:
    return db.session.scalar(
        select(Charge).where(
            Charge.contract_id == contract_id,
            Charge.reference_month == reference_month,
            Charge.status.in_(LIVE),
        )
    )


# --------------------------------------------------------------------------- amounts


def contract_subscriptions(contract: Contract) -> list[Subscription]:
    """The subscriptions billed by a contract: its own and those of its combos."""
    combos = select(Combo.id).where(Combo.contract_id == contract.id)
    query = (
        select(Subscription)
        .where(or_(Subscription.contract_id == contract.id, Subscription.combo_id.in_(combos)))
        .order_by(Subscription.id)
    )
    return list(db.session.scalars(query))


def plan_price_on(subscription: Subscription, day: date) -> Decimal:
    """The monthly price of a subscription's plan in force on ``day``.

    The plan history keeps the price agreed each time the plan changed; the row started
    most recently on or before ``day`` applies. Before the first row, that row's price; with
    no history at all, the catalogue price of the current plan.
    """
    rows = db.session.scalars(
        select(SubscriptionPlanHistory)
        .where(SubscriptionPlanHistory.subscription_id == subscription.id)
        .order_by(SubscriptionPlanHistory.started_on, SubscriptionPlanHistory.id)
    ).all()
    if not rows:
        return subscription.plan.price
    current = rows[0]
    for row in rows:
        if row.started_on <= day:
            current = row
    return current.price


def _live_range(subscription: Subscription) -> tuple[date, date | None] | None:
    """Days a subscription is billed: from its first activation to its cancellation (the
    day of the cancellation is used); an inactive one up to its suspension date."""
    start = subscription.first_activated_on
    if start is None:
        return None
    end = subscription.cancelled_on
    if subscription.status == SubscriptionStatus.INACTIVE:
        ends = [d for d in (end, subscription.suspended_on) if d is not None]
        if not ends:
            return None
        end = min(ends)
    if end is not None and end < start:
        return None
    return start, end


Component = tuple[Decimal, date | None, date | None]


def _components(subscription: Subscription, period_start: date) -> list[Component]:
    """(monthly price, first day, last day) of everything a subscription bills: the plan
    (at the price in force on the period's first day), TV packages, TV points, active voice
    terminals and extra services, each with its own dates where it has them."""
    items: list[Component] = [(plan_price_on(subscription, period_start), None, None)]
    items += [(p.price, p.added_on, p.ended_on) for p in subscription.tv_packages]
    items += [(t.price, None, t.ended_on) for t in subscription.tv_points]
    items += [(v.price, None, None) for v in subscription.voice_terminals if v.active]
    items += [(e.price, e.started_on, e.ended_on) for e in subscription.extra_services]
    return [item for item in items if item[0]]


def _period_amount(
    subscriptions: list[Subscription], period: money.BillingPeriod
) -> tuple[Decimal, bool, list[Subscription]]:
    """What ``subscriptions`` cost in ``period``, whether any of it is pro rata, and which
    of them are billed.

    Prices billed for the same days are added first and pro-rated together, so each
    distinct range of days is rounded once (ROUND_HALF_UP to the cent, in
    :func:`app.services.money.prorata`); a whole period costs exactly its monthly price.
    """
    groups: dict[tuple[date, date], Decimal] = defaultdict(lambda: ZERO)
    billed: list[Subscription] = []
    for subscription in subscriptions:
        live = _live_range(subscription)
        if live is None:
            continue
        for price, item_start, item_end in _components(subscription, period.start):
            first = max(d for d in (live[0], item_start, period.start) if d is not None)
            last = min(d for d in (live[1], item_end, period.end) if d is not None)
            if first <= last:
                groups[(first, last)] += price
                if subscription not in billed:
                    billed.append(subscription)
    total = ZERO
    partial = False
    for (first, last), monthly in groups.items():
        total += _money_call(
            lambda m=monthly, f=first, t=last: money.prorata(m, f, t, period.start, period.end),
            "amount",
        )
        partial = partial or (first, last) != (period.start, period.end)
    return total, partial, billed


def contract_monthly_amount(contract: Contract, on: date) -> Decimal:
    """The full monthly price of a contract on ``on``: every live item of its subscriptions,
    not pro-rated (the base of a due-day change)."""
    total = ZERO
    for subscription in contract_subscriptions(contract):
        live = _live_range(subscription)
        if live is None or live[0] > on or (live[1] is not None and live[1] < on):
            continue
        for price, item_start, item_end in _components(subscription, on):
            if (item_start is None or item_start <= on) and (item_end is None or item_end >= on):
                total += price
    return total


def _description(text: str) -> str:
    return text if len(text) <= 200 else text[:199] + "…"


# --------------------------------------------------------------------------- credit


def contract_credit_balance(contract_id: int) -> Decimal:
    """The credit a contract holds: the sum of its credit movements (added in Python over
    ``Decimal``, like every total here)."""
    amounts = db.session.scalars(
        select(ContractCredit.amount).where(ContractCredit.contract_id == contract_id)
    )
    return sum(amounts, ZERO)


def contract_credits(contract_id: int) -> list[ContractCredit]:
    """A contract's credit movements, oldest first."""
    return list(
        db.session.scalars(
            select(ContractCredit)
            .where(ContractCredit.contract_id == contract_id)
            .order_by(ContractCredit.id)
        )
    )


def customer_credit_balance(customer_id: int) -> Decimal:
    """The credit held by all of a customer's contracts."""
    amounts = db.session.scalars(
        select(ContractCredit.amount)
        .join(Contract, ContractCredit.contract_id == Contract.id)
        .where(Contract.customer_id == customer_id)
    )
    return sum(amounts, ZERO)


def _grant_credit(contract: Contract, amount: Decimal, description: str) -> ContractCredit:
    """Add credit to a contract (inside the caller's transaction)."""
    credit = ContractCredit(
        contract_id=contract.id, amount=amount, description=_description(description)
    )
    db.session.add(credit)
    return credit


def _take_credit(
    contract: Contract, charge: Charge, balance: Decimal, note: str | None = None
) -> Decimal:
    """Take up to ``balance`` of the contract's credit off an open charge, recording the
    use (a negative ledger row pointing at the charge) and noting it in the description.

    A charge the credit covers entirely is settled at once (paid, R$ 0,00 received): there
    is nothing to pay, no PIX code to show, and it must never turn overdue.

    Returns:
        The amount taken.
    """
    taken = min(balance, charge.amount)
    if taken <= 0:
        return ZERO
    charge.amount -= taken
    if note is None:
        with _in_house_language():
            note = _("credit used")
    charge.description = _description(f"{charge.description} · {note} -{format_money(taken)}")
    if charge.amount == 0:
        charge.status = ChargeStatus.PAID
        charge.paid_amount = ZERO
        charge.paid_on = local_today()
    db.session.add(
        ContractCredit(contract_id=contract.id, charge=charge, amount=-taken, description=note)
    )
    return taken


def _return_credit(charge: Charge) -> None:
    """Give back the credit a cancelled charge had used, so the next charge takes it."""
    used = -sum(
        db.session.scalars(
            select(ContractCredit.amount).where(ContractCredit.charge_id == charge.id)
        ),
        ZERO,
    )
    if used > 0:
        with _in_house_language():
            note = _("credit returned by a cancelled charge")
        db.session.add(
            ContractCredit(
                contract_id=charge.contract_id, charge=charge, amount=used, description=note
            )
        )


def _build_monthly_charge(
    contract: Contract, reference_month: date, booklet: PaymentBooklet | None = None
) -> Charge | None:
    """Add (without committing) the charge of ``reference_month``, or None if nothing is
    billable in its period. The contract's credit, if any, is taken off it. The caller has
    checked that the month is not billed yet."""
    period, due_on = month_period(contract.due_day, reference_month)
    amount, partial, billed = _period_amount(contract_subscriptions(contract), period)
    if amount <= 0:
        return None
    # Read before the new charge is added: the query's autoflush must not flush it (a
    # month taken meanwhile is reported by the caller's own flush).
    credit = contract_credit_balance(contract.id)
    plans = ", ".join(s.plan.name for s in billed if s.plan is not None)
    with _in_house_language():
        text = _("Monthly fee %(month)s", month=reference_month.strftime("%m/%Y"))
        if partial:
            text += " " + _("(pro rata)")
    charge = new_charge(
        contract,
        booklet=booklet,
        description=_description(f"{text} · {plans}" if plans else text),
        amount=amount,
        due_on=due_on,
        period_start=period.start,
        period_end=period.end,
        reference_month=reference_month,
    )
    _take_credit(contract, charge, credit)
    return charge


# --------------------------------------------------------------------------- monthly charges


def generate_monthly_charge(contract_id: int, reference_month: date) -> GeneratedCharge:
    """Generate a contract's charge for a month, from its subscriptions.

    One charge for the whole contract, combos included: each subscription's plan (at the
    price in force on the period's first day), TV packages, TV points, voice terminals and
    extra services. A subscription activated inside the period is billed pro rata from
    its activation (the first period); one cancelled inside it, up to its cancellation.
    Idempotent: when the month already has a live (open or paid) charge, that charge is
    returned and nothing is written, also when two workers race (a unique index).

    Args:
        contract_id: the contract.
        reference_month: any day of the month the charge falls due in (its competência).

    Returns:
        The month's charge and whether it was created now; ``charge`` is None when
        nothing is billable in the period (no activated subscription).

    Raises:
        NotFoundError: no such contract.
        BillingError: the contract is not active.
    """
    month = month_start(reference_month)
    with _transaction():
        contract = _contract(contract_id, lock=True)
        _require_active(contract)
        existing = _live_charge(contract.id, month)
        if existing is not None:
            return GeneratedCharge(existing, created=False)
        charge = _build_monthly_charge(contract, month)
        if charge is None:
            return GeneratedCharge(None, created=False)
        try:
            db.session.flush()
        except IntegrityError:
            # Someone generated the same month meanwhile: theirs is the month's charge.
            db.session.rollback()
            return GeneratedCharge(_live_charge(contract_id, month), created=False)
    return GeneratedCharge(charge, created=True)


def _lead_days(lead_days: int | None) -> int:
    if lead_days is None:
        lead_days = current_app.config.get("BILLING_LEAD_DAYS", BILLING_LEAD_DAYS)
    whole = isinstance(lead_days, int) and not isinstance(lead_days, bool)
    if not whole or not 0 <= lead_days <= money.MAX_DUE_DAY - 1:
        raise BillingError(_l("The billing lead must be a whole number of days from 0 to 27."))
    return lead_days


def contracts_to_bill(today: date, lead_days: int | None = None) -> list[tuple[int, date]]:
    """The active contracts whose next monthly charge should exist by now but does not.

    A contract is due when one of its due dates falls from ``today`` to ``lead_days`` later
    (a due day of today included: a charge that was missed is still made) and that month
    has no live charge. Only contracts with at least one activated subscription are
    listed, since the others have nothing to bill. At most 27 days ahead, so each due day
    appears once.

    Returns:
        ``(contract id, reference month)`` pairs, by contract id.

    Raises:
        BillingError: ``lead_days`` is not a whole number from 0 to 27.
    """
    lead = _lead_days(lead_days)
    months: dict[int, date] = {}
    for offset in range(lead + 1):
        day = today + timedelta(days=offset)
        if day.day <= money.MAX_DUE_DAY:
            months.setdefault(day.day, month_start(day))
    if not months:
        return []
    combos = select(Combo.id).where(Combo.contract_id == Contract.id)
    activated = exists().where(
        or_(Subscription.contract_id == Contract.id, Subscription.combo_id.in_(combos)),
        Subscription.first_activated_on.is_not(None),
    )
    due = [
        and_(
            Contract.due_day == due_day,
            ~exists().where(
                Charge.contract_id == Contract.id,
                Charge.reference_month == month,
                Charge.status.in_(LIVE),
            ),
        )
        for due_day, month in months.items()
    ]
    rows = db.session.execute(
        select(Contract.id, Contract.due_day)
        .where(Contract.status == ContractStatus.ACTIVE, or_(*due), activated)
        .order_by(Contract.id)
    ).all()
    return [(contract_id, months[due_day]) for contract_id, due_day in rows]


def generate_due_charges(today: date | None = None, lead_days: int | None = None) -> ChargeRun:
    """Generate the coming monthly charge of every active contract that lacks it.

    The scheduled side of billing, run by the sweep of due work (``flask panel run-due``).
    For each contract of :func:`contracts_to_bill` it calls
    :func:`generate_monthly_charge`, so each contract is its own transaction and running
    twice creates nothing new. A contract that fails (refused by a rule, or any error) is
    logged and skipped: the others are still billed, and it is tried again next run.

    Args:
        today: the current day (tests; default: today).
        lead_days: how many days before the due date to bill; default the app setting
            ``BILLING_LEAD_DAYS``, else 10.

    Returns:
        How many charges were created, how many contracts had nothing to bill, and the
        ids of the contracts that failed.

    Raises:
        BillingError: a bad ``lead_days``.
    """
    today = today or local_today()
    run = ChargeRun()
    for contract_id, month in contracts_to_bill(today, lead_days):
        try:
            result = generate_monthly_charge(contract_id, month)
        except DomainError as exc:
            db.session.rollback()
            log.warning("monthly charge of contract %s for %s refused: %s", contract_id, month, exc)
            run.failed.append(contract_id)
            continue
        except Exception:  # noqa: BLE001 - one contract's failure must not stop the others
            db.session.rollback()
            log.exception("monthly charge of contract %s for %s failed", contract_id, month)
            run.failed.append(contract_id)
            continue
        if result.created:
            run.created += 1
        elif result.charge is None:
            run.nothing_to_bill += 1
    return run


# --------------------------------------------------------------------------- payments


def mark_charge_paid(
    charge_id: int, amount: Decimal | str, paid_on: date | str, *, today: date | None = None
) -> Charge:
    """Record that an open charge was paid (baixa).

    The amount received may differ from the charge's (interest, discount), but must be
    positive; the date cannot be in the future.

    Args:
        charge_id: the charge.
        amount: the amount received, a ``Decimal`` or text such as ``"99.90"`` or
            ``"99,90"``; float is refused.
        paid_on: the day it was paid, a date or text (see :func:`parse_date`).
        today: the current day (tests).

    Returns:
        The paid charge.

    Raises:
        NotFoundError: no such charge.
        BillingError: bad amount or date, or the charge is paid, cancelled or transferred.
        ConflictError: someone changed the charge at the same time.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    received = _collect(errors, "amount", validate_money, amount, allow_zero=False)
    paid_on = _collect(errors, "paid_on", _required_date, paid_on)
    if paid_on is not None and paid_on > today:
        errors["paid_on"] = str(_l("The payment date cannot be in the future."))
    _raise_errors(errors)
    with _transaction():
        charge = _charge(charge_id, lock=True)
        if charge.status == ChargeStatus.PAID:
            paid_on_text = charge.paid_on.strftime("%d/%m/%Y") if charge.paid_on else "—"
            raise BillingError(_l("This charge was already paid on %(date)s.", date=paid_on_text))
        if charge.status == ChargeStatus.CANCELLED:
            raise BillingError(_l("A cancelled charge cannot be paid."))
        if charge.status == ChargeStatus.TRANSFERRED:
            raise BillingError(
                _l("This charge was transferred to another customer; receive the new charge.")
            )
        charge.status = ChargeStatus.PAID
        charge.paid_amount = received
        charge.paid_on = paid_on
    return charge


# --------------------------------------------------------------------------- carnês


def _first_unbilled_month(contract: Contract, today: date) -> date:
    """The month of the next due date after ``today``, or the first month after it that
    is not billed yet."""
    month = month_start(money.billing_period(contract.due_day, today).end + ONE_DAY)
    for _step in range(10 * 12):
        if _live_charge(contract.id, month) is None:
            return month
        month = money.add_months(month, 1)
    return month


def issue_booklet(
    contract_id: int,
    installments: int | str,
    first_month: date | str | None = None,
    *,
    today: date | None = None,
) -> PaymentBooklet:
    """Issue a carnê: ``installments`` monthly charges of a contract, one per month.

    Each slip is the month's charge, worked out as :func:`generate_monthly_charge` does
    (so the first period of a new subscription is pro rata). A month that already has a
    live charge is refused, never billed twice.

    Args:
        contract_id: the contract.
        installments: how many months, 1 to 24.
        first_month: any day of the first slip's month, or text (see
            :func:`parse_month`); default, the month of the next due date (or the first
            later month not billed yet).
        today: the current day (tests).

    Returns:
        The booklet, its charges ordered by due date.

    Raises:
        NotFoundError: no such contract.
        BillingError: bad number of installments, inactive contract, a month already
            billed, or a month with nothing to bill.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    count = _collect(errors, "installments", _installments, installments)
    if not isinstance(first_month, date):
        first_month = _collect(errors, "first_month", parse_month, first_month)
    _raise_errors(errors)
    with _transaction():
        contract = _contract(contract_id, lock=True)
        _require_active(contract)
        start = month_start(first_month) if first_month else _first_unbilled_month(contract, today)
        months = [money.add_months(start, n) for n in range(count)]
        billed = [m for m in months if _live_charge(contract.id, m) is not None]
        if billed:
            raise BillingError(
                _l(
                    "These months already have a charge: %(months)s. Choose another first month.",
                    months=", ".join(m.strftime("%m/%Y") for m in billed),
                ),
                field="first_month",
            )
        booklet = PaymentBooklet(contract=contract, installments=count, status=BookletStatus.ACTIVE)
        db.session.add(booklet)
        for month in months:
            if _build_monthly_charge(contract, month, booklet) is None:
                raise BillingError(
                    _l(
                        "Nothing to bill in %(month)s: the contract has no active plan then.",
                        month=month.strftime("%m/%Y"),
                    ),
                    field="first_month",
                )
        db.session.flush()
    return booklet


def _installments(value: int | str) -> int:
    try:
        count = int(str(value).strip())
    except (TypeError, ValueError):
        count = 0
    if isinstance(value, bool) or not 1 <= count <= MAX_INSTALLMENTS:
        raise BillingError(
            _l("The number of installments must be from 1 to %(max)s.", max=MAX_INSTALLMENTS)
        )
    return count


def cancel_booklet(booklet_id: int, reason: str) -> PaymentBooklet:
    """Cancel a carnê: its open charges are cancelled; paid (and transferred) ones stay.

    Args:
        booklet_id: the carnê.
        reason: why, kept in the audit trail.

    Returns:
        The cancelled booklet.

    Raises:
        NotFoundError: no such carnê.
        BillingError: no reason given, or the carnê is already cancelled.
    """
    errors: dict[str, str] = {}
    why = _collect(errors, "reason", validate_text, reason, max_length=MAX_REASON)
    _raise_errors(errors)
    # The reason must still be set when the commit flushes the changes.
    with audit_reason(why), _transaction():
        booklet = db.session.scalar(
            select(PaymentBooklet).where(PaymentBooklet.id == booklet_id).with_for_update()
        )
        if booklet is None:
            raise NotFoundError(_l("Payment booklet not found."))
        if booklet.status == BookletStatus.CANCELLED:
            raise BillingError(_l("This payment booklet is already cancelled."))
        cancel_booklet_rows(booklet)
    return booklet


def cancel_booklet_rows(booklet: PaymentBooklet) -> list[Charge]:
    """Mark a carnê cancelled and cancel its open charges, inside the caller's transaction.

    Paid and transferred charges stay as they are. The contract's credit that a cancelled
    charge had used goes back to the contract, for the next charge. It only flushes:
    :func:`cancel_booklet` and the ownership transfer (which may cancel the old contract's
    carnês) commit.

    Returns:
        The charges it cancelled.
    """
    booklet.status = BookletStatus.CANCELLED
    booklet.cancelled_at = utcnow()
    cancelled = [c for c in booklet.charges if c.status == ChargeStatus.OPEN]
    for charge in cancelled:
        charge.status = ChargeStatus.CANCELLED
        _return_credit(charge)
    db.session.flush()
    return cancelled


def get_booklet(booklet_id: int) -> PaymentBooklet:
    """A carnê by id.

    Raises:
        NotFoundError: no such carnê.
    """
    booklet = db.session.get(PaymentBooklet, booklet_id)
    if booklet is None:
        raise NotFoundError(_l("Payment booklet not found."))
    return booklet


def booklet_slips(booklet_id: int) -> tuple[PaymentBooklet, list[BookletSlip]]:
    """The pages of a printed carnê: each charge with, when open and paid by PIX, its
    payload and QR Code. A PIX setting missing is reported on the slip, not raised, so
    the rest of the carnê still prints.

    Raises:
        NotFoundError: no such carnê.
    """
    booklet = get_booklet(booklet_id)
    slips = []
    for number, charge in enumerate(booklet.charges, start=1):
        pix_data, error = None, None
        if charge.pix_txid and charge.status == ChargeStatus.OPEN:
            try:
                pix_data = build_charge_pix(charge)
            except BillingError as exc:
                error = str(exc)
        slips.append(BookletSlip(number, charge, pix_data, error))
    return booklet, slips


# --------------------------------------------------------------------------- PIX


def _variables(*codes: str) -> dict[str, str]:
    rows = db.session.scalars(select(SystemVariable).where(SystemVariable.code.in_(codes)))
    return {row.code: (row.value or "").strip() for row in rows}


def pix_settings() -> PixSettings:
    """The ISP's PIX key, name and city from the system variables.

    Raises:
        BillingError: one of them is empty.
    """
    codes = (sysvars.PIX_KEY, sysvars.PIX_MERCHANT_NAME, sysvars.PIX_MERCHANT_CITY)
    values = _variables(*codes)
    missing = [code for code in codes if not values.get(code)]
    if missing:
        raise BillingError(
            _l(
                "PIX is not set up: fill in the system variables %(codes)s.",
                codes=", ".join(missing),
            )
        )
    return PixSettings(*(values[code] for code in codes))


def build_charge_pix(charge: Charge) -> ChargePix:
    """The BR Code of an open PIX charge: the ISP's key, name and city, the charge's amount
    and txid (:func:`app.services.pix.build_pix_payload`), and its QR Code.

    Raises:
        BillingError: the charge is not paid by PIX or not open, PIX is not set up, or the
            settings are invalid (a bad key, a name too long ...).
    """
    if not charge.pix_txid:
        raise BillingError(_l("This charge is not paid by PIX."))
    if charge.status != ChargeStatus.OPEN:
        raise BillingError(_l("Only an open charge can be paid by PIX."))
    settings = pix_settings()
    try:
        payload = pix.build_pix_payload(
            settings.key,
            settings.merchant_name,
            settings.merchant_city,
            amount=charge.amount,
            txid=charge.pix_txid,
        )
        return ChargePix(
            charge,
            charge.pix_txid,
            payload,
            pix.pix_qr_svg(payload),
            pix.pix_qr_png_data_uri(payload),
        )
    except pix.PixError as exc:
        raise BillingError(_l("The PIX settings are invalid: %(error)s", error=str(exc))) from None


def charge_pix(charge_id: int) -> ChargePix:
    """:func:`build_charge_pix` of a charge by id.

    Raises:
        NotFoundError: no such charge.
        BillingError: see :func:`build_charge_pix`.
    """
    return build_charge_pix(_charge(charge_id))


# --------------------------------------------------------------------------- due day


def _due_day_change_dates(old_due_day: int, new_due_day: int, today: date) -> tuple[date, date]:
    """The old due date that ends the running cycle and the first new one; the same rule
    as :func:`app.services.money.due_day_change_difference`."""
    old_due = money.billing_period(old_due_day, today).end + ONE_DAY
    new_due = old_due.replace(day=new_due_day)
    if new_due <= today:
        old_due, new_due = _next_due(old_due), _next_due(new_due)
    return old_due, new_due


def _charge_moves(
    contract: Contract, old_due_on: date, new_due_on: date, new_day: int, today: date
) -> list[ChargeMove]:
    """Where a due-day change puts the contract's open charges that are not due yet.

    An ISP moves what the customer has not paid yet and is not late on, so that everything
    falls due on the new day; overdue charges (and those due today) keep their date, and
    a carnê's slips are never rewritten (the change is refused while one has open
    charges). For the open monthly charges outside a carnê due after ``today``:

    * the one due on ``old_due_on`` closes the running cycle: it keeps its period and
      falls due on ``new_due_on``, with the difference's charge;
    * the later ones fall due on the new day of their own month, for the new day's billing
      period of that month (the same number of days, so the same amount);
    * one due before ``old_due_on`` (the new day had passed this month, so the change takes
      effect a cycle later) stays.

    One-off charges due together with a moved monthly charge (a plan change's
    difference) move with it. Amounts never change.
    """
    candidates = db.session.scalars(
        select(Charge)
        .where(
            Charge.contract_id == contract.id,
            Charge.status == ChargeStatus.OPEN,
            Charge.booklet_id.is_(None),
            Charge.due_on > today,
        )
        .order_by(Charge.due_on, Charge.id)
    ).all()
    moves: list[ChargeMove] = []
    new_dates: dict[date, date] = {}
    for charge in candidates:
        if charge.reference_month is None or charge.due_on < old_due_on:
            continue
        if charge.due_on == old_due_on:
            move = ChargeMove(charge, new_due_on, charge.period_start, charge.period_end)
        else:
            period, due_on = month_period(new_day, charge.reference_month)
            if due_on <= today:
                continue
            move = ChargeMove(charge, due_on, period.start, period.end)
        if move.due_on != charge.due_on:
            moves.append(move)
            new_dates.setdefault(charge.due_on, move.due_on)
    for charge in candidates:
        if charge.reference_month is None and charge.due_on in new_dates:
            moves.append(
                ChargeMove(charge, new_dates[charge.due_on], charge.period_start, charge.period_end)
            )
    return moves


def _charging_enabled() -> bool:
    variable = db.session.scalar(
        select(SystemVariable).where(SystemVariable.code == sysvars.CHARGE_DUE_DAY_CHANGE)
    )
    return bool(variable and variable.enabled)


def _refuse_with_open_booklet(contract: Contract) -> None:
    """A carnê's slips carry the old due dates: it is cancelled before the due day moves."""
    open_slip = db.session.scalar(
        select(Charge.id)
        .join(PaymentBooklet, Charge.booklet_id == PaymentBooklet.id)
        .where(
            PaymentBooklet.contract_id == contract.id,
            PaymentBooklet.status == BookletStatus.ACTIVE,
            Charge.status == ChargeStatus.OPEN,
        )
        .limit(1)
    )
    if open_slip is not None:
        raise BillingError(
            _l(
                "This contract has an active payment booklet with open charges; "
                "cancel it before changing the due day."
            )
        )


def preview_due_day_change(
    contract_id: int, new_due_day: int | str, *, today: date | None = None
) -> DueDayChange:
    """What moving a contract's due day would cost, without changing anything.

    The difference is :func:`app.services.money.due_day_change_difference` of the
    contract's monthly amount on ``today``. It is charged only when the system variable
    COBRAR_MUDANCA_VENCIMENTO is ``S`` and it is a debit; a credit (moving earlier) is shown
    but never charged. The open charges the change would move (see :func:`_charge_moves`)
    are listed too.

    Raises:
        NotFoundError: no such contract.
        BillingError: inactive contract, an active carnê with open charges, a due day
            outside 1 to 28, or the same day.
    """
    today = today or local_today()
    contract = _contract(contract_id)
    _require_active(contract)
    _refuse_with_open_booklet(contract)
    errors: dict[str, str] = {}
    new_day = _collect(errors, "due_day", validate_due_day, new_due_day)
    _raise_errors(errors)
    if new_day == contract.due_day:
        raise BillingError(
            _l("The contract already falls due on day %(day)s.", day=new_day), field="due_day"
        )
    monthly = contract_monthly_amount(contract, today)
    difference = _money_call(
        lambda: money.due_day_change_difference(monthly, contract.due_day, new_day, today),
        "due_day",
    )
    old_due, new_due = _due_day_change_dates(contract.due_day, new_day, today)
    enabled = _charging_enabled()
    moved = _charge_moves(contract, old_due, new_due, new_day, today)
    return DueDayChange(
        contract=contract,
        old_due_day=contract.due_day,
        new_due_day=new_day,
        monthly_amount=monthly,
        difference=difference,
        old_due_on=old_due,
        new_due_on=new_due,
        charging_enabled=enabled,
        charge_amount=difference if enabled and difference > 0 else ZERO,
        moved=tuple(moved),
    )


def change_due_day(
    contract_id: int,
    new_due_day: int | str,
    reason: str,
    *,
    expected_difference: Decimal | str | None = None,
    today: date | None = None,
) -> DueDayChangeResult:
    """Move a contract's due day, with the charge :func:`preview_due_day_change` showed.

    The change is audited with ``reason``. A contract with an active carnê holding open
    charges is refused: its slips carry the old due dates, so cancel the carnê first.
    In the same transaction the open charges not due yet move to the new due day
    (``change.moved``), amounts unchanged.

    Args:
        contract_id: the contract.
        new_due_day: 1 to 28.
        reason: why, kept in the audit trail.
        expected_difference: the difference the user saw; if it is not the current one
            (prices or the day changed since), nothing is written.
        today: the day of the change (tests).

    Returns:
        The change and the charge created for it (None when nothing is charged).

    Raises:
        NotFoundError: no such contract.
        BillingError: bad input, inactive contract, same day, or an active carnê.
        ConflictError: the difference is no longer the one shown.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    _collect(errors, "due_day", validate_due_day, new_due_day)
    why = _collect(errors, "reason", validate_text, reason, max_length=MAX_REASON)
    _raise_errors(errors)
    with audit_reason(why), _transaction():
        _contract(contract_id, lock=True)
        change = preview_due_day_change(contract_id, new_due_day, today=today)
        if expected_difference not in (None, ""):
            shown = _collect(
                errors, "expected_difference", validate_money_signed, expected_difference
            )
            _raise_errors(errors)
            if shown != change.difference:
                raise ConflictError(
                    _l(
                        "The difference is now R$ %(amount)s, not the one shown; "
                        "review it and confirm again.",
                        amount=format_money(change.difference),
                    )
                )
        contract = change.contract
        contract.due_day = change.new_due_day
        for move in change.moved:
            move.charge.due_on = move.due_on
            move.charge.period_start = move.period_start
            move.charge.period_end = move.period_end
        charge = None
        if change.charge_amount > 0:
            with _in_house_language():
                text = _(
                    "Due day change from %(old)s to %(new)s",
                    old=change.old_due_day,
                    new=change.new_due_day,
                )
            charge = new_charge(
                contract,
                description=_description(text),
                amount=change.charge_amount,
                due_on=change.new_due_on,
                period_start=change.old_due_on,
                period_end=change.new_due_on - ONE_DAY,
            )
        db.session.flush()
    return DueDayChangeResult(change, charge)


def validate_money_signed(value: Decimal | str) -> Decimal:
    """An amount that may be negative (a credit), with at most two decimals; no float."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -validate_money(value.strip()[1:])
    if isinstance(value, Decimal) and value < 0:
        return -validate_money(-value)
    return validate_money(value)


# --------------------------------------------------------------------------- plan change


def plan_change_charge(
    subscription: Subscription,
    old_price: Decimal,
    new_price: Decimal,
    change_on: date,
) -> PlanChangeCharge:
    """Bill (or credit) the difference of a plan change in the middle of a billing period.

    Runs inside the plan change's transaction: it adds and flushes, never commits.
    The difference is :func:`app.services.money.plan_change_difference` for the days
    from ``change_on`` to the end of the contract's billing period containing it. The
    period's monthly charge is billed at the price in force on its first day (the old
    one), so:

    * an upgrade adds a charge for the difference, due with that monthly charge;
    * a downgrade is a credit taken off the contract's open charges due on or after that
      date, earliest first (the period's monthly charge is generated now if it does not
      exist yet, so that the credit lands on it); the credit is recorded in the
      contract's credit ledger, and what remains, ``unapplied_credit``, is taken off its
      next monthly charges.

    Args:
        subscription: the subscription whose plan changes.
        old_price: monthly price of the plan left.
        new_price: monthly price of the plan taken.
        change_on: first day on the new plan.

    Returns:
        The difference and what was charged or credited.

    Raises:
        BillingError: the subscription has no contract, or bad prices or dates.
    """
    contract = subscription.contract or (
        subscription.combo.contract if subscription.combo else None
    )
    if contract is None:
        raise BillingError(_l("This plan has no contract to bill."))
    period = money.billing_period(contract.due_day, change_on)
    difference = _money_call(
        lambda: money.plan_change_difference(
            old_price, new_price, change_on, period.start, period.end
        ),
        "price",
    )
    due_on = period.end + ONE_DAY
    if difference > 0:
        with _in_house_language():
            text = _(
                "Plan change difference from %(date)s · %(plan)s",
                date=change_on.strftime("%d/%m/%Y"),
                plan=subscription.plan.name if subscription.plan else "",
            )
        charge = new_charge(
            contract,
            description=_description(text),
            amount=difference,
            due_on=due_on,
            period_start=change_on,
            period_end=period.end,
        )
        db.session.flush()
        return PlanChangeCharge(difference, period, charge=charge)
    if difference == 0:
        return PlanChangeCharge(difference, period)
    month = month_start(due_on)
    if contract.status == ContractStatus.ACTIVE and _live_charge(contract.id, month) is None:
        _build_monthly_charge(contract, month)
        db.session.flush()
    # The credit goes into the contract's ledger; what the open charges take is recorded
    # as used by each, so a charge cancelled later (a carnê) hands its part back.
    with _in_house_language():
        note = _("plan change credit")
        text = _(
            "Plan change credit from %(date)s · %(plan)s",
            date=change_on.strftime("%d/%m/%Y"),
            plan=subscription.plan.name if subscription.plan else "",
        )
    credit = _grant_credit(contract, -difference, text)
    remaining = -difference
    credited: list[tuple[Charge, Decimal]] = []
    open_charges = db.session.scalars(
        select(Charge)
        .where(
            Charge.contract_id == contract.id,
            Charge.status == ChargeStatus.OPEN,
            Charge.due_on >= due_on,
        )
        .order_by(Charge.due_on, Charge.id)
    ).all()
    for charge in open_charges:
        if remaining <= 0:
            break
        taken = _take_credit(contract, charge, remaining, note)
        if taken > 0:
            credited.append((charge, taken))
            remaining -= taken
    db.session.flush()
    return PlanChangeCharge(
        difference, period, credited=credited, unapplied_credit=remaining, credit=credit
    )


# --------------------------------------------------------------------------- lists and totals


def parse_charge_filters(args: Mapping[str, str]) -> tuple[ChargeFilters, dict[str, str]]:
    """Read the charge-list filters (``status``, ``due_from``, ``due_to``) of a query string.

    Returns:
        The filters, with the invalid ones left out, and a message per invalid field.
    """
    errors: dict[str, str] = {}
    status = None
    raw_status = (args.get("status") or "").strip()
    if raw_status and raw_status != "all":
        try:
            status = ChargeStatus(raw_status)
        except ValueError:
            errors["status"] = str(_l("Unknown charge status."))
    due_from = _parse_date(args.get("due_from"), "due_from", errors)
    due_to = _parse_date(args.get("due_to"), "due_to", errors)
    if due_from and due_to and due_to < due_from:
        errors["due_to"] = str(_l("The end of the period cannot be before its start."))
        due_to = None
    return ChargeFilters(status, due_from, due_to), errors


def parse_date(value: str | None) -> date | None:
    """A date typed as ``2024-03-10`` (date inputs, the API) or ``10/03/2024``; None if empty
    (:func:`app.validators.parse_typed_date`, refused as a billing error).

    Raises:
        BillingError: not a date, or outside 1990 to 2100.
    """
    try:
        return parse_typed_date(value)
    except ValidationError as exc:
        raise BillingError(exc.message) from None


def parse_month(value: str | None) -> date | None:
    """A month typed as ``2024-03`` (month inputs, the API), ``03/2024`` or any full date;
    returns its first day, or None if empty.

    Raises:
        BillingError: not a month, or outside 1990 to 2100.
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        if text.count("-") == 1:
            year, month = (int(part) for part in text.split("-"))
            return month_start(_in_range(date(year, month, 1)))
        if text.count("/") == 1:
            month, year = (int(part) for part in text.split("/"))
            return month_start(_in_range(date(year, month, 1)))
    except ValueError:
        raise BillingError(_l("Invalid month; use month/year, for example 03/2024.")) from None
    try:
        parsed = parse_date(text)
    except BillingError:
        raise BillingError(_l("Invalid month; use month/year, for example 03/2024.")) from None
    return month_start(parsed) if parsed else None


def _in_range(day: date) -> date:
    # A BillingError, not the rule's ValidationError (a ValueError): parse_month reads
    # ValueError as "not a month", and an out-of-range month keeps its own message.
    try:
        return validate_typed_date(day)
    except ValidationError as exc:
        raise BillingError(exc.message) from None


def _parse_date(value: str | None, key: str, errors: dict[str, str]) -> date | None:
    try:
        return parse_date(value)
    except BillingError as exc:
        errors[key] = str(exc)
        return None


def customer_charges(customer_id: int, filters: ChargeFilters | None = None) -> list[Charge]:
    """A customer's charges, latest due first, filtered by status and due-date period."""
    filters = filters or ChargeFilters()
    query = select(Charge).where(Charge.customer_id == customer_id)
    if filters.status is not None:
        query = query.where(Charge.status == filters.status)
    if filters.due_from is not None:
        query = query.where(Charge.due_on >= filters.due_from)
    if filters.due_to is not None:
        query = query.where(Charge.due_on <= filters.due_to)
    return list(db.session.scalars(query.order_by(Charge.due_on.desc(), Charge.id.desc())))


def customer_totals(customer_id: int, *, today: date | None = None) -> ChargeTotals:
    """What a customer owes (open), of which how much is overdue, and what they paid.

    A charge is overdue the day after its due date. Sums are made in Python over the
    ``Decimal`` amounts, so no database ever adds money as floating point.
    """
    today = today or local_today()
    rows = db.session.execute(
        select(Charge.status, Charge.amount, Charge.paid_amount, Charge.due_on).where(
            Charge.customer_id == customer_id,
            Charge.status.in_(LIVE),
        )
    ).all()
    open_total = overdue = paid = ZERO
    open_count = overdue_count = paid_count = 0
    for status, amount, paid_amount, due_on in rows:
        if status == ChargeStatus.PAID:
            paid += paid_amount if paid_amount is not None else amount
            paid_count += 1
            continue
        open_total += amount
        open_count += 1
        if due_on < today:
            overdue += amount
            overdue_count += 1
    return ChargeTotals(open_total, overdue, paid, open_count, overdue_count, paid_count)


def customer_booklets(customer_id: int) -> list[PaymentBooklet]:
    """A customer's carnês, latest first."""
    query = (
        select(PaymentBooklet)
        .join(Contract, PaymentBooklet.contract_id == Contract.id)
        .where(Contract.customer_id == customer_id)
        .order_by(PaymentBooklet.id.desc())
    )
    return list(db.session.scalars(query))


def customer_contracts(customer_id: int) -> list[Contract]:
    """A customer's contracts, latest first."""
    query = select(Contract).where(Contract.customer_id == customer_id).order_by(Contract.id.desc())
    return list(db.session.scalars(query))
