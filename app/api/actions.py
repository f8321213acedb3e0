"""REST endpoints of the actions on a subscription (``/api/v1/plan-actions/``), with the
same permissions as their screens: Mudar Plano (compare, change), Alterar Ponto de
Acesso, Alterar Multa / Editar Contrato, Suspender / Reativar, Restabelecer Velocidade
Provisória, Cancelar (summary, protocol), Pacotes de TV, Terminais de Voz and Serviços
Adicionais.

JWT only (no browser cookie), so CSRF does not apply. Amounts travel as strings
(``"99.90"``), never as JSON numbers, which are floats. A refusal answers 4xx with the
message (per field when the input is at fault) and changes nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from flask import current_app, g, request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from app.api.base import ActionApi, answers_refusals, if_match_version, json_body
from app.models import (
    CancellationProtocol,
    Contract,
    ExtraService,
    Subscription,
    SubscriptionTvPackage,
    TvPoint,
    VoiceTerminal,
)
from app.security import permissions as p
from app.services import cancellations, composition, plan_changes
from app.services import subscription_actions as actions
from app.services.errors import NotFoundError


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _m(value: Decimal | None) -> str | None:
    return f"{value:.2f}" if value is not None else None


def subscription_json(s: Subscription) -> dict[str, Any]:
    """A subscription's state after an action."""
    until = actions.aware(s.provisional_until)
    return {
        "id": s.id,
        "customer_id": s.customer_id,
        "plan": {"id": s.plan.id, "name": s.plan.name, "price": _m(s.plan.price)},
        "status": s.status.value,
        "city_id": s.city_id,
        "access_point_id": s.access_point_id,
        "suspended_on": _d(s.suspended_on),
        "cancelled_on": _d(s.cancelled_on),
        "provisional_until": until.isoformat() if until else None,
        "provisional_used": s.provisional_used,
        "version": s.version,
    }


def comparison_json(c: plan_changes.PlanComparison) -> dict[str, Any]:
    def plan(pl, price):
        return {
            "id": pl.id,
            "name": pl.name,
            "download_kbps": pl.download_kbps,
            "upload_kbps": pl.upload_kbps,
            "price": _m(price),
            "has_playhub": pl.has_playhub,
            "has_watchtv": pl.has_watchtv,
            "fine_amount": _m(pl.fine_amount),
            "loyalty_months": pl.loyalty_months,
        }

    return {
        "subscription_id": c.subscription.id,
        "current": plan(c.current, c.current_price),
        "new": plan(c.new, c.new_price),
        "change_on": _d(c.change_on),
        "period": {"start": _d(c.period.start), "end": _d(c.period.end)},
        "difference": _m(c.difference),
        "fine_before": _m(c.fine_before),
        "fine_after": _m(c.fine_after),
        "streaming": [{"name": s.name, "outcome": s.outcome} for s in c.streaming],
        "extra_services": [
            {"id": e.id, "name": e.service_type.name, "price": _m(e.price)}
            for e in c.extra_services
        ],
    }


def contract_json(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "number": contract.number,
        "status": contract.status.value,
        "fine_amount": _m(contract.fine_amount),
        "fine_reason": contract.fine_reason,
        "responsible_name": contract.responsible_name,
        "responsible_document": contract.responsible_document,
        "payment_method_id": contract.payment_method_id,
        "due_day": contract.due_day,
        "signed_on": _d(contract.signed_on),
        "starts_on": _d(contract.starts_on),
        "ends_on": _d(contract.ends_on),
        "version": contract.version,
    }


def summary_json(s: cancellations.CancellationSummary) -> dict[str, Any]:
    return {"subscription_id": s.subscription.id, "cancelled_on": _d(s.cancelled_on),
            **cancellations.summary_json(s)}


def protocol_json(protocol: CancellationProtocol) -> dict[str, Any]:
    return {
        "id": protocol.id,
        "number": protocol.number,
        "subscription_id": protocol.subscription_id,
        "reason": protocol.reason,
        "cancelled_on": _d(protocol.cancelled_on),
        "prorata_amount": _m(protocol.prorata_amount),
        "fine_amount": _m(protocol.fine_amount),
        "total": _m(protocol.total),
        "summary": protocol.summary,
    }


