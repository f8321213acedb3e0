"""ONU domain actions against simulated OLTs over real SSH: discovery, the plan shown
before confirming, linking with collision-free ids, provisioning by the job for every
connection type on both vendors, Wi-Fi, reboot, status (SSH + SNMP), delete and move
with CODLMPONU, and stock on delete."""

from __future__ import annotations

import re
import threading

import pytest
from flask_babel import gettext
from sqlalchemy import text

from app.jobs.onus import run_onu_job
from app.models import (
    AuditLog,
    JobStatus,
    OnuAction,
    OnuProvisioning,
    OnuState,
    StockItem,
    StockItemState,
    StockMovement,
    StockMovementKind,
    SubscriptionStatus,
)
from app.models import system as sysvars
from app.services import onus as svc
from app.services.errors import ConflictError, DomainError, NotFoundError
from tests.factories import make_subscription
from tests.support.onus import (
    HUAWEI_SERIALS,
    SERIALS,
    ZTE_SERIALS,
    fresh,
    link_data,
    onus_on,
    service_ports_of,
    set_variable,
)

VENDORS = ["huawei", "zte"]


def _provision(db_session, network, vendor, subscription, **overrides):
    """Link and run the provisioning job in this thread; return (job, onu) reloaded."""
    job = svc.link_onu(subscription.id, link_data(network, vendor, **overrides))
    assert run_onu_job(job.id) == "done", fresh(db_session, job).message
    job = fresh(db_session, job)
    return job, job.onu


# --------------------------------------------------------------------------- discovery


def test_discovery_reads_every_olt_and_reports_the_one_that_is_down(
        network, make_plan_for, manual_jobs, db_session):
    found = svc.discover_unprovisioned()
    assert not found.errors
    by_olt = {(o.olt_id, o.serial) for o in found.onus}
    assert by_olt == ({(network.olts["huawei"].id, s) for s in HUAWEI_SERIALS}
                      | {(network.olts["zte"].id, s) for s in ZTE_SERIALS})
    huawei = next(o for o in found.onus if o.serial == HUAWEI_SERIALS[0])
    assert (huawei.frame, huawei.slot, huawei.port, huawei.model) == (0, 1, 0, "EG8145V5")

    # A serial the panel already linked (job not run yet) is marked with its plan.
    subscription = make_plan_for()
    svc.link_onu(subscription.id, link_data(network, "huawei"))
    network.sim("zte").stop()
    found = svc.discover_unprovisioned()
    assert list(found.errors) == [network.olts["zte"].name]
    # A message naming the OLT that did not answer, not a crash.
    assert f"127.0.0.1:{network.sim('zte').port}" in found.errors[network.olts["zte"].name]
    linked = {o.serial: o.linked_subscription_id for o in found.onus}
    assert linked[HUAWEI_SERIALS[0]] == subscription.id
    assert linked[HUAWEI_SERIALS[1]] is None


def test_discovery_of_one_olt(network):
    found = svc.discover_unprovisioned([network.olts["zte"].id])
    assert {o.serial for o in found.onus} == set(ZTE_SERIALS)
    assert network.sim("huawei").log.sessions == {}
    with pytest.raises(NotFoundError):
        svc.discover_unprovisioned([999_999])


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(("overrides", "field"), [
    ({"connection_type": ""}, "connection_type"),
    ({"serial": "HWTC0A1B2C3"}, "serial"),
    ({"vlan": "4095"}, "vlan"),
    ({"vlan": "abc"}, "vlan"),
    ({"pppoe_login": ""}, "pppoe_login"),
    ({"pppoe_login": "maria silva"}, "pppoe_login"),
    ({"pppoe_password": "com espaço"}, "pppoe_password"),
    ({"pppoe_password": "x\nreboot"}, "pppoe_password"),
    ({"connection_type": "static", "static_ip": "10.0.0.5", "static_mask": "255.255.255.0",
      "static_gateway": "10.0.1.1"}, "static_gateway"),
    ({"connection_type": "static", "static_ip": "10.0.0.300", "static_mask": "255.255.255.0",
      "static_gateway": "10.0.0.1"}, "static_ip"),
    ({"frame": "-1"}, "frame"),
    ({"olt_id": "999999"}, "olt_id"),
])
def test_bad_link_fields_are_refused_by_field_before_any_device_is_contacted(
        network, make_plan_for, db_session, overrides, field):
    subscription = make_plan_for()
    with pytest.raises(svc.OnuFormError) as refused:
        svc.link_onu(subscription.id, link_data(network, "huawei", **overrides))
    assert field in refused.value.errors
    assert refused.value.errors[field]
    assert db_session.query(OnuProvisioning).count() == 0
    assert network.sim("huawei").log.sessions == {}


