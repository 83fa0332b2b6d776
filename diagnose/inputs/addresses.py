"""Every address-like value, parsed as an address: host names, IP addresses, ports, pins, servers.

``--resolve HOST:PORT:ADDRESS``, ``--dns-server ADDRESS[:PORT]``, ``--ntp-server
HOST[:PORT]`` and the profile's host lists all come through here, so
``1.2.3.4.5``, ``notanip``, a port of ``²`` or a name of 300 characters is one
line and exit code 2 at the door, never an exception inside a check.

Host names are read the way a browser reads the host of a URL (WHATWG, through
ada, the parser the url check uses): ``Exämple.COM`` becomes
``xn--exmple-cua.com``, so a pin matches the address it is meant for. A name
whose last label is a number is an IPv4 address to a browser (``1.2.3`` is
``1.2.0.3``); one that is not a valid address is refused.
"""

from __future__ import annotations

import ipaddress
import re

from diagnose.inputs.limits import MAX_HOST_CHARS, MAX_LABEL_CHARS, MAX_PIN_ADDRESSES
from diagnose.inputs.text import shown
from diagnose.settings import Endpoint, Pin, UsageError

_PORT = re.compile(r"[0-9]{1,5}")
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")


def port_number(text: str, context: str) -> int:
    """A TCP/UDP port from 1 to 65535 written in ASCII digits."""
    if not _PORT.fullmatch(text) or not 0 < int(text) < 65536:
        raise UsageError(f"{context}: the port must be a number from 1 to 65535")
    return int(text)


def ip_address(text: str, context: str) -> str:
    """An IPv4 or IPv6 address in its normal form (``[::1]`` accepted); zone ids are refused."""
    raw = text[1:-1] if text.startswith("[") and text.endswith("]") else text
    if "%" in raw:
        raise UsageError(f"{context}: {shown(raw)!r}: an address with a zone id (%…) is not supported")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        raise UsageError(f"{context}: {shown(raw)!r} is not an IP address") from None


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def host_name(text: str, context: str) -> str:
    """A DNS name as a browser would look it up: ASCII, lower case, no trailing dot.

    Refuses IP addresses (see :func:`host`), names a browser would not accept, empty
    labels and names or labels longer than DNS allows.
    """
    import ada_url

    name = text.strip()
    if not name or len(name) > 4 * MAX_HOST_CHARS:
        raise UsageError(f"{context}: {shown(name)!r} is not a host name")
    try:
        ascii_name = ada_url.URL(f"http://{name}/").hostname.rstrip(".")
    except ValueError:
        ascii_name = ""
    labels = ascii_name.split(".")
    if (
        not ascii_name
        or ascii_name.startswith("[")
        or is_ip(ascii_name)
        or len(ascii_name) > MAX_HOST_CHARS
        or any(len(label) > MAX_LABEL_CHARS or not _LABEL.fullmatch(label) for label in labels)
        or _NUMERIC_LABEL.fullmatch(labels[-1])
    ):
        raise UsageError(f"{context}: {shown(name)!r} is neither an IP address nor a host name")
    return ascii_name


def host(text: str, context: str) -> str:
    """An IP address (normal form) or a host name (see :func:`host_name`)."""
    raw = text.strip()
    bare = raw[1:-1] if raw.startswith("[") and raw.endswith("]") else raw
    if is_ip(bare) or "%" in bare:
        return ip_address(bare, context)
    return host_name(raw, context)


def parse_pin(text: str) -> Pin:
    """curl's ``HOST:PORT:ADDRESS[,ADDRESS…]`` (IPv6 addresses, and an IPv6 host, bracketed)."""
    context = f"--resolve {shown(text)!r}"
    if text.startswith("["):
        bracketed, sep, rest = text[1:].partition("]")
        host_text, ok = f"[{bracketed}]", bool(sep) and rest.startswith(":")
        rest = rest[1:]
    else:
        host_text, sep, rest = text.partition(":")
        ok = bool(sep)
    port_text, sep2, addr_text = rest.partition(":")
    if not (ok and sep2 and host_text and port_text and addr_text):
        raise UsageError(f"{context}: expected HOST:PORT:ADDRESS, for example app.atera.com:443:127.0.0.1")
    port = port_number(port_text, context)
    parts = addr_text.split(",")
    if len(parts) > MAX_PIN_ADDRESSES:
        raise UsageError(f"{context}: at most {MAX_PIN_ADDRESSES} addresses per name")
    addresses = tuple(ip_address(raw.strip(), context) for raw in parts)
    return Pin(host(host_text, context).strip("[]"), port, addresses)


def parse_endpoint(text: str, *, default_port: int, option: str, names: bool = True) -> Endpoint:
    """``HOST``, ``HOST:PORT``, a bare IPv6 address, or ``[IPv6]:PORT``.

    ``names=False`` accepts IP addresses only (``--dns-server ADDRESS[:PORT]``).
    """
    raw = text.strip()
    context = f"{option} {shown(raw)!r}"
    if not raw:
        raise UsageError(f"{option}: an empty value")
    if raw.startswith("["):
        inner, sep, rest = raw[1:].partition("]")
        if not sep:
            raise UsageError(f"{context}: missing ']'")
        if rest and not rest.startswith(":"):
            raise UsageError(f"{context}: unexpected text after ']'")
        port = port_number(rest[1:], context) if rest else default_port
        return Endpoint(ip_address(inner, context), port)
    if raw.count(":") > 1:  # a bare IPv6 address
        return Endpoint(ip_address(raw, context), default_port)
    host_text, sep, port_text = raw.partition(":")
    port = port_number(port_text, context) if sep else default_port
    if not names or is_ip(host_text):
        return Endpoint(ip_address(host_text, context), port)
    return Endpoint(host_name(host_text, context), port)