def tv_package_json(item: SubscriptionTvPackage) -> dict[str, Any]:
    return {
        "id": item.id,
        "tv_package_id": item.tv_package_id,
        "name": item.tv_package.name,
        "price": _m(item.price),
        "added_on": _d(item.added_on),
        "ended_on": _d(item.ended_on),
    }


def tv_point_json(point: TvPoint) -> dict[str, Any]:
    return {
        "id": point.id,
        "serial": point.serial,
        "location": point.location,
        "price": _m(point.price),
        "ended_on": _d(point.ended_on),
    }


def voice_terminal_json(t: VoiceTerminal) -> dict[str, Any]:
    return {
        "id": t.id,
        "subscription_id": t.subscription_id,
        "number": t.number,
        "category_id": t.category_id,
        "category": t.category.name if t.category else None,
        "sip_user": t.sip_user,
        "price": _m(t.price),
        "active": t.active,
        "contact_email": t.subscription.customer.email,
    }


def extra_service_json(e: ExtraService) -> dict[str, Any]:
    return {
        "id": e.id,
        "service_type_id": e.service_type_id,
        "name": e.service_type.name,
        "price": _m(e.price),
        "started_on": _d(e.started_on),
        "ended_on": _d(e.ended_on),
    }


def _contract_of(subscription_id: int) -> Contract | None:
    """The contract billing a subscription (its own or its combo's), the subscription
    looked up by the service as every action here looks it up; None when either is
    missing, which the API answers with its plain 404."""
    try:
        return actions.contract_of(actions.get_subscription(subscription_id))
    except NotFoundError:
        return None


def _may_add_category() -> bool:
    return current_app.appbuilder.sm.has_access(p.can("add_phone_category"), p.SUBSCRIPTION_ACTIONS)


