"""Log Acesso Cliente: who opened which customer record, when, from where, and what."""

from __future__ import annotations

from flask import g, has_request_context, request

from app.extensions import db
from app.models import Customer, CustomerAccessLog


def record_customer_access(customer: Customer, section: str, channel: str = "ui") -> None:
    """Record that the current user opened ``customer`` (screen or API) and commit it."""
    user = getattr(g, "user", None) if has_request_context() else None
    if channel == "api" and (user is None or not getattr(user, "is_authenticated", False)):
        from flask_jwt_extended import current_user as jwt_user

        user = jwt_user or None
    address = None
    if has_request_context():
        # Behind a reverse proxy, configure ProxyFix so remote_addr is the client's.
        address = (request.remote_addr or "")[:45] or None
    db.session.add(
        CustomerAccessLog(
            customer_id=customer.id,
            user_id=getattr(user, "id", None),
            username=getattr(user, "username", None),
            ip_address=address,
            channel=channel,
            section=section[:100],
        )
    )
    db.session.commit()
