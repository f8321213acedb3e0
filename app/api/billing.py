"""REST endpoints of the billing core, with the same permissions as its screens.

``/api/v1/billing/`` reads (``can_read`` on Charge): a customer's charges with totals, a
charge's PIX payload. ``/api/v1/billing-actions/`` acts, each endpoint on its named
permission of SubscriptionActions: receive a payment, issue and cancel carnês, preview and
confirm a due-day change. Amounts travel as strings (``"99.90"``), never as JSON numbers,
which are floats.
"""

from __future__ import annotations

from datetime import date

from flask import request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from app.api.base import ActionApi, answers_refusals, json_body
from app.extensions import db
from app.models import Charge, ChargeStatus, Customer, PaymentBooklet
from app.security import permissions as p
from app.services import billing
from app.services.access_log import record_customer_access
from app.services.clock import local_today


def _d(value: date | None) -> str | None:
    return value.isoformat() if value else None


def charge_json(charge: Charge, today: date | None = None) -> dict:
    """A charge as the API shows it; money as strings with two decimals."""
    today = today or local_today()
    return {
        "id": charge.id,
        "customer_id": charge.customer_id,
        "contract_id": charge.contract_id,
        "contract_number": charge.contract.number,
        "booklet_id": charge.booklet_id,
        "description": charge.description,
        "amount": str(charge.amount),
        "due_on": _d(charge.due_on),
        "period_start": _d(charge.period_start),
        "period_end": _d(charge.period_end),
        "reference_month": charge.reference_month.strftime("%Y-%m")
        if charge.reference_month
        else None,
        "status": charge.status.value,
        "overdue": charge.status == ChargeStatus.OPEN and charge.due_on < today,
        "paid_on": _d(charge.paid_on),
        "paid_amount": str(charge.paid_amount) if charge.paid_amount is not None else None,
        "pix_txid": charge.pix_txid,
    }


def booklet_json(booklet: PaymentBooklet) -> dict:
    """A carnê with its charges."""
    return {
        "id": booklet.id,
        "contract_id": booklet.contract_id,
        "status": booklet.status.value,
        "installments": booklet.installments,
        "cancelled_at": booklet.cancelled_at.isoformat() if booklet.cancelled_at else None,
        "charges": [charge_json(c) for c in booklet.charges],
    }


class BillingApi(BaseApi):
    """What the Financeiro tab shows, over the API."""

    resource_name = "billing"
    class_permission_name = p.CHARGE
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {"customer_charges": p.READ, "charge_pix": p.READ}
    openapi_spec_tag = "Billing"

    @expose("/customers/<int:customer_id>/charges", methods=["GET"])
    @protect()
    def customer_charges(self, customer_id: int):
        """A customer's charges (filtered) and totals.
        ---
        get:
          parameters:
          - in: path
            name: customer_id
            schema: {type: integer}
          - in: query
            name: status
            schema: {type: string, enum: [open, paid, cancelled, transferred]}
          - in: query
            name: due_from
            schema: {type: string, format: date}
          - in: query
            name: due_to
            schema: {type: string, format: date}
          responses:
            200:
              description: totals (open includes overdue) and charges, latest due first
            404:
              $ref: '#/components/responses/404'
            422:
              description: a filter is invalid
        """
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            return self.response_404()
        filters, errors = billing.parse_charge_filters(request.args)
        if errors:
            return self.response(422, message={k: [v] for k, v in errors.items()})
        record_customer_access(customer, "financeiro", channel="api")
        totals = billing.customer_totals(customer_id)
        return self.response(
            200,
            customer_id=customer_id,
            totals={
                "open": str(totals.open),
                "overdue": str(totals.overdue),
                "paid": str(totals.paid),
                "open_count": totals.open_count,
                "overdue_count": totals.overdue_count,
                "paid_count": totals.paid_count,
            },
            # Credit the customer's contracts hold, taken off their next monthly charges.
            credit=str(billing.customer_credit_balance(customer_id)),
            charges=[charge_json(c) for c in billing.customer_charges(customer_id, filters)],
        )

    @expose("/charges/<int:charge_id>/pix", methods=["GET"])
    @protect()
    @answers_refusals
    def charge_pix(self, charge_id: int):
        """An open PIX charge's BR Code ("copia e cola") and QR Code (SVG).
        ---
        get:
          parameters:
          - in: path
            name: charge_id
            schema: {type: integer}
          responses:
            200:
              description: txid, amount, payload and qr_svg
            404:
              $ref: '#/components/responses/404'
            422:
              description: not a PIX charge, not open, or PIX not set up
        """
        result = billing.charge_pix(charge_id)
        return self.response(
            200,
            charge_id=charge_id,
            txid=result.txid,
            amount=str(result.charge.amount),
            payload=result.payload,
            qr_svg=result.qr_svg,
        )


