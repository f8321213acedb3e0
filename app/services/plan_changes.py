"""Mudar Plano and Comparar Plano: move a subscription to another plan of the catalogue.

:func:`compare_plans` shows the current and the new plan side by side (speeds, price,
streaming add-ons, fine) with the pro-rata difference the change makes in this billing
period, without writing anything. :func:`change_plan` does the change in one
transaction:

- the plan history closes the old plan the day before the change and opens the new one
  at its catalogue price (billing reads the price in force from it);
- the difference is billed or credited by :func:`app.services.billing.plan_change_charge`
  (the same computation the comparison showed; if it is no longer the same, nothing is
  written);
- the contract's Forma de Pagamento may change with it, and its fine follows the plans
  it now holds (the highest fine among them, as when the contract was made);
- Manter Serviço Extra: yes (the default) keeps the extra services; no ends them on the
  change date;
- PlayHub and WatchTV are part of the plan: the new plan's flags decide whether they are
  kept, dropped or added, and the comparison says which;
- the new speed reaches the RADIUS reply attributes (and a CoA to open sessions) through
  :func:`app.services.radius.apply_plan_change`.

A plan inside a combo is edited only through its combo, so Mudar Plano refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    ExtraService,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionPlanHistory,
)
from app.services import billing, money, radius
from app.services.clock import local_today
from app.services.errors import ConflictError, DomainError
from app.services.subscription_actions import (
    LIVE,
    MAX_REASON,
    ActionError,
    check_version,
    contract_of,
    get_subscription,
    parse_id,
    raise_errors,
    require_live,
    text_value,
    transaction,
)
from app.services.subscriptions import ensure_editable_directly

ONE_DAY = timedelta(days=1)
KEPT, DROPPED, ADDED = "kept", "dropped", "added"
STREAMING = (("playhub", "PlayHub", "has_playhub"), ("watchtv", "WatchTV", "has_watchtv"))


@dataclass(frozen=True)
class StreamingChange:
    """What a plan change does to one streaming (OTT) add-on: kept, dropped or added."""

    key: str
    name: str
    outcome: str


@dataclass(frozen=True)
class PlanComparison:
    """Comparar Plano: the current plan and the new one, and what changing costs.

    ``current_price`` is the price in force today (from the plan history), which may
    differ from the catalogue's; ``difference`` is the pro-rata amount for the days from
    ``change_on`` to the end of the billing ``period`` (positive: charged; negative: a
    credit). ``fine_after`` is the contract's fine after the change.
    """

    subscription: Subscription
    current: Plan
    new: Plan
    current_price: Decimal
    new_price: Decimal
    change_on: date
    period: money.BillingPeriod
    difference: Decimal
    fine_before: Decimal
    fine_after: Decimal
    streaming: list[StreamingChange] = field(default_factory=list)
    extra_services: list[ExtraService] = field(default_factory=list)


@dataclass(frozen=True)
class PlanChange:
    """A done plan change: the comparison it was based on and what billing did."""

    comparison: PlanComparison
    charge: billing.PlanChangeCharge
    ended_extra_services: list[ExtraService]
    payment_method_changed: bool


def streaming_changes(current: Plan, new: Plan) -> list[StreamingChange]:
    """PlayHub and WatchTV as the new plan says: kept, dropped or added (absent in both
    plans: not listed)."""
    changes = []
    for key, name, flag in STREAMING:
        before, after = getattr(current, flag), getattr(new, flag)
        if before and after:
            changes.append(StreamingChange(key, name, KEPT))
        elif before:
            changes.append(StreamingChange(key, name, DROPPED))
        elif after:
            changes.append(StreamingChange(key, name, ADDED))
    return changes


def live_extra_services(subscription: Subscription, on: date) -> list[ExtraService]:
    """The extra services billed with the subscription on ``on``."""
    return [
        e
        for e in subscription.extra_services
        if (e.started_on is None or e.started_on <= on) and (e.ended_on is None or e.ended_on >= on)
    ]


def _fine_after(subscription: Subscription, new_plan: Plan) -> Decimal:
    """The contract's fine once ``subscription`` holds ``new_plan``: the highest fine of
    the plans of its live subscriptions (the rule the new-plan wizard uses)."""
    contract = contract_of(subscription)
    fines = [new_plan.fine_amount]
    for other in billing.contract_subscriptions(contract):
        if other.id != subscription.id and other.status in LIVE:
            fines.append(other.plan.fine_amount)
    return max(fines)


def _new_plan(plan_id) -> Plan:
    errors: dict[str, str] = {}
    key = parse_id(plan_id, "plan_id", errors, _l("Choose the new plan from the list."))
    plan = db.session.get(Plan, key) if key else None
    if key and (plan is None or not plan.active):
        errors["plan_id"] = str(_l("Choose an active plan from the list."))
    raise_errors(errors)
    return plan


def compare_plans(subscription_id: int, plan_id, *, today: date | None = None) -> PlanComparison:
    """Comparar Plano: the current and the new plan side by side, with the pro-rata
    difference of changing today. Writes nothing.

    The difference is the computation :func:`app.services.billing.plan_change_charge`
    makes: :func:`app.services.money.plan_change_difference` of the price in force and
    the new plan's price, from the change date to the end of the contract's billing
    period containing it.

    Raises:
        NotFoundError: no such subscription.
        ComboMemberError: the plan belongs to a combo.
        ActionError: a cancelled plan, no contract, no valid new plan or the same plan.
    """
    change_on = today or local_today()
    subscription = get_subscription(subscription_id)
    ensure_editable_directly(subscription)
    require_live(subscription)
    contract = contract_of(subscription)
    if contract is None:
        raise ActionError(_l("This plan has no contract to bill."))
    new = _new_plan(plan_id)
    if new.id == subscription.plan_id:
        raise ActionError(_l("The plan is already %(plan)s.", plan=new.name), field="plan_id")
    current_price = billing.plan_price_on(subscription, change_on)
    period = money.billing_period(contract.due_day, change_on)
    try:
        difference = money.plan_change_difference(
            current_price, new.price, change_on, period.start, period.end
        )
    except money.MoneyError as exc:
        raise ActionError(str(exc)) from None
    return PlanComparison(
        subscription=subscription,
        current=subscription.plan,
        new=new,
        current_price=current_price,
        new_price=new.price,
        change_on=change_on,
        period=period,
        difference=difference,
        fine_before=contract.fine_amount,
        fine_after=_fine_after(subscription, new),
        streaming=streaming_changes(subscription.plan, new),
        extra_services=live_extra_services(subscription, change_on),
    )


def _close_history(subscription: Subscription, change_on: date, old_price: Decimal) -> None:
    """End the plan in force the day before ``change_on``; a subscription without history
    (made before the panel kept it) gets its old plan's row first."""
    rows = db.session.scalars(
        select(SubscriptionPlanHistory)
        .where(
            SubscriptionPlanHistory.subscription_id == subscription.id,
            SubscriptionPlanHistory.ended_on.is_(None),
        )
        .order_by(SubscriptionPlanHistory.started_on, SubscriptionPlanHistory.id)
    ).all()
    if not rows:
        rows = [
            SubscriptionPlanHistory(
                subscription=subscription,
                plan_id=subscription.plan_id,
                price=old_price,
                started_on=min(subscription.first_activated_on or change_on, change_on),
            )
        ]
        db.session.add(rows[0])
    for row in rows:
        # A row started on the change day itself ends the day before: it never applied.
        row.ended_on = change_on - ONE_DAY


