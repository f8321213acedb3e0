"""The project's RADIUS dictionary: it loads, encodes MikroTik attributes, matches FreeRADIUS."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from pyrad import packet

from app.drivers.radius import load_dictionary

FREERADIUS_DICTIONARIES = Path("/usr/share/freeradius")


def test_loads_the_attributes_the_panel_uses():
    dictionary = load_dictionary()

    for name in (
        "User-Name",
        "User-Password",
        "NAS-Identifier",
        "Framed-IP-Address",
        "Acct-Session-Id",
        "Acct-Status-Type",
        "Acct-Terminate-Cause",
        "Event-Timestamp",
        "Message-Authenticator",
        "Error-Cause",
        "Mikrotik-Rate-Limit",
        "Mikrotik-Address-List",
    ):
        assert name in dictionary, name
    assert dictionary["User-Password"].encrypt == 1
    assert dictionary["Mikrotik-Rate-Limit"].vendor == "Mikrotik"
    assert dictionary.vendors.GetForward("Mikrotik") == 14988


def test_encodes_mikrotik_rate_limit_as_a_vendor_specific_attribute():
    request = packet.CoAPacket(secret=b"s", dict=load_dictionary(), id=7)
    request["Mikrotik-Rate-Limit"] = "50M/100M"

    raw = request.RequestPacket()

    value = b"50M/100M"
    vendor_attribute = struct.pack("!BB", 8, 2 + len(value)) + value
    expected = struct.pack("!BBI", 26, 6 + len(vendor_attribute), 14988) + vendor_attribute
    assert raw[20:] == expected

    decoded = packet.CoAPacket(packet=raw, secret=b"s", dict=load_dictionary())
    assert decoded["Mikrotik-Rate-Limit"] == ["50M/100M"]


def test_error_cause_values_have_their_rfc_5176_names():
    values = load_dictionary()["Error-Cause"].values

    named = {struct.unpack("!I", raw)[0]: name for raw, name in values.backward.items()}

    assert named[503] == "Session-Context-Not-Found"
    assert named[401] == "Unsupported-Attribute"
    assert named[404] == "Invalid-Request"
    assert set(named) == {
        201, 202, 401, 402, 403, 404, 405, 406, 407,
        501, 502, 503, 504, 505, 506, 507, 508,
    }  # fmt: skip


def _freeradius_attributes() -> dict[str, tuple[int, str, str]]:
    """Name -> (code, type, vendor) of FreeRADIUS's own dictionaries."""
    attributes: dict[str, tuple[int, str, str]] = {}
    for path in sorted(FREERADIUS_DICTIONARIES.glob("dictionary.*")):
        vendor = ""
        for line in path.read_text(errors="replace").splitlines():
            words = line.split("#", 1)[0].split()
            if not words:
                continue
            if words[0] == "BEGIN-VENDOR":
                vendor = words[1]
            elif words[0] == "END-VENDOR":
                vendor = ""
            elif words[0] == "ATTRIBUTE" and len(words) >= 4 and words[2].isdigit():
                datatype = re.sub(r"\[.*\]", "", words[3])
                attributes.setdefault(words[1], (int(words[2]), datatype, vendor))
    return attributes


@pytest.mark.skipif(
    not (FREERADIUS_DICTIONARIES / "dictionary.mikrotik").exists(),
    reason="FreeRADIUS dictionaries are not installed (apt-get install freeradius-common)",
)
def test_every_attribute_means_the_same_as_in_freeradius():
    # The panel writes attribute names into radreply; FreeRADIUS must read
    # them as the attributes the panel's client sends and decodes.
    freeradius = _freeradius_attributes()

    ours = load_dictionary().attributes
    assert len(ours) > 90
    for name, attribute in ours.items():
        assert name in freeradius, name
        assert freeradius[name] == (attribute.code, attribute.type, attribute.vendor), name
