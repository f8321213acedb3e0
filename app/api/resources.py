"""REST APIs of the panel's entities, under ``/api/v1/<resource>/``.

Each API shares ``class_permission_name`` with the screen of the same entity, so a role
can do over the API exactly what it can do in the browser.
"""

from __future__ import annotations

from marshmallow import validate

from app.api.base import PanelModelRestApi, ReadOnlyModelRestApi
from app.api.schemas import money, rule, text
from app.drivers.olt.validation import PROFILE_NAME_PATTERN
from app.models import (
    AccessPoint,
    AuditLog,
    Charge,
    City,
    Contract,
    ContractTemplate,
    Customer,
    ExtraServiceType,
    Nas,
    Olt,
    Onu,
    PaymentMethod,
    PhoneCategory,
    Plan,
    Subscription,
    SystemVariable,
    TvPackage,
)
from app.security import permissions as p
from app.services.access_log import record_customer_access
from app.validators import validate_document
from app.views.base import interface
from app.views.network import PROFILE_NAME_MESSAGE


class CustomerApi(PanelModelRestApi):
    """Customers: search by name, CPF/CNPJ and e-mail."""

    resource_name = "customers"
    datamodel = interface(Customer)
    class_permission_name = p.CUSTOMER
    list_columns = ["id", "kind", "name", "document", "email", "mobile", "active"]
    show_columns = [
        "id",
        "kind",
        "name",
        "trade_name",
        "document",
        "state_registration",
        "birth_date",
        "email",
        "phone",
        "mobile",
        "notes",
        "active",
        "created_at",
        "updated_at",
    ]
    add_columns = edit_columns = [
        "kind",
        "name",
        "trade_name",
        "document",
        "state_registration",
        "birth_date",
        "email",
        "phone",
        "mobile",
        "notes",
        "active",
    ]
    search_columns = ["name", "document", "email", "kind", "active"]
    order_columns = ["name", "id"]
    validators_columns = {
        "name": text(150),
        "document": rule(validate_document),
        "email": validate.Email(),
    }

    def after_get(self, item) -> None:
        """Each opening of a customer's record is written to the Log Acesso Cliente."""
        record_customer_access(item, "record", channel="api")


