"""Pix BR Code: the payload against published examples, the parser, validation, the QR."""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from app.services.pix import (
    PixError,
    build_pix_payload,
    crc16_ccitt,
    normalize_pix_key,
    parse_emv,
    pix_qr_png_data_uri,
    pix_qr_svg,
    validate_pix_payload,
)

D = Decimal
EVP = "123e4567-e12b-12d1-a456-426655440000"

# Banco Central do Brasil, "Manual de Padrões para Iniciação do Pix"
# (bcb.gov.br/.../Regulamento_Pix/II_ManualdePadroesparaIniciacaodoPix.pdf): the static
# example, CRC 1D3D. The same text and CRC are quoted by public implementations, e.g. the
# README of github.com/alesaudate/pix-qrcodegen.
MANUAL_STATIC = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D"
)
# The same manual's dynamic example and composite example (with amount 100.50, from the
# 2.x editions), as transcribed in several public test suites; their CRCs check. We do not
# build these (URL, field 80), but the parser and the validator must accept them.
MANUAL_DYNAMIC = (
    "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
    "5204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***630464E4"
)
MANUAL_COMPOSITE_WITH_AMOUNT = (
    "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
    "5204000053039865406100.505802BR5913Fulano de Tal6008BRASILIA62070503***"
    "80740014br.gov.bcb.pix2552pix.example.com/rec/2353c790eefb11eaadc10242ac120002"
    "63042875"
)
MANUAL_EXAMPLES = [MANUAL_STATIC, MANUAL_DYNAMIC, MANUAL_COMPOSITE_WITH_AMOUNT]


# --- CRC ------------------------------------------------------------------------------


def test_crc16_of_the_standard_check_string():
    # CRC-16/CCITT-FALSE catalogue check value.
    assert crc16_ccitt(b"123456789") == "29B1"


def test_crc16_of_nothing_is_the_initial_value():
    # No final XOR in CCITT-FALSE: the empty input leaves the initial 0xFFFF.
    assert crc16_ccitt(b"") == "FFFF"


@pytest.mark.parametrize("payload", MANUAL_EXAMPLES)
def test_crc16_of_the_manual_examples(payload):
    assert crc16_ccitt(payload[:-4].encode("ascii")) == payload[-4:]


# --- building ---------------------------------------------------------------------------


def test_build_reproduces_the_manual_example_byte_for_byte():
    assert build_pix_payload(EVP, "Fulano de Tal", "BRASILIA") == MANUAL_STATIC


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # starkbank/brcode-python, brcode/tests/brcodeTests/testStaticBrcode.py: amount
        # 125.00, city "São Paulo" written without the accent. That library truncates the
        # name and txid; ours refuses long values, so we pass them already at 25 characters.
        (
            dict(
                key="arya@stark.com",
                merchant_name="Arya Stark with a very lo",
                merchant_city="São Paulo",
                amount=D("125.00"),
                txid="verylongreconciliationidt",
            ),
            "00020126360014br.gov.bcb.pix0114arya@stark.com5204000053039865406125.005802BR"
            "5925Arya Stark with a very lo6009Sao Paulo62290525verylongreconciliationidt"
            "630466F4",
        ),
        # Stark Infra API documentation, "Create static brcodes" response example: phone
        # key, amount 1.00, reconciliation id (txid) 123456.
        (
            dict(
                key="+5541999999999",
                merchant_name="Jamie Lannister",
                merchant_city="Sao Paulo",
                amount=D("1.00"),
                txid="123456",
            ),
            "00020126360014br.gov.bcb.pix0114+554199999999952040000530398654041.005802BR"
            "5915Jamie Lannister6009Sao Paulo621005061234566304A63E",
        ),
    ],
)
def test_build_reproduces_published_examples_with_an_amount(kwargs, expected):
    assert build_pix_payload(**kwargs) == expected


