"""The panel speaks Brazilian Portuguese by default, English on request, and every
message of the app's own has its Portuguese translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "pt_BR" / "LC_MESSAGES" / "messages.po"


def test_every_message_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "--quiet",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-o",
            str(pot),
            str(ROOT),
        ]
    )
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with CATALOGUE.open("rb") as f:
        translated = {m.id for m in read_po(f) if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert missing == [], f"add these to {CATALOGUE.relative_to(ROOT)}: {missing}"


def test_screens_are_in_portuguese_by_default(login_as):
    body = login_as("admin").get("/customerview/list/").get_data(as_text=True)
    for text in ("Clientes", "Cadastros", "Rede", "Sistema", "E-mail de contato"):
        assert text in body


def test_english_can_be_chosen(login_as):
    client = login_as("admin")
    client.get("/lang/en")
    body = client.get("/customerview/list/").get_data(as_text=True)
    assert "Catalogue" in body and "Contact e-mail" in body
    assert "Cadastros" not in body


def test_api_messages_are_in_portuguese(api):
    response = api("admin").post(
        "/api/v1/customers/", json={"kind": "person", "name": "Ana", "document": "111.111.111-11"}
    )
    assert response.status_code == 422
    assert response.json["message"]["document"] == ["CPF inválido: confira os dígitos."]
