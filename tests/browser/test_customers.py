"""A support user logs in, opens the customer list in Portuguese and adds a customer."""

from __future__ import annotations

import pytest

from app.models import Customer
from tests.factories import cpf, make_customer

pytestmark = pytest.mark.browser


def test_add_customer_through_the_screens(page_as, live_server, db_session):
    page = page_as("suporte")
    page.goto(f"{live_server}/customerview/list/")
    assert page.locator(".panel-title").first.inner_text().strip() == "Clientes"
    assert page.get_by_text("Cadastros").first.is_visible()

    page.goto(f"{live_server}/customerview/add")
    document = cpf()
    page.select_option("select[name=kind]", "person")
    page.fill("input[name=name]", "Maria das Dores Wanderley")
    page.fill(
        "input[name=document]", f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    )
    page.fill("input[name=email]", "maria@example.com.br")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/customerview/list/**")
    assert page.get_by_text("Maria das Dores Wanderley").is_visible()

    db_session.expire_all()
    customer = db_session.query(Customer).filter_by(name="Maria das Dores Wanderley").one()
    assert customer.document == document


def test_bad_document_is_refused_with_a_portuguese_message(page_as, live_server, db_session):
    page = page_as("suporte")
    page.goto(f"{live_server}/customerview/add")
    page.select_option("select[name=kind]", "person")
    page.fill("input[name=name]", "Documento Errado")
    page.fill("input[name=document]", "123.456.789-00")
    page.click("button[type=submit]")
    page.get_by_text("CPF inválido: confira os dígitos.").wait_for()
    # What was typed is still there.
    assert page.input_value("input[name=name]") == "Documento Errado"
    assert db_session.query(Customer).filter_by(name="Documento Errado").count() == 0


def test_quick_search_opens_the_customer_found(page_as, live_server, db_session):
    customer = make_customer(db_session, name="Joselito Quixabeira Brandão")
    db_session.commit()
    page = page_as("suporte")
    page.goto(f"{live_server}/")
    page.fill("#customer-find", "quixab")
    result = page.locator(".typeahead-results li", has_text="Joselito Quixabeira Brandão")
    result.wait_for()
    result.dispatch_event("mousedown")
    page.wait_for_url(f"{live_server}/customers/{customer.id}/**")
    assert page.get_by_text("Joselito Quixabeira Brandão").first.is_visible()


def test_the_quick_search_is_not_offered_without_the_right_to_read_customers(
    page_as, live_server
):
    page = page_as("semacesso")
    page.goto(f"{live_server}/")
    assert page.locator("#customer-find").count() == 0
