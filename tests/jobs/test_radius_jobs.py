"""Apagar Login Radius and CoA through the jobs, against a pyrad NAS on 127.0.0.1: every
answer (ACK, NAK, silence, a forged reply) is recorded as it was, NAK and timeout are
retried and never reported as done; and a real RQ worker on the real Redis runs them."""

from __future__ import annotations

import os
import uuid

import pytest
from pyrad import packet

from app.jobs.radius import send_request
from app.models import (
    AuditLog,
    RadiusLogin,
    RadiusRequest,
    RadiusRequestKind,
    RadiusRequestStatus,
)
from app.services import radius
from tests.factories import make_plan
from tests.support.fake_nas import NasBehaviour
from tests.support.i18n import translated
from tests.support.radius import (
    FAST_RADIUS,
    NAS_SECRET,
    SplitNas,
    configure_blocked_group,
    make_internet_subscription,
    make_nas,
    open_session,
    radius_rows,
)

ATTEMPTS = FAST_RADIUS["RADIUS_REQUEST_ATTEMPTS"]


def followed_by(request_id: int) -> str:
    """What a refused CoA's message says about the Disconnect that replaces it."""
    return translated("A Disconnect-Request follows (request #%(id)d).", id=request_id)


@pytest.fixture
def online_login(db_session, fake_nas, radius_inline):
    """A login with an open session on the fake NAS, which the panel knows."""
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas, name="BRAS Teste")
    db_session.commit()
    radius.create_login(subscription.id, "online", "s3nha-Forte")
    session = open_session(db_session, "online", fake_nas.host, framed_ip="100.64.9.9")
    db_session.commit()
    login = db_session.query(RadiusLogin).one()
    return login, session, subscription


def _requests(db_session) -> list[RadiusRequest]:
    db_session.expire_all()
    return db_session.query(RadiusRequest).order_by(RadiusRequest.id).all()


