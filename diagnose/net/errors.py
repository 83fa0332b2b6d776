"""The one place that turns a network exception into the failure vocabulary.

Every library on a network path raises its own exceptions: the standard
library (:class:`OSError` and its errno, :mod:`ssl`, :class:`TimeoutError`),
httpx and httpcore (which wrap them), dnspython, pyOpenSSL and anyio. A check
never inspects them; it asks :func:`classify` and gets a :class:`Failure`: a
:class:`FailureKind` from a small, stable vocabulary (the values appear in
reports) and a plain detail for the technical part of a message.

::

    Failure
    ├── kind: FailureKind
    │   ├── timeout                              no answer in time
    │   ├── refused · unreachable · reset · eof  the connection
    │   ├── unresolved                           the HTTP client could not resolve the name
    │   ├── nxdomain · servfail · dns_refused · no_answer   what a DNS server said
    │   ├── certificate                          certificate verification failed
    │   ├── protocol_version · handshake_failure · not_tls · too_large   the TLS handshake
    │   ├── proxy · proxy_auth                   the proxy failed, or wants a sign-in (407)
    │   ├── protocol                             the server broke HTTP
    │   ├── invalid_url                          the address cannot be requested at all
    │   └── other
    ├── detail: str                              the library's own words, for the technical part
    └── stage: Stage | None                      for an HTTP request: connecting, or the exchange after

Heavy libraries are never imported here: an exception of httpx can only exist
once httpx was imported, so their types are looked up in :data:`sys.modules`.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
import sys
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from diagnose.redact import REDACTED, is_standard_reason, without_server_bytes


class FailureKind(StrEnum):
    """What went wrong, in the vocabulary of the finding codes and their evidence."""

    TIMEOUT = "timeout"
    REFUSED = "refused"
    """The port is closed: the connection was refused (a TCP RST to the SYN)."""
    UNREACHABLE = "unreachable"
    """No route to the address; the kernel refused before anything was sent."""
    RESET = "reset"
    EOF = "eof"
    """The peer closed the connection in the middle of an exchange."""
    UNRESOLVED = "unresolved"
    """The HTTP client could not resolve the host name (the detail says what DNS answered)."""
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    DNS_REFUSED = "dns_refused"
    NO_ANSWER = "no_answer"
    CERTIFICATE = "certificate"
    PROTOCOL_VERSION = "protocol_version"
    HANDSHAKE_FAILURE = "handshake_failure"
    NOT_TLS = "not_tls"
    TOO_LARGE = "too_large"
    """The peer sent more than a limit allows (a handshake message over OpenSSL's 100 KiB, a chain
    over the reader's cap): the detail says how much, when it could be measured."""
    PROXY = "proxy"
    PROXY_AUTH = "proxy_auth"
    PROTOCOL = "protocol"
    INVALID_URL = "invalid_url"
    OTHER = "other"


class Stage(StrEnum):
    """Where an HTTP request broke."""

    CONNECT = "connect"
    """Before the request was sent: resolving, connecting, TLS, the proxy's tunnel."""
    EXCHANGE = "exchange"
    """Sending the request or reading the answer."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified network failure: a stable kind and the library's own words."""

    kind: FailureKind
    detail: str
    stage: Stage | None = None


class NameNotResolved(Exception):
    """Marks an exception raised because a host name did not resolve.

    The HTTP client's connection backend raises an httpcore ``ConnectError``
    that is also a ``NameNotResolved``; it travels inside httpx's
    ``ConnectError`` (as its cause), so :func:`classify` tells it from a
    refused connection.
    """


UNREACHABLE_ERRNOS = frozenset({
    errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN, errno.EADDRNOTAVAIL,
    errno.EAFNOSUPPORT, errno.EPERM, errno.EACCES, getattr(errno, "EHOSTDOWN", -1),
})
"""errno values that mean "this device has no way there" rather than "the server said no"."""

_GAI_KINDS = {
    socket.EAI_NONAME: FailureKind.NXDOMAIN,
    socket.EAI_AGAIN: FailureKind.SERVFAIL,
    getattr(socket, "EAI_NODATA", -5): FailureKind.NO_ANSWER,
}

MAX_DETAIL = 1000


def classify(exc: BaseException) -> Failure:
    """The :class:`Failure` behind ``exc`` (any exception; unknown ones are ``other``).

    httpx's own type decides timeouts, proxy failures, protocol errors and
    unusable addresses; otherwise the cause chain is walked down to the
    library that saw the problem (ssl, the socket, dnspython, pyOpenSSL).
    """
    top = _library_kind(exc)
    kind = top
    source: BaseException = exc
    if kind is None:
        for item in _chain(exc):
            kind = _low_level_kind(item)
            if kind is not None:
                source = item
                break
    detail = _http_detail(exc) if _is_httpx(exc) else _detail(source)
    # An HTTP parser's message quotes the server's bytes (h11: "illegal status line:
    # bytearray(b'…')"), whatever they held: the detail says how many, not what.
    return Failure(kind or FailureKind.OTHER, without_server_bytes(detail[: 4 * MAX_DETAIL])[:MAX_DETAIL], _stage(exc))


def request_errors() -> tuple[type[BaseException], ...]:
    """The exceptions an HTTP request through :class:`~diagnose.net.Net` may raise that are
    the network's or the address's doing, not a bug: catch these, then :func:`classify`."""
    import httpx

    return (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError, OSError, ValueError)


def oserror_text(exc: OSError) -> str:
    """``ECONNREFUSED: Connection refused``: the errno's name and the system's words."""
    name = errno.errorcode.get(exc.errno or 0, "")
    text = exc.strerror or str(exc) or type(exc).__name__
    return f"{name}: {text}" if name else text


# ----------------------------------------------------------------------------- the kinds


def _library_kind(exc: BaseException) -> FailureKind | None:
    """What httpx's own exception type says, where it says more than its cause."""
    httpx = sys.modules.get("httpx")
    if httpx is None or not isinstance(exc, (httpx.HTTPError, httpx.InvalidURL)):
        return None
    if isinstance(exc, httpx.TimeoutException):
        return FailureKind.TIMEOUT
    if isinstance(exc, httpx.ProxyError):
        return FailureKind.PROXY_AUTH if "407" in str(exc) else FailureKind.PROXY
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return FailureKind.INVALID_URL
    if isinstance(exc, httpx.RemoteProtocolError):
        return FailureKind.PROTOCOL
    return None


def _low_level_kind(exc: BaseException) -> FailureKind | None:
    """The kind one exception of the chain stands for, or None to look further down."""
    if isinstance(exc, NameNotResolved):
        return FailureKind.UNRESOLVED
    if isinstance(exc, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(exc):
        return FailureKind.CERTIFICATE
    if isinstance(exc, ssl.SSLError):
        return ssl_error_kind(exc)
    for kind in (_dns_kind(exc), _pyopenssl_kind(exc), _anyio_kind(exc)):
        if kind is not None:
            return kind
    if isinstance(exc, (asyncio.IncompleteReadError, EOFError)):
        return FailureKind.EOF
    if isinstance(exc, OSError):
        return _oserror_kind(exc)
    return None


def _oserror_kind(exc: OSError) -> FailureKind | None:
    if isinstance(exc, TimeoutError):
        return FailureKind.TIMEOUT
    if isinstance(exc, socket.gaierror):
        return _GAI_KINDS.get(exc.errno if isinstance(exc.errno, int) else 0, FailureKind.OTHER)
    if isinstance(exc, ConnectionRefusedError):
        return FailureKind.REFUSED
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return FailureKind.RESET
    if exc.errno in UNREACHABLE_ERRNOS:
        return FailureKind.UNREACHABLE
    if exc.errno is None and (exc.__cause__ is not None or exc.__context__ is not None):
        return None  # a summary ("All connection attempts failed"): the cause says what happened
    return FailureKind.OTHER


def ssl_error_kind(exc: ssl.SSLError) -> FailureKind:
    """An :class:`ssl.SSLError` by its OpenSSL reason."""
    reason = (exc.reason or "").upper()
    text = str(exc).upper()
    if isinstance(exc, ssl.SSLEOFError) or "UNEXPECTED_EOF" in text:
        return FailureKind.EOF
    if "PROTOCOL_VERSION" in reason or "UNSUPPORTED_PROTOCOL" in reason or "NO_PROTOCOLS_AVAILABLE" in reason:
        return FailureKind.PROTOCOL_VERSION
    if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason or "RECORD_LAYER_FAILURE" in reason:
        return FailureKind.NOT_TLS
    if "HANDSHAKE_FAILURE" in reason or "NO_SHARED_CIPHER" in reason or "NO_CIPHERS" in reason:
        return FailureKind.HANDSHAKE_FAILURE
    if "EXCESSIVE_MESSAGE_SIZE" in reason:
        return FailureKind.TOO_LARGE
    return FailureKind.OTHER


def _dns_kind(exc: BaseException) -> FailureKind | None:
    exception = sys.modules.get("dns.exception")
    if exception is None or not isinstance(exc, exception.DNSException):
        return None
    if isinstance(exc, exception.Timeout):
        return FailureKind.TIMEOUT
    resolver = sys.modules.get("dns.resolver")
    if resolver is not None:
        for cls, kind in (
            (resolver.NXDOMAIN, FailureKind.NXDOMAIN),
            (resolver.NoAnswer, FailureKind.NO_ANSWER),
            (resolver.NoNameservers, FailureKind.SERVFAIL),
        ):
            if isinstance(exc, cls):
                return kind
    return FailureKind.OTHER


def _pyopenssl_kind(exc: BaseException) -> FailureKind | None:
    module = sys.modules.get("OpenSSL.SSL")
    if module is None or not isinstance(exc, module.Error):
        return None
    text = pyopenssl_text(exc).upper()
    if "WRONG VERSION NUMBER" in text or "HTTP REQUEST" in text or "RECORD LAYER FAILURE" in text:
        return FailureKind.NOT_TLS
    if "PROTOCOL VERSION" in text or "UNSUPPORTED PROTOCOL" in text:
        return FailureKind.PROTOCOL_VERSION
    if "HANDSHAKE FAILURE" in text or "NO SHARED CIPHER" in text:
        return FailureKind.HANDSHAKE_FAILURE
    if "EXCESSIVE MESSAGE SIZE" in text:
        return FailureKind.TOO_LARGE
    return FailureKind.OTHER


def _anyio_kind(exc: BaseException) -> FailureKind | None:
    anyio = sys.modules.get("anyio")
    if anyio is not None and isinstance(exc, anyio.EndOfStream):
        return FailureKind.EOF
    return None


def _stage(exc: BaseException) -> Stage | None:
    httpx = sys.modules.get("httpx")
    if httpx is None or not isinstance(exc, httpx.TransportError):
        return None
    if isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout, httpx.ProxyError, httpx.PoolTimeout)):
        return Stage.CONNECT
    if isinstance(exc, httpx.UnsupportedProtocol):
        return None
    return Stage.EXCHANGE


