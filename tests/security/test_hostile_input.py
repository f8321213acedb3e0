"""Every form of the app takes hostile input without harm.

Each add and edit form registered in the app (every FAB ``ModelView`` in
``appbuilder.baseviews``, the security screens included) and the panel's own forms (the
Novo Plano wizard, Editar dados do Plano) are submitted with one hostile value at a time
in one field, every other field valid: empty, huge, wrong types, HTML/JS, SQL
metacharacters, control characters, dates out of range, negative and oversized amounts.

Each must be refused with a message (no server error), write nothing (the row count of
every table is unchanged, the audit trail's included) and never come back unescaped.
Two outcomes may be accepted instead, and then the value must be stored exactly as
typed: SQL metacharacters in free text (apostrophes are in real names such as
D'Ávila; queries are parametrised) and an empty optional field.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, Length

from tests.factories import cpf, make_access_point, make_customer, make_plan, make_template
from tests.security.conftest import listing_app

pytestmark = pytest.mark.slow

STRONG_PASSWORD = "Senha-Forte-2024!"
_unique = itertools.count(1)


@dataclass(frozen=True)
class Payload:
    """A hostile value; ``storable`` when free text may legitimately hold it."""

    name: str
    value: str
    storable: bool = False


HTML = [
    Payload("script", "<script>alert(1)</script>"),
    Payload("img-onerror", '"><img src=x onerror=alert(1)>'),
]
SQL = Payload("sql", "' OR 1=1 --", storable=True)
CONTROL = [Payload("nul", "Nome\x00"), Payload("escape", "Nome\x1b[31m")]
EMPTY = Payload("empty", "", storable=True)
# Typed fields: letters, markup, SQL and NUL cover the ways a non-number goes wrong
# (the rest of HTML and CONTROL are tried on every text field).
WRONG_TYPE = [Payload("letters", "abc"), HTML[0], Payload("sql", "' OR 1=1 --"), CONTROL[0]]
PAYLOADS = {
    "text": [EMPTY, *HTML, SQL, *CONTROL],  # plus "huge", sized per field
    "integer": [
        EMPTY,
        *WRONG_TYPE,
        Payload("fraction", "1.5"),
        Payload("oversized", "99999999999"),
        Payload("undersized", "-99999999999"),
    ],
    "amount": [
        EMPTY,
        *WRONG_TYPE,
        Payload("negative", "-1"),
        Payload("negative-cents", "-0.01"),
        Payload("oversized", "99999999999999"),
        Payload("exponent", "1e400"),
        Payload("not-a-number", "NaN"),
        Payload("three-decimals", "1.001"),
    ],
    "date": [
        EMPTY,
        *WRONG_TYPE,
        Payload("year-one", "0001-01-01"),
        Payload("far-future", "9999-12-31"),
        Payload("no-such-day", "2024-02-30"),
    ],
    "choice": [EMPTY, *WRONG_TYPE, Payload("unknown-id", "999999")],
    "version": [Payload("letters", "abc"), *HTML, Payload("empty", "")],
}


def _kind(field) -> str | None:
    if isinstance(field, HiddenField):
        return "version" if field.name == "version" else None
    if isinstance(field, BooleanField):
        return None  # any value is a checkbox state
    if isinstance(field, IntegerField):
        return "integer"
    if isinstance(field, DecimalField):
        return "amount"
    if isinstance(field, DateField | DateTimeField):
        return "date"
    if isinstance(field, SelectField) or hasattr(field, "query_func"):
        return "choice"
    if isinstance(field, StringField):
        return "text"
    return "choice"  # FAB's QuerySelect(Multiple)Field


def _max_length(field) -> int | None:
    sizes = [v.max for v in field.validators if isinstance(v, Length) and v.max and v.max > 0]
    return min(sizes) if sizes else None


def _required(field) -> bool:
    return any(isinstance(v, DataRequired | InputRequired) for v in field.validators)


def _payloads(field) -> list[Payload]:
    kind = _kind(field)
    if kind is None:
        return []
    payloads = list(PAYLOADS[kind])
    if isinstance(field, PasswordField):
        # Secrets may hold any printable character ("<" included) and are never shown:
        # markup is stored as typed, and must never come back on a page.
        payloads = [Payload(p.name, p.value, storable=True) if p in HTML else p for p in payloads]
    if kind == "text":
        size = max(10_000, (_max_length(field) or 0) + 1)
        payloads.append(Payload("huge", "A" * size))
    return payloads


# --------------------------------------------------------------------------- valid data

# Fields whose valid value has a format of its own, by name.
FORMATTED = {
    "document": lambda: cpf(),
    "responsible_document": lambda: cpf(),
    "email": lambda: f"pessoa{next(_unique)}@exemplo.com.br",
    "state": lambda: "MG",
    "ip_address": lambda: f"10.{next(_unique) % 250}.{next(_unique) % 250}.1",
    "host": lambda: "10.0.0.1",
    "zip_code": lambda: "30100000",
    "username": lambda: f"usuario{next(_unique)}",
    "password": lambda: STRONG_PASSWORD,
    "conf_password": lambda: STRONG_PASSWORD,
    "new_password": lambda: "Segredo-1",
    "new_secret": lambda: "Segredo-1",
    "new_snmp_community": lambda: "publica",
    "code": lambda: f"VAR_{next(_unique)}",
    "op": lambda: ":=",
    "attribute": lambda: "Mikrotik-Rate-Limit",
    "groupname": lambda: f"grupo{next(_unique)}",
    "value": lambda: f"valor{next(_unique)}",
    "ibge_code": lambda: "3106200",
    "number_prefix": lambda: f"P{next(_unique)}",
    "phone": lambda: "31999990000",
    "mobile": lambda: "31999990000",
}


def _first_choice(field) -> str | None:
    for choice in field.iter_choices():
        value = str(choice[0])
        if value not in ("", "__None"):
            return value
    assert not _required(field), f"no option to choose in {field.name}"
    return None


def _valid_value(field):
    """A valid value for ``field`` (unique where the column is)."""
    if field.name in FORMATTED:
        return FORMATTED[field.name]()
    if isinstance(field, BooleanField):
        return "y"
    if isinstance(field, IntegerField):
        return "1"
    if isinstance(field, DecimalField):
        return "10.00"
    if isinstance(field, DateField):  # before DateTimeField: it is a subclass
        return "2020-01-01"
    if isinstance(field, DateTimeField):
        return "2020-01-01 10:00:00"
    if hasattr(field, "query_func") and "Multiple" in type(field).__name__:
        choice = _first_choice(field)
        return [choice] if choice else []
    if isinstance(field, SelectField) or hasattr(field, "query_func"):
        return _first_choice(field) or ""
    text = f"Valor de teste {next(_unique)}"
    size = _max_length(field)
    return text[-size:] if size else text


# --------------------------------------------------------------------------- the app's forms


def _has_form(view, action: str) -> bool:
    permission = (view.method_permission_name or {}).get(action, action)
    return f"can_{permission}" in view.base_permissions


def _model_views(application):
    from flask_appbuilder import ModelView

    return [v for v in application.appbuilder.baseviews if isinstance(v, ModelView)]


def _registered_forms(application) -> list[tuple[str, str]]:
    return sorted(
        (type(view).__name__, action)
        for view in _model_views(application)
        for action in ("add", "edit")
        if _has_form(view, action)
    )


FORMS = _registered_forms(listing_app())


def _view(app, name: str):
    return next(v for v in app.appbuilder.baseviews if type(v).__name__ == name)


def _counts(session) -> dict[str, int]:
    """Rows of every table, in one query."""
    from app.models import Model, RadiusModel

    tables = [*Model.metadata.sorted_tables, *RadiusModel.metadata.sorted_tables]
    row = session.execute(
        select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
    ).one()
    return dict(zip([t.name for t in tables], row, strict=True))


def _explained(body: str) -> bool:
    """The page shows a validation message (under a field, or as an alert)."""
    return 'class="alert alert-danger"' in body or "has-error" in body or "error-message" in body


@pytest.fixture(autouse=True)
def _forget_security_records(app):
    """Remove the users, roles and groups the security screens' tests created: FAB's
    tables are kept between tests."""
    from app.extensions import db

    sm = app.appbuilder.sm
    models = (sm.user_model, sm.role_model, sm.group_model)
    with app.app_context():
        before = {model: {row.id for row in db.session.query(model)} for model in models}
    yield
    with app.app_context():
        db.session.rollback()
        for model in models:
            for row in db.session.query(model):
                if row.id not in before[model]:
                    db.session.delete(row)
        db.session.commit()


@pytest.fixture
def related(db_session):
    """Records the forms' select fields can point at."""
    point = make_access_point(db_session)
    customer = make_customer(db_session)
    plan = make_plan(db_session)
    template = make_template(db_session)
    db_session.commit()
    return {"access_point": point, "customer": customer, "plan": plan, "template": template}


