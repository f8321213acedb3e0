"""Cancelar Plano with its Protocolo de Cancelamento.

:func:`preview_cancellation` builds the Resumo the screen shows before confirming: the
subscription's voice terminals, extra services and TV, the pro-rata amount of the last
billing period up to the cancellation date, the fine due and the totals.
:func:`cancel_subscription` records it under a unique protocol number in one transaction.

Rules:

- **Nothing is deleted.** The subscription becomes *cancelled* (with its cancellation
  date; its suspension date is kept, or set to the cancellation date, so the Plans tab
  shows it), its extra services, TV packages and TV points end that day and its voice
  terminals are deactivated; contract, history and charges stay readable.
- **The date** is today or a day of the current billing period (not before the plan's
  first activation): charges of earlier periods are already issued.
- **Pro rata**: :func:`app.services.money.cancellation_prorata` of the monthly amount
  (the plan at the price in force on the period's first day, plus the items live on the
  cancellation day) from the period's first day to the cancellation day, which is used.
- **Fine**: due only when the cancellation ends the contract (no other active or
  suspended plan remains under it): a plan leaving a combo or a multi-plan contract
  does not terminate the contract. It is the contract's fine proportional to the days of
  loyalty left (Anatel's rule that an early-termination fine is proportional to the
  remaining loyalty period): ``fine x days from the day after the cancellation to the
  end of the loyalty / days of the loyalty``, rounded once (half up) to the cent. The
  loyalty starts on the contract's start date (else its signature date, else the plan's
  first activation) and lasts the plan's ``loyalty_months``; a plan without loyalty owes
  no fine; an unknown start owes the whole fine. To change it, Alterar Multa first.
- **Charges**: when the contract ends, the contract is cancelled (so monthly billing
  stops) and one charge bills the pro rata (unless the period's monthly charge already
  exists) plus the fine, due on the period's due date. When other plans keep the
  contract, the monthly charge bills this plan up to its cancellation day, so the
  protocol charges nothing.
- **RADIUS**: the PPPoE login moves to the blocked group (CoA to open sessions) and is
  kept, so its sessions and the history stay readable. Deleting it is the separate
  Apagar Login Radius action, with its own permission.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    CancellationProtocol,
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    Subscription,
    SubscriptionPlanHistory,
    SubscriptionStatus,
)
from app.services import billing, money, radius
from app.services.clock import local_today
from app.services.composition import end_composition, live_on
from app.services.errors import ConflictError, NotFoundError, constraint_name
from app.services.subscription_actions import (
    LIVE,
    MAX_REASON,
    ActionError,
    contract_of,
    get_subscription,
    parse_day,
    raise_errors,
    text_value,
    transaction,
)

ZERO = Decimal("0.00")
ONE_DAY = timedelta(days=1)
NUMBER_INDEX = "uq_cancellation_protocols_number"
NUMBER_ATTEMPTS = 5
# How the last period's pro rata is billed.
PRORATA_ON_PROTOCOL = "protocol"  # by the protocol's charge (the contract ends)
PRORATA_ON_MONTHLY = "monthly"  # by the contract's next monthly charge (it continues)
PRORATA_ALREADY_BILLED = "already_billed"  # the period's monthly charge already exists


@dataclass(frozen=True)
class SummaryItem:
    """A line of the Resumo: what it is and its monthly price."""

    kind: str
    name: str
    price: Decimal
    detail: str = ""


@dataclass(frozen=True)
class FineDue:
    """The fine a cancellation owes and how it was worked out.

    ``rule`` is ``proportional`` (days of loyalty left), ``loyalty_over``, ``no_loyalty``,
    ``whole`` (loyalty start unknown) or ``contract_continues`` (other plans keep the
    contract: no fine).
    """

    amount: Decimal
    contract_fine: Decimal
    rule: str
    loyalty_start: date | None = None
    loyalty_end: date | None = None
    days_left: int = 0
    days_total: int = 0


@dataclass(frozen=True)
class CancellationSummary:
    """The Resumo of a cancellation, before or after it is confirmed."""

    subscription: Subscription
    contract: Contract
    cancelled_on: date
    period: money.BillingPeriod
    monthly_amount: Decimal
    items: list[SummaryItem]
    prorata: Decimal
    prorata_billing: str
    fine: FineDue
    ends_contract: bool
    charge_amount: Decimal
    voice_terminals: list[SummaryItem] = field(default_factory=list)
    extra_services: list[SummaryItem] = field(default_factory=list)
    tv: list[SummaryItem] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        """Pro rata plus fine: what the cancellation costs the customer."""
        return self.prorata + self.fine.amount


def _items(subscription: Subscription, on: date, plan_price: Decimal) -> list[SummaryItem]:
    """Everything the subscription bills on ``on``, plan first."""
    plan = subscription.plan
    items = [SummaryItem("plan", plan.name, plan_price, plan.speed_label if plan.download_kbps
                         else "")]
    for package in subscription.tv_packages:
        if live_on(package.added_on, package.ended_on, on):
            items.append(SummaryItem("tv_package", package.tv_package.name, package.price))
    for point in subscription.tv_points:
        if live_on(None, point.ended_on, on):
            detail = " ".join(x for x in (point.location, point.serial) if x)
            items.append(SummaryItem("tv_point", str(_l("TV point")), point.price, detail))
    for terminal in subscription.voice_terminals:
        if terminal.active:
            items.append(
                SummaryItem(
                    "voice_terminal",
                    terminal.number,
                    terminal.price,
                    terminal.category.name if terminal.category else "",
                )
            )
    for extra in subscription.extra_services:
        if live_on(extra.started_on, extra.ended_on, on):
            items.append(SummaryItem("extra_service", extra.service_type.name, extra.price))
    return items


def fine_due(subscription: Subscription, contract: Contract, cancelled_on: date,
             ends_contract: bool) -> FineDue:
    """The fine a cancellation on ``cancelled_on`` owes (see the module's rules)."""
    fine = contract.fine_amount or ZERO
    if not ends_contract:
        return FineDue(ZERO, fine, "contract_continues")
    months = subscription.plan.loyalty_months or 0
    if fine <= 0 or months <= 0:
        return FineDue(ZERO, fine, "no_loyalty")
    start = contract.starts_on or contract.signed_on or subscription.first_activated_on
    if start is None:
        return FineDue(fine, fine, "whole")
    end = money.add_months(start, months)  # the first day free of fine
    total = (end - start).days
    left = (end - (cancelled_on + ONE_DAY)).days
    if left <= 0:
        return FineDue(ZERO, fine, "loyalty_over", start, end, 0, total)
    left = min(left, total)
    amount = money.prorata(fine, end - timedelta(days=left), end - ONE_DAY, start, end - ONE_DAY)
    return FineDue(amount, fine, "proportional", start, end, left, total)


def _other_live(subscription: Subscription, contract: Contract) -> bool:
    return any(
        other.id != subscription.id and other.status in LIVE
        for other in billing.contract_subscriptions(contract)
    )


def _month_billed(contract: Contract, period: money.BillingPeriod) -> bool:
    due_on = period.end + ONE_DAY
    return db.session.scalar(
        select(func.count()).where(
            Charge.contract_id == contract.id,
            Charge.reference_month == billing.month_start(due_on),
            Charge.status.in_((ChargeStatus.OPEN, ChargeStatus.PAID)),
        )
    ) > 0


def preview_cancellation(
    subscription_id: int, cancelled_on=None, *, today: date | None = None
) -> CancellationSummary:
    """The Resumo of cancelling a subscription on ``cancelled_on`` (default today).
    Writes nothing.

    Raises:
        NotFoundError: no such subscription.
        ActionError: already cancelled, no contract, or a date outside the current
            billing period, in the future or before the first activation.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    day = parse_day(cancelled_on, "cancelled_on", errors) or today
    raise_errors(errors)
    subscription = get_subscription(subscription_id)
    if subscription.status not in LIVE:
        raise ActionError(_l("This plan is already cancelled."))
    contract = contract_of(subscription)
    if contract is None:
        raise ActionError(_l("This plan has no contract to bill."))
    current = money.billing_period(contract.due_day, today)
    if day > today:
        raise ActionError(_l("The cancellation date cannot be in the future."),
                          field="cancelled_on")
    if day < current.start:
        raise ActionError(
            _l(
                "The cancellation date must be in the current billing period, from %(start)s: "
                "earlier periods are already billed.",
                start=current.start.strftime("%d/%m/%Y"),
            ),
            field="cancelled_on",
        )
    if subscription.first_activated_on and day < subscription.first_activated_on:
        raise ActionError(
            _l("The cancellation date cannot be before the first activation date."),
            field="cancelled_on",
        )
    period = money.billing_period(contract.due_day, day)
    items = _items(subscription, day, billing.plan_price_on(subscription, period.start))
    monthly = sum((item.price for item in items), ZERO)
    try:
        prorata = money.cancellation_prorata(monthly, period.start, day)
    except money.MoneyError as exc:
        raise ActionError(str(exc)) from None
    ends_contract = not _other_live(subscription, contract)
    fine = fine_due(subscription, contract, day, ends_contract)
    if not ends_contract:
        how, charged = PRORATA_ON_MONTHLY, ZERO
    elif _month_billed(contract, period):
        how, charged = PRORATA_ALREADY_BILLED, ZERO
    else:
        how, charged = PRORATA_ON_PROTOCOL, prorata
    return CancellationSummary(
        subscription=subscription,
        contract=contract,
        cancelled_on=day,
        period=period,
        monthly_amount=monthly,
        items=items,
        prorata=prorata,
        prorata_billing=how,
        fine=fine,
        ends_contract=ends_contract,
        charge_amount=charged + fine.amount,
        voice_terminals=[i for i in items if i.kind == "voice_terminal"],
        extra_services=[i for i in items if i.kind == "extra_service"],
        tv=[i for i in items if i.kind in ("tv_package", "tv_point")],
    )


def next_protocol_number(on: date) -> str:
    """The next free protocol number of ``on``'s year: ``CAN-2026-000001``."""
    stem = f"CAN-{on.year}-"
    numbers = db.session.scalars(
        select(CancellationProtocol.number).where(CancellationProtocol.number.like(f"{stem}%"))
    )
    used = [int(n[len(stem):]) for n in numbers if n[len(stem):].isdigit()]
    return f"{stem}{(max(used) if used else 0) + 1:06d}"


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def summary_json(summary: CancellationSummary) -> dict[str, Any]:
    """The Resumo as stored on the protocol (amounts as strings), so its receipt prints
    the same figures forever, whatever changes afterwards."""
    fine = summary.fine

    def item(i: SummaryItem) -> dict[str, str]:
        return {"kind": i.kind, "name": i.name, "price": _money(i.price), "detail": i.detail}

    return {
        "customer": {
            "name": summary.subscription.customer.name,
            "document": summary.subscription.customer.document_formatted,
        },
        "plan": summary.subscription.plan.name,
        "contract": {"number": summary.contract.number, "ended": summary.ends_contract},
        "period": {
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),
        },
        "monthly_amount": _money(summary.monthly_amount),
        "items": [item(i) for i in summary.items],
        "prorata": _money(summary.prorata),
        "prorata_billing": summary.prorata_billing,
        "fine": {
            "amount": _money(fine.amount),
            "contract_fine": _money(fine.contract_fine),
            "rule": fine.rule,
            "loyalty_start": fine.loyalty_start.isoformat() if fine.loyalty_start else None,
            "loyalty_end": fine.loyalty_end.isoformat() if fine.loyalty_end else None,
            "days_left": fine.days_left,
            "days_total": fine.days_total,
        },
        "total": _money(summary.total),
        "charge_amount": _money(summary.charge_amount),
    }