def change_plan(
    subscription_id: int,
    plan_id,
    *,
    payment_method_id=None,
    keep_extra_services: bool = True,
    expected_difference=None,
    expected_version=None,
    reason: str | None = None,
    today: date | None = None,
) -> PlanChange:
    """Mudar Plano: move a subscription to another plan today, in one transaction.

    Args:
        subscription_id: the subscription.
        plan_id: the new plan (active, not the current one).
        payment_method_id: the contract's Forma de Pagamento from now on; None keeps it.
        keep_extra_services: Manter Serviço Extra (default yes); no ends them today.
        expected_difference: the pro-rata difference the user saw on Comparar Plano; if
            it is no longer the one the change makes, nothing is written.
        expected_version: the subscription's version the screen was read at.
        reason: why (kept in the plan history and the audit trail); optional.
        today: the change date (tests).

    Returns:
        The comparison the change followed and what billing charged or credited.

    Raises:
        NotFoundError: no such subscription.
        ComboMemberError: the plan belongs to a combo.
        ActionError: bad input (per field), a cancelled plan, no contract, or a new plan
            without internet speed for a subscription with a PPPoE login.
        ConflictError: the difference or the subscription changed since they were shown.
    """
    change_on = today or local_today()
    errors: dict[str, str] = {}
    why = text_value(reason, "reason", errors, max_length=MAX_REASON, required=False)
    method = None
    if payment_method_id not in (None, ""):
        method_key = parse_id(
            payment_method_id, "payment_method_id", errors, _l("Choose the payment method.")
        )
        method = db.session.get(PaymentMethod, method_key) if method_key else None
        if method_key and (method is None or not method.active):
            errors["payment_method_id"] = str(_l("Choose the payment method."))
    shown = None
    if expected_difference not in (None, ""):
        try:
            shown = billing.validate_money_signed(expected_difference)
        except (DomainError, ValueError):
            errors["expected_difference"] = str(_l("Enter a valid amount, for example 99.90."))
    raise_errors(errors)
    with transaction(why):
        get_subscription(subscription_id, lock=True)
        comparison = compare_plans(subscription_id, plan_id, today=change_on)
        subscription = comparison.subscription
        check_version(subscription, expected_version)
        if shown is not None and shown != comparison.difference:
            raise ConflictError(
                _l(
                    "The difference is now R$ %(amount)s, not the one shown; "
                    "compare the plans again and confirm.",
                    amount=billing.format_money(comparison.difference),
                )
            )
        contract = contract_of(subscription)
        method_changed = method is not None and method.id != contract.payment_method_id
        if method_changed:
            # Before billing, so the difference's charge already has the new method.
            contract.payment_method_id = method.id
            db.session.flush()
            db.session.refresh(contract, ["payment_method"])
        _close_history(subscription, change_on, comparison.current_price)
        db.session.add(
            SubscriptionPlanHistory(
                subscription=subscription,
                plan=comparison.new,
                price=comparison.new_price,
                started_on=change_on,
                reason=(why or "")[:200] or None,
            )
        )
        # The column itself, so the audit entry (taken before the flush) sees the change.
        subscription.plan_id = comparison.new.id
        subscription.plan = comparison.new
        contract.fine_amount = comparison.fine_after
        ended = []
        if not keep_extra_services:
            for extra in comparison.extra_services:
                extra.ended_on = change_on
                ended.append(extra)
        db.session.flush()
        charge = billing.plan_change_charge(
            subscription, comparison.current_price, comparison.new_price, change_on
        )
        try:
            radius.apply_plan_change(subscription)
        except DomainError as exc:
            raise ActionError(str(exc), field="plan_id") from None
    return PlanChange(comparison, charge, ended, method_changed)
