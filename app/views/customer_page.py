"""The customer page: tabs (Dados, Planos, Contratos, Log de acesso, and those other areas
register), the Planos tab's tree of combos and plans with the details panel and the
context menu, and the lookups its forms use (plan type-ahead, people, access points)."""

from __future__ import annotations

from flask import abort, jsonify, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from app.extensions import db
from app.models import Contract, Customer, CustomerAccessLog, Subscription
from app.security import permissions as p
from app.services import subscriptions as subs
from app.services.access_log import record_customer_access
from app.services.customers import find_customers
from app.views.labels import enum_label
from app.views.registry import (
    CUSTOMER_TABS,
    SUBSCRIPTION_ACTIONS,
    SUBSCRIPTION_SECTIONS,
    CustomerTab,
    ordered,
    register_customer_tab,
)

ENTITY_PERMISSIONS = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]


def user_can(permission: tuple[str, str] | None) -> bool:
    """Whether the current user holds ``(permission, view_menu)``."""
    if permission is None:
        return True
    from flask import current_app

    return current_app.appbuilder.sm.has_access(*permission)


def visible_actions(subscription: Subscription) -> list:
    """Context-menu entries the user may use on ``subscription``, in order."""
    return [
        a
        for a in ordered(SUBSCRIPTION_ACTIONS)
        if user_can(a.permission) and a.applies(subscription)
    ]


class CustomerPageView(BaseView):
    """``/customers/<id>/``: the customer's record with its tabs."""

    route_base = "/customers"
    class_permission_name = p.CUSTOMER
    base_permissions = ENTITY_PERMISSIONS
    method_permission_name = {
        "page": p.READ,
        "plan_search": p.READ,
        "find": p.READ,
        "people_search": p.READ,
        "access_points": p.READ,
    }

    @expose("/<int:customer_id>/")
    @has_access
    def page(self, customer_id: int):
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        tabs = [t for t in ordered(CUSTOMER_TABS) if user_can(t.permission)]
        key = request.args.get("tab", "planos")
        active = next((t for t in tabs if t.key == key), tabs[0] if tabs else None)
        if active is None:
            abort(403)
        record_customer_access(customer, active.key)
        return self.render_template(
            "customer/page.html",
            customer=customer,
            tabs=tabs,
            active=active,
            body=Markup(active.render(customer)),  # noqa: S704 - tab templates escape their data
        )

    @expose("/find")
    @has_access
    def find(self):
        """Quick search: customers by a piece of the name, CPF/CNPJ, PPPoE login or ONU
        serial, as JSON for a search box."""
        customers = find_customers(request.args.get("q", ""))
        return jsonify(
            [
                {
                    "id": c.id,
                    "text": c.name,
                    "document": c.document_formatted,
                    "url": url_for("CustomerPageView.page", customer_id=c.id),
                }
                for c in customers
            ]
        )

    @expose("/plan-search")
    @has_access
    def plan_search(self):
        """Type-ahead over active plans: name, speed and price as the user types."""
        plans = subs.search_plans(request.args.get("q", ""))
        return jsonify(
            [
                {
                    "id": plan.id,
                    "text": plan.name,
                    "kind": enum_label(plan.kind),
                    "speed": plan.speed_label if plan.download_kbps else "",
                    "price": f"{plan.price:.2f}".replace(".", ","),
                }
                for plan in plans
            ]
        )

    @expose("/people-search")
    @has_access
    def people_search(self):
        """People on record by name or CPF/CNPJ (responsible and witnesses)."""
        people = subs.search_people(request.args.get("q", ""))
        return jsonify(
            [{"id": c.id, "text": c.name, "document": c.document_formatted} for c in people]
        )

    @expose("/access-points")
    @has_access
    def access_points(self):
        """Access points of a city."""
        try:
            city_id = int(request.args.get("city_id", ""))
        except ValueError:
            return jsonify([])
        return jsonify([{"id": a.id, "text": a.name} for a in subs.access_points_of(city_id)])


# --------------------------------------------------------------------------- tabs


def _render(template: str, **context) -> str:
    from flask import render_template

    return render_template(template, **context)


def render_data_tab(customer: Customer) -> str:
    """Dados: the customer's record, contacts and addresses."""
    return _render("customer/tab_data.html", customer=customer)


def render_plans_tab(customer: Customer) -> str:
    """Planos: combos and plans as a tree, a status filter, the selected plan's details."""
    status = request.args.get("status", "active")
    if status not in (*subs.STATUS_FILTERS, "all"):
        status = "active"
    tree = subs.plan_tree(customer.id, None if status == "all" else status)
    selected = None
    try:
        selected_id = int(request.args.get("sub", "0"))
    except ValueError:
        selected_id = 0
    if selected_id:
        selected = db.session.get(Subscription, selected_id)
        if selected is None or selected.customer_id != customer.id:
            selected = None
    if selected is None and tree:
        selected = tree[0].subscriptions[0]
    sections = []
    if selected is not None:
        sections = [
            (s, Markup(s.render(selected)))  # noqa: S704 - section templates escape their data
            for s in ordered(SUBSCRIPTION_SECTIONS)
            if user_can(s.permission)
        ]
    return _render(
        "customer/tab_plans.html",
        customer=customer,
        tree=tree,
        status=status,
        selected=selected,
        sections=sections,
        actions_of=visible_actions,
        can_add=user_can((p.can("add_subscription"), p.SUBSCRIPTION_ACTIONS)),
        enum_label=enum_label,
    )


def render_contracts_tab(customer: Customer) -> str:
    """Contratos: the customer's contracts, with a grid of each combo's plans."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.customer_id == customer.id).order_by(Contract.id.desc())
    ).all()
    return _render(
        "customer/tab_contracts.html",
        customer=customer,
        contracts=contracts,
        enum_label=enum_label,
        can_print=user_can((p.CAN_READ, p.CONTRACT)),
    )


def render_access_log_tab(customer: Customer) -> str:
    """Log de acesso: who opened this customer, when and from where (filterable)."""
    query = select(CustomerAccessLog).where(CustomerAccessLog.customer_id == customer.id)
    who = (request.args.get("who") or "").strip()
    if who:
        query = query.where(CustomerAccessLog.username.ilike(f"%{who}%"))
    entries = db.session.scalars(query.order_by(CustomerAccessLog.id.desc()).limit(200)).all()
    return _render("customer/tab_access_log.html", customer=customer, entries=entries, who=who)


register_customer_tab(CustomerTab("dados", _l("Data"), render_data_tab, order=10))
register_customer_tab(CustomerTab("planos", _l("Plans"), render_plans_tab, order=20))
register_customer_tab(
    CustomerTab(
        "contratos",
        _l("Contracts"),
        render_contracts_tab,
        permission=(p.CAN_READ, p.CONTRACT),
        order=30,
    )
)
register_customer_tab(
    CustomerTab(
        "log",
        _l("Access log"),
        render_access_log_tab,
        permission=(p.can("customer_access_log"), p.SUBSCRIPTION_ACTIONS),
        order=90,
    )
)
