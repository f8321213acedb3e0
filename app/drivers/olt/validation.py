"""Allowlist checks for every value that ends up inside an OLT CLI line.

A CLI line is a command language: a newline, a `;` or a stray quote inside a
value turns data into a second command. Every value a driver puts on a line
passes one of these checks first, and the checks run before any connection is
opened, so a hostile SSID such as ``"x\\nreboot"`` never reaches a device.

The checks accept only what is known to be safe (an allowlist) instead of
removing what looks dangerous. Messages are in Portuguese because they reach
the panel's users; they name the field, never echo the rejected value (it may
be a password or a terminal escape sequence).
"""

from __future__ import annotations

import ipaddress
import re

from app.drivers.olt.base import UnsafeValueError

# Vendor id (4 letters/digits) + 8 hex digits: "HWTC0A1B2C3D", "ZTEGC0123456".
_SERIAL_RE = re.compile(r"^[A-Z0-9]{4}[0-9A-F]{8}$")
# The same serial with the vendor id hex-encoded: "485754430A1B2C3D".
_SERIAL_HEX_RE = re.compile(r"^[0-9A-F]{16}$")
# Descriptions, PPPoE logins and profile names: no spaces, no shell/CLI metacharacters.
_WORD_RE = re.compile(r"^[A-Za-z0-9._@-]+$")
_TOKEN_RE = re.compile(r"^[A-Za-z0-9._-]+$")
# Characters refused inside SSIDs, keys and passwords even though they are
# printable: quotes end a quoted CLI argument, `;` and `|` separate commands on
# some firmwares, `?` opens the interactive help on Huawei and ZTE CLIs, and a
# backslash is an escape character.
_FORBIDDEN_PRINTABLE = frozenset("\"'`;|?\\")

DESCRIPTION_MAX = 64
# What check_token accepts, for forms that store a profile name long before it is sent.
PROFILE_NAME_PATTERN = r"^[A-Za-z0-9._-]{1,32}$"
LOGIN_MAX = 64
PASSWORD_MAX = 64
SSID_MAX = 32
WPA2_KEY_MIN = 8
WPA2_KEY_MAX = 63
TOKEN_MAX = 32
CLI_LINE_MAX = 512


def normalize_serial(value: str) -> str:
    """Return a GPON serial in its 12-character form (``HWTC0A1B2C3D``).

    Accepts the 12-character form in any case, with an optional ``-`` after the
    vendor id (``HWTC-0A1B2C3D``, as Huawei prints it), and the 16-hex form in
    which the vendor id is hex-encoded ASCII (``485754430A1B2C3D``).

    Raises:
        UnsafeValueError: the value is not a GPON serial.
    """
    if not isinstance(value, str):
        raise UnsafeValueError("Número de série inválido")
    candidate = value.strip().upper()
    if len(candidate) == 13 and candidate[4] == "-":
        candidate = candidate[:4] + candidate[5:]
    if _SERIAL_HEX_RE.match(candidate):
        vendor = bytes.fromhex(candidate[:8]).decode("ascii", errors="replace")
        candidate = vendor + candidate[8:]
    if not _SERIAL_RE.match(candidate):
        raise UnsafeValueError("Número de série inválido")
    return candidate


def serial_to_hex(serial: str) -> str:
    """Return the 16-hex form of a serial (vendor id hex-encoded), as Huawei prints it.

    Raises:
        UnsafeValueError: the value is not a GPON serial.
    """
    canonical = normalize_serial(serial)
    return canonical[:4].encode("ascii").hex().upper() + canonical[4:]


