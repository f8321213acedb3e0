"""RADIUS client of the panel: CoA and Disconnect to the NAS, test logins.

The panel changes a connected subscriber's session on the NAS (the PPPoE
concentrator, usually a MikroTik) with RFC 5176 Dynamic Authorization:
a Disconnect-Request drops the session so the subscriber reconnects with the
new settings, a CoA-Request changes it in place (``Mikrotik-Rate-Limit`` for a
plan change). The answer comes back as a :class:`RadiusResult` that says
exactly what happened, with a message in Portuguese for the screen.

Every request carries a Message-Authenticator, and a reply counts only if its
Response Authenticator and its Message-Authenticator are both present and
valid: a reply without one, or with a forged one, is refused as
``INVALID_REPLY`` and never taken for an ACK (BlastRADIUS, CVE-2024-3596).
RFC 5176 makes the Message-Authenticator optional in CoA and Disconnect
replies, so a NAS that does not sign them can be accepted with
``require_message_authenticator=False``: its reply must still carry a valid
Response Authenticator, and a Message-Authenticator it does carry must still
be valid.

pyrad encodes and decodes the packets with the project's dictionary
(:data:`DICTIONARY_PATH`); sending, waiting and checking the reply are done
here, because pyrad's client silently drops replies it cannot verify and would
report them as a timeout.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import hmac
import select
import socket
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyrad import packet
from pyrad.dictionary import Dictionary

__all__ = [
    "DICTIONARY_PATH",
    "InvalidReplyError",
    "RadiusError",
    "RadiusOutcome",
    "RadiusResult",
    "RadiusTimeoutError",
    "access_request",
    "encodable_value",
    "load_dictionary",
    "send_coa",
    "send_disconnect",
]

DICTIONARY_PATH = Path(__file__).with_name("dictionary")

DEFAULT_COA_PORT = 3799
DEFAULT_TIMEOUT = 3.0
DEFAULT_RETRIES = 2

_MESSAGE_AUTHENTICATOR = 80
_PROXY_STATE = 33
_ERROR_CAUSE = 101
_MAX_PACKET = 4096

# Portuguese explanations of the RFC 5176 Error-Cause values a NAS sends in a NAK.
_ERROR_CAUSE_TEXT = {
    201: "contexto residual removido",
    202: "pacote EAP inválido",
    401: "o NAS não suporta um dos atributos enviados",
    402: "falta um atributo obrigatório no pedido",
    403: "o pedido identifica outro NAS (NAS-IP-Address/NAS-Identifier)",
    404: "pedido inválido",
    405: "serviço não suportado",
    406: "extensão não suportada",
    407: "valor de atributo inválido",
    501: "proibido pela configuração do NAS",
    502: "pedido não roteável pelo proxy",
    503: "sessão não encontrada (o cliente pode já estar desconectado)",
    504: "a sessão não pode ser removida",
    505: "erro de processamento no proxy",
    506: "recursos indisponíveis no NAS",
    507: "pedido iniciado",
    508: "o pedido corresponde a mais de uma sessão",
}


class RadiusOutcome(enum.StrEnum):
    """How a RADIUS exchange ended."""

    ACK = "ACK"
    """The NAS accepted the request (Disconnect-ACK, CoA-ACK)."""
    NAK = "NAK"
    """The NAS refused it (Disconnect-NAK, CoA-NAK), usually with an Error-Cause."""
    TIMEOUT = "TIMEOUT"
    """No reply after every attempt."""
    INVALID_REPLY = "INVALID_REPLY"
    """A reply came but could not be authenticated or made no sense; it was ignored."""


@dataclass(frozen=True)
class RadiusResult:
    """The honest outcome of a CoA or Disconnect request.

    Attributes:
        outcome: ACK, NAK, TIMEOUT or INVALID_REPLY.
        message: a sentence in Portuguese for the operator.
        error_cause: the RFC 5176 Error-Cause number of the reply, if any.
        error_cause_name: its name (``Session-Context-Not-Found``), if known.
        reply_attributes: the reply's attributes (name -> list of values),
            without the Message-Authenticator; empty unless a valid reply came.
        attempts: how many times the request was sent.
        signed: the reply carried a valid Message-Authenticator (False only for a
            reply accepted without one, ``require_message_authenticator=False``).
    """

    outcome: RadiusOutcome
    message: str
    error_cause: int | None = None
    error_cause_name: str | None = None
    reply_attributes: dict[str, list[Any]] = field(default_factory=dict)
    attempts: int = 0
    signed: bool = True

    @property
    def acknowledged(self) -> bool:
        """True only for an authenticated ACK."""
        return self.outcome is RadiusOutcome.ACK


class RadiusError(Exception):
    """A RADIUS server gave no usable answer to an Access-Request."""


class RadiusTimeoutError(RadiusError):
    """The RADIUS server did not answer."""


class InvalidReplyError(RadiusError):
    """The RADIUS server's reply failed authentication or was malformed."""


