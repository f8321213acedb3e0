"""The panel's security manager (Flask-AppBuilder's, with the panel's rules)."""

from __future__ import annotations

import logging

from flask import current_app, has_request_context, jsonify, request
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.sqla.models import assoc_permissionview_role
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.security.passwords import password_problem
from app.security.sessions import live_session_user
from app.security.views import (
    PanelAuthDBView,
    PanelGroupModelView,
    PanelResetPasswordView,
    PanelRoleModelView,
    PanelSecurityApi,
    PanelUserDBModelView,
    PanelUserInfoEditView,
    TwoFactorView,
)

log = logging.getLogger(__name__)

# Longest username FAB's table holds; anything longer cannot be an account.
USERNAME_MAX_LENGTH = 128


class PanelSecurityManager(SecurityManager):
    """FAB's database-backed security manager, extended where the panel needs it.

    - logins start a fresh, server-recorded session; logout ends it (see
      :mod:`app.security.sessions`), and the second factor is asked when set up;
    - ``next=`` after login stays on this site (:mod:`app.security.redirects`);
    - the password rule applies to every way of setting a password, command line included;
    - the user, role and group screens save safely (no database text on the page).
    """

    authdbview = PanelAuthDBView
    security_api = PanelSecurityApi
    userdbmodelview = PanelUserDBModelView
    rolemodelview = PanelRoleModelView
    groupmodelview = PanelGroupModelView
    userinfoeditview = PanelUserInfoEditView
    resetpasswordview = PanelResetPasswordView

    def register_views(self) -> None:
        """Register FAB's security views, the second-factor screen, and rate-limit the API
        login like the form login.

        FAB limits only the login form; a password guesser would simply use
        ``/api/v1/security/login`` instead.
        """
        super().register_views()
        self.appbuilder.add_view(
            TwoFactorView,
            "TwoFactorSetup",
            label=_l("Two-step verification"),
            icon="fa-key",
            category="Security",
        )
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, SecurityApi) and view.blueprint is not None:
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)

    def exist_permission_on_roles(
        self, view_name: str, permission_name: str, role_ids: list[int]
    ) -> bool:
        """Whether one of the roles holds ``permission_name`` on ``view_name``.

        FAB asks the database once per check, and a page checks every menu entry, tab
        and action it may show (some forty times). Here the roles' permissions are read
        in one query and kept on the request, never longer: a change of permissions
        applies from the next request on.
        """
        if not has_request_context():
            return super().exist_permission_on_roles(view_name, permission_name, role_ids)
        cache = request.__dict__.setdefault("_panel_permissions", {})
        key = tuple(sorted(role_ids))
        granted = cache.get(key)
        if granted is None:
            pv, assoc = self.permissionview_model, assoc_permissionview_role
            rows = self.session.execute(
                select(self.permission_model.name, self.viewmenu_model.name)
                .select_from(pv)
                .join(self.permission_model, pv.permission_id == self.permission_model.id)
                .join(self.viewmenu_model, pv.view_menu_id == self.viewmenu_model.id)
                .join(assoc, assoc.c.permission_view_id == pv.id)
                .where(assoc.c.role_id.in_(key))
            )
            granted = cache[key] = {tuple(row) for row in rows}
        return (permission_name, view_name) in granted

    def create_jwt_manager(self, app):
        """Answer 401 to every unusable token.

        Flask-JWT-Extended answers a malformed or badly signed token with 422, which
        reads as "your data is wrong" and is not what the API documents.
        """
        manager = super().create_jwt_manager(app)

        def not_authorized(*_args):
            return jsonify(message="Not authorized"), 401

        manager.invalid_token_loader(not_authorized)
        manager.unauthorized_loader(not_authorized)
        return manager

    def create_login_manager(self, app):
        """Flask-Login accepts a session cookie only while its login is live."""
        manager = super().create_login_manager(app)
        manager.user_loader(self._load_session_user)
        return manager

    def _load_session_user(self, user_id):
        user = live_session_user(user_id)
        return user if user is not None and user.is_active else None

    def auth_user_db(self, username, password):
        """FAB's check, after refusing usernames no account can have.

        A NUL byte would otherwise reach PostgreSQL (which refuses it with an error), and
        a huge value is only ever an attack. Such input costs a password check like any
        other failure, so it is not faster to refuse.
        """
        if (
            not isinstance(username, str)
            or len(username) > USERNAME_MAX_LENGTH
            or any(ord(c) < 0x20 or ord(c) == 0x7F for c in username)
        ):
            from werkzeug.security import check_password_hash

            check_password_hash(current_app.config["AUTH_DB_FAKE_PASSWORD_HASH_CHECK"], "password")
            log.info("login refused: malformed username")
            return None
        return super().auth_user_db(username, password)

    def add_user(self, username, first_name, last_name, email, role=None, password="", **kw):
        """FAB's ``add_user``, refusing (returning False, like FAB) a password that breaks
        the rule; accounts from other providers without a password are unaffected."""
        problem = password_problem(password) if password else None
        if problem:
            log.warning("user %s not created: %s", username, problem)
            return False
        return super().add_user(
            username, first_name, last_name, email, role, password=password, **kw
        )

    def reset_password(self, userid, password):
        """Set a user's password, after checking it against the rule.

        Raises:
            PasswordComplexityValidationError: the password breaks the rule.
        """
        problem = password_problem(password)
        if problem:
            raise PasswordComplexityValidationError(problem)
        return super().reset_password(userid, password)
