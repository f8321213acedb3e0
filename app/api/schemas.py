"""Adapters from the rules in :mod:`app.validators` to marshmallow validators."""

from __future__ import annotations

from collections.abc import Callable

from marshmallow import ValidationError as SchemaValidationError

from app.validators import ValidationError, validate_money, validate_text


def rule(check: Callable, **kwargs) -> Callable:
    """Wrap a rule of :mod:`app.validators` as a marshmallow field validator."""

    def validator(value) -> None:
        try:
            check(value, **kwargs)
        except ValidationError as exc:
            raise SchemaValidationError(str(exc)) from None

    return validator


def text(max_length: int, required: bool = True) -> Callable:
    """Validator of a free-text field (FAB takes one callable per column)."""
    return rule(validate_text, max_length=max_length, required=required)


def money() -> Callable:
    """Validator of an amount of money."""
    return rule(validate_money)
