"""REST endpoints of Troca de Titularidade (same permission as the screen)."""

from __future__ import annotations

from flask import g
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import protect

from app.api.base import ActionApi, answers_refusals, json_body
from app.models import OwnershipTransfer
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
        req = svc.request_from_data(json_body())
        if req is None:
            return self.response_404()
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
        return self.response(
            200, result=[transfer_json(t) for t in svc.scheduled_transfers()]
        )

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