# ----------------------------------------------------------------------------- the words


def _is_httpx(exc: BaseException) -> bool:
    httpx = sys.modules.get("httpx")
    return httpx is not None and isinstance(exc, (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError))


def _http_detail(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    httpx = sys.modules.get("httpx")
    if httpx is not None and isinstance(exc, httpx.ProxyError):
        # httpcore writes the proxy's status line into the message ("407 <reason phrase>"),
        # and a proxy may put anything there: a reason that is not a standard one is removed.
        status, _, reason = text.partition(" ")
        if len(status) == 3 and status.isdigit() and reason and not is_standard_reason(reason):
            return f"{status} {REDACTED}"
    return text


def _detail(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return exc.verify_message or str(exc)
    if isinstance(exc, ssl.SSLError):
        return f"{exc.reason or type(exc).__name__}: {exc}"
    module = sys.modules.get("OpenSSL.SSL")
    if module is not None and isinstance(exc, module.Error):
        return pyopenssl_text(exc)
    if isinstance(exc, OSError) and not isinstance(exc, socket.gaierror) and exc.errno is not None:
        return oserror_text(exc)
    return str(exc) or type(exc).__name__


def pyopenssl_text(exc: BaseException) -> str:
    """The reasons in a pyOpenSSL error (its args hold OpenSSL's error queue)."""
    parts: list[str] = []
    args: Any = exc.args[0] if exc.args and isinstance(exc.args[0], list) else []
    for item in args:
        if isinstance(item, tuple) and len(item) == 3:
            parts.append(str(item[2]))
    return ", ".join(parts) or str(exc) or type(exc).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions it was raised from or while handling, outermost first;
    the members of an exception group (anyio's "multiple connection attempts failed") in turn."""
    seen: set[int] = set()
    out: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        if isinstance(current, BaseExceptionGroup):
            pending[:0] = list(current.exceptions)
        following = current.__cause__ or current.__context__
        if following is not None:
            pending.append(following)
    return out
