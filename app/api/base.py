"""Base class of the panel's REST APIs (Flask-AppBuilder ``ModelRestApi``).

Same permissions as the screens of the same entity, JWT authentication, and every
refusal answered with 4xx and a clear message: never a 500, never database text, and
never a secret echoed back.

Records with a version counter (customers, subscriptions, contracts, charges) are
protected against lost updates the HTTP way: ``GET /<pk>`` answers an ``ETag`` (the
record's version) and ``PUT``/``DELETE`` honour ``If-Match``: a stale one is refused with
412 Precondition Failed and nothing is written.
"""

from __future__ import annotations

import functools
import logging

from apispec import yaml_utils
from flask import request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.const import API_RESULT_RES_KEY
from flask_babel import gettext as _
from marshmallow import ValidationError as SchemaValidationError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError

from app.api.schemas import PanelModel2SchemaConverter
from app.extensions import db
from app.models.base import is_versioned
from app.security import permissions as p
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


class ActionApi(BaseApi):
    """Base of the APIs of the actions on a customer's plans (``SubscriptionActions``).

    Every view and API sharing that view menu must declare all of its permissions, or
    FAB deletes the others' when it registers one; each subclass maps its methods onto
    them with ``method_permission_name``.
    """

    class_permission_name = p.SUBSCRIPTION_ACTIONS
    base_permissions = [p.can(action) for action in p.ACTIONS]


class NotJsonError(DomainError):
    """The request's body is not a JSON object."""

    status_code = 400


def json_body(*, required: bool = True) -> dict:
    """The request's JSON object.

    Args:
        required: when False a missing or non-object body reads as ``{}`` (actions
            whose fields are all optional).

    Raises:
        NotJsonError: the body is not a JSON object and ``required``.
    """
    body = request.get_json(silent=True) if request.is_json else None
    if isinstance(body, dict):
        return body
    if required:
        raise NotJsonError(_("Request is not JSON"))
    return {}


def refusal(api, exc: DomainError, **extra):
    """A refused domain action as its 4xx answer, the session rolled back.

    Input faults come back per field (``{"field": ["message"]}``, the shape FAB gives
    schema errors); any other refusal as one message. A refusal carrying ``details``
    (what the client needs to try again, e.g. the new commands of a changed plan) adds
    them to the answer.
    """
    db.session.rollback()
    errors = exc.field_errors()
    message = {field: [text] for field, text in errors.items()} if errors else str(exc)
    details = getattr(exc, "details", None) or {}
    return api.response(exc.status_code, message=message, **details, **extra)


