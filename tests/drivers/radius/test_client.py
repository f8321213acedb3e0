"""CoA and Disconnect against a fake NAS: every outcome the operator can see."""

from __future__ import annotations

import time

import pytest
from pyrad import packet

from app.drivers.radius import RadiusOutcome, encodable_value, send_coa, send_disconnect
from tests.support.fake_nas import FakeNas, NasBehaviour

FAST = {"timeout": 0.3, "retries": 0}


def disconnect(nas: FakeNas, **options):
    return send_disconnect(
        nas.host,
        nas.secret,
        "joao.silva",
        acct_session_id="81a0001f",
        framed_ip="100.64.10.7",
        port=nas.port,
        **{**FAST, **options},
    )


def coa(nas: FakeNas, rate_limit: str = "50M/100M", **options):
    return send_coa(
        nas.host,
        nas.secret,
        "joao.silva",
        {"Mikrotik-Rate-Limit": rate_limit},
        acct_session_id="81a0001f",
        port=nas.port,
        **{**FAST, **options},
    )


class TestDisconnect:
    def test_ack_drops_the_session_identified_by_login_session_and_address(self, fake_nas):
        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.ACK
        assert result.acknowledged
        assert "joao.silva" in result.message and "derrubada" in result.message
        assert result.error_cause is None
        [request] = fake_nas.requests
        assert request.code == packet.DisconnectRequest
        assert request.attributes["User-Name"] == ["joao.silva"]
        assert request.attributes["Acct-Session-Id"] == ["81a0001f"]
        assert request.attributes["Framed-IP-Address"] == ["100.64.10.7"]
        assert abs(request.attributes["Event-Timestamp"][0] - time.time()) < 60
        assert request.message_authenticator_valid is True

    def test_optional_session_attributes_are_left_out(self, fake_nas):
        result = send_disconnect(
            fake_nas.host, fake_nas.secret, "maria", port=fake_nas.port, **FAST
        )

        assert result.acknowledged
        [request] = fake_nas.requests
        assert set(request.attributes) == {"User-Name", "Event-Timestamp"}

    def test_nak_reports_the_error_cause(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NAK
        fake_nas.error_cause = 503

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.NAK
        assert not result.acknowledged
        assert result.error_cause == 503
        assert result.error_cause_name == "Session-Context-Not-Found"
        assert "sessão não encontrada" in result.message
        assert "Error-Cause 503 Session-Context-Not-Found" in result.message

    def test_nak_without_error_cause_says_so(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NAK
        fake_nas.error_cause = None

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.NAK
        assert result.error_cause is None and result.error_cause_name is None
        assert "sem Error-Cause" in result.message

    def test_nak_with_an_unnamed_error_cause_keeps_the_number(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NAK
        fake_nas.error_cause = 599

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.NAK
        assert (result.error_cause, result.error_cause_name) == (599, None)
        assert "Error-Cause 599" in result.message

    def test_silent_nas_times_out_after_sending_again(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.SILENT

        started = time.monotonic()
        result = disconnect(fake_nas, timeout=0.2, retries=2)
        elapsed = time.monotonic() - started

        assert result.outcome is RadiusOutcome.TIMEOUT
        assert not result.acknowledged
        assert result.attempts == 3
        assert len(fake_nas.requests) == 3
        assert 0.55 < elapsed < 2
        assert "não respondeu" in result.message and str(fake_nas.port) in result.message

    def test_forged_message_authenticator_is_an_invalid_reply_not_an_ack(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert not result.acknowledged
        assert "Message-Authenticator inválido" in result.message
        assert result.reply_attributes == {}

    def test_reply_without_message_authenticator_is_refused(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NO_MESSAGE_AUTHENTICATOR

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert "sem Message-Authenticator" in result.message

    def test_reply_signed_with_another_secret_is_refused(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.WRONG_SECRET

        result = disconnect(fake_nas)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert "segredo" in result.message

    def test_invalid_reply_is_not_retried(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR

        result = disconnect(fake_nas, retries=3)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert result.attempts == 1
        assert len(fake_nas.requests) == 1

    def test_nas_drops_a_request_with_the_wrong_secret(self, fake_nas):
        result = send_disconnect(
            fake_nas.host, "wrong-secret", "joao.silva", port=fake_nas.port, **FAST
        )

        assert result.outcome is RadiusOutcome.TIMEOUT
        assert fake_nas.requests == []
        assert fake_nas.dropped


class TestCoA:
    def test_ack_changes_the_rate_limit(self, fake_nas):
        result = coa(fake_nas, "50M/100M")

        assert result.outcome is RadiusOutcome.ACK
        assert result.acknowledged
        assert "alterada" in result.message
        [request] = fake_nas.requests
        assert request.code == packet.CoARequest
        assert request.attributes["Mikrotik-Rate-Limit"] == ["50M/100M"]
        assert request.attributes["User-Name"] == ["joao.silva"]
        assert request.attributes["Acct-Session-Id"] == ["81a0001f"]
        assert request.message_authenticator_valid is True

    def test_several_attributes_and_repeated_values(self, fake_nas):
        result = send_coa(
            fake_nas.host,
            fake_nas.secret,
            "joao.silva",
            {
                "Mikrotik-Rate-Limit": "1M/1M",
                "Mikrotik-Address-List": ["bloqueados", "aviso"],
                "Session-Timeout": 3600,
            },
            port=fake_nas.port,
            **FAST,
        )

        assert result.acknowledged
        [request] = fake_nas.requests
        assert request.attributes["Mikrotik-Address-List"] == ["bloqueados", "aviso"]
        assert request.attributes["Session-Timeout"] == [3600]

    def test_nak_reports_the_error_cause(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NAK
        fake_nas.error_cause = 401

        result = coa(fake_nas)

        assert result.outcome is RadiusOutcome.NAK
        assert result.error_cause == 401
        assert result.error_cause_name == "Unsupported-Attribute"
        assert "não suporta um dos atributos" in result.message
        assert result.reply_attributes["Error-Cause"] == ["Unsupported-Attribute"]

    def test_silent_nas_times_out(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.SILENT

        started = time.monotonic()
        result = coa(fake_nas, timeout=0.2, retries=1)

        assert result.outcome is RadiusOutcome.TIMEOUT
        assert result.attempts == 2
        assert len(fake_nas.requests) == 2
        assert time.monotonic() - started < 1.5

    def test_forged_message_authenticator_is_an_invalid_reply_not_an_ack(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR

        result = coa(fake_nas)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert not result.acknowledged
        assert "Message-Authenticator inválido" in result.message

    def test_reply_without_message_authenticator_is_refused(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NO_MESSAGE_AUTHENTICATOR

        result = coa(fake_nas)

        assert result.outcome is RadiusOutcome.INVALID_REPLY

    def test_unknown_attribute_is_refused_before_sending(self, fake_nas):
        with pytest.raises(ValueError, match="Mikrotik-Velocidade"):
            send_coa(
                fake_nas.host,
                fake_nas.secret,
                "joao.silva",
                {"Mikrotik-Velocidade": "50M"},
                port=fake_nas.port,
                **FAST,
            )
        assert fake_nas.requests == []


def test_a_disconnect_ack_does_not_answer_a_coa(fake_nas, monkeypatch):
    # A NAS (or an attacker with the secret) answering with the wrong kind of
    # ACK has not done what was asked.
    original = fake_nas.CreateReplyPacket

    def disconnect_ack(request, **attributes):
        reply = original(request, **attributes)
        reply.code = packet.DisconnectACK
        return reply

    monkeypatch.setattr(fake_nas, "CreateReplyPacket", disconnect_ack)

    result = coa(fake_nas)

    assert result.outcome is RadiusOutcome.INVALID_REPLY
    assert "código RADIUS 41" in result.message


class TestUnsignedReplies:
    """``require_message_authenticator=False``: RFC 5176 makes the Message-Authenticator
    optional in CoA/Disconnect replies, and a NAS that leaves it out can be accepted on
    its Response Authenticator; nothing else is relaxed."""

    LENIENT = {"require_message_authenticator": False}

    def test_an_unsigned_ack_is_accepted_and_said_to_be_unsigned(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NO_MESSAGE_AUTHENTICATOR

        result = disconnect(fake_nas, **self.LENIENT)

        assert result.outcome is RadiusOutcome.ACK
        assert result.acknowledged and result.signed is False
        assert "sem Message-Authenticator" in result.message

    def test_an_unsigned_coa_nak_keeps_its_error_cause(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.NAK
        fake_nas.error_cause = 401
        original = fake_nas.CreateReplyPacket

        def unsigned(request, **attributes):
            reply = original(request, **attributes)
            reply.message_authenticator = None
            return reply

        fake_nas.CreateReplyPacket = unsigned

        result = coa(fake_nas, **self.LENIENT)

        assert result.outcome is RadiusOutcome.NAK
        assert (result.error_cause, result.signed) == (401, False)

    def test_a_signed_ack_is_marked_signed(self, fake_nas):
        result = disconnect(fake_nas, **self.LENIENT)

        assert result.acknowledged and result.signed is True
        assert "sem Message-Authenticator" not in result.message

    def test_a_forged_message_authenticator_is_still_refused(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR

        result = disconnect(fake_nas, **self.LENIENT)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert "Message-Authenticator inválido" in result.message

    def test_an_unsigned_reply_with_the_wrong_secret_is_still_refused(self, fake_nas):
        fake_nas.behaviour = NasBehaviour.WRONG_SECRET
        original = fake_nas.CreateReplyPacket

        def unsigned(request, **attributes):
            reply = original(request, **attributes)
            reply.message_authenticator = None
            return reply

        fake_nas.CreateReplyPacket = unsigned

        result = coa(fake_nas, **self.LENIENT)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert "segredo" in result.message


def test_a_reply_with_a_proxy_state_never_sent_is_refused(fake_nas):
    # The mark of BlastRADIUS: the attacker's collision blocks ride in Proxy-State.
    original = fake_nas.CreateReplyPacket

    def with_proxy_state(request, **attributes):
        reply = original(request, **attributes)
        reply.AddAttribute("Proxy-State", b"\x00" * 16)
        return reply

    fake_nas.CreateReplyPacket = with_proxy_state

    for options in ({}, {"require_message_authenticator": False}):
        result = disconnect(fake_nas, **options)

        assert result.outcome is RadiusOutcome.INVALID_REPLY
        assert "Proxy-State" in result.message


@pytest.mark.parametrize(
    ("name", "value", "encodable"),
    [
        ("Mikrotik-Rate-Limit", "10M/20M", True),
        ("Framed-MTU", "1480", True),
        ("Framed-MTU", "grande", False),
        ("Framed-IP-Address", "100.64.0.9", True),
        ("Framed-IP-Address", "100.64.0", False),
        ("No-Such-Attribute", "1", False),
    ],
)
def test_a_value_is_encodable_only_if_a_request_could_carry_it(name, value, encodable):
    assert encodable_value(name, value) is encodable
