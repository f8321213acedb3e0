"""The ONU screens: the Vincular ONU wizard step by step, the plan details' ONU section
with its menu and live status, Editar ONU, Status ONU, Reiniciar, Excluir and Mover, with
the permissions of each role (suporte links, técnico links and manages, financeiro
neither) and CSRF on every POST."""

from __future__ import annotations

import re

import pytest
from flask_babel import gettext

from app.jobs.onus import run_onu_job, wait_for_background_jobs
from app.models import JobStatus, OnuAction, OnuProvisioning, OnuState
from app.models import system as sysvars
from app.services import onus as svc
from app.views.labels import enum_label
from tests.conftest import PASSWORD
from tests.support.onus import HUAWEI_SERIALS, fresh, link_data, onus_on, set_variable


def _plans_url(subscription) -> str:
    return (f"/customers/{subscription.customer_id}/?tab=planos&status=all"
            f"&sub={subscription.id}")


def _provisioned(db_session, network, subscription, vendor="huawei"):
    job = svc.link_onu(subscription.id, link_data(network, vendor))
    assert run_onu_job(job.id) == "done"
    return fresh(db_session, job).onu


def _refused(response) -> bool:
    """FAB answers a missing permission with a redirect and "access denied"."""
    return response.status_code in (302, 403) and "/onus/" not in response.headers.get(
        "Location", "")


# --------------------------------------------------------------------------- wizard


def test_link_onu_through_the_wizard(login_as, network, make_plan_for, db_session):
    subscription = make_plan_for(name="Maria José da Silva")
    client = login_as("suporte")

    # The plan's context menu offers Adicionar Serviços → ONU.
    page = client.get(_plans_url(subscription)).get_data(as_text=True)
    start = f"/onus/link/{subscription.id}/"
    assert f'data-action="link_onu" href="{start}"' in page

    search = client.get(start).get_data(as_text=True)
    assert network.olts["huawei"].name in search and network.olts["zte"].name in search
    found = client.get(f"{start}?search=1&olt=all").get_data(as_text=True)
    for serial in HUAWEI_SERIALS:
        assert serial in found
    assert "ZTEGC0123456" in found
    choice = re.search(r'name="onu" value="([^"]*HWTC0A1B2C3D[^"]*)"', found).group(1)

    chosen = client.get(f"/onus/link/{subscription.id}/connection", query_string={"onu": choice})
    assert chosen.status_code == 200
    assert "HWTC0A1B2C3D" in chosen.get_data(as_text=True)

    data = {k: str(v) for k, v in link_data(network, "huawei").items()}
    confirm = client.post(f"/onus/link/{subscription.id}/connection", data=data)
    assert confirm.status_code == 200
    assert confirm.headers["Cache-Control"] == "no-store"
    body = confirm.get_data(as_text=True)
    commands = re.findall(r'name="commands" value="([^"]*)"', body)
    assert ("ont add 0 0 sn-auth 485754430A1B2C3D omci ont-lineprofile-id 10 "
            f"ont-srvprofile-id 10 desc maria-jose-da-silva-p{subscription.id}") in commands
    assert "password ******" in body and "S3nh@Forte" not in "".join(commands)
    assert db_session.query(OnuProvisioning).count() == 0  # nothing written before Finalizar

    finish = client.post(f"/onus/link/{subscription.id}/finish",
                         data={**data, "commands": commands})
    assert finish.status_code == 302
    assert f"sub={subscription.id}" in finish.headers["Location"]
    assert wait_for_background_jobs(30)
    job = db_session.query(OnuProvisioning).one()
    assert fresh(db_session, job).status is JobStatus.DONE
    assert onus_on(network.sim("huawei"), "HWTC0A1B2C3D") == 1

    details = client.get(_plans_url(subscription)).get_data(as_text=True)
    assert "HWTC0A1B2C3D" in details
    assert f'data-job-url="/onu-status/jobs/{job.id}.json"' in details
    assert 'data-status="done"' in details
    assert "js/onu.js" in details
    # The plan has its ONU: the menu no longer offers to link another.
    assert 'data-action="link_onu"' not in details


