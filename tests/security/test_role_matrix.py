"""Each seeded role sees and can do exactly what the role matrix says, in the browser
and over the API alike."""

from __future__ import annotations

import re

import pytest

from app.security import permissions as p
from app.security import roles

# (screen list URL, API URL, view menu) of each entity with a screen and an API.
ENTITIES = [
    ("/customerview/list/", "/api/v1/customers/", p.CUSTOMER),
    ("/planview/list/", "/api/v1/plans/", p.PLAN),
    ("/contracttemplateview/list/", "/api/v1/contract-templates/", p.CONTRACT_TEMPLATE),
    ("/paymentmethodview/list/", "/api/v1/payment-methods/", p.PAYMENT_METHOD),
    ("/cityview/list/", "/api/v1/cities/", p.CITY),
    ("/accesspointview/list/", "/api/v1/access-points/", p.ACCESS_POINT),
    ("/oltview/list/", "/api/v1/olts/", p.OLT),
    ("/nasview/list/", "/api/v1/nas/", p.NAS),
    ("/tvpackageview/list/", "/api/v1/tv-packages/", p.TV_PACKAGE),
    ("/extraservicetypeview/list/", "/api/v1/extra-service-types/", p.EXTRA_SERVICE_TYPE),
    ("/phonecategoryview/list/", "/api/v1/phone-categories/", p.PHONE_CATEGORY),
    ("/systemvariableview/list/", "/api/v1/system-variables/", p.SYSTEM_VARIABLE),
    ("/subscriptionlistview/list/", "/api/v1/subscriptions/", p.SUBSCRIPTION),
    ("/contractlistview/list/", "/api/v1/contracts/", p.CONTRACT),
    ("/chargelistview/list/", "/api/v1/charges/", p.CHARGE),
    ("/onuview/list/", "/api/v1/onus/", p.ONU),
    ("/auditlogview/list/", "/api/v1/audit-log/", p.AUDIT_LOG),
]

USERS = {
    "admin": roles.ADMIN,
    "suporte": roles.SUPPORT,
    "tecnico": roles.TECHNICIAN,
    "financeiro": roles.FINANCE,
    "leitura": roles.READ_ONLY,
    "semacesso": None,
}


def _may(username: str, permission: str, menu: str) -> bool:
    role = USERS[username]
    if role is None:
        return False
    if role == roles.ADMIN:
        return True
    return (p.can(permission), menu) in roles.ROLE_PERMISSIONS[role]


@pytest.mark.parametrize("username", list(USERS))
def test_screens_follow_the_matrix(login_as, username):
    client = login_as(username)
    for url, _api, menu in ENTITIES:
        response = client.get(url)
        if _may(username, p.READ, menu):
            assert response.status_code == 200, (username, url)
        else:
            assert response.status_code == 403, (username, url, response.status_code)


@pytest.mark.parametrize("username", list(USERS))
def test_api_follows_the_matrix(api, username):
    client = api(username)
    for _url, api_url, menu in ENTITIES:
        response = client.get(api_url)
        expected = 200 if _may(username, p.READ, menu) else 403
        assert response.status_code == expected, (username, api_url, response.status_code)


# Hand-written expectations: what an ISP would check when reading the matrix.
HAND_CHECKED = [
    ("suporte", "/api/v1/customers/", "post", True),
    ("suporte", "/api/v1/plans/", "post", False),
    ("tecnico", "/api/v1/olts/", "post", True),
    ("tecnico", "/api/v1/customers/", "post", False),
    ("financeiro", "/api/v1/customers/", "post", False),
    ("financeiro", "/api/v1/plans/", "post", False),
    ("leitura", "/api/v1/customers/", "post", False),
    ("leitura", "/api/v1/system-variables/", "post", False),
    ("admin", "/api/v1/system-variables/", "post", True),
]


