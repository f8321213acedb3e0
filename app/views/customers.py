"""Customer screens: the customer list and record, their contacts and addresses."""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms.validators import Email, Optional

from app.models import Customer, CustomerAddress, CustomerContact
from app.security import permissions as p
from app.services.access_log import record_customer_access
from app.validators import validate_text
from app.views.base import PanelModelView, interface
from app.views.forms import DocumentRule, Rule


class CustomerContactView(PanelModelView):
    """A customer's extra contacts (shown inside the customer record)."""

    datamodel = interface(CustomerContact)
    list_title = _l("Contacts")
    add_title = edit_title = show_title = _l("Contact")
    class_permission_name = p.CUSTOMER
    list_columns = ["kind", "value", "name"]
    add_columns = edit_columns = ["customer", "kind", "value", "name"]
    validators_columns = {"value": [Rule(validate_text, max_length=254)]}


class CustomerAddressView(PanelModelView):
    """A customer's billing and installation addresses (inside the customer record)."""

    datamodel = interface(CustomerAddress)
    list_title = _l("Addresses")
    add_title = edit_title = show_title = _l("Address")
    class_permission_name = p.CUSTOMER
    list_columns = ["kind", "street", "number", "district", "city", "zip_code"]
    add_columns = edit_columns = [
        "customer",
        "kind",
        "street",
        "number",
        "complement",
        "district",
        "city",
        "zip_code",
    ]


class CustomerView(PanelModelView):
    """The customer list (search by name, CPF/CNPJ, e-mail) and customer records."""

    datamodel = interface(Customer)
    class_permission_name = p.CUSTOMER
    list_title = _l("Customers")
    show_title = _l("Customer")
    add_title = _l("New customer")
    edit_title = _l("Edit customer")
    list_columns = ["page_link", "document_formatted", "kind", "email", "mobile", "active"]
    label_columns = {"page_link": _l("Name")}
    search_columns = ["name", "document", "email", "phone", "mobile", "kind", "active"]
    order_columns = ["name", "kind", "email", "active"]
    base_order = ("name", "asc")
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
    show_columns = [*add_columns, "created_at", "updated_at"]
    validators_columns = {
        "name": [Rule(validate_text, max_length=150)],
        "document": [DocumentRule()],
        "email": [Optional(), Email()],
    }
    related_views = [CustomerContactView, CustomerAddressView]
    show_template = "appbuilder/general/model/show_cascade.html"
    edit_template = "appbuilder/general/model/edit_cascade.html"

    def _show(self, pk):
        widgets = super()._show(pk)  # a 404 when there is no such customer
        record_customer_access(self.datamodel.get(pk, self._base_filters), "show")
        return widgets

    def _edit(self, pk):
        widgets = super()._edit(pk)
        # The edit form shows the whole record: opening it is an access too.
        if request.method == "GET":
            record_customer_access(self.datamodel.get(pk, self._base_filters), "edit")
        return widgets