def test_wizard_errors_keep_what_was_typed(login_as, network, make_plan_for, db_session):
    subscription = make_plan_for()
    client = login_as("tecnico")
    data = {k: str(v) for k, v in link_data(network, "huawei", pppoe_login="",
                                             vlan="5000").items()}
    page = client.post(f"/onus/link/{subscription.id}/connection", data=data)
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Login PPPoE é obrigatório" in body
    assert 'value="5000"' in body
    assert db_session.query(OnuProvisioning).count() == 0


def test_finish_with_stale_commands_shows_the_new_ones(login_as, network, make_plan_for,
                                                      manual_jobs, db_session):
    subscription, other = make_plan_for(), make_plan_for()
    client = login_as("suporte")
    data = {k: str(v) for k, v in link_data(network, "huawei").items()}
    body = client.post(f"/onus/link/{subscription.id}/connection",
                       data=data).get_data(as_text=True)
    commands = re.findall(r'name="commands" value="([^"]*)"', body)
    svc.link_onu(other.id, link_data(network, "huawei", serial=HUAWEI_SERIALS[1]))
    again = client.post(f"/onus/link/{subscription.id}/finish",
                        data={**data, "commands": commands})
    assert again.status_code == 200
    body = again.get_data(as_text=True)
    assert "plan-changed" in body and "ont add 0 1 sn-auth" in body
    assert fresh(db_session, subscription).onus == []


def test_back_from_the_commands_keeps_the_fields(login_as, network, make_plan_for):
    subscription = make_plan_for()
    client = login_as("suporte")
    data = {k: str(v) for k, v in link_data(network, "zte", connection_type="bridge").items()}
    back = client.post(f"/onus/link/{subscription.id}/connection", data={**data, "go": "back"})
    body = back.get_data(as_text=True)
    assert 'value="bridge" checked' in body and "ZTEGC0123456" in body
    assert network.sim("zte").log.sessions == {}


def test_an_olt_that_cannot_be_read_is_said_so(login_as, network, make_plan_for):
    subscription = make_plan_for()
    network.sim("zte").stop()
    body = login_as("suporte").get(f"/onus/link/{subscription.id}/?search=1&olt=all")
    text = body.get_data(as_text=True)
    assert "olt-error" in text and network.olts["zte"].name in text
    assert "HWTC0A1B2C3D" in text


# --------------------------------------------------------------------------- section, status


def test_job_labels_read_the_same_on_screen_and_api(app, network, make_plan_for, manual_jobs):
    with app.test_request_context():
        assert {s.value: enum_label(s) for s in JobStatus} == {
            "queued": gettext("Queued"), "running": gettext("Running"), "done": gettext("Done"),
            "failed": gettext("Failed"), "partial": gettext("Partial")}
        assert {a.value: enum_label(a) for a in OnuAction} == {
            "provision": gettext("Provisioning"), "wifi": gettext("Wi-Fi change"),
            "reboot": gettext("Reboot"), "delete": gettext("Deletion")}
        job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
        payload = svc.job_payload(job, label=enum_label)  # screen and API alike
        assert list(payload)[-3:] == ["status_label", "action_label", "onu_state_label"]
        assert payload["action_label"] == gettext("Provisioning")
        assert payload["onu_state_label"] == enum_label(job.onu.state)


def test_live_status_json_has_no_secrets(login_as, network, make_plan_for, manual_jobs,
                                         db_session):
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    client = login_as("suporte")
    queued = client.get(f"/onu-status/jobs/{job.id}.json").get_json()
    assert queued["status"] == "queued" and queued["finished"] is False
    assert queued["status_label"] == gettext("Queued")
    run_onu_job(job.id)
    response = client.get(f"/onu-status/jobs/{job.id}.json")
    assert response.headers["Cache-Control"] == "no-store"
    done = response.get_json()
    assert done["status"] == "done" and done["finished"] is True
    assert done["onu_state"] == "provisioned"
    assert "S3nh@Forte" not in response.get_data(as_text=True)
    assert login_as("financeiro").get(f"/onu-status/jobs/{job.id}.json").status_code in (
        302, 401, 403)