def check_int(name: str, value: object, minimum: int, maximum: int) -> int:
    """Return ``value`` if it is an integer in ``[minimum, maximum]``.

    ``bool`` is refused on purpose: ``True`` would otherwise pass as ``1``.

    Raises:
        UnsafeValueError: not an integer or out of range.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise UnsafeValueError(f"{name} deve ser um número inteiro")
    if not minimum <= value <= maximum:
        raise UnsafeValueError(f"{name} fora do intervalo permitido ({minimum}–{maximum})")
    return value


def check_vlan(value: object) -> int:
    """Return a VLAN id (1–4094).

    Raises:
        UnsafeValueError: not a usable VLAN id.
    """
    return check_int("VLAN", value, 1, 4094)


def _check_word(name: str, value: object, maximum: int, pattern: re.Pattern[str]) -> str:
    if not isinstance(value, str) or not value:
        raise UnsafeValueError(f"{name} é obrigatório")
    if len(value) > maximum:
        raise UnsafeValueError(f"{name} deve ter no máximo {maximum} caracteres")
    if not pattern.match(value):
        raise UnsafeValueError(f"{name} contém caracteres não permitidos")
    return value


def check_description(value: object) -> str:
    """Return an ONU description made only of ``A-Z a-z 0-9 . _ @ -`` (1–64 chars).

    Raises:
        UnsafeValueError: empty, too long or with other characters.
    """
    return _check_word("Descrição", value, DESCRIPTION_MAX, _WORD_RE)


def check_login(value: object) -> str:
    """Return a PPPoE login made only of ``A-Z a-z 0-9 . _ @ -`` (1–64 chars).

    Raises:
        UnsafeValueError: empty, too long or with other characters.
    """
    return _check_word("Login PPPoE", value, LOGIN_MAX, _WORD_RE)


def check_token(name: str, value: object) -> str:
    """Return a profile or ONU type name made of ``A-Z a-z 0-9 . _ -`` (1–32 chars).

    Raises:
        UnsafeValueError: empty, too long or with other characters.
    """
    return _check_word(name, value, TOKEN_MAX, _TOKEN_RE)


def _check_printable(name: str, value: object, minimum: int, maximum: int, spaces: bool) -> str:
    if not isinstance(value, str) or not value:
        raise UnsafeValueError(f"{name} é obrigatório")
    if not minimum <= len(value) <= maximum:
        raise UnsafeValueError(f"{name} deve ter entre {minimum} e {maximum} caracteres")
    for char in value:
        # 0x20–0x7E is printable ASCII; everything else (newline, escape, NUL,
        # non-ASCII that a terminal could reinterpret) is refused.
        if not " " <= char <= "~" or char in _FORBIDDEN_PRINTABLE:
            raise UnsafeValueError(f"{name} contém caracteres não permitidos")
        if char == " " and not spaces:
            raise UnsafeValueError(f"{name} não pode conter espaços")
    if value != value.strip():
        # CLIs trim arguments, so the device would store something else.
        raise UnsafeValueError(f"{name} não pode começar nem terminar com espaço")
    return value


def check_ssid(value: object) -> str:
    """Return an SSID: 1–32 printable ASCII characters, spaces allowed inside.

    Raises:
        UnsafeValueError: empty, too long, or with quotes, ``;``, ``|``, ``?``,
            backslashes, control characters or newlines.
    """
    return _check_printable("SSID", value, 1, SSID_MAX, spaces=True)


def check_wpa2_key(value: object) -> str:
    """Return a WPA2 passphrase: 8–63 printable ASCII characters.

    Raises:
        UnsafeValueError: wrong length or forbidden characters.
    """
    return _check_printable("Senha do Wi-Fi", value, WPA2_KEY_MIN, WPA2_KEY_MAX, spaces=True)


def check_pppoe_password(value: object) -> str:
    """Return a PPPoE password: 1–64 printable ASCII characters without spaces.

    Spaces are refused because vendor CLIs take the password as one bare word.

    Raises:
        UnsafeValueError: empty, too long or with forbidden characters.
    """
    return _check_printable("Senha PPPoE", value, 1, PASSWORD_MAX, spaces=False)


def check_ipv4(name: str, value: object) -> str:
    """Return a dotted IPv4 address in canonical form.

    Raises:
        UnsafeValueError: not an IPv4 address.
    """
    try:
        return str(ipaddress.IPv4Address(str(value).strip()))
    except (ipaddress.AddressValueError, ValueError):
        raise UnsafeValueError(f"{name} não é um endereço IPv4 válido") from None


def check_static_ip(ip: object, mask: object, gateway: object) -> tuple[str, str, str]:
    """Return ``(ip, mask, gateway)`` for a static WAN after checking they fit together.

    The mask must be a dotted netmask, and the gateway must sit in the same
    subnet as the address and differ from it: a typo here leaves a customer
    offline with a configuration the OLT accepted.

    Raises:
        UnsafeValueError: any part is invalid or they do not fit together.
    """
    address = check_ipv4("Endereço IP", ip)
    router = check_ipv4("Gateway", gateway)
    netmask = check_ipv4("Máscara", mask)
    try:
        network = ipaddress.IPv4Network(f"{address}/{netmask}", strict=False)
    except ValueError:
        raise UnsafeValueError("Máscara de rede inválida") from None
    if network.prefixlen == 0 or network.prefixlen > 30:
        raise UnsafeValueError("Máscara de rede inválida")
    if ipaddress.IPv4Address(router) not in network or router == address:
        raise UnsafeValueError("Gateway fora da sub-rede do endereço IP")
    if address in (str(network.network_address), str(network.broadcast_address)):
        raise UnsafeValueError("Endereço IP não pode ser o de rede nem o de broadcast")
    return address, netmask, router


def check_cli_line(line: object) -> str:
    """Return a CLI line if it is a single line of printable ASCII.

    This is the last guard in ``OltDriver.apply``: plans are built from checked
    values already, but ``apply`` is public and must not send a line that
    smuggles a second command.

    Raises:
        UnsafeValueError: control characters, newlines, non-ASCII or too long.
    """
    if not isinstance(line, str) or not line.strip():
        raise UnsafeValueError("Linha de comando vazia")
    if len(line) > CLI_LINE_MAX:
        raise UnsafeValueError("Linha de comando longa demais")
    if any(not " " <= char <= "~" for char in line):
        raise UnsafeValueError("Linha de comando contém caracteres não permitidos")
    return line


def cli_quote(value: str) -> str:
    """Quote a checked value for a CLI argument only when it contains a space.

    Both vendors read ``"a b"`` as one argument. Values without spaces stay bare,
    which is how published scripts write them and what older firmwares expect.
    Callers pass values that went through a check above, so no quote can occur
    inside.
    """
    return f'"{value}"' if " " in value else value