def test_build_with_every_optional_field():
    payload = build_pix_payload(
        "52998224725",
        "Provedor Fibra Ação",
        "João Pessoa",
        amount=D("1284.5"),
        txid="FAT000123",
        description="Mensalidade março",
        single_use=True,
    )
    # Each field hand-built: 26 = 0014br.gov.bcb.pix (18) + 011152998224725 (15)
    # + 0217Mensalidade marco (21) = 54.
    body = (
        "000201"
        "010212"
        "2654" "0014br.gov.bcb.pix" "011152998224725" "0217Mensalidade marco"
        "52040000"
        "5303986"
        "54071284.50"
        "5802BR"
        "5919Provedor Fibra Acao"
        "6011Joao Pessoa"
        "62130509FAT000123"
        "6304"
    )  # fmt: skip
    assert payload == body + crc16_ccitt(body.encode("ascii"))
    assert validate_pix_payload(payload)


@pytest.mark.parametrize(
    ("amount", "field"),
    [
        (D("0.01"), "54040.01"),
        (D("99.9"), "540599.90"),
        (D("100"), "5406100.00"),
        (D("1E+2"), "5406100.00"),
        (D("9999999999.99"), "54139999999999.99"),
    ],
)
def test_amount_is_written_with_a_dot_and_two_decimals(amount, field):
    payload = build_pix_payload(EVP, "Fulano de Tal", "BRASILIA", amount=amount)
    assert field + "5802BR" in payload


@pytest.mark.parametrize(
    ("name", "city", "written_name", "written_city"),
    [
        ("João Araújo", "São Paulo", "5911Joao Araujo", "6009Sao Paulo"),
        ("  Ação\tSocial\n Ltda ", "Florianópolis", "5916Acao Social Ltda", "6013Florianopolis"),
        # 25 characters once the accents are gone: fits.
        ("Comunicações Integradas Ç", "Goiânia", "5925Comunicacoes Integradas C", "6007Goiania"),
        ("Fibra ✓ Net", "Macapá", "5909Fibra Net", "6006Macapa"),
    ],
)
def test_names_and_cities_lose_accents_but_keep_their_case(name, city, written_name, written_city):
    payload = build_pix_payload(EVP, name, city)
    assert written_name + written_city in payload
    assert payload.isascii()


@pytest.mark.parametrize("txid", [None, "", "***"])
def test_absent_txid_is_written_as_three_asterisks(txid):
    assert "62070503***6304" in build_pix_payload(EVP, "Fulano de Tal", "BRASILIA", txid=txid)


def test_description_uses_the_room_left_by_the_key():
    # Field 26 holds 99 characters: 18 for the GUI, 4 + 36 for this key, 4 + 37 left.
    payload = build_pix_payload(EVP, "Fulano de Tal", "BRASILIA", description="d" * 37)
    assert "2699" in payload
    assert parse_emv(payload)["26"]["02"] == "d" * 37


# --- keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("52998224725", "52998224725"),
        ("529.982.247-25", "52998224725"),
        ("00038166000105", "00038166000105"),
        ("00.038.166/0001-05", "00038166000105"),
        ("  Fulano_da.Silva@Example.COM ", "fulano_da.silva@example.com"),
        ("+5561912345678", "+5561912345678"),
        ("+55 (61) 91234-5678", "+5561912345678"),
        ("123E4567-E12B-12D1-A456-426655440000", EVP),
    ],
)
def test_keys_are_written_as_the_dict_stores_them(typed, stored):
    assert normalize_pix_key(typed) == stored


KEY_ERRORS = [
    ("", "Informe a chave Pix"),
    ("   ", "Informe a chave Pix"),
    ("52998224724", "não é um CPF válido"),
    ("11111111111", "não é um CPF válido"),
    ("529.982.247-24", "não é um CPF válido"),
    ("00038166000106", "não é um CNPJ válido"),
    ("fulano@exemplo", "não é um e-mail válido"),
    ("fulano da silva@example.com", "não é um e-mail válido"),
    ("a" * 63 + "@example.com.br", "tem 78 caracteres; o máximo é 77"),
    ("+15551234567", "Só celulares do Brasil"),
    ("+556132345678", r"\+55, DDD e 9 dígitos"),
    ("+55619123456789", r"\+55, DDD e 9 dígitos"),
    ("5561912345678", "não reconhecida"),
    ("123e4567e12b12d1a456426655440000", "não reconhecida"),
    ("529982247", "não reconhecida"),
]