class TestDeleteLogin:
    def test_ack_removes_the_rows_and_drops_the_session(self, db_session, fake_nas, online_login):
        login, session, _subscription = online_login
        admin_id = _user_id(db_session, "tecnico")

        deletion = radius.request_login_deletion(login.id, requested_by_id=admin_id)

        [request] = _requests(db_session)
        assert deletion.request_ids == [request.id]
        assert (request.kind, request.status, request.attempts) == (
            RadiusRequestKind.DISCONNECT,
            RadiusRequestStatus.ACK,
            1,
        )
        assert request.finished_at is not None and request.error_cause is None
        assert "derrubada" in request.message
        assert radius_rows(db_session, "online") == {
            "radcheck": [],
            "radreply": [],
            "radusergroup": [],
        }
        assert db_session.query(RadiusLogin).count() == 0
        [sent] = fake_nas.requests
        assert sent.is_disconnect
        assert sent.attributes["User-Name"] == ["online"]
        assert sent.attributes["Acct-Session-Id"] == [session.acctsessionid]
        assert sent.attributes["Framed-IP-Address"] == ["100.64.9.9"]
        assert sent.message_authenticator_valid is True
        # Audited as the technician's deletion, through the job.
        entry = db_session.query(AuditLog).filter_by(table_name="radius_logins", action="delete")
        entry = entry.one()
        assert (entry.source, entry.user_id, entry.username) == ("job", admin_id, "tecnico")

    def test_without_an_open_session_nothing_is_sent(self, db_session, fake_nas, online_login):
        login, session, _subscription = online_login
        session.acctstoptime = session.acctstarttime
        db_session.commit()

        deletion = radius.request_login_deletion(login.id)

        assert deletion.request_ids == []
        assert _requests(db_session) == []
        assert fake_nas.requests == []
        assert db_session.query(RadiusLogin).count() == 0

    def test_nak_records_its_error_cause_and_is_retried_never_done(
        self, db_session, fake_nas, online_login
    ):
        login, _session, _subscription = online_login
        fake_nas.behaviour, fake_nas.error_cause = NasBehaviour.NAK, 504

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.NAK
        assert request.error_cause == "504 Session-Context-Not-Removable"
        assert request.attempts == ATTEMPTS
        assert len(fake_nas.requests) == ATTEMPTS
        assert request.finished_at is not None
        assert (
            translated(
                "Given up after %(count)d attempt(s): the change was NOT applied to the session.",
                count=ATTEMPTS,
            )
            in request.message
        )
        # The rows are gone all the same: the login cannot authenticate again.
        assert db_session.query(RadiusLogin).count() == 0

    def test_session_not_found_for_a_session_still_open_is_retried(
        self, db_session, fake_nas, online_login
    ):
        login, _session, _subscription = online_login
        fake_nas.behaviour, fake_nas.error_cause = NasBehaviour.NAK, 503

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.NAK
        assert request.error_cause == "503 Session-Context-Not-Found"
        assert len(fake_nas.requests) == ATTEMPTS

    def test_session_not_found_for_a_session_radacct_closed_is_not_retried(
        self, db_session, fake_nas, online_login
    ):
        login, session, _subscription = online_login
        fake_nas.behaviour, fake_nas.error_cause = NasBehaviour.NAK, 503
        deletion_ids = radius._disconnect_open_sessions("online", None)  # queued now ...
        session.acctstoptime = session.acctstarttime  # ... and the session ends meanwhile
        db_session.commit()

        send_request(deletion_ids[0])

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.NAK
        assert len(fake_nas.requests) == 1
        assert request.finished_at is not None

    def test_timeout_is_retried_and_never_reported_as_done(
        self, db_session, fake_nas, online_login
    ):
        login, _session, _subscription = online_login
        fake_nas.behaviour = NasBehaviour.SILENT

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.TIMEOUT
        assert request.attempts == ATTEMPTS  # one send per attempt (RADIUS_NAS_RETRIES=0)
        assert len(fake_nas.requests) == ATTEMPTS
        assert request.finished_at is not None
        assert radius.request_json(request)["done"] is False

    def test_forged_message_authenticator_is_refused(self, db_session, fake_nas, online_login):
        login, _session, _subscription = online_login
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.INVALID_REPLY
        assert "Message-Authenticator" in request.message
        # A forgery is not a network hiccup: no second attempt.
        assert request.attempts == 1 and len(fake_nas.requests) == 1

    def test_an_unsigned_reply_is_refused_by_default_and_not_retried(
        self, db_session, fake_nas, online_login
    ):
        login, _session, _subscription = online_login
        fake_nas.behaviour = NasBehaviour.NO_MESSAGE_AUTHENTICATOR

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.INVALID_REPLY
        assert "sem Message-Authenticator" in request.message
        assert request.attempts == 1 and len(fake_nas.requests) == 1
        assert radius.request_json(request)["done"] is False

    def test_with_the_requirement_off_an_unsigned_ack_is_done_and_says_so(
        self, app, db_session, fake_nas, online_login, monkeypatch
    ):
        login, _session, _subscription = online_login
        monkeypatch.setitem(app.config, "RADIUS_REQUIRE_MESSAGE_AUTHENTICATOR", "0")
        fake_nas.behaviour = NasBehaviour.NO_MESSAGE_AUTHENTICATOR

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.ACK
        assert "sem Message-Authenticator" in request.message
        # Relaxed for a missing signature only: a forged one is refused all the same.
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR
        open_session(db_session, "other", fake_nas.host)
        db_session.commit()
        [forged_id] = radius._disconnect_open_sessions("other", None)
        db_session.commit()
        send_request(forged_id)
        forged = db_session.get(RadiusRequest, forged_id)
        db_session.refresh(forged)
        assert forged.status is RadiusRequestStatus.INVALID_REPLY

    def test_a_nas_the_panel_does_not_know_gets_nothing(self, db_session, online_login):
        login, session, _subscription = online_login
        session.nasipaddress = "192.0.2.55"
        db_session.commit()

        radius.request_login_deletion(login.id)

        [request] = _requests(db_session)
        assert request.status is RadiusRequestStatus.FAILED
        assert "192.0.2.55" in request.message
        assert request.attempts == 0

    def test_running_the_jobs_twice_sends_nothing_more(self, db_session, fake_nas, online_login):
        login, _session, _subscription = online_login
        deletion = radius.request_login_deletion(login.id)

        from app.jobs.radius import delete_login

        delete_login(login.id, "online", None)
        send_request(deletion.request_ids[0])

        assert len(fake_nas.requests) == 1
        assert [r.status for r in _requests(db_session)] == [RadiusRequestStatus.ACK]


