"""Money rules of the billing core: cents, pro rata and billing periods.

Amounts are :class:`~decimal.Decimal` reais with two places. Floats are refused
everywhere: ``0.1 + 0.2 != 0.3`` in binary, and an invoice must be reproducible to the cent.

**The rounding rule** (the only one in this module): an amount is computed exactly, as a
fraction, and rounded *once*, at the end, to the cent with ``ROUND_HALF_UP`` -- a half cent
goes away from zero, so R$ 0,005 becomes R$ 0,01 and a credit of -R$ 0,005 becomes -R$ 0,01.
No intermediate value (the daily rate, a partial sum) is ever rounded.

**Periods** are inclusive at both ends. A billing period runs from a due date to the day
before the next due date, so it has as many days as the month it starts in (28, 29, 30 or
31) and a day of February really costs more than a day of March. Due days run from 1 to 28
so that every month has them.
"""

from __future__ import annotations

import calendar
import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import NamedTuple

from app.validators import ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_DUE_DAY = 28
_ONE_DAY = timedelta(days=1)


class MoneyError(ValidationError):
    """An amount, date or due day the money rules cannot work with; the message is for users."""


class BillingPeriod(NamedTuple):
    """A billing period, both ends inclusive."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Number of days in the period, both ends counted."""
        return _days(self.start, self.end)


class FirstPeriod(NamedTuple):
    """The partial first period of a new subscription and what it costs."""

    amount: Decimal
    period_start: date
    period_end: date
    due_on: date


