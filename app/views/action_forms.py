"""The form handling shared by the action screens (:mod:`app.views.actions`,
:mod:`app.views.billing`): read the posted fields, show a service's refusal next to the
fields at fault, and the GET-shows / POST-saves pattern of one service call.
"""

from __future__ import annotations

from flask import flash, request

from app.extensions import db
from app.services.errors import DomainError

# Fields the forms carry hidden (what the preview showed, the version read): a refusal
# of one has no place under a field and goes to the top, or it would go unseen.
HIDDEN_FIELDS = ("expected_total", "expected_difference", "version", "customer_version")


def posted() -> dict[str, str]:
    """The posted fields, without the CSRF token and the button pressed (``go``)."""
    return {k: v for k, v in request.form.items() if k not in ("csrf_token", "go")}


def refused(exc: DomainError, errors: dict[str, str]) -> None:
    """Show a refusal next to the fields at fault, or as a message at the top."""
    db.session.rollback()
    field_errors = getattr(exc, "errors", None) or (
        {exc.field: str(exc)} if getattr(exc, "field", None) else {}
    )
    errors.update(field_errors)
    if not field_errors:
        flash(str(exc), "danger")
    for field in HIDDEN_FIELDS:
        if field in field_errors:
            flash(str(field_errors[field]), "danger")


def submit(
    defaults: dict, save, success, done, *, keep_defaults: bool = True
) -> tuple[dict, dict, object | None]:
    """The pattern of every action form: GET shows ``defaults``; POST lays the posted
    fields over them and calls ``save(values)`` (one service call). A refusal comes back
    as messages per field (or at the top) with the values typed; a success flashes
    ``success(result)`` and answers ``done(result)`` (a redirect).

    With ``keep_defaults=False`` a POST starts from the posted fields alone: a field left
    out of the post reaches the service missing (and is refused as required) rather than
    taking its default.

    Returns:
        ``(values, errors, response)``: the view renders its form unless ``response``.
    """
    values: dict = dict(defaults)
    errors: dict[str, str] = {}
    if request.method != "POST":
        return values, errors, None
    values = {**values, **posted()} if keep_defaults else posted()
    try:
        result = save(values)
    except DomainError as exc:
        refused(exc, errors)
        return values, errors, None
    flash(str(success(result)), "success")
    return values, errors, done(result)


def quiet(compute):
    """A preview to show again after a refused confirmation, if there is one."""
    try:
        return compute()
    except DomainError:
        db.session.rollback()
        return None
