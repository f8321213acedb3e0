"""The screens of the subscription context menu: each reached from the Plans tab, doing
its action through the form, showing refusals without saving, and refused (403) to the
roles without its permission."""

from __future__ import annotations

import io
import re
from datetime import UTC, date
from decimal import Decimal
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from app.models import (
    CancellationProtocol,
    Contract,
    Customer,
    ExtraService,
    Subscription,
    SubscriptionStatus,
    SubscriptionTvPackage,
    VoiceTerminal,
)
from tests.support.actions import add_terminal, build_subscription, furnish, snapshot
from tests.support.i18n import translated
from tests.support.radius import radius_inline  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("radius_inline")


@pytest.fixture
def subscribed(db_session) -> dict:
    return build_subscription(db_session)


@pytest.fixture
def suspended(db_session) -> dict:
    return build_subscription(db_session, status=SubscriptionStatus.SUSPENDED)


def _html(response) -> str:
    assert response.status_code == 200, (response.status_code, response.headers.get("Location"))
    return response.get_data(as_text=True)


def _plans_tab(client, data) -> str:
    return _html(
        client.get(f"/customers/{data['customer'].id}/?tab=planos&status=all&sub={data['sub'].id}")
    )


def _field_error(html: str, name: str) -> str:
    """The error message shown under a form field (empty when there is none)."""
    match = re.search(
        rf'name="{name}"[^>]*>\s*<span class="help-block error-message">([^<]+)</span>', html
    )
    return match.group(1).strip() if match else ""


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} on the page"
    return match.group(1)


# --------------------------------------------------------------------------- context menu


def test_the_context_menu_links_every_action_the_role_holds(login_as, subscribed):
    sub_id = subscribed["sub"].id
    html = _plans_tab(login_as("suporte"), subscribed)
    for key, url in [
        ("change_plan", f"/subscriptions/{sub_id}/change-plan"),
        ("change_access_point", f"/subscriptions/{sub_id}/access-point"),
        ("suspend", f"/subscriptions/{sub_id}/suspend"),
        ("tv_packages", f"/subscriptions/{sub_id}/tv"),
        ("voice_terminals", f"/subscriptions/{sub_id}/voice"),
        ("extra_services", f"/subscriptions/{sub_id}/extras"),
    ]:
        assert f'data-action="{key}" href="{url}"' in html, key
    # Not suporte's: cancel and the contract's fine.
    assert 'data-action="cancel"' not in html
    assert 'data-action="edit_contract_fine"' not in html
    finance = _plans_tab(login_as("financeiro"), subscribed)
    assert f'data-action="cancel" href="/subscriptions/{sub_id}/cancel"' in finance
    assert f'data-action="edit_contract_fine" href="/subscriptions/{sub_id}/contract"' in finance
    assert 'data-action="change_plan"' not in finance
    # None of them is a placeholder any more.
    for key in ("change_plan", "change_access_point", "edit_contract_fine", "suspend",
                "reactivate", "restore_speed", "cancel", "tv_packages", "voice_terminals",
                "extra_services"):
        assert f'data-action="{key}" aria-disabled' not in html + finance, key


def test_a_suspended_plan_offers_reactivation_and_the_provisional_speed(login_as, suspended):
    html = _plans_tab(login_as("suporte"), suspended)
    sub_id = suspended["sub"].id
    assert f'data-action="reactivate" href="/subscriptions/{sub_id}/reactivate"' in html
    assert f'data-action="restore_speed" href="/subscriptions/{sub_id}/provisional-speed"' in html
    assert 'data-action="suspend"' not in html


# --------------------------------------------------------------------------- permissions

