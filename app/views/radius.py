"""Screens of the RADIUS area: the PPPoE login section of a subscription's details,
Apagar Login Radius (confirm, then a job), the live status of CoA/Disconnect requests,
and the admin lists of requests and of FreeRADIUS group replies.

The pieces plug into the customer page through :mod:`app.views.registry`: a
``radius`` section and the ``delete_radius_login`` context-menu action. Routes check
their permission again: ``can_delete_radius_login`` on ``SubscriptionActions`` to
delete, ``can_read`` on ``Subscription`` to follow requests, ``Nas`` rights for the
admin lists.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access, has_access_api
from flask_babel import format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError
from wtforms import SelectField
from wtforms.validators import DataRequired, ValidationError

from app.drivers.radius import encodable_value, load_dictionary
from app.extensions import db
from app.models import (
    RadGroupReply,
    RadiusLogin,
    RadiusRequest,
    RadiusRequestKind,
    RadiusRequestStatus,
    Subscription,
)
from app.security import permissions as p
from app.services import radius
from app.services.errors import DomainError
from app.validators import validate_text
from app.views.base import PanelModelView, ReadOnlyModelView, interface
from app.views.forms import Rule
from app.views.labels import ENUM_LABELS
from app.views.registry import (
    SubscriptionAction,
    SubscriptionSection,
    register_subscription_action,
    register_subscription_section,
)

log = logging.getLogger(__name__)

DELETE_LOGIN = "delete_radius_login"
DELETE_PERMISSION = (p.can(DELETE_LOGIN), p.SUBSCRIPTION_ACTIONS)
# Creating a login is part of Editar dados do Plano, as in the API.
CREATE_LOGIN = "edit_subscription"
CREATE_PERMISSION = (p.can(CREATE_LOGIN), p.SUBSCRIPTION_ACTIONS)
READ_SUBSCRIPTION = (p.CAN_READ, p.SUBSCRIPTION)

STATUS_LABELS = {
    RadiusRequestStatus.QUEUED: _l("Queued"),
    RadiusRequestStatus.ACK: _l("Done (ACK)"),
    RadiusRequestStatus.NAK: _l("Refused by the NAS (NAK)"),
    RadiusRequestStatus.TIMEOUT: _l("No answer (timeout)"),
    RadiusRequestStatus.INVALID_REPLY: _l("Invalid reply"),
    RadiusRequestStatus.FAILED: _l("Not sent"),
}
KIND_LABELS = {
    RadiusRequestKind.COA: _l("CoA (change)"),
    RadiusRequestKind.DISCONNECT: _l("Disconnect"),
}
# Screens format enums through the shared catalogue of enum labels.
ENUM_LABELS.setdefault("RadiusRequestStatus", {k.value: v for k, v in STATUS_LABELS.items()})
ENUM_LABELS.setdefault("RadiusRequestKind", {k.value: v for k, v in KIND_LABELS.items()})


def _can(permission: tuple[str, str]) -> bool:
    return current_app.appbuilder.sm.has_access(*permission)


def _customer_page(subscription: Subscription | None) -> str:
    """The subscription in its customer's Planos tab (or the subscription list)."""
    if subscription is None:
        return url_for("SubscriptionListView.list")
    try:
        return url_for(
            "CustomerPageView.page",
            customer_id=subscription.customer_id,
            tab="planos",
            status="all",
            sub=subscription.id,
        )
    except BuildError:
        return url_for("SubscriptionListView.show", pk=subscription.id)


# --------------------------------------------------------------------------- formatting


def format_moment(moment: datetime | None) -> str:
    """A date and time in the user's time zone, or a dash."""
    return format_datetime(moment, "dd/MM/yyyy HH:mm:ss") if moment else "—"


def format_duration(duration: timedelta | None) -> str:
    """``2d 03:04:05`` or ``03:04:05``."""
    if duration is None:
        return "—"
    seconds = max(0, int(duration.total_seconds()))
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    clock = f"{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{days}d {clock}" if days else clock


def format_octets(octets: int | None) -> str:
    """Traffic in B, KB, MB, GB or TB (powers of 1000, like the NAS counters)."""
    if octets is None:
        return "—"
    value = float(octets)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000:
            return f"{format_decimal(round(value, 1))} {unit}"
        value /= 1000
    return f"{format_decimal(round(value, 1))} TB"


