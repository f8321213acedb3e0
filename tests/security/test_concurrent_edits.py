"""Two people editing one record: the second save is refused, never silently written,
on the screens (hidden version field) and the API (ETag / If-Match, 412)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import create_engine, text

from app.models import Customer
from tests.factories import make_contract, make_customer, make_subscription
from tests.security.conftest import flashed, message

STALE = (
    "This record was changed by %(user)s at %(time)s while you edited it. "
    "Reload it to see the current data; nothing was saved."
)


def _form(customer: Customer, **changes) -> dict:
    data = {
        "kind": customer.kind.value,
        "name": customer.name,
        "document": customer.document,
        "email": "",
        "active": "y",
    }
    return {**data, **changes}


def _version_in_form(html: str) -> str:
    match = re.search(r'<input[^>]*name="version"[^>]*>', html)
    assert match, "the edit form carries no version"
    return re.search(r'value="(\d+)"', match.group(0)).group(1)


def _name(db_session, customer_id: int) -> str:
    db_session.expire_all()
    return db_session.get(Customer, customer_id).name


@pytest.fixture
def customer(db_session):
    record = make_customer(db_session, name="Nome Original")
    db_session.commit()
    return record


# --------------------------------------------------------------------------- screens


def test_the_second_of_two_editors_is_refused(app, login_as, db_session, customer):
    first, second = login_as("suporte"), login_as("admin")
    url = f"/customerview/edit/{customer.id}"
    read_first = _version_in_form(first.get(url).get_data(as_text=True))
    read_second = _version_in_form(second.get(url).get_data(as_text=True))
    assert read_first == read_second == "1"

    saved = first.post(url, data=_form(customer, name="Nome do Suporte", version=read_first))
    assert saved.status_code == 302
    refused = second.post(url, data=_form(customer, name="Nome do Admin", version=read_second))
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    (shown,) = flashed(body)
    with app.test_request_context("/"):
        from flask_babel import format_datetime

        from app.models import AuditLog

        last = db_session.query(AuditLog).order_by(AuditLog.id.desc()).first()
        when = format_datetime(last.at, "short")
    assert shown == message(app, STALE, user="suporte", time=when)
    assert _name(db_session, customer.id) == "Nome do Suporte"
    # What the second editor typed is still on the form, to copy from.
    assert "Nome do Admin" in body


def test_a_save_from_the_current_version_goes_through(login_as, db_session, customer):
    client = login_as("suporte")
    url = f"/customerview/edit/{customer.id}"
    for name in ("Primeira Mudança", "Segunda Mudança"):
        version = _version_in_form(client.get(url).get_data(as_text=True))
        assert client.post(url, data=_form(customer, name=name, version=version)).status_code == 302
        assert _name(db_session, customer.id) == name
    assert db_session.get(Customer, customer.id).version == 3


@pytest.mark.parametrize("version", [None, "", "0", "abc", "2"])
def test_a_missing_or_wrong_version_is_refused(app, login_as, db_session, customer, version):
    data = _form(customer, name="Nome Forjado")
    if version is not None:
        data["version"] = version
    response = login_as("suporte").post(f"/customerview/edit/{customer.id}", data=data)
    assert response.status_code == 200
    assert flashed(response.get_data(as_text=True))
    assert _name(db_session, customer.id) == "Nome Original"


def test_a_change_committed_during_the_save_is_caught_by_the_database(
    app, login_as, db_session, customer, database_url, monkeypatch
):
    """The version check and the write are not atomic; the version counter in the
    UPDATE's WHERE catches a commit that lands in between."""
    from app.views.customers import CustomerView

    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))

    def concurrent_commit(self, item):
        with other.begin() as conn:
            conn.execute(
                text(
                    "UPDATE customers SET name = 'Nome Concorrente', version = version + 1 "
                    "WHERE id = :id"
                ),
                {"id": item.id},
            )

    monkeypatch.setattr(CustomerView, "pre_update", concurrent_commit, raising=False)
    try:
        response = login_as("suporte").post(
            f"/customerview/edit/{customer.id}", data=_form(customer, name="Perdido", version="1")
        )
    finally:
        other.dispose()
    assert response.status_code == 200
    assert message(
        app,
        "This record was changed by someone else while you edited it. "
        "Reload it to see the current data; nothing was saved.",
    ) in flashed(response.get_data(as_text=True))
    assert _name(db_session, customer.id) == "Nome Concorrente"


# --------------------------------------------------------------------------- API


def test_get_answers_the_version_as_etag(api, customer):
    response = api("suporte").get(f"/api/v1/customers/{customer.id}")
    assert response.status_code == 200
    assert response.headers["ETag"] == '"1"'


