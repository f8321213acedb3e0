"""Names of the panel's permissions, in one place.

CRUD screens and REST APIs of one entity share a ``class_permission_name`` and map
their methods onto three permissions: ``can_read``, ``can_write`` and ``can_delete``.
So a role that may read customers may do so in the browser and over the API alike.

The seed page's named permissions (Mudar Plano, Apagar Login Radius ...) and the other
actions on a subscription live on one view menu, :data:`SUBSCRIPTION_ACTIONS`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

READ = "read"
WRITE = "write"
DELETE = "delete"
CAN_READ, CAN_WRITE, CAN_DELETE = "can_read", "can_write", "can_delete"

# ModelView method -> permission.
MODEL_VIEW_PERMISSIONS = {
    "list": READ,
    "show": READ,
    "download": READ,
    "add": WRITE,
    "edit": WRITE,
    "action": WRITE,
    "action_post": WRITE,
    "delete": DELETE,
}

# ModelRestApi method -> permission.
MODEL_API_PERMISSIONS = {
    "info": READ,
    "get": READ,
    "get_list": READ,
    "post": WRITE,
    "put": WRITE,
    "delete": DELETE,
}

READ_ONLY_VIEW_PERMISSIONS = {"list": READ, "show": READ, "download": READ}
READ_ONLY_API_PERMISSIONS = {"info": READ, "get": READ, "get_list": READ}

# View menus (class_permission_name) of the entities.
CUSTOMER = "Customer"
PLAN = "Plan"
CONTRACT_TEMPLATE = "ContractTemplate"
PAYMENT_METHOD = "PaymentMethod"
CITY = "City"
ACCESS_POINT = "AccessPoint"
OLT = "Olt"
NAS = "Nas"
TV_PACKAGE = "TvPackage"
EXTRA_SERVICE_TYPE = "ExtraServiceType"
PHONE_CATEGORY = "PhoneCategory"
SYSTEM_VARIABLE = "SystemVariable"
SUBSCRIPTION = "Subscription"
CONTRACT = "Contract"
CHARGE = "Charge"
ONU = "Onu"
AUDIT_LOG = "AuditLog"
# The TOTP second factor's set-up screen (Admin only: it holds every permission).
TWO_FACTOR = "TwoFactor"
MANAGE = "manage"

CATALOGUE = [
    PLAN,
    CONTRACT_TEMPLATE,
    PAYMENT_METHOD,
    CITY,
    ACCESS_POINT,
    TV_PACKAGE,
    EXTRA_SERVICE_TYPE,
    PHONE_CATEGORY,
]
NETWORK = [OLT, NAS, ONU]
ENTITIES = [
    CUSTOMER,
    SUBSCRIPTION,
    CONTRACT,
    CHARGE,
    *CATALOGUE,
    *NETWORK,
    SYSTEM_VARIABLE,
    AUDIT_LOG,
]

# The view menu of the actions on a customer's plans, and each action's permission.
SUBSCRIPTION_ACTIONS = "SubscriptionActions"

# Permission (without the FAB "can_" prefix) -> label; the pt_BR catalogue gives the
# seed page's own names (Mudar Plano, Apagar Login Radius ...).
ACTIONS = {
    # Named on the seed page.
    "change_access_point": _l("Change access point of the plan"),
    "edit_subscription": _l("Edit plan data"),
    "tv_packages": _l("TV packages"),
    "add_phone_category": _l("Add phone category"),
    "customer_access_log": _l("Customer access log"),
    "delete_radius_login": _l("Delete RADIUS login"),
    "edit_contract_fine": _l("Change fine / edit contract"),
    "change_plan": _l("Change plan"),
    # The other actions of the Plans screen, so restricted roles can be shaped.
    "add_subscription": _l("New plan"),
    "change_due_day": _l("Change due day"),
    "suspend": _l("Suspend / reactivate"),
    "cancel": _l("Cancel plan"),
    "restore_speed": _l("Restore provisional speed"),
    "transfer_ownership": _l("Transfer ownership"),
    "voice_terminals": _l("Voice terminals"),
    "extra_services": _l("Extra services"),
    "link_onu": _l("Link ONU"),
    "manage_onu": _l("Edit / reboot / delete ONU"),
    "manage_booklets": _l("Payment booklets"),
    "receive_payment": _l("Receive payment"),
}


def can(permission: str) -> str:
    """FAB's stored name of a permission: ``can_<name>``."""
    return f"can_{permission}"
