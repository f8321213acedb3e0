"""The ONU REST API (JWT): discover, plan, link (202 + job id), job status, retry, Wi-Fi,
status, reboot, delete and move, with the same permissions as the screens."""

from __future__ import annotations

import pytest

from app.jobs.onus import run_onu_job
from app.models import JobStatus, OnuProvisioning, OnuState
from app.models import system as sysvars
from tests.support.i18n import translated
from tests.support.onus import HUAWEI_SERIALS, fresh, link_data, onus_on, set_variable

BASE = "/api/v1/onu-actions"


def _link(client, subscription, data):
    return client.post(f"{BASE}/subscriptions/{subscription.id}/link", json=data)


def _provisioned(api, network, subscription, db_session, vendor="huawei"):
    response = _link(api("tecnico"), subscription, link_data(network, vendor))
    assert response.status_code == 202, response.json
    assert run_onu_job(response.json["id"]) == "done"
    return db_session.get(OnuProvisioning, response.json["id"]).onu_id


def test_discover_plan_link_and_follow_the_job(api, network, make_plan_for, manual_jobs,
                                               db_session):
    subscription = make_plan_for()
    client = api("suporte")
    found = client.get(f"{BASE}/discover")
    assert found.status_code == 200 and found.json["errors"] == {}
    assert {o["serial"] for o in found.json["result"]} >= set(HUAWEI_SERIALS)
    one = client.get(f"{BASE}/discover?olt_id={network.olts['zte'].id}").json["result"]
    assert {o["olt_id"] for o in one} == {network.olts["zte"].id}
    assert client.get(f"{BASE}/discover?olt_id=x").status_code == 404

    data = link_data(network, "huawei")
    plan = client.post(f"{BASE}/subscriptions/{subscription.id}/plan", json=data)
    assert plan.status_code == 200
    commands = plan.json["result"]["commands"]
    assert plan.json["result"]["onu_index"] == 0 and plan.json["result"]["service_port_id"] == 1
    assert not any("S3nh@Forte" in c for c in commands)

    linked = _link(client, subscription, {**data, "expected_commands": commands})
    assert linked.status_code == 202
    job_id = linked.json["id"]
    assert linked.json["result"]["status"] == "queued"
    status = client.get(f"/api/v1/onu-status/jobs/{job_id}")
    assert status.status_code == 200 and status.json["result"]["status"] == "queued"
    run_onu_job(job_id)
    done = client.get(f"/api/v1/onu-status/jobs/{job_id}").json["result"]
    assert done["status"] == "done" and done["onu_state"] == "provisioned"
    assert "S3nh@Forte" not in str(done)
    assert onus_on(network.sim("huawei"), "HWTC0A1B2C3D") == 1

    live = client.get(f"/api/v1/onu-status/{done['onu_id']}")
    assert live.status_code == 200
    assert live.json["result"]["cli"]["online"] is True
    assert live.json["result"]["snmp"] is None and live.json["result"]["snmp_error"]


def test_bad_input_is_answered_by_field_and_nothing_is_written(api, network, make_plan_for,
                                                               db_session):
    subscription = make_plan_for()
    client = api("suporte")
    refused = _link(client, subscription, link_data(network, "huawei", connection_type="static",
                                                    static_ip="10.0.0.1",
                                                    static_mask="255.255.255.0",
                                                    static_gateway="10.9.9.9"))
    assert refused.status_code == 422
    assert list(refused.json["message"]) == ["static_gateway"]
    assert _link(client, subscription, {"expected_commands": "x"}).status_code == 422
    assert client.post(f"{BASE}/subscriptions/{subscription.id}/link", data="x",
                       content_type="text/plain").status_code == 400
    assert _link(client, make_plan_for(), link_data(network, "huawei")).status_code == 202
    assert db_session.query(OnuProvisioning).count() == 1


