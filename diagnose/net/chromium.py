"""What Chromium (156, the oracle of the test suite) does at the connection level: the limits and
refusals the connectivity check models, each with the source file it was read from and, where a
test pins it, the measurement against the real browser.

* **Ports.** ``net/base/port_util.cc`` ``kRestrictedPorts``: a URL on one of these ports fails
  with ``ERR_UNSAFE_PORT`` before any packet is sent. ``kAllowablePorts`` is empty, so the
  ``ExplicitlyAllowedNetworkPorts`` enterprise policy can re-enable none of them today; only the
  ``--explicitly-allowed-ports`` command-line switch can. Firefox (``netwerk/base/nsIOService.cpp``
  ``gBadPortList``, the Fetch standard's list) also blocks 4190 and 6679, which Chromium 156
  does not (measured: ``ERR_CONNECTION_REFUSED``, i.e. it tried), and does not block 0.
* **Patience.** ``net/socket/ssl_connect_job.cc`` ``kSSLHandshakeTimeout`` = 30 s, started when
  the handshake starts; the TCP connect before it has ``TransportConnectJob::ConnectionTimeout()``
  (4 minutes, bounded in practice by the kernel's SYN retries). A handshake that takes 8 s loads
  the page (measured: 8.2 s, status 200); one held for 40 s ends in ``ERR_TIMED_OUT`` after 30.2 s.
* **Cipher suites.** ``net/socket/ssl_client_socket_impl.cc`` sets BoringSSL's list
  ``ALL:!aPSK:!ECDSA+SHA1:!3DES`` (plus ``:!kRSA`` only when ``require_ecdhe``, off by default).
  BoringSSL has no DHE, no CBC-HMAC-SHA256/384 and no RC4 suites, so this is the 12 TLS 1.2
  suites below plus the 3 TLS 1.3 ones. Measured against Chromium 156: static-RSA key exchange
  (``TLS_RSA_WITH_AES_128_GCM_SHA256``, ``..._AES_128_CBC_SHA``) and ECDHE-CBC-SHA1 connect;
  DHE-only, ECDHE-CBC-SHA256-only and TLS 1.0-only servers do not.
* **Obsolete settings.** ``net/ssl/ssl_cipher_suite_names.cc`` ``ObsoleteSSLStatus``: a key
  exchange other than ECDHE, a cipher that is not AEAD, or a protocol below TLS 1.2 is
  "obsolete"; the connection works, DevTools' Security panel says "obsolete connection
  settings", and such suites are not allowed for HTTP/2 (``IsTLSCipherSuiteAllowedByHTTP2``).
* **Certificate message size.** BoringSSL's ``ssl_max_handshake_message_len`` allows a
  Certificate message of ``max_cert_list`` bytes, ``SSL_MAX_CERT_LIST_DEFAULT`` = 100 KiB, which
  Chromium does not change. Measured: a 102,257-byte message loads, a 102,545-byte one fails with
  ``ERR_SSL_PROTOCOL_ERROR``.

Data only; nothing here touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass

VERSION = "156"
"""The Chromium release these facts were read from and measured against."""

HANDSHAKE_TIMEOUT = 30.0
"""Seconds Chromium gives a TLS handshake (``ssl_connect_job.cc`` ``kSSLHandshakeTimeout``)."""

CONNECT_TIMEOUT = 240.0
"""Seconds Chromium gives the TCP connection (``TransportConnectJob::ConnectionTimeout()``)."""

SLOW_HANDSHAKE = 3.0
"""A handshake slower than this still loads, but the person waits: worth a warning (our threshold,
not Chromium's; one second is already a slow page by web-performance budgets)."""

MAX_CERTIFICATE_MESSAGE = 100 * 1024
"""Bytes BoringSSL (so Chromium) accepts in the server's Certificate message (``SSL_MAX_CERT_LIST_DEFAULT``)."""



@dataclass(frozen=True, slots=True)
class Suite:
    """One cipher suite Chromium offers: its OpenSSL and IANA names."""

    openssl: str
    iana: str

    @property
    def ecdhe(self) -> bool:
        return self.openssl.startswith(("ECDHE-", "TLS_"))

    @property
    def aead(self) -> bool:
        return any(part in self.openssl for part in ("GCM", "CHACHA20", "CCM"))


SUITES: tuple[Suite, ...] = (
    Suite("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    Suite("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    Suite("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    Suite("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    Suite("ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    Suite("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    Suite("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
    Suite("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
    Suite("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
    Suite("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
    Suite("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
    Suite("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"),
)
"""The TLS 1.2 suites of BoringSSL's ``ALL:!aPSK:!ECDSA+SHA1:!3DES``, in Chromium's order (TLS 1.3's
three suites, AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, are what OpenSSL offers too)."""

_BY_OPENSSL = {s.openssl: s for s in SUITES}

NOT_OFFERED: dict[str, str] = {
    "ECDHE-RSA-AES128-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-RSA-AES256-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-ECDSA-AES128-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
    "ECDHE-ECDSA-AES256-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
    "ECDHE-ECDSA-AES128-SHA": "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "ECDHE-ECDSA-AES256-SHA": "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "AES128-SHA256": "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "AES256-SHA256": "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "DHE-RSA-AES128-GCM-SHA256": "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    "DHE-RSA-AES256-GCM-SHA384": "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    "DHE-RSA-CHACHA20-POLY1305": "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "DES-CBC3-SHA": "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "ECDHE-RSA-DES-CBC3-SHA": "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
}
"""IANA names of suites servers still offer that Chromium does not (for the finding's words only)."""


def cipher_string() -> str:
    """Chromium's TLS 1.2 suites as an OpenSSL cipher string, for :meth:`ssl.SSLContext.set_ciphers`."""
    return ":".join(s.openssl for s in SUITES)


def iana_name(openssl_name: str) -> str:
    """The IANA name of a suite (``AES128-GCM-SHA256`` -> ``TLS_RSA_WITH_AES_128_GCM_SHA256``);
    TLS 1.3 names are already IANA names; an unknown name is returned as it is."""
    suite = _BY_OPENSSL.get(openssl_name)
    return suite.iana if suite else NOT_OFFERED.get(openssl_name, openssl_name)


def obsolete(openssl_name: str, version: str) -> tuple[str, ...]:
    """What Chromium's ``ObsoleteSSLStatus`` calls obsolete about a negotiated connection:
    ``protocol`` (below TLS 1.2), ``key exchange`` (not ECDHE), ``cipher`` (not AEAD)."""
    reasons: list[str] = []
    if version in ("SSLv3", "TLSv1", "TLSv1.1"):
        reasons.append("protocol")
    if version == "TLSv1.3" or openssl_name.startswith("TLS_"):
        return tuple(reasons)
    suite = _BY_OPENSSL.get(openssl_name) or Suite(openssl_name, openssl_name)
    if not suite.ecdhe:
        reasons.append("key exchange")
    if not suite.aead:
        reasons.append("cipher")
    return tuple(reasons)


UNSAFE_PORTS: dict[int, str] = {
    0: "reserved", 1: "tcpmux", 7: "echo", 9: "discard", 11: "systat", 13: "daytime", 15: "netstat",
    17: "qotd", 19: "chargen", 20: "ftp data", 21: "ftp", 22: "ssh", 23: "telnet", 25: "smtp",
    37: "time", 42: "name", 43: "nicname", 53: "domain (DNS)", 69: "tftp", 77: "priv-rjs",
    79: "finger", 87: "ttylink", 95: "supdup", 101: "hostname", 102: "iso-tsap", 103: "gppitnp",
    104: "acr-nema", 109: "pop2", 110: "pop3", 111: "sunrpc", 113: "auth", 115: "sftp",
    117: "uucp-path", 119: "nntp", 123: "NTP", 135: "epmap", 137: "netbios", 139: "netbios",
    143: "imap", 161: "snmp", 179: "BGP", 389: "ldap", 427: "SLP", 465: "smtp over TLS",
    512: "exec", 513: "login", 514: "shell", 515: "printer", 526: "tempo", 530: "courier",
    531: "chat", 532: "netnews", 540: "uucp", 548: "AFP", 554: "rtsp", 556: "remotefs",
    563: "nntp over TLS", 587: "smtp submission", 601: "syslog", 636: "ldap over TLS",
    989: "ftps data", 990: "ftps", 993: "imap over TLS", 995: "pop3 over TLS", 1719: "h323gatestat",
    1720: "h323hostcall", 1723: "pptp", 2049: "nfs", 3659: "apple-sasl", 4045: "lockd",
    5060: "sip", 5061: "sips", 6000: "X11", 6566: "sane", 6665: "IRC", 6666: "IRC", 6667: "IRC",
    6668: "IRC", 6669: "IRC", 6697: "IRC over TLS", 10080: "amanda",
}
"""``port_util.cc`` ``kRestrictedPorts`` (every scheme; ftp's exception for 21 went with ftp)."""

FIREFOX_ONLY_UNSAFE_PORTS: dict[int, str] = {4190: "ManageSieve", 6679: "osaut"}
"""Ports Firefox blocks (``gBadPortList``, as the Fetch standard) that Chromium 156 does not."""


def is_unsafe_port(port: int) -> bool:
    """Whether Chromium refuses a URL on ``port`` with ``ERR_UNSAFE_PORT``."""
    return port in UNSAFE_PORTS or not 0 <= port <= 65535


def firefox_refuses(port: int) -> bool:
    """Whether Firefox refuses ``port`` (``gBadPortList``: Chromium's list without 0, plus 4190 and 6679)."""
    return (port != 0 and port in UNSAFE_PORTS) or port in FIREFOX_ONLY_UNSAFE_PORTS
