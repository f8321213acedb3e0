"""Login and logout: fresh sessions, cookies, no user enumeration, safe ``next=``, no
caching, and the password rule."""

from __future__ import annotations

import statistics
import time

import pytest

from app.security.redirects import is_safe_next_url
from tests.conftest import PASSWORD, login
from tests.security.conftest import flashed, message

PROTECTED = "/customerview/list/"


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def _session_cookie(client) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None, "no session cookie"
    return cookie.value


def _client_with_cookie(app, value: str):
    client = app.test_client()
    client.set_cookie("session", value)
    return client


# --------------------------------------------------------------------------- sessions


def test_login_starts_a_fresh_session(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = _session_cookie(client)

    assert login(client, "suporte").status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
    after = _session_cookie(client)
    assert after != before
    assert client.get(PROTECTED).status_code == 200
    # The cookie from before login is still anonymous: it opens nothing.
    assert _sent_to_login(_client_with_cookie(app, before).get(PROTECTED))


def test_two_logins_get_different_sessions(app):
    first, second = app.test_client(), app.test_client()
    login(first, "suporte")
    login(second, "suporte")
    assert _session_cookie(first) != _session_cookie(second)


def test_logout_ends_the_session_everywhere_its_cookie_went(app):
    client = app.test_client()
    login(client, "suporte")
    stolen = _session_cookie(client)
    assert _client_with_cookie(app, stolen).get(PROTECTED).status_code == 200

    client.get("/logout/")
    assert _sent_to_login(client.get(PROTECTED))
    # A copy of the logged-in cookie taken before logout is worthless now.
    assert _sent_to_login(_client_with_cookie(app, stolen).get(PROTECTED))


def test_logout_of_one_session_leaves_the_others(app):
    office, laptop = app.test_client(), app.test_client()
    login(office, "suporte")
    login(laptop, "suporte")
    office.get("/logout/")
    assert laptop.get(PROTECTED).status_code == 200


def test_session_older_than_its_lifetime_is_refused(make_app):
    from datetime import timedelta

    short = make_app(PERMANENT_SESSION_LIFETIME=timedelta(seconds=1))
    client = short.test_client()
    login(client, "suporte")
    assert client.get(PROTECTED).status_code == 200
    time.sleep(1.2)
    assert _sent_to_login(client.get(PROTECTED))


def test_a_user_deactivated_after_login_is_out_at_the_next_request(app, db_session):
    from flask_appbuilder.security.sqla.models import User

    client = app.test_client()
    login(client, "suporte")
    assert client.get(PROTECTED).status_code == 200
    user = db_session.query(User).filter_by(username="suporte").one()
    user.active = False
    db_session.commit()
    try:
        assert _sent_to_login(client.get(PROTECTED))
    finally:
        user.active = True  # the role users are shared by every test
        db_session.commit()


def test_the_login_user_and_roles_of_a_request_come_in_one_statement(app):
    from tests.views.test_list_performance import counted

    client = app.test_client()
    login(client, "suporte")
    client.get(PROTECTED)
    with app.app_context(), counted(app) as statements:
        assert client.get(PROTECTED).status_code == 200
    auth = [s for s in statements
            if any(name in s for name in ("user_sessions", "ab_user", "ab_role ", "ab_group"))]
    assert len(auth) == 1, auth
    assert all(name in auth[0] for name in ("user_sessions", "ab_user", "ab_role", "ab_group"))


# --------------------------------------------------------------------------- cookies


def _set_cookie_header(response) -> str:
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")]
    assert headers, "login set no session cookie"
    return headers[-1]


def test_session_cookie_is_httponly_and_samesite_lax(app):
    header = _set_cookie_header(login(app.test_client(), "suporte"))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_session_cookie_is_secure_when_configured(make_app):
    header = _set_cookie_header(
        login(make_app(SESSION_COOKIE_SECURE=True).test_client(), "suporte")
    )
    assert "Secure" in header


@pytest.mark.parametrize(("environment", "secure"), [("production", True), ("development", False)])
def test_cookies_are_secure_outside_development(monkeypatch, environment, secure):
    from config import Config

    monkeypatch.setenv("PANEL_ENV", environment)
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    config = Config()
    assert config.SESSION_COOKIE_SECURE is secure
    assert config.REMEMBER_COOKIE_SECURE is secure
    assert config.SESSION_COOKIE_HTTPONLY is True
    assert config.SESSION_COOKIE_SAMESITE == "Lax"


# --------------------------------------------------------------------------- enumeration


def _login_message(app, username: str, password: str) -> list[str]:
    client = app.test_client()
    response = client.post("/login/", data={"username": username, "password": password})
    assert _sent_to_login(response)
    return flashed(client.get(response.headers["Location"]).get_data(as_text=True))


def test_unknown_user_and_wrong_password_get_the_same_message(app):
    unknown = _login_message(app, "ninguem-com-este-nome", PASSWORD)
    wrong = _login_message(app, "suporte", "Senha-errada-1!")
    assert unknown == wrong == [message(app, "Invalid login. Please try again.")]


def test_inactive_user_gets_the_same_message(app, db_session):
    sm = app.appbuilder.sm
    user = sm.find_user(username="leitura")
    user.active = False
    sm.update_user(user)
    try:
        assert _login_message(app, "leitura", PASSWORD) == [
            message(app, "Invalid login. Please try again.")
        ]
    finally:
        user = sm.find_user(username="leitura")
        user.active = True
        sm.update_user(user)


def test_unknown_user_costs_a_password_check(app, monkeypatch):
    """Without the check an unknown user would answer much faster than a wrong password."""
    import flask_appbuilder.security.manager as fab_manager

    calls = []
    real = fab_manager.check_password_hash
    monkeypatch.setattr(fab_manager, "check_password_hash", lambda *a: calls.append(a) or real(*a))
    _login_message(app, "ninguem-com-este-nome", PASSWORD)
    unknown = len(calls)
    _login_message(app, "suporte", "Senha-errada-1!")
    assert unknown == 1
    assert len(calls) - unknown == 1


def test_unknown_user_and_wrong_password_take_similar_time(app):
    client = app.test_client()

    def median(username: str, password: str) -> float:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            client.post("/login/", data={"username": username, "password": password})
            times.append(time.perf_counter() - start)
        return statistics.median(times)

    median("suporte", "aquecimento")  # warm up caches and connections
    unknown = median("ninguem-com-este-nome", PASSWORD)
    wrong = median("suporte", "Senha-errada-1!")
    # Generous bounds: a skipped hash check is ~50 times faster, not 3.
    assert 1 / 3 < unknown / wrong < 3, (unknown, wrong)


def test_malformed_usernames_are_an_invalid_login(app, api):
    for username in ("\x00", "a" * 10_000, "admin\x1b[31m"):
        assert _login_message(app, username, PASSWORD) == [
            message(app, "Invalid login. Please try again.")
        ]
        response = app.test_client().post(
            "/api/v1/security/login",
            json={"username": username, "password": PASSWORD, "provider": "db"},
        )
        assert response.status_code == 401


# --------------------------------------------------------------------------- next=

HOSTILE_NEXT = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "///evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\t/evil.example",
    "https://localhost@evil.example/",
    "https://evil.example\\@localhost/",
    "https://localhost.evil.example/",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http:evil.example",
    "ftp://localhost/",
    "evil.example",
    "/\u202e/evil.example",
]
SAFE_NEXT = [
    "/customerview/list/",
    "/customers/1/?tab=planos",
    "http://localhost/customerview/list/",
    "http://127.0.0.1:5000/customerview/list/",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_next_never_leaves_the_site(app, target):
    response = app.test_client().post(
        "/login/", query_string={"next": target}, data={"username": "suporte", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    with app.app_context():
        assert not is_safe_next_url(target)


@pytest.mark.parametrize("target", SAFE_NEXT)
def test_next_within_the_site_is_followed(app, target):
    response = app.test_client().post(
        "/login/", query_string={"next": target}, data={"username": "suporte", "password": PASSWORD}
    )
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example"])
def test_next_is_checked_when_already_logged_in(login_as, target):
    response = login_as("suporte").get("/login/", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_protected_page_sends_back_there_after_login(app):
    client = app.test_client()
    sent = client.get(PROTECTED)
    assert _sent_to_login(sent)
    response = client.post(
        sent.headers["Location"], data={"username": "suporte", "password": PASSWORD}
    )
    assert response.headers["Location"].endswith(PROTECTED)


# --------------------------------------------------------------------------- caching


def test_login_page_is_not_cached(app):
    response = app.test_client().get("/login/")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]


def test_pages_with_data_are_not_cached_but_static_files_may_be(login_as):
    client = login_as("suporte")
    assert "no-store" in client.get(PROTECTED).headers["Cache-Control"]
    static = client.get("/static/css/panel.css")
    assert static.status_code == 200
    assert "no-store" not in static.headers.get("Cache-Control", "")


# --------------------------------------------------------------------------- passwords

WEAK = [
    "curta1!A",
    "semdigitos-Nenhum!",
    "SEM-MINUSCULAS-1",
    "sem-maiusculas-1",
    "SemSimbolo123",
    "Controle-1!\x1b",
]


@pytest.mark.parametrize("password", WEAK)
def test_password_rule(password):
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    from app.security.passwords import check_password_complexity

    with pytest.raises(PasswordComplexityValidationError):
        check_password_complexity(password)


def test_strong_password_passes():
    from app.security.passwords import check_password_complexity

    check_password_complexity(PASSWORD)


def _rule_message(app) -> str:
    return message(
        app,
        "The password must have from %(min)s to %(max)s characters, with upper and "
        "lower case letters, a digit and a symbol.",
        min=10,
        max=128,
    )


def test_user_creation_screen_applies_the_rule(app, login_as, db_session):
    sm = app.appbuilder.sm
    role = sm.find_role("Suporte")
    data = {
        "first_name": "Nova",
        "last_name": "Pessoa",
        "username": "nova.pessoa",
        "active": "y",
        "email": "nova@teste.local",
        "roles": [str(role.id)],
        "password": "fraca",
        "conf_password": "fraca",
    }
    client = login_as("admin")
    response = client.post("/users/add", data=data)
    assert response.status_code == 200
    assert _rule_message(app) in response.get_data(as_text=True)
    assert sm.find_user(username="nova.pessoa") is None

    strong = {**data, "password": "Senha-Forte-2024!", "conf_password": "Senha-Forte-2024!"}
    assert client.post("/users/add", data=strong).status_code == 302
    created = sm.find_user(username="nova.pessoa")
    assert created is not None
    sm.session.delete(created)
    sm.session.commit()


def test_password_reset_screens_apply_the_rule(app, login_as, db_session):
    from werkzeug.security import check_password_hash

    sm = app.appbuilder.sm
    user = sm.find_user(username="leitura")
    before = user.password
    client = login_as("admin")
    for url in (f"/resetpassword/form?pk={user.id}", "/resetmypassword/form"):
        response = client.post(url, data={"password": "fraca", "conf_password": "fraca"})
        assert response.status_code == 200, url
        assert _rule_message(app) in response.get_data(as_text=True)
    assert sm.find_user(username="leitura").password == before
    assert check_password_hash(sm.find_user(username="admin").password, PASSWORD)


def test_reset_password_of_an_unknown_user_is_not_found(login_as):
    client = login_as("admin")
    for pk in ("", "abc", "999999"):
        response = client.post(
            f"/resetpassword/form?pk={pk}",
            data={"password": "Senha-Forte-2024!", "conf_password": "Senha-Forte-2024!"},
        )
        assert response.status_code == 404, pk


def test_accounts_made_in_code_follow_the_rule(app):
    from flask_appbuilder.exceptions import PasswordComplexityValidationError

    sm = app.appbuilder.sm
    with app.app_context():
        assert sm.add_user("fraco", "F", "R", "fraco@teste.local", [], password="fraca") is False
        assert sm.find_user(username="fraco") is None
        leitura = sm.find_user(username="leitura")
        with pytest.raises(PasswordComplexityValidationError):
            sm.reset_password(leitura.id, "fraca")


def test_create_admin_command_refuses_a_weak_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["panel", "create-admin", "--username", "fraco2", "--password", "fraca"]
    )
    assert result.exit_code != 0
    with app.app_context():
        assert app.appbuilder.sm.find_user(username="fraco2") is None