@functools.cache
def load_dictionary() -> Dictionary:
    """Return the project's RADIUS dictionary (read once).

    Returns:
        The pyrad dictionary of :data:`DICTIONARY_PATH`.
    """
    return Dictionary(str(DICTIONARY_PATH))


def encodable_value(name: str, value: Any) -> bool:
    """Whether the dictionary attribute ``name`` can carry ``value`` in a packet.

    The value is encoded the way a CoA-Request would send it (a number for an
    ``integer``, an address for an ``ipaddr`` ...), so a value accepted here is one
    a request can carry.

    Args:
        name: an attribute of the project's dictionary.
        value: the value to check, as typed (text is converted as pyrad does).

    Returns:
        False when the value cannot be encoded, or the attribute is unknown.
    """
    probe = packet.CoAPacket(secret=b"probe", dict=load_dictionary())
    try:
        probe[name] = value
        probe.RequestPacket()
    except Exception:  # noqa: BLE001 - pyrad raises KeyError, TypeError, ValueError, struct.error
        return False
    return True


@dataclass
class _Exchange:
    reply: bytes | None = None
    problem: str | None = None
    attempts: int = 0
    signed: bool = True


def _attributes(raw: bytes) -> list[tuple[int, bytes]] | None:
    """Split the attributes of a packet, or return None if their lengths are wrong."""
    attributes = []
    position = 20
    while position < len(raw):
        if position + 2 > len(raw):
            return None
        code, length = raw[position], raw[position + 1]
        if length < 2 or position + length > len(raw):
            return None
        attributes.append((code, raw[position + 2 : position + length]))
        position += length
    return attributes


def _verify_reply(
    raw: bytes,
    request_authenticator: bytes,
    secret: bytes,
    require_message_authenticator: bool = True,
) -> tuple[str | None, bool]:
    """Check a reply's Response Authenticator and Message-Authenticator.

    The attributes are split once, here: the same pass tells whether the reply was
    signed, which the result reports to the operator.

    Args:
        raw: the reply's octets.
        request_authenticator: the Authenticator of the request it answers.
        secret: the shared secret.
        require_message_authenticator: refuse a reply without one (the default); when
            False such a reply is authentic if its Response Authenticator is.

    Returns:
        ``(problem, signed)``: ``problem`` is None if the reply is authentic, else why
        it is not (in Portuguese); ``signed`` is True when the authentic reply carried
        a valid Message-Authenticator.
    """
    length = struct.unpack("!H", raw[2:4])[0]
    if length < 20 or length > len(raw):
        return "pacote com tamanho inválido", False
    raw = raw[:length]  # octets past Length are padding (RFC 2865 section 3)
    attributes = _attributes(raw)
    if attributes is None:
        return "atributos malformados", False

    # RADIUS mandates MD5 here (RFC 2865 section 3); the HMAC below is the real protection.
    expected = hashlib.md5(raw[:4] + request_authenticator + raw[20:] + secret).digest()  # noqa: S324
    if not hmac.compare_digest(expected, raw[4:20]):
        return "o autenticador da resposta não confere (segredo compartilhado diferente?)", False

    # We never send Proxy-State; one in the reply is the mark of the
    # BlastRADIUS attack, signed or not.
    if any(code == _PROXY_STATE for code, _ in attributes):
        return "resposta com Proxy-State que não foi enviado", False
    authenticators = [value for code, value in attributes if code == _MESSAGE_AUTHENTICATOR]
    if not authenticators:
        if require_message_authenticator:
            return "resposta sem Message-Authenticator", False
        return None, False
    if len(authenticators) > 1 or len(authenticators[0]) != 16:
        return "Message-Authenticator malformado", False
    # HMAC-MD5 over the reply with the Request Authenticator in the
    # Authenticator field and the Message-Authenticator zeroed (RFC 3579
    # section 3.2, RFC 5176 section 3.3).
    zeroed = bytearray(raw[20:])
    position = 0
    while position < len(zeroed):
        code, attribute_length = zeroed[position], zeroed[position + 1]
        if code == _MESSAGE_AUTHENTICATOR:
            zeroed[position + 2 : position + attribute_length] = bytes(16)
        position += attribute_length
    digest = hmac.new(secret, raw[:4] + request_authenticator + bytes(zeroed), hashlib.md5).digest()
    if not hmac.compare_digest(digest, authenticators[0]):
        return "Message-Authenticator inválido (resposta possivelmente forjada)", False
    return None, True


