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
from datetime import date, timedelta
from decimal import Decimal

import pyotp
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
from tests.security.conftest import flashed, listing_app
from tests.support.onus import make_plan_for, manual_jobs, network, onu_settings  # noqa: F401

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
    # OLT profile names go into the OLT's command lines: letters, digits, . _ - only.
    **{
        name: (lambda name=name: f"{name.split('_')[0]}-{next(_unique)}")
        for name in ("onu_type", "tcont_profile", "vlan_profile", "ip_profile")
    },
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
                    # The links first: SQLite does not cascade FAB's deletes, and a later
                    # row given the same id would inherit them.
                    for link in ("roles", "groups", "permissions", "user", "users"):
                        if hasattr(row, link):
                            setattr(row, link, [])
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


# --------------------------------------------------------------------------- action forms
#
# The screens of app/views/actions.py (and the billing, ONU, RADIUS and transfer screens)
# read ``request.form`` themselves and hand it to a service. Each is submitted with one
# hostile value in one field, every other field valid; when a value is accepted (free
# text with SQL metacharacters, an optional field left empty), the next one goes to a
# fresh subscription, because the action has happened. The valid data is submitted last
# and must be accepted: otherwise every refusal would prove nothing.


def _fresh_subscription(session, base: dict, status=None) -> dict:
    """Another customer with a subscription like ``base``'s, on the same catalogue."""
    from app.models import Subscription, SubscriptionPlanHistory, SubscriptionStatus
    from tests.factories import make_contract
    from tests.support.actions import ACTIVATED, seeded_method

    status = status or SubscriptionStatus.ACTIVE
    customer = make_customer(session, email=f"hostil{next(_unique)}@example.com.br")
    contract = make_contract(
        session, customer, due_day=10, fine_amount=Decimal("300.00"), signed_on=ACTIVATED,
        starts_on=ACTIVATED, payment_method=seeded_method(session, "PIX"),
    )
    subscription = Subscription(
        customer=customer, plan=base["plan"], contract=contract, status=status,
        city=base["city"], access_point=base["pop1"], street="Rua das Flores", number="10",
        district="Centro", zip_code="58000000", first_activated_on=ACTIVATED,
        enabled_on=ACTIVATED, renewed_on=ACTIVATED,
        suspended_on=ACTIVATED if status == SubscriptionStatus.SUSPENDED else None,
    )
    session.add(subscription)
    session.add(SubscriptionPlanHistory(subscription=subscription, plan=base["plan"],
                                        price=base["plan"].price, started_on=ACTIVATED))
    session.commit()
    return {**base, "customer": customer, "contract": contract, "sub": subscription}


def _hidden(client, url: str, name: str, data: dict | None = None) -> str:
    """A value the form carries in a hidden field (a preview's total, a version)."""
    response = client.post(url, data=data) if data is not None else client.get(url)
    body = response.get_data(as_text=True)
    match = re.search(rf'name="{name}" value="([^"]*)"', body)
    assert match, (url, name, _messages(response))
    return match.group(1)


def _today() -> str:
    from app.services.clock import local_today

    return local_today().isoformat()


@dataclass(frozen=True)
class ActionForm:
    """One of the panel's own forms: where it posts, what a valid submission holds and
    the kind of each field (keys of PAYLOADS)."""

    name: str
    url: object  # (ctx) -> str
    valid: object  # (client, session, ctx) -> dict
    fields: dict
    optional: frozenset = frozenset()
    status: str = "active"  # the subscription's status the form needs
    prepare: object = None  # (session, ctx) -> ctx, for what the form works on
    setup: object = None  # (session) -> ctx, instead of a subscription's surroundings


def _sub_url(path: str):
    return lambda ctx: f"/subscriptions/{ctx['sub'].id}/{path}"


def _cancel_valid(client, session, ctx) -> dict:
    url = f"/subscriptions/{ctx['sub'].id}/cancel"
    total = _hidden(client, url, "expected_total")
    return {"go": "confirm", "reason": "Mudança", "cancelled_on": _today(),
            "expected_total": total}