def request_state(request_row: RadiusRequest) -> dict:
    """A request for the live display: the service's JSON plus translated labels."""
    state = radius.request_json(request_row)
    state["status_label"] = str(STATUS_LABELS[request_row.status])
    state["kind_label"] = str(KIND_LABELS[request_row.kind])
    state["retrying"] = not state["final"] and request_row.status in (
        RadiusRequestStatus.NAK,
        RadiusRequestStatus.TIMEOUT,
        RadiusRequestStatus.FAILED,
    )
    return state


def _enum_text(labels: dict, enum_cls: type, value) -> str:
    """The label of an enum value (FAB's lists hand formatters the raw value)."""
    try:
        return str(labels[enum_cls(getattr(value, "value", value))])
    except (KeyError, ValueError):
        return str(value or "—")


def _template_helpers() -> dict:
    return {
        "format_moment": format_moment,
        "format_duration": format_duration,
        "format_octets": format_octets,
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "request_state": request_state,
    }


# --------------------------------------------------------------------------- section


def render_radius_section(subscription: Subscription) -> str:
    """The subscription's PPPoE login: groups, speed, blocked, sessions, NAS requests."""
    login = radius.login_of(subscription.id)
    if login is None:
        return render_template(
            "radius/section.html",
            summary=None,
            subscription=subscription,
            can_create=_can(CREATE_PERMISSION)
            and subscription.status in radius.LOGIN_STATUSES,
        )
    requests = radius.recent_requests(login.username, limit=5)
    return render_template(
        "radius/section.html",
        subscription=subscription,
        login=login,
        summary=radius.login_summary(login),
        sessions=radius.login_sessions(login.username, limit=5),
        requests=requests,
        pending=any(not radius.request_is_final(r) for r in requests),
        can_delete=_can(DELETE_PERMISSION),
        status_url=url_for("RadiusStatusView.request_status", username=login.username),
        **_template_helpers(),
    )


def _delete_url(subscription: Subscription) -> str | None:
    login = radius.login_of(subscription.id)
    return url_for("RadiusLoginView.confirm_delete", login_id=login.id) if login else None


register_subscription_section(
    SubscriptionSection(
        "radius",
        _l("PPPoE login (RADIUS)"),
        render_radius_section,
        permission=READ_SUBSCRIPTION,
        order=45,
    )
)
register_subscription_action(
    SubscriptionAction(
        key=DELETE_LOGIN,
        label=p.ACTIONS[DELETE_LOGIN],
        permission=DELETE_PERMISSION,
        url=_delete_url,
        applies=lambda subscription: bool(subscription.radius_logins),
        order=95,
    )
)


# --------------------------------------------------------------------------- views


