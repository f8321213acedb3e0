"""``/api/v1/plan-actions/``: every action of the subscription context menu over the
REST API, with the same permissions as the screens, amounts as strings, and refusals as
4xx with the message per field and nothing changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.models import (
    CancellationProtocol,
    Contract,
    Customer,
    ExtraService,
    Subscription,
    SubscriptionStatus,
    SubscriptionTvPackage,
    TvPoint,
    VoiceTerminal,
)
from tests.support.actions import add_terminal, build_subscription, furnish, snapshot
from tests.support.i18n import translated
from tests.support.radius import radius_inline  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("radius_inline")
BASE = "/api/v1/plan-actions"


@pytest.fixture
def subscribed(db_session) -> dict:
    return build_subscription(db_session)


# (method, url, body, roles refused)
ENDPOINTS = {
    "compare_plans": ("get", "/subscriptions/{sub}/plan-comparison?plan_id={new}", None,
                      {"financeiro", "tecnico"}),
    "change_plan": ("post", "/subscriptions/{sub}/change-plan", {"plan_id": "{new}"},
                    {"financeiro", "tecnico"}),
    "access_point": ("put", "/subscriptions/{sub}/access-point",
                     {"city_id": "{city}", "access_point_id": "{pop2}"}, {"financeiro"}),
    "contract": ("put", "/subscriptions/{sub}/contract",
                 {"fine_amount": "1.00", "reason": "x"}, {"suporte", "tecnico"}),
    "suspend": ("post", "/subscriptions/{sub}/suspend", {}, {"tecnico"}),
    "reactivate": ("post", "/subscriptions/{sub}/reactivate", {}, {"tecnico"}),
    "provisional": ("post", "/subscriptions/{sub}/provisional-speed", None,
                    {"financeiro", "tecnico"}),
    "summary": ("get", "/subscriptions/{sub}/cancellation", None, {"suporte", "tecnico"}),
    "cancel": ("post", "/subscriptions/{sub}/cancel", {"reason": "x"}, {"suporte", "tecnico"}),
    "tv_package": ("post", "/subscriptions/{sub}/tv-packages", {"tv_package_id": "{tv}"},
                   {"financeiro", "tecnico"}),
    "tv_point": ("post", "/subscriptions/{sub}/tv-points", {"serial": "X1"},
                 {"financeiro", "tecnico"}),
    "voice": ("post", "/subscriptions/{sub}/voice-terminals",
              {"number": "8333334444", "sip_user": "voz.4444"}, {"financeiro"}),
    "phone_category": ("post", "/phone-categories", {"name": "VIP"}, {"suporte", "financeiro"}),
    "extra": ("post", "/subscriptions/{sub}/extra-services", {"service_type_id": "{antivirus}"},
              {"financeiro", "tecnico"}),
    "tv_package_end": ("post", "/subscriptions/{sub}/tv-packages/{tv_item}/end", {},
                       {"financeiro", "tecnico"}),
    "tv_point_end": ("post", "/subscriptions/{sub}/tv-points/{tv_point}/end", {},
                     {"financeiro", "tecnico"}),
    "voice_edit": ("put", "/voice-terminals/{terminal}", {"contact_email": "x@example.com"},
                   {"financeiro"}),
    "extra_end": ("post", "/subscriptions/{sub}/extra-services/{extra}/end", {},
                  {"financeiro", "tecnico"}),
    "protocol": ("get", "/cancellation-protocols/{protocol}", None, {"suporte", "tecnico"}),
    # Editar dados do Plano lives with the new-plan API.
    "plan_data": ("put", "/api/v1/subscription-actions/subscriptions/{sub}/data",
                  {"notes": "x"}, {"financeiro", "tecnico"}),
}


def _fill(value, data, items=None):
    ids = {
        "sub": data["sub"].id, "new": data["new_plan"].id, "city": data["city"].id,
        "pop2": data["pop2"].id, "tv": data["tv_package"].id, "antivirus": data["antivirus"].id,
        **(items or {}),
    }
    if isinstance(value, dict):
        return {k: _fill(v, data, items) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_roles_without_the_permission_are_refused(api, db_session, subscribed, endpoint):
    method, url, body, refused = ENDPOINTS[endpoint]
    items = furnish(db_session, subscribed)
    url = _fill(url, subscribed, items)
    url = url if url.startswith("/api/") else BASE + url
    body = _fill(body, subscribed, items) if body is not None else None
    before = snapshot(db_session, subscribed)
    for username in sorted(refused | {"leitura"}):
        client = api(username)
        response = getattr(client, method)(url, **({"json": body} if method != "get" else {}))
        assert response.status_code == 403, (username, endpoint, response.status_code)
    assert snapshot(db_session, subscribed) == before
    # The endpoint exists and the permission is what stands in the way: admin gets past it.
    response = getattr(api("admin"), method)(url, **({"json": body} if method != "get" else {}))
    assert response.status_code not in (403, 404, 405), (endpoint, response.status_code)


def test_compare_then_change_plan(api, db_session, subscribed):
    client = api("suporte")
    sub_id = subscribed["sub"].id
    compared = client.get(
        f"{BASE}/subscriptions/{sub_id}/plan-comparison?plan_id={subscribed['new_plan'].id}"
    )
    assert compared.status_code == 200, compared.json
    result = compared.json["result"]
    assert result["new"]["price"] == "129.90" and isinstance(result["difference"], str)
    assert {s["name"]: s["outcome"] for s in result["streaming"]} == {
        "PlayHub": "dropped",
        "WatchTV": "added",
    }

    changed = client.post(
        f"{BASE}/subscriptions/{sub_id}/change-plan",
        json={
            "plan_id": subscribed["new_plan"].id,
            "expected_difference": result["difference"],
            "keep_extra_services": True,
        },
    )

    assert changed.status_code == 200, changed.json
    assert changed.json["result"]["subscription"]["plan"]["name"] == "Fibra 600"
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).plan_id == subscribed["new_plan"].id


def test_change_plan_refusals_carry_their_field(api, db_session, subscribed):
    client = api("suporte")
    url = f"{BASE}/subscriptions/{subscribed['sub'].id}/change-plan"
    before = snapshot(db_session, subscribed)
    response = client.post(url, json={"plan_id": 999999})
    assert response.status_code == 422
    assert response.json["message"] == {
        "plan_id": [translated("Choose an active plan from the list.")]
    }
    response = client.post(
        url, json={"plan_id": subscribed["new_plan"].id, "keep_extra_services": "talvez"}
    )
    assert response.status_code == 422
    response = client.post(
        url, json={"plan_id": subscribed["new_plan"].id, "expected_difference": 1.5}
    )
    assert response.status_code == 422  # a float is not an amount
    response = client.post(
        url,
        json={"plan_id": subscribed["new_plan"].id},
        headers={"If-Match": str(subscribed["sub"].version + 7)},
    )
    assert response.status_code == 412
    assert client.post(url, data="x", headers={"Content-Type": "text/plain"}).status_code == 400
    assert snapshot(db_session, subscribed) == before


def test_access_point(api, db_session, subscribed):
    response = api("tecnico").put(
        f"{BASE}/subscriptions/{subscribed['sub'].id}/access-point",
        json={"city_id": subscribed["city"].id, "access_point_id": subscribed["pop2"].id},
    )
    assert response.status_code == 200, response.json
    assert response.json["message"] == translated("Access point changed successfully.")
    assert response.json["result"][0]["access_point_id"] == subscribed["pop2"].id
    response = api("tecnico").put(
        f"{BASE}/subscriptions/{subscribed['sub'].id}/access-point",
        json={"city_id": subscribed["city"].id, "access_point_id": subscribed["pop3"].id},
    )
    assert response.status_code == 422
    assert list(response.json["message"]) == ["access_point_id"]


def test_contract_edit_with_reason_and_version(api, db_session, subscribed):
    client = api("financeiro")
    url = f"{BASE}/subscriptions/{subscribed['sub'].id}/contract"
    before = snapshot(db_session, subscribed)
    missing = client.put(url, json={"fine_amount": "90.00"})
    assert missing.status_code == 422 and "reason" in missing.json["message"]
    stale = client.put(
        url, json={"fine_amount": "90.00", "reason": "x"}, headers={"If-Match": "99"}
    )
    assert stale.status_code == 412
    assert snapshot(db_session, subscribed) == before

    saved = client.put(
        url,
        json={"fine_amount": "90.00", "reason": "Promoção"},
        headers={"If-Match": str(subscribed["contract"].version)},
    )

    assert saved.status_code == 200, saved.json
    assert saved.json["result"]["fine_amount"] == "90.00"
    assert saved.json["result"]["fine_reason"] == "Promoção"
    db_session.expire_all()
    assert db_session.get(Contract, subscribed["contract"].id).fine_amount == Decimal("90.00")


def test_suspend_provisional_speed_and_reactivate(api, db_session, subscribed):
    client = api("suporte")
    sub_id = subscribed["sub"].id
    suspended = client.post(f"{BASE}/subscriptions/{sub_id}/suspend", json={"reason": "Atraso"})
    assert suspended.status_code == 200, suspended.json
    assert suspended.json["result"]["status"] == "suspended"
    assert suspended.json["result"]["suspended_on"]

    granted = client.post(f"{BASE}/subscriptions/{sub_id}/provisional-speed")
    assert granted.status_code == 200, granted.json
    assert granted.json["result"]["provisional_until"]
    again = client.post(f"{BASE}/subscriptions/{sub_id}/provisional-speed")
    assert again.status_code == 422

    reactivated = client.post(f"{BASE}/subscriptions/{sub_id}/reactivate")
    assert reactivated.status_code == 200
    assert reactivated.json["result"]["status"] == "active"
    assert reactivated.json["result"]["provisional_until"] is None


def test_cancellation_summary_protocol_and_refusals(api, db_session, subscribed):
    add_terminal(db_session, subscribed["sub"], subscribed["category"])
    client = api("financeiro")
    sub_id = subscribed["sub"].id
    summary = client.get(f"{BASE}/subscriptions/{sub_id}/cancellation")
    assert summary.status_code == 200, summary.json
    items = summary.json["result"]["items"]
    assert [i["kind"] for i in items] == ["plan", "voice_terminal"]
    before = snapshot(db_session, subscribed)
    refused = client.post(f"{BASE}/subscriptions/{sub_id}/cancel", json={"reason": ""})
    assert refused.status_code == 422
    assert list(refused.json["message"]) == ["reason"] and refused.json["message"]["reason"][0]
    changed = client.post(
        f"{BASE}/subscriptions/{sub_id}/cancel", json={"reason": "x", "expected_total": "0.01"}
    )
    assert changed.status_code == 409
    assert snapshot(db_session, subscribed) == before

    created = client.post(
        f"{BASE}/subscriptions/{sub_id}/cancel",
        json={"reason": "Mudou-se", "expected_total": summary.json["result"]["total"]},
    )

    assert created.status_code == 201, created.json
    number = created.json["result"]["number"]
    assert number.startswith("CAN-")
    protocol = db_session.query(CancellationProtocol).one()
    assert protocol.number == number
    shown = client.get(f"{BASE}/cancellation-protocols/{protocol.id}")
    assert shown.json["result"]["summary"]["items"][1]["name"] == "8332001234"
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).status == SubscriptionStatus.CANCELLED


def test_tv_voice_and_extras(api, db_session, subscribed):
    client = api("suporte")
    sub_id = subscribed["sub"].id
    package = client.post(
        f"{BASE}/subscriptions/{sub_id}/tv-packages",
        json={"tv_package_id": subscribed["tv_package"].id, "price": "25.00"},
    )
    assert package.status_code == 201, package.json
    assert package.json["result"]["price"] == "25.00"
    item_id = package.json["result"]["id"]
    ended = client.post(f"{BASE}/subscriptions/{sub_id}/tv-packages/{item_id}/end")
    assert ended.status_code == 200 and ended.json["result"]["ended_on"]
    assert db_session.get(SubscriptionTvPackage, item_id) is not None  # ended, not deleted
    point = client.post(f"{BASE}/subscriptions/{sub_id}/tv-points", json={"price": 9.5})
    assert point.status_code == 422  # float
    point = client.post(f"{BASE}/subscriptions/{sub_id}/tv-points", json={"serial": "STB"})
    assert point.status_code == 201
    point_id = point.json["result"]["id"]
    assert client.post(f"{BASE}/subscriptions/{sub_id}/tv-points/{point_id}/end").status_code \
        == 200
    assert db_session.get(TvPoint, point_id) is not None

    voice = client.post(
        f"{BASE}/subscriptions/{sub_id}/voice-terminals",
        json={"number": "8333334444", "sip_user": "voz.4444", "new_category": "VIP"},
    )
    assert voice.status_code == 403  # suporte may not add categories
    voice = client.post(
        f"{BASE}/subscriptions/{sub_id}/voice-terminals",
        json={"number": "8333334444", "sip_user": "voz.4444",
              "category_id": subscribed["category"].id},
    )
    assert voice.status_code == 201, voice.json
    terminal_id = voice.json["result"]["id"]
    edited = client.put(
        f"{BASE}/voice-terminals/{terminal_id}", json={"contact_email": "desk@example.com.br"}
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["result"]["contact_email"] == "desk@example.com.br"
    db_session.expire_all()
    assert db_session.get(Customer, subscribed["customer"].id).email == "desk@example.com.br"
    assert db_session.get(VoiceTerminal, terminal_id).category_id == subscribed["category"].id

    extra = client.post(
        f"{BASE}/subscriptions/{sub_id}/extra-services",
        json={"service_type_id": subscribed["antivirus"].id},
    )
    assert extra.status_code == 201 and extra.json["result"]["price"] == "9.90"
    extra_id = extra.json["result"]["id"]
    again = client.post(
        f"{BASE}/subscriptions/{sub_id}/extra-services",
        json={"service_type_id": subscribed["antivirus"].id},
    )
    assert again.status_code == 422 and "service_type_id" in again.json["message"]
    assert client.post(
        f"{BASE}/subscriptions/{sub_id}/extra-services/{extra_id}/end"
    ).status_code == 200
    assert db_session.get(ExtraService, extra_id) is not None


def test_tecnico_adds_a_phone_category(api, db_session, subscribed):
    created = api("tecnico").post(f"{BASE}/phone-categories", json={"name": "Comercial"})
    assert created.status_code == 201
    duplicate = api("tecnico").post(f"{BASE}/phone-categories", json={"name": "comercial"})
    assert duplicate.status_code == 422


def test_unknown_records_are_404(api, subscribed):
    client = api("admin")
    assert client.post(f"{BASE}/subscriptions/424242/suspend", json={}).status_code == 404
    assert client.get(f"{BASE}/cancellation-protocols/424242").status_code == 404
    assert client.put(f"{BASE}/voice-terminals/424242", json={}).status_code == 404
    assert client.put(f"{BASE}/subscriptions/424242/contract", json={}).status_code == 404