def test_failed_job_shows_the_device_message_and_offers_retry(
        login_as, network, make_plan_for, manual_jobs, db_session):
    subscription = make_plan_for()
    network.sim("huawei").faults.error_on_command = {r"^ont add": "  Failure: SN already exists"}
    job = svc.link_onu(subscription.id, link_data(network, "huawei"))
    run_onu_job(job.id)
    client = login_as("suporte")
    page = client.get(_plans_url(subscription)).get_data(as_text=True)
    assert "Failure: SN already exists" in page
    assert f"/onus/jobs/{job.id}/retry" in page
    network.sim("huawei").faults.reset()
    retried = client.post(f"/onus/jobs/{job.id}/retry")
    assert retried.status_code == 302
    assert fresh(db_session, job).status is JobStatus.QUEUED
    run_onu_job(job.id)
    assert fresh(db_session, job).status is JobStatus.DONE


def test_status_page(login_as, network, make_plan_for, manual_jobs, db_session):
    onu = _provisioned(db_session, network, make_plan_for())
    body = login_as("suporte").get(f"/onu-status/{onu.id}/").get_data(as_text=True)
    assert "online" in body and "HWTC0A1B2C3D" in body
    assert "snmp-error" in body  # the test OLT has no SNMP community


@pytest.mark.parametrize(("vendor", "power"), [("huawei", "-18.50 dBm"), ("zte", "-19.50 dBm")])
def test_status_page_shows_the_optical_power_read_over_snmp(
        login_as, network, make_plan_for, manual_jobs, db_session, snmp_agent, vendor, power):
    olt = network.olts[vendor]
    olt.snmp_community, olt.snmp_port = "public", snmp_agent
    db_session.commit()
    onu = _provisioned(db_session, network, make_plan_for(), vendor)
    body = login_as("leitura").get(f"/onu-status/{onu.id}/").get_data(as_text=True)
    rx_power = re.search(r'class="onu-rx-power">([^<]*)<', body)
    assert rx_power and rx_power.group(1) == power
    assert "snmp-error" not in body and "cli-error" not in body
    assert onu.serial in body


# --------------------------------------------------------------------------- permissions


def test_who_sees_and_may_use_what(login_as, network, make_plan_for, manual_jobs,
                                   db_session):
    subscription = make_plan_for()
    onu = _provisioned(db_session, network, subscription)
    other = make_plan_for()
    suporte, tecnico, financeiro = (login_as(u) for u in ("suporte", "tecnico", "financeiro"))

    # suporte: links, reads status; no Editar/Reiniciar/Excluir.
    page = suporte.get(_plans_url(subscription)).get_data(as_text=True)
    assert 'data-action="onu_status"' in page
    assert 'data-action="edit_onu"' not in page and "data-edit-url" not in page
    assert suporte.get(f"/onus/link/{other.id}/").status_code == 200
    for url in (f"/onus/{onu.id}/edit", f"/onus/{onu.id}/reboot", f"/onus/{onu.id}/delete",
                f"/onus/{onu.id}/move"):
        assert _refused(suporte.get(url)), url
        assert _refused(suporte.post(url)), url

    # técnico: everything; a double click opens Editar ONU.
    page = tecnico.get(_plans_url(subscription)).get_data(as_text=True)
    assert f'data-edit-url="/onus/{onu.id}/edit"' in page
    for action in ("edit_onu", "reboot_onu", "delete_onu", "move_onu", "onu_status"):
        assert f'data-action="{action}"' in page
    assert tecnico.get(f"/onus/{onu.id}/edit").status_code == 200
    assert tecnico.get(f"/onus/link/{other.id}/").status_code == 200

    # financeiro: neither, and no ONU section at all.
    page = financeiro.get(_plans_url(subscription)).get_data(as_text=True)
    assert "HWTC0A1B2C3D" not in page and 'data-action="link_onu"' not in page
    assert _refused(financeiro.get(f"/onus/link/{other.id}/"))
    assert _refused(financeiro.post(f"/onus/link/{other.id}/finish", data={}))
    assert _refused(financeiro.get(f"/onu-status/{onu.id}/"))
    assert db_session.query(OnuProvisioning).count() == 1


# --------------------------------------------------------------------------- Editar ONU


