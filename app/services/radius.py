"""PPPoE logins in FreeRADIUS: create, speed, block, provisional speed, sessions, delete.

A subscription's login is one :class:`~app.models.RadiusLogin` (the panel's record) plus
the FreeRADIUS rows it stands for, named by its username:

- ``radcheck``: exactly one ``Cleartext-Password :=`` row (FreeRADIUS needs the clear
  password for CHAP; it is written with a plain SQL statement so the audit trail never
  copies it);
- ``radreply``: ``Mikrotik-Rate-Limit`` from the plan (``Plan.rate_limit``) and
  ``Framed-IP-Address`` when the subscription has a fixed IP;
- ``radusergroup``: one row, :data:`ACTIVE_GROUP` or the blocked group named by the
  system variable ``GRUPO_RADIUS_BLOQUEADO``, whose ``radgroupreply`` an admin configures
  (a redirect pool, an address list, a low rate).

Two kinds of functions:

- *in-transaction* functions (``add_login``, ``apply_plan_change``, ``apply_block``,
  ``apply_unblock``, ``apply_provisional_speed``) take ORM objects, write into the current
  session and never commit, so that a subscription change and its RADIUS rows are saved
  together. The CoA/Disconnect requests they prepare are sent by
  :func:`dispatch_pending`, which the caller runs **after** its commit (a NAS told about a
  change that is then rolled back would disagree with the database);
- *commands* (``create_login``, ``update_rate_limit``, ``block_login``, ``unblock_login``,
  ``request_login_deletion``) take ids, run one transaction, commit and dispatch.

When a change reaches a login with an open session in ``radacct``, the NAS of that session
is told: a CoA-Request with the attributes that changed, or a Disconnect-Request when a
CoA cannot express the change (the address changes, an attribute disappears, or the
project dictionary does not know an attribute) or when the NAS refuses the CoA (NAK).
Every attempt is a :class:`~app.models.RadiusRequest` whose status says what the NAS
really answered; NAK and timeout are retried (:mod:`app.jobs.radius`) and never shown
as done.

Raises :class:`~app.services.errors.DomainError` subclasses with a message for the user;
permissions are checked by the views and the API.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import secrets
import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, func, insert, inspect, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.drivers.radius import load_dictionary, send_coa, send_disconnect
from app.extensions import RADIUS_BIND, PanelSession, db
from app.models import (
    Nas,
    RadAcct,
    RadCheck,
    RadGroupCheck,
    RadGroupReply,
    RadiusLogin,
    RadiusRequest,
    RadiusRequestKind,
    RadiusRequestStatus,
    RadNas,
    RadReply,
    RadUserGroup,
    Subscription,
    SubscriptionStatus,
    SystemVariable,
)
from app.models.base import aware, utcnow
from app.models.system import RADIUS_BLOCKED_GROUP
from app.services.errors import ConflictError, DomainError, NotFoundError, integrity_message
from config import RADIUS_DEFAULTS, seconds_list, switched_off, switched_on

log = logging.getLogger(__name__)

PASSWORD_ATTRIBUTE = "Cleartext-Password"  # noqa: S105 - an attribute name, not a secret
RATE_LIMIT_ATTRIBUTE = "Mikrotik-Rate-Limit"
FRAMED_IP_ATTRIBUTE = "Framed-IP-Address"
# Group of logins in good standing. It carries no attributes of its own unless an admin
# adds some; it exists so that blocking is a move between two groups.
ACTIVE_GROUP = "ativo"
DEFAULT_BLOCKED_GROUP = "bloqueado"
GROUP_PRIORITY = 1

# Attributes that decide the session's address: changing them needs a new session,
# which only a Disconnect (and the subscriber's reconnection) gives.
ADDRESS_ATTRIBUTES = frozenset(
    {
        "Framed-IP-Address",
        "Framed-IP-Netmask",
        "Framed-Pool",
        "Framed-Route",
        "Framed-IPv6-Address",
        "Framed-IPv6-Prefix",
        "Framed-IPv6-Pool",
        "Framed-IPv6-Route",
        "Delegated-IPv6-Prefix",
        "Mikrotik-Delegated-IPv6-Pool",
    }
)
# Password attributes FreeRADIUS's pap/chap modules know: a user must have one only.
PASSWORD_ATTRIBUTES = frozenset(
    {
        "Cleartext-Password",
        "User-Password",
        "Crypt-Password",
        "MD5-Password",
        "SMD5-Password",
        "SHA-Password",
        "SSHA-Password",
        "SHA2-Password",
        "NT-Password",
        "LM-Password",
        "Password-With-Header",
    }
)
# Operators of reply items (FreeRADIUS "pairmove" semantics) an admin may use.
REPLY_OPERATORS = ("=", ":=", "+=")

USERNAME_MAX = 64
PASSWORD_MIN, PASSWORD_MAX = 4, 128  # RFC 2865 limits User-Password to 128 octets
_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")
# Subscriptions that may have a PPPoE login.
LOGIN_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.SUSPENDED})
# Error-Cause 503: the NAS has no such session.
SESSION_CONTEXT_NOT_FOUND = 503

_PENDING = "radius_pending"
_NAS_CHANGES = "radius_nas_changes"


# --------------------------------------------------------------------------- settings


def _setting(name: str) -> Any:
    """A RADIUS setting of the current app (read from the environment by
    :class:`config.Config`), or its default when the app config lacks it."""
    return current_app.config.get(name, RADIUS_DEFAULTS[name])


@dataclass(frozen=True)
class RadiusSettings:
    """How the panel talks to NAS and FreeRADIUS (from ``RADIUS_*`` settings).

    Attributes:
        timeout: seconds to wait for a NAS reply (``RADIUS_NAS_TIMEOUT``, 3).
        retries: resends inside one attempt (``RADIUS_NAS_RETRIES``, 1).
        attempts: attempts of a request before it is given up
            (``RADIUS_REQUEST_ATTEMPTS``, 3); RQ spaces them by ``retry_intervals``,
            in-process jobs make them one after the other.
        retry_intervals: seconds between RQ attempts (``RADIUS_RETRY_INTERVALS``,
            ``30,120``); needs ``rq worker --with-scheduler``.
        queue: RQ queue of RADIUS jobs (``RADIUS_QUEUE``, ``network``).
        read_clients: keep FreeRADIUS's ``nas`` table in step with the panel's NAS
            (``RADIUS_READ_CLIENTS``, off): it writes each NAS secret there in clear.
        require_message_authenticator: refuse NAS replies without a
            Message-Authenticator (``RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR``, on); off
            accepts them on their Response Authenticator alone (docs/radius.md).
    """

    timeout: float
    retries: int
    attempts: int
    retry_intervals: list[int]
    queue: str
    read_clients: bool
    require_message_authenticator: bool = True


def radius_settings() -> RadiusSettings:
    """The RADIUS settings of the current app (needs an app context).

    :class:`config.Config` reads them from the environment; they are converted again
    here because settings given to ``create_app`` may be text (``"0"``, ``"30,120"``),
    which means what it would mean in the environment.
    """
    intervals = _setting("RADIUS_RETRY_INTERVALS")
    if isinstance(intervals, str):
        intervals = seconds_list(intervals)
    return RadiusSettings(
        timeout=float(_setting("RADIUS_NAS_TIMEOUT")),
        retries=int(_setting("RADIUS_NAS_RETRIES")),
        attempts=max(1, int(_setting("RADIUS_REQUEST_ATTEMPTS"))),
        retry_intervals=[int(i) for i in intervals] or [0],
        queue=str(_setting("RADIUS_QUEUE")),
        read_clients=switched_on(_setting("RADIUS_READ_CLIENTS")),
        require_message_authenticator=not switched_off(
            _setting("RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR")
        ),
    )


# --------------------------------------------------------------------------- validation


def validate_username(value: str | None) -> str:
    """Check a PPPoE login name and return it without surrounding spaces.

    Raises:
        DomainError: empty, longer than 64 characters, or with characters other than
            letters, digits and ``. _ - @`` (a realm), or not starting with a letter
            or digit.
    """
    username = (value or "").strip()
    if not username:
        raise DomainError(_l("Enter the PPPoE login."), field="username")
    if len(username) > USERNAME_MAX:
        raise DomainError(
            _l("The PPPoE login may have at most %(max)d characters.", max=USERNAME_MAX),
            field="username",
        )
    if not _USERNAME.fullmatch(username):
        raise DomainError(
            _l(
                "The PPPoE login may have only letters, digits and . _ - @, "
                "and must start with a letter or a digit."
            ),
            field="username",
        )
    return username


def validate_password(value: str | None) -> str:
    """Check a PPPoE password (printable ASCII without spaces, 4 to 128 characters).

    Raises:
        DomainError: the password breaks those rules.
    """
    password = value or ""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise DomainError(
            _l(
                "The PPPoE password must have from %(min)d to %(max)d characters.",
                min=PASSWORD_MIN,
                max=PASSWORD_MAX,
            ),
            field="password",
        )
    # Routers and ONUs take PPPoE passwords as plain ASCII; anything else fails there.
    if any(not ("!" <= c <= "~") for c in password):
        raise DomainError(
            _l("The PPPoE password may have only letters, digits and symbols, without spaces."),
            field="password",
        )
    return password


def generate_password(length: int = 12) -> str:
    """A random PPPoE password without look-alike characters (0/O, 1/l/I)."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(length))


