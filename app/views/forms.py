"""Adapters from the rules in :mod:`app.validators` to WTForms validators."""

from __future__ import annotations

from collections.abc import Callable

from wtforms.validators import ValidationError as FormValidationError

from app.validators import ValidationError


class Rule:
    """Run a rule from :mod:`app.validators` as a WTForms validator.

    The rule's return value (the normalised input) replaces the field's data, so a CPF
    typed with punctuation is stored as digits.
    """

    def __init__(
        self, rule: Callable, *, required: bool = True, normalise: bool = True, **kwargs
    ) -> None:
        self.rule = rule
        self.required = required
        self.normalise = normalise
        self.kwargs = kwargs

    def __call__(self, form, field) -> None:
        if field.data in (None, "") and not self.required:
            return
        try:
            value = self.rule(field.data, **self.kwargs)
        except ValidationError as exc:
            raise FormValidationError(str(exc)) from None
        if self.normalise:
            field.data = value


class DocumentRule:
    """CPF or CNPJ, chosen by the form's ``kind`` field (person or company)."""

    def __call__(self, form, field) -> None:
        from app.validators import validate_document

        kind_field = form._fields.get("kind")
        kind = getattr(kind_field, "data", None)
        kind = getattr(kind, "value", kind)
        try:
            field.data = validate_document(field.data, kind or None)
        except ValidationError as exc:
            raise FormValidationError(str(exc)) from None


class MoneyRule(Rule):
    """A non-negative amount with at most two decimals."""

    def __init__(self, **kwargs) -> None:
        from app.validators import validate_money

        super().__init__(validate_money, **kwargs)
