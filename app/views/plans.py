"""Lists of subscriptions, contracts and charges across customers.

Subscriptions and contracts are created and changed through the customer's Plans
screen and its actions, which enforce the business rules; these lists only find them.
"""

from __future__ import annotations

from flask_appbuilder import BaseView
from flask_babel import lazy_gettext as _l

from app.models import Charge, Contract, Subscription
from app.security import permissions as p
from app.views.base import ReadOnlyModelView, interface


class SubscriptionListView(ReadOnlyModelView):
    """All subscriptions, filterable by status, plan, city and access point."""

    datamodel = interface(Subscription)
    class_permission_name = p.SUBSCRIPTION
    list_title = _l("Subscriptions")
    show_title = _l("Subscription")
    list_columns = ["id", "customer", "plan", "status", "access_point", "first_activated_on"]
    search_columns = ["customer", "plan", "status", "access_point", "city", "first_activated_on"]
    search_by_id = ("customer",)
    show_columns = [
        "customer",
        "plan",
        "status",
        "contract",
        "combo",
        "access_point",
        "city",
        "street",
        "number",
        "district",
        "first_activated_on",
        "enabled_on",
        "renewed_on",
        "suspended_on",
        "cancelled_on",
    ]


class ContractListView(ReadOnlyModelView):
    """All contracts by number."""

    datamodel = interface(Contract)
    class_permission_name = p.CONTRACT
    list_title = _l("Contracts")
    show_title = _l("Contract")
    list_columns = ["number", "customer", "status", "payment_method", "due_day", "fine_amount"]
    search_columns = ["number", "customer", "status", "payment_method", "due_day"]
    search_by_id = ("customer",)
    show_columns = [
        "number",
        "customer",
        "template",
        "status",
        "responsible_name",
        "payment_method",
        "due_day",
        "fine_amount",
        "signed_on",
    ]


class ChargeListView(ReadOnlyModelView):
    """All charges, filterable by status and due date."""

    datamodel = interface(Charge)
    class_permission_name = p.CHARGE
    list_title = _l("Charges")
    show_title = _l("Charge")
    list_columns = ["customer", "contract", "description", "amount", "due_on", "status"]
    search_columns = ["customer", "contract", "status", "due_on"]
    search_by_id = ("customer", "contract")
    base_order = ("due_on", "desc")


class SubscriptionActionsView(BaseView):
    """Holds the permissions of the actions on a customer's plans.

    The seed page's named permissions (Mudar Plano, Apagar Login Radius ...) are the
    ``can_<action>`` permissions of this view menu; the screens that perform each action
    map their routes onto them.
    """

    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = [p.can(name) for name in p.ACTIONS]
    route_base = "/subscription-actions"