def validate_fixed_ip(value: str | None) -> str | None:
    """Check a subscription's fixed IP for ``Framed-IP-Address`` (IPv4, unicast).

    Returns:
        The address in canonical form, or None when there is none.

    Raises:
        DomainError: not an IPv4 address a subscriber can get.
    """
    if value is None or not value.strip():
        return None
    try:
        address = ipaddress.IPv4Address(value.strip())
    except ValueError:
        raise DomainError(
            _l("The fixed IP %(ip)s is not a valid IPv4 address.", ip=value), field="fixed_ip"
        ) from None
    if address.is_multicast or address.is_unspecified or address.is_loopback:
        raise DomainError(
            _l("The fixed IP %(ip)s cannot be given to a subscriber.", ip=value),
            field="fixed_ip",
        )
    return str(address)


def plan_rate_limit(subscription: Subscription) -> str:
    """The ``Mikrotik-Rate-Limit`` of the subscription's plan.

    Raises:
        DomainError: the plan sells no internet speed.
    """
    plan = subscription.plan
    if plan is None or not plan.download_kbps or not plan.upload_kbps:
        raise DomainError(
            _l(
                "The plan %(plan)s has no internet speed (download and upload): "
                "it cannot have a PPPoE login.",
                plan=str(plan) if plan else "—",
            )
        )
    return plan.rate_limit


# --------------------------------------------------------------------------- reading


def blocked_group() -> str:
    """The blocked group's name (system variable ``GRUPO_RADIUS_BLOQUEADO``)."""
    value = db.session.scalar(
        select(SystemVariable.value).where(SystemVariable.code == RADIUS_BLOCKED_GROUP)
    )
    return (value or "").strip() or DEFAULT_BLOCKED_GROUP


def login_of(subscription_id: int) -> RadiusLogin | None:
    """The PPPoE login of a subscription, if it has one."""
    return db.session.scalar(
        select(RadiusLogin).where(RadiusLogin.subscription_id == subscription_id).limit(1)
    )


def _apply_pair(reply: dict[str, list[str]], attribute: str, op: str, value: str) -> None:
    # FreeRADIUS moves SQL reply items into the reply with these operators.
    if op == ":=":
        reply[attribute] = [value]
    elif op == "=":
        reply.setdefault(attribute, [value])
    elif op == "+=":
        reply.setdefault(attribute, []).append(value)
    elif op == "-=" and attribute in reply:
        reply[attribute] = [v for v in reply[attribute] if v != value]
    elif op == "!*":
        reply.pop(attribute, None)


def user_groups(username: str) -> list[str]:
    """The FreeRADIUS groups of a username, by priority."""
    return list(
        db.session.scalars(
            select(RadUserGroup.groupname)
            .where(RadUserGroup.username == username)
            .order_by(RadUserGroup.priority, RadUserGroup.id)
        )
    )


