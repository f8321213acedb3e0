"""REST endpoints of PPPoE logins, under ``/api/v1/radius/``.

Same permissions as the screens: creating a login is part of Editar dados do Plano
(``can_edit_subscription``), deleting it is Apagar Login Radius
(``can_delete_radius_login``), both on ``SubscriptionActions``; reading a login, its
sessions and its requests needs ``can_read`` on ``Subscription``. JWT only (no
browser cookie), so CSRF does not apply. The PPPoE password is returned once, when the
panel generated it; NAS secrets never appear.
"""

from __future__ import annotations

from flask_appbuilder.api import BaseApi, expose, safe
from flask_appbuilder.security.decorators import protect
from flask_babel import gettext as _

from app.api.base import ActionApi, answers_refusals, json_body
from app.extensions import db
from app.models import RadiusLogin, RadiusRequest
from app.security import permissions as p
from app.services import radius
from app.services.audit import current_actor

ROUTE_BASE = "/api/v1/radius"


def _login_json(login: RadiusLogin, sessions: int = 10, requests: int = 10) -> dict:
    return {
        **radius.login_summary(login).as_json(),
        "sessions": [s.as_json() for s in radius.login_sessions(login.username, sessions)],
        "requests": [
            radius.request_json(r) for r in radius.recent_requests(login.username, requests)
        ],
    }


class RadiusLoginActionsApi(ActionApi):
    """Create and delete PPPoE logins (actions on a customer's plans)."""

    resource_name = "radius-actions"
    route_base = ROUTE_BASE
    method_permission_name = {
        "create_login": "edit_subscription",
        "delete_login": "delete_radius_login",
    }
    openapi_spec_tag = "RADIUS"

    @expose("/subscriptions/<int:subscription_id>/login", methods=["POST"])
    @protect()
    @safe
    @answers_refusals
    def create_login(self, subscription_id: int):
        """Create the PPPoE login of a subscription.
        ---
        post:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [username]
                  properties:
                    username: {type: string, maxLength: 64}
                    password:
                      type: string
                      description: omitted, the panel generates one and returns it once
          responses:
            201:
              description: the login; ``password`` only when generated
            404:
              $ref: '#/components/responses/404'
            409:
              description: the plan already has a login, or the username is taken
            422:
              description: invalid username, password, fixed IP or plan
        """
        data = json_body()
        username, password = data.get("username"), data.get("password")
        if not isinstance(username, str | None) or not isinstance(password, str | None):
            return self.response_422(message=_("Username and password must be text."))
        created = radius.create_login(subscription_id, username or "", password)
        body = _login_json(created.login)
        if created.password is not None:
            body["password"] = created.password
        return self.response(201, **{"result": body, "id": created.login.id})

    @expose("/logins/<int:login_id>", methods=["DELETE"])
    @protect()
    @safe
    @answers_refusals
    def delete_login(self, login_id: int):
        """Apagar Login Radius: queue the removal of its rows and the Disconnect of its
        open sessions.
        ---
        delete:
          parameters:
          - in: path
            name: login_id
            schema: {type: integer}
          responses:
            202:
              description: the deletion is queued; follow ``request_ids`` (one
                Disconnect per open session; empty when none was open)
            404:
              $ref: '#/components/responses/404'
        """
        deletion = radius.request_login_deletion(
            login_id, requested_by_id=current_actor().user_id
        )
        return self.response(
            202,
            login_id=deletion.login_id,
            username=deletion.username,
            request_id=deletion.request_ids[0] if deletion.request_ids else None,
            request_ids=deletion.request_ids,
            deleted=db.session.get(RadiusLogin, deletion.login_id) is None,
        )


class RadiusLoginApi(BaseApi):
    """Read PPPoE logins with their sessions, and the state of CoA/Disconnect requests."""

    resource_name = "radius"
    route_base = ROUTE_BASE
    class_permission_name = p.SUBSCRIPTION
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {
        "get_login": p.READ,
        "get_subscription_login": p.READ,
        "get_request": p.READ,
    }
    openapi_spec_tag = "RADIUS"

    @expose("/logins/<int:login_id>", methods=["GET"])
    @protect()
    @safe
    def get_login(self, login_id: int):
        """A login: groups, rate limit, blocked, sessions and latest requests.
        ---
        get:
          parameters:
          - in: path
            name: login_id
            schema: {type: integer}
          responses:
            200:
              description: the login (never its password)
            404:
              $ref: '#/components/responses/404'
        """
        login = db.session.get(RadiusLogin, login_id)
        if login is None:
            return self.response_404()
        return self.response(200, result=_login_json(login))

    @expose("/subscriptions/<int:subscription_id>/login", methods=["GET"])
    @protect()
    @safe
    def get_subscription_login(self, subscription_id: int):
        """The login of a subscription.
        ---
        get:
          parameters:
          - in: path
            name: subscription_id
            schema: {type: integer}
          responses:
            200:
              description: the login (never its password)
            404:
              $ref: '#/components/responses/404'
        """
        login = radius.login_of(subscription_id)
        if login is None:
            return self.response_404()
        return self.response(200, result=_login_json(login))

    @expose("/requests/<int:request_id>", methods=["GET"])
    @protect()
    @safe
    def get_request(self, request_id: int):
        """A CoA/Disconnect request: ``status`` (queued, ack, nak, timeout,
        invalid_reply, failed), ``done`` (an ACK) and ``final`` (nothing more will be sent).
        ---
        get:
          parameters:
          - in: path
            name: request_id
            schema: {type: integer}
          responses:
            200:
              description: the request
            404:
              $ref: '#/components/responses/404'
        """
        row = db.session.get(RadiusRequest, request_id)
        if row is None:
            return self.response_404()
        return self.response(200, result=radius.request_json(row))
