"""REST endpoints of ONUs: discover, plan and link (provisioning job), retry, Wi-Fi,
reboot, delete, move, live status and job status. Same permissions as the screens:
``can_link_onu`` / ``can_manage_onu`` on SubscriptionActions, ``can_read`` on Onu.

Jobs answer ``202 Accepted`` with the job's id; ``GET /api/v1/onu-status/jobs/<id>``
follows it. Wi-Fi keys appear only in ``GET /api/v1/onu-actions/<id>/wifi``, which needs
``can_manage_onu``.
"""

from __future__ import annotations

from flask import request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from app.api.base import ActionApi, answers_refusals, json_body
from app.extensions import db
from app.models import OnuProvisioning
from app.security import permissions as p
from app.services import onus as svc
from app.services.audit import current_actor
from app.services.errors import NotFoundError
from app.views.labels import enum_label


def _accepted(api: BaseApi, job: OnuProvisioning):
    return api.response(202, id=job.id, result=svc.job_payload(job, label=enum_label))


class OnuActionsApi(ActionApi):
    """Link, provision and change ONUs (``/api/v1/onu-actions/...``)."""

    resource_name = "onu-actions"
    method_permission_name = {
        "discover": "link_onu",
        "plan": "link_onu",
        "link": "link_onu",
        "retry": "link_onu",
        "get_wifi": "manage_onu",
        "put_wifi": "manage_onu",
        "reboot": "manage_onu",
        "delete": "manage_onu",
        "move": "manage_onu",
    }
    openapi_spec_tag = "ONUs"

    @expose("/discover", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def discover(self):
        """Unprovisioned ONUs of one OLT or of all active ones (read in parallel).
        ---
        get:
          parameters:
          - in: query
            name: olt_id
            schema: {type: integer}
            description: one OLT; all active OLTs when absent
          responses:
            200:
              description: "{result: [ONU], errors: {OLT name: message}}"
            404:
              $ref: '#/components/responses/404'
        """
        raw = request.args.get("olt_id")
        if raw is not None and not raw.isdigit():
            raise NotFoundError(_("OLT not found."))
        found = svc.discover_unprovisioned(None if raw is None else [int(raw)])
        return self.response(200, result=[
            {"olt_id": o.olt_id, "olt": o.olt_name, "serial": o.serial, "frame": o.frame,
             "slot": o.slot, "port": o.port, "model": o.model,
             "linked_subscription_id": o.linked_subscription_id}
            for o in found.onus
        ], errors=found.errors)

    @expose("/subscriptions/<int:subscription_id>/plan", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def plan(self, subscription_id: int):
        """The exact commands linking this ONU would send (nothing is written).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    olt_id: {type: integer}
                    serial: {type: string}
                    frame: {type: integer}
                    slot: {type: integer}
                    port: {type: integer}
                    model: {type: string}
                    connection_type: {type: string, enum: [pppoe, bridge, dhcp, static]}
                    vlan: {type: integer}
                    pppoe_login: {type: string}
                    pppoe_password: {type: string}
                    static_ip: {type: string}
                    static_mask: {type: string}
                    static_gateway: {type: string}
          responses:
            200:
              description: ids to be taken and the commands (passwords masked)
            422:
              $ref: '#/components/responses/422'
        """
        data = json_body()
        plan = svc.plan_link(subscription_id, data)
        return self.response(200, result={
            "onu_index": plan.onu_index, "service_port_id": plan.service_port_id,
            "description": plan.description, "commands": plan.commands})

    @expose("/subscriptions/<int:subscription_id>/link", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def link(self, subscription_id: int):
        """Link an ONU to a plan and enqueue its provisioning (202 with the job's id).

        Same body as ``plan``; with ``expected_commands`` (the plan's commands) the link
        is refused with 409 and the new commands when the ids changed meanwhile.
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          responses:
            202:
              description: the provisioning job, queued
            409:
              description: the plan changed, the ONU or plan is taken, or a job is running
            422:
              $ref: '#/components/responses/422'
        """
        data = json_body()
        expected = data.get("expected_commands")
        if expected is not None and not (isinstance(expected, list)
                                         and all(isinstance(c, str) for c in expected)):
            return self.response_422(message={"expected_commands": [_("Must be a list of "
                                                                      "command lines.")]})
        job = svc.link_onu(subscription_id, data, expected_commands=expected,
                           user_id=current_actor().user_id)
        return _accepted(self, job)

    @expose("/jobs/<int:provisioning_id>/retry", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def retry(self, provisioning_id: int):
        """Run a failed or partial provisioning again (202).
        ---
        post:
          parameters:
          - in: path
            name: provisioning_id
            schema: {type: integer}
          responses:
            202:
              description: queued again
            409:
              description: still running, or another job of the ONU is
        """
        job = svc.retry_provisioning(provisioning_id, current_actor().user_id)
        return _accepted(self, job)

    @expose("/<int:onu_id>/wifi", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def get_wifi(self, onu_id: int):
        """The ONU's SSIDs and WPA2 keys (only for users who may change them).
        ---
        get:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          responses:
            200:
              description: "{ssid_24, key_24, ssid_5, key_5}"
            404:
              $ref: '#/components/responses/404'
        """
        wifi = svc.wifi_of(svc.get_onu(onu_id))
        response = self.response(200, result={"ssid_24": wifi.ssid_24, "key_24": wifi.key_24,
                                              "ssid_5": wifi.ssid_5, "key_5": wifi.key_5})
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/<int:onu_id>/wifi", methods=["PUT"])
    @protect()
    @safe
    @answers_refusals
    def put_wifi(self, onu_id: int):
        """Set the ONU's SSIDs and WPA2 keys (8–63 characters); a job sends them (202).
        ---
        put:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    ssid_24: {type: string}
                    key_24: {type: string}
                    ssid_5: {type: string}
                    key_5: {type: string}
          responses:
            202:
              description: the Wi-Fi job, queued
            422:
              $ref: '#/components/responses/422'
        """
        data = json_body()
        job = svc.update_wifi(onu_id, data, current_actor().user_id)
        return _accepted(self, job)

    @expose("/<int:onu_id>/reboot", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def reboot(self, onu_id: int):
        """Reboot the ONU (202).
        ---
        post:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          responses:
            202:
              description: the reboot job, queued
        """
        job = svc.reboot_onu(onu_id, current_actor().user_id)
        return _accepted(self, job)

    @expose("/<int:onu_id>", methods=["DELETE"])
    @protect()
    @safe
    @answers_refusals
    def delete(self, onu_id: int):
        """Delete the ONU from its OLT and the plan (202); needs CODLMPONU = 'S'.
        ---
        delete:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          responses:
            202:
              description: the deletion job, queued
            403:
              description: CODLMPONU is not 'S'
        """
        job = svc.delete_onu(onu_id, current_actor().user_id)
        return _accepted(self, job)

    @expose("/<int:onu_id>/move", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def move(self, onu_id: int):
        """Move the ONU to another plan of the same customer; needs CODLMPONU = 'S'.
        ---
        post:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    subscription_id: {type: integer}
          responses:
            200:
              description: moved
            403:
              description: CODLMPONU is not 'S'
        """
        data = json_body()
        onu = svc.move_onu(onu_id, data.get("subscription_id"))
        return self.response(200, result={"id": onu.id, "subscription_id": onu.subscription_id})


class OnuStatusApi(BaseApi):
    """What an ONU and its jobs are doing (``/api/v1/onu-status/...``); reading ONUs suffices."""

    resource_name = "onu-status"
    class_permission_name = p.ONU
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {"job": p.READ, "status": p.READ}
    openapi_spec_tag = "ONUs"

    @expose("/jobs/<int:provisioning_id>", methods=["GET"])
    @protect()
    @safe
    def job(self, provisioning_id: int):
        """A job's status: queued, running, done, failed or partial, with the device's message.
        ---
        get:
          parameters:
          - in: path
            name: provisioning_id
            schema: {type: integer}
          responses:
            200:
              description: the job
            404:
              $ref: '#/components/responses/404'
        """
        job = db.session.get(OnuProvisioning, provisioning_id)
        if job is None:
            return self.response_404()
        return self.response(200, result=svc.job_payload(job, label=enum_label))

    @expose("/<int:onu_id>", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def status(self, onu_id: int):
        """The ONU's state read now from its OLT: CLI over SSH, optical power over SNMP.
        ---
        get:
          parameters:
          - in: path
            name: onu_id
            schema: {type: integer}
          responses:
            200:
              description: "{cli: {...} | null, cli_error, snmp: {...} | null, snmp_error}"
            404:
              $ref: '#/components/responses/404'
        """
        report = svc.read_status(onu_id)
        cli = report.cli
        snmp_status = report.snmp
        return self.response(200, result={
            "onu_id": report.onu.id,
            "cli": None if cli is None else {
                "run_state": cli.run_state, "online": cli.online, "serial": cli.serial,
                "description": cli.description, "distance_m": cli.distance_m,
                "last_down_cause": cli.last_down_cause},
            "cli_error": report.cli_error,
            "snmp": None if snmp_status is None else {
                "online": snmp_status.online, "state": snmp_status.state,
                "rx_power_dbm": snmp_status.rx_power_dbm},
            "snmp_error": report.snmp_error,
        })