@pytest.mark.parametrize(("key", "message"), KEY_ERRORS)
def test_invalid_keys_are_refused(key, message):
    with pytest.raises(PixError, match=message):
        build_pix_payload(key, "Fulano de Tal", "BRASILIA")


# --- refusals ---------------------------------------------------------------------------

INPUT_ERRORS = [
    (dict(amount=10.5), "deve ser Decimal, não float"),
    (dict(amount=10), "deve ser Decimal, não int"),
    (dict(amount="10.50"), "deve ser Decimal, não str"),
    (dict(amount=D("0")), "maior que zero"),
    (dict(amount=D("0.00")), "maior que zero"),
    (dict(amount=D("-1.00")), "maior que zero"),
    (dict(amount=D("10000000000.00")), "passa do máximo"),
    (dict(amount=D("10.001")), "frações de centavo"),
    (dict(amount=D("NaN")), "não é um número"),
    (dict(amount=D("Infinity")), "não é um número"),
    (dict(txid="A" * 26), "o máximo é 25"),
    (dict(txid="nota-4813"), "só pode ter letras sem acento e números"),
    (dict(txid="FATURAÇÃO"), "só pode ter letras sem acento e números"),
    (dict(txid="FAT 1"), "só pode ter letras sem acento e números"),
    (dict(merchant_name="N" * 26), "O nome do recebedor tem 26 caracteres; o máximo é 25"),
    (dict(merchant_name="   "), "Informe o nome do recebedor: o texto está vazio"),
    (dict(merchant_name="✓✓"), "Informe o nome do recebedor: o texto está vazio"),
    (dict(merchant_name=None), "O nome do recebedor deve ser texto"),
    (dict(merchant_city="C" * 16), "A cidade do recebedor tem 16 caracteres; o máximo é 15"),
    (dict(merchant_city=""), "Informe a cidade do recebedor: o texto está vazio"),
    (dict(description="d" * 38), "tem 38 caracteres e, com esta chave Pix, cabem 37"),
    (
        dict(key="a" * 62 + "@example.com.br", description="x"),  # a 77-character key
        "tem 1 caracteres e, com esta chave Pix, cabem 0",
    ),
    (dict(description=42), "A descrição deve ser texto"),
]


@pytest.mark.parametrize(("override", "message"), INPUT_ERRORS)
def test_invalid_input_is_refused_with_its_message(override, message):
    kwargs = dict(key=EVP, merchant_name="Fulano de Tal", merchant_city="BRASILIA")
    kwargs.update(override)
    with pytest.raises(PixError, match=message):
        build_pix_payload(**kwargs)


def test_pix_error_is_a_value_error():
    assert issubclass(PixError, ValueError)


# --- parsing ----------------------------------------------------------------------------


def emit(fields) -> str:
    """Write parsed fields back as TLV: the inverse the parser must agree with."""
    out = []
    for tag, value in fields.items():
        text = emit(value) if isinstance(value, dict) else value
        out.append(f"{tag}{len(text):02d}{text}")
    return "".join(out)


def test_parse_the_manual_static_example():
    assert parse_emv(MANUAL_STATIC) == {
        "00": "01",
        "26": {"00": "br.gov.bcb.pix", "01": EVP},
        "52": "0000",
        "53": "986",
        "58": "BR",
        "59": "Fulano de Tal",
        "60": "BRASILIA",
        "62": {"05": "***"},
        "63": "1D3D",
    }


def test_parse_the_manual_composite_example():
    fields = parse_emv(MANUAL_COMPOSITE_WITH_AMOUNT)
    assert fields["54"] == "100.50"
    assert fields["80"] == {
        "00": "br.gov.bcb.pix",
        "25": "pix.example.com/rec/2353c790eefb11eaadc10242ac120002",
    }
    assert list(fields)[-1] == "63"