def answers_refusals(method):
    """Answer a :class:`DomainError` raised by an API method with :func:`refusal`."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except DomainError as exc:
            return refusal(self, exc)

    return wrapper

IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": (
        "The ETag read with GET (the record's version). When it is no longer current "
        "the request is refused with 412 and nothing is written."
    ),
}
ETAG_HEADER = {
    "ETag": {
        "description": "The record's version; send it back in If-Match to update safely.",
        "schema": {"type": "string"},
    }
}
PRECONDITION_FAILED_RESPONSE = {
    "description": "The record changed since the If-Match version was read; nothing written.",
    "content": {
        "application/json": {
            "schema": {"type": "object", "properties": {"message": {"type": "string"}}}
        }
    },
}


def if_match_allows(header: str, version: str) -> bool:
    """Whether an ``If-Match`` header accepts the record at ``version``.

    Accepts ``*``, a list of entity tags and, for clients that skip the quotes, the bare
    version. Weak tags (``W/"3"``) never match: If-Match compares strongly (RFC 9110).
    """
    for tag in (part.strip() for part in header.split(",")):
        if tag == "*":
            return True
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if tag == version:
            return True
    return False


def if_match_version(header: str | None) -> str | None:
    """The version an ``If-Match`` header names (quoted ETag or bare), None for ``*``/none."""
    tag = (header or "").split(",")[0].strip()
    if len(tag) >= 2 and tag[0] == tag[-1] == '"':
        tag = tag[1:-1]
    return None if tag in ("", "*") else tag


class PanelModelRestApi(ModelRestApi):
    """CRUD API with the panel's permission mapping and error handling."""

    method_permission_name = MODEL_API_PERMISSIONS
    allow_browser_login = False
    page_size = 25
    max_page_size = 100
    model2schemaconverter = PanelModel2SchemaConverter

    def __init__(self):
        from app.views.labels import LABELS

        columns = set(self.list_columns or []) | set(self.show_columns or [])
        columns |= set(self.add_columns or []) | set(self.edit_columns or [])
        self.label_columns = {
            **{c: LABELS[c] for c in columns if c in LABELS},
            **(self.label_columns or {}),
        }
        self.versioned = is_versioned(self.datamodel.obj)
        self.openapi_spec_methods = {**self._documented_answers(), **self.openapi_spec_methods}
        super().__init__()
        if self.versioned and "version" not in self.show_select_columns:
            # The ETag of a GET: read with the record, not in a query of its own. The
            # answer's body stays that of show_columns.
            self.show_select_columns = [*self.show_select_columns, "version"]

    def _operation_spec(self, method_name: str, http_method: str) -> dict:
        """FAB's documented operation of ``ModelRestApi.<method_name>`` for this class."""
        doc = (getattr(ModelRestApi, method_name).__doc__ or "").replace(
            "{{self.__class__.__name__}}", self.__class__.__name__
        )
        return yaml_utils.load_operations_from_docstring(doc)[http_method]

    def _documented_answers(self) -> dict:
        """FAB's OpenAPI of the CRUD operations, corrected to what this class answers.

        - ``post`` and ``put`` answer the record as ``get`` shows it (never the write
          schema, which may hold write-only secrets); keys are integers, also in
          ``get_list``'s ``ids``;
        - ``_info`` lists add and edit columns as arrays of fields;
        - versioned records: ``get`` and ``put`` send an ETag, ``put`` and ``delete``
          take If-Match and may answer 412.
        """

        def body(operation: dict, status: int) -> dict:
            return operation["responses"][status]["content"]["application/json"]["schema"][
                "properties"
            ]

        shown = {"$ref": f"#/components/schemas/{self.__class__.__name__}.get"}
        get, put = self._operation_spec("get", "get"), self._operation_spec("put", "put")
        post, delete = (
            self._operation_spec("post", "post"),
            self._operation_spec("delete", "delete"),
        )
        listing, info = self._operation_spec("get_list", "get"), self._operation_spec("info", "get")
        body(post, 201).update(id={"type": "integer"}, result=shown)
        body(put, 200)["result"] = shown
        body(listing, 200)["ids"]["items"] = {"type": "integer"}
        for key in ("add_columns", "edit_columns"):
            body(info, 200)[key] = {"type": "array", "items": {"type": "object"}}
        if self.versioned:
            get["responses"][200]["headers"] = ETAG_HEADER
            put["responses"][200]["headers"] = ETAG_HEADER
            for operation in (put, delete):
                operation["parameters"] = [*operation.get("parameters", []), IF_MATCH_PARAMETER]
                operation["responses"][412] = PRECONDITION_FAILED_RESPONSE
        return {
            "get": {"get": {"responses": get["responses"]}},
            "get_list": {"get": {"responses": listing["responses"]}},
            "info": {"get": {"responses": info["responses"]}},
            "post": {"post": {"responses": post["responses"]}},
            "put": {"put": {"parameters": put["parameters"], "responses": put["responses"]}},
            "delete": {
                "delete": {"parameters": delete["parameters"], "responses": delete["responses"]}
            },
        }

    def _get_field_info(self, field, filter_rel_field, page=None, page_size=None):
        """FAB's field description, without two leaks: ``gettext("")`` answers the
        translation catalogue's header for a field with no description, and function
        validators are shown with their memory address."""
        info = super()._get_field_info(field, filter_rel_field, page=page, page_size=page_size)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        if "validate" in info:
            info["validate"] = [v for v in info["validate"] if not v.startswith("<function")]
        return info

    def _stale(self, item):
        """A 412 answer when the request's If-Match names another version, else None."""
        header = request.headers.get("If-Match")
        if header is None or not self.versioned:
            return None
        if if_match_allows(header, str(item.version)):
            return None
        response = self.response(
            412, message=_("The record was changed by someone else; nothing was saved.")
        )
        response.set_etag(str(item.version))
        return response

    def get_headless(self, pk, **kwargs):
        response = super().get_headless(pk, **kwargs)
        if response.status_code == 200:
            item = self._just_read(pk)
            if item is not None:
                if self.versioned:
                    response.set_etag(str(item.version))
                self.after_get(item)
        return response

    def _just_read(self, pk):
        """The record FAB's GET just read (its base filters passed).

        FAB does not hand the record over, and the session forgets an unchanged record
        nobody holds: :meth:`PanelInterface.get` keeps it on the request instead, so
        the ETag and the access log do not read it again.
        """
        return self.datamodel.read_in_request(pk) or self.datamodel.get(pk, self._base_filters)

    def after_get(self, item) -> None:
        """Called with the record after a successful GET (subclasses log the opening)."""

    def _refused(self, exc: Exception):
        if isinstance(exc, DomainError):
            return refusal(self, exc)
        db.session.rollback()
        if isinstance(exc, ValidationError):
            return self.response(422, message={exc.field: [str(exc)]} if exc.field else str(exc))
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
        stale = self._stale(item)
        if stale is not None:
            return stale
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
        response = self.response(
            200, **{API_RESULT_RES_KEY: self.show_model_schema.dump(item, many=False)}
        )
        if self.versioned:
            response.set_etag(str(item.version))
        return response

    def delete_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        stale = self._stale(item)
        if stale is not None:
            return stale
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
