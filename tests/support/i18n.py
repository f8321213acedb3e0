"""Messages as the user reads them, whatever the catalogue holds today."""

from __future__ import annotations


def translated(msgid: str, **variables) -> str:
    """``msgid`` in the app's current language (pt_BR by default), with its variables.

    Tests compare refusals with this instead of a copy of the Portuguese text, so they
    check the exact message and keep passing when the catalogue's wording changes.
    Needs an app context.
    """
    from flask import has_app_context
    from flask_babel import gettext

    # Without an app context gettext answers the English msgid: a silent false match.
    assert has_app_context(), "translated() needs an app context (use the db_session fixture)"
    return gettext(msgid, **variables)
