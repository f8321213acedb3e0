"""Screens of a plan's ONU (seed page: Cliente > Planos > ONU).

- **Vincular ONU**, from the plan's context menu (Adicionar Serviços → ONU): choose one
  OLT or all, search their unprovisioned ONUs, pick one, choose the connection type with
  its fields, see the exact commands, Finalizar enqueues the provisioning job;
- the plan details' **ONU section**, whose job status (queued / running / done / failed
  with the device's message) updates every 2 s without reloading (``static/js/onu.js``);
- the ONU's own menu: **Editar ONU** (Wi-Fi; a double click on the ONU opens it),
  **Status ONU**, **Reiniciar**, **Excluir**, **Mover** and, after a failure,
  **Tentar novamente**.

These views only parse input and render; the rules live in :mod:`app.services.onus`.
Linking needs ``can_link_onu``, changing an ONU ``can_manage_onu`` (both on the
SubscriptionActions view menu); reading its status needs ``can_read`` on ONUs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import abort, flash, jsonify, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    ConnectionType,
    Olt,
    Onu,
    OnuProvisioning,
    OnuState,
    RadiusLogin,
    Subscription,
)
from app.security import permissions as p
from app.services import onus as svc
from app.services.audit import current_actor
from app.services.errors import DomainError
from app.views.customer_page import user_can
from app.views.labels import ENUM_LABELS, enum_label
from app.views.registry import (
    SubscriptionAction,
    SubscriptionSection,
    register_subscription_action,
    register_subscription_section,
)

LINK_ONU = (p.can("link_onu"), p.SUBSCRIPTION_ACTIONS)
MANAGE_ONU = (p.can("manage_onu"), p.SUBSCRIPTION_ACTIONS)
READ_ONU = (p.CAN_READ, p.ONU)

CONNECTION_TYPES = [(kind.value, enum_label(kind)) for kind in ConnectionType]
LINK_FIELDS = ("olt_id", "frame", "slot", "port", "serial", "model", "connection_type", "vlan",
               "pppoe_login", "pppoe_password", "static_ip", "static_mask", "static_gateway")
WIFI_FIELDS = ("ssid_24", "key_24", "ssid_5", "key_5")
CHOSEN_ONU_FIELDS = ("olt_id", "frame", "slot", "port", "serial", "model")
STEPS = {1: _l("Search ONU"), 2: _l("Connection type"), 3: _l("Confirm")}


def _plans_tab(subscription: Subscription | None, customer_id: int | None = None):
    """Back to the customer's Plans tab with the plan selected."""
    if subscription is None:
        return redirect(url_for("CustomerPageView.page", customer_id=customer_id, tab="planos"))
    return redirect(url_for("CustomerPageView.page", customer_id=subscription.customer_id,
                            tab="planos", status="all", sub=subscription.id))


