"""Fixtures of the security tests: an admin with two-step verification, and messages as
the user reads them."""

from __future__ import annotations

import functools
import os
import re
import tempfile

import pyotp
import pytest

from tests.conftest import PASSWORD

TOTP_USER = "admin2fa"


@functools.cache
def listing_app():
    """An app built only to list what it registers (forms, API operations) while tests
    are collected; it never opens its (empty) database."""
    from app import create_app

    folder = tempfile.mkdtemp(prefix="panel-listing-")
    return create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{os.path.join(folder, 'x.db')}"}
    )


def message(app, msgid: str, **variables) -> str:
    """``msgid`` as the panel shows it (pt_BR by default), whatever the catalogue holds.

    Tests compare with this instead of a copy of the Portuguese text, so they check the
    exact message and keep passing when the catalogue's wording changes.
    """
    from flask_babel import gettext

    with app.test_request_context("/"):
        return gettext(msgid, **variables)


def flashed(html: str) -> list[str]:
    """Texts of the flash messages (alerts) of a page."""
    found = re.findall(
        r'<div class="alert alert-[a-z]+">\s*<button[^>]*>[^<]*</button>(.*?)</div>', html, re.S
    )
    return [" ".join(text.split()) for text in found]


@pytest.fixture
def totp_admin(app):
    """An Admin account with two-step verification on; yields ``(username, secret)``."""
    from app.extensions import db
    from app.models import UserTotp
    from app.models.base import utcnow

    with app.app_context():
        sm = app.appbuilder.sm
        user = sm.find_user(username=TOTP_USER)
        if user is None:
            user = sm.add_user(
                TOTP_USER,
                "Admin",
                "Dois Fatores",
                f"{TOTP_USER}@teste.local",
                [sm.find_role("Admin")],
                password=PASSWORD,
            )
        secret = pyotp.random_base32()
        db.session.add(UserTotp(user_id=user.id, secret=secret, confirmed_at=utcnow()))
        db.session.commit()
    return TOTP_USER, secret


def current_code(secret: str) -> str:
    """The code an authenticator app shows now for ``secret``."""
    return pyotp.TOTP(secret).now()