def _exchange(
    data: bytes,
    host: str,
    port: int,
    secret: bytes,
    timeout: float,
    retries: int,
    source_address: str | None,
    require_message_authenticator: bool = True,
) -> _Exchange:
    """Send a request and wait for an authentic reply from ``host:port``.

    The same octets are sent again on each retry (RFC 5176 section 2.3: same
    Identifier and Authenticator). A reply from another address, or for
    another Identifier, is not an answer and is ignored. A reply that fails
    authentication is ignored too, so a forged packet cannot hide the real
    answer; if no authentic reply comes before the attempt's timeout, the
    exchange ends with the reason the last one was refused.
    """
    identifier, request_authenticator = data[1], data[4:20]
    family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        if source_address:
            sock.bind((source_address, 0))
        problem = None
        for attempt in range(1, retries + 2):
            sock.sendto(data, address)
            deadline = time.monotonic() + timeout
            while (remaining := deadline - time.monotonic()) > 0:
                ready, _, _ = select.select([sock], [], [], remaining)
                if not ready:
                    break
                raw, source = sock.recvfrom(_MAX_PACKET)
                if source[:2] != address[:2]:
                    continue
                if len(raw) < 20:
                    problem = "pacote curto demais"
                    continue
                if raw[1] != identifier:
                    continue
                problem, signed = _verify_reply(
                    raw, request_authenticator, secret, require_message_authenticator
                )
                if problem is None:
                    return _Exchange(reply=raw, attempts=attempt, signed=signed)
            if problem is not None:
                # The NAS answers, but not authentically: sending again
                # would get the same answer.
                return _Exchange(problem=problem, attempts=attempt)
        return _Exchange(attempts=retries + 1)


def _attribute_name(key: Any) -> str:
    if isinstance(key, tuple):
        return "Attr-26." + ".".join(str(part) for part in key)
    return f"Attr-{key}"


def _decode_attributes(reply: packet.Packet) -> dict[str, list[Any]]:
    attributes: dict[str, list[Any]] = {}
    for key in reply.keys():  # noqa: SIM118 - pyrad's keys() decodes the names
        if key in ("Message-Authenticator", _MESSAGE_AUTHENTICATOR):
            continue
        name = key if isinstance(key, str) else _attribute_name(key)
        attributes[name] = list(reply[key])
    return attributes


def _error_cause(reply: packet.Packet) -> tuple[int | None, str | None]:
    values = dict.get(reply, _ERROR_CAUSE)
    if not values or len(values[0]) != 4:
        return None, None
    code = struct.unpack("!I", values[0])[0]
    named = load_dictionary()["Error-Cause"].values
    name = named.GetBackward(values[0]) if named.HasBackward(values[0]) else None
    return code, name


