"""Catalogue and reference data screens (menu Cadastros)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import NumberRange

from app.models import (
    AccessPoint,
    City,
    ContractTemplate,
    ExtraServiceType,
    PaymentMethod,
    PhoneCategory,
    Plan,
    TvPackage,
)
from app.security import permissions as p
from app.validators import validate_text
from app.views.base import PanelModelView, interface
from app.views.forms import MoneyRule, Rule

NAME_RULE = [Rule(validate_text, max_length=100)]


class PlanView(PanelModelView):
    """The plan catalogue: internet, TV, voice and combo plans with speeds and prices."""

    datamodel = interface(Plan)
    class_permission_name = p.PLAN
    list_title = _l("Plans")
    show_title = _l("Plan")
    add_title = _l("New plan")
    edit_title = _l("Edit plan")
    list_columns = ["name", "kind", "speed_label", "price", "has_playhub", "has_watchtv", "active"]
    search_columns = ["name", "kind", "price", "active", "has_playhub", "has_watchtv"]
    order_columns = ["name", "kind", "price", "active"]
    base_order = ("name", "asc")
    add_columns = edit_columns = [
        "name",
        "kind",
        "download_kbps",
        "upload_kbps",
        "price",
        "fine_amount",
        "loyalty_months",
        "has_playhub",
        "has_watchtv",
        "description",
        "active",
    ]
    show_columns = add_columns
    validators_columns = {
        "name": NAME_RULE,
        "price": [MoneyRule()],
        "fine_amount": [MoneyRule()],
        "download_kbps": [NumberRange(min=0, max=100_000_000)],
        "upload_kbps": [NumberRange(min=0, max=100_000_000)],
        "loyalty_months": [NumberRange(min=0, max=120)],
    }


class ContractTemplateView(PanelModelView):
    """Contract templates with placeholders."""

    datamodel = interface(ContractTemplate)
    class_permission_name = p.CONTRACT_TEMPLATE
    list_title = _l("Contract templates")
    show_title = add_title = edit_title = _l("Contract template")
    list_columns = ["name", "number_prefix", "active"]
    search_columns = ["name", "active"]
    add_columns = edit_columns = show_columns = ["name", "number_prefix", "body", "active"]
    validators_columns = {"name": NAME_RULE}
    description_columns = {
        "body": _l(
            "Placeholders: {customer_name}, {customer_document}, {plan_name}, {plan_price}, "
            "{contract_number}, {fine_amount}, {responsible_name}, {witness_1}, {witness_2}, "
            "{due_day}, {payment_method}, {today}."
        )
    }


class PaymentMethodView(PanelModelView):
    """Payment methods: boleto, PIX, cartão, carnê, débito automático."""

    datamodel = interface(PaymentMethod)
    class_permission_name = p.PAYMENT_METHOD
    list_title = _l("Payment methods")
    show_title = add_title = edit_title = _l("Payment method")
    list_columns = add_columns = edit_columns = show_columns = ["name", "kind", "active"]
    search_columns = ["name", "kind", "active"]
    validators_columns = {"name": [Rule(validate_text, max_length=60)]}


class CityView(PanelModelView):
    """Cities served."""

    datamodel = interface(City)
    class_permission_name = p.CITY
    list_title = _l("Cities")
    show_title = add_title = edit_title = _l("City")
    list_columns = add_columns = edit_columns = show_columns = ["name", "state", "ibge_code"]
    search_columns = ["name", "state", "ibge_code"]
    base_order = ("name", "asc")
    validators_columns = {"name": NAME_RULE}


class AccessPointView(PanelModelView):
    """Access points (POPs), per city."""

    datamodel = interface(AccessPoint)
    class_permission_name = p.ACCESS_POINT
    list_title = _l("Access points")
    show_title = add_title = edit_title = _l("Access point")
    list_columns = ["name", "city", "description", "active"]
    add_columns = edit_columns = show_columns = ["name", "city", "description", "active"]
    search_columns = ["name", "city", "active"]
    validators_columns = {"name": NAME_RULE}


class TvPackageView(PanelModelView):
    """TV channel packages."""

    datamodel = interface(TvPackage)
    class_permission_name = p.TV_PACKAGE
    list_title = _l("TV packages")
    show_title = add_title = edit_title = _l("TV package")
    list_columns = ["name", "price", "active"]
    add_columns = edit_columns = show_columns = ["name", "price", "channels", "active"]
    search_columns = ["name", "active"]
    validators_columns = {"name": NAME_RULE, "price": [MoneyRule()]}


class ExtraServiceTypeView(PanelModelView):
    """Extra services sold with subscriptions (Antivírus ...)."""

    datamodel = interface(ExtraServiceType)
    class_permission_name = p.EXTRA_SERVICE_TYPE
    list_title = _l("Extra services")
    show_title = add_title = edit_title = _l("Extra service")
    list_columns = ["name", "price", "active"]
    add_columns = edit_columns = show_columns = ["name", "price", "description", "active"]
    search_columns = ["name", "active"]
    validators_columns = {"name": NAME_RULE, "price": [MoneyRule()]}


class PhoneCategoryView(PanelModelView):
    """Categories of voice terminals."""

    datamodel = interface(PhoneCategory)
    class_permission_name = p.PHONE_CATEGORY
    list_title = _l("Phone categories")
    show_title = add_title = edit_title = _l("Phone category")
    list_columns = add_columns = edit_columns = show_columns = ["name", "description"]
    search_columns = ["name"]
    validators_columns = {"name": [Rule(validate_text, max_length=60)]}