def _form_fields(app, view, action: str, obj=None) -> list:
    with app.test_request_context():
        form = (view.add_form if action == "add" else view.edit_form).refresh(obj=obj)
        return [f for f in form if f.name != "csrf_token"]


def _baseline(app, view, action: str, obj=None) -> dict:
    with app.test_request_context():
        form = (view.add_form if action == "add" else view.edit_form).refresh(obj=obj)
        data = {}
        for field in form:
            if field.name == "csrf_token":
                continue
            if field.name == "version":
                data["version"] = str(obj.version)
                continue
            data[field.name] = _valid_value(field)
        return data


def _newest(session, model):
    pk = model.__mapper__.primary_key[0]
    return session.scalars(select(model).order_by(pk.desc()).limit(1)).first()


def _stored_as_typed(item, field_name: str, value: str) -> bool:
    column = field_name[4:] if field_name.startswith("new_") else field_name
    stored = getattr(item, column, None)
    if value == "" and field_name.startswith("new_"):
        return True  # a blank secret keeps the stored one
    if value == "":
        return stored in (None, "", [])
    if column == "password" and hasattr(item, "roles"):  # FAB users: a hash
        from werkzeug.security import check_password_hash

        return check_password_hash(stored, value)
    return stored == value


def _record_for_edit(app, client, view, session) -> object:
    """A record to edit, created through the view's own add form when it has one."""
    model = view.datamodel.obj
    url = f"{view.route_base}/add"
    data = _baseline(app, view, "add")
    response = client.post(url, data=data)
    assert response.status_code == 302, (url, _messages(response))
    session.expire_all()
    return _newest(session, model)


