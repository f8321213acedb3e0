"""Domain errors raised by services, and the translation of database constraint
violations into messages a user understands.

Views flash :class:`DomainError` messages and the API answers them with 4xx codes;
no SQL text ever reaches a user.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError


class DomainError(Exception):
    """A refused action; ``str(exc)`` is a message for the user, in their language."""

    status_code = 422

    def __init__(self, message, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)

    def field_errors(self) -> dict[str, str]:
        """The message of each input field at fault (empty when no field is).

        Subclasses that check a whole form at once keep every field's message in an
        ``errors`` mapping; a refusal tied to one field names it in ``field``.
        """
        errors = getattr(self, "errors", None)
        if errors:
            return {key: str(value) for key, value in errors.items()}
        return {self.field: str(self)} if self.field else {}


class NotFoundError(DomainError):
    """The record does not exist (or the user may not see it)."""

    status_code = 404


class PermissionDeniedError(DomainError):
    """The user lacks the permission the action requires."""

    status_code = 403


class ConflictError(DomainError):
    """The record changed since the user read it, or the action clashes with another."""

    status_code = 409


class StaleVersionError(ConflictError):
    """The record changed since the version the caller read (a form's version, an
    API's ``If-Match``): saving would overwrite someone else's change.

    Over HTTP this is 412 Precondition Failed, as for the entity APIs' ``If-Match``.
    """

    status_code = 412



# Constraint name -> message. Names come from the models (explicit names and the
# metadata naming convention in app.models.base).
CONSTRAINT_MESSAGES = {
    "uq_contracts_number": _l("A contract with this number already exists."),
    "uq_customers_document": _l("A customer with this CPF/CNPJ already exists."),
    "uq_plans_name": _l("A plan with this name already exists."),
    "uq_cities_name_state": _l("This city is already registered in this state."),
    "uq_access_points_city_id_name": _l("This city already has an access point with this name."),
    "uq_onus_serial": _l("An ONU with this serial number already exists."),
    "uq_onus_olt_id_frame_slot_port_onu_index": _l(
        "This OLT position (slot/port/ONU id) is already taken."
    ),
    "uq_olts_name": _l("An OLT with this name already exists."),
    "uq_nas_devices_name": _l("A NAS with this name already exists."),
    "uq_nas_devices_ip_address": _l("A NAS with this IP address already exists."),
    "uq_contract_witnesses_contract_id_document": _l(
        "The same person cannot witness a contract twice."
    ),
    "uq_system_variables_code": _l("A variable with this code already exists."),
    "uq_payment_methods_name": _l("A payment method with this name already exists."),
    "uq_contract_templates_name": _l("A contract template with this name already exists."),
    "uq_tv_packages_name": _l("A TV package with this name already exists."),
    "uq_extra_service_types_name": _l("An extra service with this name already exists."),
    "uq_phone_categories_name": _l("A phone category with this name already exists."),
    "uq_voice_terminals_number": _l("A voice terminal with this number already exists."),
    "uq_voice_terminals_sip_user": _l("This SIP user is already in use."),
    "uq_radius_logins_username": _l("This PPPoE login is already in use."),
    "ck_contracts_due_day": _l("The due day must be a number from 1 to 28."),
    "ck_plans_price_not_negative": _l("The price cannot be negative."),
    "ck_customers_document_length": _l("A person needs a CPF and a company a CNPJ."),
    "ck_subscriptions_enabled_after_first_activation": _l(
        "The enable date cannot be before the first activation date."
    ),
}

_PATTERNS = [
    re.compile(r'constraint "(?P<name>[^"]+)"'),  # PostgreSQL
    re.compile(r"CHECK constraint failed: (?P<name>\w+)"),  # SQLite CHECK
    re.compile(r"UNIQUE constraint failed: (?P<cols>[\w., ]+)"),  # SQLite UNIQUE
]


def constraint_name(exc: IntegrityError) -> str | None:
    """Best-effort name of the constraint an ``IntegrityError`` reports."""
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    if diag is not None and getattr(diag, "constraint_name", None):
        return diag.constraint_name
    text = str(getattr(exc, "orig", exc))
    for pattern in _PATTERNS:
        match = pattern.search(text)
        if not match:
            continue
        if "name" in match.groupdict():
            return match.group("name")
        # "contracts.number, contracts.x" -> uq_contracts_number_x
        cols = [c.strip() for c in match.group("cols").split(",")]
        table = cols[0].split(".")[0]
        return "uq_" + table + "_" + "_".join(c.split(".")[1] for c in cols)
    return None


def integrity_message(exc: IntegrityError):
    """A message for the user explaining which rule the data broke."""
    name = constraint_name(exc)
    if name in CONSTRAINT_MESSAGES:
        return CONSTRAINT_MESSAGES[name]
    if "NOT NULL" in str(exc.orig) or "not-null" in str(exc.orig):
        return _l("A required field is missing.")
    if "FOREIGN KEY" in str(exc.orig) or "foreign key" in str(exc.orig):
        return _l("This record is still in use by other records, or refers to one that is gone.")
    return _l("The data breaks a rule of the database; nothing was saved.")