def test_fields_a_connection_type_does_not_use_are_ignored(network):
    request = svc.validate_link_data(link_data(network, "zte", connection_type="bridge",
                                               pppoe_login="ignored", vlan=""))
    assert request.pppoe_login is None and request.pppoe_password is None
    assert request.vlan == 200  # the OLT's default VLAN when left blank


# --------------------------------------------------------------------------- plan


def test_plan_shows_the_exact_lines_and_writes_nothing(network, make_plan_for, db_session):
    subscription = make_plan_for(name="Maria José da Silva")
    plan = svc.plan_link(subscription.id, link_data(network, "huawei"))
    assert (plan.onu_index, plan.service_port_id) == (0, 1)
    assert plan.commands == [
        "config",
        "interface gpon 0/1",
        "ont add 0 0 sn-auth 485754430A1B2C3D omci ont-lineprofile-id 10 ont-srvprofile-id 10 "
        f"desc maria-jose-da-silva-p{subscription.id}",
        "ont ipconfig 0 0 ip-index 0 pppoe vlan 100 priority 0 user-account username "
        "maria.silva@provedor password ******",
        "ont internet-config 0 0 ip-index 0",
        "quit",
        "service-port 1 vlan 100 gpon 0/1/0 ont 0 gemport 1 multi-service user-vlan 100 "
        "tag-transform translate",
        "return",
        "save",
    ]
    assert db_session.query(OnuProvisioning).count() == 0
    sent = network.sim("huawei").log.commands()
    assert not [c for c in sent if c.startswith(("ont add", "service-port", "config"))]


def test_zte_plan_uses_the_olts_profiles(network, make_plan_for):
    subscription = make_plan_for()
    plan = svc.plan_link(subscription.id, link_data(network, "zte", connection_type="static",
                                                    static_ip="10.20.0.10",
                                                    static_mask="255.255.255.0",
                                                    static_gateway="10.20.0.1"))
    assert plan.onu_index == 1 and plan.service_port_id is None
    assert "onu 1 type ZTE-F660 sn ZTEGC0123456" in plan.commands
    assert "tcont 1 profile 1G" in plan.commands
    assert ("wan-ip 1 mode static ip-profile IP-GW ip-address 10.20.0.10 mask 255.255.255.0 "
            "vlan-profile VLAN200 host 1") in plan.commands


def test_an_olt_without_the_profiles_its_vendor_needs_is_refused_clearly(
        network, make_plan_for, db_session):
    olt = network.olts["zte"]
    olt.tcont_profile = None
    db_session.commit()
    with pytest.raises(svc.OnuFormError) as refused:
        svc.plan_link(make_plan_for().id, link_data(network, "zte"))
    assert "T-CONT" in refused.value.errors["olt_id"]


# --------------------------------------------------------------------------- provisioning