def _change_plan_valid(client, session, ctx) -> dict:
    from tests.support.actions import seeded_method

    url = f"/subscriptions/{ctx['sub'].id}/change-plan"
    session.expire_all()
    data = {"plan_id": str(ctx["new_plan"].id),
            "payment_method_id": str(seeded_method(session, "PIX").id),
            "keep_extra_services": "1", "reason": "Pedido do cliente",
            "version": str(ctx["sub"].version)}
    difference = _hidden(client, url, "expected_difference", {**data, "go": "compare"})
    return {**data, "go": "confirm", "expected_difference": difference}


def _contract_valid(client, session, ctx) -> dict:
    from app.services.subscription_actions import contract_values

    session.expire_all()
    return {**contract_values(ctx["contract"]), "fine_amount": "120,00",
            "responsible_name": "Ana Lima", "responsible_document": cpf(), "reason": "Acordo"}


def _with_terminal(session, ctx) -> dict:
    from tests.support.actions import add_terminal

    number = f"83{next(_unique):08d}"
    return {**ctx, "terminal": add_terminal(session, ctx["sub"], ctx["category"], number=number)}


def _voice_edit_valid(client, session, ctx) -> dict:
    from app.services.composition import terminal_values

    session.expire_all()
    return {**terminal_values(ctx["terminal"]), "price": "21,00", "new_category": ""}


ACTION_FORMS = [
    ActionForm("suspend", _sub_url("suspend"),
               lambda c, s, ctx: {"suspended_on": _today(), "reason": "Atraso"},
               {"suspended_on": "date", "reason": "text"},
               frozenset({"reason", "suspended_on"})),  # a blank date means today
    ActionForm("reactivate", _sub_url("reactivate"), lambda c, s, ctx: {"reason": "Pagou"},
               {"reason": "text"}, frozenset({"reason"}), status="suspended"),
    ActionForm("cancel", _sub_url("cancel"), _cancel_valid,
               {"reason": "text", "cancelled_on": "date", "expected_total": "amount"},
               # A blank date means today; a blank total, no preview to compare with.
               frozenset({"cancelled_on", "expected_total"})),
    ActionForm("change-plan", _sub_url("change-plan"), _change_plan_valid,
               {"plan_id": "choice", "payment_method_id": "choice", "reason": "text",
                "expected_difference": "amount", "version": "version"},
               # Blank: keep the contract's payment method, no preview or version to check.
               frozenset({"reason", "payment_method_id", "expected_difference", "version"})),
    ActionForm("access-point", _sub_url("access-point"),
               lambda c, s, ctx: {"city_id": str(ctx["city"].id),
                                  "access_point_id": str(ctx["pop2"].id),
                                  "version": str(ctx["sub"].version)},
               {"city_id": "choice", "access_point_id": "choice", "version": "version"},
               frozenset({"version"})),  # no version: nothing to check, as without If-Match
    ActionForm("contract", _sub_url("contract"), _contract_valid,
               {"fine_amount": "amount", "responsible_name": "text",
                "responsible_document": "text", "payment_method_id": "choice",
                "signed_on": "date", "starts_on": "date", "ends_on": "date",
                "reason": "text", "version": "version"},
               frozenset({"responsible_name", "responsible_document", "signed_on", "starts_on",
                          "ends_on", "version"})),
    ActionForm("extras", _sub_url("extras"),
               lambda c, s, ctx: {"service_type_id": str(ctx["antivirus"].id), "price": ""},
               {"service_type_id": "choice", "price": "amount"}, frozenset({"price"})),
    ActionForm("tv-package", _sub_url("tv/packages"),
               lambda c, s, ctx: {"tv_package_id": str(ctx["tv_package"].id), "price": ""},
               {"tv_package_id": "choice", "price": "amount"}, frozenset({"price"})),
    ActionForm("tv-point", _sub_url("tv/points"),
               lambda c, s, ctx: {"serial": f"STB-{next(_unique)}", "location": "Sala",
                                  "price": "10,00"},
               {"serial": "text", "location": "text", "price": "amount"},
               frozenset({"serial", "location", "price"})),
    ActionForm("voice", _sub_url("voice"),
               lambda c, s, ctx: {"number": f"83{next(_unique):08d}",
                                  "sip_user": f"voz{next(_unique)}", "sip_password": "",
                                  "category_id": str(ctx["category"].id), "new_category": "",
                                  "price": "15,00"},
               {"number": "text", "sip_user": "text", "category_id": "choice",
                "new_category": "text", "price": "amount"},
               frozenset({"sip_password", "new_category", "category_id", "price"})),
    ActionForm("voice-terminal-edit",
               lambda ctx: f"/subscriptions/voice-terminals/{ctx['terminal'].id}/edit",
               _voice_edit_valid,
               {"number": "text", "sip_user": "text", "category_id": "choice",
                "new_category": "text", "price": "amount", "contact_email": "text",
                "customer_version": "version"},
               frozenset({"new_category", "category_id", "price", "contact_email",
                          "customer_version"}),
               prepare=_with_terminal),
]


