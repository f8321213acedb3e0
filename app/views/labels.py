"""Column labels shared by every screen and API, so one column reads the same everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l

LABELS = {
    "id": _l("Id"),
    "name": _l("Name"),
    "trade_name": _l("Trade name"),
    "kind": _l("Type"),
    "document": _l("CPF/CNPJ"),
    "document_formatted": _l("CPF/CNPJ"),
    "state_registration": _l("State registration"),
    "birth_date": _l("Birth date"),
    "email": _l("Contact e-mail"),
    "phone": _l("Phone"),
    "mobile": _l("Mobile"),
    "notes": _l("Notes"),
    "active": _l("Active"),
    "state": _l("State"),
    "ibge_code": _l("IBGE code"),
    "city": _l("City"),
    "city_id": _l("City"),
    "street": _l("Street"),
    "number": _l("Number"),
    "complement": _l("Complement"),
    "district": _l("District"),
    "zip_code": _l("ZIP code"),
    "value": _l("Value"),
    "code": _l("Code"),
    "description": _l("Description"),
    "download_kbps": _l("Download (kbit/s)"),
    "upload_kbps": _l("Upload (kbit/s)"),
    "speed_label": _l("Speed"),
    "price": _l("Price"),
    "fine_amount": _l("Fine"),
    "loyalty_months": _l("Loyalty (months)"),
    "has_playhub": _l("PlayHub"),
    "has_watchtv": _l("WatchTV"),
    "body": _l("Text"),
    "number_prefix": _l("Number prefix"),
    "channels": _l("Channels"),
    "vendor": _l("Vendor"),
    "model": _l("Model"),
    "host": _l("Host"),
    "ssh_port": _l("SSH port"),
    "username": _l("User"),
    "password": _l("Password"),
    "snmp_community": _l("SNMP community"),
    "snmp_port": _l("SNMP port"),
    "access_point": _l("Access point"),
    "line_profile_id": _l("Line profile"),
    "service_profile_id": _l("Service profile"),
    "onu_type": _l("ONU type"),
    "tcont_profile": _l("T-CONT profile"),
    "vlan_profile": _l("VLAN profile"),
    "ip_profile": _l("IP profile"),
    "default_vlan": _l("Default VLAN"),
    "ip_address": _l("IP address"),
    "secret": _l("Secret"),
    "coa_port": _l("CoA port"),
    "customer": _l("Customer"),
    "plan": _l("Plan"),
    "status": _l("Status"),
    "contract": _l("Contract"),
    "combo": _l("Combo"),
    "first_activated_on": _l("First activation date"),
    "enabled_on": _l("Enable date"),
    "renewed_on": _l("Activation/renewal date"),
    "suspended_on": _l("Suspension date"),
    "cancelled_on": _l("Cancellation date"),
    "template": _l("Contract template"),
    "responsible_name": _l("Responsible for the contract"),
    "responsible_document": _l("Responsible's CPF/CNPJ"),
    "payment_method": _l("Payment method"),
    "due_day": _l("Due day"),
    "signed_on": _l("Signed on"),
    "amount": _l("Amount"),
    "due_on": _l("Due date"),
    "paid_on": _l("Paid on"),
    "serial": _l("Serial number"),
    "olt": _l("OLT"),
    "slot": _l("Slot"),
    "port": _l("Port"),
    "onu_index": _l("ONU id"),
    "connection_type": _l("Connection type"),
    "subscription": _l("Subscription"),
    "at": _l("When"),
    "source": _l("Source"),
    "action": _l("Action"),
    "table_name": _l("Table"),
    "record_id": _l("Record"),
    "changes": _l("Changes"),
    "created_at": _l("Created at"),
    "updated_at": _l("Updated at"),
}


def labels_for(columns: Iterable[str]) -> dict:
    """Labels of the given columns that the catalogue knows."""
    return {c: LABELS[c] for c in columns if c in LABELS}


# Labels of enum values, per enum class name (values repeat across enums).
ENUM_LABELS = {
    "CustomerKind": {"person": _l("Person (CPF)"), "company": _l("Company (CNPJ)")},
    "ContactKind": {
        "phone": _l("Phone"),
        "mobile": _l("Mobile"),
        "whatsapp": _l("WhatsApp"),
        "email": _l("E-mail"),
    },
    "AddressKind": {"billing": _l("Billing"), "installation": _l("Installation")},
    "PlanKind": {
        "internet": _l("Internet"),
        "tv": _l("TV"),
        "voice": _l("Voice"),
        "combo": _l("Combo"),
    },
    "PaymentMethodKind": {
        "boleto": _l("Boleto"),
        "pix": _l("PIX"),
        "card": _l("Credit card"),
        "booklet": _l("Payment booklet"),
        "direct_debit": _l("Direct debit"),
    },
    "OltVendor": {"huawei": _l("Huawei"), "zte": _l("ZTE")},
    "ConnectionType": {
        "pppoe": _l("PPPoE"),
        "bridge": _l("Bridge"),
        "dhcp": _l("DHCP"),
        "static": _l("Static IP"),
    },
    "OnuState": {
        "pending": _l("Pending"),
        "provisioned": _l("Provisioned"),
        "partial": _l("Partially provisioned"),
        "failed": _l("Failed"),
        "removed": _l("Removed"),
    },
    "SubscriptionStatus": {
        "active": _l("Active"),
        "suspended": _l("Suspended"),
        "cancelled": _l("Cancelled"),
        "inactive": _l("Inactive"),
    },
    "ContractStatus": {
        "active": _l("Active"),
        "cancelled": _l("Cancelled"),
        "transferred": _l("Transferred"),
    },
    "TransferStatus": {
        "scheduled": _l("Scheduled"),
        "done": _l("Done"),
        "cancelled": _l("Cancelled"),
        "failed": _l("Failed"),
    },
    "ChargeStatus": {
        "open": _l("Open"),
        "paid": _l("Paid"),
        "cancelled": _l("Cancelled"),
        "transferred": _l("Transferred"),
    },
    "JobStatus": {
        "queued": _l("Queued"),
        "running": _l("Running"),
        "done": _l("Done"),
        "failed": _l("Failed"),
        "partial": _l("Partial"),
    },
    "OnuAction": {
        "provision": _l("Provisioning"),
        "wifi": _l("Wi-Fi change"),
        "reboot": _l("Reboot"),
        "delete": _l("Deletion"),
    },
}


def enum_label(value) -> str:
    """The translated label of an enum member, or its value when none is known."""
    if value is None:
        return ""
    labels = ENUM_LABELS.get(type(value).__name__, {})
    return str(labels.get(getattr(value, "value", value), getattr(value, "value", value)))
