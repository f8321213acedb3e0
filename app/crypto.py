"""Encryption of secrets stored in the database (Fernet, from ``cryptography``)."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app, has_app_context

_cache: dict[str, Fernet] = {}


class SecretUnreadableError(RuntimeError):
    """A stored secret cannot be decrypted with the configured key."""


def _fernet() -> Fernet:
    if not has_app_context():
        raise RuntimeError("Secrets can only be read or written inside the panel's app context.")
    material = current_app.config.get("FIELD_ENCRYPTION_KEY") or current_app.config["SECRET_KEY"]
    fernet = _cache.get(material)
    if fernet is None:
        # Any string works as configuration; Fernet needs 32 url-safe base64 bytes.
        key = base64.urlsafe_b64encode(hashlib.sha256(material.encode()).digest())
        fernet = _cache[material] = Fernet(key)
    return fernet


def encrypt(value: str) -> str:
    """Encrypt ``value`` with the app's field key."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a value written by :func:`encrypt`.

    Raises:
        SecretUnreadableError: the key changed or the value was tampered with.
    """
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadableError(
            "stored secret cannot be decrypted with the current key"
        ) from exc
