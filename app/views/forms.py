"""Adapters from the rules in :mod:`app.validators` to WTForms validators.

A broken rule stops the field's validation (``StopValidation``): the validators after
it, such as FAB's uniqueness check, query the database with the value, and PostgreSQL
fails on a NUL character or an integer too big for the column.
"""

from __future__ import annotations

from collections.abc import Callable

from flask_appbuilder.fieldwidgets import Select2Widget
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms.fields import Field
from wtforms.validators import StopValidation

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
            raise StopValidation(str(exc)) from None
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
            raise StopValidation(str(exc)) from None


class MoneyRule(Rule):
    """A non-negative amount with at most two decimals."""

    def __init__(self, **kwargs) -> None:
        from app.validators import validate_money

        super().__init__(validate_money, **kwargs)


class PlainText:
    """No control characters (tab and line breaks allowed when ``multiline``) and, unless
    ``allow_markup`` (passwords and secrets), no HTML tags."""

    def __init__(self, multiline: bool = False, allow_markup: bool = False) -> None:
        self.multiline = multiline
        self.allow_markup = allow_markup

    def __call__(self, form, field) -> None:
        from app.validators import validate_plain_text

        try:
            validate_plain_text(
                field.data, multiline=self.multiline, allow_markup=self.allow_markup
            )
        except ValidationError as exc:
            raise StopValidation(str(exc)) from None


class KnownChoices:
    """Every id a multiple select sent names one of its options.

    FAB's ``QuerySelectMultipleField`` checks for unknown ids before it has looked at
    them, so ``roles=abc`` was dropped silently and the record saved without it.
    """

    def __call__(self, form, field) -> None:
        field.data  # noqa: B018 - resolving the ids is what flags unknown ones
        if getattr(field, "_invalid_formdata", False):
            raise StopValidation(str(_l("Choose only options from the list.")))


def column_rules(column) -> list:
    """The validators a column's type implies, for a form field over it.

    FAB already limits the length of sized strings and requires non-null columns; these
    add what it does not: no control characters or HTML tags (secrets may hold any
    printable character), a bound on unbounded text, integers the database can hold,
    dates in a sane range, and amounts that are money.
    """
    from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String, Text
    from wtforms.validators import Length

    from app.models.base import EncryptedString
    from app.validators import text_max_length, validate_date_range, validate_integer_range

    kind = column.type
    if isinstance(kind, Enum | Boolean):
        return []
    if isinstance(kind, EncryptedString):
        return [PlainText(allow_markup=True)]
    if isinstance(kind, Text):
        return [PlainText(multiline=True), Length(max=text_max_length(column))]
    if isinstance(kind, String):
        return [PlainText()]
    if isinstance(kind, Integer):
        return [Rule(validate_integer_range, required=False, normalise=False)]
    if isinstance(kind, Numeric):
        return [MoneyRule(required=not column.nullable)]
    if isinstance(kind, Date | DateTime):
        return [Rule(validate_date_range, required=False, normalise=False)]
    return []


class PanelSelect2Widget(Select2Widget):
    """FAB's Select2 drop-down, its options written straight to HTML.

    WTForms builds every ``<option>`` through ``html_params`` (a dozen calls each); a
    list screen's search form holds every plan, access point and city, a few hundred
    options rendered on each page load, a third of the page's time. The HTML is the
    same; options with extra attributes still go through WTForms.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or getattr(choice, "render_kw", None):
            return super().render_option(choice, **kwargs)
        value = str(choice.value) if isinstance(choice.value, bool) else choice.value
        label = choice.label or choice.value
        if choice.selected:
            return Markup('<option selected value="{}">{}</option>').format(value, label)
        return Markup('<option value="{}">{}</option>').format(value, label)


def fast_select_widgets(form_class: type) -> None:
    """Give the Select2 fields of a WTForms class (as FAB builds them) the fast widget."""
    for value in vars(form_class).values():
        kwargs = getattr(value, "kwargs", None)
        widget = kwargs.get("widget") if isinstance(kwargs, dict) else None
        if type(widget) is Select2Widget and issubclass(value.field_class, Field):
            kwargs["widget"] = PanelSelect2Widget(widget.extra_classes, widget.style)