def _billed(session) -> dict:
    """A contract with one subscription and its March 2024 charge, PIX set up."""
    from app.services import billing
    from tests.support.billing import billed_contract, set_pix

    set_pix(session)
    contract, subscription = billed_contract(session)
    charge = billing.generate_monthly_charge(contract.id, date(2024, 3, 1)).charge
    session.commit()
    return {"contract": contract, "sub": subscription, "charge": charge}


def _with_booklet(session) -> dict:
    from app.services import billing

    ctx = _billed(session)
    booklet = billing.issue_booklet(ctx["contract"].id, 2, date(2024, 4, 1))
    session.commit()
    return {**ctx, "booklet": booklet}


def _due_day_valid(client, session, ctx) -> dict:
    url = f"/billing/actions/contracts/{ctx['contract'].id}/due-day"
    difference = _hidden(client, url, "expected_difference", {"go": "preview", "due_day": "20"})
    return {"go": "confirm", "due_day": "20", "expected_difference": difference,
            "reason": "Recebe salário dia 20"}


ACTION_FORMS += [
    ActionForm("billing-pay", lambda ctx: f"/billing/actions/charges/{ctx['charge'].id}/pay",
               lambda c, s, ctx: {"amount": "99,90", "paid_on": "2024-03-09"},
               {"amount": "amount", "paid_on": "date"}, setup=_billed),
    ActionForm("billing-booklet",
               lambda ctx: f"/billing/actions/contracts/{ctx['contract'].id}/booklets/new",
               lambda c, s, ctx: {"installments": "3", "first_month": "2024-04"},
               {"installments": "integer", "first_month": "text"},
               frozenset({"first_month"}), setup=_billed),  # blank: the next month to bill
    ActionForm("billing-booklet-cancel",
               lambda ctx: f"/billing/actions/booklets/{ctx['booklet'].id}/cancel",
               lambda c, s, ctx: {"reason": "Trocou para boleto"}, {"reason": "text"},
               setup=_with_booklet),
    ActionForm("billing-due-day",
               lambda ctx: f"/billing/actions/contracts/{ctx['contract'].id}/due-day",
               _due_day_valid,
               {"due_day": "integer", "expected_difference": "amount", "reason": "text"},
               frozenset({"expected_difference"}), setup=_billed),
]


def _holding(session) -> dict:
    """A customer's subscription on a contract, and the customer it may pass to."""
    from tests.factories import make_contract, make_subscription

    old = make_customer(session)
    contract = make_contract(session, old)
    subscription = make_subscription(session, customer=old, contract=contract)
    new = make_customer(session)
    session.commit()
    return {"sub": subscription, "contract": contract, "new": new}


def _transfer_valid(client, session, ctx) -> dict:
    from app.services.clock import local_today

    return {"transfer_on": (local_today() + timedelta(days=3)).isoformat(),
            "holder_mode": "existing", "to_customer_id": str(ctx["new"].id),
            "main_contract_id": str(ctx["contract"].id)}