@pytest.mark.parametrize("vendor", VENDORS)
@pytest.mark.parametrize("kind", ["pppoe", "bridge", "dhcp", "static"])
def test_link_and_provision_every_connection_type(network, make_plan_for, manual_jobs,
                                                  db_session, vendor, kind):
    subscription = make_plan_for()
    extra = {"connection_type": kind}
    if kind == "static":
        extra.update(static_ip="10.20.0.10", static_mask="255.255.255.0",
                     static_gateway="10.20.0.1")
    job, onu = _provision(db_session, network, vendor, subscription, **extra)
    assert job.status is JobStatus.DONE and job.attempts == 1
    assert onu.state is OnuState.PROVISIONED
    sim = network.sim(vendor)
    serial = SERIALS[vendor][0]
    assert onus_on(sim, serial) == 1
    assert service_ports_of(sim, serial) == 1
    device = sim.state.find_serial(serial)
    assert device.onu_id == onu.onu_index
    if kind == "bridge":
        assert device.native_vlan == onu.vlan and not device.wan
    else:
        assert device.wan["mode"] == kind
    if kind == "pppoe":
        assert device.wan["username"] == "maria.silva@provedor"
        assert device.wan["password"] == "S3nh@Forte"
    assert serial not in {entry.serial for entry in sim.state.autofind}


def test_the_pppoe_password_is_stored_encrypted_and_never_shown(
        network, make_plan_for, manual_jobs, db_session):
    job, onu = _provision(db_session, network, "huawei", make_plan_for())
    raw = db_session.execute(text("SELECT pppoe_password FROM onus WHERE id = :i"),
                             {"i": onu.id}).scalar_one()
    assert raw and "S3nh@Forte" not in raw
    assert onu.pppoe_password == "S3nh@Forte"
    assert "S3nh@Forte" not in (job.commands or "") + (job.output or "")
    assert "password ******" in job.commands
    trail = db_session.query(AuditLog).filter_by(table_name="onus", action="create").one()
    assert trail.changes["pppoe_password"]["after"] == "***"


def test_every_action_is_audited_with_who_and_how(network, make_plan_for, manual_jobs,
                                                  db_session):
    subscription = make_plan_for()
    job = svc.link_onu(subscription.id, link_data(network, "huawei"), user_id=None)
    run_onu_job(job.id)
    entries = db_session.query(AuditLog).filter_by(table_name="onu_provisionings").all()
    assert {e.action for e in entries} == {"create", "update"}
    # The job's own changes are attributed to the job channel.
    assert any(e.source == "job" and e.changes.get("status", {}).get("after") == "done"
               for e in entries)


def test_ids_come_from_the_olt_and_the_panel_together(network, make_plan_for, manual_jobs,
                                                      db_session):
    sim = network.sim("huawei")
    with sim.state.lock:  # somebody configured ONU id 0 and service-port 1 by hand
        from app.oltsim import SimOnu, SimServicePort

        sim.state.onus[(0, 1, 0, 0)] = SimOnu(0, 1, 0, 0, "HWTC99999999")
        sim.state.service_ports[1] = SimServicePort(1, 100, 100, 1, 0, 1, 0, 0)
    first = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    second = svc.link_onu(make_plan_for().id,
                          link_data(network, "huawei", serial=HUAWEI_SERIALS[1]))
    assert (first.onu.onu_index, first.onu.service_port_id) == (1, 2)
    assert (second.onu.onu_index, second.onu.service_port_id) == (2, 3)
    for job in (first, second):
        assert run_onu_job(job.id) == "done"
    assert onus_on(sim, HUAWEI_SERIALS[0]) == onus_on(sim, HUAWEI_SERIALS[1]) == 1


