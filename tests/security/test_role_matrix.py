"""Each seeded role sees and can do exactly what the role matrix says, in the browser
and over the API alike."""

from __future__ import annotations

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