def _transfer_new_holder_valid(client, session, ctx) -> dict:
    return {**_transfer_valid(client, session, ctx), "holder_mode": "new",
            "to_customer_id": "", "new_kind": "person", "new_name": "Titular Novo",
            "new_document": cpf(), "new_email": f"novo{next(_unique)}@example.com.br",
            "new_mobile": "83999990000"}


ACTION_FORMS += [
    ActionForm("transfer", lambda ctx: f"/transfers/subscriptions/{ctx['sub'].id}",
               _transfer_valid,
               # holder_mode only says which of the two sets of fields to read (any
               # value but "new" reads the customer on record); it is never stored.
               {"transfer_on": "date", "to_customer_id": "choice",
                "main_contract_id": "choice"},
               frozenset({"transfer_on"}), setup=_holding),  # blank: today
    ActionForm("transfer-new-holder", lambda ctx: f"/transfers/subscriptions/{ctx['sub'].id}",
               _transfer_new_holder_valid,
               {"new_kind": "choice", "new_name": "text", "new_document": "text",
                "new_email": "text", "new_mobile": "text"},
               frozenset({"new_email", "new_mobile"}), setup=_holding),
]


def _combo(session) -> dict:
    """A combo of two plans on one contract, and an access point to move them to."""
    from tests.support.billing import billed_contract, make_combo

    point = make_access_point(session)
    contract, _subscription = billed_contract(session)
    combo = make_combo(session, contract, ["49.90", "29.90"], date(2024, 1, 10))
    session.commit()
    return {"combo": combo, "point": point}


def _combo_valid(client, session, ctx) -> dict:
    session.expire_all()
    from app.services.subscriptions import combo_versions

    point = ctx["point"]
    return {"name": f"Combo Casa {next(_unique)}", "street": "Rua Nova", "number": "10",
            "complement": "", "district": "Centro", "zip_code": "30100000",
            "city_id": str(point.city_id), "access_point_id": str(point.id),
            "first_activated_on": "2020-01-01", "enabled_on": "2020-01-02", "renewed_on": "",
            "notes": "", "versions": combo_versions(ctx["combo"])}


ACTION_FORMS += [
    ActionForm("combo-edit", lambda ctx: f"/subscriptions/combos/{ctx['combo'].id}/edit",
               _combo_valid,
               {"name": "text", **{k: v for k, v in EDIT_FIELDS.items() if k != "version"},
                "versions": "version"},
               frozenset(OPTIONAL), setup=_combo),
]


@pytest.mark.parametrize("form", ACTION_FORMS, ids=[f.name for f in ACTION_FORMS])
def test_action_form_refuses_hostile_input(app, login_as, db_session, form, monkeypatch):
    from app.models import SubscriptionStatus
    from tests.support.actions import build_subscription

    monkeypatch.setitem(app.config, "REDIS_URL", None)  # RADIUS work runs in-process
    status = SubscriptionStatus(form.status)
    base = None if form.setup else build_subscription(db_session, status=status)

    def fresh() -> dict:
        if form.setup:
            return form.setup(db_session)
        ctx = _fresh_subscription(db_session, base, status)
        return form.prepare(db_session, ctx) if form.prepare else ctx

    client = login_as("admin")
    ctx = fresh()
    problems = []
    for name, kind in form.fields.items():
        for payload in _panel_payloads(kind):
            data = {**form.valid(client, db_session, ctx), name: payload.value}
            db_session.expire_all()
            before = _counts(db_session)
            response = client.post(form.url(ctx), data=data)
            db_session.expire_all()
            accepted_ok = (payload.storable and payload.value != "") or (
                payload.value == "" and name in form.optional
            )
            _check_refused(problems, f"{name}={payload.name}", response, before,
                           _counts(db_session), payload, accepted_ok)
            if response.status_code == 302:
                ctx = fresh()
    assert not problems, "\n".join(problems)
    ctx = fresh()
    response = client.post(form.url(ctx), data=form.valid(client, db_session, ctx))
    assert response.status_code == 302, (form.name, _messages(response))


# --------------------------------------------------------------------------- session forms


def _logged_in(client) -> bool:
    return client.get("/customerview/list/").status_code == 200


