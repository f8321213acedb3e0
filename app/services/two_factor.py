"""The optional TOTP second factor (authenticator-app codes, RFC 6238) of staff accounts.

Set-up is two steps: :func:`begin_setup` creates a secret the user scans as a QR code,
:func:`confirm_setup` turns it on once the user typed a code from the app. From then
on login asks for a code (:func:`verify_code`), each accepted at most once.

The login rules live here too, whoever keeps the state:

- the browser login is two requests: the password starts a *pending login*
  (:func:`start_pending_login`, kept by the caller in its session), which waits
  :data:`PENDING_SECONDS` for the code (:func:`pending_login_user`) and gives up after
  :data:`PENDING_TRIES` wrong codes (:func:`check_pending_code`);
- the API login is one request carrying password and code (:func:`second_factor_passed`).
"""

from __future__ import annotations

import enum
import hmac
import logging
import time
from collections.abc import Callable

import pyotp
import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import UserTotp
from app.models.base import utcnow
from app.services.errors import ConflictError, DomainError

STEP_SECONDS = 30
# One step either side absorbs a phone clock a little off and the time spent typing.
DRIFT_STEPS = 1
CODE_DIGITS = 6

WRONG_CODE = _l("Wrong or expired code. Type the code your authenticator app shows now.")
ACCOUNT_BLOCKED = _l(
    "Too many wrong codes for this account. Wait a while and log in again."
)

# Wrong codes one account may receive, browser and API together, before its second step
# is refused for the rest of the window (app setting TOTP_WRONG_CODE_LIMIT). The count
# of a pending login lives in the user's cookie and ends with it; this one lives in the
# rate limiter's storage (Redis when configured), where replaying an older cookie or
# typing the password again does not reset it. At 10 an hour, guessing a 6-digit code
# takes years; the owner of the account waits at most an hour.
WRONG_CODE_LIMIT = "10 per hour"

log = logging.getLogger(__name__)

# A pending login (password right, code not yet typed) waits this long for the code...
PENDING_SECONDS = 300
# ...and ends after this many wrong codes: the password must then be typed again.
PENDING_TRIES = 5


def _record(user_id: int) -> UserTotp | None:
    return db.session.scalar(select(UserTotp).where(UserTotp.user_id == user_id))


def is_enabled(user) -> bool:
    """Whether login asks ``user`` for a code."""
    record = _record(user.id)
    return record is not None and record.enabled


def pending_secret(user) -> str | None:
    """The secret of a set-up started and not yet confirmed, if any."""
    record = _record(user.id)
    return record.secret if record is not None and not record.enabled else None


def begin_setup(user) -> str:
    """Start (or restart) the set-up: a new secret, not yet asked for at login.

    Returns:
        The base32 secret, for the QR code and for typing by hand.

    Raises:
        ConflictError: the second factor is already on (turn it off first).
    """
    record = _record(user.id)
    if record is not None and record.enabled:
        raise ConflictError(_l("Two-step verification is already on."))
    secret = pyotp.random_base32()
    if record is None:
        db.session.add(UserTotp(user_id=user.id, secret=secret))
    else:
        record.secret, record.last_used_step = secret, None
    db.session.commit()
    return secret


def provisioning_uri(user, secret: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.username, issuer_name=current_app.config.get("APP_NAME", "Painel")
    )


def qr_svg(uri: str) -> str:
    """An inline SVG QR code of ``uri`` (drawn here: the secret never leaves the server)."""
    return segno.make(uri, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def _matching_step(secret: str, code: str | None, after_step: int | None) -> int | None:
    """The time step whose code is ``code`` (within the allowed drift), or None."""
    code = "".join((code or "").split())
    if len(code) != CODE_DIGITS or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=CODE_DIGITS, interval=STEP_SECONDS)
    now = int(time.time()) // STEP_SECONDS
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if after_step is not None and step <= after_step:
            continue  # already used: a code seen over a shoulder cannot be replayed
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_setup(user, code: str | None) -> None:
    """Turn the second factor on, proving the app holds the secret.

    Raises:
        DomainError: no set-up was started, or the code is wrong.
    """
    record = _record(user.id)
    if record is None or record.enabled:
        raise DomainError(_l("Start the set-up again: scan the new QR code."))
    step = _matching_step(record.secret, code, None)
    if step is None:
        raise DomainError(WRONG_CODE, field="code")
    record.confirmed_at, record.last_used_step = utcnow(), step
    db.session.commit()


def verify_code(user, code: str | None) -> bool:
    """Check a login code of ``user`` and spend it; False when wrong, reused or off."""
    record = _record(user.id)
    if record is None or not record.enabled:
        return False
    step = _matching_step(record.secret, code, record.last_used_step)
    if step is None:
        return False
    record.last_used_step = step
    db.session.commit()
    return True


def disable(user, code: str | None) -> None:
    """Turn the second factor off; the user proves it with a current code.

    Raises:
        DomainError: the code is wrong.
    """
    if not verify_code(user, code):
        raise DomainError(WRONG_CODE, field="code")
    reset(user.id)


