"""Screens of a customer's subscriptions: the Novo Plano wizard, the printable contract,
Editar dados do Plano and Editar Combo, and the context menu's base entries."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.extensions import db
from app.models import (
    City,
    Combo,
    ContractTemplate,
    Customer,
    PaymentMethod,
    Plan,
    Subscription,
    SubscriptionDraft,
    SubscriptionStatus,
)
from app.security import permissions as p
from app.services import subscriptions as subs
from app.services.contracts import contract_pdf, get_contract, render_contract_text
from app.services.errors import DomainError
from app.views.customer_page import ENTITY_PERMISSIONS
from app.views.registry import (
    SubscriptionAction,
    SubscriptionSection,
    register_subscription_action,
    register_subscription_section,
)

ACTION_PERMISSIONS = [p.can(a) for a in p.ACTIONS]


def _plans_tab(customer_id: int, subscription_id: int | None = None):
    return redirect(
        url_for(
            "CustomerPageView.page",
            customer_id=customer_id,
            tab="planos",
            status="all",
            **({"sub": subscription_id} if subscription_id else {}),
        )
    )


def _step_url(customer_id: int, token: str, number: int) -> str:
    return url_for("NewSubscriptionView.step", customer_id=customer_id, token=token, number=number)


class NewSubscriptionView(BaseView):
    """Novo Plano: plan, details, contract, responsible and witnesses, payment, summary.

    The draft lives in the database (``subscription_drafts``), so back and forward keep
    what was typed and a reload resumes it; Finalizar re-validates everything and writes
    in one transaction; finishing the same draft twice creates one subscription.
    """

    route_base = "/customers"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {
        "start": "add_subscription",
        "step": "add_subscription",
        "finish": "add_subscription",
        "discard": "add_subscription",
    }

    def _draft(self, customer_id: int, token: str) -> SubscriptionDraft:
        draft = db.session.scalar(select(SubscriptionDraft).where(SubscriptionDraft.token == token))
        if draft is None or draft.customer_id != customer_id or draft.user_id != g.user.id:
            abort(404)
        return draft

    @expose("/<int:customer_id>/new-plan", methods=["GET"])
    @has_access
    def start(self, customer_id: int):
        if db.session.get(Customer, customer_id) is None:
            abort(404)
        draft = subs.open_draft(customer_id, g.user.id)
        step = min(draft.step or 1, subs.STEP_SUMMARY)
        return redirect(url_for(".step", customer_id=customer_id, token=draft.token, number=step))

    @expose("/<int:customer_id>/new-plan/<token>/<int:number>", methods=["GET", "POST"])
    @has_access
    def step(self, customer_id: int, token: str, number: int):
        customer = db.session.get(Customer, customer_id) or abort(404)
        draft = self._draft(customer_id, token)
        if draft.subscription_id:
            flash(str(_l("This new plan was already finished.")), "info")
            return _plans_tab(customer_id, draft.subscription_id)
        if number not in subs.STEPS:
            abort(404)
        # A step is reachable once the ones before it are valid.
        if number > (draft.step or 1):
            return redirect(_step_url(customer_id, token, draft.step))
        errors: dict[str, str] = {}
        if request.method == "POST" and number != subs.STEP_SUMMARY:
            data = self._form_data(number)
            if request.form.get("go") == "back":
                # Going back keeps what was typed, valid or not.
                subs.keep_typed(draft, number, data)
                return redirect(_step_url(customer_id, token, max(number - 1, 1)))
            try:
                subs.save_step(draft, number, data)
            except subs.StepError as exc:
                errors = exc.errors
            else:
                return redirect(_step_url(customer_id, token, number + 1))
        return self.render_template(
            "wizard/new_subscription.html",
            customer=customer,
            draft=draft,
            number=number,
            steps=subs.STEPS,
            values=subs.draft_values(draft, number),
            errors=errors,
            **self._context(draft, number),
        )

    def _form_data(self, number: int) -> dict:
        form = request.form
        if number == subs.STEP_PLAN:
            return {"plan_ids": form.getlist("plan_ids"), "combo_name": form.get("combo_name", "")}
        return {k: v for k, v in form.items() if k not in ("csrf_token", "go")}

    def _context(self, draft: SubscriptionDraft, number: int) -> dict:
        data = draft.data or {}
        context: dict = {}
        if number == subs.STEP_PLAN:
            ids = subs.draft_values(draft, 1).get("plan_ids") or []
            context["chosen_plans"] = db.session.scalars(
                select(Plan).where(Plan.id.in_([int(i) for i in ids if str(i).isdigit()]))
            ).all()
        if number == subs.STEP_DETAILS:
            ids = [int(i) for i in data.get("1", {}).get("plan_ids", [])]
            context["plans"] = db.session.scalars(select(Plan).where(Plan.id.in_(ids))).all()
            context["cities"] = db.session.scalars(select(City).order_by(City.name)).all()
            city_id = subs.draft_values(draft, 2).get("city_id")
            context["access_points"] = (
                subs.access_points_of(int(city_id)) if str(city_id or "").isdigit() else []
            )
        if number == subs.STEP_CONTRACT:
            context["templates"] = db.session.scalars(
                select(ContractTemplate).where(ContractTemplate.active.is_(True))
            ).all()
            values = subs.draft_values(draft, 3)
            template_id = values.get("template_id") or (
                context["templates"][0].id if context["templates"] else None
            )
            context["suggested_number"] = subs.suggest_contract_number(
                int(template_id) if str(template_id or "").isdigit() else None
            )
        if number == subs.STEP_PAYMENT:
            context["methods"] = db.session.scalars(
                select(PaymentMethod)
                .where(PaymentMethod.active.is_(True))
                .order_by(PaymentMethod.id)
            ).all()
        if number == subs.STEP_SUMMARY:
            try:
                context["summary"] = subs.validate_all(subs._flatten(data))
                context["summary_errors"] = {}
            except subs.StepError as exc:
                context["summary"], context["summary_errors"] = None, exc.errors
            context["lookup"] = _summary_lookup(data)
        return context

    @expose("/<int:customer_id>/new-plan/<token>/finish", methods=["POST"])
    @has_access
    def finish(self, customer_id: int, token: str):
        self._draft(customer_id, token)
        draft = db.session.scalar(select(SubscriptionDraft).where(SubscriptionDraft.token == token))
        try:
            result = subs.create_subscription(customer_id, draft.data or {}, draft_token=token)
        except subs.StepError as exc:
            for message in exc.errors.values():
                flash(message, "danger")
            return redirect(_step_url(customer_id, token, 6))
        except DomainError as exc:
            flash(str(exc), "danger")
            return redirect(_step_url(customer_id, token, 6))
        if result.created:
            flash(
                str(_l("Plan added, contract %(number)s created.", number=result.contract.number)),
                "success",
            )
        return _plans_tab(customer_id, result.subscriptions[0].id)

    @expose("/<int:customer_id>/new-plan/<token>/discard", methods=["POST"])
    @has_access
    def discard(self, customer_id: int, token: str):
        draft = self._draft(customer_id, token)
        if draft.subscription_id is None:
            subs.discard_draft(draft)
        return _plans_tab(customer_id)


def _summary_lookup(data: dict) -> dict:
    """Names for the ids of a draft, for the summary step."""
    flat = subs._flatten(data) if all(str(s) in data for s in subs.VALIDATORS) else {}

    def get(model, key):
        value = flat.get(key)
        return db.session.get(model, int(value)) if str(value or "").isdigit() else None

    from app.models import AccessPoint

    plan_ids = [int(i) for i in flat.get("plan_ids", []) if str(i).isdigit()]
    return {
        "plans": db.session.scalars(select(Plan).where(Plan.id.in_(plan_ids))).all(),
        "city": get(City, "city_id"),
        "access_point": get(AccessPoint, "access_point_id"),
        "template": get(ContractTemplate, "template_id"),
        "method": get(PaymentMethod, "payment_method_id"),
        "flat": flat,
    }


class ContractDocumentView(BaseView):
    """The contract rendered from its template: printable page and PDF."""

    route_base = "/contracts"
    class_permission_name = p.CONTRACT
    base_permissions = ENTITY_PERMISSIONS
    method_permission_name = {"printable": p.READ, "pdf": p.READ}

    def _html(self, contract_id: int) -> str:
        try:
            contract = get_contract(contract_id)
        except DomainError:
            abort(404)
        return self.render_template(
            "contract/printable.html", contract=contract, text=render_contract_text(contract)
        )

    @expose("/<int:contract_id>/print")
    @has_access
    def printable(self, contract_id: int):
        return self._html(contract_id)

    @expose("/<int:contract_id>/pdf")
    @has_access
    def pdf(self, contract_id: int):
        contract = get_contract(contract_id) if contract_id else abort(404)
        html = self._html(contract_id)
        response = make_response(contract_pdf(html, base_url=request.url_root))
        response.headers["Content-Type"] = "application/pdf"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="contrato-{contract.number}.pdf"'
        )
        return response


class SubscriptionEditView(BaseView):
    """Editar dados do Plano (not for plans inside a combo) and Editar Combo."""

    route_base = "/subscriptions"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = ACTION_PERMISSIONS
    method_permission_name = {"edit": "edit_subscription", "edit_combo": "edit_subscription"}

    @expose("/<int:subscription_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit(self, subscription_id: int):
        subscription = db.session.get(Subscription, subscription_id) or abort(404)
        try:
            subs.ensure_editable_directly(subscription)
        except subs.ComboMemberError as exc:
            flash(str(exc), "warning")
            return redirect(url_for(".edit_combo", combo_id=subscription.combo_id))
        errors: dict[str, str] = {}
        values = _subscription_values(subscription)
        if request.method == "POST":
            values = {k: v for k, v in request.form.items() if k != "csrf_token"}
            version = request.form.get("version", "")
            try:
                subs.update_subscription_data(
                    subscription, values, expected_version=version, version_required=True
                )
            except subs.StepError as exc:
                errors = exc.errors
            except DomainError as exc:
                flash(str(exc), "danger")
            else:
                flash(str(_l("Plan data saved.")), "success")
                return _plans_tab(subscription.customer_id, subscription.id)
        return self.render_template(
            "subscription/edit.html",
            subscription=subscription,
            values=values,
            errors=errors,
            cities=db.session.scalars(select(City).order_by(City.name)).all(),
            access_points=subs.access_points_of(int(values["city_id"]))
            if str(values.get("city_id") or "").isdigit()
            else [],
        )

    @expose("/combos/<int:combo_id>/edit", methods=["GET", "POST"])
    @has_access
    def edit_combo(self, combo_id: int):
        combo = db.session.get(Combo, combo_id) or abort(404)
        errors: dict[str, str] = {}
        first = combo.subscriptions[0] if combo.subscriptions else None
        values = {
            "name": combo.name,
            **(_subscription_values(first) if first else {}),
            "versions": subs.combo_versions(combo),
        }
        if request.method == "POST":
            values = {k: v for k, v in request.form.items() if k != "csrf_token"}
            try:
                subs.update_combo(
                    combo, values, expected_versions=values.get("versions"),
                    versions_required=True,
                )
            except subs.StepError as exc:
                errors = exc.errors
            except DomainError as exc:
                flash(str(exc), "danger")
            else:
                flash(str(_l("Combo saved.")), "success")
                return _plans_tab(combo.customer_id, first.id if first else None)
        return self.render_template(
            "subscription/edit_combo.html",
            combo=combo,
            values=values,
            errors=errors,
            cities=db.session.scalars(select(City).order_by(City.name)).all(),
            access_points=subs.access_points_of(int(values["city_id"]))
            if str(values.get("city_id") or "").isdigit()
            else [],
        )


def _subscription_values(subscription: Subscription) -> dict:
    def d(value: date | None) -> str:
        return value.isoformat() if value else ""

    return {
        "street": subscription.street or "",
        "number": subscription.number or "",
        "complement": subscription.complement or "",
        "district": subscription.district or "",
        "zip_code": subscription.zip_code or "",
        "city_id": str(subscription.city_id or ""),
        "access_point_id": str(subscription.access_point_id or ""),
        "first_activated_on": d(subscription.first_activated_on),
        "enabled_on": d(subscription.enabled_on),
        "renewed_on": d(subscription.renewed_on),
        "notes": subscription.notes or "",
        "version": str(subscription.version),
    }


# --------------------------------------------------------------------------- registry


def _render(template: str, subscription: Subscription) -> str:
    from flask import render_template

    return render_template(template, subscription=subscription)


register_subscription_section(
    SubscriptionSection(
        "details", _l("Plan"), lambda s: _render("subscription/section_details.html", s), order=10
    )
)
register_subscription_section(
    SubscriptionSection(
        "onu", _l("ONU"), lambda s: _render("subscription/section_onu.html", s), order=40
    )
)
register_subscription_section(
    SubscriptionSection(
        "composition",
        _l("TV, voice and extra services"),
        lambda s: _render("subscription/section_composition.html", s),
        order=60,
    )
)


def _action(key: str, label, order: int, url=None, applies=None, group=None, permission=None):
    register_subscription_action(
        SubscriptionAction(
            key=key,
            label=label,
            permission=permission or (p.can(key), p.SUBSCRIPTION_ACTIONS),
            url=url,
            applies=applies or (lambda s: True),
            group=group,
            order=order,
        )
    )


def _not_in_combo(s: Subscription) -> bool:
    return s.combo_id is None


def _status(*states: SubscriptionStatus):
    return lambda s: s.status in states


ACTIVE, SUSPENDED = SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED

# The seed page's actions on a plan's own data; app.views.actions, billing, onus and
# radius register the others (Mudar Plano, Cancelar, Alterar Vencimento, ONU ...).
_action(
    "edit_subscription",
    _l("Edit plan data"),
    10,
    url=lambda s: url_for("SubscriptionEditView.edit", subscription_id=s.id),
    applies=_not_in_combo,
)
_action(
    "edit_combo",
    _l("Edit combo"),
    11,
    url=lambda s: url_for("SubscriptionEditView.edit_combo", combo_id=s.combo_id),
    applies=lambda s: s.combo_id is not None,
    permission=(p.can("edit_subscription"), p.SUBSCRIPTION_ACTIONS),
)
_action(
    "print_contract",
    _l("Print contract"),
    90,
    url=lambda s: url_for("ContractDocumentView.printable", contract_id=s.contract_id),
    applies=lambda s: s.contract_id is not None,
    permission=(p.CAN_READ, p.CONTRACT),
)
