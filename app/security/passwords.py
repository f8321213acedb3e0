"""The password rule for local (database) accounts.

Flask-AppBuilder calls :func:`check_password_complexity` through
``FAB_PASSWORD_COMPLEXITY_VALIDATOR`` on its user-creation and password-reset forms;
:class:`app.security.manager.PanelSecurityManager` applies it to accounts created or
reset from code and the command line too.
"""

from __future__ import annotations

import re

from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _

MIN_LENGTH = 10
MAX_LENGTH = 128

_RULES = (
    re.compile(r"[a-z]"),
    re.compile(r"[A-Z]"),
    re.compile(r"[0-9]"),
    re.compile(r"[^0-9A-Za-z]"),
)
# Printable characters only: a control character in a password is a typing accident
# (or an attack on whatever logs it) and cannot be typed again at login.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def password_problem(password: str | None) -> str | None:
    """Why ``password`` breaks the rule, in the user's language, or None if it is fine."""
    password = password or ""
    if (
        len(password) < MIN_LENGTH
        or len(password) > MAX_LENGTH
        or _CONTROL.search(password)
        or not all(rule.search(password) for rule in _RULES)
    ):
        return _(
            "The password must have from %(min)s to %(max)s characters, with upper and "
            "lower case letters, a digit and a symbol.",
            min=MIN_LENGTH,
            max=MAX_LENGTH,
        )
    return None


def check_password_complexity(password: str) -> None:
    """``FAB_PASSWORD_COMPLEXITY_VALIDATOR``: raise when ``password`` breaks the rule.

    Raises:
        PasswordComplexityValidationError: with the reason, shown under the field.
    """
    problem = password_problem(password)
    if problem:
        raise PasswordComplexityValidationError(problem)