def reset(user_id: int) -> bool:
    """Remove a user's second factor (an admin's recovery for a lost phone).

    Returns:
        Whether there was one.
    """
    record = _record(user_id)
    if record is None:
        return False
    db.session.delete(record)  # through the ORM, so the audit trail records it
    db.session.commit()
    return True


def _wrong_code_window():
    """The rate limiter and the window of wrong codes; None when rate limiting is off
    (``RATELIMIT_ENABLED=False``, as for the login's own limit)."""
    from limits import parse

    extension = current_app.appbuilder.sm.limiter
    if not getattr(extension, "enabled", False):
        return None
    window = parse(current_app.config.get("TOTP_WRONG_CODE_LIMIT", WRONG_CODE_LIMIT))
    return extension.limiter, window


def codes_blocked(user) -> bool:
    """Whether ``user`` received too many wrong codes lately: no code is checked then."""
    counting = _wrong_code_window()
    if counting is None:
        return False
    limiter, window = counting
    return not limiter.test(window, "totp-wrong-code", str(user.id))


def _note_wrong_code(user) -> None:
    counting = _wrong_code_window()
    if counting is None:
        return
    limiter, window = counting
    if not limiter.hit(window, "totp-wrong-code", str(user.id)):
        log.warning("two-step verification of user %s blocked: too many wrong codes", user.id)


def _check_code(user, code) -> bool:
    """Check and spend a login code, counting a wrong one against the account."""
    if isinstance(code, str) and verify_code(user, code):
        return True
    _note_wrong_code(user)
    return False


def second_factor_passed(user, code: object) -> bool:
    """Whether a one-request login (the API's) of ``user`` passes the second factor.

    True for an account without a second factor; otherwise ``code`` must be a current,
    unspent code of the account, and it is spent. Anything but a string (a JSON number,
    a list) is a wrong code. An account with too many wrong codes lately
    (:data:`WRONG_CODE_LIMIT`) is refused without looking at the code.
    """
    if not is_enabled(user):
        return True
    if codes_blocked(user):
        return False
    return _check_code(user, code)


def start_pending_login(user, next_url: str, now: float) -> dict:
    """A pending login: ``user`` typed the right password and still owes the code.

    The caller keeps the returned record (the browser login in its session, which it
    clears first) and hands it back to :func:`pending_login_user` and
    :func:`check_pending_code`. It holds no secret: the user's id, where to go after
    the login, when the password was accepted and the wrong codes so far.

    Args:
        user: the user whose password was accepted.
        next_url: where the completed login goes (already checked to stay on the site).
        now: the current time (``time.time()``).
    """
    return {"user_id": user.id, "next": next_url, "at": int(now), "tries": 0}


def pending_login_user(pending: object, now: float, load_user: Callable[[object], object]):
    """The user a pending login waits on, or None when the login must start over.

    None when there is no pending login, when it is older than :data:`PENDING_SECONDS`,
    or when its user is gone or was disabled since the password step. The caller then
    forgets the record and asks for the password again.

    Args:
        pending: the record from :func:`start_pending_login`, or whatever the caller
            found in its place (None, something else).
        now: the current time (``time.time()``).
        load_user: looks a user up by id (the security manager's ``get_user_by_id``).
    """
    if not isinstance(pending, dict):
        return None
    if now - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = load_user(pending.get("user_id"))
    if user is None or not user.is_active:
        return None
    return user


class CodeCheck(enum.Enum):
    """The outcome of a code typed at a pending login."""

    ACCEPTED = "accepted"  # the code was right and is spent: complete the login
    WRONG = "wrong"  # a wrong code, under the limit: keep the record and ask again
    TOO_MANY = "too_many"  # the limit of wrong codes was reached: forget the record
    BLOCKED = "blocked"  # the account had too many wrong codes lately: forget the record


def check_pending_code(user, pending: dict, code: str | None) -> CodeCheck:
    """Check the code typed at the pending login ``pending`` of ``user``.

    A wrong code counts towards :data:`PENDING_TRIES` in ``pending`` itself (updated in
    place): on :attr:`CodeCheck.WRONG` the caller stores the record back, on
    :attr:`CodeCheck.TOO_MANY` it forgets it. On :attr:`CodeCheck.ACCEPTED` the login
    is complete: the caller logs the user in and goes to ``pending["next"]``.

    ``user`` must come from :func:`pending_login_user` for this same record. An account
    with too many wrong codes lately, in any login (:data:`WRONG_CODE_LIMIT`), gets
    :attr:`CodeCheck.BLOCKED` without its code being looked at.
    """
    if codes_blocked(user):
        return CodeCheck.BLOCKED
    if _check_code(user, code):
        return CodeCheck.ACCEPTED
    if codes_blocked(user):
        return CodeCheck.BLOCKED
    pending["tries"] = pending.get("tries", 0) + 1
    if pending["tries"] >= PENDING_TRIES:
        return CodeCheck.TOO_MANY
    return CodeCheck.WRONG