def _send_dynamic_authorization(
    code: int,
    nas_host: str,
    secret: str,
    attributes: Mapping[str, Any],
    *,
    port: int,
    timeout: float,
    retries: int,
    source_address: str | None,
    action: str,
    username: str,
    require_message_authenticator: bool,
) -> RadiusResult:
    secret_bytes = secret.encode()
    request = packet.CoAPacket(
        code=code,
        secret=secret_bytes,
        dict=load_dictionary(),
        message_authenticator=True,
    )
    for name, value in attributes.items():
        if value is None:
            continue
        try:
            request[name] = value
        except KeyError:
            raise ValueError(f"Atributo RADIUS desconhecido no dicionário: {name}") from None
    request["Event-Timestamp"] = int(time.time())
    data = request.RequestPacket()

    exchange = _exchange(
        data,
        nas_host,
        port,
        secret_bytes,
        timeout,
        retries,
        source_address,
        require_message_authenticator,
    )
    where = f"{nas_host}:{port}"
    if exchange.reply is None and exchange.problem is None:
        return RadiusResult(
            RadiusOutcome.TIMEOUT,
            f"O NAS {where} não respondeu ({action} de {username}; "
            f"{exchange.attempts} tentativa(s) de {timeout:g} s). Verifique se o NAS está "
            f"no ar, se aceita CoA/Disconnect na porta UDP {port} e se o firewall permite.",
            attempts=exchange.attempts,
        )
    if exchange.reply is None:
        return RadiusResult(
            RadiusOutcome.INVALID_REPLY,
            f"O NAS {where} respondeu, mas a resposta foi descartada: {exchange.problem}. "
            "Confira o segredo compartilhado do NAS.",
            attempts=exchange.attempts,
        )

    try:
        reply = request.CreateReply(packet=exchange.reply)
        reply_attributes = _decode_attributes(reply)
    except Exception as error:  # noqa: BLE001 - the NAS's attributes are untrusted input
        return RadiusResult(
            RadiusOutcome.INVALID_REPLY,
            f"O NAS {where} enviou uma resposta ilegível ({error}).",
            attempts=exchange.attempts,
        )
    error_code, error_name = _error_cause(reply)
    ack, nak = (
        (packet.DisconnectACK, packet.DisconnectNAK)
        if code == packet.DisconnectRequest
        else (packet.CoAACK, packet.CoANAK)
    )
    details = dict(
        error_cause=error_code,
        error_cause_name=error_name,
        reply_attributes=reply_attributes,
        attempts=exchange.attempts,
        signed=exchange.signed,
    )
    # Said on the screen: such an answer rests on the MD5 Response Authenticator only.
    unsigned = (
        ""
        if exchange.signed
        else " Resposta sem Message-Authenticator, aceita porque a exigência está desligada."
    )
    if reply.code == ack:
        done = (
            f"Sessão de {username} derrubada"
            if code == packet.DisconnectRequest
            else f"Sessão de {username} alterada"
        )
        return RadiusResult(RadiusOutcome.ACK, f"{done} no NAS {where}.{unsigned}", **details)
    if reply.code == nak:
        if error_code is None:
            reason = "sem informar o motivo (sem Error-Cause)"
        else:
            text = _ERROR_CAUSE_TEXT.get(error_code, "motivo desconhecido")
            reason = f"{text} (Error-Cause {error_code}{' ' + error_name if error_name else ''})"
        return RadiusResult(
            RadiusOutcome.NAK,
            f"O NAS {where} recusou o pedido ({action} de {username}): {reason}.{unsigned}",
            **details,
        )
    return RadiusResult(
        RadiusOutcome.INVALID_REPLY,
        f"O NAS {where} respondeu com o código RADIUS {reply.code}, "
        f"que não é resposta a um pedido de {action}.",
        attempts=exchange.attempts,
    )


def send_disconnect(
    nas_host: str,
    secret: str,
    username: str,
    acct_session_id: str | None = None,
    framed_ip: str | None = None,
    port: int = DEFAULT_COA_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    source_address: str | None = None,
    require_message_authenticator: bool = True,
) -> RadiusResult:
    """Ask the NAS to drop a subscriber's session (RFC 5176 Disconnect-Request).

    The session is identified by ``User-Name`` and, when known, by
    ``Acct-Session-Id`` and ``Framed-IP-Address`` (from ``radacct``), which
    pick one session when the login is connected twice.

    Args:
        nas_host: address or name of the NAS.
        secret: RADIUS secret shared with the NAS.
        username: the PPPoE login.
        acct_session_id: the session's Acct-Session-Id, if known.
        framed_ip: the session's IPv4 address, if known.
        port: the NAS's Dynamic Authorization port (3799; MikroTik's
            ``/radius incoming`` port).
        timeout: seconds to wait for a reply after each send.
        retries: how many times to send again when no reply came
            (``retries + 1`` sends in all).
        source_address: local address to send from, when the NAS only
            accepts requests from the address it knows the panel by.
        require_message_authenticator: refuse a reply without a
            Message-Authenticator (default); False accepts one that only has a
            valid Response Authenticator (RFC 5176 makes it optional).

    Returns:
        The outcome; ``result.acknowledged`` is True only for an
        authenticated Disconnect-ACK.

    Raises:
        ValueError: an attribute value cannot be encoded (e.g. a malformed
            ``framed_ip``).
        OSError: the NAS name cannot be resolved, or the socket fails.
    """
    return _send_dynamic_authorization(
        packet.DisconnectRequest,
        nas_host,
        secret,
        {
            "User-Name": username,
            "Acct-Session-Id": acct_session_id,
            "Framed-IP-Address": framed_ip,
        },
        port=port,
        timeout=timeout,
        retries=retries,
        source_address=source_address,
        action="desconexão",
        username=username,
        require_message_authenticator=require_message_authenticator,
    )


