"""Validation rules shared by models, forms, the REST API and services.

Each rule is a plain function that raises :class:`ValidationError` with a message in
the user's language; :mod:`app.views.forms` and :mod:`app.api.schemas` adapt them to
WTForms and marshmallow, so a rule is written once.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

DIGITS = re.compile(r"\D")


class ValidationError(ValueError):
    """Bad input; ``str(exc)`` is a message fit to show the user.

    ``field`` names the offending field when known, so forms and the API can attach
    the message to it.
    """

    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


def only_digits(value: str | None) -> str:
    """Strip punctuation from a document or phone number."""
    return DIGITS.sub("", value or "")


def _check_digits(numbers: list[int], weights: list[int]) -> int:
    total = sum(n * w for n, w in zip(numbers, weights, strict=False))
    rest = total % 11
    return 0 if rest < 2 else 11 - rest


def is_valid_cpf(value: str | None) -> bool:
    """True when ``value`` is a CPF with valid check digits (punctuation ignored)."""
    digits = only_digits(value)
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    numbers = [int(d) for d in digits]
    first = _check_digits(numbers[:9], list(range(10, 1, -1)))
    second = _check_digits(numbers[:10], list(range(11, 1, -1)))
    return numbers[9] == first and numbers[10] == second


def is_valid_cnpj(value: str | None) -> bool:
    """True when ``value`` is a CNPJ with valid check digits (punctuation ignored)."""
    digits = only_digits(value)
    if len(digits) != 14 or digits == digits[0] * 14:
        return False
    numbers = [int(d) for d in digits]
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    w2 = [6, *w1]
    return numbers[12] == _check_digits(numbers[:12], w1) and numbers[13] == _check_digits(
        numbers[:13], w2
    )


def format_document(digits: str) -> str:
    """Format 11 digits as a CPF or 14 as a CNPJ; anything else is returned unchanged."""
    if len(digits) == 11:
        return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"
    if len(digits) == 14:
        return f"{digits[:2]}.{digits[2:5]}.{digits[5:8]}/{digits[8:12]}-{digits[12:]}"
    return digits


def validate_document(value: str | None, kind: str | None = None) -> str:
    """Validate a CPF (person) or CNPJ (company) and return its digits.

    Args:
        value: the document as typed, with or without punctuation.
        kind: ``"person"`` requires a CPF, ``"company"`` a CNPJ, ``None`` accepts either.

    Raises:
        ValidationError: the number is malformed or its check digits are wrong.
    """
    digits = only_digits(value)
    if not digits:
        raise ValidationError(_l("Enter the CPF or CNPJ."))
    if kind == "person" or (kind is None and len(digits) == 11):
        if not is_valid_cpf(digits):
            raise ValidationError(_l("Invalid CPF: check the digits."))
        return digits
    if kind == "company" or (kind is None and len(digits) == 14):
        if not is_valid_cnpj(digits):
            raise ValidationError(_l("Invalid CNPJ: check the digits."))
        return digits
    raise ValidationError(_l("Invalid document: a CPF has 11 digits and a CNPJ has 14."))


def validate_due_day(value) -> int:
    """Due days run from 1 to 28 so that every month, February included, has them."""
    try:
        day = int(value)
    except (TypeError, ValueError):
        raise ValidationError(_l("The due day must be a number from 1 to 28.")) from None
    if not 1 <= day <= 28:
        raise ValidationError(_l("The due day must be a number from 1 to 28."))
    return day


MAX_MONEY = Decimal("9999999999.99")


def validate_money(value, *, allow_zero: bool = True, field: str | None = None) -> Decimal:
    """Parse an amount of money into a ``Decimal`` with two places, never a float.

    Raises:
        ValidationError: not a number, negative, more than two decimals, or too large.
    """
    if isinstance(value, float):
        raise ValidationError(_l("Amounts of money must be given as text or decimal, not float."))
    try:
        amount = Decimal(str(value).strip().replace(",", ".")) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(_l("Enter a valid amount, for example 99.90."))
    if amount < 0:
        raise ValidationError(_l("The amount cannot be negative."))
    if not allow_zero and amount == 0:
        raise ValidationError(_l("The amount must be greater than zero."))
    if amount > MAX_MONEY:
        raise ValidationError(_l("The amount is too large."))
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationError(_l("Use at most two decimal places."))
    return amount.quantize(Decimal("0.01"))


PRINTABLE = re.compile(r"^[^\x00-\x1f\x7f]*$")
# Multi-line text keeps tabs and line breaks; every other control character is refused.
PRINTABLE_MULTILINE = re.compile(r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")
# The start of an HTML tag, comment or declaration: "<a", "</", "<!", "<?".
MARKUP = re.compile(r"<[A-Za-z/!?]")
MARKUP_MESSAGE = _l("HTML tags are not allowed in this field (remove the < and > signs).")


def validate_text(value: str | None, *, max_length: int, required: bool = True) -> str:
    """Trim free text and refuse control characters, HTML tags and oversize values.

    Raises:
        ValidationError: the value is not text (a number or list sent as JSON ...), is
            missing when ``required``, too long, or holds control characters or tags.
    """
    if value is not None and not isinstance(value, str):
        raise ValidationError(_l("Enter text."))
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_l("This field is required."))
    if len(text) > max_length:
        raise ValidationError(_l("Text too long (at most %(n)s characters).", n=max_length))
    if not PRINTABLE.match(text):
        raise ValidationError(_l("The text contains control characters, which are not allowed."))
    if MARKUP.search(text):
        raise ValidationError(MARKUP_MESSAGE)
    return text


def validate_plain_text(value, *, multiline: bool = False, allow_markup: bool = False):
    """Refuse control characters and HTML tags in text; other values pass unchanged.

    PostgreSQL cannot store NUL at all, and the other control characters are never
    typed on purpose: they come from pasted binary or from an attack on whatever later
    shows or logs the text. Tags (``<script``, ``<img``) have no place in names,
    addresses or notes either; the pages escape them anyway, but a value that is only
    safe while every future screen, PDF and export escapes it is better refused at the
    door. Apostrophes, quotes and ``--`` stay allowed: they are in real names
    (D'Ávila, Sant'Ana) and queries are always parametrised.

    Raises:
        ValidationError: the text holds a control character (tab and line breaks are
            allowed when ``multiline``) or, unless ``allow_markup``, an HTML tag.
    """
    if isinstance(value, str):
        pattern = PRINTABLE_MULTILINE if multiline else PRINTABLE
        if not pattern.match(value):
            raise ValidationError(
                _l("The text contains control characters, which are not allowed.")
            )
        if not allow_markup and MARKUP.search(value):
            raise ValidationError(MARKUP_MESSAGE)
    return value


# Longest text an unbounded (Text) column takes, unless the column's ``info`` sets its
# own ``max_length`` (a contract template's body is a whole contract).
TEXT_MAX_LENGTH = 5000


def text_max_length(column) -> int:
    """How long a value of an unbounded (Text) SQLAlchemy column may be."""
    return column.info.get("max_length", TEXT_MAX_LENGTH)


# The widest span of dates that makes sense in an ISP's records; anything outside it is
# a typing slip (year 20225) or an attack on date arithmetic.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)


def validate_date_range(
    value, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE, message=None
):
    """Refuse dates outside ``earliest`` .. ``latest``; other values pass unchanged.

    ``message`` replaces the default one, which names the two limits.

    Raises:
        ValidationError: the date is out of range.
    """
    day = value.date() if isinstance(value, datetime) else value
    if isinstance(day, date) and not earliest <= day <= latest:
        raise ValidationError(
            message
            if message is not None
            else _l(
                "Enter a date between %(start)s and %(end)s.",
                start=earliest.strftime("%d/%m/%Y"),
                end=latest.strftime("%d/%m/%Y"),
            )
        )
    return value


# Dates typed into the billing and plan screens (a payment, a cancellation, a filter):
# nothing an ISP records there is older than 1990, so an earlier year is a typing slip.
TYPED_EARLIEST_DATE = date(1990, 1, 1)
INVALID_DATE = _l("Invalid date; use the calendar (day/month/year).")
DATE_OUT_OF_RANGE = _l("Date out of range.")


def validate_typed_date(day: date) -> date:
    """Refuse a typed date outside 1990 to 2100 with the short "Date out of range."

    Raises:
        ValidationError: the date is out of range.
    """
    return validate_date_range(day, earliest=TYPED_EARLIEST_DATE, message=DATE_OUT_OF_RANGE)


def parse_typed_date(value: str | None) -> date | None:
    """A date typed as ``2024-03-10`` (date inputs, the API) or ``10/03/2024``; None if
    empty or blank.

    Raises:
        ValidationError: not a date, or outside 1990 to 2100 (:func:`validate_typed_date`).
    """
    text = (value or "").strip()
    if not text:
        return None
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            parsed = date(year, month, day)
        else:
            parsed = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(INVALID_DATE) from None
    return validate_typed_date(parsed)


# A 32-bit signed integer: what an Integer column holds on every database.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1


def validate_integer_range(value, *, minimum: int = INT_MIN, maximum: int = INT_MAX):
    """Refuse integers the column cannot hold; other values pass unchanged.

    Raises:
        ValidationError: the number is out of range.
    """
    if isinstance(value, int) and not isinstance(value, bool) and not minimum <= value <= maximum:
        raise ValidationError(
            _l("Enter a number from %(min)s to %(max)s.", min=minimum, max=maximum)
        )
    return value


def complete_cpf(base: str) -> str:
    """Append the two check digits to the first nine digits of a CPF."""
    numbers = [int(d) for d in only_digits(base)[:9]]
    numbers.append(_check_digits(numbers, list(range(10, 1, -1))))
    numbers.append(_check_digits(numbers, list(range(11, 1, -1))))
    return "".join(map(str, numbers))


def complete_cnpj(base: str) -> str:
    """Append the two check digits to the first twelve digits of a CNPJ."""
    w1 = [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]
    numbers = [int(d) for d in only_digits(base)[:12]]
    numbers.append(_check_digits(numbers, w1))
    numbers.append(_check_digits(numbers, [6, *w1]))
    return "".join(map(str, numbers))
