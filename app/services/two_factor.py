"""The optional TOTP second factor (authenticator-app codes, RFC 6238) of staff accounts.

Set-up is two steps: :func:`begin_setup` creates a secret the user scans as a QR code,
:func:`confirm_setup` turns it on once the user typed a code from the app. From then
on login asks for a code (:func:`verify_code`), each accepted at most once.
"""

from __future__ import annotations

import hmac
import time

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