# action -> (method, url, roles without its permission); every route of the actions,
# Editar dados do Plano's included. The ids come from tests.support.actions.furnish.
SCREENS = {
    "change_plan": ("get", "/subscriptions/{sub}/change-plan", {"financeiro", "tecnico"}),
    "change_plan_post": ("post", "/subscriptions/{sub}/change-plan", {"financeiro", "tecnico"}),
    "change_access_point": ("get", "/subscriptions/{sub}/access-point", {"financeiro"}),
    "change_access_point_post": ("post", "/subscriptions/{sub}/access-point", {"financeiro"}),
    "edit_contract_fine": ("get", "/subscriptions/{sub}/contract", {"suporte", "tecnico"}),
    "edit_contract_fine_post": ("post", "/subscriptions/{sub}/contract", {"suporte", "tecnico"}),
    "edit_subscription": ("get", "/subscriptions/{sub}/edit", {"financeiro", "tecnico"}),
    "edit_subscription_post": ("post", "/subscriptions/{sub}/edit", {"financeiro", "tecnico"}),
    "suspend": ("get", "/subscriptions/{sub}/suspend", {"tecnico"}),
    "suspend_post": ("post", "/subscriptions/{sub}/suspend", {"tecnico"}),
    "reactivate": ("get", "/subscriptions/{sub}/reactivate", {"tecnico"}),
    "reactivate_post": ("post", "/subscriptions/{sub}/reactivate", {"tecnico"}),
    "restore_speed": ("get", "/subscriptions/{sub}/provisional-speed", {"financeiro", "tecnico"}),
    "restore_speed_post": ("post", "/subscriptions/{sub}/provisional-speed",
                           {"financeiro", "tecnico"}),
    "cancel": ("get", "/subscriptions/{sub}/cancel", {"suporte", "tecnico"}),
    "cancel_post": ("post", "/subscriptions/{sub}/cancel", {"suporte", "tecnico"}),
    "receipt": ("get", "/subscriptions/cancellations/{protocol}/receipt", {"suporte", "tecnico"}),
    "receipt_pdf": ("get", "/subscriptions/cancellations/{protocol}/pdf", {"suporte", "tecnico"}),
    "tv_packages": ("get", "/subscriptions/{sub}/tv", {"financeiro", "tecnico"}),
    "tv_add": ("post", "/subscriptions/{sub}/tv/packages", {"financeiro", "tecnico"}),
    "tv_end": ("post", "/subscriptions/{sub}/tv/packages/{tv_item}/end",
               {"financeiro", "tecnico"}),
    "tv_point_add": ("post", "/subscriptions/{sub}/tv/points", {"financeiro", "tecnico"}),
    "tv_point_end": ("post", "/subscriptions/{sub}/tv/points/{tv_point}/end",
                     {"financeiro", "tecnico"}),
    "voice_terminals": ("get", "/subscriptions/{sub}/voice", {"financeiro"}),
    "voice_add": ("post", "/subscriptions/{sub}/voice", {"financeiro"}),
    "voice_edit": ("get", "/subscriptions/voice-terminals/{terminal}/edit", {"financeiro"}),
    "voice_edit_post": ("post", "/subscriptions/voice-terminals/{terminal}/edit", {"financeiro"}),
    "extra_services": ("get", "/subscriptions/{sub}/extras", {"financeiro", "tecnico"}),
    "extras_add": ("post", "/subscriptions/{sub}/extras", {"financeiro", "tecnico"}),
    "extras_end": ("post", "/subscriptions/{sub}/extras/{extra}/end", {"financeiro", "tecnico"}),
}


@pytest.mark.parametrize("action", sorted(SCREENS))
def test_roles_without_the_permission_are_refused(login_as, db_session, subscribed, action):
    method, url, refused = SCREENS[action]
    url = url.format(sub=subscribed["sub"].id, **furnish(db_session, subscribed))
    before = snapshot(db_session, subscribed)
    for username in sorted(refused | {"leitura"}):
        client = login_as(username)
        response = client.get(url) if method == "get" else client.post(url, data={})
        assert response.status_code == 403, (username, action, response.status_code)
    assert snapshot(db_session, subscribed) == before
    # The route exists and the permission is what stands in the way: admin gets past it.
    admin = login_as("admin")
    assert (admin.get(url) if method == "get" else admin.post(url, data={})).status_code in (
        200, 302
    ), action


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("suporte", "/subscriptions/{sub}/change-plan"),
        ("tecnico", "/subscriptions/{sub}/access-point"),
        ("suporte", "/subscriptions/{sub}/access-point"),
        ("financeiro", "/subscriptions/{sub}/contract"),
        ("financeiro", "/subscriptions/{sub}/suspend"),
        ("financeiro", "/subscriptions/{sub}/cancel"),
        ("suporte", "/subscriptions/{sub}/tv"),
        ("tecnico", "/subscriptions/{sub}/voice"),
        ("suporte", "/subscriptions/{sub}/extras"),
    ],
)
def test_roles_with_the_permission_see_the_screen(login_as, subscribed, username, url):
    _html(login_as(username).get(url.format(sub=subscribed["sub"].id)))


# --------------------------------------------------------------------------- flows