def test_concurrent_links_on_one_port_never_share_an_id(app, network, make_plan_for,
                                                        manual_jobs, db_session):
    plans = [make_plan_for() for _ in HUAWEI_SERIALS]
    results: dict[str, object] = {}
    barrier = threading.Barrier(len(plans))

    def link(subscription_id: int, serial: str) -> None:
        with app.app_context():
            barrier.wait()
            try:
                job = svc.link_onu(subscription_id,
                                   link_data(network, "huawei", serial=serial))
                results[serial] = (job.onu.onu_index, job.onu.service_port_id)
            except Exception as exc:  # noqa: BLE001 - reported below
                results[serial] = exc

    threads = [threading.Thread(target=link, args=(p.id, s))
               for p, s in zip(plans, HUAWEI_SERIALS, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(isinstance(r, tuple) for r in results.values()), results
    assert sorted(r[0] for r in results.values()) == [0, 1, 2]
    assert sorted(r[1] for r in results.values()) == [1, 2, 3]


def test_a_changed_plan_is_refused_with_the_new_commands(network, make_plan_for, manual_jobs,
                                                         db_session):
    first, second = make_plan_for(), make_plan_for()
    shown = svc.plan_link(first.id, link_data(network, "huawei")).commands
    svc.link_onu(second.id, link_data(network, "huawei", serial=HUAWEI_SERIALS[1]))
    with pytest.raises(svc.PlanChangedError) as changed:
        svc.link_onu(first.id, link_data(network, "huawei"), expected_commands=shown)
    assert any(line.startswith("ont add 0 1 ") for line in changed.value.commands)
    assert fresh(db_session, first).onus == []
    job = svc.link_onu(first.id, link_data(network, "huawei"),
                       expected_commands=changed.value.commands)
    assert job.onu.onu_index == 1


def test_a_serial_already_on_the_olt_or_in_the_panel_is_refused(network, make_plan_for,
                                                                manual_jobs):
    sim = network.sim("zte")
    from app.oltsim import SimOnu

    with sim.state.lock:
        sim.state.onus[(1, 1, 1, 7)] = SimOnu(1, 1, 1, 7, ZTE_SERIALS[2])
    with pytest.raises(ConflictError) as refused:
        svc.plan_link(make_plan_for().id, link_data(network, "zte", serial=ZTE_SERIALS[2]))
    assert "1/1/1 ID 7" in str(refused.value)
    svc.link_onu(make_plan_for().id, link_data(network, "zte"))
    with pytest.raises(ConflictError):
        svc.link_onu(make_plan_for().id, link_data(network, "zte"))


def test_a_plan_gets_one_onu_and_only_while_active(network, make_plan_for, manual_jobs,
                                                   db_session):
    subscription = make_plan_for()
    svc.link_onu(subscription.id, link_data(network, "huawei"))
    with pytest.raises(ConflictError):
        svc.link_onu(subscription.id, link_data(network, "huawei", serial=HUAWEI_SERIALS[1]))
    cancelled = make_subscription(db_session, status=SubscriptionStatus.CANCELLED)
    db_session.commit()
    with pytest.raises(DomainError):
        svc.plan_link(cancelled.id, link_data(network, "huawei", serial=HUAWEI_SERIALS[1]))


def test_linking_takes_the_onu_out_of_stock(network, make_plan_for, manual_jobs, db_session):
    db_session.add(StockItem(kind="onu", serial=HUAWEI_SERIALS[0], model="EG8145V5"))
    db_session.commit()
    subscription = make_plan_for()
    svc.link_onu(subscription.id, link_data(network, "huawei"))
    item = db_session.query(StockItem).one()
    assert item.state is StockItemState.INSTALLED
    movement = db_session.query(StockMovement).one()
    assert (movement.kind, movement.subscription_id) == (StockMovementKind.OUT, subscription.id)


def test_one_job_per_onu_at_a_time_and_abandoned_jobs_do_not_block(
        network, make_plan_for, manual_jobs, db_session):
    job, onu = _provision(db_session, network, "huawei", make_plan_for())
    svc.reboot_onu(onu.id)
    with pytest.raises(ConflictError, match="queued or running|fila|andamento"):
        svc.reboot_onu(onu.id)
    # A worker that died long ago leaves its job "running": it stops blocking.
    stale = db_session.query(OnuProvisioning).filter_by(action=OnuAction.REBOOT).one()
    db_session.execute(text("UPDATE onu_provisionings SET status = 'running', "
                            "updated_at = '2020-01-01 00:00:00' WHERE id = :i"), {"i": stale.id})
    db_session.commit()
    svc.reboot_onu(onu.id)
    assert fresh(db_session, stale).status is JobStatus.FAILED


# --------------------------------------------------------------------------- Wi-Fi, reboot


@pytest.mark.parametrize("vendor", VENDORS)
def test_wifi_is_stored_encrypted_and_set_on_the_onu(network, make_plan_for, manual_jobs,
                                                     db_session, vendor):
    _, onu = _provision(db_session, network, vendor, make_plan_for())
    job = svc.update_wifi(onu.id, {"ssid_24": "Casa da Maria", "key_24": "chave-2g-segura",
                                   "ssid_5": "Casa da Maria 5G", "key_5": "chave-5g-segura"})
    assert "chave-2g-segura" not in job.commands and "******" in job.commands
    assert run_onu_job(job.id) == "done"
    wifi = network.sim(vendor).state.find_serial(SERIALS[vendor][0]).wifi
    assert wifi == {"2.4": {"ssid": "Casa da Maria", "key": "chave-2g-segura"},
                    "5": {"ssid": "Casa da Maria 5G", "key": "chave-5g-segura"}}
    raw = db_session.execute(text("SELECT wpa2_key_24, wpa2_key_5 FROM onus WHERE id = :i"),
                             {"i": onu.id}).one()
    assert "chave" not in raw[0] + raw[1]
    job = fresh(db_session, job)
    assert "chave-2g-segura" not in (job.output or "")
    update = [e for e in db_session.query(AuditLog).filter_by(table_name="onus", action="update")
              if "wpa2_key_24" in e.changes]
    assert update and update[0].changes["wpa2_key_24"]["after"] == "***"


@pytest.mark.parametrize(("data", "field"), [
    ({"ssid_24": "x\nreboot", "key_24": "chave-segura"}, "ssid_24"),
    ({"ssid_24": 'a";reboot', "key_24": "chave-segura"}, "ssid_24"),
    ({"ssid_24": "Casa", "key_24": "curta12"}, "key_24"),  # 7 characters
    ({"ssid_24": "Casa", "key_24": "k" * 64}, "key_24"),
    ({"ssid_24": "Casa", "key_24": "chave-segura\r\nsave"}, "key_24"),
    ({"ssid_24": "Casa", "key_24": "chave-segura", "ssid_5": "Casa 5G"}, "key_5"),
    ({"ssid_24": " Casa", "key_24": "chave-segura"}, "ssid_24"),
])
def test_hostile_or_bad_wifi_is_refused_before_any_device_is_contacted(
        network, make_plan_for, manual_jobs, db_session, data, field):
    _, onu = _provision(db_session, network, "huawei", make_plan_for())
    network.sim("huawei").log.clear()
    jobs_before = db_session.query(OnuProvisioning).count()
    with pytest.raises(svc.OnuFormError) as refused:
        svc.update_wifi(onu.id, data)
    assert field in refused.value.errors
    assert db_session.query(OnuProvisioning).count() == jobs_before
    assert network.sim("huawei").log.sessions == {}
    assert fresh(db_session, onu).ssid_24 is None


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_isp_may_use_the_5ghz_band_only(network, make_plan_for, manual_jobs, db_session,
                                            vendor):
    _, onu = _provision(db_session, network, vendor, make_plan_for())
    with pytest.raises(svc.OnuFormError) as neither:
        svc.update_wifi(onu.id, {"ssid_24": "", "key_24": "", "ssid_5": "", "key_5": ""})
    assert neither.value.errors == {
        "ssid_24": gettext("Fill in the SSID and WPA2 key of at least one band.")}
    with pytest.raises(svc.OnuFormError) as half:
        svc.update_wifi(onu.id, {"ssid_24": "Casa", "ssid_5": "Casa 5G", "key_5": "chave-5g-1"})
    assert half.value.errors == {
        "key_24": gettext("Fill in the 2.4 GHz SSID and its WPA2 key together.")}
    network.sim(vendor).log.clear()
    job = svc.update_wifi(onu.id, {"ssid_5": "Casa 5G", "key_5": "chave-5g-1"})
    assert run_onu_job(job.id) == "done"
    assert network.sim(vendor).state.find_serial(SERIALS[vendor][0]).wifi == {
        "5": {"ssid": "Casa 5G", "key": "chave-5g-1"}}
    sent = network.sim(vendor).log.commands()
    assert not any(re.search(r"ssid-index 1 |wifi_0/1 ", line) for line in sent), sent
    stored = fresh(db_session, onu)
    assert (stored.ssid_24, stored.wpa2_key_24) == (None, None)
    assert (stored.ssid_5, stored.wpa2_key_5) == ("Casa 5G", "chave-5g-1")


def test_wifi_keys_of_8_and_63_characters_are_accepted(network, make_plan_for, manual_jobs,
                                                       db_session):
    _, onu = _provision(db_session, network, "zte", make_plan_for())
    job = svc.update_wifi(onu.id, {"ssid_24": "A", "key_24": "k" * 8,
                                   "ssid_5": "B" * 32, "key_5": "k" * 63})
    assert run_onu_job(job.id) == "done"


@pytest.mark.parametrize("vendor", VENDORS)
def test_reboot(network, make_plan_for, manual_jobs, db_session, vendor):
    _, onu = _provision(db_session, network, vendor, make_plan_for())
    job = svc.reboot_onu(onu.id)
    assert run_onu_job(job.id) == "done"
    assert network.sim(vendor).state.find_serial(SERIALS[vendor][0]).reboots == 1


def test_actions_need_a_provisioned_onu(network, make_plan_for, manual_jobs, db_session):
    job = svc.link_onu(make_plan_for().id, link_data(network, "huawei"))
    with pytest.raises(DomainError, match="not provisioned|não está provisionada"):
        svc.reboot_onu(job.onu_id)


# --------------------------------------------------------------------------- status


@pytest.mark.parametrize(("vendor", "state", "power"), [("huawei", "online", -18.5),
                                                       ("zte", "working", -19.5)])
def test_status_reads_the_cli_and_snmp(network, make_plan_for, manual_jobs, db_session,
                                       snmp_agent, vendor, state, power):
    olt = network.olts[vendor]
    olt.snmp_community, olt.snmp_port = "public", snmp_agent
    db_session.commit()
    _, onu = _provision(db_session, network, vendor, make_plan_for())
    report = svc.read_status(onu.id)
    assert report.cli_error is None and report.snmp_error is None
    assert report.cli.online and report.cli.serial == SERIALS[vendor][0]
    assert report.snmp.state == state and report.snmp.rx_power_dbm == power


def test_status_says_what_it_could_not_read(network, make_plan_for, manual_jobs, db_session):
    _, onu = _provision(db_session, network, "huawei", make_plan_for())
    network.sim("huawei").stop()
    report = svc.read_status(onu.id)
    assert report.cli is None and "127.0.0.1" in report.cli_error
    assert report.snmp is None and report.snmp_error


# --------------------------------------------------------------------------- delete, move


def test_delete_and_move_are_refused_while_codlmponu_is_off(network, make_plan_for,
                                                            manual_jobs, db_session):
    subscription = make_plan_for()
    _, onu = _provision(db_session, network, "huawei", subscription)
    other = make_subscription(db_session, customer=subscription.customer)
    db_session.commit()
    jobs_before = db_session.query(OnuProvisioning).count()
    for action in (lambda: svc.delete_onu(onu.id), lambda: svc.move_onu(onu.id, other.id)):
        with pytest.raises(svc.MoveNotAllowedError) as refused:
            action()
        # The seed page's rule, in the user's language (pt_BR by default).
        assert str(refused.value) == gettext(
            "Moving or deleting ONUs is turned off: the system variable CODLMPONU must be "
            "'S'. Ask the panel's administrator to change it.")
        assert "CODLMPONU" in str(refused.value)
    assert db_session.query(OnuProvisioning).count() == jobs_before
    assert fresh(db_session, onu).subscription_id == subscription.id
    assert onus_on(network.sim("huawei"), HUAWEI_SERIALS[0]) == 1


@pytest.mark.parametrize("vendor", VENDORS)
def test_delete_removes_it_from_the_olt_and_returns_it_to_stock(
        network, make_plan_for, manual_jobs, db_session, vendor):
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    subscription = make_plan_for()
    _, onu = _provision(db_session, network, vendor, subscription)
    job = svc.delete_onu(onu.id)
    assert run_onu_job(job.id) == "done"
    sim, serial = network.sim(vendor), SERIALS[vendor][0]
    assert onus_on(sim, serial) == 0
    assert service_ports_of(sim, serial) == 0
    assert sim.state.service_ports == {}
    onu = fresh(db_session, onu)
    assert onu.state is OnuState.REMOVED and onu.subscription_id is None
    assert onu.onu_index is None and onu.service_port_id is None
    item = db_session.query(StockItem).filter_by(serial=serial).one()
    assert item.state is StockItemState.IN_STOCK
    movement = db_session.query(StockMovement).one()
    assert (movement.kind, movement.subscription_id) == (StockMovementKind.RETURN, subscription.id)
    # The serial can be linked again (the removed record is reused).
    again = svc.link_onu(make_plan_for().id, link_data(network, vendor))
    assert again.onu_id == onu.id
    assert run_onu_job(again.id) == "done"


def test_delete_without_stock_movement_when_the_variable_is_off(
        network, make_plan_for, manual_jobs, db_session):
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    set_variable(db_session, sysvars.STOCK_ON_ONU_DELETE, "N")
    _, onu = _provision(db_session, network, "zte", make_plan_for())
    assert run_onu_job(svc.delete_onu(onu.id).id) == "done"
    assert db_session.query(StockMovement).count() == 0
    assert db_session.query(StockItem).count() == 0


def test_delete_of_an_onu_no_longer_on_the_olt_just_unlinks_it(
        network, make_plan_for, manual_jobs, db_session):
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    _, onu = _provision(db_session, network, "huawei", make_plan_for())
    sim = network.sim("huawei")
    with sim.state.lock:  # removed by hand on the OLT
        sim.state.service_ports.clear()
        sim.state.remove_onu(sim.state.find_serial(HUAWEI_SERIALS[0]))
    job = svc.delete_onu(onu.id)
    assert run_onu_job(job.id) == "done"
    assert fresh(db_session, job).message == gettext(
        "The ONU was no longer on the OLT; it was removed from the plan.")
    assert fresh(db_session, onu).state is OnuState.REMOVED


def test_delete_refuses_when_the_olt_has_the_onu_elsewhere(network, make_plan_for,
                                                           manual_jobs, db_session):
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    _, onu = _provision(db_session, network, "zte", make_plan_for())
    sim = network.sim("zte")
    with sim.state.lock:
        device = sim.state.onus.pop((1, 1, 1, onu.onu_index))
        device.onu_id = 9
        sim.state.onus[device.key] = device
    job = svc.delete_onu(onu.id)
    assert run_onu_job(job.id) == "failed"
    assert "1/1/1 ID 9" in fresh(db_session, job).message
    assert onus_on(sim, ZTE_SERIALS[0]) == 1
    assert fresh(db_session, onu).state is OnuState.PROVISIONED


def test_move_to_another_plan_of_the_same_customer(network, make_plan_for, manual_jobs,
                                                   db_session):
    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    subscription = make_plan_for()
    _, onu = _provision(db_session, network, "huawei", subscription)
    other_customer = make_plan_for(name="Outro Cliente")
    with pytest.raises(DomainError):
        svc.move_onu(onu.id, other_customer.id)
    same_customer = make_subscription(db_session, customer=subscription.customer)
    db_session.commit()
    network.sim("huawei").log.clear()
    moved = svc.move_onu(onu.id, same_customer.id)
    assert moved.subscription_id == same_customer.id
    assert network.sim("huawei").log.sessions == {}  # only the panel's link changes
    moves = [e.changes["subscription_id"] for e in db_session.query(AuditLog)
             .filter_by(table_name="onus", action="update").order_by(AuditLog.id)
             if "subscription_id" in e.changes]
    assert moves == [{"before": subscription.id, "after": same_customer.id}]
