"""In Chromium, against the demo's simulated OLTs over real SSH (the seeds and profiles
``flask olt-sim`` and the demo data use): a support user links an ONU through the
Vincular ONU wizard (one OLT or all, the ONUs found, the connection type and
its fields, the exact commands) and watches its status go from running to done, or to
failed with the OLT's own message, without reloading the page; a technician
double-clicks the ONU to open Editar ONU and right-clicks it for its menu."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from app.drivers.olt.validation import serial_to_hex
from app.jobs.onus import run_onu_job
from app.models import JobStatus, Olt, OltVendor, OnuState
from app.oltsim import start_simulator
from app.oltsim_cli import demo_seeds
from app.services import onus as svc
from app.services.demo import DEMO_OLT_PROFILES
from tests.conftest import PASSWORD
from tests.support.i18n import translated
from tests.support.onus import (  # noqa: F401 - fixtures imported for this module
    ONU_SETTINGS,
    Network,
    fresh,
    job_of,
    link_data,
    make_plan_for,
    manual_jobs,
    network,
    onu_settings,
    onus_on,
    service_ports_of,
)

pytestmark = pytest.mark.browser

# Every value the job's row takes on the plan's page, the first one included: proof that
# the status moved in place (a reload would start a new list).
WATCH_STATUS = """
window.__statuses = [];
new MutationObserver(function (changes) {
  changes.forEach(function (change) { window.__statuses.push(change.target.dataset.status); });
}).observe(document, {subtree: true, attributes: true, attributeFilter: ["data-status"]});
document.addEventListener("DOMContentLoaded", function () {
  var job = document.querySelector(".onu-job");
  if (job) window.__statuses.push(job.dataset.status);
});
"""


@pytest.fixture(scope="module")
def onu_server(make_app, app) -> Iterator[str]:
    """The panel with ONU jobs in background threads (no Redis), on a free port."""
    served = make_app(**ONU_SETTINGS)
    server = make_server("127.0.0.1", 0, served, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def demo_network(onu_settings, db_session) -> Iterator[Network]:  # noqa: F811
    """The demo's two simulated OLTs (three ONUs to discover each) and their demo records."""
    sims = {vendor: start_simulator(vendor, seed=seed) for vendor, seed in demo_seeds(3).items()}
    try:
        olts = {vendor: Olt(name=f"OLT demo {vendor}", vendor=OltVendor(vendor), host=sim.host,
                            ssh_port=sim.port, username="admin", password="admin",
                            **DEMO_OLT_PROFILES[vendor])
                for vendor, sim in sims.items()}
        db_session.add_all(olts.values())
        db_session.commit()
        yield Network(sims, olts)
    finally:
        from app.jobs.onus import wait_for_background_jobs

        wait_for_background_jobs(60)
        for sim in sims.values():
            sim.stop()


def _serials(olts: Network, vendor: str) -> list[str]:
    """The serials a simulated OLT lists as unprovisioned, in its order."""
    with olts.sim(vendor).state.lock:
        return [entry.serial for entry in olts.sim(vendor).state.autofind]