class PlanActionsApi(ActionApi):
    """``/api/v1/plan-actions/``: every action of the subscription context menu."""

    resource_name = "plan-actions"
    method_permission_name = {
        "compare_plans": "change_plan",
        "change_plan": "change_plan",
        "change_access_point": "change_access_point",
        "edit_contract": "edit_contract_fine",
        "suspend": "suspend",
        "reactivate": "suspend",
        "restore_speed": "restore_speed",
        "cancellation_summary": "cancel",
        "cancel": "cancel",
        "cancellation_protocol": "cancel",
        "add_tv_package": "tv_packages",
        "end_tv_package": "tv_packages",
        "add_tv_point": "tv_packages",
        "end_tv_point": "tv_packages",
        "add_voice_terminal": "voice_terminals",
        "edit_voice_terminal": "voice_terminals",
        "add_phone_category": "add_phone_category",
        "add_extra_service": "extra_services",
        "end_extra_service": "extra_services",
    }
    openapi_spec_tag = "Plan actions"

    # ------------------------------------------------------------------ Mudar Plano

    @expose("/subscriptions/<int:subscription_id>/plan-comparison", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def compare_plans(self, subscription_id: int):
        """Comparar Plano: current and new plan, and the pro-rata difference; writes nothing.
        ---
        get:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: query
            name: plan_id
            required: true
            schema: {type: integer}
          responses:
            200:
              description: the comparison (amounts as strings)
            404:
              $ref: '#/components/responses/404'
            409:
              description: the plan belongs to a combo
            422:
              description: no valid new plan, or a cancelled plan
        """
        comparison = plan_changes.compare_plans(subscription_id, request.args.get("plan_id"))
        return self.response(200, result=comparison_json(comparison))

    @expose("/subscriptions/<int:subscription_id>/change-plan", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def change_plan(self, subscription_id: int):
        """Mudar Plano.
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: header
            name: If-Match
            schema: {type: string}
            description: the subscription version read; a stale one is refused with 409
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [plan_id]
                  properties:
                    plan_id: {type: integer}
                    payment_method_id: {type: integer}
                    keep_extra_services: {type: boolean, default: true}
                    expected_difference: {type: string, description: as shown by the comparison}
                    reason: {type: string}
          responses:
            400:
              $ref: '#/components/responses/400'
            200:
              description: changed; the difference charged (positive) or credited
            404:
              $ref: '#/components/responses/404'
            409:
              description: inside a combo, or the difference changed
            412:
              description: the subscription changed since the If-Match version was read
            422:
              description: refused, with a message per field
        """
        data = json_body()
        change = plan_changes.change_plan(
            subscription_id,
            data.get("plan_id"),
            payment_method_id=data.get("payment_method_id"),
            keep_extra_services=actions.parse_flag(data.get("keep_extra_services"), True),
            expected_difference=data.get("expected_difference"),
            expected_version=if_match_version(request.headers.get("If-Match")),
            reason=data.get("reason"),
        )
        charge = change.charge
        return self.response(
            200,
            result={
                "subscription": subscription_json(change.comparison.subscription),
                "comparison": comparison_json(change.comparison),
                "difference": _m(charge.difference),
                "charge_id": charge.charge.id if charge.charge else None,
                "credited": [
                    {"charge_id": c.id, "amount": _m(a)} for c, a in charge.credited
                ],
                "unapplied_credit": _m(charge.unapplied_credit),
                "ended_extra_services": [e.id for e in change.ended_extra_services],
            },
        )

    # ------------------------------------------------------------------ data

    @expose("/subscriptions/<int:subscription_id>/access-point", methods=["PUT"])
    @protect()
    @safe
    @answers_refusals
    def change_access_point(self, subscription_id: int):
        """Alterar Ponto de Acesso (a combo's plans move together).
        ---
        put:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: header
            name: If-Match
            schema: {type: string}
            description: the subscription version read; a stale one is refused with 409
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [city_id, access_point_id]
                  properties:
                    city_id: {type: integer}
                    access_point_id: {type: integer}
          responses:
            400:
              $ref: '#/components/responses/400'
            200:
              description: changed
            404:
              $ref: '#/components/responses/404'
            409:
              description: changed by someone else while saving
            412:
              description: changed by someone else since the If-Match version was read
            422:
              description: refused
        """
        data = json_body()
        moved = actions.change_access_point(
            subscription_id,
            data.get("city_id"),
            data.get("access_point_id"),
            expected_version=if_match_version(request.headers.get("If-Match")),
        )
        return self.response(
            200,
            message=_("Access point changed successfully."),
            result=[subscription_json(s) for s in moved],
        )

    @expose("/subscriptions/<int:subscription_id>/contract", methods=["PUT"])
    @protect()
    @safe
    @answers_refusals
    def edit_contract(self, subscription_id: int):
        """Alterar Multa / Editar Contrato of the subscription's contract; reason required.
        ---
        put:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: header
            name: If-Match
            schema: {type: string}
            description: the contract version read; a stale one is refused with 409
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason: {type: string}
                    fine_amount: {type: string}
                    responsible_name: {type: string}
                    responsible_document: {type: string}
                    payment_method_id: {type: integer}
                    signed_on: {type: string, format: date}
                    starts_on: {type: string, format: date}
                    ends_on: {type: string, format: date}
          responses:
            400:
              $ref: '#/components/responses/400'
            200:
              description: saved
            404:
              $ref: '#/components/responses/404'
            409:
              description: changed by someone else while saving
            412:
              description: changed by someone else since the If-Match version was read
            422:
              description: refused, with a message per field
        """
        data = json_body()
        contract = _contract_of(subscription_id)
        if contract is None:
            return self.response_404()
        fields = {k: data[k] for k in actions.CONTRACT_FIELDS if k in data}
        edit = actions.edit_contract(
            contract.id,
            fields,
            data.get("reason"),
            expected_version=if_match_version(request.headers.get("If-Match")),
        )
        return self.response(200, result=contract_json(edit.contract))

    # ------------------------------------------------------------------ status

    @expose("/subscriptions/<int:subscription_id>/suspend", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def suspend(self, subscription_id: int):
        """Suspender (RADIUS: blocked group).
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
                    suspended_on: {type: string, format: date, description: default today}
                    reason: {type: string}
          responses:
            200:
              description: suspended
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        data = json_body(required=False)
        subscription = actions.suspend(
            subscription_id, suspended_on=data.get("suspended_on"), reason=data.get("reason")
        )
        return self.response(200, result=subscription_json(subscription))

    @expose("/subscriptions/<int:subscription_id>/reactivate", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def reactivate(self, subscription_id: int):
        """Reativar a suspended subscription.
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
                    reason: {type: string}
          responses:
            200:
              description: reactivated
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        data = json_body(required=False)
        subscription = actions.reactivate(subscription_id, reason=data.get("reason"))
        return self.response(200, result=subscription_json(subscription))

    @expose("/subscriptions/<int:subscription_id>/provisional-speed", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def restore_speed(self, subscription_id: int):
        """Restabelecer Velocidade Provisória (once per suspension; ends on its own).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          responses:
            200:
              description: restored until provisional_until
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        subscription = actions.restore_provisional_speed(subscription_id)
        return self.response(200, result=subscription_json(subscription))

    @expose("/subscriptions/<int:subscription_id>/cancellation", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def cancellation_summary(self, subscription_id: int):
        """The Resumo of cancelling on a date (default today); writes nothing.
        ---
        get:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: query
            name: cancelled_on
            schema: {type: string, format: date}
          responses:
            200:
              description: voice terminals, extras, pro rata, fine, totals
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        summary = cancellations.preview_cancellation(
            subscription_id, request.args.get("cancelled_on")
        )
        return self.response(200, result=summary_json(summary))

    @expose("/subscriptions/<int:subscription_id>/cancel", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def cancel(self, subscription_id: int):
        """Cancelar with a Protocolo de Cancelamento (unique number).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason: {type: string}
                    cancelled_on: {type: string, format: date}
                    expected_total: {type: string, description: as shown by the summary}
          responses:
            400:
              $ref: '#/components/responses/400'
            201:
              description: the protocol
            404:
              $ref: '#/components/responses/404'
            409:
              description: the total changed since shown
            422:
              description: refused, with a message per field
        """
        data = json_body()
        protocol = cancellations.cancel_subscription(
            subscription_id,
            data.get("reason"),
            cancelled_on=data.get("cancelled_on"),
            expected_total=data.get("expected_total"),
            user_id=g.user.id,
        )
        return self.response(201, result=protocol_json(protocol))

    @expose("/cancellation-protocols/<int:protocol_id>", methods=["GET"])
    @protect()
    @safe
    @answers_refusals
    def cancellation_protocol(self, protocol_id: int):
        """A cancellation protocol with its stored Resumo.
        ---
        get:
          parameters:
          - in: path
            name: protocol_id
            schema: {type: integer}
          responses:
            200:
              description: the protocol
            404:
              $ref: '#/components/responses/404'
        """
        protocol = cancellations.get_protocol(protocol_id)
        return self.response(200, result=protocol_json(protocol))

    # ------------------------------------------------------------------ TV

    @expose("/subscriptions/<int:subscription_id>/tv-packages", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def add_tv_package(self, subscription_id: int):
        """Add a TV package (catalogue price unless ``price`` is given).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [tv_package_id]
                  properties:
                    tv_package_id: {type: integer}
                    price: {type: string}
          responses:
            400:
              $ref: '#/components/responses/400'
            201:
              description: added
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        data = json_body()
        item = composition.add_tv_package(
            subscription_id, data.get("tv_package_id"), price=data.get("price")
        )
        return self.response(201, result=tv_package_json(item))

    @expose(
        "/subscriptions/<int:subscription_id>/tv-packages/<int:item_id>/end", methods=["POST"]
    )
    @protect()
    @safe
    @answers_refusals
    def end_tv_package(self, subscription_id: int, item_id: int):
        """Remove a TV package: it ends today (never deleted).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: path
            name: item_id
            schema: {type: integer}
          responses:
            200:
              description: ended
            404:
              $ref: '#/components/responses/404'
            422:
              description: already ended
        """
        item = composition.end_tv_package(subscription_id, item_id)
        return self.response(200, result=tv_package_json(item))

    @expose("/subscriptions/<int:subscription_id>/tv-points", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def add_tv_point(self, subscription_id: int):
        """Add a TV point (set-top box).
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
                    serial: {type: string}
                    location: {type: string}
                    price: {type: string}
          responses:
            201:
              description: added
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        data = json_body(required=False)
        point = composition.add_tv_point(
            subscription_id,
            serial=data.get("serial"),
            location=data.get("location"),
            price=data.get("price"),
        )
        return self.response(201, result=tv_point_json(point))

    @expose("/subscriptions/<int:subscription_id>/tv-points/<int:point_id>/end", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def end_tv_point(self, subscription_id: int, point_id: int):
        """Remove a TV point: it ends today (never deleted).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: path
            name: point_id
            schema: {type: integer}
          responses:
            200:
              description: ended
            404:
              $ref: '#/components/responses/404'
            422:
              description: already ended
        """
        point = composition.end_tv_point(subscription_id, point_id)
        return self.response(200, result=tv_point_json(point))

    # ------------------------------------------------------------------ voice

    @expose("/subscriptions/<int:subscription_id>/voice-terminals", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def add_voice_terminal(self, subscription_id: int):
        """Add a voice terminal; ``new_category`` needs Adicionar Categoria Telefone.
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [number, sip_user]
                  properties:
                    number: {type: string}
                    category_id: {type: integer}
                    new_category: {type: string}
                    sip_user: {type: string}
                    sip_password: {type: string}
                    price: {type: string}
          responses:
            400:
              $ref: '#/components/responses/400'
            201:
              description: added
            403:
              description: a new category without its permission
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused, with a message per field
        """
        data = json_body()
        terminal = composition.add_voice_terminal(
            subscription_id, data, may_add_category=_may_add_category()
        )
        return self.response(201, result=voice_terminal_json(terminal))

    @expose("/voice-terminals/<int:terminal_id>", methods=["PUT"])
    @protect()
    @safe
    @answers_refusals
    def edit_voice_terminal(self, terminal_id: int):
        """Alterar Terminal de Voz; ``contact_email`` is the customer's own contact e-mail.
        ---
        put:
          parameters:
          - in: path
            name: terminal_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    number: {type: string}
                    category_id: {type: integer}
                    new_category: {type: string}
                    sip_user: {type: string}
                    sip_password: {type: string}
                    price: {type: string}
                    active: {type: boolean}
                    contact_email: {type: string}
                    customer_version: {type: integer}
          responses:
            400:
              $ref: '#/components/responses/400'
            200:
              description: saved
            403:
              description: a new category without its permission
            404:
              $ref: '#/components/responses/404'
            409:
              description: the customer changed since read
            422:
              description: refused, with a message per field
        """
        data = json_body()
        terminal = composition.edit_voice_terminal(
            terminal_id, data, may_add_category=_may_add_category()
        )
        return self.response(200, result=voice_terminal_json(terminal))

    @expose("/phone-categories", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def add_phone_category(self):
        """Adicionar Categoria Telefone.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [name]
                  properties:
                    name: {type: string}
                    description: {type: string}
          responses:
            400:
              $ref: '#/components/responses/400'
            201:
              description: added
            422:
              description: refused
        """
        data = json_body()
        category = composition.add_phone_category(data.get("name"), data.get("description"))
        return self.response(
            201,
            result={"id": category.id, "name": category.name,
                    "description": category.description},
        )

    # ------------------------------------------------------------------ extras

    @expose("/subscriptions/<int:subscription_id>/extra-services", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def add_extra_service(self, subscription_id: int):
        """Add an extra service (Antivírus ...), billed from today.
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [service_type_id]
                  properties:
                    service_type_id: {type: integer}
                    price: {type: string}
          responses:
            400:
              $ref: '#/components/responses/400'
            201:
              description: added
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused
        """
        data = json_body()
        extra = composition.add_extra_service(
            subscription_id, data.get("service_type_id"), price=data.get("price")
        )
        return self.response(201, result=extra_service_json(extra))

    @expose(
        "/subscriptions/<int:subscription_id>/extra-services/<int:extra_id>/end",
        methods=["POST"],
    )
    @protect()
    @safe
    @answers_refusals
    def end_extra_service(self, subscription_id: int, extra_id: int):
        """Remove an extra service: it ends today (never deleted).
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: path
            name: extra_id
            schema: {type: integer}
          responses:
            200:
              description: ended
            404:
              $ref: '#/components/responses/404'
            422:
              description: already ended
        """
        extra = composition.end_extra_service(subscription_id, extra_id)
        return self.response(200, result=extra_service_json(extra))
