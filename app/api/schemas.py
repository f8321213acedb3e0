"""Adapters from the rules in :mod:`app.validators` to marshmallow validators, and the
schema converter that gives every API column the rules its type implies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow import ValidationError as SchemaValidationError
from marshmallow import fields
from marshmallow import validate as schema_validate

from app.validators import (
    ValidationError,
    text_max_length,
    validate_date_range,
    validate_integer_range,
    validate_money,
    validate_plain_text,
    validate_text,
)


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


def column_rules(column) -> list[Callable]:
    """The validators a column's type implies (the API twin of the forms' rules).

    marshmallow-sqlalchemy already limits sized strings; these add no control characters
    or HTML tags (secrets may hold any printable character), a bound on unbounded text,
    integers the database can hold, dates in a sane range, and amounts that are money.
    """
    from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String, Text

    from app.models.base import EncryptedString

    kind = column.type
    if isinstance(kind, Enum | Boolean):
        return []
    if isinstance(kind, EncryptedString):
        return [rule(validate_plain_text, allow_markup=True)]
    if isinstance(kind, Text):
        return [
            rule(validate_plain_text, multiline=True),
            schema_validate.Length(max=text_max_length(column)),
        ]
    if isinstance(kind, String):
        return [rule(validate_plain_text)]
    if isinstance(kind, Integer):
        return [rule(validate_integer_range)]
    if isinstance(kind, Numeric):
        return [money()]
    if isinstance(kind, Date | DateTime):
        return [rule(validate_date_range)]
    return []


class UtcDateTime(fields.DateTime):
    """A timestamp written with its UTC offset.

    Every stored timestamp is UTC; SQLite hands them back without their zone, which
    would reach clients as local-looking times that break the document's date-time.
    """

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


class PanelModel2SchemaConverter(Model2SchemaConverter):
    """FAB's model-to-schema converter, with :func:`column_rules` on every column and
    timestamps in UTC."""

    def _column2field(self, datamodel, column, nested=True, parent_schema_name=None):
        field = super()._column2field(
            datamodel, column, nested=nested, parent_schema_name=parent_schema_name
        )
        sa_column = datamodel.list_columns.get(column.name)
        if field is None or sa_column is None or not hasattr(sa_column, "type"):
            return field
        if type(field) is fields.DateTime:
            # Same field, so name, options and validators stay as FAB set them.
            field.__class__ = UtcDateTime
        for validator in column_rules(sa_column):
            field.validators.append(validator)
        return field