def _login(browser, base: str, username: str):
    context = browser.new_context(locale="pt-BR")
    context.add_init_script(WATCH_STATUS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(f"{base}/")
    return context, page


def _open_wizard(page, base: str, subscription) -> None:
    """Right click on the plan: Adicionar Serviços → ONU."""
    page.goto(f"{base}/customers/{subscription.customer_id}/?tab=planos")
    page.click(f".plan-node[data-subscription-id='{subscription.id}']", button="right")
    page.click(".context-menu a[data-action='link_onu']")
    expect(page.locator(".onu-wizard[data-step='1']")).to_be_visible()


def _search(page, olt: str) -> list[str]:
    """Search one OLT (its id) or all ("all"); the serials listed."""
    page.select_option("select[name=olt]", olt)
    page.click("#onu-search")
    page.wait_for_url(re.compile(rf"[?&]olt={olt}"))
    return page.locator("tr.onu-found").evaluate_all("rows => rows.map(r => r.dataset.serial)")


def _watch_until_finished(page) -> list[str]:
    """Wait for the job to finish on the page, without reloading; the statuses it showed."""
    page.evaluate("window.__notReloaded = true")
    page.wait_for_selector(".onu-job[data-status='done'], .onu-job[data-status='failed'], "
                           ".onu-job[data-status='partial']", timeout=60_000)
    assert page.evaluate("window.__notReloaded") is True  # updated in place
    return page.evaluate("window.__statuses")


def test_link_an_onu_and_watch_it_get_provisioned(browser, onu_server, demo_network,
                                                  make_plan_for, db_session):  # noqa: F811
    subscription = make_plan_for(name="Maria José da Silva")
    huawei, zte = demo_network.sim("huawei"), demo_network.sim("zte")
    huawei_serials, zte_serials = _serials(demo_network, "huawei"), _serials(demo_network, "zte")
    serial = huawei_serials[0]
    context, page = _login(browser, onu_server, "suporte")
    try:
        _open_wizard(page, onu_server, subscription)

        # All OLTs: both are read and every unprovisioned ONU is listed with its OLT.
        assert sorted(_search(page, "all")) == sorted(huawei_serials + zte_serials)
        zte_row = page.locator(f"tr.onu-found[data-serial='{zte_serials[0]}']")
        expect(zte_row).to_contain_text(demo_network.olts["zte"].name)
        expect(page.locator(".olt-error")).to_have_count(0)

        # One OLT: only its ONUs.
        huawei_id = str(demo_network.olts["huawei"].id)
        assert _search(page, huawei_id) == huawei_serials
        expect(page.locator("select[name=olt]")).to_have_value(huawei_id)
        row = page.locator(f"tr.onu-found[data-serial='{serial}']")
        expect(row).to_contain_text("0/1/0")
        row.locator("input[type=radio]").check()
        page.click("#onu-next")

        # The chosen ONU, then the connection type: each shows only its own fields.
        expect(page.locator(".chosen-onu")).to_contain_text(serial)
        expect(page.locator("input[name=connection_type][value=pppoe]")).to_be_checked()
        pppoe = page.locator("input[name=pppoe_login]")
        static = page.locator("input[name=static_ip]")
        vlan = page.locator("input[name=vlan]")
        expect(pppoe).to_be_visible()
        expect(static).to_be_hidden()
        expect(vlan).to_have_value("100")  # the OLT's default VLAN
        for kind, pppoe_shown, static_shown in (("bridge", False, False),
                                                ("dhcp", False, False),
                                                ("static", False, True),
                                                ("pppoe", True, False)):
            page.check(f"input[name=connection_type][value={kind}]")
            expect(pppoe).to_be_visible() if pppoe_shown else expect(pppoe).to_be_hidden()
            expect(static).to_be_visible() if static_shown else expect(static).to_be_hidden()
            expect(vlan).to_be_visible()
        page.fill("input[name=pppoe_login]", "maria.silva@provedor")
        page.fill("input[name=pppoe_password]", "S3nh@Forte")
        page.click("#onu-plan")

        # The exact commands, before anything is sent; the password masked.
        expect(page.locator(".onu-wizard[data-step='3']")).to_be_visible()
        commands = page.locator("#onu-commands").inner_text().splitlines()
        assert (f"ont add 0 0 sn-auth {serial_to_hex(serial)} omci ont-lineprofile-id 10 "
                f"ont-srvprofile-id 10 desc maria-jose-da-silva-p{subscription.id}") in commands
        assert any(line.startswith("ont ipconfig 0 0 ip-index 0 pppoe vlan 100 ")
                   and line.endswith("user-account username maria.silva@provedor "
                                     "password ******") for line in commands), commands
        assert any(line.startswith("service-port 1 vlan 100 gpon 0/1/0 ont 0 ")
                   for line in commands), commands
        # Shown nowhere (the form carries it, in a no-store page, to re-validate it).
        assert "S3nh@Forte" not in page.locator("body").inner_text()
        assert onus_on(huawei, serial) == 0  # nothing sent yet

        # Slow OLT answers, so the status is seen moving on the plan's page.
        huawei.faults.latency_s = 0.3
        page.click("#onu-finish")
        page.wait_for_url(f"**/customers/{subscription.customer_id}/**")
        expect(page.locator(".alert-success")).to_contain_text(serial)
        job_box = page.locator(".onu-job")
        assert job_box.get_attribute("data-status") in ("queued", "running")
        statuses = _watch_until_finished(page)
        assert statuses[-1] == "done", statuses
        assert "running" in statuses, statuses
        expect(page.locator(".onu-job-status")).to_have_text(translated("Done"))
        expect(page.locator(".onu-job-message")).to_have_text(
            translated("ONU provisioned and checked on the OLT."))
        expect(page.locator(".onu-state")).to_have_attribute("data-state", "provisioned")
        expect(page.locator(".onu-state")).to_have_text(translated("Provisioned"))

        # What the OLT and the panel hold afterwards.
        assert onus_on(huawei, serial) == 1
        assert service_ports_of(huawei, serial) == 1
        assert onus_on(zte, zte_serials[0]) == 0
        onu = fresh(db_session, subscription).onus[0]
        assert onu.pppoe_login == "maria.silva@provedor" and onu.state is OnuState.PROVISIONED
        assert job_of(db_session, onu).status is JobStatus.DONE
    finally:
        context.close()


def test_a_refusal_by_the_olt_shows_failed_with_the_device_message(  # noqa: F811
        browser, onu_server, demo_network, make_plan_for, db_session):  # noqa: F811
    subscription = make_plan_for(name="João Souza")
    zte = demo_network.sim("zte")
    serial = _serials(demo_network, "zte")[0]
    refusal = "%Code 32306: The ONU type does not exist."
    zte.faults.error_on_command = {r"^onu \d+ type": refusal}
    context, page = _login(browser, onu_server, "suporte")
    try:
        _open_wizard(page, onu_server, subscription)
        _search(page, str(demo_network.olts["zte"].id))
        page.locator(f"tr.onu-found[data-serial='{serial}'] input[type=radio]").check()
        page.click("#onu-next")

        # Static IP: its three fields, checked together by the panel.
        page.check("input[name=connection_type][value=static]")
        page.fill("input[name=static_ip]", "10.20.30.40")
        page.fill("input[name=static_mask]", "255.255.255.0")
        page.fill("input[name=static_gateway]", "10.20.31.1")  # outside the network
        page.click("#onu-plan")
        gateway = page.locator(".form-group.has-error",
                               has=page.locator("input[name=static_gateway]"))
        expect(gateway.locator(".error-message")).to_be_visible()
        expect(page.locator(".form-group.has-error")).to_have_count(1)
        expect(page.locator("input[name=static_ip]")).to_have_value("10.20.30.40")
        page.fill("input[name=static_gateway]", "10.20.30.1")
        page.click("#onu-plan")

        commands = page.locator("#onu-commands").inner_text().splitlines()
        assert f"onu 1 type ZTE-F660 sn {serial}" in commands
        assert any("static ip-profile IP-GW ip-address 10.20.30.40 mask 255.255.255.0"
                   in line for line in commands), commands

        # The first status requests fail (a restarting server): the page keeps asking.
        failed_polls: list[str] = []

        def flaky(route):
            if len(failed_polls) < 2:
                failed_polls.append(route.request.url)
                route.fulfill(status=503, body="restarting")
            else:
                route.continue_()

        page.route("**/onu-status/jobs/*.json", flaky)
        zte.faults.latency_s = 0.5  # the job outlasts the two failed polls
        page.click("#onu-finish")
        page.wait_for_url(f"**/customers/{subscription.customer_id}/**")
        statuses = _watch_until_finished(page)
        assert len(failed_polls) == 2
        assert statuses[-1] == "failed", statuses
        expect(page.locator(".onu-job-status")).to_have_text(translated("Failed"))
        expect(page.locator(".onu-job-message")).to_contain_text(refusal)
        expect(page.locator(".onu-state")).to_have_attribute("data-state", "failed")
        assert onus_on(zte, serial) == 0  # nothing of it left on the OLT

        # After a reload, the ONU's menu offers to try again.
        page.reload()
        page.click(".onu-item .onu-serial", button="right")
        expect(page.locator(".onu-menu [data-action='retry_onu']")).to_be_visible()
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
        # Keys are hidden until the technician asks to see them.
        expect(page.locator("input[name=key_24]")).to_have_attribute("type", "password")
        page.fill("input[name=ssid_24]", "Casa da Maria")
        page.fill("input[name=key_24]", "chave-segura-1")
        page.check("#reveal-keys")
        expect(page.locator("input[name=key_24]")).to_have_attribute("type", "text")
        page.click("#onu-save-wifi")
        page.wait_for_url(f"**/customers/{subscription.customer_id}/**")
        expect(page.locator(".onu-wifi")).to_contain_text("Casa da Maria")
        assert "chave-segura-1" not in page.content()  # the plan's page never shows keys
        # Right click on the ONU opens its own menu.
        page.click(".onu-item .onu-serial", button="right")
        expect(page.locator(".onu-menu a[data-action='reboot_onu']")).to_be_visible()
        expect(page.locator(".onu-menu a[data-action='delete_onu']")).to_be_visible()
    finally:
        context.close()
