"""Billing screens: the customer's Financeiro tab (charges, totals, carnês), receiving a
payment, issuing, printing and cancelling carnês, a charge's PIX page and the due-day
change with its difference shown before it is confirmed.

Two views share the work, one per view menu: :class:`BillingView` shows (``can_read`` on
``Charge``), :class:`BillingActionsView` acts (the named permissions of
``SubscriptionActions``: receive_payment, manage_booklets, change_due_day). Every rule lives
in :mod:`app.services.billing`; these views parse the form, call it and render.
"""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.extensions import db
from app.models import (
    BookletStatus,
    ChargeStatus,
    Contract,
    ContractStatus,
    Customer,
)
from app.security import permissions as p
from app.services import billing
from app.services.access_log import record_customer_access
from app.services.clock import local_today
from app.services.errors import DomainError, NotFoundError
from app.views import subscriptions as _subscriptions  # noqa: F401 - see the registry below
from app.views.action_forms import posted, quiet, refused, submit
from app.views.customer_page import ENTITY_PERMISSIONS, user_can
from app.views.labels import enum_label
from app.views.registry import (
    CustomerTab,
    SubscriptionAction,
    register_customer_tab,
    register_subscription_action,
)

ACTION_PERMISSIONS = [p.can(action) for action in p.ACTIONS]
RECEIVE_PAYMENT = (p.can("receive_payment"), p.SUBSCRIPTION_ACTIONS)
MANAGE_BOOKLETS = (p.can("manage_booklets"), p.SUBSCRIPTION_ACTIONS)
CHANGE_DUE_DAY = (p.can("change_due_day"), p.SUBSCRIPTION_ACTIONS)
READ_CHARGES = (p.CAN_READ, p.CHARGE)
DEFAULT_INSTALLMENTS = 12


def finance_url(customer_id: int) -> str:
    """The customer's Financeiro tab on the customer page (or the tab's own page, should
    the customer page not be registered)."""
    if "CustomerPageView.page" in current_app.view_functions:
        return url_for("CustomerPageView.page", customer_id=customer_id, tab="financeiro")
    return url_for("BillingView.customer", customer_id=customer_id)


def _money_input(value) -> str:
    """An amount as a Brazilian user types it: ``1234,50``."""
    return f"{value:.2f}".replace(".", ",")


def _template_context() -> dict:
    return {
        "money": billing.format_money,
        "enum_label": enum_label,
        "finance_url": finance_url,
        "ChargeStatus": ChargeStatus,
        "BookletStatus": BookletStatus,
        "ContractStatus": ContractStatus,
    }


# --------------------------------------------------------------------------- the tab


def render_finance_tab(customer: Customer) -> str:
    """Financeiro: totals open/overdue/paid, the credit still to deduct, the charges
    filtered by status and due-date period, the contracts with their billing actions, and
    the carnês."""
    from flask import render_template

    filters, errors = billing.parse_charge_filters(request.args)
    return render_template(
        "billing/tab.html",
        customer=customer,
        totals=billing.customer_totals(customer.id),
        credit=billing.customer_credit_balance(customer.id),
        charges=billing.customer_charges(customer.id, filters),
        booklets=billing.customer_booklets(customer.id),
        contracts=billing.customer_contracts(customer.id),
        filters=filters,
        filter_errors=errors,
        filter_values={k: request.args.get(k, "") for k in ("status", "due_from", "due_to")},
        keep_args={
            k: v
            for k, v in request.args.items()
            if k not in ("status", "due_from", "due_to", "tab")
        },
        statuses=[(s.value, enum_label(s)) for s in ChargeStatus],
        today=local_today(),
        can_receive=user_can(RECEIVE_PAYMENT),
        can_booklets=user_can(MANAGE_BOOKLETS),
        can_due_day=user_can(CHANGE_DUE_DAY),
        **_template_context(),
    )


