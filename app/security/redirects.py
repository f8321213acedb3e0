"""Where a login may send the user next: only to this site.

Flask-AppBuilder's own check (``is_safe_redirect_url``) lets ``/\\evil.example`` and
``\\/evil.example`` through, which browsers read as ``//evil.example``; and it compares
the whole ``host:port`` with ``FAB_SAFE_REDIRECT_HOSTS``, so the absolute ``next=`` its
own login redirect builds (``http://127.0.0.1:5000/...``) never matched a bare host.
"""

from __future__ import annotations

import unicodedata
from fnmatch import fnmatch
from urllib.parse import urlsplit

from flask import current_app


def _suspicious(character: str) -> bool:
    # Browsers treat a backslash as a slash and drop tabs and line breaks anywhere in a
    # URL; other control and format characters (U+202E ...) only ever disguise one.
    return character == "\\" or unicodedata.category(character).startswith("C")


def _host_allowed(netloc: str, hostname: str) -> bool:
    patterns = current_app.config.get("FAB_SAFE_REDIRECT_HOSTS") or []
    for pattern in patterns:
        pattern = pattern.strip().lower()
        # "host:port" patterns match the whole location, bare ones the host name.
        if fnmatch(netloc.lower() if ":" in pattern else hostname, pattern):
            return True
    return False


def is_safe_next_url(url: str | None) -> bool:
    """True when ``url`` stays on this site: a local path, or http(s) to a safe host.

    Refused: other hosts, scheme-relative ``//host``, backslashes, control characters,
    user-info (``https://site@evil``) and schemes other than http and https.
    """
    if not url or any(_suspicious(c) for c in url):
        return False
    try:
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if not parts.scheme and not parts.netloc:
        # A path of this site; "//" was caught above as a netloc.
        return url.startswith("/") and not url.startswith("//")
    if parts.scheme not in ("http", "https") or not hostname:
        return False
    if "@" in parts.netloc:
        return False
    return _host_allowed(parts.netloc, hostname)


def safe_next_url(url: str | None) -> str:
    """``url`` when it is safe (see :func:`is_safe_next_url`), else the start page."""
    if is_safe_next_url(url):
        return url  # type: ignore[return-value]
    return current_app.appbuilder.get_url_for_index