def test_edit_onu_shows_keys_to_technicians_only_and_refuses_hostile_ssids(
        login_as, network, make_plan_for, manual_jobs, db_session):
    onu = _provisioned(db_session, network, make_plan_for())
    client = login_as("tecnico")
    hostile = client.post(f"/onus/{onu.id}/edit",
                          data={"ssid_24": "x\nreboot", "key_24": "chave-segura"})
    assert hostile.status_code == 200
    assert "SSID contém caracteres não permitidos" in hostile.get_data(as_text=True)
    assert db_session.query(OnuProvisioning).count() == 1

    saved = client.post(f"/onus/{onu.id}/edit", data={"ssid_24": "Casa da Maria",
                                                       "key_24": "chave-segura-1"})
    assert saved.status_code == 302
    assert manual_jobs[-1] == db_session.query(OnuProvisioning).order_by(
        OnuProvisioning.id.desc()).first().id
    run_onu_job(manual_jobs[-1])
    assert network.sim("huawei").state.find_serial("HWTC0A1B2C3D").wifi["2.4"] == {
        "ssid": "Casa da Maria", "key": "chave-segura-1"}

    form = client.get(f"/onus/{onu.id}/edit")
    assert form.headers["Cache-Control"] == "no-store"
    assert 'value="chave-segura-1"' in form.get_data(as_text=True)
    # Lists and the ONU API never show a key, whoever asks.
    for who in ("tecnico", "admin"):
        listing = login_as(who).get("/onuview/list/").get_data(as_text=True)
        shown = login_as(who).get(f"/onuview/show/{onu.id}").get_data(as_text=True)
        assert "chave-segura-1" not in listing + shown
    section = client.get(_plans_url(fresh(db_session, onu).subscription)).get_data(as_text=True)
    assert "Casa da Maria" in section and "chave-segura-1" not in section


# --------------------------------------------------------------------------- reboot, delete, move


def test_reboot_through_its_confirmation(login_as, network, make_plan_for, manual_jobs,
                                         db_session):
    onu = _provisioned(db_session, network, make_plan_for())
    client = login_as("tecnico")
    assert "onu-confirm" in client.get(f"/onus/{onu.id}/reboot").get_data(as_text=True)
    assert client.post(f"/onus/{onu.id}/reboot").status_code == 302
    run_onu_job(manual_jobs[-1])
    assert network.sim("huawei").state.find_serial("HWTC0A1B2C3D").reboots == 1


def test_delete_needs_codlmponu(login_as, network, make_plan_for, manual_jobs, db_session):
    subscription = make_plan_for()
    onu = _provisioned(db_session, network, subscription)
    client = login_as("tecnico")
    message = gettext("Moving or deleting ONUs is turned off: the system variable CODLMPONU "
                      "must be 'S'. Ask the panel's administrator to change it.")
    page = client.get(f"/onus/{onu.id}/delete").get_data(as_text=True)
    assert "move-blocked" in page and 'id="onu-confirm"' not in page
    assert "CODLMPONU" in page
    refused = client.post(f"/onus/{onu.id}/delete", follow_redirects=True)
    assert message.replace("'", "&#39;") in refused.get_data(as_text=True)
    assert db_session.query(OnuProvisioning).count() == 1
    assert "move-blocked" in client.get(f"/onus/{onu.id}/move").get_data(as_text=True)

    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    assert client.post(f"/onus/{onu.id}/delete").status_code == 302
    assert run_onu_job(manual_jobs[-1]) == "done"
    assert fresh(db_session, onu).state is OnuState.REMOVED
    page = client.get(_plans_url(subscription)).get_data(as_text=True)
    assert "HWTC0A1B2C3D" not in page and 'data-action="link_onu"' in page


def test_move_through_the_screen(login_as, network, make_plan_for, manual_jobs,
                                 db_session):
    from tests.factories import make_subscription

    subscription = make_plan_for()
    onu = _provisioned(db_session, network, subscription)
    target = make_subscription(db_session, customer=subscription.customer)
    db_session.commit()
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    client = login_as("tecnico")
    assert f'value="{target.id}"' in client.get(f"/onus/{onu.id}/move").get_data(as_text=True)
    moved = client.post(f"/onus/{onu.id}/move", data={"subscription_id": str(target.id)})
    assert moved.status_code == 302 and f"sub={target.id}" in moved.headers["Location"]
    assert fresh(db_session, onu).subscription_id == target.id


