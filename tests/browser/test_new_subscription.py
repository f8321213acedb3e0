"""A support user walks the whole Novo Plano wizard in the browser; the context menu
offers each role only its actions."""

from __future__ import annotations

import pytest

from app.models import Subscription
from tests.factories import cpf, make_customer
from tests.services.test_subscriptions import catalogue  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def _fmt(document: str) -> str:
    return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"


def test_support_user_walks_the_wizard(page_as, live_server, db_session, catalogue):  # noqa: F811
    customer = make_customer(db_session, name="Helena Cavalcanti")
    witness = make_customer(db_session, name="Testemunha Cadastrada")
    db_session.commit()
    page = page_as("suporte")
    page.goto(f"{live_server}/customers/{customer.id}/?tab=planos")
    page.click("#new-subscription")

    # 1. Type-ahead: typing shows name, speed and price; choose the plan.
    page.fill("#plan-search", "500")
    option = page.locator(".typeahead-item").first
    option.wait_for()
    assert "Fibra 500" in option.inner_text() and "109,90" in option.inner_text()
    option.dispatch_event("mousedown")
    assert page.locator("#chosen-plans li[data-id]").count() == 1
    page.click("#next")

    # 2. Details: city, then the access points of that city.
    page.fill("input[name=street]", "Rua Vigário Calixto")
    page.fill("input[name=number]", "55")
    page.fill("input[name=district]", "Catolé")
    page.fill("input[name=zip_code]", "58410-340")
    page.select_option("select[name=city_id]", str(catalogue["ap"].city_id))
    page.wait_for_selector(
        f"select[name=access_point_id] option[value='{catalogue['ap'].id}']", state="attached"
    )
    page.select_option("select[name=access_point_id]", str(catalogue["ap"].id))
    page.click("#next")

    # 3. Contract: template and the suggested number.
    number = page.input_value("input[name=contract_number]")
    assert number.startswith("SCM-")
    page.click("#next")

    # 4. Responsible typed in; one witness from the records, one typed in.
    page.fill("input[name=responsible_name]", "Helena Cavalcanti")
    page.fill("input[name=responsible_document]", _fmt(cpf()))
    page.fill("#witness1-search", "Testemunha")
    page.locator(".typeahead-item", has_text="Testemunha Cadastrada").first.dispatch_event(
        "mousedown"
    )
    page.fill("input[name=witness2_name]", "Carlos Brito")
    page.fill("input[name=witness2_document]", _fmt(cpf()))
    page.click("#next")

    # 5. Payment: PIX, due day 10; then go back once and forward again.
    page.select_option("select[name=payment_method_id]", label="PIX")
    page.fill("input[name=due_day]", "10")
    page.click("#next")
    page.click("text=Voltar")
    assert page.input_value("input[name=due_day]") == "10"
    page.click("#next")

    # 6. Summary, then Finalizar.
    summary = page.locator(".wizard-summary").inner_text()
    assert "Fibra 500" in summary and number in summary and "Testemunha Cadastrada" in summary
    page.click("#finish")
    page.wait_for_url("**/customers/*/?tab=planos*")
    assert page.locator(".plan-node", has_text="Fibra 500").is_visible()
    assert number in page.locator("#subscription-details").inner_text()
    sub = db_session.query(Subscription).filter_by(customer_id=customer.id).one()
    assert sub.contract.witnesses[0].customer_id == witness.id


def _menu_entries(page) -> set[str]:
    page.locator(".plan-node").first.click(button="right")
    menu = page.locator(".plan-actions.open .context-menu")
    menu.wait_for()
    return set(menu.locator("a[data-action]").evaluate_all("els => els.map(e => e.dataset.action)"))


def test_context_menu_follows_the_role(page_as, live_server, db_session, catalogue):  # noqa: F811
    from app.services.subscriptions import create_subscription
    from tests.services.test_subscriptions import wizard_data

    customer = make_customer(db_session)
    db_session.commit()
    create_subscription(customer.id, wizard_data(catalogue))
    url = f"{live_server}/customers/{customer.id}/?tab=planos"

    page = page_as("tecnico")
    page.goto(url)
    technician = _menu_entries(page)
    assert "link_onu" in technician and "change_plan" not in technician

    page = page_as("suporte")
    page.goto(url)
    support = _menu_entries(page)
    assert "change_plan" in support and "cancel" not in support
    # The visible menu button opens the same menu for keyboard and touch users.
    page.keyboard.press("Escape")
    page.locator(".plan-actions .dropdown-toggle").first.click()
    assert page.locator(".plan-actions.open a[data-action=change_plan]").is_visible()


def test_the_menu_button_opens_the_menu_under_it_after_a_right_click(
    page_as, live_server, db_session, catalogue  # noqa: F811 - the fixture
):
    from app.services.subscriptions import create_subscription
    from tests.services.test_subscriptions import wizard_data

    customer = make_customer(db_session)
    db_session.commit()
    create_subscription(customer.id, wizard_data(catalogue))
    page = page_as("suporte")
    page.goto(f"{live_server}/customers/{customer.id}/?tab=planos")
    toggle = page.locator(".plan-actions .dropdown-toggle").first
    menu = page.locator(".plan-actions .context-menu").first

    for leave in ("Escape", "button"):
        page.locator(".plan-node").first.click(button="right", position={"x": 5, "y": 5})
        page.locator(".plan-actions.open .context-menu").wait_for()
        assert menu.evaluate("m => m.style.position") == "fixed"  # at the pointer
        if leave == "Escape":
            page.keyboard.press("Escape")
        else:
            toggle.click()  # the button closes the menu the right-click opened
            page.locator(".plan-actions.open").wait_for(state="detached")
        toggle.click()
        page.locator(".plan-actions.open .context-menu").wait_for()
        # Under its button again, not where the pointer was.
        assert menu.evaluate("m => m.style.position") == ""
        below = menu.bounding_box()["y"] >= toggle.bounding_box()["y"]
        assert below, leave
        page.mouse.click(1, 1)  # a click elsewhere closes it
        page.locator(".plan-actions.open").wait_for(state="detached")
