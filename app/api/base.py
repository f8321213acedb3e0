"""Base class of the panel's REST APIs (Flask-AppBuilder ``ModelRestApi``).

Same permissions as the screens of the same entity, JWT authentication, and every
refusal answered with 4xx and a clear message: never a 500, never database text, and
never a secret echoed back.
"""

from __future__ import annotations

import logging

from flask import request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.security.permissions import (
    CAN_DELETE,
    CAN_READ,
    CAN_WRITE,
    MODEL_API_PERMISSIONS,
    READ_ONLY_API_PERMISSIONS,
)
from app.services.errors import DomainError, integrity_message
from app.validators import ValidationError

log = logging.getLogger(__name__)


class PanelModelRestApi(ModelRestApi):
    """CRUD API with the panel's permission mapping and error handling."""

    method_permission_name = MODEL_API_PERMISSIONS
    allow_browser_login = False
    page_size = 25
    max_page_size = 100

    def __init__(self):
        from app.views.labels import LABELS

        columns = set(self.list_columns or []) | set(self.show_columns or [])
        columns |= set(self.add_columns or []) | set(self.edit_columns or [])
        self.label_columns = {
            **{c: LABELS[c] for c in columns if c in LABELS},
            **(self.label_columns or {}),
        }
        super().__init__()

    def _refused(self, exc: Exception):
        db.session.rollback()
        if isinstance(exc, ValidationError | DomainError):
            field = getattr(exc, "field", None)
            message = {field: [str(exc)]} if field else str(exc)
            status = getattr(exc, "status_code", 422)
            return self.response(status, message=message)
        cause = exc.__cause__ if exc.__cause__ is not None else exc
        if isinstance(cause, IntegrityError):
            return self.response_422(message=str(integrity_message(cause)))
        if isinstance(cause, StaleDataError):
            return self.response(
                409, message=_("The record was changed by someone else; nothing was saved.")
            )
        log.exception("unexpected error in %s", self.__class__.__name__)
        return self.response_422(message=_("The record could not be saved; nothing was changed."))

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=_("Request is not JSON"))
        try:
            item = self.add_model_schema.load(request.json)
            self.pre_add(item)
            self.datamodel.add(item)
        except SchemaValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except (ValidationError, DomainError, SQLAlchemyError) as exc:
            return self._refused(exc)
        self.post_add(item)
        # Answer with the show schema: the add schema may hold write-only secrets.
        return self.response(
            201,
            **{
                API_RESULT_RES_KEY: self.show_model_schema.dump(item, many=False),
                "id": self.datamodel.get_pk_value(item),
            },
        )

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message=_("Request is not JSON"))
        if not item:
            return self.response_404()
        try:
            data = self._merge_update_item(item, request.json)
            item = self.edit_model_schema.load(data, instance=item)
            self.pre_update(item)
            self.datamodel.edit(item)
        except SchemaValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        except (ValidationError, DomainError, SQLAlchemyError) as exc:
            return self._refused(exc)
        self.post_update(item)
        return self.response(
            200, **{API_RESULT_RES_KEY: self.show_model_schema.dump(item, many=False)}
        )

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
        except (ValidationError, DomainError, SQLAlchemyError) as exc:
            return self._refused(exc)
        self.post_delete(item)
        return self.response(200, message="OK")


class ReadOnlyModelRestApi(PanelModelRestApi):
    """GET-only API; see :class:`app.views.base.ReadOnlyModelView` for base_permissions."""

    method_permission_name = READ_ONLY_API_PERMISSIONS
    include_route_methods = {"get", "get_list", "info"}
    base_permissions = [CAN_READ, CAN_WRITE, CAN_DELETE]