def test_every_onu_action_is_audited_under_who_did_it(login_as, network, make_plan_for,
                                                     manual_jobs, db_session):
    """Vincular (suporte), then Editar, Reiniciar, Mover and Excluir (técnico): each
    request is in the audit trail under the user's name, keys masked, and what the jobs
    changed under the job channel."""
    from app.models import AuditLog, StockMovement
    from tests.factories import make_subscription

    subscription = make_plan_for()
    target = make_subscription(db_session, customer=subscription.customer)
    db_session.commit()
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    set_variable(db_session, sysvars.STOCK_ON_ONU_DELETE, "S")
    db_session.query(AuditLog).delete()
    db_session.commit()

    suporte = login_as("suporte")
    plan = svc.plan_link(subscription.id, link_data(network, "huawei"))
    finish = suporte.post(f"/onus/link/{subscription.id}/finish",
                          data={**link_data(network, "huawei"), "commands": plan.commands})
    assert finish.status_code == 302
    assert run_onu_job(manual_jobs[-1]) == "done"
    onu = fresh(db_session, subscription).onus[0]

    tecnico = login_as("tecnico")
    assert tecnico.post(f"/onus/{onu.id}/edit", data={"ssid_24": "Casa",
                                                      "key_24": "chave-secreta-9"}
                        ).status_code == 302
    assert run_onu_job(manual_jobs[-1]) == "done"
    assert tecnico.post(f"/onus/{onu.id}/reboot").status_code == 302
    assert run_onu_job(manual_jobs[-1]) == "done"
    assert tecnico.post(f"/onus/{onu.id}/move",
                        data={"subscription_id": str(target.id)}).status_code == 302
    assert tecnico.post(f"/onus/{onu.id}/delete").status_code == 302
    assert run_onu_job(manual_jobs[-1]) == "done"

    db_session.expire_all()
    trail = db_session.query(AuditLog).order_by(AuditLog.id).all()
    requested = [(e.username, e.source, e.changes["action"]["after"]) for e in trail
                 if e.table_name == "onu_provisionings" and e.action == "create"]
    assert requested == [("suporte", "view", "provision"), ("tecnico", "view", "wifi"),
                         ("tecnico", "view", "reboot"), ("tecnico", "view", "delete")]
    wifi = [e for e in trail if e.table_name == "onus" and "wpa2_key_24" in (e.changes or {})]
    assert [(e.username, e.changes["wpa2_key_24"]["after"]) for e in wifi] == [("tecnico", "***")]
    moved = [e for e in trail if e.table_name == "onus" and e.username == "tecnico"
             and e.changes.get("subscription_id", {}).get("after") == target.id]
    assert len(moved) == 1
    finished = {e.changes["status"]["after"] for e in trail
                if e.table_name == "onu_provisionings" and e.source == "job"
                and "status" in (e.changes or {})}
    assert "done" in finished
    removed = [e for e in trail if e.table_name == "onus" and e.source == "job"
               and e.changes.get("state", {}).get("after") == "removed"]
    assert len(removed) == 1
    assert "chave-secreta-9" not in str([e.changes for e in trail])
    # Excluir with MOVIMENTA_ESTOQUE_APAGAR_ONU on: the ONU is back in the stock.
    movement = db_session.query(StockMovement).one()
    assert movement.kind.value == "return" and movement.stock_item.serial == onu.serial
    assert any(e.table_name == "stock_movements" and e.action == "create" for e in trail)


# --------------------------------------------------------------------------- CSRF


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', html)
    assert match, "form without a CSRF token"
    return match.group(1)


@pytest.mark.parametrize("path", ["reboot", "edit"])
def test_posts_need_the_csrf_token(make_app, network, make_plan_for, manual_jobs, db_session,
                                   path):
    onu = _provisioned(db_session, network, make_plan_for())
    secured = make_app(WTF_CSRF_ENABLED=True)
    client = secured.test_client()
    login = client.get("/login/").get_data(as_text=True)
    client.post("/login/", data={"username": "tecnico", "password": PASSWORD,
                                 "csrf_token": _token(login)})
    data = {"ssid_24": "Casa", "key_24": "chave-segura"}
    assert client.post(f"/onus/{onu.id}/{path}", data=data).status_code == 400
    assert db_session.query(OnuProvisioning).count() == 1
    form = client.get(f"/onus/{onu.id}/{path}").get_data(as_text=True)
    accepted = client.post(f"/onus/{onu.id}/{path}", data={**data, "csrf_token": _token(form)})
    assert accepted.status_code == 302
    assert db_session.query(OnuProvisioning).count() == 2
