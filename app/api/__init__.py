"""The panel's REST API (Flask-AppBuilder, OpenAPI at ``/api/v1/_openapi``)."""

from __future__ import annotations


def register_apis(appbuilder) -> None:
    """Register every REST API of the panel on ``appbuilder``."""
    from app.api.resources import APIS
    from app.api.subscriptions import CustomerPlanTreeApi, SubscriptionActionsApi

    for api in [*APIS, CustomerPlanTreeApi, SubscriptionActionsApi]:
        appbuilder.add_api(api)