class TestCoa:
    def test_plan_change_sends_the_new_rate_by_coa(self, db_session, fake_nas, online_login):
        _login, session, subscription = online_login
        subscription.plan = make_plan(db_session, download_kbps=600_000, upload_kbps=300_000)
        db_session.commit()

        radius.update_rate_limit(subscription.id)

        [request] = _requests(db_session)
        assert (request.kind, request.status) == (RadiusRequestKind.COA, RadiusRequestStatus.ACK)
        [sent] = fake_nas.requests
        assert sent.code == packet.CoARequest
        assert sent.attributes["Mikrotik-Rate-Limit"] == ["300000k/600000k"]
        assert sent.attributes["Acct-Session-Id"] == [session.acctsessionid]
        assert sent.attributes["User-Name"] == ["online"]

    def test_block_sends_the_blocked_group_reply_by_coa(self, db_session, fake_nas, online_login):
        _login, _session, subscription = online_login
        configure_blocked_group(db_session)
        db_session.commit()

        radius.block_login(subscription.id)

        [sent] = fake_nas.requests
        assert sent.code == packet.CoARequest
        assert sent.attributes["Mikrotik-Rate-Limit"] == ["1M/1M"]
        assert sent.attributes["Mikrotik-Address-List"] == ["bloqueados"]

    def test_provisional_speed_and_reactivation_send_the_plans_rate_back_by_coa(
        self, db_session, fake_nas, online_login
    ):
        from app.models import SystemVariable
        from app.models.system import PROVISIONAL_SPEED_DAYS
        from app.services import subscription_actions as actions

        _login, _session, subscription = online_login
        # A blocked group that only lowers the rate: leaving it is a rate change.
        configure_blocked_group(db_session, Mikrotik_Rate_Limit="1M/1M")
        days = db_session.query(SystemVariable).filter_by(code=PROVISIONAL_SPEED_DAYS).one()
        days.value = "2"
        db_session.commit()

        actions.suspend(subscription.id)
        actions.restore_provisional_speed(subscription.id)
        actions.reactivate(subscription.id)  # already unblocked: nothing to tell the NAS

        rates = [r.attributes["Mikrotik-Rate-Limit"] for r in fake_nas.requests]
        assert [r.code for r in fake_nas.requests] == [packet.CoARequest] * 2
        assert rates == [["1M/1M"], ["150000k/300000k"]]
        assert [r.status for r in _requests(db_session)] == [RadiusRequestStatus.ACK] * 2

    def test_coa_nak_falls_back_to_a_disconnect(self, db_session, radius_inline):
        with SplitNas(NasBehaviour.NAK, NasBehaviour.ACK, secret=NAS_SECRET) as nas:
            subscription = make_internet_subscription(db_session)
            make_nas(db_session, nas)
            db_session.commit()
            radius.create_login(subscription.id, "recusa", "s3nha-Forte")
            open_session(db_session, "recusa", nas.host)
            subscription.plan = make_plan(db_session, download_kbps=50_000, upload_kbps=10_000)
            db_session.commit()
            nas.error_cause = 405  # Unsupported-Service

            radius.update_rate_limit(subscription.id)

            coa, disconnect = _requests(db_session)
            assert (coa.kind, coa.status, coa.error_cause) == (
                RadiusRequestKind.COA,
                RadiusRequestStatus.NAK,
                "405 Unsupported-Service",
            )
            assert coa.attempts == 1  # a refused CoA is not retried: the Disconnect follows
            assert followed_by(disconnect.id) in coa.message
            assert (disconnect.kind, disconnect.status) == (
                RadiusRequestKind.DISCONNECT,
                RadiusRequestStatus.ACK,
            )
            assert [r.code for r in nas.requests] == [
                packet.CoARequest,
                packet.DisconnectRequest,
            ]

    def test_a_coa_that_cannot_be_encoded_becomes_a_disconnect(
        self, db_session, fake_nas, online_login
    ):
        _login, _session, subscription = online_login
        # Written straight into radgroupreply (an existing FreeRADIUS database, say):
        # the panel's screen would refuse this value.
        configure_blocked_group(db_session, Session_Timeout="uma hora")
        db_session.commit()

        radius.block_login(subscription.id)

        coa, disconnect = _requests(db_session)
        assert (coa.kind, coa.status, coa.attempts) == (
            RadiusRequestKind.COA,
            RadiusRequestStatus.FAILED,
            0,
        )
        assert followed_by(disconnect.id) in coa.message
        assert (disconnect.kind, disconnect.status) == (
            RadiusRequestKind.DISCONNECT,
            RadiusRequestStatus.ACK,
        )
        assert [r.code for r in fake_nas.requests] == [packet.DisconnectRequest]

    def test_coa_timeout_is_retried_and_not_replaced_by_a_disconnect(
        self, db_session, fake_nas, online_login
    ):
        _login, _session, subscription = online_login
        fake_nas.behaviour = NasBehaviour.SILENT
        subscription.plan = make_plan(db_session, download_kbps=50_000, upload_kbps=10_000)
        db_session.commit()

        radius.update_rate_limit(subscription.id)

        [coa] = _requests(db_session)
        assert (coa.kind, coa.status, coa.attempts) == (
            RadiusRequestKind.COA,
            RadiusRequestStatus.TIMEOUT,
            ATTEMPTS,
        )
        assert {r.code for r in fake_nas.requests} == {packet.CoARequest}

    def test_wrong_secret_reply_is_an_invalid_reply(self, db_session, fake_nas, online_login):
        _login, _session, subscription = online_login
        fake_nas.behaviour = NasBehaviour.WRONG_SECRET
        subscription.plan = make_plan(db_session, download_kbps=50_000, upload_kbps=10_000)
        db_session.commit()

        radius.update_rate_limit(subscription.id)

        [coa] = _requests(db_session)
        assert coa.status is RadiusRequestStatus.INVALID_REPLY
        assert "segredo" in coa.message