def test_change_plan_compares_then_changes(login_as, db_session, subscribed):
    client = login_as("suporte")
    url = f"/subscriptions/{subscribed['sub'].id}/change-plan"
    form = {
        "plan_id": str(subscribed["new_plan"].id),
        "payment_method_id": str(subscribed["contract"].payment_method_id),
        "keep_extra_services": "1",
        "version": str(subscribed["sub"].version),
    }
    page = _html(client.get(url))
    # Manter Serviço Extra: yes unless the user says otherwise.
    assert re.search(r'name="keep_extra_services" value="1"\s+checked', page)
    html = _html(client.post(url, data={**form, "go": "compare"}))
    assert 'class="table table-bordered plan-comparison"' in html
    # Side by side: speeds, prices, fines (the contract's fine becomes the new plan's).
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r"<tr><th>([^<]+)</th>(.*?)</tr>", unescape(html), re.S)
    }
    assert re.findall(r"<td[^>]*>([^<]*)</td>", rows[translated("Speed")]) == [
        "300/150 Mbps", "600/300 Mbps"
    ]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", rows[translated("Price")]) == [
        "R$ 99,90", "R$ 129,90"
    ]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", rows[translated("Fine")]) == [
        "R$ 300,00", "R$ 400,00"
    ]
    assert 'data-streaming="playhub" data-outcome="dropped"' in html
    assert 'data-streaming="watchtv" data-outcome="added"' in html
    difference = _hidden(html, "expected_difference")
    assert Decimal(difference) > 0
    assert db_session.get(Subscription, subscribed["sub"].id).plan_id == subscribed["plan"].id

    response = client.post(
        url, data={**form, "go": "confirm", "expected_difference": difference}
    )

    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Subscription, subscribed["sub"].id).plan_id == subscribed["new_plan"].id
    # The change says which streaming add-ons went and came.
    tab = unescape(_html(client.get(response.headers["Location"])))
    assert translated("Plan changed to %(plan)s.", plan="Fibra 600") in tab
    assert translated("%(name)s is dropped: the new plan does not include it.",
                      name="PlayHub") in tab
    assert translated("%(name)s is added: the new plan includes it.", name="WatchTV") in tab


def test_change_plan_without_a_plan_says_so_and_changes_nothing(login_as, db_session, subscribed):
    before = snapshot(db_session, subscribed)
    html = _html(
        login_as("suporte").post(
            f"/subscriptions/{subscribed['sub'].id}/change-plan",
            data={"go": "confirm", "plan_id": ""},
        )
    )
    assert translated("Choose the new plan from the list.") in html
    assert snapshot(db_session, subscribed) == before


def test_access_point_change_says_so_in_portuguese(login_as, db_session, subscribed):
    client = login_as("tecnico")
    url = f"/subscriptions/{subscribed['sub'].id}/access-point"
    page = _html(client.get(url))
    assert "POP Bessa" in page  # the plan's city's access points

    response = client.post(
        url, data={"city_id": subscribed["city"].id, "access_point_id": subscribed["pop2"].id}
    )

    assert response.status_code == 302
    tab = _html(client.get(response.headers["Location"]))
    # The seed page: "o sistema informará que o Ponto de Acesso foi alterado com sucesso".
    assert translated("Access point changed successfully.") in tab
    db_session.expire_all()
    assert db_session.get(Subscription, subscribed["sub"].id).access_point_id == (
        subscribed["pop2"].id
    )


def test_a_wrong_access_point_is_refused_on_the_screen(login_as, db_session, subscribed):
    before = snapshot(db_session, subscribed)
    html = _html(
        login_as("tecnico").post(
            f"/subscriptions/{subscribed['sub'].id}/access-point",
            data={"city_id": subscribed["city"].id, "access_point_id": subscribed["pop3"].id},
        )
    )
    assert translated("This access point does not serve the chosen city.") in html
    assert snapshot(db_session, subscribed) == before


def test_contract_edit_needs_a_reason_and_saves_with_it(login_as, db_session, subscribed):
    client = login_as("financeiro")
    url = f"/subscriptions/{subscribed['sub'].id}/contract"
    values = {"fine_amount": "120,00", "payment_method_id": subscribed["contract"]
              .payment_method_id, "version": subscribed["contract"].version}
    before = snapshot(db_session, subscribed)
    html = _html(client.post(url, data={**values, "reason": ""}))
    assert _field_error(html, "reason")  # a required field: the message is under it
    assert snapshot(db_session, subscribed) == before

    response = client.post(url, data={**values, "reason": "Acordo comercial"})

    assert response.status_code == 302
    db_session.expire_all()
    contract = db_session.get(Contract, subscribed["contract"].id)
    assert (contract.fine_amount, contract.fine_reason) == (Decimal("120.00"), "Acordo comercial")


