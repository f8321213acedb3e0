"""Panel configuration, read from the environment.

Every setting a deployment changes comes from an environment variable, so the same
code runs a newcomer's laptop (SQLite, jobs in-process) and a production cluster
(PostgreSQL through ``DATABASE_URL``, Redis through ``REDIS_URL``).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask_appbuilder.const import AUTH_DB

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else switched_on(value)


def _development() -> bool:
    return os.environ.get("PANEL_ENV", "development").lower() in {"development", "test"}


def _secret_key() -> str:
    """Return ``SECRET_KEY``; in development generate one once and keep it in ``instance/``.

    Outside development a missing key is an error: a generated key would differ between
    gunicorn processes and log everybody out at every restart.
    """
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not _development():
        raise ConfigError("SECRET_KEY must be set outside development (PANEL_ENV=production).")
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{INSTANCE_DIR / 'panel.db'}"
    return _sqlalchemy_url(url)


def _sqlalchemy_url(url: str) -> str:
    """Heroku-style URLs and plain ``postgresql://`` both go through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


# --- RADIUS settings: their defaults and how their values are read.

# Words of the RADIUS switches. app.services.radius reads the app config with the same
# words, so an override given as text (``create_app({...: "0"})``) means the same.
_ON_WORDS = frozenset({"1", "true", "yes", "on", "s", "sim"})
_OFF_WORDS = frozenset({"0", "false", "no", "off", "n", "nao", "não"})

# Defaults of the RADIUS settings (docs/radius.md); app.services.radius falls back to
# them for a setting missing from the app config.
RADIUS_DEFAULTS = {
    "RADIUS_NAS_TIMEOUT": 3.0,
    "RADIUS_NAS_RETRIES": 1,
    "RADIUS_REQUEST_ATTEMPTS": 3,
    "RADIUS_RETRY_INTERVALS": [30, 120],
    "RADIUS_QUEUE": "network",
    "RADIUS_READ_CLIENTS": False,
    "RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR": True,
}


def switched_on(value: object) -> bool:
    """Whether a switch that is off by default was turned on (``1``, ``sim``, True ...)."""
    if isinstance(value, str):
        return value.strip().lower() in _ON_WORDS
    return bool(value)


def switched_off(value: object) -> bool:
    """Whether a switch that is on by default was turned off explicitly.

    A protection stays on unless it is clearly turned off (``0``, ``não``, False ...):
    a typo, an empty value or None keeps it on.
    """
    if isinstance(value, str):
        return value.strip().lower() in _OFF_WORDS
    return value is not None and not value


def seconds_list(value: str) -> list[int]:
    """Whole seconds from comma-separated text (``"30,120"``); empty parts are skipped.

    Raises:
        ValueError: a part is not a whole number.
    """
    return [int(part) for part in value.split(",") if part.strip()]


