"""Network screens (menu Rede): OLTs, ONUs and NAS.

Device secrets are write-only: the forms take a new value and never show the stored one.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField
from wtforms.validators import IPAddress, Length, NumberRange, Optional, Regexp

from app.drivers.olt.validation import PROFILE_NAME_PATTERN
from app.models import Nas, Olt, Onu
from app.security import permissions as p
from app.services.errors import DomainError
from app.validators import validate_text
from app.views.base import PanelModelView, ReadOnlyModelView, interface
from app.views.forms import Rule

PORT_RANGE = [NumberRange(min=1, max=65535)]
KEEP_BLANK = _l("Leave blank to keep the current value.")
PROFILE_NAME_MESSAGE = _l("Use 1 to 32 letters, digits, dots, dashes or underscores.")
SECRET_MAX_LENGTH = 128


class SecretFieldsMixin:
    """Write-only secrets: a ``new_<column>`` form field sets ``<column>`` when filled in.

    WTForms copies every field onto the item, so ``new_<column>`` arrives as a plain
    attribute; the stored value is never put into a form.
    """

    secret_columns: dict[str, object] = {}
    required_secrets: set[str] = set()

    def _apply_secrets(self, item, *, adding: bool) -> None:
        for column, label in self.secret_columns.items():
            value = getattr(item, f"new_{column}", None)
            if value:
                setattr(item, column, value)
            elif adding and column in self.required_secrets:
                raise DomainError(_l("%(field)s is required.", field=label), field=column)

    def pre_add(self, item):
        self._apply_secrets(item, adding=True)

    def pre_update(self, item):
        self._apply_secrets(item, adding=False)


def _secret_fields(columns: dict) -> tuple[dict, dict]:
    """Password fields for adding, and for editing (where blank keeps the stored value)."""
    # Bounded: the value is stored encrypted in a String(512) column.
    rules = [Optional(), Length(max=SECRET_MAX_LENGTH)]
    add = {f"new_{c}": PasswordField(label, validators=rules) for c, label in columns.items()}
    edit = {
        f"new_{c}": PasswordField(label, description=KEEP_BLANK, validators=rules)
        for c, label in columns.items()
    }
    return add, edit


class OltView(SecretFieldsMixin, PanelModelView):
    """OLTs: vendor, SSH and SNMP access, provisioning profiles."""

    datamodel = interface(Olt)
    class_permission_name = p.OLT
    list_title = _l("OLTs")
    show_title = add_title = edit_title = _l("OLT")
    secret_columns = {"password": _l("SSH password"), "snmp_community": _l("SNMP community")}
    required_secrets = {"password"}
    add_form_extra_fields, edit_form_extra_fields = _secret_fields(secret_columns)
    list_columns = ["name", "vendor", "model", "host", "ssh_port", "access_point", "active"]
    search_columns = ["name", "vendor", "host", "active"]
    _editable = [
        "name",
        "vendor",
        "model",
        "host",
        "ssh_port",
        "username",
        "snmp_port",
        "access_point",
        "line_profile_id",
        "service_profile_id",
        "onu_type",
        "tcont_profile",
        "vlan_profile",
        "ip_profile",
        "default_vlan",
        "active",
    ]
    add_columns = [*_editable, "new_password", "new_snmp_community"]
    edit_columns = add_columns
    show_columns = _editable
    validators_columns = {
        "name": [Rule(validate_text, max_length=100)],
        "host": [Rule(validate_text, max_length=255)],
        "username": [Rule(validate_text, max_length=100)],
        "ssh_port": PORT_RANGE,
        "snmp_port": PORT_RANGE,
        "default_vlan": [Optional(), NumberRange(min=1, max=4094)],
        # Profile names end up in the OLT's CLI lines: the drivers' allowlist, checked early.
        **{column: [Optional(), Regexp(PROFILE_NAME_PATTERN, message=PROFILE_NAME_MESSAGE)]
           for column in ("onu_type", "tcont_profile", "vlan_profile", "ip_profile")},
    }


class NasView(SecretFieldsMixin, PanelModelView):
    """NAS (PPPoE concentrators) that receive CoA and Disconnect requests."""

    datamodel = interface(Nas)
    class_permission_name = p.NAS
    list_title = _l("NAS")
    show_title = add_title = edit_title = _l("NAS")
    secret_columns = {"secret": _l("RADIUS secret")}
    required_secrets = {"secret"}
    add_form_extra_fields, edit_form_extra_fields = _secret_fields(secret_columns)
    list_columns = ["name", "ip_address", "kind", "coa_port", "active"]
    search_columns = ["name", "ip_address", "active"]
    _editable = ["name", "ip_address", "kind", "coa_port", "description", "active"]
    add_columns = edit_columns = [*_editable, "new_secret"]
    show_columns = _editable
    validators_columns = {
        "name": [Rule(validate_text, max_length=100)],
        "ip_address": [IPAddress(ipv4=True, ipv6=True)],
        "coa_port": PORT_RANGE,
    }


class OnuView(ReadOnlyModelView):
    """ONUs known to the panel, with their OLT position and state."""

    datamodel = interface(Onu)
    class_permission_name = p.ONU
    list_title = _l("ONUs")
    show_title = _l("ONU")
    list_columns = ["serial", "model", "olt", "slot", "port", "onu_index", "subscription", "state"]
    list_eager = ("subscription.plan",)  # a subscription prints its plan
    search_columns = ["serial", "olt", "state", "pppoe_login"]
    show_columns = [
        "serial",
        "model",
        "olt",
        "frame",
        "slot",
        "port",
        "onu_index",
        "connection_type",
        "vlan",
        "pppoe_login",
        "subscription",
        "ssid_24",
        "ssid_5",
        "state",
    ]
