"""A fake NAS for tests: answers CoA and Disconnect requests like a MikroTik would.

:class:`FakeNas` is a real pyrad RADIUS server with ``coa_enabled=True`` on a
free high port of 127.0.0.1, run in a thread. It checks each request's
Request Authenticator (pyrad drops it otherwise) and Message-Authenticator,
records what it got, and answers as told by :attr:`FakeNas.behaviour`:
ACK, NAK with an Error-Cause, nothing at all, or a reply whose
Message-Authenticator is forged, missing, or signed with another secret.
"""

from __future__ import annotations

import enum
import hashlib
import select
import threading
from dataclasses import dataclass
from typing import Any

from pyrad import packet
from pyrad.server import RemoteHost, Server

from app.drivers.radius.client import load_dictionary


class NasBehaviour(enum.Enum):
    """How the fake NAS answers."""

    ACK = "ack"
    NAK = "nak"
    SILENT = "silent"
    FORGED_MESSAGE_AUTHENTICATOR = "forged-message-authenticator"
    NO_MESSAGE_AUTHENTICATOR = "no-message-authenticator"
    WRONG_SECRET = "wrong-secret"


@dataclass(frozen=True)
class ReceivedRequest:
    """A request the fake NAS received (its Request Authenticator was valid)."""

    code: int
    attributes: dict[str, list[Any]]
    message_authenticator_valid: bool | None
    """True/False when the request had a Message-Authenticator, None without one."""

    @property
    def is_disconnect(self) -> bool:
        return self.code == packet.DisconnectRequest


class FakeNas(Server):
    """A NAS that listens for Dynamic Authorization (RFC 5176) on 127.0.0.1.

    Use it as a context manager, or call :meth:`start` and :meth:`stop`.

    Attributes:
        port: the UDP port it listens on (chosen by the OS).
        secret: the shared secret it expects.
        behaviour: how it answers the next requests.
        error_cause: the Error-Cause it puts in a NAK (None: no Error-Cause).
        requests: what it received, in order.
        dropped: why it dropped packets it could not accept (a bad Request
            Authenticator, an unknown sender ...), in order.
    """

    def __init__(
        self,
        secret: str = "nas-secret",
        behaviour: NasBehaviour = NasBehaviour.ACK,
        error_cause: int | None = 503,
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(
            addresses=[host],
            coaport=0,
            hosts={host: RemoteHost(host, secret.encode(), "tests")},
            dict=load_dictionary(),
            auth_enabled=False,
            acct_enabled=False,
            coa_enabled=True,
        )
        self.host = host
        self.port: int = self.coafds[0].getsockname()[1]
        self.secret = secret
        self.behaviour = behaviour
        self.error_cause = error_cause
        self.requests: list[ReceivedRequest] = []
        self.dropped: list[str] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # pyrad calls these for requests from a known host whose Request
    # Authenticator is valid.
    def HandleCoaPacket(self, pkt: packet.CoAPacket) -> None:  # noqa: N802 - pyrad's name
        self._answer(pkt)

    def HandleDisconnectPacket(self, pkt: packet.CoAPacket) -> None:  # noqa: N802
        self._answer(pkt)

    def _answer(self, request: packet.CoAPacket) -> None:
        self.requests.append(
            ReceivedRequest(
                code=request.code,
                attributes={
                    str(key): list(request[key])
                    for key in request.keys()  # noqa: SIM118 - decodes names
                    if key != "Message-Authenticator"
                },
                message_authenticator_valid=(
                    request.verify_message_authenticator()
                    if request.message_authenticator
                    else None
                ),
            )
        )
        behaviour = self.behaviour
        if behaviour is NasBehaviour.SILENT:
            return
        reply = self.CreateReplyPacket(request, message_authenticator=True)
        if behaviour is NasBehaviour.NAK:
            reply.code = (
                packet.DisconnectNAK if request.code == packet.DisconnectRequest else packet.CoANAK
            )
            if self.error_cause is not None:
                reply["Error-Cause"] = self.error_cause
        if behaviour is NasBehaviour.NO_MESSAGE_AUTHENTICATOR:
            reply.message_authenticator = None
        if behaviour is NasBehaviour.WRONG_SECRET:
            reply.secret = b"not-the-secret"
        raw = reply.ReplyPacket()
        if behaviour is NasBehaviour.FORGED_MESSAGE_AUTHENTICATOR:
            raw = _forge_message_authenticator(raw, request.authenticator, request.secret)
        request.fd.sendto(raw, request.source)

    def start(self) -> FakeNas:
        """Serve requests in a background thread."""
        self._thread = threading.Thread(target=self._serve, name="fake-nas", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        # pyrad's Run() never returns; this loop does the same work but
        # checks for stop() between packets.
        while not self._stopping.is_set():
            ready, _, _ = select.select(self.coafds, [], [], 0.05)
            for fd in ready:
                try:
                    self._ProcessInput(fd)
                except Exception as error:  # a bad packet is dropped, like pyrad's Run()
                    self.dropped.append(f"{type(error).__name__}: {error}")

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for fd in self.coafds:
            fd.close()

    def __enter__(self) -> FakeNas:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _forge_message_authenticator(raw: bytes, request_authenticator: bytes, secret: bytes) -> bytes:
    """Replace a reply's Message-Authenticator with garbage, keeping it otherwise valid.

    The Response Authenticator is computed again, so only the
    Message-Authenticator gives the forgery away, as in BlastRADIUS where
    the attacker can forge the MD5-based Response Authenticator but not the
    HMAC.
    """
    attributes = bytearray(raw[20:])
    position = 0
    while position < len(attributes):
        code, length = attributes[position], attributes[position + 1]
        if code == 80:
            attributes[position + 2 : position + length] = bytes(range(16))
        position += length
    header = raw[:4]
    response_authenticator = hashlib.md5(  # noqa: S324 - RADIUS's own algorithm
        header + request_authenticator + bytes(attributes) + secret
    ).digest()
    return header + response_authenticator + bytes(attributes)


__all__ = ["FakeNas", "NasBehaviour", "ReceivedRequest"]
