"""The panel's versions of Flask-AppBuilder's security screens.

- :class:`PanelAuthDBView`: login on a fresh session, the TOTP step when the account
  has one, a ``next=`` that stays on this site, and a logout that ends the session;
- :class:`TwoFactorView`: an admin turns the TOTP second factor on (QR code) or off;
- :class:`PanelSecurityApi`: the API login, which asks for the TOTP code too;
- the user, role and group screens with the panel's safe saving (FAB's own flash
  database errors verbatim) and input rules; each keeps FAB's permission names.
"""

from __future__ import annotations

import logging
import time

from flask import abort, flash, g, redirect, request, session, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_ACCESS_TOKEN_KEY, API_SECURITY_REFRESH_TOKEN_KEY
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.decorators import has_access, no_cache
from flask_appbuilder.security.forms import LoginForm_db, UserInfoEdit
from flask_appbuilder.security.schemas import login_post
from flask_appbuilder.security.views import (
    AuthDBView,
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
    UserInfoEditView,
)
from flask_babel import lazy_gettext as _l
from flask_jwt_extended import create_access_token, create_refresh_token
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy.exc import SQLAlchemyError
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from app.extensions import db
from app.security import permissions as p
from app.security.redirects import safe_next_url
from app.security.sessions import end_session, start_session
from app.services import two_factor
from app.services.errors import DomainError
from app.views.base import SafeModelViewMixin
from app.views.forms import PlainText

log = logging.getLogger(__name__)

# The half-done login (password right, code not yet typed) kept in the session; its
# rules (expiry, wrong codes) are the service's (app.services.two_factor).
PENDING_KEY = "_panel_totp_pending"


class TotpForm(DynamicForm):
    """The six-digit code of an authenticator app."""

    code = StringField(
        _l("Code"),
        validators=[DataRequired(), Length(max=12), PlainText()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True},
    )


class PanelAuthDBView(AuthDBView):
    """Login and logout with the panel's session, redirect and second-factor rules."""

    totp_template = "security/login_totp.html"

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if g.user is not None and g.user.is_authenticated:
            return redirect(safe_next_url(request.args.get("next")))
        form = LoginForm_db()
        if form.validate_on_submit():
            next_url = safe_next_url(request.args.get("next"))
            user = self.appbuilder.sm.auth_user_db(form.username.data, form.password.data)
            if not user:
                # One message whether the user exists or not (no enumeration).
                flash(str(self.invalid_login_message), "warning")
                return redirect(self.appbuilder.get_url_for_login_with(next_url))
            if two_factor.is_enabled(user):
                session.clear()  # nothing from before the login survives it
                session[PENDING_KEY] = two_factor.start_pending_login(
                    user, next_url, now=time.time()
                )
                return redirect(url_for(".totp"))
            start_session(user)
            return redirect(next_url)
        return self.render_template(
            self.login_template, title=self.title, form=form, appbuilder=self.appbuilder
        )

    def _pending_user(self):
        """The user and record of this session's pending login; forgets a dead one."""
        pending = session.get(PENDING_KEY)
        user = two_factor.pending_login_user(
            pending, now=time.time(), load_user=self.appbuilder.sm.get_user_by_id
        )
        if user is None:
            if isinstance(pending, dict):
                session.pop(PENDING_KEY, None)
            return None, None
        return user, pending

    @expose("/login/totp", methods=["GET", "POST"])
    @no_cache
    def totp(self):
        """Second step of a login: the code of the user's authenticator app."""
        user, pending = self._pending_user()
        if user is None:
            flash(str(_l("Log in again: the login took too long or was not started.")), "warning")
            return redirect(self.appbuilder.get_url_for_login)
        form = TotpForm()
        if form.validate_on_submit():
            outcome = two_factor.check_pending_code(user, pending, form.code.data)
            if outcome is two_factor.CodeCheck.ACCEPTED:
                start_session(user)  # a new session: the pending login goes with the old
                return redirect(safe_next_url(pending.get("next")))
            if outcome is two_factor.CodeCheck.BLOCKED:
                session.pop(PENDING_KEY, None)
                flash(str(two_factor.ACCOUNT_BLOCKED), "warning")
                return redirect(self.appbuilder.get_url_for_login)
            if outcome is two_factor.CodeCheck.TOO_MANY:
                session.pop(PENDING_KEY, None)
                flash(str(_l("Too many wrong codes. Log in again.")), "warning")
                return redirect(self.appbuilder.get_url_for_login)
            session[PENDING_KEY] = pending  # the count of wrong codes, stored back
            flash(str(two_factor.WRONG_CODE), "warning")
        return self.render_template(
            self.totp_template,
            title=_l("Two-step verification"),
            form=form,
            appbuilder=self.appbuilder,
        )

    @expose("/logout/")
    def logout(self):
        user = self._get_authenticated_user()
        end_session()
        if user is not None:
            self.appbuilder.sm.on_user_logout(user)
        return redirect(self.appbuilder.get_url_for_index)