@pytest.mark.parametrize("payload", MANUAL_EXAMPLES)
def test_parse_round_trips(payload):
    assert emit(parse_emv(payload)) == payload


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("", "vazio"),
        ("0002010", "esperava ID e tamanho"),
        ("000201AB02xx", "esperava ID e tamanho"),
        ("000201260500", "o campo 26 declara 5 caracteres, mas só restam 2"),
        ("0002012604AB12", "na posição 0 do campo 26"),
        ("00020126040005", "o campo 26.00 declara 5 caracteres, mas só restam 0"),
        ("000201000201", "o campo 00 aparece duas vezes"),
        ("00020126100001a0001b", "o campo 26.00 aparece duas vezes"),
    ],
)
def test_parse_refuses_malformed_payloads(payload, message):
    with pytest.raises(PixError, match=message):
        parse_emv(payload)


# --- validation -----------------------------------------------------------------------


def with_crc(body: str) -> str:
    body += "6304"
    return body + crc16_ccitt(body.encode("ascii"))


@pytest.mark.parametrize("payload", MANUAL_EXAMPLES)
def test_manual_examples_are_valid(payload):
    assert validate_pix_payload(payload)


def test_lower_case_crc_is_accepted():
    assert validate_pix_payload(MANUAL_STATIC[:-4] + "1d3d")


@pytest.mark.parametrize(
    "payload",
    [
        MANUAL_STATIC[:-4] + "1D3E",  # wrong CRC
        MANUAL_STATIC.replace("Fulano", "Fulana"),  # one character changed, CRC kept
        MANUAL_STATIC.replace("BRASILIA", "BRASÍLIA"),  # not ASCII
        MANUAL_STATIC[:-1],  # truncated
        MANUAL_STATIC + "0",  # trailing garbage
        "",
        "6304FFFF",
        None,
        123,
        MANUAL_STATIC.encode("ascii"),
        # Correct CRC, but: payload format 02 ...
        with_crc(MANUAL_STATIC[:-8].replace("000201", "000202", 1)),
        # ... another scheme's GUI ...
        with_crc(MANUAL_STATIC[:-8].replace("br.gov.bcb.pix", "br.gov.bcb.xyz")),
        # ... a length that runs into the next field ...
        with_crc(MANUAL_STATIC[:-8].replace("5913Fulano", "5914Fulano")),
        # ... or no 63 at the end (the "6304" is inside field 62).
        with_crc("000201" + "26180014br.gov.bcb.pix" + "62066304AB"),
    ],
)
def test_corrupted_payloads_fail_validation(payload):
    assert validate_pix_payload(payload) is False


# --- QR Code ----------------------------------------------------------------------------