def effective_reply(username: str) -> dict[str, list[str]]:
    """The reply attributes FreeRADIUS gives ``username``: its own ``radreply`` items,
    then those of its groups by priority, each with its operator.

    Group check items are not evaluated: a group is taken to apply to its members.
    """
    reply: dict[str, list[str]] = {}
    for row in db.session.scalars(
        select(RadReply).where(RadReply.username == username).order_by(RadReply.id)
    ):
        _apply_pair(reply, row.attribute, row.op, row.value)
    for group in user_groups(username):
        for row in db.session.scalars(
            select(RadGroupReply).where(RadGroupReply.groupname == group).order_by(RadGroupReply.id)
        ):
            _apply_pair(reply, row.attribute, row.op, row.value)
    reply.pop("Fall-Through", None)
    return {name: values for name, values in reply.items() if values}


def group_is_configured(groupname: str) -> bool:
    """Whether an admin gave the group any reply or check attributes."""
    for model in (RadGroupReply, RadGroupCheck):
        if db.session.scalar(select(func.count()).where(model.groupname == groupname)):
            return True
    return False


@dataclass(frozen=True)
class LoginSummary:
    """What the panel shows of a login (never its password)."""

    id: int
    subscription_id: int
    username: str
    blocked: bool
    groups: list[str]
    rate_limit: str | None
    fixed_ip: str | None
    reply: dict[str, list[str]]
    blocked_group: str
    blocked_group_configured: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "subscription_id": self.subscription_id,
            "username": self.username,
            "blocked": self.blocked,
            "groups": self.groups,
            "rate_limit": self.rate_limit,
            "fixed_ip": self.fixed_ip,
            "reply": self.reply,
        }


def login_summary(login: RadiusLogin) -> LoginSummary:
    """The login as FreeRADIUS sees it: groups, effective rate limit, fixed IP, blocked."""
    reply = effective_reply(login.username)
    group = blocked_group()
    return LoginSummary(
        id=login.id,
        subscription_id=login.subscription_id,
        username=login.username,
        blocked=login.blocked,
        groups=user_groups(login.username),
        rate_limit=(reply.get(RATE_LIMIT_ATTRIBUTE) or [None])[0],
        fixed_ip=(reply.get(FRAMED_IP_ATTRIBUTE) or [None])[0],
        reply=reply,
        blocked_group=group,
        blocked_group_configured=group_is_configured(group),
    )


@dataclass(frozen=True)
class RadiusSession:
    """A PPPoE session of a login, from ``radacct``.

    ``download_octets`` is what the NAS sent to the subscriber (its Acct-Output-Octets),
    ``upload_octets`` what it received.
    """

    acct_session_id: str
    online: bool
    started_at: datetime | None
    stopped_at: datetime | None
    duration: timedelta | None
    ip_address: str | None
    nas_ip: str
    nas_name: str | None
    download_octets: int | None
    upload_octets: int | None
    terminate_cause: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "acct_session_id": self.acct_session_id,
            "online": self.online,
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "stopped_at": self.stopped_at.isoformat() if self.stopped_at else None,
            "duration_seconds": int(self.duration.total_seconds()) if self.duration else None,
            "ip_address": self.ip_address,
            "nas_ip": self.nas_ip,
            "nas_name": self.nas_name,
            "download_octets": self.download_octets,
            "upload_octets": self.upload_octets,
            "terminate_cause": self.terminate_cause,
        }