# --------------------------------------------------------------------------- real RQ

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_or_skip():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        pytest.skip("no Redis at REDIS_URL")
    return connection


@pytest.fixture
def rq_app(make_app):
    """An app whose RADIUS jobs go to a queue of their own on the real Redis."""
    connection = _redis_or_skip()
    from rq import Queue

    name = f"test-radius-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    queued = make_app(REDIS_URL=REDIS_URL, RADIUS_QUEUE=name, **FAST_RADIUS)
    yield queued, Queue(name, connection=connection)
    Queue(name, connection=connection).delete(delete_jobs=True)


def _work(queued_app, queue) -> None:
    """Run a burst worker on ``queue`` with the test app, as `rq worker` would."""
    from rq import SimpleWorker

    import app.jobs as jobs

    jobs._worker_app = queued_app
    try:
        # The jobs run in this app's context, so they enqueue on its Redis queue.
        with queued_app.app_context():
            SimpleWorker([queue], connection=queue.connection).work(burst=True)
    finally:
        jobs._worker_app = None


def test_rq_worker_deletes_the_login_and_disconnects(db_session, app, fake_nas, rq_app):
    queued_app, queue = rq_app
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas)
    db_session.commit()
    radius.create_login(subscription.id, "fila", "s3nha-Forte")
    open_session(db_session, "fila", fake_nas.host)
    db_session.commit()
    login_id = db_session.query(RadiusLogin).one().id

    with queued_app.app_context():
        deletion = radius.request_login_deletion(login_id)
    # Queued, not run: the rows are still there and nothing was sent.
    assert queue.count == 1
    assert db_session.query(RadiusLogin).count() == 1
    assert [r.status for r in _requests(db_session)] == [RadiusRequestStatus.QUEUED]

    _work(queued_app, queue)

    db_session.expire_all()
    assert db_session.query(RadiusLogin).count() == 0
    [request] = _requests(db_session)
    assert request.id == deletion.request_ids[0]
    assert request.status is RadiusRequestStatus.ACK
    assert request.rq_job_id == f"radius-request-{request.id}"
    assert len(fake_nas.requests) == 1


def test_rq_retries_a_timeout_then_gives_up_without_reporting_done(
    db_session, app, fake_nas, rq_app
):
    queued_app, queue = rq_app
    fake_nas.behaviour = NasBehaviour.SILENT
    subscription = make_internet_subscription(db_session)
    make_nas(db_session, fake_nas)
    db_session.commit()
    radius.create_login(subscription.id, "lenta", "s3nha-Forte")
    open_session(db_session, "lenta", fake_nas.host)
    db_session.commit()
    login_id = db_session.query(RadiusLogin).one().id

    with queued_app.app_context():
        radius.request_login_deletion(login_id)
    _work(queued_app, queue)

    [request] = _requests(db_session)
    assert request.status is RadiusRequestStatus.TIMEOUT
    assert request.attempts == ATTEMPTS == len(fake_nas.requests)
    assert request.finished_at is not None
    from rq.job import Job

    job = Job.fetch(request.rq_job_id, connection=queue.connection)
    # RQ re-ran it until its retries ran out; the last run recorded the outcome and ended.
    assert job.retries_left == 0
    assert job.get_status() == "finished"


def _user_id(db_session, username: str) -> int:
    from flask import current_app

    return current_app.appbuilder.sm.find_user(username=username).id