@pytest.mark.parametrize(("username", "url", "method", "allowed"), HAND_CHECKED)
def test_write_rights_by_hand(api, username, url, method, allowed):
    response = getattr(api(username), method)(url, json={})
    # An allowed write with an empty body is refused for its content (400/422), not its rights.
    if allowed:
        assert response.status_code in (400, 422), response.json
    else:
        assert response.status_code == 403


def test_read_only_role_cannot_delete_over_the_api(api, db_session):
    from tests.factories import make_city

    city = make_city(db_session)
    db_session.commit()
    assert api("leitura").delete(f"/api/v1/cities/{city.id}").status_code == 403
    assert api("admin").delete(f"/api/v1/cities/{city.id}").status_code == 200


def test_screen_buttons_follow_rights(login_as):
    """A role that may only read the catalogue gets no add/edit/delete buttons on it."""
    body = login_as("financeiro").get("/planview/list/").get_data(as_text=True)
    assert "/planview/add" not in body
    assert "/planview/edit/" not in body
    body = login_as("admin").get("/planview/list/").get_data(as_text=True)
    assert "/planview/add" in body


def test_named_permissions_exist_and_are_granted(app):
    """The seed page's named permissions exist and each role holds the ones it should."""
    sm = app.appbuilder.sm
    with app.app_context():
        for action in p.ACTIONS:
            assert sm.find_permission_view_menu(p.can(action), p.SUBSCRIPTION_ACTIONS), action
        role = sm.find_role(roles.TECHNICIAN)
        held = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        assert ("can_delete_radius_login", p.SUBSCRIPTION_ACTIONS) in held
        assert ("can_change_plan", p.SUBSCRIPTION_ACTIONS) not in held
        role = sm.find_role(roles.SUPPORT)
        held = {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}
        assert ("can_change_plan", p.SUBSCRIPTION_ACTIONS) in held
        assert ("can_delete_radius_login", p.SUBSCRIPTION_ACTIONS) not in held
        assert ("can_edit_contract_fine", p.SUBSCRIPTION_ACTIONS) not in held


def test_menus_follow_rights(login_as):
    body = login_as("financeiro").get("/customerview/list/").get_data(as_text=True)
    assert "/oltview/list/" not in body  # no Rede menu for Finance
    assert "/chargelistview/list/" in body
    body = login_as("tecnico").get("/customerview/list/").get_data(as_text=True)
    assert "/oltview/list/" in body
    assert "/systemvariableview/list/" not in body


# --------------------------------------------------------------------------- every route

# Not about rights: the session's own pages (logging out would end the walk).
SESSION_PAGES = re.compile(r"^/(login|logout|back|lang|static|appbuilder)(/|$)")
ABSENT_ID = "999999"  # a record no test creates: an allowed request finds nothing to change


def _required_permission(app, endpoint: str) -> tuple[str, str] | None:
    """The ``(permission, view menu)`` a route checks, as FAB computes it; None if public."""
    function = app.view_functions[endpoint]
    view = getattr(function, "__self__", None)
    name = endpoint.rsplit(".", 1)[-1]
    method = getattr(type(view), name, None) if view is not None else None
    if method is None or not hasattr(method, "_permission_name"):
        return None
    permission = (view.method_permission_name or {}).get(name) or method._permission_name
    return f"can_{permission}", view.class_permission_name


def _matrix_allows(app, username: str, permission: tuple[str, str]) -> bool:
    """The role matrix's answer, not FAB's: Admin holds every permission that exists
    (a route of a read-only screen's add form checks one that nobody holds)."""
    from app.services.setup import SELF_SERVICE

    with app.app_context():
        if app.appbuilder.sm.find_permission_view_menu(*permission) is None:
            return False
    role = USERS[username]
    return role == roles.ADMIN or permission in roles.ROLE_PERMISSIONS[role] | SELF_SERVICE


