"""Pix "copia e cola" (BR Code) for static charges, and its QR Code.

The payload follows the Banco Central do Brasil *Manual de Padrões para Iniciação do Pix*,
itself a profile of the EMV® QR Code Merchant-Presented Mode: a string of fields written
``ID`` (2 digits) ``length`` (2 digits) ``value``, some of them templates holding fields of
their own, closed by a CRC16 of everything before it. For a static charge::

    00 "01"                payload format indicator
    01 "12"                point of initiation: single use (optional, only when asked)
    26 00 br.gov.bcb.pix   merchant account information: GUI, 01 the key, 02 a description
    52 "0000"              merchant category code (not informed)
    53 "986"               currency: Brazilian real
    54 "99.90"             amount (optional: without it the payer types the amount)
    58 "BR"                country
    59 name                merchant name, up to 25 characters
    60 city                merchant city, up to 15 characters
    62 05 txid             additional data: the transaction id, "***" when there is none
    63 CRC                 CRC16-CCITT-FALSE of the whole payload up to and including "6304"

The manual's example (``Fulano de Tal``) keeps lower-case letters, so names and cities keep
their case here; only accents and characters outside printable ASCII are removed, because
payers' apps and the EMV field lengths count plain ASCII characters.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal
from typing import TypeAlias

import segno

from app.validators import ValidationError, is_valid_cnpj, is_valid_cpf

GUI = "br.gov.bcb.pix"
MAX_NAME = 25
MAX_CITY = 15
MAX_TXID = 25
MAX_KEY = 77
MAX_FIELD = 99
# Field 54 holds at most 13 characters: "9999999999.99".
MAX_AMOUNT = Decimal("9999999999.99")
NO_TXID = "***"

# EMV MPM templates: their value is itself a list of fields.
_TEMPLATE_IDS = frozenset(
    [f"{i:02d}" for i in range(26, 52)] + ["62", "64"] + [f"{i:02d}" for i in range(80, 100)]
)
_HEAD = re.compile(r"[0-9]{4}")
_TXID = re.compile(r"[A-Za-z0-9]+")
_CPF_MASK = re.compile(r"\d{3}\.\d{3}\.\d{3}-\d{2}")
_CNPJ_MASK = re.compile(r"\d{2}\.\d{3}\.\d{3}/\d{4}-\d{2}")
_PHONE = re.compile(r"\+55[1-9]{2}9\d{8}")
_EVP = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# The DICT stores e-mail keys in lower case; this is the usual HTML5 e-mail shape, with a
# dot required in the domain because a Pix key needs a deliverable address.
_EMAIL = re.compile(
    r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+"
)

EmvFields: TypeAlias = dict[str, "str | EmvFields"]


class PixError(ValidationError):
    """Data that cannot become a valid Pix payload or QR Code; the message is for users."""


def crc16_ccitt(data: bytes) -> str:
    """CRC16-CCITT-FALSE, as the BR Code uses it.

    Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR; "123456789"
    gives 29B1.

    Args:
        data: the bytes to check; for a payload, everything up to and including ``"6304"``.

    Returns:
        The CRC as 4 upper-case hexadecimal digits.
    """
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def normalize_pix_key(key: str) -> str:
    """Check a Pix key and write it the way the DICT (and so the BR Code) stores it.

    Accepted: CPF (11 digits, or ``000.000.000-00``), CNPJ (14 digits, or
    ``00.000.000/0000-00``), e-mail (lower-cased), mobile phone ``+55`` + DDD + 9 digits
    (spaces, dashes and brackets are dropped) and random key (EVP, a UUID, lower-cased).

    Args:
        key: the key as typed in the panel's settings.

    Returns:
        The key in DICT format.

    Raises:
        PixError: the key is none of the five kinds, or its check digits are wrong.
    """
    if not isinstance(key, str) or not key.strip():
        raise PixError("Informe a chave Pix.")
    key = key.strip()
    if "@" in key:
        email = key.lower()
        if len(email) > MAX_KEY:
            raise PixError(
                f"A chave Pix de e-mail tem {len(email)} caracteres; o máximo é {MAX_KEY}."
            )
        if not _EMAIL.fullmatch(email):
            raise PixError(f"A chave Pix {key!r} não é um e-mail válido.")
        return email
    if key.startswith("+"):
        phone = re.sub(r"[\s()-]", "", key)
        if not phone.startswith("+55"):
            raise PixError("Só celulares do Brasil (+55) podem ser chave Pix.")
        if not _PHONE.fullmatch(phone):
            raise PixError(
                f"A chave Pix de celular {key!r} deve ser +55, DDD e 9 dígitos começando "
                "por 9, por exemplo +5561912345678."
            )
        return phone
    if _EVP.fullmatch(key.lower()):
        return key.lower()
    if _CPF_MASK.fullmatch(key) or _CNPJ_MASK.fullmatch(key):
        key = re.sub(r"[./-]", "", key)
    if key.isascii() and key.isdigit() and len(key) == 11:
        if not is_valid_cpf(key):
            raise PixError(f"A chave Pix {key} não é um CPF válido: confira os dígitos.")
        return key
    if key.isascii() and key.isdigit() and len(key) == 14:
        if not is_valid_cnpj(key):
            raise PixError(f"A chave Pix {key} não é um CNPJ válido: confira os dígitos.")
        return key
    raise PixError(
        f"Chave Pix {key!r} não reconhecida: use CPF, CNPJ, e-mail, celular com +55 "
        "ou chave aleatória."
    )


def build_pix_payload(
    key: str,
    merchant_name: str,
    merchant_city: str,
    amount: Decimal | None = None,
    txid: str | None = None,
    description: str | None = None,
    *,
    single_use: bool = False,
) -> str:
    """Build the "copia e cola" payload of a static Pix charge.

    Args:
        key: the receiver's Pix key (see :func:`normalize_pix_key`).
        merchant_name: the receiver's name; accents are removed, at most 25 characters.
        merchant_city: the receiver's city; accents are removed, at most 15 characters.
        amount: the amount in reais, a ``Decimal`` with at most two decimals, greater than
            zero; ``None`` lets the payer type it.
        txid: the charge's identifier, 1 to 25 letters (no accents) and digits, shown in the
            receiver's statement; ``None``, empty or ``***`` writes ``***`` (none).
        description: free text shown to the payer (field 26-02); accents removed. Key and
            description share the 99 characters of field 26: together at most 73.
        single_use: write field 01 = ``12`` so that apps refuse to pay the code twice.

    Returns:
        The payload, ASCII, ending in its 4-digit CRC.

    Raises:
        PixError: any field is invalid or too long; the message says which and why.
    """
    pix_key = normalize_pix_key(key)
    name = _ascii_text(merchant_name, "O nome do recebedor")
    city = _ascii_text(merchant_city, "A cidade do recebedor")
    _check_length(name, MAX_NAME, "O nome do recebedor")
    _check_length(city, MAX_CITY, "A cidade do recebedor")

    account = _tlv("00", GUI) + _tlv("01", pix_key)
    info = _ascii_text(description, "A descrição", required=False) if description else ""
    if info:
        room = MAX_FIELD - len(account) - 4
        if len(info) > room:
            raise PixError(
                f"A descrição tem {len(info)} caracteres e, com esta chave Pix, cabem "
                f"{max(room, 0)}: chave e descrição dividem os 99 caracteres do campo 26."
            )
        account += _tlv("02", info)

    fields = [_tlv("00", "01")]
    if single_use:
        fields.append(_tlv("01", "12"))
    fields += [_tlv("26", account), _tlv("52", "0000"), _tlv("53", "986")]
    if amount is not None:
        fields.append(_tlv("54", _format_amount(amount)))
    fields += [
        _tlv("58", "BR"),
        _tlv("59", name),
        _tlv("60", city),
        _tlv("62", _tlv("05", _check_txid(txid))),
    ]
    body = "".join(fields) + "6304"
    return body + crc16_ccitt(body.encode("ascii"))


def parse_emv(payload: str) -> EmvFields:
    """Read an EMV MPM payload into its fields, templates included.

    Templates (26 to 51, 62, 64, 80 to 99) become nested dicts; other values stay strings.
    The CRC is not checked here: see :func:`validate_pix_payload`.

    Args:
        payload: the "copia e cola" text.

    Returns:
        ``{"00": "01", "26": {"00": "br.gov.bcb.pix", "01": key}, ..., "63": crc}``, in the
        payload's order.

    Raises:
        PixError: the text is empty, a field head is not 4 digits, a length runs past the
            end, or an ID repeats.
    """
    if not isinstance(payload, str) or not payload:
        raise PixError("Código Pix vazio.")
    fields: EmvFields = {}
    for tag, value in _split_tlv(payload, "").items():
        fields[tag] = _split_tlv(value, f"{tag}.") if tag in _TEMPLATE_IDS else value
    return fields


def validate_pix_payload(payload: object) -> bool:
    """Tell whether a payload is a well-formed Pix BR Code with a correct CRC.

    Checks: ASCII text; the last field is ``63`` with 4 hex digits equal to the CRC16 of
    everything before them; every field parses; it starts with ``000201``; a merchant
    account template (26 to 51) carries the Pix GUI.

    Args:
        payload: anything; only a ``str`` can be valid.

    Returns:
        ``True`` when all checks pass. It never raises.
    """
    if not isinstance(payload, str) or len(payload) < 12 or not payload.isascii():
        return False
    body, crc = payload[:-4], payload[-4:]
    if not body.endswith("6304") or crc.upper() != crc16_ccitt(body.encode("ascii")):
        return False
    try:
        fields = parse_emv(payload)
    except PixError:
        return False
    if not payload.startswith("000201") or list(fields)[-1] != "63":
        return False
    return any(
        isinstance(value, dict) and str(value.get("00", "")).lower() == GUI
        for tag, value in fields.items()
        if "26" <= tag <= "51"
    )


def pix_qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """Draw a payload's QR Code as SVG markup to put inline in a page or an invoice.

    Args:
        payload: a valid Pix payload.
        scale: size of one module in SVG user units.
        border: quiet zone around the code, in modules (4 is what the QR standard asks).

    Returns:
        An ``<svg>`` element (no XML declaration) with black modules on white.

    Raises:
        PixError: the payload is not valid (so a bad code is never printed).
    """
    out = io.BytesIO()
    _qr(payload).save(
        out,
        kind="svg",
        scale=scale,
        border=border,
        dark="#000",
        light="#fff",  # explicit: a transparent background does not scan on dark pages
        xmldecl=False,
        svgclass="pix-qr",
        title="QR Code Pix",
    )
    return out.getvalue().decode("utf-8")


def pix_qr_png_data_uri(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """Draw a payload's QR Code as a PNG ``data:`` URI, for e-mails and PDF templates.

    Args:
        payload: a valid Pix payload.
        scale: pixels per module.
        border: quiet zone around the code, in modules.

    Returns:
        ``"data:image/png;base64,..."``.

    Raises:
        PixError: the payload is not valid.
    """
    return _qr(payload).png_data_uri(scale=scale, border=border)


def _qr(payload: str) -> segno.QRCode:
    if not validate_pix_payload(payload):
        raise PixError("Código Pix inválido (estrutura ou CRC não conferem); QR Code não gerado.")
    # Level M survives a crease or a smudge on a printed invoice; segno raises it further
    # when that fits in the same number of modules.
    return segno.make_qr(payload, error="m")


def _tlv(tag: str, value: str) -> str:
    if len(value) > MAX_FIELD:
        raise PixError(f"O campo {tag} teria {len(value)} caracteres; o máximo é {MAX_FIELD}.")
    return f"{tag}{len(value):02d}{value}"


def _split_tlv(text: str, prefix: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    pos = 0
    while pos < len(text):
        head = text[pos : pos + 4]
        if not _HEAD.fullmatch(head):
            raise PixError(
                f"Código Pix malformado: esperava ID e tamanho (4 dígitos) na posição {pos}"
                f"{' do campo ' + prefix[:-1] if prefix else ''}, encontrou {head!r}."
            )
        tag, length = prefix + head[:2], int(head[2:])
        value = text[pos + 4 : pos + 4 + length]
        if len(value) != length:
            raise PixError(
                f"Código Pix malformado: o campo {tag} declara {length} caracteres, "
                f"mas só restam {len(value)}."
            )
        if head[:2] in fields:
            raise PixError(f"Código Pix malformado: o campo {tag} aparece duas vezes.")
        fields[head[:2]] = value
        pos += 4 + length
    return fields


def _ascii_text(value: object, what: str, *, required: bool = True) -> str:
    """Drop accents and anything outside printable ASCII; collapse blanks."""
    if not isinstance(value, str):
        raise PixError(f"{what} deve ser texto.")
    kept = []
    for char in unicodedata.normalize("NFKD", value):
        if char.isspace():
            kept.append(" ")
        elif " " <= char <= "~":
            kept.append(char)
    text = " ".join("".join(kept).split())
    if required and not text:
        raise PixError(
            f"Informe {what[0].lower()}{what[1:]}: o texto está vazio ou só tem caracteres "
            "que o Pix não aceita."
        )
    return text


def _check_length(text: str, limit: int, what: str) -> None:
    if len(text) > limit:
        raise PixError(f"{what} tem {len(text)} caracteres; o máximo é {limit}. Abrevie: {text!r}.")


def _check_txid(txid: str | None) -> str:
    if txid is None or txid in ("", NO_TXID):
        return NO_TXID
    if not isinstance(txid, str):
        raise PixError("O txid deve ser texto.")
    if len(txid) > MAX_TXID:
        raise PixError(f"O txid tem {len(txid)} caracteres; o máximo é {MAX_TXID}.")
    if not _TXID.fullmatch(txid):
        raise PixError(
            f"O txid {txid!r} só pode ter letras sem acento e números (A-Z, a-z, 0-9), "
            "sem espaços nem pontuação."
        )
    return txid


def _format_amount(amount: object) -> str:
    # A float cannot hold 0.10 exactly; amounts come from the billing core as Decimal.
    if not isinstance(amount, Decimal):
        raise PixError(
            f"O valor do Pix deve ser Decimal, não {type(amount).__name__} ({amount!r}): "
            "use Decimal('99.90')."
        )
    if not amount.is_finite():
        raise PixError(f"O valor do Pix {amount} não é um número.")
    if amount <= 0:
        raise PixError(
            f"O valor do Pix deve ser maior que zero (recebido {amount}); "
            "para o pagador digitar o valor, não informe o valor."
        )
    if amount > MAX_AMOUNT:
        raise PixError(f"O valor do Pix {amount} passa do máximo de R$ 9999999999.99.")
    if amount != amount.quantize(Decimal("0.01")):
        raise PixError(f"O valor do Pix {amount} tem frações de centavo.")
    return f"{amount:.2f}"