def _no_store(response_body: str):
    # Pages that carry a password or Wi-Fi key must not linger in caches.
    response = make_response(response_body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _form(names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(name, "") for name in names}


class OnuActionsView(BaseView):
    """Vincular ONU (wizard) and the ONU's menu: Editar ONU, Reiniciar, Excluir, Mover."""

    route_base = "/onus"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    # Every view of the shared view menu declares all its permissions (FAB quirk).
    base_permissions = [p.can(action) for action in p.ACTIONS]
    method_permission_name = {
        "link_search": "link_onu",
        "link_connection": "link_onu",
        "link_finish": "link_onu",
        "retry": "link_onu",
        "edit": "manage_onu",
        "reboot": "manage_onu",
        "delete": "manage_onu",
        "move": "manage_onu",
    }

    # ----------------------------------------------------------------- wizard

    def _subscription(self, subscription_id: int) -> Subscription:
        return db.session.get(Subscription, subscription_id) or abort(404)

    def _wizard(self, template: str, subscription: Subscription, step: int, **context):
        return self.render_template(template, subscription=subscription, step=step,
                                    steps=STEPS, **context)

    @expose("/link/<int:subscription_id>/", methods=["GET"])
    @has_access
    def link_search(self, subscription_id: int):
        """Step 1: choose one OLT or all, search their unprovisioned ONUs, pick one."""
        subscription = self._subscription(subscription_id)
        try:
            svc.ensure_linkable(subscription_id)
        except DomainError as exc:
            flash(str(exc), "warning")
            return _plans_tab(subscription)
        chosen = request.args.get("olt", "all")
        result = None
        if request.args.get("search"):
            # "all", or one OLT's id (anything else finds no OLT and says so).
            ids = None if chosen == "all" else [int(chosen) if chosen.isdigit() else 0]
            try:
                result = svc.discover_unprovisioned(ids)
            except DomainError as exc:
                flash(str(exc), "danger")
        return self._wizard("onu/link_search.html", subscription, 1, olts=svc.active_olts(),
                            chosen=chosen, result=result)

    @expose("/link/<int:subscription_id>/connection", methods=["GET", "POST"])
    @has_access
    def link_connection(self, subscription_id: int):
        """Step 2: the chosen ONU and its connection type; posting it shows step 3."""
        subscription = self._subscription(subscription_id)
        errors: dict[str, str] = {}
        if request.method == "GET":
            values = self._chosen_onu(subscription, request.args.get("onu", ""))
            if values is None:
                flash(str(_l("Choose one of the ONUs found.")), "warning")
                return redirect(url_for(".link_search", subscription_id=subscription_id))
        else:
            values = _form(LINK_FIELDS)
            # "Back" from step 3 shows the fields again; anything else plans the link.
            if request.form.get("go") != "back":
                try:
                    plan = svc.plan_link(subscription_id, values)
                except svc.OnuFormError as exc:
                    errors = exc.errors
                    # The chosen ONU travels in hidden fields: their refusals go on top.
                    for name in CHOSEN_ONU_FIELDS:
                        if name in errors:
                            flash(str(errors[name]), "danger")
                except DomainError as exc:
                    flash(str(exc), "danger")
                else:
                    return self._confirm(subscription, values, plan.commands, plan)
        return _no_store(self._wizard("onu/link_connection.html", subscription, 2,
                                      values=values, errors=errors,
                                      olt=self._olt(values), connection_types=CONNECTION_TYPES))

    def _olt(self, values: Mapping[str, Any]):
        olt_id = str(values.get("olt_id", ""))
        return db.session.get(Olt, int(olt_id)) if olt_id.isdigit() else None

    def _chosen_onu(self, subscription: Subscription, choice: str) -> dict[str, str] | None:
        parts = choice.split(":", 5)
        if len(parts) != 6:
            return None
        olt_id, frame, slot, port, serial, model = parts
        olt = db.session.get(Olt, int(olt_id)) if olt_id.isdigit() else None
        if olt is None:
            return None
        login = db.session.scalar(select(RadiusLogin.username).where(
            RadiusLogin.subscription_id == subscription.id).limit(1))
        return {"olt_id": olt_id, "frame": frame, "slot": slot, "port": port, "serial": serial,
                "model": model, "connection_type": ConnectionType.PPPOE.value,
                "vlan": str(olt.default_vlan or ""), "pppoe_login": login or ""}

    def _confirm(self, subscription: Subscription, values: Mapping[str, str],
                 commands: list[str], plan=None, changed: bool = False):
        return _no_store(self._wizard("onu/link_confirm.html", subscription, 3,
                                      values=values, commands=commands, plan=plan,
                                      olt=self._olt(values), changed=changed,
                                      connection_labels=dict(CONNECTION_TYPES)))

    @expose("/link/<int:subscription_id>/finish", methods=["POST"])
    @has_access
    def link_finish(self, subscription_id: int):
        """Finalizar: re-validate everything, link, enqueue; back to the plan's details."""
        subscription = self._subscription(subscription_id)
        values = _form(LINK_FIELDS)
        try:
            job = svc.link_onu(subscription_id, values,
                               expected_commands=request.form.getlist("commands"),
                               user_id=current_actor().user_id)
        except svc.PlanChangedError as exc:
            flash(str(exc), "warning")
            return self._confirm(subscription, values, exc.commands, changed=True)
        except svc.OnuFormError as exc:
            return _no_store(self._wizard("onu/link_connection.html", subscription, 2,
                                          values=values, errors=exc.errors, olt=self._olt(values),
                                          connection_types=CONNECTION_TYPES))
        except DomainError as exc:
            flash(str(exc), "danger")
            return _no_store(self._wizard("onu/link_connection.html", subscription, 2,
                                          values=values, errors={}, olt=self._olt(values),
                                          connection_types=CONNECTION_TYPES))
        flash(str(_l("ONU %(serial)s linked; its provisioning is queued.",
                     serial=job.onu.serial)), "success")
        return _plans_tab(subscription)

    @expose("/jobs/<int:provisioning_id>/retry", methods=["POST"])
    @has_access
    def retry(self, provisioning_id: int):
        """Tentar novamente: run a failed or partial provisioning again."""
        job = db.session.get(OnuProvisioning, provisioning_id) or abort(404)
        subscription = job.onu.subscription
        try:
            svc.retry_provisioning(provisioning_id, current_actor().user_id)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(str(_l("Provisioning queued again.")), "success")
        return _plans_tab(subscription)

    # ----------------------------------------------------------------- the ONU's menu

    def _onu(self, onu_id: int):
        try:
            return svc.get_onu(onu_id)
        except DomainError:
            abort(404)

    @expose("/<int:onu_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, onu_id: int):
        """Editar ONU: SSIDs and WPA2 keys of 2.4 GHz and 5 GHz, pushed by a job."""
        onu = self._onu(onu_id)
        errors: dict[str, str] = {}
        if request.method == "POST":
            values = _form(WIFI_FIELDS)
            try:
                svc.update_wifi(onu_id, values, current_actor().user_id)
            except svc.OnuFormError as exc:
                errors = exc.errors
            except DomainError as exc:
                flash(str(exc), "danger")
            else:
                flash(str(_l("Wi-Fi saved; sending it to the ONU.")), "success")
                return _plans_tab(onu.subscription)
        else:
            wifi = svc.wifi_of(onu)
            values = {"ssid_24": wifi.ssid_24 or "", "key_24": wifi.key_24 or "",
                      "ssid_5": wifi.ssid_5 or "", "key_5": wifi.key_5 or ""}
        return _no_store(self.render_template("onu/edit.html", onu=onu, values=values,
                                              errors=errors))

    def _confirmed_action(self, onu_id: int, action: str):
        onu = self._onu(onu_id)
        blocked = None
        if action == "delete":
            try:
                svc.ensure_move_allowed()
            except DomainError as exc:
                blocked = str(exc)
        if request.method == "POST":
            try:
                if action == "delete":
                    svc.delete_onu(onu_id, current_actor().user_id)
                else:
                    svc.reboot_onu(onu_id, current_actor().user_id)
            except DomainError as exc:
                flash(str(exc), "danger")
            else:
                flash(str(_l("Deleting the ONU from its OLT.") if action == "delete"
                          else _l("Rebooting the ONU.")), "success")
            return _plans_tab(onu.subscription)
        return self.render_template("onu/confirm.html", onu=onu, action=action,
                                    blocked=blocked)

    @expose("/<int:onu_id>/reboot", methods=["GET", "POST"])
    @has_access
    def reboot(self, onu_id: int):
        """Reiniciar: confirm, then enqueue the reboot."""
        return self._confirmed_action(onu_id, "reboot")

    @expose("/<int:onu_id>/delete", methods=["GET", "POST"])
    @has_access
    def delete(self, onu_id: int):
        """Excluir: confirm, then enqueue the removal (CODLMPONU must be 'S')."""
        return self._confirmed_action(onu_id, "delete")

    @expose("/<int:onu_id>/move", methods=["GET", "POST"])
    @has_access
    def move(self, onu_id: int):
        """Mover: link the ONU to another plan of the customer (CODLMPONU must be 'S')."""
        onu = self._onu(onu_id)
        source = onu.subscription
        blocked = None
        try:
            svc.ensure_move_allowed()
        except DomainError as exc:
            blocked = str(exc)
        errors: dict[str, str] = {}
        if request.method == "POST":
            try:
                moved = svc.move_onu(onu_id, request.form.get("subscription_id", ""))
            except DomainError as exc:
                if exc.field:
                    errors[exc.field] = str(exc)
                else:
                    flash(str(exc), "danger")
                    return _plans_tab(source)
            else:
                flash(str(_l("ONU moved.")), "success")
                return _plans_tab(moved.subscription)
        targets = svc.movable_subscriptions(onu)
        return self.render_template(
            "onu/move.html", onu=onu, blocked=blocked, errors=errors, targets=targets,
            target_options=[(s.id, f"{s.plan.name} (#{s.id})") for s in targets])


class OnuStatusView(BaseView):
    """Status ONU (SSH + SNMP) and the live status of ONU jobs; reading an ONU is enough."""

    route_base = "/onu-status"
    class_permission_name = p.ONU
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {"status": p.READ, "job": p.READ}

    @expose("/<int:onu_id>/", methods=["GET"])
    @has_access
    def status(self, onu_id: int):
        """The ONU's state, distance and optical power, read now from its OLT."""
        try:
            report = svc.read_status(onu_id)
        except DomainError as exc:
            onu = db.session.get(Onu, onu_id) or abort(404)
            if onu.state is OnuState.REMOVED:
                abort(404)
            flash(str(exc), "warning")
            return _plans_tab(onu.subscription)
        return self.render_template("onu/status.html", report=report, onu=report.onu)

    @expose("/jobs/<int:provisioning_id>.json", methods=["GET"])
    @has_access_api
    def job(self, provisioning_id: int):
        """A job's status as JSON, polled by the plan details every 2 s."""
        job = db.session.get(OnuProvisioning, provisioning_id)
        if job is None:
            return jsonify({"message": str(_l("ONU job not found."))}), 404
        response = jsonify(svc.job_payload(job, label=enum_label))
        response.headers["Cache-Control"] = "no-store"
        return response


# --------------------------------------------------------------------------- customer page


def render_onu_section(subscription: Subscription) -> str:
    """The plan's ONUs with their latest job; the page polls unfinished jobs."""
    from flask import render_template

    items = [(onu, svc.latest_job(onu)) for onu in svc.live_onus(subscription)]
    return render_template(
        "onu/section.html",
        subscription=subscription,
        items=items,
        can_manage=user_can(MANAGE_ONU),
        can_link=user_can(LINK_ONU),
        job_status_labels=ENUM_LABELS["JobStatus"],
        job_action_labels=ENUM_LABELS["OnuAction"],
        enum_label=enum_label,
    )


def _can_get_onu(subscription: Subscription) -> bool:
    return subscription.status in svc.LINKABLE_SUBSCRIPTION and not svc.live_onus(subscription)


register_subscription_section(
    SubscriptionSection("onu", _l("ONU"), render_onu_section, permission=READ_ONU, order=40)
)
register_subscription_action(
    SubscriptionAction(
        key="link_onu",
        label=_l("ONU"),
        permission=LINK_ONU,
        url=lambda s: url_for("OnuActionsView.link_search", subscription_id=s.id),
        applies=_can_get_onu,
        group=_l("Add services"),
        order=83,
    )
)
