"""RADIUS side of the panel's devices: the NAS (CoA/Disconnect) and FreeRADIUS.

Knows nothing of the panel's database models: callers pass addresses,
secrets and logins, and get plain results back.
"""

from app.drivers.radius.client import (
    DICTIONARY_PATH,
    InvalidReplyError,
    RadiusError,
    RadiusOutcome,
    RadiusResult,
    RadiusTimeoutError,
    access_request,
    encodable_value,
    load_dictionary,
    send_coa,
    send_disconnect,
)
from app.drivers.radius.freeradius import UnsupportedDatabaseError, render_sql_module

__all__ = [
    "DICTIONARY_PATH",
    "InvalidReplyError",
    "RadiusError",
    "RadiusOutcome",
    "RadiusResult",
    "RadiusTimeoutError",
    "UnsupportedDatabaseError",
    "access_request",
    "encodable_value",
    "load_dictionary",
    "render_sql_module",
    "send_coa",
    "send_disconnect",
]