class TwoFactorView(BaseView):
    """``/two-factor/``: turn the TOTP second factor of one's own account on or off."""

    route_base = "/two-factor"
    class_permission_name = p.TWO_FACTOR
    base_permissions = [p.can(p.MANAGE)]
    method_permission_name = dict.fromkeys(("page", "start", "confirm", "disable"), p.MANAGE)
    default_view = "page"

    @expose("/", methods=["GET"])
    @has_access
    @no_cache
    def page(self):
        enabled = two_factor.is_enabled(g.user)
        secret = None if enabled else two_factor.pending_secret(g.user)
        qr = uri = None
        if secret:
            uri = two_factor.provisioning_uri(g.user, secret)
            qr = two_factor.qr_svg(uri)
        return self.render_template(
            "security/two_factor.html",
            enabled=enabled,
            secret=secret,
            qr=qr,
            form=TotpForm(),
        )

    @expose("/start", methods=["POST"])
    @has_access
    def start(self):
        try:
            two_factor.begin_setup(g.user)
        except DomainError as exc:
            flash(str(exc), "warning")
        return redirect(url_for(".page"))

    @expose("/confirm", methods=["POST"])
    @has_access
    def confirm(self):
        form = TotpForm()
        try:
            if not form.validate_on_submit():
                raise DomainError(two_factor.WRONG_CODE)
            two_factor.confirm_setup(g.user, form.code.data)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(str(_l("Two-step verification is on.")), "success")
        return redirect(url_for(".page"))

    @expose("/disable", methods=["POST"])
    @has_access
    def disable(self):
        form = TotpForm()
        try:
            if not form.validate_on_submit():
                raise DomainError(two_factor.WRONG_CODE)
            two_factor.disable(g.user, form.code.data)
        except DomainError as exc:
            flash(str(exc), "danger")
        else:
            flash(str(_l("Two-step verification is off.")), "success")
        return redirect(url_for(".page"))