def test_a_stale_contract_form_is_refused(login_as, db_session, subscribed):
    client = login_as("financeiro")
    url = f"/subscriptions/{subscribed['sub'].id}/contract"
    old_version = subscribed["contract"].version
    subscribed["contract"].responsible_name = "Alguém salvou antes"
    db_session.commit()
    before = snapshot(db_session, subscribed)
    html = _html(
        client.post(url, data={"fine_amount": "1,00", "reason": "x", "version": old_version,
                               "payment_method_id": subscribed["contract"].payment_method_id})
    )
    assert translated(
        "This record was changed by someone else while you edited it. "
        "Reload it to see the current data; nothing was saved."
    ) in html
    assert snapshot(db_session, subscribed) == before


def test_suspend_shows_the_date_and_reactivate(login_as, db_session, subscribed):
    client = login_as("financeiro")
    sub_id = subscribed["sub"].id
    response = client.post(f"/subscriptions/{sub_id}/suspend", data={"reason": "Atraso"})
    assert response.status_code == 302
    db_session.expire_all()
    sub = db_session.get(Subscription, sub_id)
    assert sub.status == SubscriptionStatus.SUSPENDED
    details = _plans_tab(client, subscribed)
    assert f'<dd class="suspension-date">{sub.suspended_on:%d/%m/%Y}</dd>' in details

    assert client.post(f"/subscriptions/{sub_id}/reactivate", data={}).status_code == 302
    db_session.expire_all()
    assert db_session.get(Subscription, sub_id).status == SubscriptionStatus.ACTIVE


@pytest.mark.parametrize(
    "status", [SubscriptionStatus.CANCELLED, SubscriptionStatus.INACTIVE]
)
def test_the_suspension_date_shows_for_cancelled_and_inactive_plans(
    login_as, db_session, subscribed, status
):
    subscribed["sub"].status = status
    subscribed["sub"].suspended_on = date(2026, 2, 20)
    db_session.commit()
    details = _plans_tab(login_as("leitura"), subscribed)
    assert '<dd class="suspension-date">20/02/2026</dd>' in details


def test_restore_speed_shows_its_end_on_the_details(login_as, db_session, suspended):
    client = login_as("suporte")
    sub_id = suspended["sub"].id
    page = _html(client.get(f"/subscriptions/{sub_id}/provisional-speed"))
    assert 'id="confirm-provisional-speed"' in page

    assert client.post(f"/subscriptions/{sub_id}/provisional-speed").status_code == 302

    db_session.expire_all()
    until = db_session.get(Subscription, sub_id).provisional_until
    assert until is not None
    details = _plans_tab(client, suspended)
    # Shown in the ISP's time zone (stored in UTC), as staff read clocks.
    local = until.replace(tzinfo=until.tzinfo or UTC).astimezone(ZoneInfo("America/Sao_Paulo"))
    assert local.strftime("%d/%m/%Y %H:%M") in details
    # Once per suspension: the menu no longer offers it, the screen says why.
    assert 'data-action="restore_speed"' not in details
    page = _html(client.get(f"/subscriptions/{sub_id}/provisional-speed"))
    assert 'id="confirm-provisional-speed"' not in page