def test_stale_expected_commands_get_409_with_the_new_ones(api, network, make_plan_for,
                                                           manual_jobs):
    first, second = make_plan_for(), make_plan_for()
    client = api("suporte")
    data = link_data(network, "huawei")
    shown = client.post(f"{BASE}/subscriptions/{first.id}/plan", json=data).json["result"]
    assert _link(client, second, link_data(network, "huawei",
                                           serial=HUAWEI_SERIALS[1])).status_code == 202
    stale = _link(client, first, {**data, "expected_commands": shown["commands"]})
    assert stale.status_code == 409
    assert any(c.startswith("ont add 0 1 ") for c in stale.json["commands"])


def test_wifi_keys_only_for_who_may_change_them(api, network, make_plan_for, manual_jobs,
                                                db_session):
    onu_id = _provisioned(api, network, make_plan_for(), db_session)
    tecnico = api("tecnico")
    hostile = tecnico.put(f"{BASE}/{onu_id}/wifi", json={"ssid_24": "x\nreboot",
                                                          "key_24": "chave-segura"})
    assert hostile.status_code == 422 and "ssid_24" in hostile.json["message"]
    network.sim("huawei").log.clear()
    assert tecnico.put(f"{BASE}/{onu_id}/wifi", json={"ssid_24": 5, "key_24": "chave-segura"}
                       ).status_code == 422
    assert network.sim("huawei").log.sessions == {}
    accepted = tecnico.put(f"{BASE}/{onu_id}/wifi", json={"ssid_24": "Casa",
                                                           "key_24": "chave-segura"})
    assert accepted.status_code == 202
    assert "chave-segura" not in str(accepted.json)
    wifi = tecnico.get(f"{BASE}/{onu_id}/wifi")
    assert wifi.json["result"] == {"ssid_24": "Casa", "key_24": "chave-segura",
                                   "ssid_5": None, "key_5": None}
    assert wifi.headers["Cache-Control"] == "no-store"
    for who in ("suporte", "financeiro", "leitura"):
        assert api(who).get(f"{BASE}/{onu_id}/wifi").status_code == 403
    for who in ("tecnico", "suporte", "admin"):
        listed = api(who).get("/api/v1/onus/").get_data(as_text=True)
        shown = api(who).get(f"/api/v1/onus/{onu_id}").get_data(as_text=True)
        assert "chave-segura" not in listed + shown


@pytest.mark.parametrize(("who", "link", "manage", "read"), [
    ("suporte", True, False, True),
    ("tecnico", True, True, True),
    ("financeiro", False, False, False),
    ("leitura", False, False, True),
    ("semacesso", False, False, False),
])
def test_permissions_follow_the_screens(api, network, make_plan_for, manual_jobs, db_session,
                                        who, link, manage, read):
    onu_id = _provisioned(api, network, make_plan_for(), db_session)
    job_id = db_session.query(OnuProvisioning.id).scalar()
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    client = api(who)

    def allowed(response) -> bool:
        return response.status_code != 403

    assert allowed(client.get(f"{BASE}/discover")) is link
    assert allowed(_link(client, make_plan_for(), link_data(
        network, "huawei", serial=HUAWEI_SERIALS[1]))) is link
    assert allowed(client.post(f"{BASE}/jobs/{job_id}/retry")) is link
    assert allowed(client.put(f"{BASE}/{onu_id}/wifi", json={})) is manage
    assert allowed(client.post(f"{BASE}/{onu_id}/reboot")) is manage
    assert allowed(client.post(f"{BASE}/{onu_id}/move", json={})) is manage
    assert allowed(client.get(f"/api/v1/onu-status/jobs/{job_id}")) is read
    deleted = client.delete(f"{BASE}/{onu_id}")
    assert allowed(deleted) is manage
    if not manage:
        assert fresh(db_session, db_session.get(OnuProvisioning, job_id)).onu.state is (
            OnuState.PROVISIONED)