def _messages(response) -> list[str]:
    body = response.get_data(as_text=True)
    return [" ".join(m.split()) for m in re.findall(r'alert-danger">(.*?)</div>', body, re.S)]


@pytest.mark.parametrize(("view_name", "action"), FORMS, ids=[f"{v}-{a}" for v, a in FORMS])
def test_form_refuses_hostile_input(app, login_as, db_session, related, view_name, action):
    view = _view(app, view_name)
    client = login_as("admin")
    model = view.datamodel.obj
    obj = None
    if action == "add":
        url = f"{view.route_base}/add"
    else:
        obj = _record_for_edit(app, client, view, db_session)
        url = f"{view.route_base}/edit/{view.datamodel.get_pk_value(obj)}"
    assert client.get(url).status_code == 200, url

    # The valid baseline is accepted: otherwise every refusal below would prove nothing.
    response = client.post(url, data=_baseline(app, view, action, obj))
    assert response.status_code == 302, (url, _messages(response))
    if action == "edit":
        db_session.expire_all()
        obj = db_session.get(model, view.datamodel.get_pk_value(obj))

    problems = []
    for field in _form_fields(app, view, action, obj):
        for payload in _payloads(field):
            data = _baseline(app, view, action, obj)
            data[field.name] = payload.value
            if field.name == "password" and "conf_password" in data:
                data["conf_password"] = payload.value
            db_session.expire_all()
            before = _counts(db_session)
            response = client.post(url, data=data)
            body = response.get_data(as_text=True)
            where = f"{field.name}={payload.name}"
            if response.status_code not in (200, 302):
                problems.append(f"{where}: HTTP {response.status_code}")
                continue
            if "<" in payload.value and payload.value in body:
                problems.append(f"{where}: the payload came back unescaped")
            db_session.expire_all()
            if response.status_code == 302:
                accepted_ok = payload.storable and (payload.value != "" or not _required(field))
                item = (
                    _newest(db_session, model)
                    if action == "add"
                    else db_session.get(model, view.datamodel.get_pk_value(obj))
                )
                if not accepted_ok:
                    problems.append(f"{where}: accepted")
                elif not _stored_as_typed(item, field.name, payload.value):
                    problems.append(f"{where}: accepted but stored differently")
                if action == "edit":
                    obj = item
                continue
            if not _explained(body):
                problems.append(f"{where}: refused without a message")
            if _counts(db_session) != before:
                problems.append(f"{where}: refused but rows were written")
    assert not problems, "\n".join(problems)