def _charge(summary: CancellationSummary, number: str) -> Charge | None:
    """The charge of what the cancellation costs (see the module's rules), or None."""
    if summary.charge_amount <= 0:
        return None
    # Texts stored on charges are printed for the customer: the ISP's language.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "pt_BR")):
        text = _("Cancellation, protocol %(number)s", number=number)
        parts = []
        if summary.prorata_billing == PRORATA_ON_PROTOCOL and summary.prorata > 0:
            parts.append(_("pro rata %(amount)s", amount=billing.format_money(summary.prorata)))
        if summary.fine.amount > 0:
            parts.append(_("fine %(amount)s", amount=billing.format_money(summary.fine.amount)))
    description = f"{text} · {', '.join(parts)}" if parts else text
    return billing.new_charge(
        summary.contract,
        description=description[:200],  # the column's length
        amount=summary.charge_amount,
        due_on=summary.period.end + ONE_DAY,
        period_start=summary.period.start,
        period_end=summary.cancelled_on,
    )


def _end_plan_history(subscription: Subscription, day: date) -> None:
    """Close the subscription's open plan-history row on its last day of service."""
    for row in db.session.scalars(
        select(SubscriptionPlanHistory).where(
            SubscriptionPlanHistory.subscription_id == subscription.id,
            SubscriptionPlanHistory.ended_on.is_(None),
        )
    ):
        row.ended_on = day


