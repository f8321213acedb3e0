"""The OpenAPI document (``/api/v1/_openapi``), completed where FAB's is silent or wrong.

FAB documents each operation from its docstring, and most docstrings leave out answers
every protected operation gives: 401 without a valid token and 403 without the
permission, 400 for a body that is not JSON, 404 for a key that names no record. Its
400 and 422 answers say ``message`` is a text where FAB also sends the messages of each
field, and amounts are documented as numbers while they travel as text. Clients (and
the schemathesis run in the tests) rely on the document, so it is completed here.
"""

from __future__ import annotations

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_appbuilder.api.manager import OpenApi, SwaggerView, resolver
from marshmallow import fields

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}
PROTECTED_RESPONSES = {
    "401": {"$ref": "#/components/responses/401"},
    "403": {"$ref": "#/components/responses/403"},
}
BAD_REQUEST = {"$ref": "#/components/responses/400"}
NOT_FOUND = {"$ref": "#/components/responses/404"}


# FAB's 400 and 422 answers carry either a text or, for invalid fields, an object of
# messages per field; its components say "string" only.
MESSAGE_SCHEMA = {
    "description": "What was wrong: a text, or the messages of each invalid field.",
    "anyOf": [{"type": "string"}, {"type": "object"}],
}


def complete_spec(spec: dict) -> dict:
    """Document what every operation can answer: 401 and 403 when it requires
    authentication, 400 when it takes (or writes from) a body, 404 when its path names a
    record; and let 400 and 422 answers carry messages per field."""
    responses = spec.get("components", {}).get("responses", {})
    for status in ("400", "422"):
        schema = (
            responses.get(status, {}).get("content", {}).get("application/json", {}).get("schema")
        )
        if schema is not None:
            schema.setdefault("properties", {})["message"] = MESSAGE_SCHEMA
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            extra = dict(PROTECTED_RESPONSES) if operation.get("security") else {}
            if "requestBody" in operation or method in ("post", "put", "patch"):
                extra["400"] = BAD_REQUEST  # a body that is not JSON, or not an object
            if "{" in path:
                extra["404"] = NOT_FOUND  # no record with that key
            for status, response in extra.items():
                if status not in responses and int(status) not in responses:
                    responses[status] = response
    return spec


class PanelOpenApi(OpenApi):
    """FAB's OpenAPI endpoint with :func:`complete_spec` applied; FAB's permission names."""

    class_permission_name = "OpenApi"

    @expose("/<version>/_openapi")
    @protect()
    @safe
    def get(self, version):
        """The OpenAPI document of every API of a version
        ---
        get:
          description: >-
            Get the OpenAPI spec for a specific API version
          parameters:
          - in: path
            schema:
              type: string
            name: version
          responses:
            200:
              description: The OpenAPI spec
              content:
                application/json:
                  schema:
                    type: object
            404:
              $ref: '#/components/responses/404'
        """
        document = openapi_document(version)
        if document is None:
            return self.response_404()
        return self.response(200, **document)


def _decimal_as_text(self, field, ret, **kwargs) -> dict:
    """Amounts (marshmallow ``Decimal``) travel as text ("99.90"): Flask writes a
    Decimal as a string, and money is never a binary float."""
    if isinstance(field, fields.Decimal):
        return {"type": "string", "format": "decimal"}
    return {}


def _api_spec(version: str) -> APISpec:
    """FAB's APISpec (same title, servers and schema names), with amounts as text."""
    plugin = MarshmallowPlugin(schema_name_resolver=resolver)
    api_spec = APISpec(
        title=current_app.appbuilder.app_name,
        version=version,
        openapi_version="3.0.2",
        info={"description": current_app.appbuilder.app_name},
        plugins=[plugin],
        servers=current_app.config.get("FAB_OPENAPI_SERVERS", [{"url": request.host_url}]),
    )
    plugin.converter.add_attribute_function(_decimal_as_text)
    return api_spec


def openapi_document(version: str) -> dict | None:
    """The completed OpenAPI document of ``version`` (None when no API has it).

    Needs a request context: the document names the server the request came to.
    """
    api_spec = _api_spec(version)
    found = False
    for base_api in current_app.appbuilder.baseviews:
        if isinstance(base_api, BaseApi) and base_api.version == version:
            base_api.add_api_spec(api_spec)
            found = True
    return complete_spec(api_spec.to_dict()) if found else None


def register_openapi(appbuilder) -> None:
    """Serve the completed document (and Swagger UI) in place of FAB's.

    FAB's own are switched off with ``FAB_ADD_OPENAPI_VIEWS = False`` in the config.
    """
    if current_app.config.get("FAB_API_SWAGGER_UI", False):
        appbuilder.add_api(PanelOpenApi)
        appbuilder.add_view_no_menu(SwaggerView)
