"""The panel's screens and menus.

Menus are grouped the way an ISP works: Clientes, Cadastros, Rede, Sistema. Category
names are stable identifiers (they are permission names); labels are translated.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.views.actions import (
    CompositionView,
    PlanChangeView,
    SubscriptionDataView,
    SubscriptionStatusView,
)
from app.views.billing import BillingActionsView, BillingView
from app.views.catalogue import (
    AccessPointView,
    CityView,
    ContractTemplateView,
    ExtraServiceTypeView,
    PaymentMethodView,
    PhoneCategoryView,
    PlanView,
    TvPackageView,
)
from app.views.customer_page import CustomerPageView
from app.views.customers import CustomerAddressView, CustomerContactView, CustomerView
from app.views.network import NasView, OltView, OnuView
from app.views.onus import OnuActionsView, OnuStatusView
from app.views.plans import (
    ChargeListView,
    ContractListView,
    SubscriptionActionsView,
    SubscriptionListView,
)
from app.views.radius import RadGroupReplyView, RadiusLoginView, RadiusRequestView, RadiusStatusView
from app.views.subscriptions import ContractDocumentView, NewSubscriptionView, SubscriptionEditView
from app.views.system import AuditLogView, SystemVariableView
from app.views.transfers import OwnershipTransferView

CUSTOMERS = "Customers"
CATALOGUE = "Catalogue"
NETWORK = "Network"
SYSTEM = "System"

CATEGORY_LABELS = {
    CUSTOMERS: _l("Customers"),
    CATALOGUE: _l("Catalogue"),
    NETWORK: _l("Network"),
    SYSTEM: _l("System"),
}

# (view class, menu name, label, icon, category)
MENU = [
    (CustomerView, "CustomerList", _l("Customers"), "fa-users", CUSTOMERS),
    (SubscriptionListView, "SubscriptionList", _l("Subscriptions"), "fa-wifi", CUSTOMERS),
    (ContractListView, "ContractList", _l("Contracts"), "fa-file-text-o", CUSTOMERS),
    (ChargeListView, "ChargeList", _l("Charges"), "fa-money", CUSTOMERS),
    (PlanView, "PlanList", _l("Plans"), "fa-tags", CATALOGUE),
    (
        ContractTemplateView,
        "ContractTemplateList",
        _l("Contract templates"),
        "fa-file-o",
        CATALOGUE,
    ),
    (PaymentMethodView, "PaymentMethodList", _l("Payment methods"), "fa-credit-card", CATALOGUE),
    (CityView, "CityList", _l("Cities"), "fa-building", CATALOGUE),
    (AccessPointView, "AccessPointList", _l("Access points"), "fa-map-marker", CATALOGUE),
    (TvPackageView, "TvPackageList", _l("TV packages"), "fa-television", CATALOGUE),
    (
        ExtraServiceTypeView,
        "ExtraServiceTypeList",
        _l("Extra services"),
        "fa-plus-square",
        CATALOGUE,
    ),
    (PhoneCategoryView, "PhoneCategoryList", _l("Phone categories"), "fa-phone", CATALOGUE),
    (OltView, "OltList", _l("OLTs"), "fa-server", NETWORK),
    (OnuView, "OnuList", _l("ONUs"), "fa-hdd-o", NETWORK),
    (NasView, "NasList", _l("NAS"), "fa-random", NETWORK),
    (RadiusRequestView, "RadiusRequestList", _l("RADIUS requests"), "fa-exchange", NETWORK),
    (RadGroupReplyView, "RadGroupReplyList", _l("RADIUS group replies"), "fa-users", NETWORK),
    (SystemVariableView, "SystemVariableList", _l("System variables"), "fa-sliders", SYSTEM),
    (AuditLogView, "AuditLogList", _l("Audit trail"), "fa-history", SYSTEM),
]

# Views reached from other screens only.
NO_MENU = [
    CustomerContactView,
    CustomerAddressView,
    SubscriptionActionsView,
    CustomerPageView,
    NewSubscriptionView,
    ContractDocumentView,
    SubscriptionEditView,
    OwnershipTransferView,
    BillingView,
    BillingActionsView,
    OnuActionsView, OnuStatusView,
    RadiusLoginView, RadiusStatusView,
    PlanChangeView,
    SubscriptionDataView,
    SubscriptionStatusView,
    CompositionView,
]


def choices(items, value: str = "id", text: str | None = None) -> list[tuple]:
    """``(value, text)`` pairs of some records, for the select fields of templates."""
    return [(getattr(i, value), getattr(i, text) if text else str(i)) for i in items]


def register_views(appbuilder) -> None:
    """Register every screen of the panel on ``appbuilder``."""
    from flask import current_app

    from app.views.labels import enum_label

    current_app.jinja_env.globals["enum_label"] = enum_label
    current_app.jinja_env.globals["choices"] = choices
    for view, name, label, icon, category in MENU:
        appbuilder.add_view(
            view,
            name,
            label=label,
            icon=icon,
            category=category,
            category_label=CATEGORY_LABELS[category],
        )
    for view in NO_MENU:
        appbuilder.add_view_no_menu(view)