# ISO/IEC 18004:2015 table 9: per version and error-correction level, the blocks as
# (how many, data codewords in each). Versions 1-12 cover every payload we can build.
QR_BLOCKS = {
    (1, "L"): [(1, 19)],
    (1, "M"): [(1, 16)],
    (1, "Q"): [(1, 13)],
    (1, "H"): [(1, 9)],
    (2, "L"): [(1, 34)],
    (2, "M"): [(1, 28)],
    (2, "Q"): [(1, 22)],
    (2, "H"): [(1, 16)],
    (3, "L"): [(1, 55)],
    (3, "M"): [(1, 44)],
    (3, "Q"): [(2, 17)],
    (3, "H"): [(2, 13)],
    (4, "L"): [(1, 80)],
    (4, "M"): [(2, 32)],
    (4, "Q"): [(2, 24)],
    (4, "H"): [(4, 9)],
    (5, "L"): [(1, 108)],
    (5, "M"): [(2, 43)],
    (5, "Q"): [(2, 15), (2, 16)],
    (5, "H"): [(2, 11), (2, 12)],
    (6, "L"): [(2, 68)],
    (6, "M"): [(4, 27)],
    (6, "Q"): [(4, 19)],
    (6, "H"): [(4, 15)],
    (7, "L"): [(2, 78)],
    (7, "M"): [(4, 31)],
    (7, "Q"): [(2, 14), (4, 15)],
    (7, "H"): [(4, 13), (1, 14)],
    (8, "L"): [(2, 97)],
    (8, "M"): [(2, 38), (2, 39)],
    (8, "Q"): [(4, 18), (2, 19)],
    (8, "H"): [(4, 14), (2, 15)],
    (9, "L"): [(2, 116)],
    (9, "M"): [(3, 36), (2, 37)],
    (9, "Q"): [(4, 16), (4, 17)],
    (9, "H"): [(4, 12), (4, 13)],
    (10, "L"): [(2, 68), (2, 69)],
    (10, "M"): [(4, 43), (1, 44)],
    (10, "Q"): [(6, 19), (2, 20)],
    (10, "H"): [(6, 15), (2, 16)],
    (11, "L"): [(4, 81)],
    (11, "M"): [(1, 50), (4, 51)],
    (11, "Q"): [(4, 22), (4, 23)],
    (11, "H"): [(3, 12), (8, 13)],
    (12, "L"): [(2, 92), (2, 93)],
    (12, "M"): [(6, 36), (2, 37)],
    (12, "Q"): [(4, 20), (6, 21)],
    (12, "H"): [(7, 14), (4, 15)],
}
# Annex E: centres of the alignment patterns.
QR_ALIGNMENT = {
    1: (),
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
    11: (6, 30, 54),
    12: (6, 32, 58),
}
QR_LEVELS = {0b01: "L", 0b00: "M", 0b11: "Q", 0b10: "H"}
QR_MASKS = [
    lambda r, c: (r + c) % 2 == 0,
    lambda r, c: r % 2 == 0,
    lambda r, c: c % 3 == 0,
    lambda r, c: (r + c) % 3 == 0,
    lambda r, c: (r // 2 + c // 3) % 2 == 0,
    lambda r, c: (r * c) % 2 + (r * c) % 3 == 0,
    lambda r, c: ((r * c) % 2 + (r * c) % 3) % 2 == 0,
    lambda r, c: ((r + c) % 2 + (r * c) % 3) % 2 == 0,
]
QR_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _format_codes() -> dict[int, int]:
    """The 32 valid 15-bit format words (BCH(15,5), masked with 0x5412) -> their 5 bits."""
    codes = {}
    for data in range(32):
        rest = data << 10
        for bit in range(14, 9, -1):
            if rest >> bit & 1:
                rest ^= 0x537 << (bit - 10)
        codes[((data << 10) | rest) ^ 0x5412] = data
    return codes


def read_qr(matrix: list[list[bool]]) -> str:
    """Decode an undamaged QR Code (versions 1-12), independently of the library drawing it.

    Reads the format information, removes the mask, walks the data modules in the
    standard zigzag, de-interleaves the blocks and reads numeric, alphanumeric and byte
    segments. It does no error correction: the drawing must be exact.
    """
    size = len(matrix)
    version = (size - 17) // 4
    assert size == 17 + 4 * version and all(len(row) == size for row in matrix)

    # Format information, first copy (around the top-left finder), most significant bit first.
    cells = (
        [(8, c) for c in range(6)] + [(8, 7), (8, 8), (7, 8)] + [(r, 8) for r in range(5, -1, -1)]
    )
    word = 0
    for r, c in cells:
        word = word << 1 | matrix[r][c]
    data = _format_codes()[word]  # KeyError: not a valid format word
    level, mask = QR_LEVELS[data >> 3], QR_MASKS[data & 7]

    reserved: set[tuple[int, int]] = set()

    def area(top: int, left: int, height: int, width: int) -> None:
        reserved.update((r, c) for r in range(top, top + height) for c in range(left, left + width))

    area(0, 0, 9, 9)  # finders, separators and format information
    area(0, size - 8, 9, 8)
    area(size - 8, 0, 8, 9)
    area(6, 0, 1, size)  # timing patterns
    area(0, 6, size, 1)
    centres = QR_ALIGNMENT[version]
    for r in centres:
        for c in centres:
            if not ((r < 9 and c < 9) or (r < 9 and c > size - 9) or (r > size - 9 and c < 9)):
                area(r - 2, c - 2, 5, 5)
    if version >= 7:  # version information
        area(0, size - 11, 6, 3)
        area(size - 11, 0, 3, 6)

    bits = []
    upward = True
    col = size - 1
    while col > 0:
        if col == 6:  # the vertical timing pattern is skipped as a whole column
            col -= 1
        for r in range(size - 1, -1, -1) if upward else range(size):
            for c in (col, col - 1):
                if (r, c) not in reserved:
                    bits.append(matrix[r][c] ^ mask(r, c))
        upward = not upward
        col -= 2
    codewords = [
        int("".join(str(int(b)) for b in bits[i : i + 8]), 2) for i in range(0, len(bits) - 7, 8)
    ]

    sizes = [n for count, n in QR_BLOCKS[(version, level)] for _ in range(count)]
    blocks: list[list[int]] = [[] for _ in sizes]
    position = 0
    for i in range(max(sizes)):
        for block, n in zip(blocks, sizes, strict=True):
            if i < n:
                block.append(codewords[position])
                position += 1
    stream = "".join(f"{cw:08b}" for block in blocks for cw in block)

    pos = 0

    def take(n: int) -> int:
        nonlocal pos
        value = int(stream[pos : pos + n], 2)
        pos += n
        return value

    text = []
    small = version < 10
    while len(stream) - pos >= 4:
        mode = take(4)
        if mode == 0b0000:  # terminator
            break
        if mode == 0b0100:  # byte
            count = take(8 if small else 16)
            text.append(bytes(take(8) for _ in range(count)).decode("ascii"))
        elif mode == 0b0010:  # alphanumeric: pairs in 11 bits, a last single in 6
            count = take(9 if small else 11)
            for _ in range(count // 2):
                pair = take(11)
                text.append(QR_ALPHANUMERIC[pair // 45] + QR_ALPHANUMERIC[pair % 45])
            if count % 2:
                text.append(QR_ALPHANUMERIC[take(6)])
        elif mode == 0b0001:  # numeric: triples in 10 bits, then 7 or 4
            count = take(10 if small else 12)
            for _ in range(count // 3):
                text.append(f"{take(10):03d}")
            if count % 3:
                text.append(f"{take(3 * (count % 3) + 1):0{count % 3}d}")
        else:
            raise AssertionError(f"segment mode {mode:04b} not expected in a Pix QR Code")
    return "".join(text)


def svg_modules(svg: str) -> tuple[list[list[bool]], int, int]:
    """Modules drawn by the SVG: the dark runs of its path, back on a grid.

    Returns the matrix without the quiet zone, the border width and the scale.
    """
    root = ET.fromstring(svg)  # noqa: S314 -- our own output, not untrusted XML
    ns = {"svg": "http://www.w3.org/2000/svg"}
    group = root.find("svg:g", ns)
    scale = int(re.fullmatch(r"scale\((\d+)\)", group.get("transform")).group(1))
    side = int(root.get("width")) // scale
    dark = [[False] * side for _ in range(side)]
    x = y = 0.0
    path = group.find("svg:path[@class='qrline']", ns).get("d")
    for command, args in re.findall(r"([A-Za-z])([^A-Za-z]*)", path):
        numbers = [float(n) for n in args.split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":  # a run of dark modules on the row whose middle is y
            for column in range(int(x), int(x + numbers[0])):
                dark[int(y)][column] = True
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected SVG path command {command!r}")
    # The quiet zone is light: find where the code starts.
    border = next(i for i, row in enumerate(dark) if any(row))
    matrix = [row[border : side - border] for row in dark[border : side - border]]
    return matrix, border, scale


def png_modules(data_uri: str, scale: int, border: int) -> list[list[bool]]:
    """Modules of the PNG, read at the centre of each module's square of pixels."""
    prefix = "data:image/png;base64,"
    assert data_uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(data_uri[len(prefix) :]))).convert("L")
    side = image.width // scale
    assert image.size == (side * scale, side * scale)
    n = side - 2 * border
    half = scale // 2
    grid = [
        [image.getpixel((c * scale + half, r * scale + half)) < 128 for c in range(side)]
        for r in range(side)
    ]
    # The quiet zone must really be blank.
    assert not any(
        grid[r][c]
        for r in range(side)
        for c in range(side)
        if not (border <= r < border + n and border <= c < border + n)
    )
    return [row[border : border + n] for row in grid[border : border + n]]


def test_qr_svg_is_svg_with_the_expected_module_count():
    svg = pix_qr_svg(MANUAL_STATIC)
    root = ET.fromstring(svg)  # noqa: S314 -- our own output
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.find("{http://www.w3.org/2000/svg}title").text == "QR Code Pix"
    # A white background is drawn: a transparent one does not scan on a dark page.
    assert root.find(".//{http://www.w3.org/2000/svg}path[@fill='#fff']") is not None
    # 137 characters in byte mode: version 7-M holds 122 bytes, version 8-M 152
    # (ISO/IEC 18004 table 7), so version 8: 17 + 4 x 8 = 49 modules, plus 4 + 4 of quiet
    # zone, times 4 units per module = 228.
    assert len(MANUAL_STATIC) == 137
    assert root.get("width") == root.get("height") == "228"
    matrix, border, scale = svg_modules(svg)
    assert (len(matrix), border, scale) == (49, 4, 4)


def test_qr_svg_decodes_to_the_payload():
    assert read_qr(svg_modules(pix_qr_svg(MANUAL_STATIC))[0]) == MANUAL_STATIC


def test_qr_svg_honours_scale_and_border():
    svg = pix_qr_svg(MANUAL_STATIC, scale=10, border=2)
    matrix, border, scale = svg_modules(svg)
    assert (border, scale) == (2, 10)
    assert ET.fromstring(svg).get("width") == str((49 + 4) * 10)  # noqa: S314
    assert read_qr(matrix) == MANUAL_STATIC


def test_qr_png_decodes_to_the_payload():
    payload = build_pix_payload(
        "+5561912345678", "Provedor Fibra", "Brasilia", amount=D("129.90"), txid="FAT2024000123"
    )
    uri = pix_qr_png_data_uri(payload, scale=3, border=4)
    assert read_qr(png_modules(uri, scale=3, border=4)) == payload


@pytest.mark.parametrize("render", [pix_qr_svg, pix_qr_png_data_uri])
@pytest.mark.parametrize("payload", [MANUAL_STATIC[:-4] + "0000", "", "hello"])
def test_qr_refuses_an_invalid_payload(render, payload):
    with pytest.raises(PixError, match="QR Code não gerado"):
        render(payload)


# --- properties -----------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "Nd", "Zs")), min_size=1, max_size=40
).filter(lambda s: s.strip())
charges = st.fixed_dictionaries(
    {
        "key": st.sampled_from(
            [EVP, "52998224725", "00038166000105", "+5561912345678", "financeiro@provedor.com.br"]
        ),
        "amount": st.none() | st.integers(1, 999_999_999_999).map(lambda c: D(c).scaleb(-2)),
        "txid": st.none()
        | st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            min_size=1,
            max_size=25,
        ),
        "description": st.none() | st.text(alphabet="abcdefghij ", max_size=30),
    }
)


@given(charges, names, names)
def test_build_then_parse_gives_the_data_back(charge, name, city):
    try:
        payload = build_pix_payload(merchant_name=name, merchant_city=city, **charge)
    except PixError as error:
        # Only a name or city that is too long, or empty without its accents, may fail.
        assert re.search(
            r"(o nome|a cidade) do recebedor( tem|: o texto está vazio)", str(error), re.I
        )
        return
    assert validate_pix_payload(payload)
    fields = parse_emv(payload)
    assert emit(fields) == payload
    assert fields["26"]["01"] == normalize_pix_key(charge["key"])
    assert fields.get("54") == (None if charge["amount"] is None else f"{charge['amount']:.2f}")
    assert D(fields.get("54", "0")) == (charge["amount"] or 0)
    assert fields["62"]["05"] == (charge["txid"] or "***")
    description = " ".join((charge["description"] or "").split())
    assert fields["26"].get("02") == (description or None)
    assert fields["63"] == crc16_ccitt(payload[:-4].encode("ascii"))


@settings(max_examples=25, deadline=None)
@given(charges)
def test_every_qr_code_decodes_to_its_payload(charge):
    payload = build_pix_payload(
        merchant_name="Provedor Fibra Optica Ltd", merchant_city="Sao Jose dos Ca", **charge
    )
    assert read_qr(svg_modules(pix_qr_svg(payload))[0]) == payload