def _ip(value: Any) -> str | None:
    """An address from radacct (INET on PostgreSQL, text on SQLite) as canonical text."""
    if value is None:
        return None
    text = str(value).split("/")[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return text


def _nas_by_ip(ip: str | None) -> Nas | None:
    """The panel's NAS with this address (compared in canonical form)."""
    wanted = _ip(ip)
    if wanted is None:
        return None
    for nas in db.session.scalars(select(Nas)):
        if _ip(nas.ip_address) == wanted:
            return nas
    return None


def open_sessions(username: str) -> list[RadAcct]:
    """Sessions of ``username`` that ``radacct`` shows open (no stop time)."""
    return list(
        db.session.scalars(
            select(RadAcct)
            .where(RadAcct.username == username, RadAcct.acctstoptime.is_(None))
            .order_by(RadAcct.acctstarttime.desc(), RadAcct.radacctid.desc())
        )
    )


def login_sessions(username: str, limit: int = 10) -> list[RadiusSession]:
    """The latest sessions of ``username``, open ones first.

    Duration is the time since start for an open session, else the session time the
    NAS reported (or stop minus start).
    """
    rows = db.session.scalars(
        select(RadAcct)
        .where(RadAcct.username == username)
        .order_by(
            RadAcct.acctstoptime.is_not(None),
            RadAcct.acctstarttime.desc(),
            RadAcct.radacctid.desc(),
        )
        .limit(limit)
    ).all()
    names = {_ip(n.ip_address): n.name for n in db.session.scalars(select(Nas))}
    now = utcnow()
    sessions = []
    for row in rows:
        started, stopped = aware(row.acctstarttime), aware(row.acctstoptime)
        if stopped is None:
            duration = now - started if started else None
        elif row.acctsessiontime is not None:
            duration = timedelta(seconds=row.acctsessiontime)
        else:
            duration = stopped - started if started else None
        nas_ip = _ip(row.nasipaddress) or ""
        sessions.append(
            RadiusSession(
                acct_session_id=row.acctsessionid,
                online=stopped is None,
                started_at=started,
                stopped_at=stopped,
                duration=duration,
                ip_address=_ip(row.framedipaddress),
                nas_ip=nas_ip,
                nas_name=names.get(nas_ip),
                download_octets=row.acctoutputoctets,
                upload_octets=row.acctinputoctets,
                terminate_cause=row.acctterminatecause,
            )
        )
    return sessions


def recent_requests(username: str, limit: int = 10) -> list[RadiusRequest]:
    """The latest CoA/Disconnect requests of ``username``, newest first."""
    return list(
        db.session.scalars(
            select(RadiusRequest)
            .where(RadiusRequest.username == username)
            .order_by(RadiusRequest.id.desc())
            .limit(limit)
        )
    )


def request_is_final(request: RadiusRequest) -> bool:
    """True once nothing more will be sent for this request."""
    return request.finished_at is not None


def request_json(request: RadiusRequest) -> dict[str, Any]:
    """A request's state for the API and the live display (no secret in it)."""
    return {
        "id": request.id,
        "kind": request.kind.value,
        "username": request.username,
        "nas_id": request.nas_id,
        "nas_ip": request.nas_ip,
        "acct_session_id": request.acct_session_id,
        "attributes": request.attributes or {},
        "status": request.status.value,
        "done": request.status is RadiusRequestStatus.ACK,
        "final": request_is_final(request),
        "error_cause": request.error_cause,
        "message": request.message,
        "attempts": request.attempts,
        "created_at": aware(request.created_at).isoformat() if request.created_at else None,
        "finished_at": aware(request.finished_at).isoformat() if request.finished_at else None,
    }


# --------------------------------------------------------------------------- writing rows


def _subscription(subscription_id: int) -> Subscription:
    subscription = db.session.get(Subscription, subscription_id)
    if subscription is None:
        raise NotFoundError(_l("Subscription not found."))
    return subscription


def _should_be_blocked(subscription: Subscription, now: datetime | None = None) -> bool:
    """Suspended subscriptions are blocked unless a provisional speed is running."""
    if subscription.status is SubscriptionStatus.ACTIVE:
        return False
    until = aware(subscription.provisional_until)
    return not (until is not None and until > (now or utcnow()))


def _username_in_freeradius(username: str) -> bool:
    for model in (RadCheck, RadReply, RadUserGroup):
        if db.session.scalar(select(func.count()).where(model.username == username)):
            return True
    return False


def _set_reply(username: str, attribute: str, value: str | None) -> None:
    """Make ``attribute`` appear once in the user's radreply with ``value`` (None: gone)."""
    rows = db.session.scalars(
        select(RadReply)
        .where(RadReply.username == username, RadReply.attribute == attribute)
        .order_by(RadReply.id)
    ).all()
    if value is None:
        for row in rows:
            db.session.delete(row)
        return
    if rows:
        keep, *extra = rows
        keep.op, keep.value = ":=", value
        for row in extra:
            db.session.delete(row)
    else:
        db.session.add(RadReply(username=username, attribute=attribute, op=":=", value=value))


def _set_group(username: str, groupname: str) -> None:
    """Leave the user in exactly one group, ``groupname``.

    The panel manages the group membership of its logins whole: a login is either in
    the active group or in the blocked one, whatever the blocked group was called when
    it was blocked.
    """
    rows = db.session.scalars(
        select(RadUserGroup).where(RadUserGroup.username == username).order_by(RadUserGroup.id)
    ).all()
    if rows:
        keep, *extra = rows
        keep.groupname, keep.priority = groupname, GROUP_PRIORITY
        for row in extra:
            db.session.delete(row)
    else:
        db.session.add(
            RadUserGroup(username=username, groupname=groupname, priority=GROUP_PRIORITY)
        )


def _write_password(username: str, password: str) -> None:
    """One Cleartext-Password row, through plain SQL so the audit trail never holds it."""
    db.session.execute(
        delete(RadCheck).where(
            RadCheck.username == username, RadCheck.attribute.in_(PASSWORD_ATTRIBUTES)
        )
    )
    db.session.execute(
        insert(RadCheck).values(
            username=username, attribute=PASSWORD_ATTRIBUTE, op=":=", value=password
        )
    )


def _requester_id() -> int | None:
    from app.services.audit import current_actor

    return current_actor().user_id


def _pending() -> list[int]:
    """Ids of the requests queued in this transaction, to send after its commit."""
    return db.session.info.setdefault(_PENDING, [])


def _drop_pending(request_ids: Iterable[int]) -> None:
    ids = set(request_ids)
    queue = db.session.info.get(_PENDING, [])
    queue[:] = [request_id for request_id in queue if request_id not in ids]


def _new_request(
    kind: RadiusRequestKind,
    username: str,
    session: RadAcct,
    attributes: dict[str, Any] | None = None,
    requested_by_id: int | None = None,
) -> RadiusRequest:
    """A queued request to the NAS of an open session; sent by :func:`dispatch_pending`."""
    nas_ip = _ip(session.nasipaddress)
    nas = _nas_by_ip(nas_ip)
    sent = dict(attributes or {})
    framed_ip = _ip(session.framedipaddress)
    if framed_ip and ":" not in framed_ip:
        sent[FRAMED_IP_ATTRIBUTE] = framed_ip
    request = RadiusRequest(
        kind=kind,
        username=username,
        nas_id=nas.id if nas else None,
        nas_ip=nas_ip,
        acct_session_id=(session.acctsessionid or "")[:100] or None,
        attributes=sent,
        status=RadiusRequestStatus.QUEUED,
        attempts=0,
        requested_by_id=requested_by_id if requested_by_id is not None else _requester_id(),
    )
    db.session.add(request)
    db.session.flush()
    request.rq_job_id = _rq_job_id(request.id)
    _pending().append(request.id)
    return request


def _coa_attributes(
    before: dict[str, list[str]], after: dict[str, list[str]]
) -> dict[str, Any] | None:
    """What a CoA must carry to turn ``before`` into ``after``, or None when only a
    Disconnect can do it (an address changes, an attribute goes away, or the project
    dictionary cannot encode one)."""
    known = load_dictionary().attributes
    changed: dict[str, Any] = {}
    for name in set(before) | set(after):
        if before.get(name) == after.get(name):
            continue
        if name in ADDRESS_ATTRIBUTES or name not in after or name not in known:
            return None
        values = after[name]
        changed[name] = values[0] if len(values) == 1 else values
    return changed


def _notify_nas(username: str, before: dict[str, list[str]]) -> list[RadiusRequest]:
    """Queue a CoA (or Disconnect) to the NAS of each open session whose reply changed."""
    db.session.flush()
    after = effective_reply(username)
    if before == after:
        return []
    sessions = open_sessions(username)
    if not sessions:
        return []
    attributes = _coa_attributes(before, after)
    if attributes is None:
        return [_new_request(RadiusRequestKind.DISCONNECT, username, s) for s in sessions]
    return [_new_request(RadiusRequestKind.COA, username, s, attributes) for s in sessions]


@dataclass(frozen=True)
class NewLogin:
    """A login just created; ``password`` is only set when the panel generated it."""

    login: RadiusLogin
    password: str | None


def add_login(subscription: Subscription, username: str, password: str | None = None) -> NewLogin:
    """Write the PPPoE login of a subscription in the current transaction (no commit).

    Writes one ``Cleartext-Password`` row in radcheck, the plan's ``Mikrotik-Rate-Limit``
    (and ``Framed-IP-Address`` for a fixed IP) in radreply, and the active group in
    radusergroup, or the blocked group for a suspended subscription. Everything is
    checked before anything is written.

    Args:
        subscription: the subscription (active or suspended).
        username: the PPPoE login, unique in the panel and in FreeRADIUS.
        password: its password; None generates one.

    Returns:
        The login, and the generated password if there was one.

    Raises:
        DomainError: a bad username, password, fixed IP, a plan without speed, or a
            cancelled subscription.
        ConflictError: the subscription already has a login, or the username is taken
            (by the panel or by rows already in the FreeRADIUS tables).
    """
    username = validate_username(username)
    generated = password is None or password == ""
    password = generate_password() if generated else validate_password(password)
    if subscription.status not in LOGIN_STATUSES:
        raise DomainError(_l("A cancelled or inactive plan cannot get a PPPoE login."))
    rate_limit = plan_rate_limit(subscription)
    fixed_ip = validate_fixed_ip(subscription.fixed_ip)
    if subscription.id is not None and login_of(subscription.id) is not None:
        raise ConflictError(_l("This plan already has a PPPoE login."))
    if db.session.scalar(select(RadiusLogin.id).where(RadiusLogin.username == username)):
        raise ConflictError(_l("This PPPoE login is already in use."), field="username")
    if _username_in_freeradius(username):
        raise ConflictError(
            _l(
                "The FreeRADIUS database already has a user %(username)s: "
                "choose another login or remove that user there first.",
                username=username,
            ),
            field="username",
        )

    blocked = _should_be_blocked(subscription)
    login = RadiusLogin(subscription=subscription, username=username, blocked=blocked)
    db.session.add(login)
    db.session.flush()
    _write_password(username, password)
    _set_reply(username, RATE_LIMIT_ATTRIBUTE, rate_limit)
    _set_reply(username, FRAMED_IP_ATTRIBUTE, fixed_ip)
    _set_group(username, blocked_group() if blocked else ACTIVE_GROUP)
    db.session.flush()
    return NewLogin(login, password if generated else None)


def apply_plan_change(subscription: Subscription) -> list[RadiusRequest]:
    """Bring the login's rate limit and fixed IP in line with the subscription (no commit).

    Call it in the transaction that changes the plan (or the fixed IP), then
    :func:`dispatch_pending` after the commit.

    Returns:
        The CoA/Disconnect requests queued for open sessions (none without a login or
        without an open session, or when the reply did not change).

    Raises:
        DomainError: the new plan has no internet speed, or the fixed IP is invalid.
    """
    if subscription.id is None:
        return []
    login = login_of(subscription.id)
    if login is None:
        return []
    rate_limit = plan_rate_limit(subscription)
    fixed_ip = validate_fixed_ip(subscription.fixed_ip)
    before = effective_reply(login.username)
    _set_reply(login.username, RATE_LIMIT_ATTRIBUTE, rate_limit)
    _set_reply(login.username, FRAMED_IP_ATTRIBUTE, fixed_ip)
    return _notify_nas(login.username, before)


def _move(subscription: Subscription, blocked: bool) -> list[RadiusRequest]:
    if subscription.id is None:
        return []
    login = login_of(subscription.id)
    if login is None:
        return []
    before = effective_reply(login.username)
    group = blocked_group()
    if blocked and not group_is_configured(group):
        # Blocking still happens in the panel, but FreeRADIUS will give the login its
        # normal reply until an admin configures the group; the section says so.
        log.warning("RADIUS group %r has no attributes: blocked logins keep their speed", group)
    login.blocked = blocked
    _set_group(login.username, group if blocked else ACTIVE_GROUP)
    return _notify_nas(login.username, before)


def apply_block(subscription: Subscription) -> list[RadiusRequest]:
    """Move the subscription's login to the blocked group (no commit; suspension).

    Returns:
        The requests queued for the NAS of its open sessions.
    """
    return _move(subscription, blocked=True)


def apply_unblock(subscription: Subscription) -> list[RadiusRequest]:
    """Move the subscription's login back to the active group (no commit; reactivation).

    Returns:
        The requests queued for the NAS of its open sessions.
    """
    return _move(subscription, blocked=False)


def apply_provisional_speed(
    subscription: Subscription, until: datetime | None = None
) -> list[RadiusRequest]:
    """Unblock a suspended subscription's login for a provisional speed (no commit).

    The subscription's own service owns the provisional speed (its end, its schedule):
    when it ends, it blocks the login again with :func:`apply_block`.

    Args:
        subscription: the suspended subscription.
        until: end of the provisional speed; default ``subscription.provisional_until``.

    Returns:
        The requests queued for the NAS of its open sessions.

    Raises:
        DomainError: the subscription is not suspended, or no end in the future was given.
    """
    if subscription.status is not SubscriptionStatus.SUSPENDED:
        raise DomainError(_l("Only a suspended plan can get a provisional speed."))
    until = aware(until or subscription.provisional_until)
    if until is None or until <= utcnow():
        raise DomainError(_l("The provisional speed needs an end in the future."))
    return _move(subscription, blocked=False)


# --------------------------------------------------------------------------- commands


def _run(work: Callable[[], Any]) -> Any:
    """Run ``work`` and commit, or roll everything back and explain why."""
    try:
        result = work()
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise ConflictError(integrity_message(exc)) from exc
    except Exception:
        db.session.rollback()
        raise
    dispatch_pending()
    return result


def create_login(subscription_id: int, username: str, password: str | None = None) -> NewLogin:
    """Create the PPPoE login of a subscription (one transaction). See :func:`add_login`.

    Raises:
        NotFoundError: no such subscription.
        DomainError, ConflictError: as :func:`add_login`; nothing is written.
    """
    return _run(lambda: add_login(_subscription(subscription_id), username, password))


def update_rate_limit(subscription_id: int) -> list[RadiusRequest]:
    """Write the plan's rate limit for the subscription's login and tell its NAS.

    Raises:
        NotFoundError: no such subscription.
        DomainError: the plan has no internet speed.
    """
    return _run(lambda: apply_plan_change(_subscription(subscription_id)))


def block_login(subscription_id: int) -> list[RadiusRequest]:
    """Move the subscription's login to the blocked group and tell its NAS.

    Raises:
        NotFoundError: no such subscription.
    """
    return _run(lambda: apply_block(_subscription(subscription_id)))


def unblock_login(subscription_id: int) -> list[RadiusRequest]:
    """Move the subscription's login back to the active group and tell its NAS.

    Raises:
        NotFoundError: no such subscription.
    """
    return _run(lambda: apply_unblock(_subscription(subscription_id)))


# --------------------------------------------------------------------------- deletion


@dataclass(frozen=True)
class LoginDeletion:
    """A requested deletion: the Disconnect requests queued for its open sessions."""

    login_id: int
    username: str
    subscription_id: int
    request_ids: list[int] = field(default_factory=list)


def _disconnect_open_sessions(username: str, requested_by_id: int | None) -> list[int]:
    """Queue a Disconnect for each open session that has none pending or done yet."""
    ids = []
    for session in open_sessions(username):
        existing = db.session.scalar(
            select(RadiusRequest)
            .where(
                RadiusRequest.username == username,
                RadiusRequest.kind == RadiusRequestKind.DISCONNECT,
                RadiusRequest.acct_session_id == session.acctsessionid,
                or_(
                    RadiusRequest.finished_at.is_(None),
                    RadiusRequest.status == RadiusRequestStatus.ACK,
                ),
            )
            .order_by(RadiusRequest.id.desc())
            .limit(1)
        )
        if existing is not None:
            if existing.finished_at is None:
                ids.append(existing.id)
            continue
        request = _new_request(
            RadiusRequestKind.DISCONNECT, username, session, requested_by_id=requested_by_id
        )
        ids.append(request.id)
    return ids


def request_login_deletion(login_id: int, requested_by_id: int | None = None) -> LoginDeletion:
    """Apagar Login Radius: queue the job that removes the login's rows and disconnects
    its open sessions (:func:`app.jobs.radius.delete_login`).

    A Disconnect request is recorded now for each session ``radacct`` shows open, so the
    caller can follow it; the job adds one for any session opened meanwhile. Without
    Redis the job runs before this returns.

    Raises:
        NotFoundError: no such login (already deleted?).
    """
    from app.jobs import enqueue
    from app.jobs.radius import delete_login

    login = db.session.get(RadiusLogin, login_id)
    if login is None:
        raise NotFoundError(_l("This PPPoE login no longer exists."))
    requester = requested_by_id if requested_by_id is not None else _requester_id()
    deletion = LoginDeletion(
        login_id=login.id,
        username=login.username,
        subscription_id=login.subscription_id,
        request_ids=_disconnect_open_sessions(login.username, requester),
    )
    db.session.commit()
    # The job sends the Disconnects once the rows are gone, or the subscriber would
    # reconnect at once with the same login.
    _drop_pending(deletion.request_ids)
    settings = radius_settings()
    enqueue(
        delete_login,
        deletion.login_id,
        deletion.username,
        requester,
        queue_name=settings.queue,
        job_id=f"radius-delete-login-{deletion.login_id}",
        retry=_retry(settings),
    )
    return deletion


def remove_login(login_id: int, username: str, requested_by_id: int | None = None) -> list[int]:
    """Remove a login's rows and queue Disconnects for its open sessions (one commit).

    Safe to run twice: rows already gone are skipped, a session with a pending or
    acknowledged Disconnect gets no second one. If another login took the username
    meanwhile, its rows and sessions are left alone.

    Returns:
        Ids of the Disconnect requests still to send; give them to
        :func:`dispatch_requests`.
    """
    login = db.session.get(RadiusLogin, login_id)
    if login is not None:
        username = login.username
        db.session.execute(delete(RadCheck).where(RadCheck.username == username))
        for model in (RadReply, RadUserGroup):
            for row in db.session.scalars(select(model).where(model.username == username)):
                db.session.delete(row)  # through the ORM, so the audit trail records it
        db.session.delete(login)
        db.session.flush()
    if db.session.scalar(select(RadiusLogin.id).where(RadiusLogin.username == username)):
        ids: list[int] = []
    else:
        ids = _disconnect_open_sessions(username, requested_by_id)
    db.session.commit()
    _drop_pending(ids)  # the caller sends them
    return ids


# --------------------------------------------------------------------------- sending


def _job_id(request_id: int) -> str:
    return f"radius-request-{request_id}"


def _rq_job_id(request_id: int) -> str | None:
    """The RQ job that will carry the request, or None when jobs run in-process."""
    from app.jobs import jobs_inline

    return None if jobs_inline() else _job_id(request_id)


def _retry(settings: RadiusSettings) -> tuple[int, list[int]] | None:
    if settings.attempts <= 1:
        return None
    return settings.attempts - 1, settings.retry_intervals


def dispatch_requests(request_ids: Iterable[int]) -> None:
    """Send queued requests in the background (RQ with retries; in-process: now)."""
    from app.jobs import enqueue
    from app.jobs.radius import send_request

    settings = radius_settings()
    for request_id in request_ids:
        enqueue(
            send_request,
            request_id,
            queue_name=settings.queue,
            job_id=_job_id(request_id),
            retry=_retry(settings),
        )


def dispatch_pending() -> None:
    """Send what the in-transaction functions queued; call it after the commit.

    Without a commit in between, nothing is sent: the session forgets the queue on
    rollback.
    """
    dispatch_requests(db.session.info.pop(_PENDING, []))


def queued_request_ids(older_than: timedelta = timedelta(minutes=5)) -> list[int]:
    """Requests still queued after ``older_than`` (their dispatch was lost)."""
    limit = utcnow() - older_than
    return list(
        db.session.scalars(
            select(RadiusRequest.id).where(
                RadiusRequest.status == RadiusRequestStatus.QUEUED,
                RadiusRequest.finished_at.is_(None),
                RadiusRequest.created_at <= limit,
            )
        )
    )


@dataclass(frozen=True)
class RequestOutcome:
    """What one attempt of a request gave.

    Attributes:
        request_id: the request.
        status: its status afterwards (None if it is gone or another worker holds it).
        retry: a NAK, timeout or local failure that deserves another attempt.
        follow_up: requests created by this attempt (the Disconnect after a CoA-NAK).
    """

    request_id: int
    status: RadiusRequestStatus | None
    retry: bool = False
    follow_up: list[int] = field(default_factory=list)
    message: str = ""


def _finish(request: RadiusRequest, status: RadiusRequestStatus, message: str) -> None:
    request.status = status
    request.message = message
    request.finished_at = utcnow()


def _session_closed(request: RadiusRequest) -> bool:
    if not request.acct_session_id:
        return False
    stopped = db.session.scalar(
        select(func.count()).where(
            RadAcct.username == request.username,
            RadAcct.acctsessionid == request.acct_session_id,
            RadAcct.acctstoptime.is_(None),
        )
    )
    return stopped == 0


def _fallback_disconnect(request: RadiusRequest, framed_ip: str | None) -> int:
    """Queue the Disconnect that replaces a CoA the NAS refused (or cannot be sent)."""
    fallback = RadiusRequest(
        kind=RadiusRequestKind.DISCONNECT,
        username=request.username,
        nas_id=request.nas_id,
        nas_ip=request.nas_ip,
        acct_session_id=request.acct_session_id,
        attributes={FRAMED_IP_ATTRIBUTE: framed_ip} if framed_ip else {},
        status=RadiusRequestStatus.QUEUED,
        attempts=0,
        requested_by_id=request.requested_by_id,
    )
    db.session.add(fallback)
    db.session.flush()
    fallback.rq_job_id = _rq_job_id(fallback.id)
    return fallback.id


def perform_request(request_id: int, *, final: bool = True) -> RequestOutcome:
    """Send one CoA or Disconnect request to its NAS and record the answer (one commit).

    ACK and INVALID_REPLY end the request. A CoA-NAK ends the CoA and creates the
    fallback Disconnect (in ``follow_up``), and so does a CoA whose attributes cannot be
    encoded (FAILED). A Disconnect-NAK or a timeout ends it only
    when ``final``; otherwise ``retry`` asks for another attempt. A Disconnect-NAK
    "session not found" for a session radacct shows closed is not retried: there is
    nothing left to drop. Safe to run twice: a finished request is not sent again, and
    one being sent by another worker is skipped (row lock).

    Args:
        request_id: the RadiusRequest.
        final: this is the last attempt allowed.

    Returns:
        What happened.
    """
    request = db.session.scalar(
        select(RadiusRequest)
        .where(RadiusRequest.id == request_id)
        .with_for_update(skip_locked=True)
    )
    if request is None:
        db.session.rollback()
        return RequestOutcome(request_id, None)
    if request_is_final(request):
        status = request.status
        db.session.rollback()
        return RequestOutcome(request_id, status)

    nas = db.session.get(Nas, request.nas_id) if request.nas_id else _nas_by_ip(request.nas_ip)
    if nas is None or not nas.active:
        message = (
            _(
                "No active NAS with the address %(ip)s is registered in the panel "
                "(Network > NAS): nothing was sent.",
                ip=request.nas_ip or "?",
            )
            if nas is None
            else _("The NAS %(name)s is disabled in the panel: nothing was sent.", name=nas.name)
        )
        _finish(request, RadiusRequestStatus.FAILED, message)
        db.session.commit()
        return RequestOutcome(request_id, request.status, message=message)

    request.nas_id = nas.id
    attributes = dict(request.attributes or {})
    framed_ip = attributes.pop(FRAMED_IP_ATTRIBUTE, None)
    settings = radius_settings()
    options = {
        "acct_session_id": request.acct_session_id,
        "framed_ip": framed_ip,
        "port": nas.coa_port,
        "timeout": settings.timeout,
        "retries": settings.retries,
        "require_message_authenticator": settings.require_message_authenticator,
    }
    try:
        if request.kind is RadiusRequestKind.COA:
            result = send_coa(nas.ip_address, nas.secret, request.username, attributes, **options)
        else:
            result = send_disconnect(nas.ip_address, nas.secret, request.username, **options)
    except (ValueError, TypeError) as error:
        # An attribute the dictionary cannot encode (pyrad raises TypeError for a bad
        # integer). A change a CoA cannot carry is made by dropping the session.
        message = _("The request could not be built: %(error)s", error=str(error))
        follow_up = []
        if request.kind is RadiusRequestKind.COA:
            follow_up.append(_fallback_disconnect(request, framed_ip))
            message += " " + _("A Disconnect-Request follows (request #%(id)d).", id=follow_up[0])
        _finish(request, RadiusRequestStatus.FAILED, message)
        db.session.commit()
        return RequestOutcome(request_id, request.status, follow_up=follow_up, message=message)
    except OSError as error:
        request.attempts += 1
        request.status = RadiusRequestStatus.FAILED
        request.message = _(
            "The request could not be sent to %(nas)s: %(error)s", nas=nas.name, error=str(error)
        )
        if final:
            request.finished_at = utcnow()
        db.session.commit()
        return RequestOutcome(request_id, request.status, retry=not final, message=request.message)

    request.attempts += result.attempts
    request.status = RadiusRequestStatus(result.outcome.value.lower())
    request.error_cause = (
        f"{result.error_cause} {result.error_cause_name or ''}".strip()[:100]
        if result.error_cause is not None
        else None
    )
    message = result.message
    follow_up: list[int] = []
    retry = False
    if request.status in (RadiusRequestStatus.ACK, RadiusRequestStatus.INVALID_REPLY):
        request.finished_at = utcnow()
    elif request.status is RadiusRequestStatus.NAK and request.kind is RadiusRequestKind.COA:
        request.finished_at = utcnow()
        follow_up.append(_fallback_disconnect(request, framed_ip))
        message += " " + _("A Disconnect-Request follows (request #%(id)d).", id=follow_up[0])
    elif (
        request.status is RadiusRequestStatus.NAK
        and result.error_cause == SESSION_CONTEXT_NOT_FOUND
        and _session_closed(request)
    ):
        request.finished_at = utcnow()
        message += " " + _("radacct shows the session closed: not retried.")
    elif final:
        request.finished_at = utcnow()
        message += " " + _(
            "Given up after %(count)d attempt(s): the change was NOT applied to the session.",
            count=request.attempts,
        )
    else:
        retry = True
        message += " " + _("It will be tried again.")
    request.message = message
    db.session.commit()
    return RequestOutcome(request_id, request.status, retry, follow_up, message)


# --------------------------------------------------------------------------- NAS clients


def _nas_row(nas_id: int, name: str, ip: str, secret: str, description: str | None) -> dict:
    return {
        "nasname": ip,
        "shortname": name[:32],
        "type": "other",
        "secret": secret,
        "description": f"isp-panel nas #{nas_id}" + (f": {description}" if description else ""),
    }


def _nas_marker(nas_id: int) -> str:
    return f"isp-panel nas #{nas_id}"


def _radius_connection(session: Session):
    return session.connection(bind_arguments={"mapper": inspect(RadNas)})


def _remove_nas_rows(connection, nas_id: int, addresses: Iterable[str]) -> None:
    marker = _nas_marker(nas_id)
    connection.execute(
        delete(RadNas.__table__).where(
            or_(
                RadNas.__table__.c.nasname.in_([a for a in addresses if a]),
                RadNas.__table__.c.description == marker,
                RadNas.__table__.c.description.like(marker + ":%"),
            )
        )
    )


def _mirror_nas(
    connection,
    nas_id: int,
    values: dict[str, Any],
    *,
    keep: bool = True,
    old_addresses: Iterable[str] = (),
) -> bool:
    """Make FreeRADIUS's ``nas`` table hold the panel's NAS ``nas_id`` as ``values`` say.

    Its rows (found by its addresses, old and current, or by the panel's marker) are
    replaced by one row, or by none when the NAS goes away (``keep`` False), is
    disabled or has no secret.

    Args:
        connection: a connection of the database holding the ``nas`` table.
        nas_id: the panel's NAS.
        values: its ``name``, ``ip``, ``secret``, ``active`` and ``description``.
        keep: False when the NAS is deleted.
        old_addresses: addresses it had before this change.

    Returns:
        Whether a row was written.
    """
    _remove_nas_rows(connection, nas_id, {*old_addresses, values["ip"]})
    if not (keep and values["active"] and values["secret"]):
        return False
    connection.execute(
        insert(RadNas.__table__).values(
            **_nas_row(
                nas_id, values["name"], values["ip"], values["secret"], values["description"]
            )
        )
    )
    return True


def _nas_snapshot(nas: Nas) -> dict[str, Any]:
    return {
        "id": nas.id,
        "name": nas.name,
        "ip": nas.ip_address,
        "secret": nas.secret,
        # A new NAS gets its column default (active) only when inserted.
        "active": nas.active is not False,
        "description": nas.description,
    }


def _collect_nas_changes(session: Session, flush_context, instances) -> None:
    """Note the NAS changed in this flush, with their values read now (before the
    flush, when reading may still load them); they are written after it."""
    # Runs before every flush of every session: read the one flag, not all the settings.
    if not has_app_context() or not switched_on(_setting("RADIUS_READ_CLIENTS")):
        return
    changes = session.info.setdefault(_NAS_CHANGES, [])
    for obj in session.new:
        if isinstance(obj, Nas):
            changes.append(("save", obj, _nas_snapshot(obj), set()))
    for obj in session.dirty:
        if isinstance(obj, Nas) and session.is_modified(obj):
            history = inspect(obj).attrs.ip_address.history
            old = {str(v) for v in history.deleted or () if v}
            changes.append(("save", obj, _nas_snapshot(obj), old))
    for obj in session.deleted:
        if isinstance(obj, Nas):
            changes.append(("delete", obj, _nas_snapshot(obj), set()))


def _write_nas_changes(session: Session, flush_context) -> None:
    """Mirror the noted NAS into FreeRADIUS's ``nas`` table in the same transaction."""
    changes = session.info.pop(_NAS_CHANGES, [])
    if not changes:
        return
    connection = _radius_connection(session)
    for action, nas, values, old_addresses in changes:
        # New rows got their id during the flush; the others kept theirs.
        nas_id = values["id"] if values["id"] is not None else nas.id
        _mirror_nas(connection, nas_id, values, keep=action == "save", old_addresses=old_addresses)


def sync_nas_clients() -> int:
    """Write every active NAS of the panel into FreeRADIUS's ``nas`` table (one commit).

    Only with ``RADIUS_READ_CLIENTS`` on: the table holds each NAS secret in clear,
    because FreeRADIUS reads it from there. Rows an admin made for other addresses stay.

    Returns:
        How many NAS rows were written.

    Raises:
        DomainError: ``RADIUS_READ_CLIENTS`` is off.
    """
    if not radius_settings().read_clients:
        raise DomainError(
            _l(
                "RADIUS_READ_CLIENTS is off: the panel does not write NAS secrets into "
                "FreeRADIUS's nas table."
            )
        )
    connection = _radius_connection(db.session())
    count = 0
    for nas in db.session.scalars(select(Nas).order_by(Nas.id)):
        count += _mirror_nas(connection, nas.id, _nas_snapshot(nas))
    db.session.commit()
    return count


def _forget_pending(session: Session, previous_transaction=None) -> None:
    # What a rolled-back transaction queued must never reach a NAS.
    session.info.pop(_PENDING, None)
    session.info.pop(_NAS_CHANGES, None)


def install_radius_hooks(session_class: type[Session]) -> None:
    """Hook the NAS mirroring and the pending-queue cleanup into ``session_class``."""
    if not event.contains(session_class, "before_flush", _collect_nas_changes):
        event.listen(session_class, "before_flush", _collect_nas_changes)
        event.listen(session_class, "after_flush", _write_nas_changes)
        event.listen(session_class, "after_rollback", _forget_pending)


install_radius_hooks(PanelSession)


def radius_database_url():
    """The URL of the database holding the FreeRADIUS tables (with its password)."""
    engines = db.engines
    engine = engines.get(RADIUS_BIND) or db.engine
    return engine.url


__all__ = [
    "ACTIVE_GROUP",
    "FRAMED_IP_ATTRIBUTE",
    "LOGIN_STATUSES",
    "PASSWORD_ATTRIBUTE",
    "RATE_LIMIT_ATTRIBUTE",
    "LoginDeletion",
    "LoginSummary",
    "NewLogin",
    "RadiusSession",
    "RadiusSettings",
    "RequestOutcome",
    "add_login",
    "apply_block",
    "apply_plan_change",
    "apply_provisional_speed",
    "apply_unblock",
    "block_login",
    "blocked_group",
    "create_login",
    "dispatch_pending",
    "dispatch_requests",
    "effective_reply",
    "install_radius_hooks",
    "login_of",
    "login_sessions",
    "login_summary",
    "open_sessions",
    "perform_request",
    "queued_request_ids",
    "radius_database_url",
    "radius_settings",
    "recent_requests",
    "remove_login",
    "request_is_final",
    "request_json",
    "request_login_deletion",
    "sync_nas_clients",
    "unblock_login",
    "update_rate_limit",
    "validate_fixed_ip",
    "validate_password",
    "validate_username",
]