def test_every_registered_form_is_covered(app):
    """The parametrised list is the app's own: a new screen cannot be left out."""
    assert _registered_forms(app) == FORMS
    names = {v for v, _ in FORMS}
    assert {"CustomerView", "PlanView", "PanelUserDBModelView", "OltView"} <= names


# --------------------------------------------------------------------------- the panel's forms

WIZARD_FIELDS = {
    1: {"plan_ids": "choice", "combo_name": "text"},
    2: {
        "street": "text",
        "number": "text",
        "complement": "text",
        "district": "text",
        "zip_code": "text",
        "city_id": "choice",
        "access_point_id": "choice",
    },
    3: {"template_id": "choice", "contract_number": "text"},
    4: {
        "responsible_name": "text",
        "responsible_document": "text",
        "witness1_name": "text",
        "witness1_document": "text",
        "witness2_name": "text",
        "witness2_document": "text",
    },
    5: {"payment_method_id": "choice", "due_day": "integer"},
}
OPTIONAL = {"combo_name", "complement", "notes", "first_activated_on", "enabled_on", "renewed_on"}


def _text_payloads(size: int = 10_000) -> list[Payload]:
    return [*PAYLOADS["text"], Payload("huge", "A" * size)]


def _panel_payloads(kind: str) -> list[Payload]:
    return _text_payloads() if kind == "text" else PAYLOADS[kind]


def _wizard_data(related) -> dict:
    from app.extensions import db
    from app.models import PaymentMethod, PaymentMethodKind

    pix = db.session.scalar(
        select(PaymentMethod).where(PaymentMethod.kind == PaymentMethodKind.PIX)
    )
    return {
        "plan_ids": [str(related["plan"].id)],
        "combo_name": "",
        "street": "Rua Floriano Peixoto",
        "number": "100",
        "complement": "",
        "district": "Centro",
        "zip_code": "58400-000",
        "city_id": str(related["access_point"].city_id),
        "access_point_id": str(related["access_point"].id),
        "template_id": str(related["template"].id),
        "contract_number": f"HOST-{next(_unique)}",
        "responsible_name": "Ana Lima",
        "responsible_document": cpf(),
        "witness1_name": "Bruno Costa",
        "witness1_document": cpf(),
        "witness2_name": "Carla Dias",
        "witness2_document": cpf(),
        "payment_method_id": str(pix.id),
        "due_day": "10",
    }


def _check_refused(problems, where, response, before, after, payload, accepted_ok) -> None:
    body = response.get_data(as_text=True)
    if response.status_code not in (200, 302):
        problems.append(f"{where}: HTTP {response.status_code}")
        return
    if "<" in payload.value and payload.value in body:
        problems.append(f"{where}: the payload came back unescaped")
    if response.status_code == 302:
        if not accepted_ok:
            problems.append(f"{where}: accepted")
        return
    if not _explained(body):
        problems.append(f"{where}: refused without a message")
    if after != before:
        problems.append(f"{where}: refused but rows were written")