def _any_message(body: str) -> bool:
    """An alert, or an error under a field (FAB's login form marks it its own way)."""
    return bool(flashed(body)) or _explained(body) or '<span class="help-inline">' in body


def _no_markup_back(problems, where, response, payload) -> None:
    body = response.get_data(as_text=True)
    if "<" in payload.value and payload.value in body:
        problems.append(f"{where}: the payload came back unescaped")


def test_login_refuses_hostile_input(app, db_session):
    from app.models import UserSession
    from tests.conftest import PASSWORD

    problems = []
    for field in ("username", "password"):
        for payload in _text_payloads(2_000):
            client = app.test_client()
            data = {"username": "admin", "password": PASSWORD, field: payload.value}
            response = client.post("/login/", data=data, follow_redirects=True)
            where = f"{field}={payload.name}"
            if response.status_code != 200:
                problems.append(f"{where}: HTTP {response.status_code}")
                continue
            _no_markup_back(problems, where, response, payload)
            if _logged_in(client):
                problems.append(f"{where}: logged in")
            elif not _any_message(response.get_data(as_text=True)):
                problems.append(f"{where}: refused without a message")
    assert not problems, "\n".join(problems)
    assert db_session.query(UserSession).count() == 0


def test_second_step_refuses_hostile_codes(app, totp_admin, db_session):
    from app.models import UserTotp
    from tests.conftest import PASSWORD

    username, secret = totp_admin
    problems = []
    for payload in [*_text_payloads(2_000), Payload("letters", "abcdef"),
                    Payload("seven-digits", "1234567")]:
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": PASSWORD})
        response = client.post("/login/totp", data={"code": payload.value})
        where = f"code={payload.name}"
        _no_markup_back(problems, where, response, payload)
        if _logged_in(client):
            problems.append(f"{where}: logged in")
        elif response.status_code == 200 and not _any_message(response.get_data(as_text=True)):
            problems.append(f"{where}: refused without a message")
    assert not problems, "\n".join(problems)
    db_session.expire_all()
    assert db_session.query(UserTotp).one().last_used_step is None  # no code was spent


def test_two_factor_set_up_refuses_hostile_codes(login_as, db_session):
    from app.models import UserTotp

    client = login_as("admin")
    client.post("/two-factor/start")
    problems = []
    for payload in [*_text_payloads(2_000), Payload("letters", "abcdef")]:
        response = client.post("/two-factor/confirm", data={"code": payload.value},
                               follow_redirects=True)
        where = f"code={payload.name}"
        _no_markup_back(problems, where, response, payload)
        if not _any_message(response.get_data(as_text=True)):
            problems.append(f"{where}: refused without a message")
    assert not problems, "\n".join(problems)
    db_session.expire_all()
    record = db_session.query(UserTotp).one()
    assert record.confirmed_at is None  # still off

    # On with a right code; then turning it off refuses the same values.
    secret = record.secret
    client.post("/two-factor/confirm", data={"code": pyotp.TOTP(secret).now()})
    db_session.expire_all()
    assert db_session.query(UserTotp).one().confirmed_at is not None
    for payload in [*_text_payloads(2_000), Payload("letters", "abcdef")]:
        response = client.post("/two-factor/disable", data={"code": payload.value},
                               follow_redirects=True)
        where = f"disable code={payload.name}"
        _no_markup_back(problems, where, response, payload)
        if not _any_message(response.get_data(as_text=True)):
            problems.append(f"{where}: refused without a message")
    assert not problems, "\n".join(problems)
    db_session.expire_all()
    assert db_session.query(UserTotp).one().confirmed_at is not None  # still on


PASSWORDS = {"password": STRONG_PASSWORD, "conf_password": STRONG_PASSWORD}
SELF_SERVICE_FORMS = [
    ("/paneluserinfoeditview/form", {"first_name": "Ana", "last_name": "Lima"}),
    ("/resetmypassword/form", PASSWORDS),
    ("/resetpassword/form?pk={id}", PASSWORDS),  # an admin resets someone else's
]


@pytest.mark.parametrize(("url", "valid"), SELF_SERVICE_FORMS,
                         ids=["user-info", "password", "admin-reset"])
