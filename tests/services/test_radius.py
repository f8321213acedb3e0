"""PPPoE logins in the FreeRADIUS tables: what the service writes, refuses and reads."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.models import (
    AuditLog,
    PlanKind,
    RadiusLogin,
    RadiusRequest,
    RadiusRequestKind,
    RadiusRequestStatus,
    RadNas,
    RadUserGroup,
    Subscription,
    SubscriptionStatus,
    SystemVariable,
)
from app.models.base import utcnow
from app.models.system import PROVISIONAL_SPEED_DAYS, RADIUS_BLOCKED_GROUP
from app.services import radius
from app.services.errors import ConflictError, DomainError, NotFoundError
from tests.factories import make_plan
from tests.support.i18n import translated
from tests.support.radius import (
    configure_blocked_group,
    counts,
    make_internet_subscription,
    make_nas,
    open_session,
    radius_rows,
)

# Jobs in-process: nothing these tests trigger may land on a shared Redis queue.
pytestmark = pytest.mark.usefixtures("radius_inline")


def test_login_gets_one_password_the_plan_rate_and_the_active_group(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()

    created = radius.create_login(subscription.id, "joao.silva", "s3nha-Forte")

    assert created.password is None  # given, so not echoed back
    assert radius_rows(db_session, "joao.silva") == {
        "radcheck": [("joao.silva", "Cleartext-Password", ":=", "s3nha-Forte")],
        "radreply": [("joao.silva", "Mikrotik-Rate-Limit", ":=", "150000k/300000k")],
        "radusergroup": [("joao.silva", radius.ACTIVE_GROUP)],
    }
    login = db_session.query(RadiusLogin).one()
    assert (login.subscription_id, login.username, login.blocked) == (
        subscription.id,
        "joao.silva",
        False,
    )


def test_the_password_never_reaches_the_audit_trail(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()

    radius.create_login(subscription.id, "maria", "Segredo-123")

    entries = db_session.query(AuditLog).all()
    assert {e.table_name for e in entries} >= {"radius_logins", "radreply", "radusergroup"}
    assert all("Segredo-123" not in str(e.changes) for e in entries)


def test_a_generated_password_is_returned_once_and_is_valid(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()

    created = radius.create_login(subscription.id, "gerada")

    assert created.password and radius.validate_password(created.password)
    assert radius_rows(db_session, "gerada")["radcheck"] == [
        ("gerada", "Cleartext-Password", ":=", created.password)
    ]


def test_fixed_ip_becomes_framed_ip_address(db_session):
    subscription = make_internet_subscription(db_session, fixed_ip="187.45.10.20")
    db_session.commit()

    radius.create_login(subscription.id, "empresa-x", "s3nha-Forte")

    assert ("empresa-x", "Framed-IP-Address", ":=", "187.45.10.20") in radius_rows(
        db_session, "empresa-x"
    )["radreply"]


def test_suspended_subscription_gets_a_blocked_login(db_session):
    subscription = make_internet_subscription(db_session, status=SubscriptionStatus.SUSPENDED)
    db_session.commit()

    radius.create_login(subscription.id, "devedor", "s3nha-Forte")

    assert db_session.query(RadiusLogin).one().blocked
    assert radius_rows(db_session, "devedor")["radusergroup"] == [("devedor", "bloqueado")]


BAD_USERNAME = (
    "The PPPoE login may have only letters, digits and . _ - @, "
    "and must start with a letter or a digit."
)
PASSWORD_LENGTH = "The PPPoE password must have from %(min)d to %(max)d characters."
PASSWORD_CHARACTERS = (
    "The PPPoE password may have only letters, digits and symbols, without spaces."
)


@pytest.mark.parametrize(
    ("username", "password", "field", "msgid", "variables"),
    [
        ("", "s3nha-Forte", "username", "Enter the PPPoE login.", {}),
        ("joão silva", "s3nha-Forte", "username", BAD_USERNAME, {}),
        ("-começa", "s3nha-Forte", "username", BAD_USERNAME, {}),
        (
            "x" * 65,
            "s3nha-Forte",
            "username",
            "The PPPoE login may have at most %(max)d characters.",
            {"max": 64},
        ),
        ("joao", "abc", "password", PASSWORD_LENGTH, {"min": 4, "max": 128}),
        ("joao", "x" * 129, "password", PASSWORD_LENGTH, {"min": 4, "max": 128}),
        ("joao", "com espaço", "password", PASSWORD_CHARACTERS, {}),
    ],
)
def test_bad_login_or_password_is_refused_and_nothing_is_written(
    db_session, username, password, field, msgid, variables
):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    before = counts(db_session)

    with pytest.raises(DomainError) as refused:
        radius.create_login(subscription.id, username, password)

    assert refused.value.field == field
    assert str(refused.value) == translated(msgid, **variables)
    assert counts(db_session) == before


def test_taken_login_is_refused_whether_the_panel_or_freeradius_has_it(db_session):
    first = make_internet_subscription(db_session)
    second = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(first.id, "repetido", "s3nha-Forte")
    # A user an ISP already had in its FreeRADIUS database, unknown to the panel.
    db_session.add(RadUserGroup(username="antigo", groupname="x", priority=1))
    db_session.commit()
    before = counts(db_session)

    with pytest.raises(ConflictError) as taken:
        radius.create_login(second.id, "repetido", "s3nha-Forte")
    assert str(taken.value) == translated("This PPPoE login is already in use.")
    with pytest.raises(ConflictError) as known:
        radius.create_login(second.id, "antigo", "s3nha-Forte")
    assert "antigo" in str(known.value) and known.value.field == "username"

    assert counts(db_session) == before


def test_second_login_for_a_plan_is_refused(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "primeiro", "s3nha-Forte")

    with pytest.raises(ConflictError) as refused:
        radius.create_login(subscription.id, "segundo", "s3nha-Forte")
    assert str(refused.value) == translated("This plan already has a PPPoE login.")

    assert radius_rows(db_session, "segundo") == {
        "radcheck": [],
        "radreply": [],
        "radusergroup": [],
    }


def test_plan_without_speed_bad_fixed_ip_or_cancelled_plan_are_refused(db_session):
    tv = make_internet_subscription(db_session)
    tv.plan = make_plan(db_session, kind=PlanKind.TV, download_kbps=0, upload_kbps=0)
    bad_ip = make_internet_subscription(db_session, fixed_ip="300.1.2.3")
    cancelled = make_internet_subscription(db_session, status=SubscriptionStatus.CANCELLED)
    db_session.commit()
    before = counts(db_session)

    with pytest.raises(DomainError) as no_speed:
        radius.create_login(tv.id, "tv", "s3nha-Forte")
    assert tv.plan.name in str(no_speed.value)
    with pytest.raises(DomainError) as wrong_ip:
        radius.create_login(bad_ip.id, "ip", "s3nha-Forte")
    assert "300.1.2.3" in str(wrong_ip.value) and wrong_ip.value.field == "fixed_ip"
    with pytest.raises(DomainError) as not_active:
        radius.create_login(cancelled.id, "cancelado", "s3nha-Forte")
    assert str(not_active.value) == translated(
        "A cancelled or inactive plan cannot get a PPPoE login."
    )
    with pytest.raises(NotFoundError):
        radius.create_login(999_999, "ninguem", "s3nha-Forte")

    assert counts(db_session) == before


def test_plan_change_rewrites_the_one_rate_limit(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "muda", "s3nha-Forte")

    subscription.plan = make_plan(db_session, download_kbps=500_000, upload_kbps=250_000)
    db_session.commit()
    assert radius.update_rate_limit(subscription.id) == []  # no open session: no CoA

    assert radius_rows(db_session, "muda")["radreply"] == [
        ("muda", "Mikrotik-Rate-Limit", ":=", "250000k/500000k")
    ]


def test_plan_change_inside_the_callers_transaction_is_undone_by_its_rollback(db_session):
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "desfaz", "s3nha-Forte")
    make_nas(db_session)
    open_session(db_session, "desfaz", nas_ip="10.0.0.1")
    db_session.commit()

    subscription.plan = make_plan(db_session, download_kbps=500_000, upload_kbps=250_000)
    queued = radius.apply_plan_change(subscription)
    assert [r.kind for r in queued] == [RadiusRequestKind.COA]
    db_session.rollback()
    radius.dispatch_pending()  # nothing left to send after the rollback

    assert radius_rows(db_session, "desfaz")["radreply"] == [
        ("desfaz", "Mikrotik-Rate-Limit", ":=", "150000k/300000k")
    ]
    assert db_session.query(RadiusRequest).count() == 0


def test_block_moves_to_the_blocked_group_and_unblock_moves_back(db_session):
    subscription = make_internet_subscription(db_session)
    configure_blocked_group(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "bloqueia", "s3nha-Forte")

    radius.block_login(subscription.id)
    summary = radius.login_summary(db_session.query(RadiusLogin).one())
    assert summary.blocked and summary.groups == ["bloqueado"]
    assert summary.reply == {
        "Mikrotik-Rate-Limit": ["1M/1M"],
        "Mikrotik-Address-List": ["bloqueados"],
    }

    radius.unblock_login(subscription.id)
    summary = radius.login_summary(db_session.query(RadiusLogin).one())
    assert not summary.blocked and summary.groups == [radius.ACTIVE_GROUP]
    assert summary.reply == {"Mikrotik-Rate-Limit": ["150000k/300000k"]}


def test_blocked_group_name_comes_from_the_system_variable(db_session):
    variable = db_session.query(SystemVariable).filter_by(code=RADIUS_BLOCKED_GROUP).one()
    variable.value = "suspensos"
    subscription = make_internet_subscription(db_session)
    db_session.commit()
    radius.create_login(subscription.id, "var", "s3nha-Forte")

    radius.block_login(subscription.id)
    assert radius_rows(db_session, "var")["radusergroup"] == [("var", "suspensos")]
    summary = radius.login_summary(db_session.query(RadiusLogin).one())
    assert not summary.blocked_group_configured  # the section warns about it

    # Renamed again meanwhile: unblocking still leaves one group, the active one.
    variable.value = "outro"
    db_session.commit()
    radius.unblock_login(subscription.id)
    assert radius_rows(db_session, "var")["radusergroup"] == [("var", radius.ACTIVE_GROUP)]


def test_provisional_speed_unblocks_and_blocking_again_ends_it(db_session):
    subscription = make_internet_subscription(db_session, status=SubscriptionStatus.SUSPENDED)
    db_session.commit()
    radius.create_login(subscription.id, "provisorio", "s3nha-Forte")
    assert db_session.query(RadiusLogin).one().blocked

    # As the Restabelecer action does it, in its own transaction.
    subscription.provisional_until = utcnow() + timedelta(days=3)
    radius.apply_provisional_speed(subscription)
    db_session.commit()
    assert not db_session.query(RadiusLogin).one().blocked
    assert radius_rows(db_session, "provisorio")["radusergroup"] == [
        ("provisorio", radius.ACTIVE_GROUP)
    ]

    # Its end blocks the login again.
    subscription.provisional_until = None
    radius.apply_block(subscription)
    db_session.commit()
    assert db_session.query(RadiusLogin).one().blocked
    assert radius_rows(db_session, "provisorio")["radusergroup"] == [("provisorio", "bloqueado")]


def test_login_created_during_a_provisional_speed_is_not_blocked(db_session):
    subscription = make_internet_subscription(
        db_session,
        status=SubscriptionStatus.SUSPENDED,
        provisional_until=utcnow() + timedelta(days=1),
    )
    db_session.commit()

    radius.create_login(subscription.id, "durante", "s3nha-Forte")

    assert not db_session.query(RadiusLogin).one().blocked


def test_provisional_speed_needs_a_suspended_plan_and_a_future_end(db_session):
    active = make_internet_subscription(db_session)
    suspended = make_internet_subscription(db_session, status=SubscriptionStatus.SUSPENDED)
    db_session.commit()

    with pytest.raises(DomainError) as not_suspended:
        radius.apply_provisional_speed(active, utcnow() + timedelta(days=1))
    assert str(not_suspended.value) == translated(
        "Only a suspended plan can get a provisional speed."
    )
    with pytest.raises(DomainError) as past:
        radius.apply_provisional_speed(suspended, utcnow() - timedelta(days=1))
    assert str(past.value) == translated("The provisional speed needs an end in the future.")


def test_sessions_show_online_first_with_duration_ip_nas_and_traffic(db_session):
    subscription = make_internet_subscription(db_session)
    nas = make_nas(db_session, ip_address="10.0.0.1", name="BRAS Centro")
    db_session.commit()
    radius.create_login(subscription.id, "navega", "s3nha-Forte")
    open_session(db_session, "navega", nas_ip="10.0.0.1", stopped=True, started_minutes_ago=600)
    open_session(db_session, "navega", nas_ip="10.0.0.1", framed_ip="100.64.1.2")
    open_session(db_session, "outro-cliente", nas_ip="10.0.0.1")
    db_session.commit()

    online, offline = radius.login_sessions("navega")

    assert online.online and not offline.online
    assert online.ip_address == "100.64.1.2"
    assert (online.nas_ip, online.nas_name) == ("10.0.0.1", nas.name)
    assert timedelta(minutes=89) < online.duration < timedelta(minutes=91)
    assert offline.duration == timedelta(seconds=1800)
    assert (online.download_octets, online.upload_octets) == (42_000_000_000, 1_500_000)
    assert offline.terminate_cause == "User-Request"


def test_effective_reply_follows_freeradius_operators(db_session):
    from app.models import RadGroupReply, RadReply

    db_session.add_all(
        [
            RadReply(username="ops", attribute="Mikrotik-Rate-Limit", op=":=", value="10M/10M"),
            RadReply(username="ops", attribute="Session-Timeout", op=":=", value="3600"),
            RadUserGroup(username="ops", groupname="g", priority=1),
            # "=" keeps the user's own value, ":=" replaces it, "+=" adds one more.
            RadGroupReply(groupname="g", attribute="Mikrotik-Rate-Limit", op="=", value="1M/1M"),
            RadGroupReply(groupname="g", attribute="Session-Timeout", op=":=", value="60"),
            RadGroupReply(groupname="g", attribute="Mikrotik-Address-List", op="+=", value="a"),
            RadGroupReply(groupname="g", attribute="Mikrotik-Address-List", op="+=", value="b"),
        ]
    )
    db_session.commit()

    assert radius.effective_reply("ops") == {
        "Mikrotik-Rate-Limit": ["10M/10M"],
        "Session-Timeout": ["60"],
        "Mikrotik-Address-List": ["a", "b"],
    }


class TestWhatTheNasIsSent:
    """Which request a change queues for an open session (sent by the jobs)."""

    @pytest.fixture
    def online(self, db_session):
        subscription = make_internet_subscription(db_session)
        make_nas(db_session, ip_address="10.0.0.1")
        db_session.commit()
        radius.create_login(subscription.id, "online", "s3nha-Forte")
        open_session(db_session, "online", nas_ip="10.0.0.1", framed_ip="100.64.7.7")
        db_session.commit()
        return subscription

    def _queued(self, db_session) -> list[tuple]:
        return [
            (r.kind, r.attributes, r.status)
            for r in db_session.query(RadiusRequest).order_by(RadiusRequest.id)
        ]

    def test_a_new_rate_is_a_coa_with_the_rate_only(self, db_session, online, monkeypatch):
        monkeypatch.setattr(radius, "dispatch_requests", lambda ids: None)
        online.plan = make_plan(db_session, download_kbps=50_000, upload_kbps=25_000)
        radius.apply_plan_change(online)
        db_session.commit()

        assert self._queued(db_session) == [
            (
                RadiusRequestKind.COA,
                {"Mikrotik-Rate-Limit": "25000k/50000k", "Framed-IP-Address": "100.64.7.7"},
                RadiusRequestStatus.QUEUED,
            )
        ]

    def test_a_new_fixed_ip_needs_a_disconnect(self, db_session, online, monkeypatch):
        monkeypatch.setattr(radius, "dispatch_requests", lambda ids: None)
        online.fixed_ip = "187.45.10.21"
        radius.apply_plan_change(online)
        db_session.commit()

        assert [k for k, _a, _s in self._queued(db_session)] == [RadiusRequestKind.DISCONNECT]

    def test_unblocking_drops_an_attribute_so_it_disconnects(self, db_session, online, monkeypatch):
        monkeypatch.setattr(radius, "dispatch_requests", lambda ids: None)
        configure_blocked_group(db_session)
        db_session.commit()

        radius.block_login(online.id)
        radius.unblock_login(online.id)

        block, unblock = self._queued(db_session)
        assert block[0] is RadiusRequestKind.COA
        assert block[1] == {
            "Mikrotik-Rate-Limit": "1M/1M",
            "Mikrotik-Address-List": "bloqueados",
            "Framed-IP-Address": "100.64.7.7",
        }
        # A CoA cannot take the address list away.
        assert unblock[0] is RadiusRequestKind.DISCONNECT

    def test_no_change_in_the_reply_sends_nothing(self, db_session, online, monkeypatch):
        monkeypatch.setattr(radius, "dispatch_requests", lambda ids: None)
        radius.update_rate_limit(online.id)  # same plan
        assert self._queued(db_session) == []


class TestNasClients:
    """FreeRADIUS's nas table follows the panel's NAS only with RADIUS_READ_CLIENTS on."""

    def _nas_rows(self, db_session):
        return sorted((r.nasname, r.shortname, r.secret) for r in db_session.query(RadNas))

    def test_off_by_default_no_secret_is_written(self, db_session):
        make_nas(db_session, ip_address="10.0.0.9", name="BRAS", secret="segredo")
        db_session.commit()

        assert self._nas_rows(db_session) == []
        with pytest.raises(DomainError, match="RADIUS_READ_CLIENTS"):  # a setting's name
            radius.sync_nas_clients()

    def test_on_the_nas_table_follows_adds_edits_and_deletes(self, app, db_session, monkeypatch):
        monkeypatch.setitem(app.config, "RADIUS_READ_CLIENTS", True)
        nas = make_nas(db_session, ip_address="10.0.0.9", name="BRAS", secret="segredo")
        db_session.commit()
        assert self._nas_rows(db_session) == [("10.0.0.9", "BRAS", "segredo")]

        nas.ip_address, nas.secret = "10.0.0.10", "novo-segredo"
        db_session.commit()
        assert self._nas_rows(db_session) == [("10.0.0.10", "BRAS", "novo-segredo")]

        nas.active = False
        db_session.commit()
        assert self._nas_rows(db_session) == []

        nas.active = True
        db_session.commit()
        db_session.delete(nas)
        db_session.commit()
        assert self._nas_rows(db_session) == []

    def test_a_rolled_back_nas_change_leaves_the_table_alone(self, app, db_session, monkeypatch):
        monkeypatch.setitem(app.config, "RADIUS_READ_CLIENTS", True)
        make_nas(db_session, ip_address="10.0.0.9", name="BRAS", secret="segredo")
        db_session.rollback()

        assert self._nas_rows(db_session) == []

    def test_sync_writes_every_active_nas(self, app, db_session, monkeypatch):
        make_nas(db_session, ip_address="10.0.0.9", name="A", secret="s1")
        make_nas(db_session, ip_address="10.0.0.8", name="B", secret="s2", active=False)
        db_session.commit()
        monkeypatch.setitem(app.config, "RADIUS_READ_CLIENTS", True)

        assert radius.sync_nas_clients() == 1
        assert self._nas_rows(db_session) == [("10.0.0.9", "A", "s1")]


# --------------------------------------------------------------------------- one transaction


class TestWrittenWithTheSubscriptionChange:
    """Each action on a subscription writes its login's RADIUS rows in its own
    transaction: they are saved with the change, and when its commit fails neither the
    change nor the rows stay, and no NAS hears of it."""

    @pytest.fixture
    def setup(self, db_session, fake_nas, request):
        from tests.support.actions import build_subscription

        status = request.param
        data = build_subscription(db_session, status=status)
        configure_blocked_group(db_session)
        make_nas(db_session, fake_nas)
        set_days = db_session.query(SystemVariable).filter_by(code=PROVISIONAL_SPEED_DAYS).one()
        set_days.value = "2"
        db_session.commit()
        radius.create_login(data["sub"].id, "na.transacao", "s3nha-Forte")
        open_session(db_session, "na.transacao", fake_nas.host)
        db_session.commit()
        return data

    def _state(self, db_session, data) -> tuple:
        db_session.expire_all()
        sub = db_session.get(Subscription, data["sub"].id)
        login = db_session.query(RadiusLogin).one()
        return (
            sub.status,
            sub.plan_id,
            sub.provisional_until,
            login.blocked,
            radius_rows(db_session, "na.transacao"),
            db_session.query(RadiusRequest).count(),
        )

    @staticmethod
    def _act(name: str, data: dict):
        from app.services import cancellations, plan_changes
        from app.services import subscription_actions as actions
        from tests.support.actions import TODAY

        sub_id = data["sub"].id
        return {
            "change_plan": lambda: plan_changes.change_plan(
                sub_id, data["new_plan"].id, today=TODAY
            ),
            "suspend": lambda: actions.suspend(sub_id, today=TODAY),
            "reactivate": lambda: actions.reactivate(sub_id),
            "provisional_speed": lambda: actions.restore_provisional_speed(sub_id),
            "cancel": lambda: cancellations.cancel_subscription(
                sub_id, "Mudou de cidade", today=TODAY
            ),
        }[name]

    CASES = [
        pytest.param("change_plan", SubscriptionStatus.ACTIVE, "ativo", "300000k/600000k",
                     id="change_plan"),
        pytest.param("suspend", SubscriptionStatus.ACTIVE, "bloqueado", "150000k/300000k",
                     id="suspend"),
        pytest.param("reactivate", SubscriptionStatus.SUSPENDED, "ativo", "150000k/300000k",
                     id="reactivate"),
        pytest.param("provisional_speed", SubscriptionStatus.SUSPENDED, "ativo",
                     "150000k/300000k", id="provisional_speed"),
        pytest.param("cancel", SubscriptionStatus.ACTIVE, "bloqueado", "150000k/300000k",
                     id="cancel"),
    ]

    @pytest.mark.parametrize(("action", "setup", "group", "rate"),
                             [pytest.param(p.values[0], p.values[1], p.values[2], p.values[3],
                                           id=p.id) for p in CASES],
                             indirect=["setup"])
    def test_saved_together_with_one_row_per_attribute(
        self, db_session, fake_nas, setup, action, group, rate
    ):
        self._act(action, setup)()

        rows = radius_rows(db_session, "na.transacao")
        assert rows == {
            "radcheck": [("na.transacao", "Cleartext-Password", ":=", "s3nha-Forte")],
            "radreply": [("na.transacao", "Mikrotik-Rate-Limit", ":=", rate)],
            "radusergroup": [("na.transacao", group)],
        }
        login = db_session.query(RadiusLogin).one()
        assert login.blocked is (group == "bloqueado")
        # The open session heard of it once the change was saved.
        assert fake_nas.requests
        assert all(r.status is RadiusRequestStatus.ACK for r in db_session.query(RadiusRequest))

    @pytest.mark.parametrize(("action", "setup"),
                             [pytest.param(p.values[0], p.values[1], id=p.id) for p in CASES],
                             indirect=["setup"])
    def test_a_failed_commit_keeps_neither_the_change_nor_the_rows(
        self, db_session, fake_nas, setup, action, monkeypatch
    ):
        from app.extensions import db

        before = self._state(db_session, setup)

        def commit_fails():
            db.session.flush()  # everything reached the database, then the commit fails
            raise RuntimeError("the database went away")

        monkeypatch.setattr(db.session, "commit", commit_fails)
        with pytest.raises(RuntimeError):
            self._act(action, setup)()
        monkeypatch.undo()
        db_session.rollback()

        assert self._state(db_session, setup) == before
        assert fake_nas.requests == []


def _radius_environment(monkeypatch, **values):
    """Config() built from exactly these RADIUS_* variables."""
    from config import RADIUS_DEFAULTS, Config

    for name in [*RADIUS_DEFAULTS, "RADIUS_DATABASE_URL"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return Config()


def test_the_radius_settings_have_their_defaults_without_the_environment(monkeypatch):
    config = _radius_environment(monkeypatch)
    assert {name: getattr(config, name) for name in dir(config) if name.startswith("RADIUS_")} == {
        "RADIUS_DATABASE_URL": None,
        "RADIUS_NAS_TIMEOUT": 3.0,
        "RADIUS_NAS_RETRIES": 1,
        "RADIUS_REQUEST_ATTEMPTS": 3,
        "RADIUS_RETRY_INTERVALS": [30, 120],
        "RADIUS_QUEUE": "network",
        "RADIUS_READ_CLIENTS": False,
        "RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR": True,
    }


def test_the_radius_settings_are_read_from_the_environment(monkeypatch):
    config = _radius_environment(
        monkeypatch,
        RADIUS_NAS_TIMEOUT="1.5",
        RADIUS_NAS_RETRIES="0",
        RADIUS_REQUEST_ATTEMPTS=" 5 ",
        RADIUS_RETRY_INTERVALS="10, 60,",
        RADIUS_QUEUE="radius",
        RADIUS_READ_CLIENTS="sim",
        RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR="não",
    )
    assert (config.RADIUS_NAS_TIMEOUT, config.RADIUS_NAS_RETRIES) == (1.5, 0)
    assert (config.RADIUS_REQUEST_ATTEMPTS, config.RADIUS_RETRY_INTERVALS) == (5, [10, 60])
    assert (config.RADIUS_QUEUE, config.RADIUS_READ_CLIENTS) == ("radius", True)
    assert config.RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR is False


def test_a_freeradius_database_of_its_own_is_read_from_the_environment(monkeypatch):
    config = _radius_environment(
        monkeypatch, RADIUS_DATABASE_URL="postgres://panel:s3cret@radius-db/radius"
    )
    # Through psycopg 3, as the panel's own DATABASE_URL; create_app binds it.
    assert config.RADIUS_DATABASE_URL == "postgresql+psycopg://panel:s3cret@radius-db/radius"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RADIUS_NAS_TIMEOUT", "três"),
        ("RADIUS_NAS_RETRIES", "1.5"),
        ("RADIUS_REQUEST_ATTEMPTS", ""),
        ("RADIUS_RETRY_INTERVALS", "30;120"),
    ],
)
def test_a_bad_radius_number_stops_the_configuration(monkeypatch, name, value):
    from config import ConfigError

    with pytest.raises(ConfigError, match=name):
        _radius_environment(monkeypatch, **{name: value})


@pytest.mark.parametrize(
    ("value", "required"),
    [("1", True), ("sim", True), ("typo", True), ("", True), ("0", False), (" Off ", False)],
)
def test_the_environment_keeps_a_protection_on_unless_clearly_turned_off(
    monkeypatch, value, required
):
    config = _radius_environment(monkeypatch, RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR=value)
    assert config.RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR is required


def test_a_setting_that_protects_stays_on_unless_clearly_turned_off(app, monkeypatch):
    for value, required in [(None, True), ("1", True), ("sim", True), ("typo", True),
                            ("0", False), ("off", False), ("não", False), (False, False)]:
        if value is None:
            monkeypatch.delitem(app.config, "RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR", raising=False)
            monkeypatch.delenv("RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR", raising=False)
        else:
            monkeypatch.setitem(app.config, "RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR", value)
        with app.app_context():
            assert radius.radius_settings().require_message_authenticator is required, value