def test_a_get_reads_the_record_once_for_its_body_etag_and_access_log(
    app, api, customer, db_session
):
    from app.models import CustomerAccessLog
    from tests.views.test_list_performance import counted

    client = api("suporte")
    url, customer_id = f"/api/v1/customers/{customer.id}", customer.id
    with app.app_context(), counted(app) as statements:
        response = client.get(url)
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and "FROM customers" in s]
    assert len(reads) == 1, reads
    opened = db_session.query(CustomerAccessLog).filter_by(customer_id=customer_id).all()
    assert [entry.channel for entry in opened] == ["api"]


def test_put_with_a_stale_if_match_is_412_and_writes_nothing(api, db_session, customer):
    client = api("suporte")
    url = f"/api/v1/customers/{customer.id}"
    etag = client.get(url).headers["ETag"]

    saved = client.put(url, json={"name": "Pela API"}, headers={"If-Match": etag})
    assert saved.status_code == 200
    assert saved.headers["ETag"] == '"2"'

    stale = client.put(url, json={"name": "Atrasado"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.json["message"]
    assert stale.headers["ETag"] == '"2"'
    assert _name(db_session, customer.id) == "Pela API"


@pytest.mark.parametrize(
    ("header", "status"),
    [
        ('"1"', 200),
        ("1", 200),
        ("*", 200),
        ('"9", "1"', 200),
        ('W/"1"', 412),
        ('"2"', 412),
        ("", 412),
        ("lixo", 412),
    ],
)
def test_if_match_forms(api, customer, header, status):
    response = api("suporte").put(
        f"/api/v1/customers/{customer.id}", json={"name": "Cabeçalho"}, headers={"If-Match": header}
    )
    assert response.status_code == status


def test_put_without_if_match_is_accepted(api, db_session, customer):
    response = api("suporte").put(
        f"/api/v1/customers/{customer.id}", json={"name": "Sem Cabeçalho"}
    )
    assert response.status_code == 200
    assert _name(db_session, customer.id) == "Sem Cabeçalho"


def test_delete_with_a_stale_if_match_is_412(api, db_session, customer):
    response = api("admin").delete(f"/api/v1/customers/{customer.id}", headers={"If-Match": '"7"'})
    assert response.status_code == 412
    db_session.expire_all()
    assert db_session.get(Customer, customer.id) is not None


def test_read_only_versioned_records_have_etags_too(api, db_session):
    contract = make_contract(db_session)
    subscription = make_subscription(db_session, customer=contract.customer, contract=contract)
    db_session.commit()
    client = api("admin")
    assert client.get(f"/api/v1/contracts/{contract.id}").headers["ETag"] == '"1"'
    assert client.get(f"/api/v1/subscriptions/{subscription.id}").headers["ETag"] == '"1"'


def test_records_without_version_have_no_etag(api, db_session):
    from tests.factories import make_city

    city = make_city(db_session)
    db_session.commit()
    assert "ETag" not in api("admin").get(f"/api/v1/cities/{city.id}").headers


def test_subscription_data_api_takes_the_etag_it_was_given(api, db_session):
    from tests.factories import make_access_point

    subscription = make_subscription(db_session)
    point = make_access_point(db_session)
    db_session.commit()
    client = api("suporte")
    etag = client.get(f"/api/v1/subscriptions/{subscription.id}").headers["ETag"]
    body = {
        "street": "Rua Nova",
        "number": "10",
        "district": "Centro",
        "zip_code": "30100000",
        "city_id": point.city_id,
        "access_point_id": point.id,
    }
    url = f"/api/v1/subscription-actions/subscriptions/{subscription.id}/data"
    assert client.put(url, json=body, headers={"If-Match": etag}).status_code == 200
    assert client.put(url, json=body, headers={"If-Match": etag}).status_code == 412


def test_the_openapi_document_describes_if_match(api):
    spec = api("admin").get("/api/v1/_openapi").json
    put = spec["paths"]["/api/v1/customers/{pk}"]["put"]
    assert "If-Match" in [p["name"] for p in put["parameters"]]
    assert "412" in put["responses"]
    assert "ETag" in spec["paths"]["/api/v1/customers/{pk}"]["get"]["responses"]["200"]["headers"]


def test_plan_data_saved_meanwhile_is_a_conflict_not_an_error(
    api, db_session, database_url, monkeypatch
):
    """Editar dados do Plano: a commit landing between the version check and the save
    is refused with 409 (the version in the UPDATE catches it), not a server error."""
    from app.models import Subscription
    from app.services import subscriptions as subs
    from tests.factories import make_access_point

    subscription = make_subscription(db_session)
    point = make_access_point(db_session)
    db_session.commit()
    other = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    real = subs.validate_subscription_data

    def validate_then_someone_saves(data, today=None):
        cleaned = real(data, today)
        with other.begin() as conn:
            conn.execute(
                text(
                    "UPDATE subscriptions SET street = 'Rua Concorrente', version = version + 1 "
                    "WHERE id = :id"
                ),
                {"id": subscription.id},
            )
        return cleaned

    monkeypatch.setattr(subs, "validate_subscription_data", validate_then_someone_saves)
    body = {
        "street": "Rua Perdida",
        "number": "10",
        "district": "Centro",
        "zip_code": "30100000",
        "city_id": point.city_id,
        "access_point_id": point.id,
    }
    try:
        response = api("suporte").put(
            f"/api/v1/subscription-actions/subscriptions/{subscription.id}/data",
            json=body,
            headers={"If-Match": '"1"'},
        )
    finally:
        other.dispose()
    assert response.status_code == 409
    db_session.expire_all()
    assert db_session.get(Subscription, subscription.id).street == "Rua Concorrente"


def test_a_combo_saved_meanwhile_is_refused_on_its_screen(app, login_as, db_session):
    """Editar Combo writes every plan of the combo: the form carries their versions, and
    a save based on versions another editor has since changed writes nothing."""
    from datetime import date

    from app.models import Subscription
    from tests.factories import make_access_point
    from tests.support.billing import billed_contract, make_combo

    point = make_access_point(db_session)
    contract, _subscription = billed_contract(db_session)
    combo = make_combo(db_session, contract, ["49.90", "29.90"], date(2024, 1, 10))
    db_session.commit()
    url = f"/subscriptions/combos/{combo.id}/edit"
    first, second = login_as("admin"), login_as("suporte")
    read = re.search(r'name="versions" value="([^"]+)"', first.get(url).get_data(as_text=True))
    versions = read.group(1)
    data = {"street": "Rua Nova", "number": "10", "complement": "", "district": "Centro",
            "zip_code": "30100000", "city_id": str(point.city_id),
            "access_point_id": str(point.id), "first_activated_on": "2020-01-01",
            "enabled_on": "2020-01-02", "renewed_on": "", "notes": ""}

    saved = second.post(url, data={**data, "name": "Combo do Segundo", "versions": versions})
    assert saved.status_code == 302
    refused = first.post(url, data={**data, "name": "Combo do Primeiro", "street": "Rua Velha",
                                    "versions": versions})
    assert refused.status_code == 200
    assert message(
        app,
        "This record was changed by someone else while you edited it. "
        "Reload it to see the current data; nothing was saved.",
    ) in flashed(refused.get_data(as_text=True))
    db_session.expire_all()
    assert combo.name == "Combo do Segundo"
    streets = {s.street for s in db_session.query(Subscription).filter_by(combo_id=combo.id)}
    assert streets == {"Rua Nova"}
    # A save without the versions (an old form, a hand-made request) is refused too.
    assert second.post(url, data={**data, "name": "Sem versão"}).status_code == 200
    db_session.expire_all()
    assert combo.name == "Combo do Segundo"


def test_a_plan_saved_meanwhile_is_refused_on_its_screen(app, login_as, db_session):
    """Editar dados do Plano: the second of two editors is refused and nothing of theirs
    is written."""
    from app.models import Subscription
    from tests.factories import make_access_point

    point = make_access_point(db_session)
    subscription = make_subscription(db_session, city_id=point.city_id, access_point=point)
    db_session.commit()
    url = f"/subscriptions/{subscription.id}/edit"
    first, second = login_as("admin"), login_as("suporte")
    version = re.search(r'name="version" value="(\d+)"', first.get(url).get_data(as_text=True))
    data = {"number": "10", "complement": "", "district": "Centro", "zip_code": "30100000",
            "city_id": str(point.city_id), "access_point_id": str(point.id),
            "first_activated_on": "2020-01-01", "enabled_on": "2020-01-02", "renewed_on": "",
            "notes": "", "version": version.group(1)}

    assert second.post(url, data={**data, "street": "Rua do Segundo"}).status_code == 302
    refused = first.post(url, data={**data, "street": "Rua do Primeiro"})
    assert refused.status_code == 200
    body = refused.get_data(as_text=True)
    assert message(
        app,
        "This record was changed by someone else while you edited it. "
        "Reload it to see the current data; nothing was saved.",
    ) in body
    db_session.expire_all()
    assert db_session.get(Subscription, subscription.id).street == "Rua do Segundo"
