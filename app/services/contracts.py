"""Contracts rendered from their templates, as a printable page and as a PDF."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Contract
from app.services.errors import NotFoundError
from app.validators import format_document


def _money(value: Decimal | None) -> str:
    """Brazilian format: 1.234,56."""
    value = value or Decimal("0.00")
    text = f"{value:,.2f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


PLACEHOLDER = re.compile(r"\{([a-z0-9_]+)\}")


def contract_values(contract: Contract, today: date | None = None) -> dict[str, str]:
    """The values of a contract's placeholders."""
    subscriptions = list(contract.subscriptions)
    plans = ", ".join(s.plan.name for s in subscriptions)
    price = sum((s.plan.price for s in subscriptions), Decimal("0.00"))
    witnesses = list(contract.witnesses)
    return {
        "customer_name": contract.customer.name,
        "customer_document": contract.customer.document_formatted,
        "plan_name": plans,
        "plan_price": _money(price),
        "contract_number": contract.number,
        "fine_amount": _money(contract.fine_amount),
        "responsible_name": contract.responsible_name or contract.customer.name,
        "responsible_document": format_document(contract.responsible_document or ""),
        "witness_1": witnesses[0].name if len(witnesses) > 0 else "",
        "witness_2": witnesses[1].name if len(witnesses) > 1 else "",
        "due_day": str(contract.due_day),
        "payment_method": contract.payment_method.name if contract.payment_method else "",
        "today": (today or date.today()).strftime("%d/%m/%Y"),
    }


def render_contract_text(contract: Contract, today: date | None = None) -> str:
    """The template's text with every placeholder filled in."""
    body = contract.template.body if contract.template else ""
    values = contract_values(contract, today)
    # Plain name substitution only: str.format would let a template reach attributes.
    # Unknown placeholders stay visible, so a typo in a template shows on the page.
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def get_contract(contract_id: int) -> Contract:
    """A contract by id.

    Raises:
        NotFoundError: no such contract.
    """
    contract = db.session.get(Contract, contract_id)
    if contract is None:
        raise NotFoundError(_l("Contract not found."))
    return contract


def contract_pdf(html: str, base_url: str | None = None) -> bytes:
    """A PDF of the contract's printable page (WeasyPrint)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
