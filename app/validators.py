"""Validation rules shared by models, forms, the REST API and services.

Each rule is a plain function that raises :class:`ValidationError` with a message in
the user's language; :mod:`app.views.forms` and :mod:`app.api.schemas` adapt them to
WTForms and marshmallow, so a rule is written once.
"""

from __future__ import annotations

import re
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


def validate_text(value: str | None, *, max_length: int, required: bool = True) -> str:
    """Trim free text and refuse control characters and oversize values."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_l("This field is required."))
    if len(text) > max_length:
        raise ValidationError(_l("Text too long (at most %(n)s characters).", n=max_length))
    if not PRINTABLE.match(text):
        raise ValidationError(_l("The text contains control characters, which are not allowed."))
    return text


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
