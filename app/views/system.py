"""System screens (menu Sistema): variables and the audit trail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import AuditLog, SystemVariable
from app.security import permissions as p
from app.validators import validate_text
from app.views.base import PanelModelView, ReadOnlyModelView, interface
from app.views.forms import Rule


class SystemVariableView(PanelModelView):
    """System variables (codvar): CODLMPONU, the due-day change charge switch, ..."""

    datamodel = interface(SystemVariable)
    class_permission_name = p.SYSTEM_VARIABLE
    list_title = _l("System variables")
    show_title = add_title = edit_title = _l("System variable")
    list_columns = add_columns = edit_columns = show_columns = ["code", "value", "description"]
    search_columns = ["code", "value", "description"]
    base_order = ("code", "asc")
    validators_columns = {
        "code": [Rule(validate_text, max_length=40)],
        "value": [Rule(validate_text, max_length=200, required=False)],
    }


class AuditLogView(ReadOnlyModelView):
    """The audit trail, searchable; nobody can edit or delete it from the panel."""

    datamodel = interface(AuditLog)
    class_permission_name = p.AUDIT_LOG
    base_permissions = [p.CAN_READ]
    list_title = _l("Audit trail")
    show_title = _l("Audit entry")
    list_columns = ["at", "username", "source", "action", "table_name", "record_id"]
    show_columns = [*list_columns, "changes", "reason"]
    search_columns = ["username", "source", "action", "table_name", "record_id", "at"]
    base_order = ("at", "desc")