def cancel_subscription(
    subscription_id: int,
    reason: str,
    *,
    cancelled_on=None,
    expected_total=None,
    user_id: int | None = None,
    today: date | None = None,
) -> CancellationProtocol:
    """Cancel a subscription under a new Protocolo de Cancelamento (one transaction).

    See the module's rules for the amounts, the charge, the contract and RADIUS.

    Args:
        subscription_id: the subscription (active or suspended).
        reason: why the customer cancels (required; on the protocol and in the audit).
        cancelled_on: the last day of service (default today).
        expected_total: the total the Resumo showed; if it is no longer the one the
            cancellation makes, nothing is written.
        user_id: who registers the protocol.
        today: the day it is registered (tests).

    Returns:
        The protocol, with its unique number.

    Raises:
        NotFoundError: no such subscription.
        ActionError: no reason, already cancelled, or a bad date.
        ConflictError: the total changed since it was shown.
    """
    today = today or local_today()
    errors: dict[str, str] = {}
    why = text_value(reason, "reason", errors, max_length=MAX_REASON)
    shown = None
    if expected_total not in (None, ""):
        try:
            shown = billing.validate_money_signed(expected_total)
        except (ValueError, billing.BillingError):
            errors["expected_total"] = str(_l("Enter a valid amount, for example 99.90."))
    raise_errors(errors)
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            return _cancel(subscription_id, why, cancelled_on, shown, user_id, today)
        except ConflictError as exc:
            # Two protocols registered at once may pick the same number: take the next.
            if getattr(exc, "constraint", None) != NUMBER_INDEX or attempt == NUMBER_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _cancel(subscription_id, why, cancelled_on, shown, user_id, today) -> CancellationProtocol:
    try:
        with transaction(why):
            get_subscription(subscription_id, lock=True)
            summary = preview_cancellation(subscription_id, cancelled_on, today=today)
            if shown is not None and shown != summary.total:
                raise ConflictError(
                    _l(
                        "The total is now R$ %(amount)s, not the one shown; "
                        "review the summary and confirm again.",
                        amount=billing.format_money(summary.total),
                    )
                )
            subscription, contract = summary.subscription, summary.contract
            day = summary.cancelled_on
            number = next_protocol_number(today)
            charge = _charge(summary, number)
            stored = summary_json(summary)
            if charge is not None:
                db.session.flush()
                stored["charge_id"] = charge.id
            protocol = CancellationProtocol(
                number=number,
                subscription_id=subscription.id,
                reason=why,
                cancelled_on=day,
                prorata_amount=summary.prorata,
                fine_amount=summary.fine.amount,
                total=summary.total,
                summary=stored,
                created_by_id=user_id,
            )
            db.session.add(protocol)
            # Nothing outlives the plan: an item set to end later ends with it.
            end_composition(subscription, day, move_later_ends=True)
            _end_plan_history(subscription, day)
            subscription.status = SubscriptionStatus.CANCELLED
            subscription.cancelled_on = day
            subscription.suspended_on = subscription.suspended_on or day
            subscription.provisional_until = None
            if summary.ends_contract:
                contract.status = ContractStatus.CANCELLED
                contract.ends_on = day
            db.session.flush()
            radius.apply_block(subscription)
    except ConflictError as exc:
        cause = exc.__cause__
        exc.constraint = constraint_name(cause) if isinstance(cause, IntegrityError) else None
        raise
    return protocol


def get_protocol(protocol_id: int) -> CancellationProtocol:
    """A cancellation protocol by id.

    Raises:
        NotFoundError: no such protocol.
    """
    protocol = db.session.get(CancellationProtocol, protocol_id)
    if protocol is None:
        raise NotFoundError(_l("Cancellation protocol not found."))
    return protocol


def protocols_of(subscription_id: int) -> list[CancellationProtocol]:
    """A subscription's cancellation protocols, latest first."""
    return list(
        db.session.scalars(
            select(CancellationProtocol)
            .where(CancellationProtocol.subscription_id == subscription_id)
            .order_by(CancellationProtocol.id.desc())
        )
    )


def receipt_pdf(html: str, base_url: str | None = None) -> bytes:
    """A PDF of the printable receipt (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