class RadiusLoginView(BaseView):
    """A subscription's PPPoE login: the form that creates it, and Apagar Login Radius (a
    confirmation page, the POST that queues the deletion job, and the page that follows
    its Disconnect requests)."""

    route_base = "/radius/logins"
    class_permission_name = p.SUBSCRIPTION_ACTIONS
    # FAB deletes from a shared view menu any permission a registering view does not
    # declare: declare them all, as SubscriptionActionsView does.
    base_permissions = [p.can(action) for action in p.ACTIONS]
    method_permission_name = {
        "new_login": CREATE_LOGIN,
        "create": CREATE_LOGIN,
        "confirm_delete": DELETE_LOGIN,
        "delete": DELETE_LOGIN,
        "deletion": DELETE_LOGIN,
    }
    default_view = "confirm_delete"

    def _login_form(self, subscription: Subscription, username: str = "", error=None,
                    created=None, status: int = 200):
        return (
            self.render_template(
                "radius/new_login.html",
                subscription=subscription,
                username=username,
                error=error,
                created=created,
                back_url=_customer_page(subscription),
            ),
            status,
        )

    @expose("/new/<int:subscription_id>", methods=["GET"])
    @has_access
    def new_login(self, subscription_id: int):
        """The form of a subscription's PPPoE login (a blank password is generated)."""
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None:
            abort(404)
        return self._login_form(subscription)

    @expose("/new/<int:subscription_id>", methods=["POST"])
    @has_access
    def create(self, subscription_id: int):
        """Create the login (CSRF-checked by CSRFProtect); a generated password is shown
        on the page that answers, once, and never stored anywhere the panel shows."""
        subscription = db.session.get(Subscription, subscription_id)
        if subscription is None:
            abort(404)
        username = (request.form.get("username") or "").strip()
        try:
            created = radius.create_login(
                subscription_id, username, request.form.get("password") or None
            )
        except DomainError as exc:
            db.session.rollback()
            return self._login_form(subscription, username, error=exc, status=422)
        return self._login_form(subscription, created.login.username, created=created)

    @expose("/<int:login_id>/delete", methods=["GET"])
    @has_access
    def confirm_delete(self, login_id: int):
        """The confirmation step: what will be removed and who will be disconnected."""
        login = db.session.get(RadiusLogin, login_id)
        if login is None:
            abort(404)
        subscription = db.session.get(Subscription, login.subscription_id)
        sessions = [s for s in radius.login_sessions(login.username, limit=20) if s.online]
        return self.render_template(
            "radius/confirm_delete.html",
            login=login,
            subscription=subscription,
            summary=radius.login_summary(login),
            sessions=sessions,
            back_url=_customer_page(subscription),
            **_template_helpers(),
        )

    @expose("/<int:login_id>/delete", methods=["POST"])
    @has_access
    def delete(self, login_id: int):
        """Queue the deletion (CSRF-checked by CSRFProtect), then follow its requests."""
        if request.form.get("confirm") != "yes":
            flash(_("Confirm the deletion of the PPPoE login to go on."), "warning")
            return redirect(url_for("RadiusLoginView.confirm_delete", login_id=login_id))
        try:
            deletion = radius.request_login_deletion(login_id, requested_by_id=g.user.id)
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "danger")
            return redirect(url_for("SubscriptionListView.list"))
        flash(
            _(
                "Deletion of the PPPoE login %(username)s requested: its rows are removed "
                "and its open sessions disconnected in the background.",
                username=deletion.username,
            ),
            "success",
        )
        return redirect(
            url_for(
                "RadiusLoginView.deletion",
                login_id=deletion.login_id,
                username=deletion.username,
                subscription_id=deletion.subscription_id,
            )
        )

    @expose("/<int:login_id>/deletion", methods=["GET"])
    @has_access
    def deletion(self, login_id: int):
        """Where a deletion stands: the login's rows, and each Disconnect, live."""
        try:
            username = radius.validate_username(request.args.get("username"))
        except DomainError:
            abort(404)
        subscription = db.session.get(
            Subscription, request.args.get("subscription_id", type=int) or 0
        )
        requests = radius.recent_requests(username, limit=20)
        login_exists = db.session.get(RadiusLogin, login_id) is not None
        return self.render_template(
            "radius/deletion.html",
            username=username,
            login_exists=login_exists,
            wait_login=login_exists,
            requests=requests,
            pending=any(not radius.request_is_final(r) for r in requests),
            status_url=url_for("RadiusStatusView.request_status", username=username),
            back_url=_customer_page(subscription),
            **_template_helpers(),
        )


class RadiusStatusView(BaseView):
    """JSON state of a login's CoA/Disconnect requests, for the live display.

    Readable by whoever may read subscriptions: the CoA that follow a plan change or a
    suspension are followed by the people who may make those, not only by those who
    may delete logins.
    """

    route_base = "/radius"
    class_permission_name = p.SUBSCRIPTION
    base_permissions = [p.CAN_READ, p.CAN_WRITE, p.CAN_DELETE]
    method_permission_name = {"request_status": p.READ}
    default_view = "request_status"

    @expose("/requests/status", methods=["GET"])
    @has_access_api
    def request_status(self):
        """``?username=<login>`` (and optionally ``ids=1,2``): the latest requests."""
        try:
            username = radius.validate_username(request.args.get("username"))
        except DomainError:
            return jsonify({"message": _("Say which login (username).")}), 400
        query = db.select(RadiusRequest).where(RadiusRequest.username == username)
        ids = [int(i) for i in request.args.get("ids", "").split(",") if i.strip().isdigit()]
        if ids:
            query = query.where(RadiusRequest.id.in_(ids))
        rows = db.session.scalars(query.order_by(RadiusRequest.id.desc()).limit(20)).all()
        login = db.session.scalar(db.select(RadiusLogin).where(RadiusLogin.username == username))
        states = [request_state(r) for r in rows]
        return jsonify(
            {
                "username": username,
                "login_exists": login is not None,
                "blocked": login.blocked if login else None,
                "pending": any(not s["final"] for s in states),
                "requests": states,
            }
        )