class BillingView(BaseView):
    """What the Financeiro tab shows and prints; needs ``can_read`` on Charge."""

    route_base = "/billing"
    class_permission_name = p.CHARGE
    base_permissions = ENTITY_PERMISSIONS
    method_permission_name = {
        "customer": p.READ,
        "booklet_print": p.READ,
        "booklet_pdf": p.READ,
        "charge_pix": p.READ,
    }

    @expose("/customers/<int:customer_id>/")
    @has_access
    def customer(self, customer_id: int):
        """The Financeiro tab on its own page."""
        customer = db.session.get(Customer, customer_id) or abort(404)
        record_customer_access(customer, "financeiro")
        return self.render_template(
            "billing/customer.html",
            customer=customer,
            body=Markup(render_finance_tab(customer)),  # noqa: S704 - the template escapes
        )

    def _print_html(self, booklet_id: int, *, for_pdf: bool) -> str:
        try:
            booklet, slips = billing.booklet_slips(booklet_id)
        except NotFoundError:
            abort(404)
        return self.render_template(
            "billing/booklet_print.html",
            booklet=booklet,
            slips=slips,
            for_pdf=for_pdf,
            issuer=_issuer_name(),
            **_template_context(),
        )

    @expose("/booklets/<int:booklet_id>/print")
    @has_access
    def booklet_print(self, booklet_id: int):
        """The carnê to print: one page per slip, with its PIX QR Code and payload."""
        return self._print_html(booklet_id, for_pdf=False)

    @expose("/booklets/<int:booklet_id>/pdf")
    @has_access
    def booklet_pdf(self, booklet_id: int):
        """The same carnê as a PDF (WeasyPrint)."""
        from weasyprint import HTML

        html = self._print_html(booklet_id, for_pdf=True)
        response = make_response(HTML(string=html, base_url=request.url_root).write_pdf())
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = f'inline; filename="carne-{booklet_id}.pdf"'
        return response

    @expose("/charges/<int:charge_id>/pix")
    @has_access
    def charge_pix(self, charge_id: int):
        """A charge's PIX: QR Code and "copia e cola"."""
        from app.models import Charge

        charge = db.session.get(Charge, charge_id) or abort(404)
        pix_data, error = None, None
        try:
            pix_data = billing.build_charge_pix(charge)
        except DomainError as exc:
            error = str(exc)
        return self.render_template(
            "billing/pix.html", charge=charge, pix=pix_data, error=error, **_template_context()
        )


def _issuer_name() -> str:
    try:
        return billing.pix_settings().merchant_name
    except DomainError:
        return current_app.config.get("APP_NAME", "")


# --------------------------------------------------------------------------- actions