class BillingActionsApi(ActionApi):
    """Billing actions over the API, each on its named permission.
    """

    resource_name = "billing-actions"
    method_permission_name = {
        "pay": "receive_payment",
        "issue_booklet": "manage_booklets",
        "cancel_booklet": "manage_booklets",
        "preview_due_day": "change_due_day",
        "change_due_day": "change_due_day",
    }
    openapi_spec_tag = "Billing"


    @expose("/charges/<int:charge_id>/pay", methods=["POST"])
    @protect()
    @answers_refusals
    def pay(self, charge_id: int):
        """Record that a charge was paid.
        ---
        post:
          parameters:
          - in: path
            name: charge_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    amount: {type: string, example: "99.90"}
                    paid_on: {type: string, format: date}
          responses:
            200:
              description: the paid charge
            404:
              $ref: '#/components/responses/404'
            422:
              description: bad amount or date, or a charge that cannot be paid
        """
        body = json_body()
        charge = billing.mark_charge_paid(charge_id, body.get("amount"), body.get("paid_on"))
        return self.response(200, result=charge_json(charge))

    @expose("/contracts/<int:contract_id>/booklets", methods=["POST"])
    @protect()
    @answers_refusals
    def issue_booklet(self, contract_id: int):
        """Issue a carnê of monthly charges.
        ---
        post:
          parameters:
          - in: path
            name: contract_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    installments: {type: integer, minimum: 1, maximum: 24}
                    first_month: {type: string, example: "2024-03"}
          responses:
            201:
              description: the carnê with its charges
            404:
              $ref: '#/components/responses/404'
            422:
              description: bad input, or a month already billed
        """
        body = json_body()
        booklet = billing.issue_booklet(
            contract_id, body.get("installments", ""), body.get("first_month")
        )
        return self.response(201, result=booklet_json(booklet))

    @expose("/booklets/<int:booklet_id>/cancel", methods=["POST"])
    @protect()
    @answers_refusals
    def cancel_booklet(self, booklet_id: int):
        """Cancel a carnê: its open charges are cancelled, paid ones stay.
        ---
        post:
          parameters:
          - in: path
            name: booklet_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    reason: {type: string}
          responses:
            200:
              description: the cancelled carnê
            404:
              $ref: '#/components/responses/404'
            422:
              description: no reason, or already cancelled
        """
        body = json_body()
        booklet = billing.cancel_booklet(booklet_id, body.get("reason", ""))
        return self.response(200, result=booklet_json(booklet))

    @expose("/contracts/<int:contract_id>/due-day", methods=["GET"])
    @protect()
    @answers_refusals
    def preview_due_day(self, contract_id: int):
        """What changing the due day would cost; changes nothing.
        ---
        get:
          parameters:
          - in: path
            name: contract_id
            schema: {type: integer}
          - in: query
            name: due_day
            schema: {type: integer, minimum: 1, maximum: 28}
          responses:
            200:
              description: the difference, what would be charged, and the open charges
                that would move to the new due day (moved_charges)
            404:
              $ref: '#/components/responses/404'
            422:
              description: bad due day
        """
        change = billing.preview_due_day_change(contract_id, request.args.get("due_day", ""))
        return self.response(200, result=_due_day_json(change))

    @expose("/contracts/<int:contract_id>/due-day", methods=["POST"])
    @protect()
    @answers_refusals
    def change_due_day(self, contract_id: int):
        """Change the due day; send back the difference the preview showed.
        ---
        post:
          parameters:
          - in: path
            name: contract_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    due_day: {type: integer}
                    reason: {type: string}
                    expected_difference: {type: string, example: "32.23"}
          responses:
            200:
              description: the change and the charge created, if any
            404:
              $ref: '#/components/responses/404'
            409:
              description: the difference is no longer the one shown
            422:
              description: bad input
        """
        body = json_body()
        result = billing.change_due_day(
            contract_id,
            body.get("due_day", ""),
            body.get("reason", ""),
            expected_difference=body.get("expected_difference"),
        )
        return self.response(
            200,
            result={
                **_due_day_json(result.change),
                "charge": charge_json(result.charge) if result.charge else None,
            },
        )


def _due_day_json(change: billing.DueDayChange) -> dict:
    return {
        "contract_id": change.contract.id,
        "old_due_day": change.old_due_day,
        "new_due_day": change.new_due_day,
        "monthly_amount": str(change.monthly_amount),
        "difference": str(change.difference),
        "old_due_on": _d(change.old_due_on),
        "new_due_on": _d(change.new_due_on),
        "charging_enabled": change.charging_enabled,
        "charge_amount": str(change.charge_amount),
        # Open charges not yet due that the change moves (or moved) to the new due day.
        "moved_charges": [
            {
                "charge_id": move.charge.id,
                "due_on": _d(move.due_on),
                "period_start": _d(move.period_start),
                "period_end": _d(move.period_end),
            }
            for move in change.moved
        ],
    }