class RadiusRequestView(ReadOnlyModelView):
    """Every CoA/Disconnect sent to the NAS and what each answered (for admins and
    technicians: whoever may read the NAS)."""

    datamodel = interface(RadiusRequest)
    class_permission_name = p.NAS
    list_title = show_title = _l("RADIUS requests")
    list_columns = [
        "created_at",
        "kind",
        "username",
        "nas_ip",
        "status",
        "error_cause",
        "attempts",
        "finished_at",
    ]
    show_columns = [
        "id",
        "created_at",
        "kind",
        "username",
        "nas_ip",
        "acct_session_id",
        "attributes",
        "status",
        "error_cause",
        "message",
        "attempts",
        "finished_at",
    ]
    search_columns = ["username", "status", "kind", "nas_ip", "created_at"]
    base_order = ("id", "desc")
    # A record of what each NAS answered: nobody edits or deletes it from the panel,
    # although the shared Nas view menu holds can_write and can_delete.
    include_route_methods = {"list", "show"}
    formatters_columns = {
        "status": lambda value: _enum_text(STATUS_LABELS, RadiusRequestStatus, value),
        "kind": lambda value: _enum_text(KIND_LABELS, RadiusRequestKind, value),
        "created_at": lambda value: format_moment(value),
        "finished_at": lambda value: format_moment(value),
        "error_cause": lambda value: value or "—",
        "nas_ip": lambda value: value or "—",
    }
    label_columns = {
        "nas_ip": _l("NAS"),
        "acct_session_id": _l("Acct-Session-Id"),
        "attributes": _l("Attributes sent"),
        "error_cause": _l("Error-Cause"),
        "message": _l("Result"),
        "attempts": _l("Sends"),
        "finished_at": _l("Finished at"),
        "username": _l("PPPoE login"),
    }


def _known_attribute(form, field) -> None:
    if field.data and field.data not in load_dictionary().attributes:
        raise ValidationError(
            _("FreeRADIUS attribute unknown to the panel's dictionary: %(name)s", name=field.data)
        )


def _encodable_value(form, field) -> None:
    """The value must be one the attribute can carry (a number for an integer ...)."""
    name = form.attribute.data
    # An unknown attribute is reported by _known_attribute, an empty value by DataRequired.
    if not name or name not in load_dictionary().attributes or not field.data:
        return
    if not encodable_value(name, field.data):
        raise ValidationError(
            _("%(value)s is not a valid value for %(name)s.", value=field.data, name=name)
        )


class RadGroupReplyView(PanelModelView):
    """``radgroupreply``: the reply attributes of FreeRADIUS groups, such as the blocked
    group's redirect pool or rate (variable GRUPO_RADIUS_BLOQUEADO names that group)."""

    datamodel = interface(RadGroupReply)
    class_permission_name = p.NAS
    list_title = _l("RADIUS group replies")
    add_title = edit_title = show_title = _l("RADIUS group reply")
    list_columns = ["groupname", "attribute", "op", "value"]
    add_columns = edit_columns = show_columns = ["groupname", "attribute", "op", "value"]
    search_columns = ["groupname", "attribute"]
    base_order = ("groupname", "asc")
    label_columns = {
        "groupname": _l("Group"),
        "attribute": _l("Attribute"),
        "op": _l("Operator"),
        "value": _l("Value"),
    }
    description_columns = {
        "op": _l(":= replaces the login's own value, = adds it only if missing, += adds it."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "op": SelectField(
            _l("Operator"),
            choices=[(op, op) for op in radius.REPLY_OPERATORS],
            validators=[DataRequired()],
            default=":=",
        )
    }
    validators_columns = {
        "groupname": [DataRequired(), Rule(validate_text, max_length=64)],
        "attribute": [DataRequired(), _known_attribute],
        "value": [DataRequired(), Rule(validate_text, max_length=253), _encodable_value],
    }
