"""The panel's security manager (Flask-AppBuilder's, with the panel's rules)."""

from __future__ import annotations

from flask_appbuilder.security.api import SecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager


class PanelSecurityManager(SecurityManager):
    """FAB's database-backed security manager, extended where the panel needs it."""

    def register_views(self) -> None:
        """Register FAB's security views, and rate-limit the API login like the form login.

        FAB limits only the login form; a password guesser would simply use
        ``/api/v1/security/login`` instead.
        """
        super().register_views()
        if self.is_auth_limited:
            for view in self.appbuilder.baseviews:
                if isinstance(view, SecurityApi) and view.blueprint is not None:
                    self.limiter.limit(self.auth_rate_limit, methods=["POST"])(view.blueprint)