def to_money(value: Decimal | int | str) -> Decimal:
    """Turn a value into an amount of money: a ``Decimal`` quantized to the cent.

    This is the door for amounts typed by people or read from files; it rounds sub-cent
    digits with ROUND_HALF_UP. The calculations below refuse sub-cent digits instead, so that
    nothing is rounded silently in the middle of a computation.

    Args:
        value: a ``Decimal``, an ``int`` (whole reais) or a ``str`` with a dot as decimal
            separator (``"99.90"``). Negative values are allowed (credits).

    Returns:
        The amount with exactly two decimal places.

    Raises:
        MoneyError: ``value`` is a float, a bool, not a number, NaN or infinite.
    """
    amount = _to_decimal(value, "valor")
    try:
        return _positive_zero(amount.quantize(CENT, rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise MoneyError(f"Valor grande demais: {value}.") from None


def prorata(
    monthly_amount: Decimal | int | str,
    start: date,
    end: date,
    period_start: date,
    period_end: date,
) -> Decimal:
    """Price of the days from ``start`` to ``end`` that fall inside a billing period.

    ``monthly_amount x days used / days in the period``, computed exactly and rounded once
    (ROUND_HALF_UP to the cent). The days used are those of ``[start, end]`` inside
    ``[period_start, period_end]``, so callers may pass a subscription's whole life (activated
    on, cancelled on) and get the part of this period. The whole period costs exactly
    ``monthly_amount``.

    Args:
        monthly_amount: the price of one whole period, in reais with at most two decimals.
        start: first day used (inclusive).
        end: last day used (inclusive).
        period_start: first day of the billing period (inclusive).
        period_end: last day of the billing period (inclusive).

    Returns:
        The amount for the days used; ``0.00`` when no day falls inside the period.

    Raises:
        MoneyError: a float or negative amount, sub-cent digits, or a range that ends before
            it starts.
    """
    monthly = _exact_money(monthly_amount, "mensalidade", allow_negative=False)
    _check_range(start, end, "uso")
    _check_range(period_start, period_end, "período")
    first, last = max(start, period_start), min(end, period_end)
    if first > last:
        return ZERO
    return _round(Fraction(monthly) * _days(first, last) / _days(period_start, period_end))


def split_prorata(
    monthly_amount: Decimal | int | str,
    period_start: date,
    period_end: date,
    split_on: date,
) -> tuple[Decimal, Decimal]:
    """Split a period's price into the days before ``split_on`` and the days from it on.

    The first part is :func:`prorata` of ``[period_start, split_on - 1]`` (rounded once);
    the second part is the rest, ``monthly_amount - first``. So the two parts always add up
    to ``monthly_amount`` exactly, and the cent lost or gained by rounding the first part
    goes to the second. The second part differs from its own :func:`prorata` only when that
    lands exactly on half a cent, and then by one cent.

    Args:
        monthly_amount: the price of the whole period.
        period_start: first day of the period.
        period_end: last day of the period.
        split_on: first day of the second part, from ``period_start`` (the first part is
            empty) to ``period_end + 1 day`` (the second part is empty).

    Returns:
        ``(before, from_split_on)``.

    Raises:
        MoneyError: bad amount, a period that ends before it starts, or ``split_on``
            outside the period.
    """
    monthly = _exact_money(monthly_amount, "mensalidade", allow_negative=False)
    _check_range(period_start, period_end, "período")
    if not period_start <= split_on <= period_end + _ONE_DAY:
        raise MoneyError(
            f"A data de divisão {split_on:%d/%m/%Y} está fora do período "
            f"{period_start:%d/%m/%Y} a {period_end:%d/%m/%Y}."
        )
    if split_on == period_start:
        before = ZERO
    else:
        before = prorata(monthly, period_start, split_on - _ONE_DAY, period_start, period_end)
    return before, monthly - before


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier, when negative), or the last day of that
    month when it has no such day: 31/01/2024 plus one month is 29/02/2024.

    The one month arithmetic of billing: due dates (days 1 to 28, which every month has),
    reference months (day 1) and loyalty periods (any day).
    """
    year, index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, index + 1)[1]
    return date(year, index + 1, min(day.day, last))


def billing_period(due_day: int, reference: date) -> BillingPeriod:
    """The billing period of a due day that contains ``reference``.

    It starts on the latest due date on or before ``reference`` and ends the day before
    the next due date: due day 10 and 15/02/2024 give 10/02/2024 to 09/03/2024.

    Args:
        due_day: day of the month the customer pays, 1 to 28.
        reference: any day of the wanted period.

    Returns:
        The period; ``end + 1 day`` is its due date.

    Raises:
        MoneyError: ``due_day`` is not an int from 1 to 28.
    """
    _check_due_day(due_day, "Dia de vencimento")
    start = date(reference.year, reference.month, due_day)
    if reference.day < due_day:
        start = add_months(start, -1)
    return BillingPeriod(start, add_months(start, 1) - _ONE_DAY)


def first_period_prorata(
    monthly_amount: Decimal | int | str, activated_on: date, due_day: int
) -> FirstPeriod:
    """Price of a new subscription from its activation to the day before its first due date.

    The days are priced at the daily rate of the billing period they belong to (the one of
    ``due_day`` containing ``activated_on``). Activating on the due day itself gives a whole
    period at the full price. A very short first period (activated the day before the due
    day) is still priced on its own; merging it into the next invoice is the caller's policy.

    Args:
        monthly_amount: the plan's monthly price.
        activated_on: the day the service started (charged).
        due_day: the customer's due day, 1 to 28.

    Returns:
        ``FirstPeriod(amount, period_start=activated_on, period_end, due_on)``, where
        ``due_on`` is the first due date after ``activated_on`` and ``period_end`` the day
        before it.

    Raises:
        MoneyError: bad amount or due day.
    """
    period = billing_period(due_day, activated_on)
    amount = prorata(monthly_amount, activated_on, period.end, period.start, period.end)
    return FirstPeriod(amount, activated_on, period.end, period.end + _ONE_DAY)


def plan_change_difference(
    old_amount: Decimal | int | str,
    new_amount: Decimal | int | str,
    change_on: date,
    period_start: date,
    period_end: date,
) -> Decimal:
    """What a plan change mid-period adds to (or takes from) the customer's bill.

    The new plan applies from ``change_on`` (inclusive) to the end of the period, so the
    difference is ``(new - old) x days from change_on to period_end / days in the period``,
    computed exactly and rounded once. Because the rounding is symmetric (half away from
    zero), going back to the old plan on the same day gives exactly the opposite amount.

    Args:
        old_amount: monthly price of the plan being left.
        new_amount: monthly price of the plan taken.
        change_on: first day on the new plan; inside the period.
        period_start: first day of the current billing period.
        period_end: last day of the current billing period.

    Returns:
        Positive: a debit (upgrade). Negative: a credit (downgrade). ``0.00`` for the
        same price.

    Raises:
        MoneyError: bad amounts, a bad period, or ``change_on`` outside the period.
    """
    old = _exact_money(old_amount, "mensalidade anterior", allow_negative=False)
    new = _exact_money(new_amount, "mensalidade nova", allow_negative=False)
    _check_range(period_start, period_end, "período")
    if not period_start <= change_on <= period_end:
        raise MoneyError(
            f"A data da troca {change_on:%d/%m/%Y} está fora do período "
            f"{period_start:%d/%m/%Y} a {period_end:%d/%m/%Y}."
        )
    remaining = _days(change_on, period_end)
    return _round(Fraction(new - old) * remaining / _days(period_start, period_end))


def due_day_change_difference(
    monthly_amount: Decimal | int | str,
    old_due_day: int,
    new_due_day: int,
    reference: date,
) -> Decimal:
    """What moving the due day adds to (or takes from) the customer's next bill.

    The rule: the cycle running on ``reference`` (the day of the request) ends at its old
    due date; the new due date is the new day of that same month. The one transitional
    cycle is then longer or shorter by the days between the two dates, priced at the daily
    rate of the billing period (under the old due day) those days fall in:

    * moving later (10 -> 20): the days from the old to the new due date were covered by no
      monthly fee; they are charged.
    * moving earlier (20 -> 10): the days from the new to the old due date were paid in the
      current cycle and will be paid again in the first new one; they are credited. If the
      new day of that month is already on or before ``reference`` the change can only take
      effect a cycle later, so both dates move one month ahead.

    Args:
        monthly_amount: the monthly price.
        old_due_day: current due day, 1 to 28.
        new_due_day: wanted due day, 1 to 28.
        reference: the day the change is made.

    Returns:
        Positive: a debit (later). Negative: a credit (earlier). ``0.00`` for the same day.

    Raises:
        MoneyError: bad amount or due days.
    """
    monthly = _exact_money(monthly_amount, "mensalidade", allow_negative=False)
    _check_due_day(old_due_day, "Dia de vencimento atual")
    _check_due_day(new_due_day, "Novo dia de vencimento")
    old_due = billing_period(old_due_day, reference).end + _ONE_DAY
    new_due = old_due.replace(day=new_due_day)
    if new_due <= reference:
        old_due, new_due = add_months(old_due, 1), add_months(new_due, 1)
    if new_due > old_due:
        period = billing_period(old_due_day, old_due)
        return prorata(monthly, old_due, new_due - _ONE_DAY, period.start, period.end)
    if new_due < old_due:
        period = billing_period(old_due_day, new_due)
        return -prorata(monthly, new_due, old_due - _ONE_DAY, period.start, period.end)
    return ZERO


def cancellation_prorata(
    monthly_amount: Decimal | int | str, period_start: date, cancelled_on: date
) -> Decimal:
    """Price of the days used in the last billing period of a cancelled subscription.

    The day of the cancellation is used (the connection worked that day). The period is
    the month-long one starting at ``period_start``. If the period was billed in advance, the
    refund is ``monthly_amount - result``: it is the second part of :func:`split_prorata`, so
    used + refund is exactly the monthly price.

    Args:
        monthly_amount: the monthly price.
        period_start: first day of the billing period (a due date, so its day is 1 to 28).
        cancelled_on: last day of service, inside the period.

    Returns:
        The amount for ``period_start`` to ``cancelled_on``.

    Raises:
        MoneyError: bad amount, a ``period_start`` that is not a due date, or a
            ``cancelled_on`` outside the period.
    """
    _check_due_day(period_start.day, "O dia de início do período")
    period = billing_period(period_start.day, period_start)
    if not period.start <= cancelled_on <= period.end:
        raise MoneyError(
            f"O cancelamento em {cancelled_on:%d/%m/%Y} está fora do período "
            f"{period.start:%d/%m/%Y} a {period.end:%d/%m/%Y}."
        )
    used, _refund = split_prorata(monthly_amount, period.start, period.end, cancelled_on + _ONE_DAY)
    return used


def _to_decimal(value: object, what: str) -> Decimal:
    # bool is an int subclass; True reais is a bug, not an amount.
    if isinstance(value, bool):
        raise MoneyError(f"{what.capitalize()}: {value!r} não é um valor em dinheiro.")
    if isinstance(value, float):
        raise MoneyError(
            f"{what.capitalize()}: float não é aceito ({value!r}), pois não representa "
            "centavos com exatidão; use Decimal ou texto, por exemplo Decimal('99.90')."
        )
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(
                f"{what.capitalize()}: {value!r} não é um número; use ponto como separador "
                "decimal, por exemplo '99.90'."
            ) from None
    else:
        raise MoneyError(f"{what.capitalize()}: {type(value).__name__} não é um valor em dinheiro.")
    if not amount.is_finite():
        raise MoneyError(f"{what.capitalize()}: {value!r} não é um valor finito.")
    return amount


def _exact_money(value: object, what: str, *, allow_negative: bool) -> Decimal:
    """An amount that already is whole cents; sub-cent digits are an error, not rounded."""
    amount = _to_decimal(value, what)
    if amount != amount.quantize(CENT):
        raise MoneyError(
            f"{what.capitalize()}: {amount} tem frações de centavo; arredonde com to_money antes."
        )
    if amount < 0 and not allow_negative:
        raise MoneyError(f"{what.capitalize()}: valor negativo não é aceito ({amount}).")
    return _positive_zero(amount.quantize(CENT))


def _round(exact: Fraction) -> Decimal:
    """The module's one rounding: to the cent, ROUND_HALF_UP (half away from zero)."""
    # Fractions keep 99.90 / 31 exact; Decimal division would round at 28 digits first.
    cents = math.floor(abs(exact) * 100 + Fraction(1, 2))
    if exact < 0:
        cents = -cents
    return Decimal(cents).scaleb(-2)


def _positive_zero(amount: Decimal) -> Decimal:
    # Decimal keeps the sign of zero ("-0.00"), which would print on an invoice.
    return ZERO if amount == 0 else amount


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _check_range(start: date, end: date, what: str) -> None:
    if end < start:
        raise MoneyError(
            f"Intervalo de {what} inválido: termina em {end:%d/%m/%Y}, "
            f"antes de começar em {start:%d/%m/%Y}."
        )


def _check_due_day(due_day: object, what: str) -> None:
    if isinstance(due_day, bool) or not isinstance(due_day, int):
        raise MoneyError(f"{what} deve ser um número inteiro de 1 a {MAX_DUE_DAY}.")
    if not 1 <= due_day <= MAX_DUE_DAY:
        raise MoneyError(
            f"{what} deve ser de 1 a {MAX_DUE_DAY} (todo mês tem esses dias); recebido {due_day}."
        )