def test_own_account_forms_refuse_hostile_input(app, db_session, url, valid):
    from werkzeug.security import check_password_hash

    from app.extensions import db
    from tests.conftest import PASSWORD, login

    sm = app.appbuilder.sm
    user = sm.add_user("hostil", "Hostil", "Teste", "hostil@teste.local",
                       [sm.find_role("Somente leitura")], password=PASSWORD)
    user_id = user.id
    url = url.format(id=user_id)
    try:
        client = app.test_client()
        who = "admin" if url.startswith("/resetpassword/") else "hostil"
        assert login(client, who).status_code == 302

        def stored() -> tuple:
            db.session.expire_all()
            row = sm.get_user_by_id(user_id)
            return row.first_name, row.last_name, row.password

        problems = []
        for name in valid:
            for payload in _text_payloads(2_000):
                before = stored()
                data = {**valid, name: payload.value}
                if name == "password":
                    data["conf_password"] = payload.value
                response = client.post(url, data=data)
                where = f"{name}={payload.name}"
                _no_markup_back(problems, where, response, payload)
                after = stored()
                if response.status_code == 302:
                    # Apostrophes and "--" are in real names: stored exactly as typed.
                    if not (payload.storable and payload.value and name != "password"
                            and payload.value in after):
                        problems.append(f"{where}: accepted")
                    continue
                if not _explained(response.get_data(as_text=True)):
                    problems.append(f"{where}: refused without a message")
                if after != before:
                    problems.append(f"{where}: refused but the account changed")
        assert not problems, "\n".join(problems)
        assert client.post(url, data=valid).status_code == 302
        first, last, password = stored()
        assert (first, last) == ("Ana", "Lima") or check_password_hash(password, STRONG_PASSWORD)
    finally:
        db.session.rollback()
        row = sm.get_user_by_id(user_id)
        row.roles = []
        db.session.delete(row)
        db.session.commit()


# --------------------------------------------------------------------------- ONU forms

ONU_LINK_FIELDS = {
    "olt_id": "choice", "serial": "text", "frame": "integer", "slot": "integer",
    "port": "integer", "model": "text", "connection_type": "choice", "vlan": "integer",
    "pppoe_login": "text", "pppoe_password": "text",
}


