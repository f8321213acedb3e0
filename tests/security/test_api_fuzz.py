"""Property-based run of schemathesis against the app's own OpenAPI document.

Every operation of ``/api/v1/_openapi`` gets generated requests (valid and invalid, as
schemathesis derives them from the document), each sent as every role user. The run
fails on a server error, on an answer that breaks the document (undocumented status,
wrong content type, body or headers off the schema), on an operation that ignores
authentication, and on any request the role matrix does not allow that is not refused,
or that writes a row.

The operations are listed while tests are collected (one test each), and the schema is
read through the app itself (WSGI, no server), which runs on a database of its own.
Bounded for CI: ``FUZZ_MAX_EXAMPLES`` examples per operation (default 3, valid and
invalid mixed), no shrinking, a deadline per example; ``FUZZ_MAX_EXAMPLES=100`` gives a
deeper local run.
"""

from __future__ import annotations

import os
import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from app.security import roles
from app.services.setup import SELF_SERVICE
from tests.conftest import PASSWORD, ROLE_USERS
from tests.security.conftest import listing_app

pytestmark = pytest.mark.slow

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "3"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# What refusing a request looks like: not logged in, not allowed, no such record (a
# malformed key is refused before permissions are looked at), wrong method.
REFUSED = {401, 403, 404, 405}
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _operations() -> list[tuple[str, str]]:
    from app.api.openapi import openapi_document

    application = listing_app()
    with application.test_request_context("/"):
        paths = openapi_document("v1")["paths"]
    return sorted(
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if method in HTTP_METHODS
    )


OPERATIONS = _operations()


def _token(app, username: str) -> str:
    response = app.test_client().post(
        "/api/v1/security/login",
        json={"username": username, "password": PASSWORD, "provider": "db"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json["access_token"]


@pytest.fixture(scope="module")
def fuzz_app(make_app, database_url):
    """The app on a database of its own: the run writes whatever the API lets it
    (payment methods included, which the shared database keeps between tests)."""
    from flask_migrate import upgrade

    from app.extensions import db
    from app.services.setup import initialise
    from tests.conftest import _create_role_users, _postgres_test_database

    if database_url.startswith("sqlite"):
        url, drop = f"sqlite:///{tempfile.mkdtemp(prefix='panel-fuzz-')}/fuzz.db", None
    else:
        url, drop = _postgres_test_database(os.environ["DATABASE_URL"])
    application = make_app(SQLALCHEMY_DATABASE_URI=url)
    with application.app_context():
        upgrade()
        initialise()
        _create_role_users(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture(scope="module")
def tokens(fuzz_app) -> dict[str, str]:
    """A JWT per role user (admin, suporte, tecnico, financeiro, leitura, semacesso)."""
    return {username: _token(fuzz_app, username) for username in ROLE_USERS}


@pytest.fixture(scope="module")
def api_schema(fuzz_app, tokens):
    """The app's OpenAPI document, loaded by schemathesis through the app (WSGI)."""
    return schemathesis.openapi.from_wsgi(
        "/api/v1/_openapi", fuzz_app, headers={"Authorization": f"Bearer {tokens['admin']}"}
    )


def _permission(app, case) -> tuple[str, str] | None:
    """The ``(permission, view menu)`` the operation requires, None when public."""
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(case.formatted_path, method=case.method.upper())
    view = app.view_functions[endpoint].__self__
    name = endpoint.rsplit(".", 1)[1]
    if not hasattr(getattr(type(view), name), "_permission_name"):
        return None
    permission = (view.method_permission_name or {}).get(name, name)
    return f"can_{permission}", view.class_permission_name


def _may(username: str, permission: tuple[str, str] | None) -> bool:
    """What the role matrix allows: the expectation, not FAB's own answer."""
    role = ROLE_USERS[username]
    if permission is None or role == roles.ADMIN:
        return True
    if role is None:
        return False
    return permission in roles.ROLE_PERMISSIONS[role] | SELF_SERVICE


def _rows(app) -> tuple[int, ...]:
    """Rows of every table. The app context is held only for the count: requests made
    while one is open would share ``g`` (and with it the previous request's user)."""
    from app.extensions import db
    from app.models import Model, RadiusModel

    tables = [*Model.metadata.sorted_tables, *RadiusModel.metadata.sorted_tables]
    query = select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
    with app.app_context():
        return tuple(db.session.execute(query).one())


def _check_as_every_role(app, tokens, case) -> None:
    try:
        permission = _permission(app, case)
    except Exception:  # noqa: BLE001 - a path no route matches: every role must get 404
        permission = ("can_nothing", "NoSuchView")
    for username, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        if _may(username, permission):
            checks = CHECKS + ([ignored_auth] if username == "admin" else [])
            case.call_and_validate(headers=headers, checks=checks)
            continue
        before = _rows(app)
        response = case.call(headers=headers)
        where = f"{username}: {case.method} {case.formatted_path}"
        assert response.status_code in REFUSED, f"{where} answered {response.status_code}"
        assert _rows(app) == before, f"{where} wrote rows it may not write"
        case.validate_response(response, checks=CHECKS, headers=headers)


def test_every_operation_is_fuzzed(api_schema):
    """The collected list is the document's own: no operation is left out."""
    listed = sorted(
        (operation.ok().method.upper(), operation.ok().path)
        for operation in api_schema.get_all_operations()
    )
    assert listed == OPERATIONS
    assert len(OPERATIONS) > 50


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation_as_every_role(fuzz_app, tokens, api_schema, method, path):
    operation = api_schema[path][method]
    strategy = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=5000,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        _check_as_every_role(fuzz_app, tokens, case)

    run()