class PlanApi(PanelModelRestApi):
    """The plan catalogue."""

    resource_name = "plans"
    datamodel = interface(Plan)
    class_permission_name = p.PLAN
    list_columns = show_columns = [
        "id",
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
    add_columns = edit_columns = show_columns[1:]
    search_columns = ["name", "kind", "active", "price"]
    order_columns = ["name", "price", "id"]
    validators_columns = {
        "name": text(100),
        "price": money(),
        "fine_amount": money(),
        "download_kbps": validate.Range(min=0, max=100_000_000),
        "upload_kbps": validate.Range(min=0, max=100_000_000),
        "loyalty_months": validate.Range(min=0, max=120),
    }


def _simple_api(model, resource: str, permission: str, columns: list[str], validators=None):
    """A CRUD API over a small reference table."""
    return type(
        f"{model.__name__}Api",
        (PanelModelRestApi,),
        {
            "__doc__": f"{model.__doc__.splitlines()[0]}",
            "resource_name": resource,
            "datamodel": interface(model),
            "class_permission_name": permission,
            "list_columns": ["id", *columns],
            "show_columns": ["id", *columns],
            "add_columns": columns,
            "edit_columns": columns,
            "search_columns": [c for c in columns if not c.endswith("_id")],
            "validators_columns": validators or {},
        },
    )


ContractTemplateApi = _simple_api(
    ContractTemplate,
    "contract-templates",
    p.CONTRACT_TEMPLATE,
    ["name", "number_prefix", "body", "active"],
    {"name": text(100)},
)
PaymentMethodApi = _simple_api(
    PaymentMethod,
    "payment-methods",
    p.PAYMENT_METHOD,
    ["name", "kind", "active"],
    {"name": text(60)},
)
CityApi = _simple_api(
    City,
    "cities",
    p.CITY,
    ["name", "state", "ibge_code"],
    {"name": text(100), "state": validate.Length(equal=2)},
)
AccessPointApi = _simple_api(
    AccessPoint,
    "access-points",
    p.ACCESS_POINT,
    ["name", "city_id", "description", "active"],
    {"name": text(100)},
)
TvPackageApi = _simple_api(
    TvPackage,
    "tv-packages",
    p.TV_PACKAGE,
    ["name", "price", "channels", "active"],
    {"name": text(100), "price": money()},
)
ExtraServiceTypeApi = _simple_api(
    ExtraServiceType,
    "extra-service-types",
    p.EXTRA_SERVICE_TYPE,
    ["name", "price", "description", "active"],
    {"name": text(100), "price": money()},
)
PhoneCategoryApi = _simple_api(
    PhoneCategory,
    "phone-categories",
    p.PHONE_CATEGORY,
    ["name", "description"],
    {"name": text(60)},
)
SystemVariableApi = _simple_api(
    SystemVariable,
    "system-variables",
    p.SYSTEM_VARIABLE,
    ["code", "value", "description"],
    {"code": text(40), "value": text(200, required=False)},
)


class OltApi(PanelModelRestApi):
    """OLTs; the SSH password and SNMP community are write-only."""

    resource_name = "olts"
    datamodel = interface(Olt)
    class_permission_name = p.OLT
    _public = [
        "name",
        "vendor",
        "model",
        "host",
        "ssh_port",
        "username",
        "snmp_port",
        "access_point_id",
        "line_profile_id",
        "service_profile_id",
        "onu_type",
        "tcont_profile",
        "vlan_profile",
        "ip_profile",
        "default_vlan",
        "active",
    ]
    list_columns = show_columns = ["id", *_public]
    add_columns = edit_columns = [*_public, "password", "snmp_community"]
    search_columns = ["name", "vendor", "host", "active"]
    validators_columns = {
        "name": text(100),
        "host": text(255),
        "ssh_port": validate.Range(min=1, max=65535),
        "snmp_port": validate.Range(min=1, max=65535),
        "default_vlan": validate.Range(min=1, max=4094),
        # Profile names end up in the OLT's CLI lines: the drivers' allowlist, checked early.
        **{column: validate.Regexp(PROFILE_NAME_PATTERN, error=PROFILE_NAME_MESSAGE)
           for column in ("onu_type", "tcont_profile", "vlan_profile", "ip_profile")},
    }


class NasApi(PanelModelRestApi):
    """NAS; the RADIUS secret is write-only."""

    resource_name = "nas"
    datamodel = interface(Nas)
    class_permission_name = p.NAS
    _public = ["name", "ip_address", "kind", "coa_port", "description", "active"]
    list_columns = show_columns = ["id", *_public]
    add_columns = edit_columns = [*_public, "secret"]
    search_columns = ["name", "ip_address", "active"]
    validators_columns = {
        "name": text(100),
        "coa_port": validate.Range(min=1, max=65535),
        "secret": text(128),
    }


class SubscriptionApi(ReadOnlyModelRestApi):
    """Subscriptions (read); they are created and changed through the plan actions."""

    resource_name = "subscriptions"
    datamodel = interface(Subscription)
    class_permission_name = p.SUBSCRIPTION
    list_columns = show_columns = [
        "id",
        "customer_id",
        "plan_id",
        "contract_id",
        "combo_id",
        "status",
        "access_point_id",
        "first_activated_on",
        "enabled_on",
        "renewed_on",
        "suspended_on",
        "cancelled_on",
    ]
    search_columns = ["customer_id", "plan_id", "status", "contract_id"]


class ContractApi(ReadOnlyModelRestApi):
    """Contracts (read)."""

    resource_name = "contracts"
    datamodel = interface(Contract)
    class_permission_name = p.CONTRACT
    list_columns = show_columns = [
        "id",
        "number",
        "customer_id",
        "template_id",
        "status",
        "responsible_name",
        "payment_method_id",
        "due_day",
        "fine_amount",
        "signed_on",
    ]
    search_columns = ["number", "customer_id", "status"]


class ChargeApi(ReadOnlyModelRestApi):
    """Charges (read)."""

    resource_name = "charges"
    datamodel = interface(Charge)
    class_permission_name = p.CHARGE
    list_columns = show_columns = [
        "id",
        "customer_id",
        "contract_id",
        "booklet_id",
        "description",
        "amount",
        "due_on",
        "status",
        "paid_on",
    ]
    search_columns = ["customer_id", "contract_id", "status", "due_on"]


class OnuApi(ReadOnlyModelRestApi):
    """ONUs (read); Wi-Fi keys are never part of the output."""

    resource_name = "onus"
    datamodel = interface(Onu)
    class_permission_name = p.ONU
    list_columns = show_columns = [
        "id",
        "serial",
        "model",
        "olt_id",
        "frame",
        "slot",
        "port",
        "onu_index",
        "subscription_id",
        "connection_type",
        "state",
        "ssid_24",
        "ssid_5",
    ]
    search_columns = ["serial", "olt_id", "state", "subscription_id"]


class AuditLogApi(ReadOnlyModelRestApi):
    """The audit trail (read only, for everyone who may read it)."""

    resource_name = "audit-log"
    datamodel = interface(AuditLog)
    class_permission_name = p.AUDIT_LOG
    base_permissions = [p.CAN_READ]
    list_columns = show_columns = [
        "id",
        "at",
        "username",
        "source",
        "action",
        "table_name",
        "record_id",
        "changes",
        "reason",
    ]
    search_columns = ["username", "source", "action", "table_name", "record_id"]
    order_columns = ["at", "id"]
    base_order = ("at", "desc")


APIS = [
    CustomerApi,
    PlanApi,
    ContractTemplateApi,
    PaymentMethodApi,
    CityApi,
    AccessPointApi,
    TvPackageApi,
    ExtraServiceTypeApi,
    PhoneCategoryApi,
    SystemVariableApi,
    OltApi,
    NasApi,
    SubscriptionApi,
    ContractApi,
    ChargeApi,
    OnuApi,
    AuditLogApi,
]