def test_onu_forms_refuse_hostile_input(app, login_as, db_session, network,  # noqa: F811
                                        make_plan_for, manual_jobs):  # noqa: F811
    """Link ONU (the connection step, which previews the commands and writes nothing),
    Editar ONU (Wi-Fi names and keys) and moving an ONU to another plan."""
    from app.jobs.onus import run_onu_job
    from app.services import onus as svc
    from tests.support.onus import fresh as reloaded
    from tests.support.onus import link_data

    client = login_as("admin")
    problems = []

    def attempt(where, url, data, payload, accepted, accepted_ok) -> bool:
        db_session.expire_all()
        before = _counts(db_session)
        response = client.post(url, data=data)
        db_session.expire_all()
        if accepted(response):
            _no_markup_back(problems, where, response, payload)
            if not accepted_ok:
                problems.append(f"{where}: accepted")
            return True
        after = _counts(db_session)
        if response.status_code == 302:
            # Refused with a message on the page it goes back to (the plan's details,
            # whose opening the access log records: hence the count taken before).
            response = client.get(response.headers["Location"])
        _check_refused(problems, where, response, before, after, payload, False)
        return False

    # The connection step: an accepted one shows the commands to confirm.
    subscription = make_plan_for(name=f"Cliente ONU {next(_unique)}")
    url = f"/onus/link/{subscription.id}/connection"
    valid = {k: str(v) for k, v in link_data(network, "huawei").items()}
    assert 'name="commands"' in client.post(url, data=valid).get_data(as_text=True)
    for name, kind in ONU_LINK_FIELDS.items():
        for payload in _panel_payloads(kind):
            attempt(f"link {name}={payload.name}", url, {**valid, name: payload.value}, payload,
                    lambda r: 'name="commands"' in r.get_data(as_text=True),
                    (payload.storable and payload.value != "" and name != "serial")
                    or (name == "model" and payload.value == "")  # as the OLT reported none
                    # A secret may hold any printable character; a blank VLAN is the OLT's.
                    or (name == "pppoe_password" and payload in HTML)
                    or (name == "vlan" and payload.value == ""))

    # Editar ONU and Mover ONU, on a provisioned ONU.
    job = svc.link_onu(subscription.id, valid)
    assert run_onu_job(job.id) == "done"
    onu = reloaded(db_session, job).onu
    url = f"/onus/{onu.id}/edit"
    valid = {"ssid_24": "Casa da Maria", "key_24": "chave-segura-1", "ssid_5": "",
             "key_5": ""}
    for name in valid:
        for payload in _text_payloads(2_000):
            if attempt(f"edit {name}={payload.name}", url, {**valid, name: payload.value},
                       payload, lambda r: r.status_code == 302,
                       (payload.storable and payload.value != "")
                       or (payload.value == "" and name in ("ssid_5", "key_5", "key_24"))
                       # Wi-Fi names and keys may hold any printable character (802.11
                       # allows it); they must still never come back unescaped.
                       or payload in HTML):
                # The change went to the OLT as a job: run it, or the next edit would be
                # refused for the job still pending rather than for its value.
                assert run_onu_job(manual_jobs[-1]) == "done"
    response = client.post(url, data=valid)
    assert response.status_code == 302, _messages(response)
    assert run_onu_job(manual_jobs[-1]) == "done"

    from app.models import Onu
    from app.models import system as sysvars
    from tests.factories import make_subscription
    from tests.support.onus import set_variable

    set_variable(db_session, sysvars.ALLOW_ONU_MOVE, "S")
    target = make_subscription(db_session, customer=subscription.customer)
    db_session.commit()
    url = f"/onus/{onu.id}/move"

    def moved(_response) -> bool:
        db_session.expire_all()
        return db_session.get(Onu, onu.id).subscription_id != subscription.id

    for payload in PAYLOADS["choice"]:
        attempt(f"move subscription_id={payload.name}", url,
                {"subscription_id": payload.value}, payload, moved, False)
    assert client.post(url, data={"subscription_id": str(target.id)}).status_code == 302
    assert moved(None)
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- coverage

# Every POST route of the panel's own screens, and where its hostile input is tried.
FORM_TESTS = {
    "SubscriptionStatusView.suspend": "action_form[suspend]",
    "SubscriptionStatusView.reactivate": "action_form[reactivate]",
    "SubscriptionStatusView.cancel": "action_form[cancel]",
    "PlanChangeView.change_plan": "action_form[change-plan]",
    "SubscriptionDataView.access_point": "action_form[access-point]",
    "SubscriptionDataView.contract": "action_form[contract]",
    "CompositionView.extras": "action_form[extras]",
    "CompositionView.add_tv_package": "action_form[tv-package]",
    "CompositionView.add_tv_point": "action_form[tv-point]",
    "CompositionView.voice": "action_form[voice]",
    "CompositionView.edit_voice_terminal": "action_form[voice-terminal-edit]",
    "BillingActionsView.pay": "action_form[billing-pay]",
    "BillingActionsView.issue_booklet": "action_form[billing-booklet]",
    "BillingActionsView.cancel_booklet": "action_form[billing-booklet-cancel]",
    "BillingActionsView.due_day": "action_form[billing-due-day]",
    "OwnershipTransferView.new": "action_form[transfer], action_form[transfer-new-holder]",
    "NewSubscriptionView.step": "new_plan_wizard",
    "SubscriptionEditView.edit": "edit_plan_data",
    "PanelAuthDBView.login": "login",
    "PanelAuthDBView.totp": "second_step",
    "TwoFactorView.confirm": "two_factor_set_up",
    "TwoFactorView.disable": "two_factor_set_up",
    "PanelUserInfoEditView.this_form_post": "own_account_forms[user-info]",
    "ResetMyPasswordView.this_form_post": "own_account_forms[password]",
    "OnuActionsView.link_connection": "onu_forms",
    "OnuActionsView.edit": "onu_forms",
    "OnuActionsView.move": "onu_forms",
    "RadiusLoginView.create": "new_radius_login",
    "SubscriptionEditView.edit_combo": "action_form[combo-edit]",
    "PanelResetPasswordView.this_form_post": "own_account_forms[admin-reset]",
}
# Buttons: nothing typed, the record comes from the route (a malformed or unknown key is
# a 404, tests/security/test_errors.py), or the fields were checked at an earlier step.
BUTTONS = {
    "NewSubscriptionView.discard",
    "NewSubscriptionView.finish",  # re-validates the draft each step checked
    "OnuActionsView.link_finish",  # re-validates the connection step's fields (plan_link)
    "OnuActionsView.retry",
    "OnuActionsView.reboot",
    "OnuActionsView.delete",
    "CompositionView.end_extra_service",
    "CompositionView.end_tv_package",
    "CompositionView.end_tv_point",
    "SubscriptionStatusView.restore_speed",
    "OwnershipTransferView.cancel",
    "TwoFactorView.start",
    "RadiusLoginView.delete",
}
# Forms still without a hostile-input run here (see the report of issue 9).
NOT_YET_COVERED: set[str] = set()