def test_delete_and_move_need_codlmponu(api, network, make_plan_for, manual_jobs, db_session):
    subscription = make_plan_for()
    onu_id = _provisioned(api, network, subscription, db_session)
    client = api("tecnico")
    refused = client.delete(f"{BASE}/{onu_id}")
    assert refused.status_code == 403 and "CODLMPONU" in refused.json["message"]
    assert client.post(f"{BASE}/{onu_id}/move", json={"subscription_id": 1}).status_code == 403
    assert db_session.query(OnuProvisioning).count() == 1

    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    accepted = client.delete(f"{BASE}/{onu_id}")
    assert accepted.status_code == 202
    assert run_onu_job(accepted.json["id"]) == "done"
    assert onus_on(network.sim("huawei"), "HWTC0A1B2C3D") == 0
    assert client.delete(f"{BASE}/{onu_id}").status_code == 404


def test_reboot_and_a_second_job_while_one_is_queued(api, network, make_plan_for, manual_jobs,
                                                     db_session):
    onu_id = _provisioned(api, network, make_plan_for(), db_session)
    client = api("tecnico")
    first = client.post(f"{BASE}/{onu_id}/reboot")
    assert first.status_code == 202
    assert client.post(f"{BASE}/{onu_id}/reboot").status_code == 409
    run_onu_job(first.json["id"])
    assert fresh(db_session, db_session.get(OnuProvisioning, first.json["id"])).status is (
        JobStatus.DONE)
    assert network.sim("huawei").state.find_serial("HWTC0A1B2C3D").reboots == 1


def test_an_olt_gets_its_zte_profiles_and_they_must_be_cli_safe(api, login_as, db_session):
    """ZTE provisioning needs the OLT's T-CONT, VLAN and IP profiles: the OLT screen and
    API take them, and refuse a name that could not go into a CLI line; the password is
    write-only and stored encrypted."""
    from sqlalchemy import text

    from app.models import Olt

    client = api("tecnico")
    olt = {"name": "OLT Centro", "vendor": "zte", "host": "10.0.0.2", "ssh_port": 22,
           "username": "panel", "password": "Olt-Senha-2024", "onu_type": "ZTE-F660",
           "tcont_profile": "1G", "vlan_profile": "VLAN200", "ip_profile": "IP-GW"}
    for column in ("onu_type", "tcont_profile", "vlan_profile", "ip_profile"):
        refused = client.post("/api/v1/olts/", json={**olt, column: "1G\nreboot"})
        assert refused.status_code == 422 and column in refused.json["message"], refused.json
        assert client.post("/api/v1/olts/", json={**olt, column: "1G;save"}).status_code == 422
    assert db_session.query(Olt).count() == 0

    created = client.post("/api/v1/olts/", json=olt)
    assert created.status_code == 201, created.json
    shown = client.get(f"/api/v1/olts/{created.json['id']}").json["result"]
    assert (shown["tcont_profile"], shown["vlan_profile"], shown["ip_profile"]) == (
        "1G", "VLAN200", "IP-GW")
    assert "password" not in shown
    raw = db_session.execute(text("SELECT password FROM olts WHERE id = :i"),
                             {"i": created.json["id"]}).scalar_one()
    assert "Olt-Senha-2024" not in raw

    # The screen: the same fields, the same refusal.
    screen = login_as("tecnico")
    form = screen.get(f"/oltview/edit/{created.json['id']}").get_data(as_text=True)
    for column in ("tcont_profile", "vlan_profile", "ip_profile"):
        assert f'name="{column}"' in form
    edited = screen.post(f"/oltview/edit/{created.json['id']}",
                         data={"name": "OLT Centro", "vendor": "zte", "host": "10.0.0.2",
                               "ssh_port": "22", "username": "panel", "snmp_port": "161",
                               "onu_type": "ZTE-F660", "tcont_profile": "1G",
                               "vlan_profile": "VLAN 200", "ip_profile": "IP-GW",
                               "active": "y"})
    assert edited.status_code == 200  # the form again, with the error
    assert translated("Use 1 to 32 letters, digits, dots, dashes or underscores.") in (
        edited.get_data(as_text=True))
    db_session.expire_all()
    assert db_session.get(Olt, created.json["id"]).vlan_profile == "VLAN200"