class PanelSecurityApi(SecurityApi):
    """The API login: like FAB's, plus the TOTP code for accounts that have one."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        """Log in and get a JWT access token (and optionally a refresh token).
        ---
        post:
          description: >-
            Authenticate and get a JWT access and refresh token. Accounts with
            two-step verification must send the current code of their
            authenticator app in `totp`.
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [username, password]
                  properties:
                    username:
                      type: string
                      example: admin
                    password:
                      type: string
                    provider:
                      type: string
                      enum: [db]
                    refresh:
                      type: boolean
                    totp:
                      type: string
                      description: six-digit code, for accounts with two-step verification
          responses:
            200:
              description: Authentication Successful
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      access_token:
                        type: string
                      refresh_token:
                        type: string
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
        """
        if not request.is_json or not isinstance(request.get_json(silent=True), dict):
            return self.response_400(message="Request payload is not JSON")
        payload = dict(request.get_json())
        code = payload.pop("totp", None)
        payload.setdefault("provider", "db")
        try:
            credentials = login_post.load(payload)
        except SchemaValidationError as error:
            return self.response_400(message=error.messages)
        user = self.appbuilder.sm.auth_user_db(credentials["username"], credentials["password"])
        if not user:
            return self.response_401()
        if not two_factor.second_factor_passed(user, code):
            return self.response_401()
        tokens = {API_SECURITY_ACCESS_TOKEN_KEY: create_access_token(str(user.id), fresh=True)}
        if credentials.get("refresh"):
            tokens[API_SECURITY_REFRESH_TOKEN_KEY] = create_refresh_token(str(user.id))
        return self.response(200, **tokens)


class ClearLinksOnDeleteMixin:
    """Remove a deleted user's, role's or group's links (memberships, permissions) itself.

    FAB leaves them to the database's ON DELETE CASCADE, which SQLite skips unless told
    to: a deleted role's permissions stayed behind and passed to the next role created
    with its id (SQLite gives a new row the highest id + 1 again).
    """

    links: tuple[str, ...] = ()

    def pre_delete(self, item) -> None:
        super().pre_delete(item)
        for name in self.links:
            setattr(item, name, [])


class PanelUserDBModelView(ClearLinksOnDeleteMixin, SafeModelViewMixin, UserDBModelView):
    """FAB's user screen with safe saving; FAB's permission names."""

    class_permission_name = "UserDBModelView"
    links = ("roles", "groups")


class PanelRoleModelView(ClearLinksOnDeleteMixin, SafeModelViewMixin, RoleModelView):
    """FAB's role screen with safe saving; FAB's permission names."""

    class_permission_name = "RoleModelView"
    links = ("permissions", "user", "groups")

    def copy_role(self, items):
        """Copy roles; a name already taken is refused with a message, not a crash."""
        try:
            return super().copy_role(items)
        except SQLAlchemyError:
            db.session.rollback()
            flash(str(_l("A role with this name already exists.")), "danger")
            return redirect(self.get_redirect())

    copy_role._action = RoleModelView.copy_role._action  # keep FAB's action registration


class PanelGroupModelView(ClearLinksOnDeleteMixin, SafeModelViewMixin, UserGroupModelView):
    """FAB's group screen with safe saving; FAB's permission names."""

    class_permission_name = "UserGroupModelView"
    links = ("users", "roles")


class PanelUserInfoEdit(UserInfoEdit):
    """FAB's own-profile form, bounded like the columns behind it."""

    first_name = StringField(
        _l("First Name"), validators=[DataRequired(), Length(max=64), PlainText()]
    )
    last_name = StringField(
        _l("Last Name"), validators=[DataRequired(), Length(max=64), PlainText()]
    )


class PanelUserInfoEditView(UserInfoEditView):
    """Edit one's own name; says so when the save failed instead of claiming success."""

    class_permission_name = "UserInfoEditView"
    form = PanelUserInfoEdit

    def form_post(self, form) -> None:
        item = self.appbuilder.sm.get_user_by_id(g.user.id)
        form.populate_obj(item)
        if self.appbuilder.sm.update_user(item) is False:
            flash(str(_l("The record could not be saved; nothing was changed.")), "danger")
            return
        flash(str(self.message), "info")


class PanelResetPasswordView(ResetPasswordView):
    """An admin resets someone's password; an unknown ``pk`` is a 404, not a crash."""

    class_permission_name = "ResetPasswordView"

    def _user_or_404(self):
        pk = request.args.get("pk", "")
        user = self.appbuilder.sm.get_user_by_id(int(pk)) if pk.isdigit() else None
        if user is None:
            abort(404)
        return user

    @expose("/form", methods=["GET"])
    @has_access
    def this_form_get(self):
        self._user_or_404()
        return super().this_form_get()

    @expose("/form", methods=["POST"])
    @has_access
    def this_form_post(self):
        self._user_or_404()
        return super().this_form_post()