def test_every_panel_form_is_covered():
    """A new screen that takes input cannot be left out: every POST route of a view that
    is not a FAB ModelView (those are in FORMS) or an API is named above."""
    from flask_appbuilder import ModelView
    from flask_appbuilder.api import BaseApi

    application = listing_app()
    posting = set()
    for rule in application.url_map.iter_rules():
        view = getattr(application.view_functions[rule.endpoint], "__self__", None)
        if "POST" in (rule.methods or ()) and view is not None and not isinstance(
            view, ModelView | BaseApi
        ):
            posting.add(rule.endpoint)
    listed = set(FORM_TESTS) | BUTTONS | NOT_YET_COVERED
    assert posting == listed, (sorted(posting - listed), sorted(listed - posting))
    assert not set(FORM_TESTS) & (BUTTONS | NOT_YET_COVERED)
    named = set(re.findall(r"action_form\[([^\]]+)\]", " ".join(FORM_TESTS.values())))
    assert named == {form.name for form in ACTION_FORMS}


def test_new_radius_login_refuses_hostile_input(app, login_as, db_session, monkeypatch):
    """Novo login PPPoE: a username FreeRADIUS can take, a password of printable ASCII
    (a blank one is generated); refused values write no RADIUS row."""
    from app.models import RadiusLogin
    from tests.support.radius import make_internet_subscription

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    client = login_as("admin")
    problems = []

    def attempt(field, payload) -> None:
        subscription = make_internet_subscription(db_session)
        db_session.commit()
        data = {"username": f"login.{next(_unique)}", "password": "Segredo-123",
                field: payload.value}
        before = _counts(db_session)
        response = client.post(f"/radius/logins/new/{subscription.id}", data=data)
        db_session.expire_all()
        where = f"{field}={payload.name}"
        _no_markup_back(problems, where, response, payload)
        created = db_session.query(RadiusLogin).filter_by(
            subscription_id=subscription.id).one_or_none()
        if created is not None:
            # A secret may hold any printable character but a space; blank: generated.
            if not (field == "password" and (payload in HTML or payload.value == "")):
                problems.append(f"{where}: accepted")
            return
        if response.status_code not in (200, 422):
            problems.append(f"{where}: HTTP {response.status_code}")
        elif not (_any_message(response.get_data(as_text=True))
                  or 'data-field="' in response.get_data(as_text=True)):
            problems.append(f"{where}: refused without a message")
        if _counts(db_session) != before:
            problems.append(f"{where}: refused but rows were written")

    for field in ("username", "password"):
        for payload in _text_payloads(2_000):
            attempt(field, payload)
    assert not problems, "\n".join(problems)
    attempt("username", Payload("valid", "cliente.valido"))  # the valid data is accepted
    assert db_session.query(RadiusLogin).filter_by(username="cliente.valido").count() == 1
