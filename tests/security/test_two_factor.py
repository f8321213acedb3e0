"""The optional TOTP second factor: set-up with a QR code, the second step at login
(screen and API), no replayed codes, and secrets stored encrypted."""

from __future__ import annotations

import re
import time

import pyotp
from sqlalchemy import text

from app.services import two_factor
from tests.conftest import PASSWORD, login
from tests.security.conftest import current_code, flashed, message

PROTECTED = "/customerview/list/"


def _password_step(client, username: str, next_url: str | None = None):
    response = client.post(
        "/login/",
        query_string={"next": next_url} if next_url else None,
        data={"username": username, "password": PASSWORD},
    )
    assert response.status_code == 302
    return response


def test_password_alone_is_not_enough(app, totp_admin):
    username, _secret = totp_admin
    client = app.test_client()
    response = _password_step(client, username)
    assert response.headers["Location"] == "/login/totp"
    assert "/login" in client.get(PROTECTED).headers["Location"]
    page = client.get("/login/totp")
    assert page.status_code == 200
    assert "no-store" in page.headers["Cache-Control"]
    assert 'name="code"' in page.get_data(as_text=True)


def test_the_right_code_completes_the_login_and_goes_next(app, totp_admin):
    username, secret = totp_admin
    client = app.test_client()
    _password_step(client, username, next_url=PROTECTED)
    response = client.post("/login/totp", data={"code": current_code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"] == PROTECTED
    assert client.get(PROTECTED).status_code == 200


def test_a_wrong_code_is_refused(app, totp_admin):
    username, secret = totp_admin
    client = app.test_client()
    _password_step(client, username)
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    response = client.post("/login/totp", data={"code": wrong})
    assert response.status_code == 200
    assert message(
        app, "Wrong or expired code. Type the code your authenticator app shows now."
    ) in flashed(response.get_data(as_text=True))
    assert "/login" in client.get(PROTECTED).headers["Location"]


def test_a_code_cannot_be_used_twice(app, totp_admin):
    username, secret = totp_admin
    code = current_code(secret)
    first = app.test_client()
    _password_step(first, username)
    assert first.post("/login/totp", data={"code": code}).status_code == 302

    second = app.test_client()
    _password_step(second, username)
    assert second.post("/login/totp", data={"code": code}).status_code == 200
    assert "/login" in second.get(PROTECTED).headers["Location"]


def test_too_many_wrong_codes_start_the_login_over(app, totp_admin):
    username, secret = totp_admin
    client = app.test_client()
    _password_step(client, username)
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    for _ in range(4):
        assert client.post("/login/totp", data={"code": wrong}).status_code == 200
    response = client.post("/login/totp", data={"code": wrong})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")
    # Even the right code is no use now: the password step must be done again.
    again = client.post("/login/totp", data={"code": current_code(secret)})
    assert again.status_code == 302 and again.headers["Location"].startswith("/login/")
    assert "/login" in client.get(PROTECTED).headers["Location"]


def test_the_second_step_expires(app, totp_admin, monkeypatch):
    import app.security.views as views

    username, secret = totp_admin
    client = app.test_client()
    _password_step(client, username)
    later = views.time.time() + two_factor.PENDING_SECONDS + 1
    monkeypatch.setattr(views.time, "time", lambda: later)
    response = client.post("/login/totp", data={"code": current_code(secret)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")


def test_second_step_without_a_password_step_goes_to_login(app):
    response = app.test_client().get("/login/totp")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/")


def test_api_login_asks_for_the_code_too(app, totp_admin):
    username, secret = totp_admin
    client = app.test_client()
    body = {"username": username, "password": PASSWORD, "provider": "db"}
    assert client.post("/api/v1/security/login", json=body).status_code == 401
    assert client.post("/api/v1/security/login", json={**body, "totp": "12"}).status_code == 401
    response = client.post("/api/v1/security/login", json={**body, "totp": current_code(secret)})
    assert response.status_code == 200
    assert response.json["access_token"]


def test_accounts_without_two_factor_log_in_with_the_password(app):
    client = app.test_client()
    response = login(client, "suporte")
    assert response.headers["Location"] == "/"
    assert client.get(PROTECTED).status_code == 200


def test_admin_sets_it_up_with_the_qr_code_and_turns_it_off(app, login_as, db_session):
    client = login_as("admin")
    page = client.get("/two-factor/").get_data(as_text=True)
    assert 'action="/two-factor/start"' in page

    client.post("/two-factor/start")
    page = client.get("/two-factor/").get_data(as_text=True)
    assert "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    # Not on yet: a wrong code keeps it off and login still needs the password only.
    client.post("/two-factor/confirm", data={"code": "abc"})
    assert login(app.test_client(), "admin").headers["Location"] == "/"

    client.post("/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    page = client.get("/two-factor/").get_data(as_text=True)
    assert 'action="/two-factor/disable"' in page
    assert login(app.test_client(), "admin").headers["Location"] == "/login/totp"
    # The secret is stored encrypted.
    stored = db_session.execute(text("SELECT secret FROM user_totp")).scalar_one()
    assert secret not in stored

    # Turning it off needs an unspent code: the confirmation's was used, take the next one.
    client.post("/two-factor/disable", data={"code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert 'action="/two-factor/start"' in client.get("/two-factor/").get_data(as_text=True)
    assert login(app.test_client(), "admin").headers["Location"] == "/"


def test_turning_it_off_needs_a_current_code(app, totp_admin, db_session):
    username, secret = totp_admin
    client = app.test_client()
    _password_step(client, username)
    client.post("/login/totp", data={"code": current_code(secret)})
    client.post("/two-factor/disable", data={"code": "000000"})
    assert _password_step(app.test_client(), username).headers["Location"] == "/login/totp"


def test_only_admins_may_set_it_up(login_as):
    for username in ("suporte", "financeiro", "leitura"):
        assert login_as(username).get("/two-factor/").status_code == 403
        assert login_as(username).post("/two-factor/start").status_code == 403


def test_reset_command_turns_it_off_for_a_lost_phone(app, totp_admin, db_session):
    from app.models import AuditLog

    username, _secret = totp_admin
    result = app.test_cli_runner().invoke(
        args=["panel", "reset-two-factor", "--username", username]
    )
    assert result.exit_code == 0, result.output
    assert "turned off" in result.output
    assert _password_step(app.test_client(), username).headers["Location"] == "/"
    entry = db_session.query(AuditLog).filter_by(table_name="user_totp", action="delete").one()
    assert entry.source == "cli"
    assert entry.changes["secret"]["before"] == "***"


def test_api_login_refuses_a_code_that_is_not_text(app, totp_admin):
    username, secret = totp_admin
    client = app.test_client()
    body = {"username": username, "password": PASSWORD, "provider": "db"}
    for code in (int(current_code(secret)), [current_code(secret)], None):
        assert client.post("/api/v1/security/login", json={**body, "totp": code}).status_code == 401


def _login_user(app, username: str):
    return app.appbuilder.sm.find_user(username=username)


def test_service_pending_login_expires_and_follows_its_user(app):
    from types import SimpleNamespace

    user = SimpleNamespace(id=7, is_active=True)
    start = 1_000_000.5
    pending = two_factor.start_pending_login(user, "/next", now=start)
    assert pending == {"user_id": 7, "next": "/next", "at": 1_000_000, "tries": 0}
    users = {7: user}
    assert two_factor.pending_login_user(pending, start, users.get) is user
    last = 1_000_000 + two_factor.PENDING_SECONDS
    assert two_factor.pending_login_user(pending, last, users.get) is user
    assert two_factor.pending_login_user(pending, last + 1, users.get) is None
    # No pending login, a deleted user, a user disabled since the password step.
    assert two_factor.pending_login_user(None, start, users.get) is None
    assert two_factor.pending_login_user("junk", start, users.get) is None
    assert two_factor.pending_login_user(pending, start, {}.get) is None
    user.is_active = False
    assert two_factor.pending_login_user(pending, start, users.get) is None


def test_service_counts_wrong_codes_then_accepts_the_right_one(app, totp_admin):
    username, secret = totp_admin
    wrong = "000000" if current_code(secret) != "000000" else "111111"
    with app.app_context():
        user = _login_user(app, username)
        pending = two_factor.start_pending_login(user, "/", now=time.time())
        for tries in range(1, two_factor.PENDING_TRIES):
            outcome = two_factor.check_pending_code(user, pending, wrong)
            assert outcome is two_factor.CodeCheck.WRONG and pending["tries"] == tries
        assert two_factor.check_pending_code(user, pending, wrong) is two_factor.CodeCheck.TOO_MANY

        pending = two_factor.start_pending_login(user, "/", now=time.time())
        code = current_code(secret)
        assert two_factor.check_pending_code(user, pending, code) is two_factor.CodeCheck.ACCEPTED
        # Spent: the same code at the next pending login is a wrong one.
        again = two_factor.start_pending_login(user, "/", now=time.time())
        assert two_factor.check_pending_code(user, again, code) is two_factor.CodeCheck.WRONG
        assert secret not in repr(pending)


def test_service_one_request_login_needs_the_code_only_when_on(app, totp_admin):
    username, secret = totp_admin
    with app.app_context():
        assert two_factor.second_factor_passed(_login_user(app, "suporte"), None)
        user = _login_user(app, username)
        code = current_code(secret)
        assert not two_factor.second_factor_passed(user, None)
        assert not two_factor.second_factor_passed(user, int(code))
        assert two_factor.second_factor_passed(user, code)
        assert not two_factor.second_factor_passed(user, code)  # spent


def _wrong_code(secret: str) -> str:
    """A code no step near now accepts."""
    totp = pyotp.TOTP(secret)
    near = {totp.at(time.time() + shift) for shift in (-60, -30, 0, 30, 60)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in near)


def test_an_account_with_too_many_wrong_codes_refuses_even_the_right_one(make_app, totp_admin):
    username, secret = totp_admin
    limited = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                       AUTH_RATE_LIMIT="1000 per second", TOTP_WRONG_CODE_LIMIT="4 per hour")
    client = limited.test_client()
    wrong = _wrong_code(secret)
    body = {"username": username, "password": PASSWORD, "provider": "db"}
    # Two wrong codes at the screen, two through the API: under each login's own
    # limit, but four for the account.
    _password_step(client, username)
    for _ in range(2):
        assert client.post("/login/totp", data={"code": wrong}).status_code == 200
    for _ in range(2):
        assert client.post("/api/v1/security/login",
                           json={**body, "totp": wrong}).status_code == 401

    # A fresh login (or a replayed cookie) does not reset the account's count.
    fresh = limited.test_client()
    _password_step(fresh, username)
    response = fresh.post("/login/totp", data={"code": current_code(secret)})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login/")
    assert message(limited, "Too many wrong codes for this account. Wait a while and log "
                            "in again.") in flashed(fresh.get("/login/").get_data(as_text=True))
    assert _sent_to_login_page(fresh.get(PROTECTED))
    assert fresh.post("/api/v1/security/login",
                      json={**body, "totp": current_code(secret)}).status_code == 401
    # The right code was not even looked at: still unspent, it works once the window
    # has passed (here: the limiter's storage emptied).
    with limited.app_context():
        limited.appbuilder.sm.limiter.reset()
    again = limited.test_client()
    _password_step(again, username)
    assert _sent_to_login_page(again.post("/login/totp", data={"code": current_code(secret)})) \
        is False

    # Other accounts are not affected.
    other = limited.test_client()
    assert login(other, "suporte").status_code == 302
    assert other.get(PROTECTED).status_code == 200


def _sent_to_login_page(response) -> bool:
    return response.status_code == 302 and "/login/" in response.headers["Location"]