def _number(name: str, default: float, kind: type[int] | type[float], what: str,
            minimum: float | None = None) -> int | float:
    """A number from the environment, or ``default``; a ConfigError naming it if bad."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        number = kind(value)
    except ValueError:
        number = None
    if number is None or (minimum is not None and number < minimum):
        raise ConfigError(f"{name} must be {what}, not {value!r}.")
    return number


def _radius_number(name: str, kind: type[int] | type[float], what: str) -> int | float:
    return _number(name, RADIUS_DEFAULTS[name], kind, what)


def _rate_limit(name: str, default: str) -> str:
    """A rate-limit setting (``10 per hour``), checked when the app is built."""
    from limits import parse

    value = os.environ.get(name, "").strip() or default
    try:
        parse(value)
    except ValueError:
        raise ConfigError(f"{name} must read like '10 per hour', not {value!r}.") from None
    return value


class Config:
    """Configuration for the Flask app and Flask-AppBuilder, built from the environment."""

    def __init__(self) -> None:
        self.DEVELOPMENT = _development()
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = _database_url()
        self.SQLALCHEMY_TRACK_MODIFICATIONS = False
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.PORT = int(os.environ.get("PORT", "5000"))
        # Jobs run in-process when no Redis is configured, so the default install still
        # provisions ONUs and cleans RADIUS up end to end.
        self.JOBS_INLINE = self.REDIS_URL is None
        self.RQ_QUEUES = ["default", "network"]

        # Encryption of stored device secrets (OLT and NAS passwords, Wi-Fi keys).
        # Derived from SECRET_KEY unless a dedicated key is given.
        self.FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY") or None

        # --- Flask-AppBuilder
        self.APP_NAME = os.environ.get("APP_NAME", "Painel do Provedor")
        self.APP_THEME = ""
        self.AUTH_TYPE = AUTH_DB
        self.AUTH_ROLE_ADMIN = "Admin"
        self.AUTH_ROLE_PUBLIC = "Public"
        self.AUTH_USER_REGISTRATION = False
        self.FAB_API_SWAGGER_UI = True
        # The panel serves its own, completed OpenAPI document (app.api.openapi).
        self.FAB_ADD_OPENAPI_VIEWS = False
        # FAB's menu API serves FAB's React front-ends, which the panel does not use.
        self.FAB_ADD_MENU_API = False
        self.FAB_ADD_SECURITY_API = False
        # Schema comes from migrations only, and permissions are synchronised by
        # `flask panel init`, never by each web process racing the others at start-up.
        self.FAB_CREATE_DB = False
        self.FAB_UPDATE_PERMS = _bool("FAB_UPDATE_PERMS", False)
        self.FAB_API_MAX_PAGE_SIZE = 100
        self.FAB_SAFE_REDIRECT_HOSTS = [
            h.strip()
            for h in os.environ.get("SAFE_REDIRECT_HOSTS", "127.0.0.1,localhost").split(",")
            if h.strip()
        ]
        self.FAB_PASSWORD_COMPLEXITY_ENABLED = True
        # The panel's rule and Portuguese message instead of FAB's (two capitals, two
        # digits, three lower case letters ...), on every form that sets a password.
        from app.security.passwords import check_password_complexity

        self.FAB_PASSWORD_COMPLEXITY_VALIDATOR = check_password_complexity

        # --- Locale: Brazilian Portuguese by default, English selectable.
        self.BABEL_DEFAULT_LOCALE = "pt_BR"
        self.BABEL_DEFAULT_TIMEZONE = "America/Sao_Paulo"
        self.BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")
        self.LANGUAGES = {
            "pt_BR": {"flag": "br", "name": "Português"},
            "en": {"flag": "us", "name": "English"},
        }

        # --- Security baseline
        self.WTF_CSRF_ENABLED = True
        self.WTF_CSRF_TIME_LIMIT = None
        self.AUTH_RATE_LIMITED = True
        self.AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
        self.RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
        # With several processes the login counter must be shared, or each process
        # gives an attacker its own budget.
        self.RATELIMIT_STORAGE_URI = self.REDIS_URL or "memory://"
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = not self.DEVELOPMENT
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SECURE = not self.DEVELOPMENT
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
        self.JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=30)

        # --- Benchmark mode (bench/http.py): plain FAB screens to compare with and a
        # per-request SQL count. Test and benchmark runs only; never in production.
        self.PANEL_BENCH = _bool("PANEL_BENCH", False) and self.DEVELOPMENT

        # --- Billing: how many days before its due date a monthly charge is made.
        lead = os.environ.get("BILLING_LEAD_DAYS", "10").strip()
        # A bad value stays as typed: the billing sweep refuses it with its message
        # rather than the panel failing to start.
        self.BILLING_LEAD_DAYS = int(lead) if lead.isdigit() else lead

        # --- ONU jobs: the RQ queue of device work; web and workers must agree on it.
        self.ONU_JOB_QUEUE = os.environ.get("ONU_JOB_QUEUE", "").strip() or "network"

        # --- Second-step login: wrong codes one account may receive before its second
        # step is refused for the rest of the window (app.services.two_factor).
        self.TOTP_WRONG_CODE_LIMIT = _rate_limit("TOTP_WRONG_CODE_LIMIT", "10 per hour")

        # --- OLT sessions: how long an RQ worker keeps an idle SSH session to an OLT
        # for the next job (app.drivers.olt.sessions). Below the OLTs' own idle logout.
        self.OLT_SESSION_IDLE = _number(
            "OLT_SESSION_IDLE", 60.0, float, "a number of seconds", minimum=0
        )

        # --- Demo network: OLT simulator ports used by the demo data.
        self.OLT_SIM_HOST = os.environ.get("OLT_SIM_HOST", "127.0.0.1")
        self.OLT_SIM_BASE_PORT = int(os.environ.get("OLT_SIM_BASE_PORT", "2222"))

        # --- RADIUS: an existing FreeRADIUS database for the rad* tables (unset: the
        # panel's own database), CoA/Disconnect to the NAS and FreeRADIUS's nas table
        # (app.services.radius.RadiusSettings, docs/radius.md).
        radius_url = os.environ.get("RADIUS_DATABASE_URL", "").strip()
        self.RADIUS_DATABASE_URL = _sqlalchemy_url(radius_url) if radius_url else None
        self.RADIUS_NAS_TIMEOUT = _radius_number("RADIUS_NAS_TIMEOUT", float, "a number of seconds")
        self.RADIUS_NAS_RETRIES = _radius_number("RADIUS_NAS_RETRIES", int, "a whole number")
        self.RADIUS_REQUEST_ATTEMPTS = _radius_number(
            "RADIUS_REQUEST_ATTEMPTS", int, "a whole number"
        )
        intervals = os.environ.get("RADIUS_RETRY_INTERVALS")
        try:
            self.RADIUS_RETRY_INTERVALS = (
                list(RADIUS_DEFAULTS["RADIUS_RETRY_INTERVALS"])
                if intervals is None
                else seconds_list(intervals)
            )
        except ValueError:
            raise ConfigError(
                "RADIUS_RETRY_INTERVALS must be whole seconds separated by commas "
                f"(30,120), not {intervals!r}."
            ) from None
        self.RADIUS_QUEUE = os.environ.get("RADIUS_QUEUE", RADIUS_DEFAULTS["RADIUS_QUEUE"])
        # Off by default: on, the panel writes each NAS secret in clear into that table.
        self.RADIUS_READ_CLIENTS = switched_on(os.environ.get("RADIUS_READ_CLIENTS", False))
        # A protection (BlastRADIUS): only a clear "off" turns it off, a typo keeps it on.
        self.RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR = not switched_off(
            os.environ.get("RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR")
        )

    def as_dict(self) -> dict:
        """Return the settings as a plain dict for ``app.config.update``."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
