"""In Chromium: a support user links an ONU through the Vincular ONU wizard against the
simulated OLTs and watches its status reach "done" without reloading the page; a
technician double-clicks the ONU to open Editar ONU."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from app.jobs.onus import run_onu_job
from app.services import onus as svc
from tests.conftest import PASSWORD
from tests.support.onus import (  # noqa: F401 - fixtures imported for this module
    ONU_SETTINGS,
    fresh,
    link_data,
    make_plan_for,
    manual_jobs,
    network,
    onu_settings,
    onus_on,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def onu_server(make_app, app) -> Iterator[str]:
    """The panel with ONU jobs in background threads (no Redis), on a free port."""
    served = make_app(**ONU_SETTINGS)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _login(browser, base: str, username: str):
    context = browser.new_context(locale="pt-BR")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page


def test_link_an_onu_and_watch_it_get_provisioned(browser, onu_server, network,  # noqa: F811
                                                  make_plan_for, db_session):  # noqa: F811
    subscription = make_plan_for(name="Maria José da Silva")
    huawei = network.sim("huawei")
    context, page = _login(browser, onu_server, "suporte")
    try:
        page.goto(f"{onu_server}/customers/{subscription.customer_id}/?tab=planos")
        # Right click on the plan: Adicionar Serviços → ONU.
        page.click(f".plan-node[data-subscription-id='{subscription.id}']", button="right")
        page.click(".context-menu a[data-action='link_onu']")

        # Choose one OLT and search its unprovisioned ONUs.
        page.select_option("select[name=olt]", str(network.olts["huawei"].id))
        page.click("#onu-search")
        row = page.locator("tr.onu-found[data-serial='HWTC0A1B2C3D']")
        row.locator("input[type=radio]").check()
        assert page.locator("tr.onu-found").count() == 3
        page.click("#onu-next")

        # The chosen ONU, then the connection type with its fields.
        assert "HWTC0A1B2C3D" in page.locator(".chosen-onu").inner_text()
        assert page.locator("input[name=static_ip]").is_hidden()  # PPPoE is chosen
        page.fill("input[name=pppoe_login]", "maria.silva@provedor")
        page.fill("input[name=pppoe_password]", "S3nh@Forte")
        page.click("#onu-plan")

        # The exact commands, before anything is sent.
        commands = page.locator("#onu-commands").inner_text()
        assert "ont add 0 0 sn-auth 485754430A1B2C3D omci" in commands
        assert "password ******" in commands and "S3nh@Forte" not in commands
        assert onus_on(huawei, "HWTC0A1B2C3D") == 0

        # Slow OLT answers, so the status is seen moving on the plan's page.
        huawei.faults.latency_s = 0.15
        page.click("#onu-finish")
        page.wait_for_url(f"**/customers/{subscription.customer_id}/**")
        job = page.locator(".onu-job")
        assert job.get_attribute("data-status") in ("queued", "running")
        page.evaluate("window.__notReloaded = true")
        page.wait_for_selector(".onu-job[data-status='done']", timeout=30_000)
        assert page.evaluate("window.__notReloaded") is True  # updated in place
        assert page.locator(".onu-state").get_attribute("data-state") == "provisioned"
        assert page.locator(".onu-job-status").inner_text().strip() != ""
        assert onus_on(huawei, "HWTC0A1B2C3D") == 1
        assert fresh(db_session, subscription).onus[0].pppoe_login == "maria.silva@provedor"
    finally:
        context.close()


def test_double_click_on_the_onu_opens_editar_onu(browser, onu_server, network,  # noqa: F811
                                                  make_plan_for, manual_jobs,  # noqa: F811
                                                  db_session):
    subscription = make_plan_for()
    job = svc.link_onu(subscription.id, link_data(network, "zte"))
    assert run_onu_job(job.id) == "done"
    context, page = _login(browser, onu_server, "tecnico")
    try:
        page.goto(f"{onu_server}/customers/{subscription.customer_id}/?tab=planos"
                  f"&sub={subscription.id}")
        page.dblclick(".onu-item .onu-serial")
        page.wait_for_url(f"**/onus/{job.onu_id}/edit")
        page.fill("input[name=ssid_24]", "Casa da Maria")
        page.fill("input[name=key_24]", "chave-segura-1")
        page.click("#onu-save-wifi")
        page.wait_for_url(f"**/customers/{subscription.customer_id}/**")
        # Right click on the ONU opens its own menu.
        page.click(".onu-item .onu-serial", button="right")
        assert page.locator(".onu-menu a[data-action='reboot_onu']").is_visible()
    finally:
        context.close()