def _guarded_routes(app) -> list[tuple[str, str, tuple[str, str]]]:
    """(method, url, permission) of every route that checks a permission."""
    routes = []
    for rule in app.url_map.iter_rules():
        if SESSION_PAGES.search(rule.rule):
            continue
        permission = _required_permission(app, rule.endpoint)
        if permission is None:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:[^:<>]+:)?{arg}>", ABSENT_ID, url)
        methods = (rule.methods or set()) - {"HEAD", "OPTIONS"}
        method = "GET" if "GET" in methods else sorted(methods)[0]
        routes.append((method, url, permission))
    return routes


LOGIN_PAGE = re.compile(r"^(https?://[^/]+)?/login/")


def _refused(response) -> bool:
    if response.status_code in (401, 403):
        return True
    location = response.headers.get("Location", "") if response.status_code == 302 else ""
    return bool(LOGIN_PAGE.match(location))


def test_every_guarded_route_is_walked(app):
    routes = _guarded_routes(app)
    menus = {menu for _m, _u, (_p, menu) in routes}
    assert len(routes) > 200
    # Screens and APIs of every area, the named actions and FAB's security screens.
    assert {p.CUSTOMER, p.SUBSCRIPTION_ACTIONS, p.CHARGE, p.ONU, p.AUDIT_LOG,
            p.TWO_FACTOR, "UserDBModelView"} <= menus


@pytest.mark.parametrize("username", [u for u, role in USERS.items() if role])
def test_every_route_follows_the_matrix(app, login_as, api_token, username):
    """Each route answers exactly as the role matrix says: screens with the browser's
    session, APIs with the user's token, on a record that does not exist (so an allowed
    request changes nothing, and is refused for that, not for its rights)."""
    browser = login_as(username)
    token = {"Authorization": f"Bearer {api_token(username)}"}
    wrong, checked = [], {True: 0, False: 0}
    for method, url, permission in _guarded_routes(app):
        allowed = _matrix_allows(app, username, permission)
        checked[allowed] += 1
        if method != "GET" and username == "admin":
            continue  # Admin may do anything: a POST could really do it
        if url.startswith("/api/"):
            response = app.test_client().open(url, method=method, headers=token,
                                              json={} if method != "GET" else None)
        else:
            # The shared test app does not ask for CSRF tokens (test_csrf_and_rate_limit).
            response = browser.open(url, method=method, data={} if method != "GET" else None)
        if _refused(response) == allowed:
            wrong.append(f"{method} {url} {permission}: {response.status_code}, "
                         f"{'allowed' if allowed else 'forbidden'} by the matrix")
    assert not wrong, "\n".join(wrong)
    assert checked[True] > 20 and checked[False] > 20, checked  # both ways were checked


def test_a_deleted_role_leaves_no_permission_behind(app, login_as, db_session):
    """Deleting a role, a group or a user from its screen removes its links: on SQLite
    nothing cascades them, and a new role given the freed id would inherit them."""
    from sqlalchemy import text

    sm = app.appbuilder.sm
    permission = sm.find_permission_view_menu(p.CAN_DELETE, p.CUSTOMER)
    role = sm.add_role("Papel Temporário")
    role.permissions.append(permission)
    group = sm.add_group("Grupo Temporário", "Grupo", "", roles=[role])
    db_session.commit()
    role_id, group_id = role.id, group.id
    client = login_as("admin")
    assert client.post(f"/groups/delete/{group_id}").status_code == 302
    assert client.post(f"/roles/delete/{role_id}").status_code == 302

    def links(table: str, column: str, value: int) -> int:
        return db_session.execute(
            text(f"SELECT count(*) FROM {table} WHERE {column} = :v"), {"v": value}  # noqa: S608
        ).scalar_one()

    db_session.expire_all()
    assert sm.find_role("Papel Temporário") is None
    assert links("ab_permission_view_role", "role_id", role_id) == 0
    assert links("ab_group_role", "group_id", group_id) == 0
    # The next role (the same id again on SQLite) starts with no permission.
    fresh = sm.add_role("Papel Novo")
    db_session.commit()
    try:
        assert fresh.permissions == []
    finally:
        db_session.delete(fresh)
        db_session.commit()