def test_new_plan_wizard_refuses_hostile_input(app, login_as, db_session, related):
    from app.models import SubscriptionDraft

    client = login_as("admin")
    customer = related["customer"]
    base = client.get(f"/customers/{customer.id}/new-plan").headers["Location"].rsplit("/", 1)[0]
    problems = []
    for step, fields in WIZARD_FIELDS.items():
        for name, kind in fields.items():
            for payload in _panel_payloads(kind):
                data = {k: v for k, v in _wizard_data(related).items() if k in fields}
                data[name] = [payload.value] if name == "plan_ids" else payload.value
                db_session.expire_all()
                before = _counts(db_session)
                response = client.post(f"{base}/{step}", data={**data, "go": "next"})
                db_session.expire_all()
                accepted_ok = False
                if response.status_code == 302 and response.headers["Location"].endswith(
                    f"/{step + 1}"
                ):
                    draft = db_session.scalar(select(SubscriptionDraft))
                    stored = (draft.data or {}).get(str(step), {}).get(name)
                    accepted_ok = (payload.storable and stored == payload.value) or (
                        payload.value == "" and name in OPTIONAL
                    )
                _check_refused(
                    problems,
                    f"step {step} {name}={payload.name}",
                    response,
                    before,
                    _counts(db_session),
                    payload,
                    accepted_ok,
                )
        # Move on with valid data.
        data = {k: v for k, v in _wizard_data(related).items() if k in fields}
        response = client.post(f"{base}/{step}", data={**data, "go": "next"})
        assert response.status_code == 302, (step, _messages(response))
    assert not problems, "\n".join(problems)


EDIT_FIELDS = {
    "street": "text",
    "number": "text",
    "complement": "text",
    "district": "text",
    "zip_code": "text",
    "city_id": "choice",
    "access_point_id": "choice",
    "first_activated_on": "date",
    "enabled_on": "date",
    "renewed_on": "date",
    "notes": "text",
    "version": "version",
}


def test_edit_plan_data_refuses_hostile_input(app, login_as, db_session, related):
    from app.models import Subscription
    from tests.factories import make_subscription

    point = related["access_point"]
    subscription = make_subscription(
        db_session, customer=related["customer"], city_id=point.city_id, access_point=point
    )
    db_session.commit()
    client = login_as("admin")
    url = f"/subscriptions/{subscription.id}/edit"

    def valid() -> dict:
        db_session.expire_all()
        current = db_session.get(Subscription, subscription.id)
        return {
            "street": "Rua Nova",
            "number": "10",
            "complement": "",
            "district": "Centro",
            "zip_code": "30100000",
            "city_id": str(point.city_id),
            "access_point_id": str(point.id),
            "first_activated_on": "2020-01-01",
            "enabled_on": "2020-01-02",
            "renewed_on": "",
            "notes": "",
            "version": str(current.version),
        }

    assert client.post(url, data=valid()).status_code == 302
    problems = []
    for name, kind in EDIT_FIELDS.items():
        for payload in _panel_payloads(kind):
            data = {**valid(), name: payload.value}
            before = _counts(db_session)
            response = client.post(url, data=data)
            db_session.expire_all()
            stored = getattr(db_session.get(Subscription, subscription.id), name, None)
            accepted_ok = (payload.storable and stored == payload.value) or (
                payload.value == "" and name in OPTIONAL and stored in (None, "")
            )
            _check_refused(
                problems,
                f"{name}={payload.name}",
                response,
                before,
                _counts(db_session),
                payload,
                accepted_ok,
            )
    assert not problems, "\n".join(problems)


def test_amount_rules_refuse_what_forms_must_refuse():
    """The shared money rule, which forms and the API both use."""
    from app.validators import ValidationError, validate_money

    for value in ("-1", "-0.01", "99999999999999", "1e400", "NaN", "1.001", "abc", None):
        with pytest.raises(ValidationError):
            validate_money(value)
    assert validate_money("1.5") == Decimal("1.50")


def test_text_limits_fit_what_the_fields_hold(login_as, db_session):
    """A contract template takes a whole contract; other free text stops at 5000."""
    from app.models import ContractTemplate, Customer

    client = login_as("admin")
    contract = "Cláusula primeira. " * 1500  # about 28 000 characters
    response = client.post(
        "/contracttemplateview/add",
        data={"name": "Contrato longo", "number_prefix": "LG", "body": contract, "active": "y"},
    )
    assert response.status_code == 302
    stored = db_session.query(ContractTemplate).filter_by(name="Contrato longo").one()
    assert stored.body == contract
    response = client.post(
        "/customerview/add",
        data={"kind": "person", "name": "Notas Longas", "document": cpf(), "notes": "n" * 5001},
    )
    assert response.status_code == 200
    assert db_session.query(Customer).filter_by(name="Notas Longas").count() == 0
