"""Trocar Titularidade: the screen from the subscription's context menu, the list of
scheduled transfers (cancellable before their date), and the customers' history tab."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    Charge,
    ChargeStatus,
    Contract,
    ContractStatus,
    Subscription,
    TransferStatus,
)
from app.security import permissions as p
from app.services import transfers as svc
from app.services.errors import DomainError
from app.views.registry import (
    CustomerTab,
    SubscriptionAction,
    register_customer_tab,
    register_subscription_action,
)

YES = ("1", "true", "on", "yes", "sim", "s")


def _bool(name: str, default: bool) -> bool:
    value = request.form.get(name)
    return default if value is None else value.strip().lower() in YES


def _date(value: str | None, errors: dict[str, str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors["transfer_on"] = str(_l("Invalid date; use the calendar (day/month/year)."))
        return None


def request_from_form(subscription_id: int) -> tuple[svc.TransferRequest, dict[str, str]]:
    """Read the Trocar Titularidade form into a request (and any parse errors).

    The form's text becomes the data :func:`app.services.transfers.request_from_data`
    reads (ids as integers, the choices as booleans), so the screen and the API build
    their requests alike; a date the calendar did not give is refused here, by field.
    """
    form = request.form
    errors: dict[str, str] = {}
    new_holder = None
    to_customer_id = None
    if form.get("holder_mode") == "new":
        new_holder = {
            "kind": form.get("new_kind", ""),
            "name": form.get("new_name", ""),
            "document": form.get("new_document", ""),
            "email": form.get("new_email") or None,
            "mobile": form.get("new_mobile") or None,
        }
    elif (form.get("to_customer_id") or "").isdigit():
        to_customer_id = int(form["to_customer_id"])
    contract_id = form.get("main_contract_id", "")
    transfer_on = _date(form.get("transfer_on"), errors)
    req = svc.request_from_data(
        {
            "subscription_id": subscription_id,
            "main_contract_id": int(contract_id) if contract_id.isdigit() else None,
            "transfer_on": transfer_on.isoformat() if transfer_on else None,
            "to_customer_id": to_customer_id,
            "new_customer": new_holder,
            "cancel_booklets": _bool("cancel_booklets", False),
            "transfer_debt": _bool("transfer_debt", True),
            "carry_composition": _bool("carry_composition", True),
        }
    )
    return req, errors


class OwnershipTransferView(BaseView):
    """Trocar Titularidade and the scheduled transfers."""

    route_base = "/transfers"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = [p.can(a) for a in p.ACTIONS]
    method_permission_name = {
        "new": "transfer_ownership",
        "scheduled": "transfer_ownership",
        "cancel": "transfer_ownership",
    }

    @expose("/subscriptions/<int:subscription_id>", methods=["GET", "POST"])
    @has_access
    def new(self, subscription_id: int):
        subscription = db.session.get(Subscription, subscription_id) or abort(404)
        errors: dict[str, str] = {}
        values = dict(request.form) if request.method == "POST" else {}
        if request.method == "POST":
            req, errors = request_from_form(subscription_id)
            if not errors:
                try:
                    transfer = svc.request_transfer(req, user_id=g.user.id)
                except svc.TransferError as exc:
                    errors = exc.errors or {"form": str(exc)}
                except DomainError as exc:
                    errors = {"form": str(exc)}
                else:
                    if transfer.status == TransferStatus.DONE:
                        flash(
                            str(_l("Holder changed to %(name)s.", name=transfer.to_customer.name)),
                            "success",
                        )
                    else:
                        flash(
                            str(
                                _l(
                                    "Holder change scheduled for %(day)s.",
                                    day=transfer.transfer_on.strftime("%d/%m/%Y"),
                                )
                            ),
                            "success",
                        )
                    return redirect(
                        url_for(
                            "CustomerPageView.page",
                            customer_id=transfer.to_customer_id
                            if transfer.status == TransferStatus.DONE
                            else transfer.from_customer_id,
                            tab="planos",
                            status="all",
                        )
                    )
        contracts = db.session.scalars(
            select(Contract).where(
                Contract.customer_id == subscription.customer_id,
                Contract.status == ContractStatus.ACTIVE,
            )
        ).all()
        open_debt = sum(
            (
                c.amount
                for c in db.session.scalars(
                    select(Charge).where(
                        Charge.customer_id == subscription.customer_id,
                        Charge.status == ChargeStatus.OPEN,
                    )
                )
            ),
            start=0,
        )
        return self.render_template(
            "transfer/new.html",
            subscription=subscription,
            contracts=contracts,
            values=values,
            errors=errors,
            today=svc.local_today(),
            contract_values={c.id: svc.old_contract_value(c) for c in contracts},
            open_debt=open_debt,
        )

    @expose("/scheduled", methods=["GET"])
    @has_access
    def scheduled(self):
        return self.render_template(
            "transfer/scheduled.html", transfers=svc.scheduled_transfers()
        )

    @expose("/<int:transfer_id>/cancel", methods=["POST"])
    @has_access
    def cancel(self, transfer_id: int):
        try:
            svc.cancel_transfer(transfer_id)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(str(_l("Scheduled holder change cancelled.")), "success")
        return redirect(url_for(".scheduled"))


def render_history_tab(customer) -> str:
    """Histórico: the holder changes from and to this customer."""
    from flask import render_template

    return render_template(
        "transfer/history_tab.html",
        customer=customer,
        transfers=svc.customer_transfers(customer.id),
    )


register_customer_tab(
    CustomerTab(
        "historico",
        _l("History"),
        render_history_tab,
        permission=(p.CAN_READ, p.SUBSCRIPTION),
        order=80,
    )
)
register_subscription_action(
    SubscriptionAction(
        key="transfer_ownership",
        label=_l("Transfer ownership"),
        permission=(p.can("transfer_ownership"), p.SUBSCRIPTION_ACTIONS),
        url=lambda s: url_for("OwnershipTransferView.new", subscription_id=s.id),
        applies=lambda s: s.status.value in ("active", "suspended"),
        order=70,
    )
)