class BillingActionsView(BaseView):
    """Receive a payment, issue and cancel carnês, change a contract's due day.

    Each route maps onto its own named permission of the SubscriptionActions view menu;
    this view declares all of them, like every view sharing that menu, because FAB deletes
    the permissions a registering view does not declare.
    """

    route_base = "/billing/actions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {
        "pay": "receive_payment",
        "issue_booklet": "manage_booklets",
        "cancel_booklet": "manage_booklets",
        "due_day": "change_due_day",
    }

    @expose("/charges/<int:charge_id>/pay", methods=["GET", "POST"])
    @has_access
    def pay(self, charge_id: int):
        """Baixa: record that a charge was paid (amount and date)."""
        from app.models import Charge

        charge = db.session.get(Charge, charge_id) or abort(404)
        values, errors, done = submit(
            {"amount": _money_input(charge.amount), "paid_on": local_today().isoformat()},
            lambda v: billing.mark_charge_paid(charge.id, v.get("amount"), v.get("paid_on")),
            lambda _paid: _l("Payment recorded."),
            lambda _paid: redirect(finance_url(charge.customer_id)),
            keep_defaults=False,
        )
        if done is not None:
            return done
        return self.render_template(
            "billing/pay.html", charge=charge, values=values, errors=errors, **_template_context()
        )

    @expose("/contracts/<int:contract_id>/booklets/new", methods=["GET", "POST"])
    @has_access
    def issue_booklet(self, contract_id: int):
        """Issue a carnê of N monthly charges for a contract."""
        contract = db.session.get(Contract, contract_id) or abort(404)
        values, errors, done = submit(
            {"installments": str(DEFAULT_INSTALLMENTS), "first_month": ""},
            lambda v: billing.issue_booklet(
                contract.id, v.get("installments", ""), v.get("first_month")
            ),
            lambda booklet: _l("Payment booklet issued: %(n)s charges.", n=booklet.installments),
            lambda booklet: redirect(url_for("BillingView.booklet_print", booklet_id=booklet.id)),
            keep_defaults=False,
        )
        if done is not None:
            return done
        return self.render_template(
            "billing/booklet_new.html",
            contract=contract,
            values=values,
            errors=errors,
            max_installments=billing.MAX_INSTALLMENTS,
            **_template_context(),
        )

    @expose("/booklets/<int:booklet_id>/cancel", methods=["GET", "POST"])
    @has_access
    def cancel_booklet(self, booklet_id: int):
        """Cancel a carnê (its open charges; paid ones stay), with a reason."""
        try:
            booklet = billing.get_booklet(booklet_id)
        except NotFoundError:
            abort(404)
        values, errors, done = submit(
            {"reason": ""},
            lambda v: billing.cancel_booklet(booklet.id, v.get("reason", "")),
            lambda _cancelled: _l("Payment booklet cancelled."),
            lambda _cancelled: redirect(finance_url(booklet.contract.customer_id)),
            keep_defaults=False,
        )
        if done is not None:
            return done
        return self.render_template(
            "billing/booklet_cancel.html",
            booklet=booklet,
            values=values,
            errors=errors,
            **_template_context(),
        )

    @expose("/contracts/<int:contract_id>/due-day", methods=["GET", "POST"])
    @has_access
    def due_day(self, contract_id: int):
        """Change the due day: choose it, see the difference, confirm it with a reason.

        "Preview" computes the difference and changes nothing; "Confirm" sends back the
        difference shown, and the service refuses if it is no longer the current one.
        """
        contract = db.session.get(Contract, contract_id) or abort(404)
        values = {"due_day": "", "reason": "", "expected_difference": ""}
        errors: dict[str, str] = {}
        preview = None
        if request.method == "POST":
            values = {**values, **posted()}
            try:
                if request.form.get("go") == "confirm":
                    result = billing.change_due_day(
                        contract.id,
                        values.get("due_day", ""),
                        values.get("reason", ""),
                        expected_difference=values.get("expected_difference", ""),
                    )
                    flash(str(_due_day_message(result)), "success")
                    return redirect(finance_url(contract.customer_id))
                preview = billing.preview_due_day_change(contract.id, values.get("due_day", ""))
            except DomainError as exc:
                refused(exc, errors)
                if "due_day" not in errors:
                    preview = quiet(
                        lambda: billing.preview_due_day_change(
                            contract.id, values.get("due_day", "")
                        )
                    )
            if preview is not None:
                values["expected_difference"] = str(preview.difference)
        return self.render_template(
            "billing/due_day.html",
            contract=contract,
            values=values,
            errors=errors,
            preview=preview,
            **_template_context(),
        )


def _due_day_message(result: billing.DueDayChangeResult):
    if result.charge is None:
        return _l("Due day changed to %(day)s.", day=result.change.new_due_day)
    return _l(
        "Due day changed to %(day)s; a charge of R$ %(amount)s was created.",
        day=result.change.new_due_day,
        amount=billing.format_money(result.charge.amount),
    )


# --------------------------------------------------------------------------- registry

register_customer_tab(
    CustomerTab("financeiro", _l("Finance"), render_finance_tab, permission=READ_CHARGES, order=40)
)

# The plans' context menu reaches the due-day change of the plan's contract.
register_subscription_action(
    SubscriptionAction(
        key="change_due_day",
        label=_l("Change due day"),
        permission=CHANGE_DUE_DAY,
        url=lambda s: url_for("BillingActionsView.due_day", contract_id=s.contract_id),
        applies=lambda s: s.contract_id is not None,
        order=45,
    )
)
