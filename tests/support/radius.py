"""Fixtures and builders for the RADIUS area's tests (services, jobs, views, API).

Test modules import the fixtures they use from here (``from tests.support.radius
import fake_nas, radius_inline  # noqa: F401``), which keeps them out of the shared
conftest files.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pyrad import packet

from app.models import (
    Nas,
    RadAcct,
    RadCheck,
    RadGroupReply,
    RadiusLogin,
    RadiusRequest,
    RadReply,
    RadUserGroup,
)
from app.models.base import utcnow
from tests.factories import make_plan, make_subscription
from tests.support.fake_nas import FakeNas, NasBehaviour

NAS_SECRET = "nas-secret"
# Quick NAS exchanges: each attempt waits 0.2 s for a reply and sends once.
FAST_RADIUS = {
    "RADIUS_NAS_TIMEOUT": 0.2,
    "RADIUS_NAS_RETRIES": 0,
    "RADIUS_REQUEST_ATTEMPTS": 3,
    "RADIUS_RETRY_INTERVALS": [0],
}


class SplitNas(FakeNas):
    """A fake NAS that answers CoA and Disconnect differently (a NAS that refuses CoA)."""

    def __init__(self, coa: NasBehaviour, disconnect: NasBehaviour, **kwargs) -> None:
        super().__init__(**kwargs)
        self.coa_behaviour = coa
        self.disconnect_behaviour = disconnect

    def _answer(self, request: packet.CoAPacket) -> None:
        self.behaviour = (
            self.disconnect_behaviour
            if request.code == packet.DisconnectRequest
            else self.coa_behaviour
        )
        super()._answer(request)


@pytest.fixture
def radius_inline(app, monkeypatch) -> None:
    """Jobs in-process and quick NAS exchanges for this test, whatever REDIS_URL says."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    for key, value in FAST_RADIUS.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def fake_nas() -> Iterator[FakeNas]:
    """A NAS on 127.0.0.1 that acknowledges CoA and Disconnect until told otherwise."""
    with FakeNas(secret=NAS_SECRET) as nas:
        yield nas


def make_nas(session, fake: FakeNas | None = None, **kw) -> Nas:
    """A NAS record; pointed at ``fake`` (its address, port and secret) when given."""
    nas = Nas(
        name=kw.pop("name", f"Concentrador {uuid.uuid4().hex[:6]}"),
        ip_address=kw.pop("ip_address", fake.host if fake else "10.0.0.1"),
        secret=kw.pop("secret", fake.secret if fake else NAS_SECRET),
        coa_port=kw.pop("coa_port", fake.port if fake else 3799),
        **kw,
    )
    session.add(nas)
    session.flush()
    return nas


def make_internet_subscription(session, download_kbps=300_000, upload_kbps=150_000, **kw):
    """A subscription of an internet plan (300/150 Mbps unless told otherwise)."""
    plan = make_plan(session, download_kbps=download_kbps, upload_kbps=upload_kbps)
    return make_subscription(session, plan=plan, **kw)


def open_session(
    session,
    username: str,
    nas_ip: str = "127.0.0.1",
    *,
    framed_ip: str = "100.64.0.10",
    started_minutes_ago: int = 90,
    stopped: bool = False,
    input_octets: int | None = 1_500_000,
    output_octets: int | None = 42_000_000_000,
) -> RadAcct:
    """A radacct row of ``username`` (open unless ``stopped``)."""
    started = utcnow() - timedelta(minutes=started_minutes_ago)
    unique = uuid.uuid4().hex
    row = RadAcct(
        acctsessionid=unique[:8],
        acctuniqueid=unique,
        username=username,
        nasipaddress=nas_ip,
        acctstarttime=started,
        acctstoptime=started + timedelta(minutes=30) if stopped else None,
        acctsessiontime=1800 if stopped else None,
        framedipaddress=framed_ip,
        acctinputoctets=input_octets,
        acctoutputoctets=output_octets,
        acctterminatecause="User-Request" if stopped else None,
    )
    session.add(row)
    session.flush()
    return row


def configure_blocked_group(session, group: str = "bloqueado", **attributes: str) -> None:
    """Give the blocked group reply attributes (``:=``), as an admin would."""
    attributes = attributes or {
        "Mikrotik-Rate-Limit": "1M/1M",
        "Mikrotik-Address-List": "bloqueados",
    }
    for name, value in attributes.items():
        session.add(
            RadGroupReply(groupname=group, attribute=name.replace("_", "-"), op=":=", value=value)
        )
    session.flush()


def radius_rows(session, username: str | None = None) -> dict[str, list[tuple]]:
    """The FreeRADIUS rows (of ``username``, or all) as comparable tuples."""

    def rows(model, *columns):
        query = session.query(model)
        if username is not None:
            query = query.filter(model.username == username)
        return sorted(tuple(getattr(r, c) for c in columns) for r in query)

    return {
        "radcheck": rows(RadCheck, "username", "attribute", "op", "value"),
        "radreply": rows(RadReply, "username", "attribute", "op", "value"),
        "radusergroup": rows(RadUserGroup, "username", "groupname"),
    }


def counts(session) -> dict[str, int]:
    """How many rows the RADIUS area has, table by table."""
    return {
        model.__tablename__: session.query(model).count()
        for model in (RadCheck, RadReply, RadUserGroup, RadiusLogin, RadiusRequest)
    }


__all__ = [
    "FAST_RADIUS",
    "NAS_SECRET",
    "SplitNas",
    "configure_blocked_group",
    "counts",
    "fake_nas",
    "make_internet_subscription",
    "make_nas",
    "open_session",
    "radius_inline",
    "radius_rows",
]
