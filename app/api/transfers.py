"""REST endpoints of Troca de Titularidade (same permission as the screen)."""

from __future__ import annotations

from datetime import date

from flask import g
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _
from sqlalchemy import select

from app.api.base import ActionApi, answers_refusals, json_body
from app.extensions import db
from app.models import OwnershipTransfer, TransferStatus
from app.services import transfers as svc


def transfer_json(t: OwnershipTransfer) -> dict:
    return {
        "id": t.id,
        "subscription_id": t.subscription_id,
        "from_customer_id": t.from_customer_id,
        "to_customer_id": t.to_customer_id,
        "main_contract_id": t.main_contract_id,
        "new_contract_id": t.new_contract_id,
        "transfer_on": t.transfer_on.isoformat(),
        "cancel_booklets": t.cancel_booklets,
        "transfer_debt": t.transfer_debt,
        "carry_composition": t.carry_composition,
        "status": t.status.value,
        "message": t.message,
    }


def _flag(data: dict, key: str, default: bool) -> bool:
    value = data.get(key, default)
    if isinstance(value, bool):
        return value
    raise svc.TransferError(_("%(field)s must be true or false.", field=key), {key: "bool"})


class OwnershipTransferApi(ActionApi):
    """``/api/v1/ownership-transfers/``: request, list scheduled, cancel."""

    resource_name = "ownership-transfers"
    method_permission_name = {
        "create": "transfer_ownership",
        "scheduled": "transfer_ownership",
        "cancel": "transfer_ownership",
    }
    openapi_spec_tag = "Ownership transfers"

    @expose("/", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def create(self):
        """Change a subscription's holder now or on a future date.
        ---
        post:
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [subscription_id, main_contract_id]
                  properties:
                    subscription_id: {type: integer}
                    main_contract_id: {type: integer}
                    transfer_on: {type: string, format: date}
                    to_customer_id: {type: integer}
                    new_customer:
                      type: object
                      properties:
                        kind: {type: string, enum: [person, company]}
                        name: {type: string}
                        document: {type: string}
                        email: {type: string}
                        mobile: {type: string}
                    cancel_booklets: {type: boolean, default: false}
                    transfer_debt: {type: boolean, default: true}
                    carry_composition: {type: boolean, default: true}
          responses:
            201:
              description: done (date today) or scheduled
            404:
              $ref: '#/components/responses/404'
            422:
              description: refused, with a message per field
        """
        data = json_body()
        transfer_on = data.get("transfer_on")
        if transfer_on is not None and not isinstance(transfer_on, str):
            raise svc.TransferError(_("Invalid date."), {"transfer_on": _("Invalid date.")})
        try:
            day = date.fromisoformat(transfer_on) if transfer_on else None
        except ValueError:
            raise svc.TransferError(
                _("Invalid date."), {"transfer_on": _("Invalid date.")}
            ) from None
        holder = data.get("new_customer")
        new_holder = None
        if holder is not None:
            if not isinstance(holder, dict):
                raise svc.TransferError(_("Invalid new customer."))
            new_holder = svc.NewHolder(
                kind=str(holder.get("kind", "")),
                name=str(holder.get("name", "")),
                document=str(holder.get("document", "")),
                email=holder.get("email") if isinstance(holder.get("email"), str) else None,
                mobile=holder.get("mobile") if isinstance(holder.get("mobile"), str) else None,
            )
        ids = {}
        for key in ("subscription_id", "main_contract_id", "to_customer_id"):
            value = data.get(key)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                raise svc.TransferError(_("Invalid id."), {key: _("Invalid id.")})
            ids[key] = value
        if ids["subscription_id"] is None:
            return self.response_404()
        req = svc.TransferRequest(
            subscription_id=ids["subscription_id"],
            main_contract_id=ids["main_contract_id"],
            transfer_on=day,
            to_customer_id=ids["to_customer_id"],
            new_holder=new_holder,
            cancel_booklets=_flag(data, "cancel_booklets", False),
            transfer_debt=_flag(data, "transfer_debt", True),
            carry_composition=_flag(data, "carry_composition", True),
        )
        transfer = svc.request_transfer(req, user_id=g.user.id)
        return self.response(201, result=transfer_json(transfer))

    @expose("/scheduled", methods=["GET"])
    @protect()
    @safe
    def scheduled(self):
        """Scheduled transfers, by date.
        ---
        get:
          responses:
            200:
              description: the scheduled transfers
        """
        rows = db.session.scalars(
            select(OwnershipTransfer)
            .where(OwnershipTransfer.status == TransferStatus.SCHEDULED)
            .order_by(OwnershipTransfer.transfer_on)
        ).all()
        return self.response(200, result=[transfer_json(t) for t in rows])

    @expose("/<int:transfer_id>/cancel", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def cancel(self, transfer_id: int):
        """Cancel a scheduled transfer before its date.
        ---
        post:
          parameters:
          - in: path
            name: transfer_id
            schema: {type: integer}
          responses:
            200:
              description: cancelled
            404:
              $ref: '#/components/responses/404'
            422:
              description: it can no longer be cancelled
        """
        transfer = svc.cancel_transfer(transfer_id)
        return self.response(200, result=transfer_json(transfer))
