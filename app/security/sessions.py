"""Browser sessions: a fresh one at each login, really ended at logout.

Flask's session is a signed cookie. Left alone, whatever it held before login (an
attacker's planted cookie, a half-finished second factor) survives the login, and a
copy of a logged-in cookie keeps working after logout until it expires. So a login
clears the session and records a new random token server-side
(:class:`app.models.UserSession`); the user loader accepts the cookie only while that
token's row is live, and logout ends the row.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import UserSession
from app.models.base import aware, utcnow

SESSION_TOKEN_KEY = "_panel_session"  # noqa: S105 - a session key name, not a secret


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(user) -> None:
    """Log ``user`` in on a brand-new session (nothing from before login is kept)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    address = (request.remote_addr or "")[:45] or None
    db.session.add(UserSession(user_id=user.id, token_hash=_hash(token), ip_address=address))
    db.session.commit()
    session[SESSION_TOKEN_KEY] = token
    login_user(user, remember=False)


def end_session() -> None:
    """End the current session server-side and forget everything the cookie held."""
    token = session.get(SESSION_TOKEN_KEY)
    if token:
        db.session.execute(
            update(UserSession)
            .where(UserSession.token_hash == _hash(str(token)), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        db.session.commit()
    logout_user()
    session.clear()


def live_session_user(user_id):
    """The user of the current cookie's login, if it is a live login of ``user_id``.

    Refused (None): no token (a cookie made before this check existed, or forged contents
    need the secret key anyway), a token whose session was ended at logout, one of
    another user, and one older than ``PERMANENT_SESSION_LIFETIME``.

    The login, the user and the user's roles and groups (which every permission check
    of the request reads) come in one statement: this runs on every request.
    """
    token = session.get(SESSION_TOKEN_KEY)
    if not token or not str(user_id).isdigit():
        return None
    user_model = current_app.appbuilder.sm.user_model
    row = db.session.execute(
        select(user_model, UserSession.created_at)
        .join(UserSession, UserSession.user_id == user_model.id)
        .where(
            UserSession.token_hash == _hash(str(token)),
            UserSession.ended_at.is_(None),
            user_model.id == int(user_id),
        )
        .options(joinedload(user_model.roles), joinedload(user_model.groups))
    ).unique().first()
    if row is None:
        return None
    user, created_at = row
    if datetime.now(UTC) - aware(created_at) >= current_app.permanent_session_lifetime:
        return None
    return user
