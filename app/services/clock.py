"""The panel's calendar: which day it is for the ISP.

Stored timestamps are UTC (:func:`app.models.base.utcnow`), but business dates -- a due
date, a payment date, the day a transfer or a cancellation takes effect -- are days in
the ISP's time zone (the app setting ``BABEL_DEFAULT_TIMEZONE``). Late in a Brazilian
evening the UTC date (and a server's ``date.today()``) is already tomorrow, so services
ask this module for "today" instead.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_TIMEZONE = "America/Sao_Paulo"


def local_zone() -> ZoneInfo:
    """The ISP's time zone, from the app setting ``BABEL_DEFAULT_TIMEZONE``."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", DEFAULT_TIMEZONE))


def local_today() -> date:
    """Today in the ISP's time zone (a due date, a payment or a transfer "today" is a
    Brazilian day)."""
    return datetime.now(local_zone()).date()
