"""Flask extensions, created once and bound to each app in :func:`app.create_app`."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_sqlalchemy.session import Session
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import UnboundExecutionError

RADIUS_BIND = "radius"


class PanelSession(Session):
    """Session that sends the FreeRADIUS tables to their own database when one is set.

    The RADIUS models declare the ``radius`` bind. When ``RADIUS_DATABASE_URL`` is not
    configured they live in the panel's own database, and sharing the default engine
    keeps a subscription change and its RADIUS rows in one transaction.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        try:
            return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        except UnboundExecutionError:
            if RADIUS_BIND in self._db.engines:
                raise
            return self._db.engine


db = SQLA(metadata=Model.metadata, session_options={"class_": PanelSession})
migrate = Migrate()
csrf = CSRFProtect()