def send_coa(
    nas_host: str,
    secret: str,
    username: str,
    attributes: Mapping[str, Any],
    acct_session_id: str | None = None,
    framed_ip: str | None = None,
    port: int = DEFAULT_COA_PORT,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    *,
    source_address: str | None = None,
    require_message_authenticator: bool = True,
) -> RadiusResult:
    """Change a subscriber's session on the NAS (RFC 5176 CoA-Request).

    Args:
        nas_host: address or name of the NAS.
        secret: RADIUS secret shared with the NAS.
        username: the PPPoE login.
        attributes: what to change, by dictionary name, e.g.
            ``{"Mikrotik-Rate-Limit": "50M/100M"}``; a list value sends
            the attribute several times.
        acct_session_id: the session's Acct-Session-Id, if known.
        framed_ip: the session's IPv4 address, if known.
        port: the NAS's Dynamic Authorization port.
        timeout: seconds to wait for a reply after each send.
        retries: how many times to send again when no reply came.
        source_address: local address to send from.
        require_message_authenticator: as in :func:`send_disconnect`.

    Returns:
        The outcome; ``result.acknowledged`` is True only for an
        authenticated CoA-ACK.

    Raises:
        ValueError: an attribute is not in the dictionary or its value
            cannot be encoded.
        OSError: the NAS name cannot be resolved, or the socket fails.
    """
    return _send_dynamic_authorization(
        packet.CoARequest,
        nas_host,
        secret,
        {
            "User-Name": username,
            "Acct-Session-Id": acct_session_id,
            "Framed-IP-Address": framed_ip,
            **attributes,
        },
        port=port,
        timeout=timeout,
        retries=retries,
        source_address=source_address,
        action="alteração de sessão (CoA)",
        username=username,
        require_message_authenticator=require_message_authenticator,
    )


def access_request(
    server: str,
    port: int,
    secret: str,
    username: str,
    password: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    nas_identifier: str = "isp-panel",
    source_address: str | None = None,
    require_message_authenticator: bool = True,
) -> tuple[bool, dict[str, list[Any]]]:
    """Try a PPPoE login against a RADIUS server (PAP Access-Request).

    The request looks like a PPPoE concentrator's (Service-Type Framed-User,
    Framed-Protocol PPP) and carries a Message-Authenticator. The RADIUS
    server must know the sending address as a client.

    Args:
        server: address or name of the RADIUS server.
        port: its authentication port (1812).
        secret: the client's shared secret.
        username: the login to try.
        password: its password (sent hidden, RFC 2865 section 5.2).
        timeout: seconds to wait for a reply after each send.
        retries: how many times to send again when no reply came.
        nas_identifier: NAS-Identifier of the request.
        source_address: local address to send from.
        require_message_authenticator: refuse a reply without a
            Message-Authenticator (default, as BlastRADIUS asks of every client).

    Returns:
        ``(accepted, reply_attributes)``: True for an Access-Accept, and
        the reply's attributes (name -> list of values, e.g.
        ``{"Mikrotik-Rate-Limit": ["100M/50M"]}``) without the
        Message-Authenticator.

    Raises:
        RadiusTimeoutError: the server did not answer.
        InvalidReplyError: the reply failed authentication (wrong secret,
            missing or forged Message-Authenticator) or made no sense.
        ValueError: the password is longer than 128 octets.
        OSError: the server name cannot be resolved, or the socket fails.
    """
    secret_bytes = secret.encode()
    request = packet.AuthPacket(
        secret=secret_bytes, dict=load_dictionary(), message_authenticator=True
    )
    request["User-Name"] = username
    request["User-Password"] = request.PwCrypt(password)
    request["NAS-Identifier"] = nas_identifier
    request["Service-Type"] = "Framed-User"
    request["Framed-Protocol"] = "PPP"
    data = request.RequestPacket()

    exchange = _exchange(
        data,
        server,
        port,
        secret_bytes,
        timeout,
        retries,
        source_address,
        require_message_authenticator,
    )
    if exchange.reply is None and exchange.problem is None:
        raise RadiusTimeoutError(
            f"O servidor RADIUS {server}:{port} não respondeu "
            f"({exchange.attempts} tentativa(s) de {timeout:g} s)."
        )
    if exchange.reply is None:
        raise InvalidReplyError(
            f"Resposta do servidor RADIUS {server}:{port} descartada: {exchange.problem}."
        )
    try:
        reply = request.CreateReply(packet=exchange.reply)
        attributes = _decode_attributes(reply)
    except Exception as error:  # noqa: BLE001 - the server's attributes are untrusted input
        raise InvalidReplyError(
            f"O servidor RADIUS {server}:{port} enviou atributos ilegíveis ({error})."
        ) from error
    if reply.code not in (packet.AccessAccept, packet.AccessReject, packet.AccessChallenge):
        raise InvalidReplyError(
            f"O servidor RADIUS {server}:{port} respondeu com o código {reply.code}, "
            "que não é resposta a um Access-Request."
        )
    return reply.code == packet.AccessAccept, attributes
