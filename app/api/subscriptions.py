"""REST endpoints of a customer's plans: the plan tree, a new subscription in one call,
and Editar dados do Plano. Same permissions as the screens."""

from __future__ import annotations

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect

from app.api.base import ActionApi, answers_refusals, if_match_version, json_body
from app.extensions import db
from app.models import Customer, Subscription
from app.security import permissions as p
from app.services import subscriptions as subs


def _subscription_json(subscription: Subscription) -> dict:
    def d(value):
        return value.isoformat() if value else None

    return {
        "id": subscription.id,
        "plan": {
            "id": subscription.plan.id,
            "name": subscription.plan.name,
            "download_kbps": subscription.plan.download_kbps,
            "upload_kbps": subscription.plan.upload_kbps,
            "price": str(subscription.plan.price),
        },
        "status": subscription.status.value,
        "contract_id": subscription.contract_id,
        "contract_number": subscription.contract.number if subscription.contract else None,
        "combo_id": subscription.combo_id,
        "access_point_id": subscription.access_point_id,
        "first_activated_on": d(subscription.first_activated_on),
        "enabled_on": d(subscription.enabled_on),
        "renewed_on": d(subscription.renewed_on),
        "suspended_on": d(subscription.suspended_on),
        "version": subscription.version,
    }


class CustomerPlanTreeApi(BaseApi):
    """``GET /api/v1/customer-plans/<customer_id>/tree``: combos and plans of a customer."""

    resource_name = "customer-plans"
    class_permission_name = p.CUSTOMER
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {"tree": p.READ}
    openapi_spec_tag = "Customer plans"

    @expose("/<int:customer_id>/tree", methods=["GET"])
    @protect()
    @safe
    def tree(self, customer_id: int):
        """The customer's plan tree.
        ---
        get:
          parameters:
          - in: path
            name: customer_id
            schema: {type: integer}
          - in: query
            name: status
            schema: {type: string, enum: [active, suspended, inactive, all]}
          responses:
            200:
              description: combos with their subscriptions, then lone subscriptions
            404:
              $ref: '#/components/responses/404'
        """
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            return self.response_404()
        from app.services.access_log import record_customer_access

        record_customer_access(customer, "plan-tree", channel="api")
        status = request.args.get("status")
        nodes = subs.plan_tree(customer_id, status if status in subs.STATUS_FILTERS else None)
        return self.response(
            200,
            customer_id=customer_id,
            nodes=[
                {
                    "combo": {"id": n.combo.id, "name": n.combo.name} if n.combo else None,
                    "subscriptions": [_subscription_json(s) for s in n.subscriptions],
                }
                for n in nodes
            ],
        )


class SubscriptionActionsApi(ActionApi):
    """Actions on a customer's plans over the API."""

    resource_name = "subscription-actions"
    method_permission_name = {"create": "add_subscription", "update_data": "edit_subscription"}
    openapi_spec_tag = "Customer plans"

    @expose("/customers/<int:customer_id>/subscriptions", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def create(self, customer_id: int):
        """Create a subscription (or a combo) with its contract and witnesses in one call.
        ---
        post:
          parameters:
          - in: path
            name: customer_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    plan_ids: {type: array, items: {type: integer}}
                    combo_name: {type: string}
                    street: {type: string}
                    number: {type: string}
                    complement: {type: string}
                    district: {type: string}
                    zip_code: {type: string}
                    city_id: {type: integer}
                    access_point_id: {type: integer}
                    template_id: {type: integer}
                    contract_number: {type: string}
                    responsible_customer_id: {type: integer}
                    responsible_name: {type: string}
                    responsible_document: {type: string}
                    witness1_customer_id: {type: integer}
                    witness1_name: {type: string}
                    witness1_document: {type: string}
                    witness2_customer_id: {type: integer}
                    witness2_name: {type: string}
                    witness2_document: {type: string}
                    payment_method_id: {type: integer}
                    due_day: {type: integer}
          responses:
            201:
              description: created
            404:
              $ref: '#/components/responses/404'
            409:
              description: the contract number was taken meanwhile
            422:
              description: invalid data, with a message per field
        """
        result = subs.create_subscription(customer_id, json_body())
        return self.response(
            201,
            contract={"id": result.contract.id, "number": result.contract.number},
            combo_id=result.combo.id if result.combo else None,
            subscriptions=[_subscription_json(s) for s in result.subscriptions],
        )

    @expose("/subscriptions/<int:subscription_id>/data", methods=["PUT"])
    @protect()
    @safe
    @answers_refusals
    def update_data(self, subscription_id: int):
        """Editar dados do Plano; refused (409) for a plan inside a combo.
        ---
        put:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          - in: header
            name: If-Match
            schema: {type: string}
            description: the version read; a stale one is refused with 409
          requestBody:
            required: true
            content:
              application/json:
                schema: {type: object}
          responses:
            200:
              description: saved
            404:
              $ref: '#/components/responses/404'
            409:
              description: inside a combo, or changed by someone else while saving
            412:
              description: changed since the If-Match version was read
            422:
              description: invalid data
        """
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None:
            return self.response_404()
        subs.update_subscription_data(
            subscription,
            json_body(),
            expected_version=if_match_version(request.headers.get("If-Match")),
        )
        return self.response(200, result=_subscription_json(subscription), user=g.user.username)