def test_cancel_shows_the_summary_registers_the_protocol_and_prints_it(
    login_as, db_session, subscribed
):
    add_terminal(db_session, subscribed["sub"], subscribed["category"])
    client = login_as("financeiro")
    url = f"/subscriptions/{subscribed['sub'].id}/cancel"
    page = _html(client.get(url))
    assert 'id="tab-summary"' in page and "8332001234" in page
    total = _hidden(page, "expected_total")

    response = client.post(url, data={"go": "confirm", "reason": "Mudança", "expected_total":
                                      total})

    assert response.status_code == 302
    protocol = db_session.query(CancellationProtocol).one()
    receipt = _html(client.get(response.headers["Location"]))
    assert protocol.number in receipt
    assert "8332001234" in receipt
    pdf = client.get(f"/subscriptions/cancellations/{protocol.id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert protocol.number in text
    # Cancelled, never deleted: the plan is still on the customer's page, with its receipt.
    tab = _plans_tab(client, subscribed)
    assert f'data-action="cancellation_receipt" href="/subscriptions/cancellations/{protocol.id}' \
        in tab
    assert db_session.get(Subscription, subscribed["sub"].id) is not None


def test_cancel_without_a_reason_is_refused(login_as, db_session, subscribed):
    before = snapshot(db_session, subscribed)
    html = _html(
        login_as("financeiro").post(
            f"/subscriptions/{subscribed['sub'].id}/cancel", data={"go": "confirm"}
        )
    )
    assert _field_error(html, "reason")
    assert snapshot(db_session, subscribed) == before


def test_tv_packages_and_points_are_added_and_removed(login_as, db_session, subscribed):
    client = login_as("suporte")
    sub_id = subscribed["sub"].id
    response = client.post(
        f"/subscriptions/{sub_id}/tv/packages", data={"tv_package_id": subscribed["tv_package"].id}
    )
    assert response.status_code == 302
    item = db_session.query(SubscriptionTvPackage).one()
    assert item.price == Decimal("29.90")
    composition = _plans_tab(client, subscribed).split('class="list-unstyled tv"')[1]
    assert "Pacote Esportes" in composition.split("</ul>")[0]
    response = client.post(f"/subscriptions/{sub_id}/tv/packages/{item.id}/end")
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(SubscriptionTvPackage, item.id).ended_on is not None
    # Ended, not deleted: the details panel lists what is in use only.
    composition = _plans_tab(client, subscribed).split('class="list-unstyled tv"')[1]
    assert "Pacote Esportes" not in composition.split("</ul>")[0]
    assert client.post(
        f"/subscriptions/{sub_id}/tv/points", data={"serial": "STB-9", "price": "10,00"}
    ).status_code == 302
    html = _html(client.get(f"/subscriptions/{sub_id}/tv"))
    assert "STB-9" in html and "Pacote Esportes" in html


def test_voice_terminal_edit_changes_the_customers_email(login_as, db_session, subscribed):
    client = login_as("tecnico")
    sub_id = subscribed["sub"].id
    response = client.post(
        f"/subscriptions/{sub_id}/voice",
        data={"number": "8333334444", "sip_user": "voz.4444", "new_category": "Comercial",
              "price": "15,00"},
    )
    assert response.status_code == 302  # tecnico may add a category
    terminal = db_session.query(VoiceTerminal).one()
    assert terminal.category.name == "Comercial"
    edit_url = f"/subscriptions/voice-terminals/{terminal.id}/edit"
    page = _html(client.get(edit_url))
    assert 'value="cliente@example.com.br"' in page

    values = {"number": "8333334444", "sip_user": "voz.4444", "price": "15,00", "active": "1",
              "customer_version": _hidden(page, "customer_version"),
              "contact_email": "desk@example.com.br"}
    assert client.post(edit_url, data=values).status_code == 302

    db_session.expire_all()
    assert db_session.get(Customer, subscribed["customer"].id).email == "desk@example.com.br"


def test_suporte_cannot_create_a_phone_category_inline(login_as, db_session, subscribed):
    before = snapshot(db_session, subscribed)
    html = _html(
        login_as("suporte").post(
            f"/subscriptions/{subscribed['sub'].id}/voice",
            data={"number": "8333334444", "sip_user": "voz.4444", "new_category": "VIP"},
        )
    )
    assert translated("Adding a phone category needs the permission Add phone category.") in html
    assert snapshot(db_session, subscribed) == before


def test_extra_services_are_added_and_removed(login_as, db_session, subscribed):
    client = login_as("suporte")
    sub_id = subscribed["sub"].id
    assert client.post(
        f"/subscriptions/{sub_id}/extras", data={"service_type_id": subscribed["antivirus"].id}
    ).status_code == 302
    extra = db_session.query(ExtraService).one()
    assert extra.service_type.name == "Antivírus"
    html = _html(client.post(f"/subscriptions/{sub_id}/extras",
                             data={"service_type_id": subscribed["antivirus"].id}))
    assert translated("The plan already has the extra service %(name)s.", name="Antivírus") \
        in html
    assert client.post(f"/subscriptions/{sub_id}/extras/{extra.id}/end").status_code == 302
    db_session.expire_all()
    assert db_session.get(ExtraService, extra.id).ended_on is not None
