"""Money rules: every expected amount is worked out by hand in the comment above it."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.services.money import (
    BillingPeriod,
    FirstPeriod,
    MoneyError,
    add_months,
    billing_period,
    cancellation_prorata,
    due_day_change_difference,
    first_period_prorata,
    plan_change_difference,
    prorata,
    split_prorata,
    to_money,
)

D = Decimal
DAY = timedelta(days=1)

# --- to_money -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("99.90"), "99.90"),
        ("99.9", "99.90"),
        (" 149.9 ", "149.90"),
        (10, "10.00"),
        (0, "0.00"),
        (D("10.005"), "10.01"),  # half a cent goes up
        (D("10.0049"), "10.00"),
        ("-0.005", "-0.01"),  # and away from zero for credits
        ("-0.004", "0.00"),  # never "-0.00" on an invoice
        (D("1E+2"), "100.00"),
    ],
)
def test_to_money_quantizes_to_the_cent(value, expected):
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.1, "float não é aceito"),
        (99.9, "float não é aceito"),
        (True, "não é um valor em dinheiro"),
        (None, "NoneType não é um valor em dinheiro"),
        ("abc", "use ponto como separador decimal"),
        ("1,50", "use ponto como separador decimal"),
        ("NaN", "não é um valor finito"),
        (D("Infinity"), "não é um valor finito"),
        ("1E+30", "grande demais"),
    ],
)
def test_to_money_refuses_what_is_not_money(value, message):
    with pytest.raises(MoneyError, match=message):
        to_money(value)


def test_money_error_is_a_value_error():
    assert issubclass(MoneyError, ValueError)


# --- billing_period -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due_day", "reference", "start", "end", "days"),
    [
        # Due on the 10th, on 15/02/2024 (leap year): 10/02 to 09/03, February's 29 days.
        (10, date(2024, 2, 15), date(2024, 2, 10), date(2024, 3, 9), 29),
        # Before the due day the period is the one that started last month.
        (10, date(2024, 2, 5), date(2024, 1, 10), date(2024, 2, 9), 31),
        # On the due day a new period starts; the day before still belongs to the old one.
        (10, date(2024, 2, 10), date(2024, 2, 10), date(2024, 3, 9), 29),
        (10, date(2024, 2, 9), date(2024, 1, 10), date(2024, 2, 9), 31),
        (10, date(2023, 2, 15), date(2023, 2, 10), date(2023, 3, 9), 28),
        (10, date(2024, 4, 15), date(2024, 4, 10), date(2024, 5, 9), 30),
        (1, date(2024, 3, 1), date(2024, 3, 1), date(2024, 3, 31), 31),
        (28, date(2023, 2, 28), date(2023, 2, 28), date(2023, 3, 27), 28),
        # Across the new year.
        (15, date(2024, 1, 3), date(2023, 12, 15), date(2024, 1, 14), 31),
    ],
)
def test_billing_period(due_day, reference, start, end, days):
    period = billing_period(due_day, reference)
    assert period == BillingPeriod(start, end)
    assert period.days == days


@pytest.mark.parametrize("due_day", [0, 29, 31, -1, "10", 10.0, True, None])
def test_billing_period_refuses_due_days_outside_1_to_28(due_day):
    with pytest.raises(MoneyError, match="de 1 a 28"):
        billing_period(due_day, date(2024, 1, 1))


# --- prorata --------------------------------------------------------------------------


def test_prorata_a_day_of_february_costs_more_than_a_day_of_march():
    # 100.00 for 10 days: of a 28-day period 1000/28 = 35.714.. -> 35.71;
    # of a 31-day period 1000/31 = 32.258.. -> 32.26.
    feb = prorata(
        D("100.00"), date(2023, 2, 10), date(2023, 2, 19), date(2023, 2, 10), date(2023, 3, 9)
    )
    mar = prorata(
        D("100.00"), date(2023, 3, 10), date(2023, 3, 19), date(2023, 3, 10), date(2023, 4, 9)
    )
    assert (feb, mar) == (D("35.71"), D("32.26"))


def test_prorata_clips_the_range_to_the_period():
    # Service all year long, period 10/04 to 09/05/2024: the whole period, 99.90.
    assert prorata(
        D("99.90"), date(2024, 1, 1), date(2024, 12, 31), date(2024, 4, 10), date(2024, 5, 9)
    ) == D("99.90")
    # Active from 01/05 (clipped to 01/05..09/05 = 9 days of 30): 99.90 x 9 / 30 = 29.97.
    assert prorata(
        D("99.90"), date(2024, 5, 1), date(2024, 12, 31), date(2024, 4, 10), date(2024, 5, 9)
    ) == D("29.97")
    # No day inside the period.
    assert prorata(
        D("99.90"), date(2024, 6, 1), date(2024, 6, 30), date(2024, 4, 10), date(2024, 5, 9)
    ) == D("0.00")


def test_prorata_rounds_half_a_cent_up_once():
    # 99.97 for 15 of 30 days = 49.985 exactly. ROUND_HALF_UP -> 49.99
    # (banker's rounding would give 49.98, truncation 49.98).
    amount = prorata(
        D("99.97"), date(2024, 4, 10), date(2024, 4, 24), date(2024, 4, 10), date(2024, 5, 9)
    )
    assert amount == D("49.99")
    # 0.01 for 15 of 30 days = 0.005 -> 0.01.
    assert prorata(
        D("0.01"), date(2024, 4, 10), date(2024, 4, 24), date(2024, 4, 10), date(2024, 5, 9)
    ) == D("0.01")


def test_prorata_never_rounds_the_daily_rate():
    # 99.90 for 21 of 31 days: 2097.9 / 31 = 67.674.. -> 67.67.
    # Rounding the daily rate first (99.90 / 31 = 3.22) would give 3.22 x 21 = 67.62.
    amount = prorata(
        D("99.90"), date(2024, 5, 20), date(2024, 6, 9), date(2024, 5, 10), date(2024, 6, 9)
    )
    assert amount == D("67.67")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((99.9, date(2024, 1, 1), date(2024, 1, 5)), "float não é aceito"),
        ((D("99.999"), date(2024, 1, 1), date(2024, 1, 5)), "frações de centavo"),
        ((D("-1.00"), date(2024, 1, 1), date(2024, 1, 5)), "valor negativo"),
        ((D("99.90"), date(2024, 1, 5), date(2024, 1, 1)), "Intervalo de uso inválido"),
    ],
)
def test_prorata_refuses_bad_input(args, message):
    with pytest.raises(MoneyError, match=message):
        prorata(*args, date(2024, 1, 1), date(2024, 1, 31))


def test_prorata_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(MoneyError, match="Intervalo de período inválido"):
        prorata(D("99.90"), date(2024, 1, 1), date(2024, 1, 5), date(2024, 1, 31), date(2024, 1, 1))


# --- first period ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("activated_on", "amount", "period_end"),
    [
        # February with 28 days: period 10/02-09/03/2023; 20/02..09/03 = 9 + 9 = 18 days.
        # 99.90 x 18 / 28 = 1798.2 / 28 = 64.221.. -> 64.22
        (date(2023, 2, 20), D("64.22"), date(2023, 3, 9)),
        # February with 29 days (2024): period 10/02-09/03/2024; 20/02..09/03 = 10 + 9 = 19.
        # 99.90 x 19 / 29 = 1898.1 / 29 = 65.451.. -> 65.45
        (date(2024, 2, 20), D("65.45"), date(2024, 3, 9)),
        # 30-day month: period 10/04-09/05/2024; 20/04..09/05 = 11 + 9 = 20 days.
        # 99.90 x 20 / 30 = 66.60 exactly
        (date(2024, 4, 20), D("66.60"), date(2024, 5, 9)),
        # 31-day month: period 10/05-09/06/2024; 20/05..09/06 = 12 + 9 = 21 days.
        # 99.90 x 21 / 31 = 2097.9 / 31 = 67.674.. -> 67.67
        (date(2024, 5, 20), D("67.67"), date(2024, 6, 9)),
        # Activated the day before the due day: 1 day of the 29 of 10/02-09/03/2024.
        # 99.90 / 29 = 3.444.. -> 3.44
        (date(2024, 3, 9), D("3.44"), date(2024, 3, 9)),
        # Activated on the due day: a whole period, full price.
        (date(2024, 1, 10), D("99.90"), date(2024, 2, 9)),
    ],
)
def test_first_period_prorata_due_day_10(activated_on, amount, period_end):
    result = first_period_prorata(D("99.90"), activated_on, 10)
    assert result == FirstPeriod(amount, activated_on, period_end, period_end + DAY)
    assert result.due_on.day == 10


def test_first_period_prorata_across_the_new_year():
    # Due day 5, activated 25/12/2023: period 05/12/2023-04/01/2024 (31 days);
    # 25/12..04/01 = 7 + 4 = 11 days. 99.90 x 11 / 31 = 1098.9 / 31 = 35.448.. -> 35.45
    assert first_period_prorata(D("99.90"), date(2023, 12, 25), 5) == FirstPeriod(
        D("35.45"), date(2023, 12, 25), date(2024, 1, 4), date(2024, 1, 5)
    )


def test_first_period_prorata_refuses_a_due_day_of_31():
    with pytest.raises(MoneyError, match="de 1 a 28"):
        first_period_prorata(D("99.90"), date(2024, 1, 20), 31)


# --- plan change ----------------------------------------------------------------------


def test_plan_change_up_and_down_mid_month():
    # Period 10/03-09/04/2024 (31 days), change on 25/03: 25/03..09/04 = 7 + 9 = 16 days.
    # Upgrade 99.90 -> 149.90: +50.00 x 16 / 31 = 800 / 31 = 25.806.. -> 25.81 debit.
    args = (date(2024, 3, 25), date(2024, 3, 10), date(2024, 4, 9))
    assert plan_change_difference(D("99.90"), D("149.90"), *args) == D("25.81")
    # Downgrade back: exactly the opposite, a credit.
    assert plan_change_difference(D("149.90"), D("99.90"), *args) == D("-25.81")


def test_plan_change_in_february():
    # Period 10/02-09/03/2023 (28 days), change on 24/02: 24/02..09/03 = 5 + 9 = 14 days,
    # half the period. 99.90 -> 149.90: 50.00 x 14 / 28 = 25.00.
    assert plan_change_difference(
        D("99.90"), D("149.90"), date(2023, 2, 24), date(2023, 2, 10), date(2023, 3, 9)
    ) == D("25.00")


def test_plan_change_on_the_first_and_last_day():
    period = (date(2024, 4, 10), date(2024, 5, 9))  # 30 days
    # First day: the whole difference, 149.90 - 99.90 = 50.00.
    assert plan_change_difference(D("99.90"), D("149.90"), period[0], *period) == D("50.00")
    # Last day: one day, 50.00 / 30 = 1.666.. -> 1.67.
    assert plan_change_difference(D("99.90"), D("149.90"), period[1], *period) == D("1.67")
    assert plan_change_difference(D("99.90"), D("99.90"), period[1], *period) == D("0.00")


def test_plan_change_credit_rounds_half_away_from_zero():
    # 99.97 -> 0.00 for 15 of 30 days: -49.985 -> -49.99 (the mirror of the debit).
    period = (date(2024, 4, 10), date(2024, 5, 9))
    assert plan_change_difference(D("99.97"), D("0.00"), date(2024, 4, 25), *period) == D("-49.99")
    assert plan_change_difference(D("0.00"), D("99.97"), date(2024, 4, 25), *period) == D("49.99")


def test_plan_change_refuses_a_date_outside_the_period():
    with pytest.raises(MoneyError, match="fora do período"):
        plan_change_difference(
            D("99.90"), D("149.90"), date(2024, 5, 10), date(2024, 4, 10), date(2024, 5, 9)
        )


def test_plan_change_refuses_float_prices():
    with pytest.raises(MoneyError, match="float"):
        plan_change_difference(
            99.9, D("149.90"), date(2024, 4, 20), date(2024, 4, 10), date(2024, 5, 9)
        )


# --- due day change -------------------------------------------------------------------


def test_due_day_moves_later():
    # 10 -> 20 on 15/03/2024: the cycle 10/03-09/04 now ends on 19/04.
    # Extra days 10/04..19/04 = 10, in the period 10/04-09/05 (30 days):
    # 99.90 x 10 / 30 = 33.30 debit.
    assert due_day_change_difference(D("99.90"), 10, 20, date(2024, 3, 15)) == D("33.30")


def test_due_day_moves_earlier():
    # 20 -> 10 on 05/03/2024: the cycle 20/02-19/03 now ends on 09/03.
    # Days 10/03..19/03 = 10 are paid twice; they fall in 20/02-19/03/2024 (29 days):
    # 99.90 x 10 / 29 = 34.448.. -> credit 34.45.
    assert due_day_change_difference(D("99.90"), 20, 10, date(2024, 3, 5)) == D("-34.45")


def test_due_day_moves_earlier_to_a_day_already_past():
    # 10 -> 3 on 05/03/2024: 03/03 has passed, so the change applies to the next cycle,
    # 10/03-09/04, which now ends on 02/04. Credit 03/04..09/04 = 7 days of 31:
    # 99.90 x 7 / 31 = 699.3 / 31 = 22.558.. -> credit 22.56.
    assert due_day_change_difference(D("99.90"), 10, 3, date(2024, 3, 5)) == D("-22.56")


def test_due_day_moves_later_across_the_new_year():
    # 5 -> 25 on 20/12/2023: cycle 05/12-04/01 ends on 24/01 instead.
    # Extra 05/01..24/01 = 20 days of the period 05/01-04/02/2024 (31 days):
    # 99.90 x 20 / 31 = 1998 / 31 = 64.451.. -> 64.45.
    assert due_day_change_difference(D("99.90"), 5, 25, date(2023, 12, 20)) == D("64.45")


def test_due_day_unchanged_costs_nothing():
    assert due_day_change_difference(D("99.90"), 10, 10, date(2024, 3, 15)) == D("0.00")


@pytest.mark.parametrize(("old", "new"), [(10, 29), (0, 10), (10, 31)])
def test_due_day_change_refuses_days_outside_1_to_28(old, new):
    with pytest.raises(MoneyError, match="de 1 a 28"):
        due_day_change_difference(D("99.90"), old, new, date(2024, 3, 15))


# --- cancellation ---------------------------------------------------------------------


def test_cancellation_mid_period():
    # Period 10/02-09/03/2024 (29 days), cancelled on 20/02: 10/02..20/02 = 11 days used.
    # 99.90 x 11 / 29 = 1098.9 / 29 = 37.893.. -> 37.89; refund 99.90 - 37.89 = 62.01.
    used = cancellation_prorata(D("99.90"), date(2024, 2, 10), date(2024, 2, 20))
    assert used == D("37.89")
    assert D("99.90") - used == D("62.01")


def test_cancellation_on_the_first_and_last_day():
    # One day of 31 (period 10/05-09/06/2024): 99.90 / 31 = 3.222.. -> 3.22.
    assert cancellation_prorata(D("99.90"), date(2024, 5, 10), date(2024, 5, 10)) == D("3.22")
    assert cancellation_prorata(D("99.90"), date(2024, 5, 10), date(2024, 6, 9)) == D("99.90")


@pytest.mark.parametrize(
    ("period_start", "cancelled_on", "message"),
    [
        (date(2024, 5, 10), date(2024, 6, 10), "fora do período"),
        (date(2024, 5, 10), date(2024, 5, 9), "fora do período"),
        (date(2024, 5, 30), date(2024, 6, 5), "de 1 a 28"),
    ],
)
def test_cancellation_refuses_dates_outside_the_period(period_start, cancelled_on, message):
    with pytest.raises(MoneyError, match=message):
        cancellation_prorata(D("99.90"), period_start, cancelled_on)


# --- split ----------------------------------------------------------------------------


def test_split_gives_the_rounding_cent_to_the_second_part():
    # 99.97 split in 15 + 15 days of 30: the first part is 49.985 -> 49.99,
    # the second the rest, 49.98, so the parts add up to 99.97.
    assert split_prorata(D("99.97"), date(2024, 4, 10), date(2024, 5, 9), date(2024, 4, 25)) == (
        D("49.99"),
        D("49.98"),
    )


def test_split_at_the_edges():
    period = (date(2024, 4, 10), date(2024, 5, 9))
    assert split_prorata(D("99.90"), *period, period[0]) == (D("0.00"), D("99.90"))
    assert split_prorata(D("99.90"), *period, period[1] + DAY) == (D("99.90"), D("0.00"))
    with pytest.raises(MoneyError, match="fora do período"):
        split_prorata(D("99.90"), *period, period[1] + 2 * DAY)


# --- properties -----------------------------------------------------------------------

amounts = st.integers(min_value=0, max_value=10_000_000).map(lambda cents: D(cents).scaleb(-2))
days = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31))
due_days = st.integers(min_value=1, max_value=28)


@given(due_days, days)
def test_billing_period_is_a_month_from_due_date_to_due_date(due_day, reference):
    start, end = billing_period(due_day, reference)
    assert start <= reference <= end
    assert start.day == due_day
    assert (end + DAY).day == due_day
    assert (end - start).days + 1 == calendar.monthrange(start.year, start.month)[1]


@given(amounts, due_days, days)
def test_prorata_of_the_whole_period_is_the_monthly_amount(monthly, due_day, reference):
    start, end = billing_period(due_day, reference)
    assert prorata(monthly, start, end, start, end) == monthly


@given(amounts, due_days, days, st.integers(0, 30), st.integers(0, 30))
def test_prorata_is_the_exact_value_rounded_once(monthly, due_day, reference, a, b):
    period = billing_period(due_day, reference)
    first = period.start + timedelta(days=min(a, period.days - 1))
    last = period.start + timedelta(days=min(max(a, b), period.days - 1))
    amount = prorata(monthly, first, last, *period)
    exact = Fraction(monthly) * ((last - first).days + 1) / period.days
    assert abs(Fraction(amount) - exact) <= Fraction(1, 200)
    assert D("0.00") <= amount <= monthly


@given(amounts, due_days, days, st.integers(0, 31))
def test_split_parts_add_up_exactly(monthly, due_day, reference, offset):
    period = billing_period(due_day, reference)
    split_on = period.start + timedelta(days=min(offset, period.days))
    before, after = split_prorata(monthly, *period, split_on)
    assert before + after == monthly
    assert before == (
        prorata(monthly, period.start, split_on - DAY, *period) if split_on > period.start else 0
    )
    # The remainder is still within half a cent of its exact price.
    days_after = (period.end - split_on).days + 1
    exact_after = Fraction(monthly) * days_after / period.days
    assert abs(Fraction(after) - exact_after) <= Fraction(1, 200)


@given(amounts, amounts, due_days, days, st.integers(0, 30))
def test_plan_change_is_antisymmetric(old, new, due_day, reference, offset):
    period = billing_period(due_day, reference)
    change_on = period.start + timedelta(days=min(offset, period.days - 1))
    up = plan_change_difference(old, new, change_on, *period)
    assert plan_change_difference(new, old, change_on, *period) == -up
    assert abs(up) <= abs(new - old)
    assert up >= 0 if new >= old else up <= 0


@given(amounts, due_days, days)
def test_first_period_ends_the_day_before_the_first_due_date(monthly, due_day, activated_on):
    amount, start, end, due_on = first_period_prorata(monthly, activated_on, due_day)
    assert start == activated_on
    assert end + DAY == due_on
    assert due_on.day == due_day
    assert 1 <= (due_on - activated_on).days <= 31
    assert D("0.00") <= amount <= monthly


@given(amounts, due_days, due_days, days)
def test_due_day_change_sign_follows_the_direction(monthly, old, new, reference):
    difference = due_day_change_difference(monthly, old, new, reference)
    assert abs(difference) <= monthly
    if new > old:
        assert difference >= 0
    elif new == old:
        assert difference == 0
    else:
        assert difference <= 0


@given(amounts, due_days, days, st.integers(0, 30))
def test_cancellation_and_refund_add_up_to_the_monthly_amount(monthly, due_day, ref, offset):
    period = billing_period(due_day, ref)
    cancelled_on = period.start + timedelta(days=min(offset, period.days - 1))
    used = cancellation_prorata(monthly, period.start, cancelled_on)
    _, refund = split_prorata(monthly, *period, cancelled_on + DAY)
    assert used + refund == monthly


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 3, 10), 1, date(2024, 4, 10)),
        (date(2024, 11, 10), 3, date(2025, 2, 10)),  # across the new year
        (date(2024, 1, 1), -1, date(2023, 12, 1)),
        (date(2024, 5, 15), 0, date(2024, 5, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # no 31st: the month's last day
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


@given(days, st.integers(-240, 240))
def test_add_months_of_a_due_day_keeps_it_and_comes_back(day, months):
    due = day.replace(day=min(day.day, 28))
    moved = add_months(due, months)
    assert moved.day == due.day
    assert (moved.year * 12 + moved.month) - (due.year * 12 + due.month) == months
    assert add_months(moved, -months) == due
