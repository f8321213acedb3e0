"""The panel's REST API (Flask-AppBuilder, OpenAPI at ``/api/v1/_openapi``)."""

from __future__ import annotations


def register_apis(appbuilder) -> None:
    """Register every REST API of the panel on ``appbuilder``."""
    from app.api.billing import BillingActionsApi, BillingApi
    from app.api.onus import OnuActionsApi, OnuStatusApi
    from app.api.resources import APIS
    from app.api.subscriptions import CustomerPlanTreeApi, SubscriptionActionsApi
    from app.api.transfers import OwnershipTransferApi

    for api in [*APIS, CustomerPlanTreeApi, SubscriptionActionsApi, BillingApi, BillingActionsApi]:
        appbuilder.add_api(api)
    for api in [OwnershipTransferApi]:
        appbuilder.add_api(api)
    for api in [OnuActionsApi, OnuStatusApi]:
        appbuilder.add_api(api)
    from app.api.radius import RadiusLoginActionsApi, RadiusLoginApi

    for api in [RadiusLoginActionsApi, RadiusLoginApi]:
        appbuilder.add_api(api)
    from app.api.actions import PlanActionsApi

    appbuilder.add_api(PlanActionsApi)
